"""`pgc pool plan` as plain Python: gather the inputs (flags, the URL, the project, the live
server), compute the budget (`pool.budget`, pure) and return one `PoolPlan` to render.

The live read is injected (`read_limits`), so the whole use case runs without a network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pgconnect_cli.errors import UsageError
from pgconnect_cli.findings import Finding, exit_code_for, finding
from pgconnect_cli.pool import (
    ALL_CLIENTS,
    POOL_CLIENT_NAMES,
    PRISMA_POOL_TIMEOUT,
    Budget,
    EndpointKind,
    Inputs,
    LiveLimits,
    PlanLimits,
    PoolClient,
    Setting,
    budget,
    default_pool,
    is_prisma,
    pool_client,
    pool_defaults,
    prisma_cli_direct,
    settings,
)

if TYPE_CHECKING:
    from pgconnect_cli.probes.limits import LimitsObservation

LimitsReader = Callable[[str], "LimitsObservation"]


@dataclass(frozen=True)
class PoolRequest:
    """The command line, as typed (None: not given)."""

    cpus: int | None = None
    instances: int = 1
    serverless: bool = False
    concurrency: int | None = None
    pool_size: int | None = None
    client: str | None = None
    provider: str | None = None
    plan: str | None = None
    endpoint: str | None = None
    max_connections: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class PoolPlan:
    inputs: Inputs
    budget: Budget
    settings: tuple[Setting, ...]
    plan: PlanLimits | None
    live: LiveLimits | None
    notes: tuple[str, ...]
    findings: tuple[Finding, ...]

    def exit_code(self, *, strict: bool = False) -> int:
        return exit_code_for(self.findings, strict=strict)


CLIENT_CHOICES: tuple[str, ...] = ("prisma", *POOL_CLIENT_NAMES)


def plan_limits(provider: str, plan: str | None) -> PlanLimits | None:
    """The plan's published limits from the provider table; a usage error names what exists."""
    from pgconnect_cli.providers import PROVIDER_ROWS

    row = next((r for r in PROVIDER_ROWS if r.id.value == provider.lower()), None)
    if row is None:
        known = ", ".join(r.id.value for r in PROVIDER_ROWS if r.limits)
        raise UsageError(f"--provider {provider}: not a provider with published limits (known: {known})")
    names = ", ".join(limit.plan for limit in row.limits)
    if not row.limits:
        raise UsageError(f"--provider {provider}: pgc knows no published connection limits for {row.display}")
    if plan is None:
        raise UsageError(f"--provider {provider} needs --plan (one of: {names})")
    limit = next((lim for lim in row.limits if lim.plan.lower() == plan.lower()), None)
    if limit is None:
        raise UsageError(f"--plan {plan}: not a {row.display} plan (one of: {names})")
    note = limit.note + (" (figures not confirmed by the provider's current page)" if limit.uncertain else "")
    facts = [row.pool_mode.text, *(n.text for n in row.notes if "connection" in n.text)]
    return PlanLimits(
        row.display,
        limit.plan,
        limit.direct,
        limit.pooled,
        f"{limit.source.url} ({limit.source.date})",
        "; ".join(x for x in (note.strip(), *facts) if x),
    )


def _client(request: PoolRequest, cwd: Path) -> tuple[PoolClient | None, tuple[PoolClient, ...], str]:
    """The client that sizes the pool, every client the project uses, and where that was seen:
    `--client` (a row id of the client table), else the client table's answer for the project."""
    from pgconnect_cli import known_clients
    from pgconnect_cli.project import detect

    project = detect(cwd)
    prisma = PoolClient.PRISMA_7 if project.prisma7 else PoolClient.PRISMA_6
    if request.client is not None:
        name = request.client.lower()
        if name == "prisma":
            return prisma, (prisma,), "--client"
        chosen = pool_client(name)
        if chosen is None:
            raise UsageError(f"--client {request.client}: one of {', '.join(CLIENT_CHOICES)}")
        return chosen, (chosen,), "--client"
    answer = known_clients.detect(project)
    found = tuple(dict.fromkeys(c for d in answer.found if (c := pool_client(d.client.id)) is not None))
    if not found:
        return None, (), ""
    return found[0], found, "the project"


def _url(request: PoolRequest, environ: Mapping[str, str], cwd: Path) -> tuple[str | None, str]:
    """The app's URL: --url, else DATABASE_URL (or its aliases) from the environment or ./.env."""
    if request.url is not None:
        return request.url, "--url"
    from pgconnect_cli.targets import POOLED_NAMES, discover, pick

    dotenv = cwd / ".env"
    targets = discover(environ, [dotenv] if dotenv.is_file() else [])
    target = pick(targets, POOLED_NAMES)
    if target is None:
        return None, ""
    return target.value, target.name + (" in .env" if target.path else " in the environment")


