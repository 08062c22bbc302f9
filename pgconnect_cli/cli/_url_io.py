"""Input and output of the `pgc url` commands: reading the URL argument, the product on stdout,
notes on stderr, and the --mode/--provider choices (typer and stdlib only at import time)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from pgconnect_cli.arguments import read_url
from pgconnect_cli.cli._common import fail
from pgconnect_cli.errors import PgcError, UsageError

if TYPE_CHECKING:
    from pgconnect_cli.providers import PoolMode
    from pgconnect_cli.usecases.url_tools import UrlProduct

UrlArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="URL",
        help="The connection string; `-` reads it from stdin (keeps the password out of shell history).",
        show_default=False,
    ),
]
EnvOption = Annotated[
    str | None,
    typer.Option("--env", metavar="NAME", help="Read the URL from this environment variable instead."),
]


def _printable(text: str) -> str:
    from pgconnect_cli.conninfo.redact import printable

    return printable(text)


def note(text: str, kind: str = "note") -> None:
    sys.stderr.write(_printable(f"pgc: {kind}: {text}\n"))


def emit(text: str) -> None:
    """A URL (or PG* lines) on stdout, byte for byte: values that were not UTF-8 stay as they were."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = _printable(text).encode("utf-8")
    typer.echo(data)


def raw_url(url: str | None, env: str | None) -> str:
    try:
        return read_url(url, env)
    except PgcError as exc:
        fail(exc)


def product(make: Callable[[], UrlProduct]) -> NoReturn:
    """Run one use case: its notes on stderr, its text on stdout; a refusal is one finding line, exit 1."""
    from pgconnect_cli.usecases.url_tools import UrlRefused

    try:
        product = make()
    except UrlRefused as exc:
        for n in exc.notes:
            note(n.text, n.kind)
        sys.stderr.write(_printable(f"pgc: error: {exc.id}: {exc.detail}\n"))
        raise typer.Exit(1) from None
    except PgcError as exc:
        fail(exc)
    emit(product.text)
    for n in product.notes:
        note(n.text, n.kind)
    raise typer.Exit(product.exit_code)


def pairs(values: list[str] | None, flag: str) -> list[tuple[str, str]]:
    out = []
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(UsageError(f"{flag} takes KEY=VALUE"))
        out.append((key.strip(), value))
    return out


def mode_names() -> list[str]:
    return ["transaction", "session"]


def pool_mode(value: str) -> PoolMode:
    """--mode as the product's PoolMode; exit 2 for anything but transaction or session."""
    from pgconnect_cli.providers import PoolMode

    if value.lower() not in mode_names():
        fail(UsageError(f"--mode must be one of {', '.join(mode_names())}"))
    return PoolMode(value.lower())


def provider_ids() -> list[str]:
    from pgconnect_cli.providers import build_provider_ids

    return list(build_provider_ids())


ModeOption = Annotated[
    str,
    typer.Option(
        "--mode",
        metavar="<transaction|session>",
        autocompletion=mode_names,
        help="Pool mode of the endpoint to derive.",
    ),
]
