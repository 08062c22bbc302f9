"""Options and helpers shared by the typer commands (typer and stdlib only at import time)."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, NoReturn

import typer

from pgconnect_cli.errors import PgcError, UsageError


class OutputFormat(str, Enum):
    human = "human"
    json = "json"
    github = "github"
    junit = "junit"
    markdown = "markdown"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format.", case_sensitive=False, show_default=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Short for --format json.")]
NoColorOption = Annotated[
    bool, typer.Option("--no-color", help="No colour (also when NO_COLOR is set).", show_default=False)
]
StrictOption = Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")]


def pick_format(fmt: OutputFormat, json_flag: bool) -> OutputFormat:
    return OutputFormat.json if json_flag else fmt


def apply_no_color(no_color: bool) -> None:
    if no_color:
        os.environ["NO_COLOR"] = "1"


def fail(err: PgcError) -> NoReturn:
    """One line on stderr, the error's exit code; never a traceback."""
    sys.stderr.write(f"pgc: error: {err.message}\n")
    raise typer.Exit(err.exit_code)


# Only ASCII whitespace: str.strip() would also drop a no-break space that libpq keeps (and fails on).
_ASCII_SPACE = " \t\n\r\v\f"


def read_url_argument(url: str | None, env: str | None = None, *, name: str = "URL") -> str:
    """A URL from the argument, from stdin (`-`) or from an environment variable (`--env NAME`).

    Reading it from stdin or a variable keeps the password out of shell history and `ps`.
    """
    if env:
        if url is not None:
            raise UsageError(f"give either {name} or --env {env}, not both")
        value = os.environ.get(env)
        if value is None:
            raise UsageError(f"environment variable {env} is not set")
        return value.strip(_ASCII_SPACE)
    if url is None:
        raise UsageError(f"missing {name} (or `-` to read it from stdin, or --env NAME)")
    if url == "-":
        return read_stdin_line(f"no {name} on stdin")
    return url


def read_stdin_line(empty_message: str) -> str:
    """One line from stdin, stripped; a usage error when it is empty or not UTF-8 text."""
    try:
        data = sys.stdin.readline().strip(_ASCII_SPACE)
    except UnicodeDecodeError:
        raise UsageError("the input on stdin is not UTF-8 text") from None
    if not data:
        raise UsageError(empty_message)
    return data