def _endpoint(request: PoolRequest, url: str | None) -> tuple[EndpointKind | None, str | None]:
    """The endpoint as given, else as the URL's provider rule says, and the provider it names."""
    if request.endpoint is not None:
        try:
            return EndpointKind(request.endpoint.lower()), None
        except ValueError:
            raise UsageError(f"--endpoint {request.endpoint}: pooled or direct") from None
    if url is None:
        return None, None
    from pgconnect_cli.conninfo.parse import parse
    from pgconnect_cli.providers import Endpoint, classify

    c = classify(parse(url))
    endpoint = {Endpoint.POOLED: EndpointKind.POOLED, Endpoint.DIRECT: EndpointKind.DIRECT}.get(c.endpoint)
    return endpoint, c.provider.value


def _url_int(url: str | None, key: str) -> int | None:
    if url is None:
        return None
    from pgconnect_cli.conninfo.parse import parse

    value = parse(url).get(key)
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else None


def _masked(url: str | None) -> str | None:
    if url is None:
        return None
    from pgconnect_cli.conninfo.build import to_uri
    from pgconnect_cli.conninfo.parse import parse

    return to_uri(parse(url), mask=True)


def _check(request: PoolRequest) -> None:
    for flag, value in (
        ("--cpus", request.cpus),
        ("--instances", request.instances),
        ("--concurrency", request.concurrency),
        ("--pool-size", request.pool_size),
    ):
        if value is not None and value < 1:
            raise UsageError(f"{flag} {value}: give a whole number of at least 1")
    if request.max_connections is not None and request.max_connections < 0:
        raise UsageError(f"--max-connections {request.max_connections}: give a whole number of at least 0")
    if request.concurrency is not None and not request.serverless:
        raise UsageError("--concurrency counts concurrent serverless functions: give --serverless too")


def run(
    request: PoolRequest,
    *,
    environ: Mapping[str, str],
    cwd: Path,
    read_limits: LimitsReader,
    machine_cpus: Callable[[], int],
) -> PoolPlan:
    """The plan for `request`; raises UsageError for input that cannot be planned."""
    from pgconnect_cli.conninfo.parse import ParseError

    _check(request)
    url, url_source = _url(request, environ, cwd)
    try:
        endpoint, url_provider = _endpoint(request, url)
        connection_limit = _url_int(url, "connection_limit")
        pgx_limit = _url_int(url, "pool_max_conns")
        pool_timeout = _url_int(url, "pool_timeout") or PRISMA_POOL_TIMEOUT
        masked = _masked(url)
    except ParseError as exc:
        raise UsageError(f"{url_source or 'the URL'}: {exc}") from None
    provider = request.provider or (url_provider if request.plan else None)
    if request.plan is not None and provider is None:
        raise UsageError("--plan needs --provider (e.g. --provider prisma-postgres --plan pro)")
    plan = plan_limits(provider, request.plan) if provider is not None else None
    client, clients, client_source = _client(request, cwd)
    cpus = request.cpus or machine_cpus()
    notes: list[str] = []
    if request.cpus is None:
        notes.append(
            f"--cpus defaulted to this machine's {cpus} physical cores: give the production instance's "
            "(the pool rule counts the cores where the app runs)."
        )
    pool_size, pool_source = request.pool_size, "--pool-size"
    if pool_size is None and connection_limit is not None and client in (PoolClient.PRISMA_6, None):
        pool_size, pool_source = connection_limit, f"connection_limit in {url_source}"
    if pool_size is None and pgx_limit is not None:
        pool_size, pool_source = pgx_limit, f"pool_max_conns in {url_source}"
    if pool_size is None and client is not None:
        row = pool_defaults(client)
        pool_size = default_pool(client, cpus)
        pool_source = f"{row.display}'s default {row.setting} ({row.default})"
    if pool_size is None:
        pool_source = ""
    live: LiveLimits | None = None
    findings: list[Finding] = []
    if url is not None:
        observed = read_limits(url)
        live = observed.limits
        if live is None and _no_slots(observed):
            findings.append(
                finding(
                    "too-many-connections",
                    f"The live limits could not be read from {url_source} ({masked}): {observed.error}.",
                )
            )
        elif live is None:
            findings.append(
                finding(
                    "connect-failed",
                    f"The live limits could not be read from {url_source} ({masked}): {observed.error}.",
                    "`pgc doctor` shows why the connection fails; or plan offline with --max-connections N.",
                )
            )
    if live is not None and live.through_pooler and endpoint is None:
        endpoint = EndpointKind.POOLED
    inputs = Inputs(
        cpus=cpus,
        cpus_source="--cpus" if request.cpus is not None else "this machine",
        instances=request.instances,
        serverless=request.serverless,
        concurrency=request.concurrency,
        pool_size=pool_size,
        pool_size_source=pool_source,
        client=client,
        client_source=client_source,
        provider=provider,
        plan=plan.plan if plan is not None else None,
        endpoint=endpoint,
        max_connections=request.max_connections,
        url=masked,
        pool_timeout=pool_timeout,
    )
    result = budget(inputs, plan=plan, live=live)
    notes.extend(_notes(inputs, result, plan, live))
    shown = clients or ALL_CLIENTS
    return PoolPlan(
        inputs=inputs,
        budget=result,
        settings=settings(shown, result.per_instance, pool_timeout=pool_timeout),
        plan=plan,
        live=live,
        notes=tuple(notes),
        findings=(*findings, *result.findings),
    )


