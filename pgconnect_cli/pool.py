"""The connection budget: pure arithmetic and rules behind `pgc pool plan` (no I/O).

The rules come from Prisma's connection-management docs and hold for any client: a long-running
process starts from `physical_cpus * 2 + 1` connections, split between the instances that share
one limit; a serverless function without an external pooler starts at 1. `total` is what the
configuration makes (the configured pool × instances × concurrent functions); it is checked
against the tightest limit that applies to the endpoint (a flag, the live server, the plan).

Plan limits are rows of `providers.PROVIDER_ROWS`; nothing here holds a provider fact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from pgconnect_cli.findings import Finding, finding
from pgconnect_cli.report import plural

if TYPE_CHECKING:
    from pgconnect_cli.doctor.observations import ServerFacts
    from pgconnect_cli.known_clients import Client as KnownClient
    from pgconnect_cli.known_clients import Pool

# Under this share of the limit left free, the plan is a warning.
HEADROOM_RATIO = 0.10


class LimitSource(str, Enum):
    PLAN = "plan"
    SERVER = "server"
    FLAG = "flag"
    UNKNOWN = "unknown"


class EndpointKind(str, Enum):
    POOLED = "pooled"
    DIRECT = "direct"


# --- client pool settings ------------------------------------------------------------------------
# The facts are the client table's (`known_clients.py`, each row's `pool`): the setting, its
# default, the exact text that sizes it. `PoolClient` is `pgc pool plan`'s `--client` vocabulary,
# one row each; `pool_defaults()` is the interface the rest of pgc reads.


class PoolClient(str, Enum):
    """One pool family; each value is the client table's row id (as `pgc doctor --client` says)."""

    PRISMA_6 = "prisma6"  # Prisma ORM <= 6 (Rust query engine): URL parameters
    PRISMA_7 = "prisma7-pg"  # Prisma 7 with @prisma/adapter-pg: node-postgres's pool
    NODE_POSTGRES = "node-postgres"
    POSTGRES_JS = "postgres.js"
    PSYCOPG_POOL = "psycopg"  # psycopg_pool.ConnectionPool
    SQLALCHEMY = "sqlalchemy-psycopg2"  # QueuePool, whatever the driver
    ASYNCPG = "asyncpg"
    PGX = "pgx"
    RAILS = "rails"


# The client table's row of each `--client` value.
ROW_OF: dict[PoolClient, str] = {c: c.value for c in PoolClient}

# Other rows whose pool is one of these, and the names of the first `pool plan` (`pg`, `prisma-6`).
_SAME_POOL: dict[str, PoolClient] = {
    "prisma7-neon": PoolClient.PRISMA_7,
    "postgres.js-3": PoolClient.POSTGRES_JS,
    "sqlalchemy-psycopg": PoolClient.SQLALCHEMY,
    "sqlalchemy-asyncpg": PoolClient.SQLALCHEMY,
    "sqlalchemy": PoolClient.SQLALCHEMY,
    "prisma-6": PoolClient.PRISMA_6,
    "prisma-7": PoolClient.PRISMA_7,
    "pg": PoolClient.NODE_POSTGRES,
    "psycopg_pool": PoolClient.PSYCOPG_POOL,
}


def pool_client(name: str) -> PoolClient | None:
    """The pool family of a client table row id (or an older `pool plan` name), else None."""
    name = name.lower()
    try:
        return PoolClient(name)
    except ValueError:
        return _SAME_POOL.get(name)


# Every name `pool plan --client` takes, row ids first.
POOL_CLIENT_NAMES: tuple[str, ...] = (
    *(c.value for c in PoolClient),
    *(n for n in _SAME_POOL if n not in ("prisma-6", "prisma-7", "pg", "psycopg_pool", "sqlalchemy")),
)


@dataclass(frozen=True)
class PoolDefaults:
    """One client's pool, as its row of the client table says: the setting that sizes it, its
    default, where it is set."""

    client: PoolClient
    display: str
    setting: str
    default: str  # as the client's docs say it
    where: str
    pool: Pool = field(repr=False)


def pool_defaults(client: PoolClient) -> PoolDefaults:
    from pgconnect_cli.known_clients import row

    r = row(ROW_OF[client])
    return PoolDefaults(client, r.name, r.pool.name, r.pool.default, r.pool.place, r.pool)


def default_pool(client: PoolClient, cpus: int) -> int:
    """The pool the client opens when nothing sets it, on a machine with `cpus` physical cores."""
    size = pool_defaults(client).pool.default_size(cpus)
    assert size is not None  # every `--client` row has a numeric default
    return size


