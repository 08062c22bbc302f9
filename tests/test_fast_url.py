"""`pgc url check` without typer (`pgconnect_cli.fast_url`) is the typer command, byte for byte:
it reads a command line as click reads it or leaves it to click, and the same command lines give
the same stdout, stderr and exit status both ways."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from pgconnect_cli import fast_url
from pgconnect_cli.cli import app
from tests.helpers import fast_path_and_tree

URL = "postgresql://app:s3cret@db.example.com:5432/app?sslmode=require"
POOLED = "postgresql://app.ref:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres"
BROKEN = "postgres://u@h/db?sslmode=disable&connect_timeout=x"


def _command() -> typer.core.TyperCommand:
    group = typer.main.get_command(app)
    return group.commands["url"].commands["check"]


def _click_reads(args: list[str]) -> dict[str, object] | None:
    from typer._click.exceptions import ClickException

    try:
        # the tree's help names: click keeps the help option it made on the (cached) command, and
        # a context without them would leave `url check` without -h for the tests that follow
        ctx = _command().make_context(
            "check", list(args), resilient_parsing=False, help_option_names=["-h", "--help"]
        )
    except (ClickException, typer.Exit):
        return None
    return ctx.params


def test_the_fast_options_are_the_typer_commands_options() -> None:
    params = {p.name: p for p in _command().params if p.name != "help"}
    flags = {o for p in params.values() if getattr(p, "is_flag", False) for o in p.opts}
    values = {o for p in params.values() if not getattr(p, "is_flag", False) for o in p.opts if o != "url"}
    assert set(fast_url.FLAGS) == flags
    assert set(fast_url.VALUES) == values
    assert [p.name for p in params.values() if p.multiple] == ["ignore"]
    defaults = fast_url.Options()
    assert params["for_"].default == defaults.for_
    assert params["fmt"].default.value == defaults.fmt
    assert list(params["fmt"].type.choices) == list(fast_url.FORMATS)


TOKENS = [
    URL,
    POOLED,
    "-",
    "--",
    "",
    "x",
    "-x",
    "--json",
    "--json=1",
    "--no-color",
    "--strict",
    "--quiet",
    "-q",
    "-qf",
    "--format",
    "--format=json",
    "--format=",
    "-f",
    "-fjson",
    "json",
    "JSON",
    "markdown",
    "--for",
    "--for=psql",
    "psycopg",
    "prisma",
    "--env",
    "--env=DATABASE_URL",
    "DATABASE_URL",
    "--ignore",
    "--ignore=url-no-sslmode",
    "url-no-sslmode",
    "--help",
    "-h",
    "--fo",
]


@given(st.lists(st.sampled_from(TOKENS), max_size=7))
def test_a_command_line_the_fast_path_reads_is_read_so_by_click(args: list[str]) -> None:
    options = fast_url.parse(args)
    if options is None:
        return  # left to click
    params = _click_reads(args)
    assert params is not None, args
    assert params["url"] == options.url
    assert params["env"] == options.env
    assert params["for_"] == options.for_
    assert str(getattr(params["fmt"], "value", params["fmt"])) == options.fmt
    assert (params["json_"], params["no_color"], params["strict"], params["quiet"]) == (
        options.json,
        options.no_color,
        options.strict,
        options.quiet,
    )
    assert list(params["ignore"] or ()) == options.ignore


CASES = [
    [URL],
    [POOLED, "--for", "prisma"],
    [POOLED, "--for=psycopg", "--strict"],
    ["--json", URL],
    [BROKEN, "--format", "markdown", "--ignore", "param-value-invalid"],
    [URL, "-f", "junit", "-q"],
    ["--env", "DATABASE_URL", "--format=github"],
    [BROKEN, "--quiet"],
    [BROKEN, "--no-color", "--for", "migrate", "--strict", "--json"],
    # declined before any output: the typer command reports them
    [URL, "--for", "nope"],
    [URL, "--ignore", "no-such-id", "--json"],
    ["--env", "UNSET_VARIABLE"],
    ["--env", "EMPTY_VARIABLE", "--json"],
    # left to click
    [URL, "--format", "JSON"],
    [URL, URL],
    [],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c)[:60] or "(none)" for c in CASES])
def test_the_fast_path_and_the_typer_command_print_the_same(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pgc]\nignore = ["sslmode-missing"]\n')
    drop = ("PG", "DATABASE_URL", "_PGC", "NO_COLOR", "GITHUB_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env |= {"DATABASE_URL": POOLED + "?pgbouncer=true", "EMPTY_VARIABLE": " ", "COLUMNS": "100"}
    argv = ["url", "check", *args]
    fast, slow = fast_path_and_tree(argv, tmp_path, env)
    assert fast == slow


def test_url_check_from_the_console_entry_loads_no_typer_rich_only_for_a_terminal(tmp_path: Path) -> None:
    """rich draws colours and bold for a terminal (FORCE_COLOR stands in for one here); a pipe gets
    the plain writer, which prints the same text without loading rich."""
    code = (
        "import sys, os\n"
        "from pgconnect_cli import edge, entry\n"
        "def leave(code):\n"
        "    heavy = {'typer', 'click', 'rich', 'psycopg', 'dns', 'dotenv'}\n"
        "    sys.stderr.write(' '.join(sorted(heavy & {m.split('.')[0] for m in sys.modules})))\n"
        "    sys.stderr.flush(); sys.stdout.flush(); os._exit(code)\n"
        "edge.leave = leave\n"
        "sys.argv = ['pgc', *sys.argv[1:]]\n"
        "entry.main()\n"
    )
    loaded = {}
    plain = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    for name, fmt, env in (
        ("human", "human", plain),
        ("terminal", "human", {**plain, "FORCE_COLOR": "1"}),
        ("json", "json", plain),
    ):
        done = subprocess.run(
            [sys.executable, "-c", code, "url", "check", URL, "--format", fmt],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
        assert done.returncode in (0, 1), done.stderr
        loaded[name] = done.stderr.split()
    assert loaded == {"human": [], "terminal": ["rich"], "json": []}