def _no_slots(observed: LimitsObservation) -> bool:
    """The server refused for lack of slots (the doctor's one classifier of connect errors)."""
    from pgconnect_cli.checks.live import ConnectFailure, classify_connect_error

    return classify_connect_error(observed.sqlstate, observed.error) is ConnectFailure.TOO_MANY


def _notes(inputs: Inputs, result: Budget, plan: PlanLimits | None, live: LiveLimits | None) -> list[str]:
    notes: list[str] = []
    if inputs.serverless and inputs.endpoint is not EndpointKind.POOLED:
        notes.append(
            "Serverless without an external pooler: start each function at 1 connection; raise it only "
            "while no traffic spike exhausts the database and no pool timeouts (P2024) appear."
        )
    elif inputs.serverless:
        notes.append("Serverless through an external pooler: start from the default pool size.")
    if plan is not None:
        notes.append(
            f"{plan.provider} {plan.plan}: {plan.direct if plan.direct is not None else 'unknown'} direct, "
            f"{plan.pooled if plan.pooled is not None else 'unknown'} pooled connections "
            f"(source: {plan.source}{'; ' + plan.note if plan.note else ''})."
        )
    if live is not None:
        reserved = f"superuser_reserved_connections {live.superuser_reserved}"
        if live.reserved is not None:
            reserved += f", reserved_connections {live.reserved}"
        notes.append(
            f"Live server (PostgreSQL {live.server_version}): max_connections {live.max_connections}, "
            f"{reserved}, "
            f"{live.in_use} in use besides pgc's own connection, {live.free} free now; role limit "
            f"{live.role_limit if live.role_limit is not None else 'none'}, database limit "
            f"{live.database_limit if live.database_limit is not None else 'none'}."
        )
        if live.through_pooler:
            notes.append(
                "Through a pooler: the app's connections count against the pooler's client limit "
                "(PgBouncer max_client_conn, or the plan's pooled limit); the server's max_connections "
                f"{live.max_connections} and the role's and database's limits bound the pooler's own server "
                "connections (its pool size per database and user). The pooler's limits cannot be seen "
                "without PgBouncer admin access (SHOW CONFIG, SHOW POOLS on the pgbouncer database)."
            )
    if result.direct is not None:
        d = result.direct
        needs = ", ".join(f"{cmd} {n}" for cmd, n in prisma_cli_direct())
        limit = f"{d.limit} ({d.limit_origin})" if d.limit is not None else "unknown"
        notes.append(
            f"Direct budget: the Prisma CLI opens direct connections of its own ({needs}); a deploy's "
            f"`prisma {d.command}` takes {d.prisma_cli} of the direct limit {limit}"
            + (f", besides the app's {d.app}" if d.app else "")
            + (f": {d.headroom} left." if d.headroom is not None else ".")
        )
    if is_prisma(inputs.client) and inputs.client is PoolClient.PRISMA_6:
        notes.append("Prisma ORM <= 6 defaults: pool_timeout 10 s, connect_timeout 5 s (URL parameters).")
    if inputs.client is PoolClient.PRISMA_7:
        notes.append(
            "Prisma 7 with a driver adapter ignores connection_limit and pool_timeout in the URL: the "
            "adapter's pool is sized by max (default 10), with connectionTimeoutMillis and idleTimeoutMillis."
        )
    return notes
