"""`pgc url check` without typer: the most run command after `--version`, with a start-up budget
(6x a bare Python start) that importing typer and building the command tree alone would spend.

`check` answers only a command line it reads exactly as click reads it for the typer command
(`cli/url.py`): the options below, each value given once and not starting with `-`, one URL
argument (not `-`: stdin is read once). It then does what the typer command does, through the
same functions (`arguments`, `usecases.url_check`, `render.emit`). Anything else, and any
problem found before the first byte of output (a bad `--for`, a bad `--ignore` id, an unreadable
settings file, a missing variable), answers None: nothing was written, nothing was changed,
and the typer command runs and says what is wrong, exactly as it always has. A test runs both
ways on the same command lines and compares every byte.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

TYPE_CHECKING = False  # typing costs start-up
if TYPE_CHECKING:
    from pgconnect_cli.fast_args import Convert

# click's reading of the typer command's options: the flags, and the options that take a value
FLAGS = {"--json": "json", "--no-color": "no_color", "--strict": "strict", "--quiet": "quiet", "-q": "quiet"}
FORMATS = ("human", "json", "github", "junit", "markdown")  # OutputFormat's values


def _format(value: str) -> str:
    if value not in FORMATS:  # click's choice is case-insensitive: left to it
        raise ValueError(value)
    return value


SINGLE: dict[str, tuple[str, Convert]] = {
    "--format": ("fmt", _format),
    "-f": ("fmt", _format),
    "--for": ("for_", str),
    "--env": ("env", str),
}
MULTIPLE: dict[str, tuple[str, Convert]] = {"--ignore": ("ignore", str)}
VALUES = {**SINGLE, **MULTIPLE}


@dataclass
class Options:
    url: str | None = None
    env: str | None = None
    for_: str = "app"
    fmt: str = "human"
    json: bool = False
    no_color: bool = False
    strict: bool = False
    quiet: bool = False
    ignore: list[str] = field(default_factory=list)


def parse(args: list[str]) -> Options | None:
    """The options of `pgc url check ARGS`, or None for a command line left to click."""
    from pgconnect_cli.fast_args import read

    given = read(args, FLAGS, SINGLE, MULTIPLE, argument="url")
    return None if given is None else Options(**given)  # type: ignore[arg-type]


def check(argv: list[str], machine: bool) -> int | None:
    """`pgc url check …` as the typer command does it; None: left to the typer command."""
    options = parse(argv[2:])
    if options is None:
        return None
    try:
        from pgconnect_cli.arguments import read_url, report_settings
        from pgconnect_cli.usecases.url_check import check as check_url

        raw = read_url(options.url, options.env)
        ids, strict = report_settings(options.ignore or None, options.strict)
        result = check_url(raw, options.for_, ids)
    except Exception:
        return None  # the typer command says what is wrong, as it always has
    from pgconnect_cli.render.emit import OutputFormat, emit

    if options.no_color:
        os.environ["NO_COLOR"] = "1"
    fmt = OutputFormat.json if options.json else OutputFormat(options.fmt)
    emit(result, fmt, strict=strict, quiet=options.quiet)
    return result.exit_code(strict=strict)
