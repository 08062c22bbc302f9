"""`pgc url check` as plain Python: who uses the URL (`--for`), the check, the accepted findings.

Called by the typer command (`cli/url.py`) and by the start-up fast path (`fast_url.py`), which
answers without loading typer; both then print the result through `render.emit`. Imports stay
inside the functions: this module is imported at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pgconnect_cli.checks.context import Context
    from pgconnect_cli.checks.url import UrlCheck
    from pgconnect_cli.known_clients import ClientAnswer
    from pgconnect_cli.project import Client


class UnknownWho(ValueError):
    """`--for` names neither a context nor a row of the client table."""


def for_names() -> list[str]:
    """`--for` values: the contexts (`checks.context`, a leaf), then the client table's row ids."""
    from pgconnect_cli.checks.context import Context
    from pgconnect_cli.known_clients import BY_ID

    return [*(c.value for c in Context), *BY_ID]


def who(value: str) -> tuple[Context, Client | None, int | None, ClientAnswer | None]:
    """`--for`: a context (the client detected from the project in the current directory), or a
    row of the client table (that client, whatever the project says)."""
    from pgconnect_cli import known_clients, project
    from pgconnect_cli.checks.context import Context

    name = value.lower()
    if name not in for_names():
        raise UnknownWho(f"{value}: one of {', '.join(for_names())}")
    if name == Context.PSQL.value:
        return Context.PSQL, None, None, None
    detected = project.detect(Path.cwd())
    major = detected.prisma_major
    if name in known_clients.BY_ID:
        answer = known_clients.detect(detected, explicit=name)
        row = known_clients.BY_ID[name]
        context = Context.PRISMA if row.id == "prisma6" else Context.APP
        return context, known_clients.coarse_kind(row), 7 if row.id.startswith("prisma7") else major, answer
    if name == Context.PRISMA.value:
        return Context.PRISMA, None, major, known_clients.detect(detected, explicit="prisma")
    found = known_clients.detect(detected)
    kind = known_clients.coarse_kind(found.client) if found.client is not None else None
    return Context(name), kind, major, found


def check(raw: str, for_: str, ignore: Sequence[str]) -> UrlCheck:
    """The URL checked for `--for`, the findings of `ignore` accepted. `UnknownWho` for a bad `--for`."""
    from pgconnect_cli.checks.url import check_url
    from pgconnect_cli.findings import ignore as accept

    context, client, major, answer = who(for_)
    return accept(check_url(raw, context=context, client=client, prisma_major=major, answer=answer), ignore)
