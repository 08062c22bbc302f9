"""Small helpers shared by test modules: the ways to run pgc, and .env files.

`cli(*args)` runs the whole command line in this process, through the same edge as the console
script (`pgconnect_cli.cli.run`: usage errors, signals, output errors), with stdout and stderr
apart. `pgc(*args)` runs it as a child process, for what needs a real process (exit status of
the interpreter, signals, pipes, `sys.modules`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CliResult:
    """What `cli()` saw: the same attribute names as typer's `Result`."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli(*args: str, env: Mapping[str, str | None] | None = None, input: str | None = None) -> CliResult:
    """`pgc ARGS` in this process, stdin from `input`, the environment plus `env`."""
    from typer.testing import CliRunner

    from pgconnect_cli.cli import run

    runner = CliRunner()
    with runner.isolation(input=input, env=env) as (out, err, _):
        try:
            code = run(list(args))
        except SystemExit as exc:  # a command that called sys.exit itself
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        result = CliResult(
            code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")
        )
    _validated(args, result.stdout)
    return result


def _validated(args: Sequence[str], stdout: str) -> None:
    """JSON on stdout matches its shipped schema (pgconnect_cli/schemas) as consumers read it:
    required keys, types, and no key the schema does not describe."""
    import json

    from tests.contracts.validate import EXPLAIN_LIST, asks_for_json, validate

    if not asks_for_json(list(args)) or not stdout.strip():
        return
    name = EXPLAIN_LIST if list(args[:1]) == ["explain"] and "--list" in args else None
    validate(json.loads(stdout), name, strict_keys=True)


def pgc(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`pgc ARGS` end to end, as a child process with the test's environment plus `env`."""
    result = subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        input=input,
    )
    _validated(args, result.stdout)
    return result


def write_env(path: Path, **values: str) -> Path:
    """A .env file with `KEY="value"` lines."""
    path.write_text("".join(f'{k}="{v}"\n' for k, v in values.items()))
    return path


def fast_path_and_tree(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[tuple[int, str, str], ...]:
    """`pgc ARGS` through the fast path and through the typer command tree (as every other
    command runs), the two at once: (exit code, stdout, stderr) of each."""
    tree = "import sys; from pgconnect_cli.cli import main; sys.argv = ['pgc', *sys.argv[1:]]; main()"
    children = [
        subprocess.Popen(
            [sys.executable, *start, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=env,
        )
        for start in (["-m", "pgconnect_cli"], ["-c", tree])
    ]
    done = []
    for child in children:
        out, err = child.communicate(timeout=120)
        done.append((child.returncode, out, err))
    return tuple(done)
