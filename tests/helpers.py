"""Small helpers shared by test modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def pgc(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`pgc ARGS` end to end, as a child process with the test's environment plus `env`."""
    return subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def write_env(path: Path, **values: str) -> Path:
    """A .env file with `KEY="value"` lines."""
    path.write_text("".join(f'{k}="{v}"\n' for k, v in values.items()))
    return path
