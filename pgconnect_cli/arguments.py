"""Reading a URL given on the command line: the argument, stdin (`-`) or a variable (`--env NAME`).

Plain Python, no typer: the typer commands (`cli/`) and the start-up fast path (`fast_url.py`)
read their URL through these. A problem is a `UsageError` (exit 2); the caller reports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from pgconnect_cli.errors import UsageError

# Only ASCII whitespace: str.strip() would also drop a no-break space that libpq keeps (and fails on).
_ASCII_SPACE = " \t\n\r\v\f"
MAX_URL = 65536  # real connection strings are a few hundred characters; this is garbage or an attack


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


def read_url(url: str | None, env: str | None) -> str:
    """The URL of a `pgc url` command as text libpq can be given: not empty, not absurdly long."""
    from pgconnect_cli.conninfo.parse import as_text

    text = as_text(read_url_argument(url, env))
    if not text.strip():  # libpq would read "" as "all defaults": a local socket, not the database meant
        raise UsageError("empty URL" + (f": {env} is set but empty" if env else ""))
    if len(text) > MAX_URL:
        raise UsageError(
            f"the URL is {len(text)} characters long; pgc reads connection strings up to {MAX_URL}"
        )
    return text


def report_settings(ignore: list[str] | None, strict: bool) -> tuple[tuple[str, ...], bool]:
    """The settings every report command shares, from its flags and the project's settings file
    (`config.load`): the finding ids to accept, and whether warnings fail."""
    from pgconnect_cli.config import load

    settings = load()
    return ignore_ids(ignore, settings.ignore), strict or bool(settings.strict)


def ignore_ids(flags: list[str] | None, configured: Iterable[str] = ()) -> tuple[str, ...]:
    """The finding ids to accept: `--ignore` values (each checked against the catalogue, a usage
    error naming the closest id) and the settings file's `ignore`."""
    from pgconnect_cli.config import check_ids

    given = [i.strip() for i in flags or []]
    check_ids(given)
    return tuple(dict.fromkeys([*given, *configured]))
