"""`pgc doctor` without typer (`fast_doctor`): it reads a command line only as click reads it, and
prints what the typer command prints, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from pgconnect_cli import fast_doctor
from pgconnect_cli.cli import app
from pgconnect_cli.render.emit import OutputFormat
from pgconnect_cli.usecases.doctor_command import DoctorArgs
from tests.helpers import fast_path_and_tree

URL = "postgresql://app:s3cret@db.example.com:5432/app?sslmode=require"
POOLED = "postgresql://app.ref:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres"
BROKEN = "postgres://u:pw@h/db?sslmode=disable&connect_timeout=x"


def _command() -> typer.core.TyperCommand:
    return typer.main.get_command(app).commands["doctor"]


def _click_reads(args: list[str]) -> dict[str, object] | None:
    from typer._click.exceptions import ClickException

    try:
        # the tree's help names: click keeps the help option it made on the (cached) command
        ctx = _command().make_context(
            "doctor", list(args), resilient_parsing=False, help_option_names=["-h", "--help"]
        )
    except (ClickException, typer.Exit):
        return None
    return ctx.params


def test_the_fast_options_are_the_typer_commands_options() -> None:
    params = [p for p in _command().params if p.name != "help"]
    flags = {o for p in params if getattr(p, "is_flag", False) for o in p.opts}
    single = {o for p in params if not getattr(p, "is_flag", False) and not p.multiple for o in p.opts}
    multiple = {o for p in params if p.multiple for o in p.opts}
    assert set(fast_doctor.FLAGS) == flags
    assert set(fast_doctor.SINGLE) == single
    assert set(fast_doctor.MULTIPLE) == multiple
    assert not any(p.secondary_opts for p in params)  # no --no-X twins to read
    assert not any(getattr(p, "envvar", None) for p in params)  # nothing read from the environment
    defaults = DoctorArgs()
    for p in params:
        default = p.default if not p.multiple else list(p.default or ())
        assert getattr(defaults, p.name or "") == default, p.name
    kinds = {p.opts[0]: type(p.type).__name__ for p in params if not getattr(p, "is_flag", False)}
    assert kinds == {
        "--url": "StringParamType",
        "--env-file": "TyperPath",
        "--client": "StringParamType",
        "--timeout": "FloatParamType",
        "--wait": "FloatParamType",
        "--resolver": "StringParamType",
        "--resolve": "StringParamType",
        "--instances": "IntParamType",
        "--ignore": "StringParamType",
        "--format": "TyperChoice",
    }
    fmt = next(p for p in params if p.name == "fmt")
    assert [getattr(c, "value", c) for c in fmt.type.choices] == [f.value for f in OutputFormat]


TOKENS = [
    URL,
    f"DATABASE_URL={POOLED}",
    "-",
    "--",
    "",
    "x",
    "-x",
    "--url",
    f"--url={URL}",
    "--url=",
    "--env-file",
    "--env-file=.env.prod",
    ".env",
    "--no-environment",
    "--client",
    "--client=prisma",
    "psycopg",
    "--timeout",
    "--timeout=2",
    "2.5",
    "1e1",
    "abc",
    "1_0",
    "-1",
    "--wait=0",
    "--resolver",
    "127.0.0.1:5353",
    "--resolve",
    "db.example.com:127.0.0.1",
    "--offline",
    "--instances",
    "--instances=3",
    "3",
    "2.0",
    "--strict",
    "--ignore",
    "--ignore=tls-expiring",
    "--ci",
    "--verbose",
    "-v",
    "-vq",
    "--quiet",
    "-q",
    "--format",
    "--format=JSON",
    "-f",
    "-fjson",
    "json",
    "Markdown",
    "--json",
    "--json=1",
    "--no-color",
    "--help",
    "-h",
    "--version",
    "--time",
]


@given(st.lists(st.sampled_from(TOKENS), max_size=8))
def test_a_command_line_the_fast_path_reads_is_read_so_by_click(args: list[str]) -> None:
    read = fast_doctor.parse(args)
    if read is None:
        return  # left to click
    params = _click_reads(args)
    assert params is not None, args
    for name, value in params.items():
        ours = getattr(read, name)
        if name == "env_file":  # typer makes Paths of click's strings when it calls the command
            assert ours == [Path(v) for v in value or ()], args
        elif isinstance(value, tuple | list) or (value is None and isinstance(ours, list)):
            assert ours == list(value or ()), (name, args)
        else:
            assert ours == value, (name, args)


CASES = [
    ["--offline"],
    ["--offline", "--url", URL],
    ["--offline", "--url", f"DATABASE_URL={POOLED}", "--url", f"DIRECT_URL={URL}", "--client", "prisma"],
    ["--offline", "--url", BROKEN, "--json"],
    ["--offline", "--url", BROKEN, "--format", "markdown", "--ignore", "param-value-invalid", "-v"],
    ["--offline", "--url", BROKEN, "-f", "junit", "-q", "--strict"],
    ["--offline", "--env-file", ".env.prod", "--format=github", "--ci"],
    ["--offline", "--no-environment", "--env-file=.env.prod", "--no-color", "--instances", "4"],
    ["--offline", "--url", URL, "--client", "Psycopg", "--timeout=2", "--wait", "0"],
    # errors raised inside the run: both report them the same way
    ["--offline", "--no-environment"],
    ["--offline", "--no-environment", "--json"],
    ["--offline", "--url", URL, "--client", "nope", "--format", "json"],
    ["--offline", "--url", URL, "--ignore", "no-such-id"],
    ["--offline", "--url", "DATABASE_URL="],
    ["--offline", "--url", URL, "--timeout", "-1"],
    ["--offline", "--url", URL, "--timeout", "nan", "--json"],
    ["--offline", "--url", URL, "--resolver", "not-an-ip"],
    ["--offline", "--env-file", "missing.env"],
    # left to click
    ["--offline", "--url", URL, "--timeout", "abc"],
    ["--offline", "--url", URL, "extra"],
    ["--offline", "-vq", "--url", URL],
    ["--offline", "--url", URL, "--format", "yaml"],
    ["--offline", "--url", URL, "--instances", "2.0", "--json"],
    ["-h"],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c)[:60] for c in CASES])
def test_the_fast_path_and_the_typer_command_print_the_same(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pgc]\nignore = ["sslmode-missing"]\n')
    (tmp_path / ".env").write_text(f"DATABASE_URL={POOLED}\n")
    (tmp_path / ".env.prod").write_text(f"DATABASE_URL={POOLED}\nDIRECT_URL={BROKEN}\n")
    drop = ("PG", "DATABASE_URL", "DIRECT_URL", "_PGC", "NO_COLOR", "GITHUB_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env |= {"APP_DATABASE_URL": URL, "COLUMNS": "100", "GITHUB_ACTIONS": "true"}
    argv = ["doctor", *args]
    fast, slow = fast_path_and_tree(argv, tmp_path, env)
    # the elapsed time is the one thing two runs may print differently
    assert _untimed(fast) == _untimed(slow)


def _untimed(result: tuple[int, str, str]) -> tuple[int, str, str]:
    import re

    code, out, err = result
    timing = re.compile(r'("elapsed_ms": )[\d.]+|(in [\d.]+ s)|(time=")[\d.]+|(\d+ checks?, )[\d.]+ s')
    return code, timing.sub("#", out), err


def test_a_doctor_run_from_the_console_entry_loads_no_typer(tmp_path: Path) -> None:
    code = (
        "import sys, os\n"
        "from pgconnect_cli import edge, entry\n"
        "def leave(code):\n"
        "    heavy = {'typer', 'click', 'rich', 'psycopg'}\n"
        "    sys.stderr.write(' '.join(sorted(heavy & {m.split('.')[0] for m in sys.modules})))\n"
        "    sys.stderr.flush(); sys.stdout.flush(); os._exit(code)\n"
        "edge.leave = leave\n"
        "sys.argv = ['pgc', *sys.argv[1:]]\n"
        "entry.main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "doctor", "--offline", "--url", URL],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr.split() == []
