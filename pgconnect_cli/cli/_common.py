"""Options and helpers shared by the typer commands (typer and stdlib only at import time)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Annotated, NoReturn

import typer

from pgconnect_cli.errors import PgcError, UsageError

# emit.py imports the standard library only: the one place OutputFormat lives (rich loads later)
from pgconnect_cli.render.emit import OutputFormat  # noqa: TID253

__all__ = ["OutputFormat", "error_line", "fail", "pick_format", "read_url_argument"]


HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


def command_group(help: str) -> typer.Typer:
    """A `pgc GROUP …` command group: -h/--help, and its help when run without a subcommand."""
    return typer.Typer(help=help, no_args_is_help=True, context_settings=HELP_OPTIONS)


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format.", case_sensitive=False, show_default=True),
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
    """The settings every report command shares, from its flags and the project's settings file
    (`config.load`): the finding ids to accept, and whether warnings fail. Bad input exits 2."""
    from pgconnect_cli.config import load

    try:
        settings = load()
        return ignore_ids(ignore, settings.ignore), strict or bool(settings.strict)
    except PgcError as err:
        fail(err)


def ignore_ids(flags: list[str] | None, configured: Iterable[str] = ()) -> tuple[str, ...]:
    """The finding ids to accept: `--ignore` values (each checked against the catalogue, a usage
    error naming the closest id) and the settings file's `ignore`."""
    from pgconnect_cli.config import check_ids

    given = [i.strip() for i in flags or []]
    check_ids(given)
    return tuple(dict.fromkeys([*given, *configured]))


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


_argv: list[list[str]] = []
_known: set[str] = set()


def set_argv(argv: list[str] | None) -> None:
    """The command line being run: messages quoting any part of it are scrubbed of its secrets."""
    _argv[:] = [list(argv)] if argv is not None else []
    _known.clear()


def remember_urls(values: Iterable[str]) -> None:
    """URLs the command read (from .env, the environment): their secrets are scrubbed from every
    message too, however the message quotes them (a misread URL shows pieces of its password)."""
    from contextlib import suppress

    from pgconnect_cli.conninfo.redact import url_secrets

    for value in values:
        with suppress(Exception):
            _known.update(url_secrets(value))


def argv_secrets(argv: list[str]) -> set[str]:
    """The secrets of every URL on a command line (conninfo's one gatherer, `url_secrets`), also
    of `NAME=URL` values and of a URL without its scheme (`app:pw@host`)."""
    from contextlib import suppress

    from pgconnect_cli.conninfo.redact import url_secrets

    secrets: set[str] = set()
    for arg in argv:
        value = arg.partition("=")[2] if "=" in arg and "://" not in arg.partition("=")[0] else ""
        for piece in {arg, value, f"postgresql://{arg}" if "://" not in arg and "@" in arg else ""}:
            if piece:
                with suppress(Exception):
                    secrets |= url_secrets(piece)
    return secrets


def redact(text: str) -> str:
    """`text` through the one redaction point (`conninfo.redact.scrub`) with every secret pgc
    knows of: the command line's URLs and the URLs it read (`remember_urls`)."""
    from pgconnect_cli.conninfo.redact import scrub

    secrets = (argv_secrets(_argv[0]) if _argv else set()) | _known
    return scrub(text, secrets)


def error_line(message: str) -> str:
    """`message` as it may leave pgc: redacted (`redact`), control characters escaped, one line."""
    from pgconnect_cli.render.sanitize import escape_controls

    return escape_controls(redact(message))


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
