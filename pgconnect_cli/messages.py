"""What leaves pgc as a message: every secret pgc knows of scrubbed, control characters escaped.

Plain Python, no typer: the edge (`edge.py`), the typer commands (through `cli/_common.py`) and
the start-up fast path share the one state, the command line being run and the URLs it read.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

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


def say_error(message: str, *, machine: bool, code: str) -> None:
    """One `pgc: error:` line on stderr; with `machine` (JSON asked for) the `pgc.error/v1`
    document on stdout first."""
    from contextlib import suppress

    text = error_line(message)
    if machine:
        from pgconnect_cli.render.emit import emit_error

        with suppress(OSError):
            emit_error(code, text)
    sys.stderr.write(f"pgc: error: {text}\n")
