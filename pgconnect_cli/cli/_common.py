"""Helpers shared by the typer commands (typer and stdlib only at import time); the shared options are
in options.py."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import typer

from pgconnect_cli import arguments
from pgconnect_cli.arguments import ignore_ids, read_stdin_line, read_url_argument
from pgconnect_cli.errors import PgcError
from pgconnect_cli.messages import argv_secrets, error_line, redact, remember_urls, set_argv

# emit.py imports the standard library only: the one place OutputFormat lives (rich loads later)
from pgconnect_cli.render.emit import OutputFormat  # noqa: TID253

__all__ = [
    "OutputFormat",
    "argv_secrets",
    "error_line",
    "fail",
    "ignore_ids",
    "pick_format",
    "read_stdin_line",
    "read_url_argument",
    "redact",
    "remember_urls",
    "set_argv",
]


HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


def command_group(help: str) -> typer.Typer:
    """A `pgc GROUP …` command group: -h/--help, and its help when run without a subcommand."""
    return typer.Typer(help=help, no_args_is_help=True, context_settings=HELP_OPTIONS)


def report_settings(ignore: list[str] | None, strict: bool) -> tuple[tuple[str, ...], bool]:
    """`arguments.report_settings`; bad input exits 2."""
    try:
        return arguments.report_settings(ignore, strict)
    except PgcError as err:
        fail(err)


# The output format of the running command, once known: an error before the result is then a
# `pgc.error/v1` document on stdout too (for programs), not only a line on stderr (for people).
# Kept on the command's click context, so that it lives exactly as long as one invocation.
_FORMAT_KEY = "pgc.format"


def pick_format(fmt: OutputFormat, json_flag: bool) -> OutputFormat:
    chosen = OutputFormat.json if json_flag else fmt
    set_format(chosen)
    return chosen


def set_format(fmt: OutputFormat | None) -> None:
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().meta[_FORMAT_KEY] = fmt


def current_format() -> OutputFormat | None:
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    found = ctx.find_root().meta.get(_FORMAT_KEY) if ctx is not None else None
    return found if isinstance(found, OutputFormat) else None


def report_error(message: str, *, code: str = "usage-error") -> None:
    """One `pgc: error:` line on stderr; under a machine format also the error document on stdout."""
    from pgconnect_cli.render.emit import emit_error

    text = error_line(message)
    fmt = current_format()
    if fmt is not None and fmt.machine:
        emit_error(code, text)
    sys.stderr.write(f"pgc: error: {text}\n")


def apply_no_color(no_color: bool) -> None:
    if no_color:
        os.environ["NO_COLOR"] = "1"


def fail(err: PgcError) -> NoReturn:
    """One line on stderr (and the error document under --json), the error's exit code; never a
    traceback."""
    report_error(err.message, code="usage-error" if err.exit_code == 2 else "error")
    raise typer.Exit(err.exit_code)