# Prisma ORM <= 6 defaults (URL parameters), in seconds.
PRISMA_POOL_TIMEOUT = 10
PRISMA_CONNECT_TIMEOUT = 5

# What a production deploy runs against the direct URL while the app keeps its pools open.
PRISMA_DEPLOY_COMMAND = "migrate deploy"


def prisma_cli_direct() -> tuple[tuple[str, int], ...]:
    """The Prisma CLI's own direct connections per command (the Prisma rows of the client table)."""
    from pgconnect_cli.known_clients import row

    return row(ROW_OF[PoolClient.PRISMA_6]).cli_direct


def prisma_cli_peak(command: str = PRISMA_DEPLOY_COMMAND) -> int:
    return dict(prisma_cli_direct())[command]


def is_prisma(client: PoolClient | None) -> bool:
    return client in (PoolClient.PRISMA_6, PoolClient.PRISMA_7)


# --- the rules -----------------------------------------------------------------------------------


def base_pool(cpus: int) -> int:
    """The starting pool of one long-running process: `num_physical_cpus * 2 + 1`."""
    return cpus * 2 + 1


def recommend(
    *, cpus: int, instances: int, serverless: bool, pooled: bool, concurrency: int, limit: int | None
) -> int:
    """The recommended pool of one instance (or one function).

    Long-running: the base pool divided between the instances. Serverless: 1 without an
    external pooler; the base pool with one. Either way no more than the limit's share of each
    instance (and never less than 1: a pool of 0 cannot serve).
    """
    if serverless and not pooled:
        share = 1
    elif serverless:
        share = base_pool(cpus)
    else:
        share = base_pool(cpus) // instances
    if limit is not None:
        share = min(share, limit // (instances * concurrency))
    return max(1, share)


@dataclass(frozen=True)
class Limit:
    """The number the total is checked against, and where it came from."""

    connections: int | None
    source: LimitSource
    endpoint: EndpointKind | None
    origin: str  # e.g. "Prisma Postgres pro plan, pooled", "max_connections 100 − 3 reserved"


@dataclass(frozen=True)
class LiveLimits:
    """What the live server said (probes/limits.py reads it)."""

    max_connections: int
    superuser_reserved: int
    reserved: int | None  # reserved_connections, PostgreSQL 16+
    in_use: int  # client backends, pgc's own connection excluded
    role_limit: int | None  # None: no limit (-1 in pg_roles)
    database_limit: int | None
    superuser: bool
    server_version: str
    through_pooler: bool  # the port dialed is not the server's port
    server_port: int | None = None

    @property
    def slots(self) -> int:
        """The connections a role without superuser (or pg_use_reserved_connections) may open."""
        if self.superuser:
            return self.max_connections
        return self.max_connections - self.superuser_reserved - (self.reserved or 0)

    @property
    def tightest(self) -> tuple[int, str]:
        """The smallest of the server's, the role's and the database's limits, and its origin."""
        reserved = self.superuser_reserved + (self.reserved or 0)
        candidates = [
            (
                self.slots,
                f"max_connections {self.max_connections}"
                + (f" − {reserved} reserved" if reserved and not self.superuser else ""),
            )
        ]
        if self.role_limit is not None:
            candidates.append((self.role_limit, f"the role's CONNECTION LIMIT {self.role_limit}"))
        if self.database_limit is not None:
            candidates.append((self.database_limit, f"the database's CONNECTION LIMIT {self.database_limit}"))
        return min(candidates, key=lambda c: c[0])

    @property
    def free(self) -> int:
        """Slots free right now (the server's count; pgc's own connection not counted)."""
        return max(self.slots - self.in_use, 0)


@dataclass(frozen=True)
class PlanLimits:
    """One provider plan's published limits (from the provider table)."""

    provider: str  # display name
    plan: str
    direct: int | None
    pooled: int | None
    source: str  # url and date
    note: str = ""


def choose_limit(
    *,
    endpoint: EndpointKind | None,
    flag: int | None,
    plan: PlanLimits | None,
    live: LiveLimits | None,
) -> Limit:
    """The limit `total` is checked against: the flag; else the tightest of the plan's limit for
    the endpoint and, on a direct connection, the live server's. Through a pooler the server's
    max_connections bounds the pooler's server connections, not the app's clients."""
    if flag is not None:
        return Limit(flag, LimitSource.FLAG, endpoint, f"--max-connections {flag}")
    candidates: list[Limit] = []
    if plan is not None:
        kind = endpoint or EndpointKind.POOLED
        value = plan.pooled if kind is EndpointKind.POOLED else plan.direct
        if value is not None:
            candidates.append(
                Limit(
                    value,
                    LimitSource.PLAN,
                    kind,
                    f"{plan.provider} {plan.plan} plan, {kind.value} connections",
                )
            )
    if live is not None and not live.through_pooler and endpoint is not EndpointKind.POOLED:
        value, origin = live.tightest
        candidates.append(Limit(value, LimitSource.SERVER, EndpointKind.DIRECT, f"the live server: {origin}"))
    if not candidates:
        return Limit(None, LimitSource.UNKNOWN, endpoint, "no limit known")
    return min(candidates, key=lambda c: c.connections if c.connections is not None else 1 << 30)


# --- settings per client -------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    client: str
    where: str
    set: str


def setting_for(client: PoolClient, n: int, *, pool_timeout: int = PRISMA_POOL_TIMEOUT) -> Setting:
    """The exact text that sizes `client`'s pool at `n` connections per instance."""
    row = pool_defaults(client)
    return Setting(row.display, row.where, sets_text(row.pool, n, pool_timeout=pool_timeout))


def sets_text(pool: Pool, n: int, *, pool_timeout: int = PRISMA_POOL_TIMEOUT) -> str:
    """A client table row's `sets` text at `n` connections ("" when the row has none)."""
    min_size = min(pool.min_size, n) if pool.min_size is not None else n
    return pool.sets.format(n=n, min_size=min_size, pool_timeout=pool_timeout)


# --- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    cpus: int
    cpus_source: str  # "--cpus" or "this machine"
    instances: int
    serverless: bool
    concurrency: int | None
    pool_size: int | None  # the configured per-instance pool, when known
    pool_size_source: str  # "--pool-size", "connection_limit in the URL", "the client's default", ""
    client: PoolClient | None
    client_source: str  # "--client", "the project", ""
    provider: str | None
    plan: str | None
    endpoint: EndpointKind | None  # as given or classified from the URL
    max_connections: int | None
    url: str | None  # masked
    pool_timeout: int = PRISMA_POOL_TIMEOUT


@dataclass(frozen=True)
class DirectBudget:
    """The direct connections a Prisma project needs besides the app: the CLI's own."""

    limit: int | None
    limit_origin: str
    prisma_cli: int  # what a deploy's `prisma migrate deploy` opens
    command: str
    app: int  # the app's connections on the direct endpoint (0 when it uses the pooler)

    @property
    def headroom(self) -> int | None:
        return None if self.limit is None else self.limit - self.app - self.prisma_cli


@dataclass(frozen=True)
class Budget:
    per_instance: int
    total: int
    limit: Limit
    headroom: int | None
    max_instances: int | None
    pool_used: int  # the per-instance pool `total` is made of
    direct: DirectBudget | None
    findings: tuple[Finding, ...]


def _units(inputs: Inputs) -> int:
    """How many pools the configuration opens: instances × concurrent functions."""
    return inputs.instances * ((inputs.concurrency or 1) if inputs.serverless else 1)


def budget(inputs: Inputs, *, plan: PlanLimits | None, live: LiveLimits | None) -> Budget:
    """The plan: the recommendation, the total, the limit, the headroom and the findings."""
    limit = choose_limit(endpoint=inputs.endpoint, flag=inputs.max_connections, plan=plan, live=live)
    pooled = inputs.endpoint is EndpointKind.POOLED or (live is not None and live.through_pooler)
    concurrency = (inputs.concurrency or 1) if inputs.serverless else 1
    per_instance = recommend(
        cpus=inputs.cpus,
        instances=inputs.instances,
        serverless=inputs.serverless,
        pooled=pooled,
        concurrency=concurrency,
        limit=limit.connections,
    )
    pool_used = inputs.pool_size if inputs.pool_size is not None else per_instance
    units = _units(inputs)
    total = pool_used * units
    direct = _direct_budget(inputs, plan, live, limit, total)
    extra = direct.prisma_cli if direct is not None and direct.app else 0
    headroom = None if limit.connections is None else limit.connections - total - extra
    per_pool = pool_used * (inputs.instances if inputs.serverless else 1)
    max_instances = None if limit.connections is None else max(limit.connections - extra, 0) // per_pool
    findings = _findings(inputs, limit, total, extra, headroom, per_instance, pool_used, max_instances)
    return Budget(per_instance, total, limit, headroom, max_instances, pool_used, direct, findings)


def _direct_budget(
    inputs: Inputs, plan: PlanLimits | None, live: LiveLimits | None, limit: Limit, total: int
) -> DirectBudget | None:
    if not is_prisma(inputs.client):
        return None
    on_direct = limit.endpoint is EndpointKind.DIRECT or inputs.endpoint is EndpointKind.DIRECT
    if on_direct and limit.connections is not None:
        value: int | None = limit.connections
        origin = limit.origin
    elif plan is not None and plan.direct is not None:
        value, origin = plan.direct, f"{plan.provider} {plan.plan} plan, direct connections"
    elif live is not None and not live.through_pooler:
        value, origin = live.tightest
    else:
        value, origin = None, "no direct limit known"
    return DirectBudget(value, origin, prisma_cli_peak(), PRISMA_DEPLOY_COMMAND, total if on_direct else 0)


def _what(inputs: Inputs) -> str:
    if inputs.serverless:
        functions = inputs.concurrency or 1
        where = f" × {inputs.instances} instances" if inputs.instances > 1 else ""
        return f"{functions} concurrent functions{where}"
    return f"{inputs.instances} instance{'s' if inputs.instances != 1 else ''}"


def _fix(inputs: Inputs, limit: Limit, extra: int, pool_used: int, fits: int | None) -> str:
    assert limit.connections is not None
    available = max(limit.connections - extra, 0)
    units = _units(inputs)
    share = available // units
    steps: list[str] = []
    if share >= 1:
        clients = [inputs.client] if inputs.client is not None else [PoolClient.PRISMA_6]
        shown = [setting_for(c, share, pool_timeout=inputs.pool_timeout) for c in clients]
        sets = "; ".join(f"{s.set} ({s.where})" for s in shown)
        steps.append(f"size each pool at {share} ({available} ÷ {units}): {sets}")
    if fits is not None:
        what = "concurrent functions" if inputs.serverless else "instances"
        steps.append(f"or run at most {fits} {what} at a pool of {pool_used}")
    if limit.endpoint is EndpointKind.DIRECT:
        steps.append("or send app traffic through the pooled endpoint")
    elif limit.source is LimitSource.PLAN:
        steps.append("or move to a plan with more connections")
    return "; ".join(steps) + "."


def _findings(
    inputs: Inputs,
    limit: Limit,
    total: int,
    extra: int,
    headroom: int | None,
    per_instance: int,
    pool_used: int,
    fits: int | None,
) -> tuple[Finding, ...]:
    if limit.connections is None or headroom is None:
        return ()
    cli = f" plus {extra} for the Prisma CLI's `{PRISMA_DEPLOY_COMMAND}`" if extra else ""
    made = f"{pool_used} per pool × {_what(inputs)} = {total}{cli}"
    if headroom < 0:
        return (
            finding(
                "connection-budget",
                f"{made} connections; the limit is {limit.connections} ({limit.origin}): {-headroom} over.",
                _fix(inputs, limit, extra, pool_used, fits),
                severity="error",
            ),
        )
    if limit.connections > 0 and headroom / limit.connections < HEADROOM_RATIO:
        return (
            finding(
                "connection-budget",
                f"{made} connections; the limit is {limit.connections} ({limit.origin}): only "
                f"{headroom} left ({headroom / limit.connections:.0%}, under {HEADROOM_RATIO:.0%}); "
                "a deploy that overlaps old and new instances, or an admin session, runs out.",
                _fix(inputs, limit, extra, pool_used, fits),
                severity="warning",
                title="The planned connections leave under 10 % of the limit free",
            ),
        )
    return ()


def settings(
    clients: Sequence[PoolClient], n: int, *, pool_timeout: int = PRISMA_POOL_TIMEOUT
) -> tuple[Setting, ...]:
    return tuple(setting_for(c, n, pool_timeout=pool_timeout) for c in clients)


ALL_CLIENTS: tuple[PoolClient, ...] = tuple(PoolClient)


def live_limits(facts: ServerFacts, *, dialed_port: int, pooled: bool) -> LiveLimits | None:
    """The doctor's view of the live limits, from the server facts its login already read (one
    query, no second connection). `reserved` is the sum the facts hold; pgc's own connection is
    not counted in `in_use`. `pooled`: the fingerprint saw a pooler in the path."""
    if facts.error or facts.max_connections is None or facts.in_use is None:
        return None
    server_port = facts.server_port
    return LiveLimits(
        max_connections=facts.max_connections,
        superuser_reserved=facts.reserved or 0,
        reserved=None,
        in_use=max(facts.in_use - 1, 0),
        role_limit=facts.role_conn_limit
        if facts.role_conn_limit is not None and facts.role_conn_limit >= 0
        else None,
        database_limit=facts.db_conn_limit
        if facts.db_conn_limit is not None and facts.db_conn_limit >= 0
        else None,
        superuser=bool(facts.superuser),
        server_version=facts.version or "",
        through_pooler=pooled or (server_port is not None and server_port != dialed_port),
        server_port=server_port,
    )


@dataclass(frozen=True)
class ConfiguredPool:
    """The app's pool per instance, and where that number came from."""

    size: int
    source: str  # "connection_limit in DATABASE_URL", "node-postgres (pg)'s default max (10)"


def configured_pool(
    row: KnownClient | None, params: Mapping[str, str], *, target: str, cpus: int | None
) -> ConfiguredPool | None:
    """The pool one instance opens: the URL's own pool parameter (the client's, when it reads it
    there: Prisma 6's `connection_limit`, pgx's `pool_max_conns`, postgres.js's `max`, Rails'
    `pool`), else the client's default from its row (a per-CPU default on `cpus` cores)."""
    names = (row.pool.name,) if row is not None else ("connection_limit", "pool_max_conns")
    for name in names:
        if row is not None and row.pool.where != "URL" and name not in row.reads:
            continue
        value = params.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return ConfiguredPool(int(value), f"{name} in {target}")
    if row is None:
        return None
    if row.pool.per_cpu is not None and cpus is None:
        return None
    size = row.pool.default_size(cpus or 0)
    if size is None:
        return None
    on = f" on this machine's {cpus} CPUs" if row.pool.per_cpu is not None else ""
    return ConfiguredPool(size, f"{row.name}'s default {row.pool.name} ({row.pool.default}){on}")


def configured_over_live(
    *, pool: int, pool_source: str, instances: int, live: LiveLimits, target: str
) -> Finding | None:
    """The doctor's `connection-budget`: the project's configured pool (the URL's
    `connection_limit`, or the client's) × `--instances` against the live server's limit: an
    error over it, a warning under 10 % of it left. Through a pooler the server's limit is not
    the app's: no finding."""
    if live.through_pooler:
        return None
    limit, origin = live.tightest
    total = pool * instances
    headroom = limit - total
    made = (
        f"{target}: a pool of {pool} ({pool_source}) × {plural(instances, 'instance')} = {total} connections"
    )
    share = limit // instances
    steps = [f"size each pool at {share} or fewer"] if share >= 1 else []
    steps.append(f"run at most {limit // pool} instances at a pool of {pool}")
    fix = (
        "; or ".join(steps)
        + f"; or send app traffic through a pooler. `pgc pool plan --url URL --instances {instances}` "
        "shows the exact setting for the client."
    )
    fix = fix[0].upper() + fix[1:]
    if headroom < 0:
        return finding(
            "connection-budget",
            f"{made}; the live server allows {limit} ({origin}): {-headroom} over.",
            fix,
            severity="error",
        )
    if limit > 0 and headroom / limit < HEADROOM_RATIO:
        return finding(
            "connection-budget",
            f"{made}; the live server allows {limit} ({origin}): only {headroom} left "
            f"({headroom / limit:.0%}, under {HEADROOM_RATIO:.0%}); a deploy that overlaps old and new "
            "instances, or an admin session, runs out.",
            fix,
            severity="warning",
            title="The planned connections leave under 10 % of the limit free",
        )
    return None


def budget_evidence(pool: ConfiguredPool | None, instances: int, live: LiveLimits | None) -> str:
    """One evidence line of the doctor's budget check: the sum, the limit, the slots in use now."""
    if live is None:
        return f"connection budget (--instances {instances}): the live limits were not read"
    now = f"{live.in_use} in use besides pgc's own connection, {live.free} free now"
    if live.through_pooler:
        return (
            f"connection budget (--instances {instances}): through a pooler the server's "
            f"max_connections {live.max_connections} bounds the pooler's server connections, not the "
            f"app's (its client limit is the pooler's, unseen without admin access); {now}"
        )
    limit, origin = live.tightest
    if pool is None:
        return (
            f"connection budget (--instances {instances}): the app's pool size is not known (no pool "
            f"parameter in the URL, no client default); the limit is {limit} ({origin}); {now}"
        )
    total = pool.size * instances
    return (
        f"connection budget: {pool.size} ({pool.source}) × {plural(instances, 'instance')} = {total} "
        f"of the limit {limit} ({origin}), headroom {limit - total}; {now}"
    )
