"""A stdout that cannot encode everything (PYTHONIOENCODING=ascii, a Latin-1 locale) gets the
report with its punctuation in ASCII, and help with escapes: never an encoding error, exit 3."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pgconnect_cli.render.console import Plain, Text, encodable

URL = "postgres://u:pw@db.example.com/d"


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize(
    "args",
    [
        ["url", "check", URL],
        ["doctor", "--offline", "--url", URL],
        ["doctor", "--offline", "--url", URL, "-v"],
        ["pool", "plan", "--instances", "3", "--max-connections", "100"],
        ["doctor", "--help"],
        ["url", "fix", "--help"],
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else a,
)
def test_a_narrow_stdout_gets_readable_output(args: list[str], encoding: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL", "NO_COLOR"))}
    done = subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", *args],
        capture_output=True,
        cwd=tmp_path,
        env={**env, "PYTHONIOENCODING": encoding},
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr.decode(errors="replace")
    assert b"internal error" not in done.stderr
    done.stdout.decode(encoding)  # what was written is text of that encoding
    assert done.stdout.strip()


def test_the_reports_punctuation_becomes_ascii_and_the_rest_is_escaped() -> None:
    class Ascii(io.StringIO):
        encoding = "ascii"

    out = Ascii()
    Plain(out).print(Text("a · b → c — d ✓ é 世"))
    assert out.getvalue() == "a - b -> c - d ok \\xe9 \\u4e16\n"
    utf8 = io.StringIO()
    assert encodable("a · b", utf8) == "a · b"  # unchanged where it can be written
