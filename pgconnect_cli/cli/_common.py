"""Options and helpers shared by the typer commands (typer and stdlib only at import time)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, NoReturn

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


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Output format: human, json, github, junit or markdown.",
        case_sensitive=False,
        show_default=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Short for --format json.")]
NoColorOption = Annotated[
    bool, typer.Option("--no-color", help="No colour (also when NO_COLOR is set).", show_default=False)
]
StrictOption = Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")]


def _complete_ids(incomplete: str) -> list[str]:
    from pgconnect_cli.findings import CATALOGUE

    return [i for i in CATALOGUE if i.startswith(incomplete)]


IgnoreOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="ID",
        help="Accept this finding: shown as ignored, it fails nothing (repeatable; also `ignore` in "
        "\\[tool.pgc] of pyproject.toml or .pgc.toml).",
        autocompletion=_complete_ids,
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Human output: only the problems and the tally.")
]


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
