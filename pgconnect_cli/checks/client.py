"""What the project's client does with a URL, and how bad a transaction pooler is for it. Pure.

Reads the client table (`clients`): a parameter the client rejects is an error in the client's
own words, one it ignores is a note, and its prepared-statement setting decides the severity of
`prepared-statements-break` (the live probe remains the ground truth for the endpoint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pgconnect_cli.conninfo.model import CORE_KEYWORDS, LIBPQ_KEYWORDS, ConnInfo
from pgconnect_cli.conninfo.params import shown_name
from pgconnect_cli.findings import Finding, Severity, finding
from pgconnect_cli.known_clients import (
    Client,
    ClientAnswer,
    Seen,
    Session,
    Transport,
    switch_seen,
    url_turns_naming_off,
)
from pgconnect_cli.project import Project


def wire_client(answer: ClientAnswer) -> Client | None:
    """The row whose wire behaviour applies: an ORM's driver underneath, Drizzle's by what is installed."""
    client = answer.client
    if client is None or not client.driver:
        return client
    ids = {d.client.id for d in answer.found}
    for driver in client.driver.split("|"):
        if driver in ids:
            return next(d.client for d in answer.found if d.client.id == driver)
    from pgconnect_cli.known_clients import BY_ID

    return BY_ID[client.driver.split("|")[0]]


def reads(client: Client | None) -> frozenset[str]:
    """Parameters the client reads itself: never `param-unknown` for it."""
    return client.reads if client is not None else frozenset()


def check_url_for_client(ci: ConnInfo, answer: ClientAnswer, *, pooled: bool = False) -> list[Finding]:
    """`param-client-rejects` and `param-client-ignores` for the URL as the detected client reads it.
    `pooled`: the URL goes through a PgBouncer-style pooler (what answers an unknown startup parameter)."""
    client = answer.client
    if client is None:
        return []
    wire = wire_client(answer) or client
    found: list[Finding] = []
    rejected = dict(wire.rejects)
    for key, _ in ci.options:
        if key in CORE_KEYWORDS or key in client.reads or key in wire.reads:
            continue
        name = shown_name(key)
        if key in rejected:
            detail = f"{name}: {client.name} fails on it (`{rejected[key]}`)."
            found.append(finding("param-client-rejects", detail, f"Remove {name} from this client's URL."))
        elif key in wire.sent_as_startup:
            found.append(_startup_refused(name, client, pooled))
        elif key in client.ignores or key in wire.ignores:
            detail = f"{name}: {client.name} ignores it in the URL"
            detail += _where_instead(client, key)
            found.append(finding("param-client-ignores", detail + "."))
        elif key in LIBPQ_KEYWORDS or key in ("ssl", "requiressl"):
            continue
        elif wire.rejects_unknown:
            message = wire.rejects_unknown.format(name=name)
            detail = f"{name}: {client.name} hands the URL to libpq, which refuses it (`{message}`)."
            found.append(finding("param-client-rejects", detail, f"Remove {name} from this client's URL."))
        elif wire.unknown_as_startup:
            found.append(_startup_refused(name, client, pooled))
    return found


def _startup_refused(name: str, client: Client, pooled: bool) -> Finding:
    """A parameter the client sends as a startup parameter: PgBouncer's 08P01, PostgreSQL's 42704."""
    message = f"unsupported startup parameter: {name}"
    if not pooled:
        message = f'unrecognized configuration parameter "{name}"'
    detail = (
        f"{name}: {client.name} sends it to the server as a startup parameter, which the "
        f"{'pooler' if pooled else 'server'} refuses (`{message}`)."
    )
    return finding("param-client-rejects", detail, f"Remove {name} from this client's URL.")


def _where_instead(client: Client, key: str) -> str:
    if key == "connection_limit" and client.pool.name != "—":
        return f"; its pool size is {client.pool.name} in {client.pool.where} (default {client.pool.default})"
    if key in ("connect_timeout", "pool_timeout") and client.connect_timeout.where != "URL":
        t = client.connect_timeout
        return f"; its connect timeout is {t.name} in {t.where} (default {t.default})"
    if key == "pgbouncer":
        return ": it names no prepared statements unless told to, so the flag is not needed"
    return ""


@dataclass(frozen=True)
class PreparedVerdict:
    """How bad a pooler that loses named prepared statements is for this client, and why."""

    severity: Severity
    client: Client | None
    reason: str  # which setting decided, seen where (or that it could not be seen)
    fix: str


def prepared_verdict(
    answer: ClientAnswer, project: Project | None, params: dict[str, str]
) -> PreparedVerdict:
    """The severity of `prepared-statements-break` for the detected client, configured as seen."""
    client = answer.client
    if client is None:
        return PreparedVerdict(
            Severity.WARNING, None, "no client detected", "turn off named prepared statements in the client"
        )
    wire = wire_client(answer) or client
    # the row that holds the switch: Prisma 7's adapter option, SQLAlchemy's; else the driver's
    switcher = client if client.switch_marker or client.url_param_switch else wire
    if client.transport is Transport.HTTP:
        return PreparedVerdict(Severity.INFO, client, "its queries go over HTTP/WebSocket", client.fix)
    for row in (wire, client):
        if url_turns_naming_off(row, params):
            assert row.url_param_switch is not None
            name = row.url_param_switch[0]
            said = f"{name}={params[name]} in the URL turns them off"
            return PreparedVerdict(Severity.INFO, client, said, "nothing to change")
    seen = switch_seen(project, switcher)
    if switcher.switch_turns_on:
        if seen is Seen.ON:
            said = f"{switcher.prepared_switch} is set in the project, so it names its statements"
            return PreparedVerdict(Severity.ERROR, client, said, client.fix)
        said = f"it names no statements unless {switcher.prepared_switch} is set"
        if seen is Seen.UNSEEN:
            said += " (the project's code could not be seen)"
        return PreparedVerdict(Severity.INFO, client, said, "nothing to change")
    if not switcher.names_statements:
        return PreparedVerdict(Severity.INFO, client, "it names no prepared statements", "nothing to change")
    if seen is Seen.ON:
        said = f"{switcher.prepared_switch} is set in the project"
        return PreparedVerdict(Severity.INFO, client, said, "nothing to change")
    if switcher.retries_outside_transactions:
        return _retrying_verdict(client, switcher, project)
    if seen is Seen.UNSEEN and switcher.switch_marker:
        said = f"it names its statements unless {switcher.prepared_switch}; that setting could not be seen"
        return PreparedVerdict(Severity.WARNING, client, said, client.fix)
    said = f"it names its prepared statements by default ({switcher.prepared_switch} turns that off)"
    return PreparedVerdict(Severity.ERROR, client, said, client.fix)


def _retrying_verdict(client: Client, switcher: Client, project: Project | None) -> PreparedVerdict:
    """postgres.js: a statement the server lost is prepared again outside a transaction; inside
    `sql.begin` the transaction is aborted (26000/42P05) and the query fails."""
    said = (
        f"it names its statements ({switcher.prepared_switch} turns that off) and prepares a lost one "
        "again outside a transaction, but a query inside a transaction (sql.begin) fails"
    )
    used = (
        project is not None
        and bool(switcher.transaction_marker)
        and any(re.search(switcher.transaction_marker, text) for _, text in project.sources)
    )
    if used:
        return PreparedVerdict(Severity.ERROR, client, said + "; the project uses sql.begin", client.fix)
    if project is None or not project.sources:
        said += "; the project's code could not be seen"
    return PreparedVerdict(Severity.WARNING, client, said, client.fix)


def session_features(answer: ClientAnswer) -> tuple[Session, ...]:
    """The session features this client (or its migration tool) uses: what a transaction pooler breaks."""
    client = answer.client
    return client.session if client is not None else ()


def session_feature_findings(
    answer: ClientAnswer, name: str, *, migrations: bool, app: bool, observed: bool
) -> list[Finding]:
    """`session-feature-through-pooler` for a transaction-pooled URL `name`: the client's session
    features that run on it (advisory locks when migrations use it; the rest when the app does).
    `observed`: the pooling mode was confirmed live, not only suggested by the host name."""
    client = answer.client
    if client is None:
        return []
    used = [s for s in session_features(answer) if (migrations if s is Session.ADVISORY_LOCKS else app)]
    if not used:
        return []
    how = "confirmed live" if observed else "by its host name"
    detail = (
        f"{name} is transaction-pooled ({how}) and {client.name} uses "
        + ", ".join(s.value for s in used)
        + " on it: the pooler does not keep them between transactions."
    )
    fixes = []
    if Session.ADVISORY_LOCKS in used:
        fixes.append("give migrations a direct URL (DIRECT_URL; Prisma: directUrl / prisma.config.ts)")
    if any(s is not Session.ADVISORY_LOCKS for s in used) or client.id == "rails":
        fixes.append(client.fix)
    return [finding("session-feature-through-pooler", detail, "; ".join(fixes).capitalize() + ".")]
