"""Providers: classify a URL's endpoint and derive its pooled/direct counterpart.

Pure data and rules. Provider facts that change — ports, host patterns, plan
limits — live in the tables below and nowhere else. Names alone only make a pooler *suspected*;
the doctor confirms or refutes it live.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from pgconnect_cli.conninfo.model import ConnInfo


class Endpoint(str, Enum):
    POOLED = "pooled"
    DIRECT = "direct"
    UNKNOWN = "unknown"


class PoolMode(str, Enum):
    TRANSACTION = "transaction"
    SESSION = "session"
    STATEMENT = "statement"  # PgBouncer's: no transaction blocks at all (the lab and the doctor)
    UNKNOWN = "unknown"


class Provider(str, Enum):
    NEON = "neon"
    SUPABASE = "supabase"
    PRISMA_POSTGRES = "prisma-postgres"
    PGBOUNCER = "pgbouncer"
    RDS_PROXY = "rds-proxy"
    AZURE = "azure"
    GENERIC = "generic"
    LOCAL = "local"


@dataclass(frozen=True)
class ProviderFacts:
    name: Provider
    display: str
    requires_tls: bool
    default_sslmode: str | None


PROVIDERS: dict[Provider, ProviderFacts] = {
    Provider.NEON: ProviderFacts(Provider.NEON, "Neon", True, "require"),
    Provider.SUPABASE: ProviderFacts(Provider.SUPABASE, "Supabase", False, "require"),
    Provider.PRISMA_POSTGRES: ProviderFacts(Provider.PRISMA_POSTGRES, "Prisma Postgres", True, "require"),
    Provider.PGBOUNCER: ProviderFacts(Provider.PGBOUNCER, "PgBouncer", False, None),
    Provider.RDS_PROXY: ProviderFacts(Provider.RDS_PROXY, "AWS RDS Proxy", False, "require"),
    Provider.AZURE: ProviderFacts(Provider.AZURE, "Azure Database for PostgreSQL", True, "require"),
    Provider.GENERIC: ProviderFacts(Provider.GENERIC, "PostgreSQL", False, None),
    Provider.LOCAL: ProviderFacts(Provider.LOCAL, "local PostgreSQL", False, None),
}

# Ports and host shapes (conninfo-facts §3).
PRISMA_POOLED_HOST = "pooled.db.prisma.io"
PRISMA_DIRECT_HOST = "db.prisma.io"
NEON_HOST = re.compile(
    r"^(?P<ep>ep-[a-z0-9-]+?)(?P<pooler>-pooler)?\.(?P<cell>c-\d+\.)?(?P<region>[a-z0-9-]+)\."
    r"(?P<cloud>aws|azure)\.neon\.tech$"
)
SUPAVISOR_HOST = re.compile(r"^(?P<cluster>aws-\d+)-(?P<region>[a-z0-9-]+)\.pooler\.supabase\.com$")
SUPABASE_DB_HOST = re.compile(r"^db\.(?P<ref>[a-z0-9]+)\.supabase\.co$")
SUPAVISOR_TRANSACTION_PORT = 6543
SUPAVISOR_SESSION_PORT = 5432
SUPABASE_DEDICATED_POOLER_PORT = 6543
SUPABASE_DIRECT_PORT = 5432
# <proxy>.proxy-<id>.<region>.rds.amazonaws.com, and custom proxy endpoints <name>.endpoint.proxy-…
RDS_PROXY_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+proxy-[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com(?:\.cn)?$")
AZURE_HOST = re.compile(r"^[a-z0-9-]+\.postgres\.database\.azure\.com$")
AZURE_PGBOUNCER_PORT = 6432
AZURE_DIRECT_PORT = 5432
PGBOUNCER_DEFAULT_PORT = 6432
POSTGRES_DEFAULT_PORT = 5432


@dataclass(frozen=True)
class PlanLimits:
    plan: str
    direct: int
    pooled: int


# Prisma Postgres connection limits per plan, as Prisma's docs gave them. The current Prisma
# docs list pooled 50/50/250/500: check before `pgc pool plan` (not built yet) relies on them.
PRISMA_POSTGRES_PLANS: tuple[PlanLimits, ...] = (
    PlanLimits("free", 10, 10),
    PlanLimits("starter", 10, 100),
    PlanLimits("pro", 50, 500),
    PlanLimits("business", 100, 1000),
)
PRISMA_POOLED_QUERY_TIMEOUT_S = 600
PRISMA_POOLED_IDLE_TIMEOUT_S = 3600


@dataclass(frozen=True)
class Classification:
    provider: Provider
    endpoint: Endpoint
    pool_mode: PoolMode | None  # None for a direct endpoint
    suspected: bool  # True when only a name/port hint says "pooler"
    reason: str  # one line: which signal decided
    supabase_ref: str | None = None

    @property
    def facts(self) -> ProviderFacts:
        return PROVIDERS[self.provider]

    @property
    def is_transaction_pooler(self) -> bool:
        return self.endpoint is Endpoint.POOLED and self.pool_mode is PoolMode.TRANSACTION


class DerivationError(ValueError):
    """The counterpart cannot be derived; `reason` says why and `hint` what to pass instead."""

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def is_loopback(host: str) -> bool:
    if host in ("", "localhost") or host.startswith("/") or host.startswith("@"):
        return True
    if host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _supabase_ref_from_user(user: str | None) -> str | None:
    if user and "." in user:
        return user.rsplit(".", 1)[1] or None
    return None


def classify(ci: ConnInfo) -> Classification:
    host = ci.host.lower().rstrip(".")
    port = ci.port
    pgbouncer_flag = (ci.get("pgbouncer") or "").lower() == "true"

    if host == PRISMA_POOLED_HOST:
        return Classification(
            Provider.PRISMA_POSTGRES,
            Endpoint.POOLED,
            PoolMode.TRANSACTION,
            True,
            f"host {PRISMA_POOLED_HOST} is Prisma Postgres' PgBouncer (transaction mode)",
        )
    if host == PRISMA_DIRECT_HOST:
        return Classification(
            Provider.PRISMA_POSTGRES,
            Endpoint.DIRECT,
            None,
            False,
            f"host {PRISMA_DIRECT_HOST} is Prisma Postgres' direct endpoint",
        )
    m = NEON_HOST.match(host)
    if m or host.endswith(".neon.tech"):
        if m and m.group("pooler"):
            return Classification(
                Provider.NEON,
                Endpoint.POOLED,
                PoolMode.TRANSACTION,
                True,
                "Neon host with -pooler is Neon's PgBouncer (transaction mode)",
            )
        if m:
            return Classification(
                Provider.NEON, Endpoint.DIRECT, None, False, "Neon endpoint host without -pooler"
            )
        return Classification(
            Provider.NEON, Endpoint.UNKNOWN, PoolMode.UNKNOWN, True, "neon.tech host of an unknown shape"
        )
    if SUPAVISOR_HOST.match(host) or host.endswith(".pooler.supabase.com"):
        ref = _supabase_ref_from_user(ci.user)
        if port == SUPAVISOR_TRANSACTION_PORT:
            return Classification(
                Provider.SUPABASE,
                Endpoint.POOLED,
                PoolMode.TRANSACTION,
                True,
                f"Supavisor on port {SUPAVISOR_TRANSACTION_PORT} is transaction mode",
                ref,
            )
        if port == SUPAVISOR_SESSION_PORT:
            return Classification(
                Provider.SUPABASE,
                Endpoint.POOLED,
                PoolMode.SESSION,
                True,
                f"Supavisor on port {SUPAVISOR_SESSION_PORT} is session mode",
                ref,
            )
        return Classification(
            Provider.SUPABASE,
            Endpoint.POOLED,
            PoolMode.UNKNOWN,
            True,
            f"Supavisor host on unexpected port {port}",
            ref,
        )
    m = SUPABASE_DB_HOST.match(host)
    if m:
        if port == SUPABASE_DEDICATED_POOLER_PORT:
            return Classification(
                Provider.SUPABASE,
                Endpoint.POOLED,
                PoolMode.TRANSACTION,
                True,
                f"db.<ref>.supabase.co:{SUPABASE_DEDICATED_POOLER_PORT} is Supabase's dedicated PgBouncer",
                m.group("ref"),
            )
        return Classification(
            Provider.SUPABASE,
            Endpoint.DIRECT,
            None,
            False,
            "db.<ref>.supabase.co:5432 is Supabase's direct endpoint (IPv6 only without the add-on)",
            m.group("ref"),
        )
    if RDS_PROXY_HOST.match(host):
        return Classification(
            Provider.RDS_PROXY,
            Endpoint.POOLED,
            PoolMode.TRANSACTION,
            True,
            "*.proxy-*.rds.amazonaws.com is an RDS Proxy endpoint",
        )
    if AZURE_HOST.match(host):
        if port == AZURE_PGBOUNCER_PORT:
            return Classification(
                Provider.AZURE,
                Endpoint.POOLED,
                PoolMode.TRANSACTION,
                True,
                f"Azure's built-in PgBouncer listens on port {AZURE_PGBOUNCER_PORT}",
            )
        return Classification(Provider.AZURE, Endpoint.DIRECT, None, False, "Azure server port 5432")
    if is_loopback(host):
        if port == PGBOUNCER_DEFAULT_PORT or pgbouncer_flag:
            return Classification(
                Provider.LOCAL,
                Endpoint.POOLED,
                PoolMode.UNKNOWN,
                True,
                f"loopback host with {'pgbouncer=true' if pgbouncer_flag else 'port 6432 (PgBouncer)'}",
            )
        return Classification(Provider.LOCAL, Endpoint.UNKNOWN, PoolMode.UNKNOWN, True, "loopback host")
    if port == PGBOUNCER_DEFAULT_PORT or pgbouncer_flag:
        why = "port 6432 (PgBouncer's default)" if port == PGBOUNCER_DEFAULT_PORT else "pgbouncer=true"
        return Classification(Provider.PGBOUNCER, Endpoint.POOLED, PoolMode.UNKNOWN, True, why)
    return Classification(
        Provider.GENERIC,
        Endpoint.UNKNOWN,
        PoolMode.UNKNOWN,
        True,
        "no known provider host, no PgBouncer port, no pgbouncer=true",
    )


def _with_host(
    ci: ConnInfo,
    host: str | None,
    port: int | None = None,
    *,
    port_flag: str = "--direct-port",
    **changes: str | None,
) -> ConnInfo:
    """`ci` with its host list (one host or a comma list) and port replaced, other settings changed.

    Without a new port the old port list is kept when libpq can still pair it with the hosts (one
    port for all, or one per host); otherwise libpq would refuse the URL (`could not match 2 port
    numbers to 1 hosts`), so the caller must say which port.
    """
    values: dict[str, str | None] = dict(changes)
    if host is not None:
        values["host"] = host
    if port is not None:
        values["port"] = str(port)
    elif host is not None and ci.get("port") is not None:
        ports = (ci.get("port") or "").split(",")
        count = len(host.split(","))
        if len(ports) not in (1, count):
            if len(set(ports)) != 1:
                raise DerivationError(
                    f"several hosts with different ports ({', '.join(p or '5432' for p in ports)}) for "
                    f"{count} new host{'s' if count > 1 else ''}",
                    f"pass {port_flag} PORT",
                )
            values["port"] = ports[0]
    return ci.replace(**values)


def _each_host(ci: ConnInfo, derive_one: Callable[[ConnInfo], ConnInfo]) -> ConnInfo:
    """Derive every host of a multi-host URL by the same rules, or raise naming the host that fails.

    libpq tries the hosts in order (failover, read replicas); the counterpart URL must list the
    counterpart of each one, with one port per host.
    """
    hosts = ci.hosts
    if len(hosts) == 1:
        return derive_one(ci)
    pairs: list[tuple[ConnInfo, ConnInfo]] = []
    for i, hp in enumerate(hosts, 1):
        one = ci.replace(host=hp.host, port=hp.port or None)
        try:
            pairs.append((one, derive_one(one)))
        except DerivationError as exc:
            where = hp.host or "the default socket"
            raise DerivationError(
                f"several hosts, and host {i} of {len(hosts)} ({where}) cannot be derived: {exc.reason}",
                exc.hint,
            ) from None
    if all(derived is one for one, derived in pairs):
        return ci
    settings = {tuple((k, v) for k, v in d.options if k not in ("host", "port")) for _, d in pairs}
    if len(settings) > 1:
        raise DerivationError(
            "several hosts whose counterparts need different settings (user, parameters)",
            "derive each host on its own and write the host list yourself",
        )
    new_hosts = [d.get("host") or "" for _, d in pairs]
    new_ports = [d.get("port") or "" for _, d in pairs]
    port = ",".join(new_ports) if any(new_ports) else None
    return pairs[0][1].replace(host=",".join(new_hosts), port=port)


def derive_direct(
    ci: ConnInfo, *, direct_host: str | None = None, direct_port: int | None = None
) -> ConnInfo:
    """The direct URL for a pooled one; raises DerivationError when the provider does not allow it."""
    if direct_host or direct_port:
        return _with_host(ci, direct_host or ci.get("host"), direct_port, pgbouncer=None)
    return _each_host(ci, _derive_direct_one)


def _fqdn(ci: ConnInfo) -> tuple[str, str]:
    """The first host, lowercased, without the trailing dot of a fully qualified name, and that dot.

    `classify` ignores the dot; derivation matches the same name and puts the dot back on the
    host it derives, so a fully qualified name stays fully qualified.
    """
    host = ci.host.lower()
    bare = host.rstrip(".")
    return bare, "." if bare != host and bare else ""


def _derive_direct_one(ci: ConnInfo) -> ConnInfo:
    c = classify(ci)
    host, dot = _fqdn(ci)
    if c.endpoint is Endpoint.DIRECT:
        return ci
    if c.provider is Provider.PRISMA_POSTGRES:
        return _with_host(ci, PRISMA_DIRECT_HOST + dot, None, pgbouncer=None)
    if c.provider is Provider.NEON:
        m = NEON_HOST.match(host)
        if m and m.group("pooler"):
            return _with_host(ci, host.replace("-pooler.", ".", 1) + dot, None, pgbouncer=None)
    if c.provider is Provider.SUPABASE and c.endpoint is Endpoint.POOLED:
        if SUPABASE_DB_HOST.match(host):
            return _with_host(ci, host + dot, SUPABASE_DIRECT_PORT, pgbouncer=None)
        ref = c.supabase_ref
        if not ref:
            raise DerivationError(
                "the Supavisor user has no project ref (expected postgres.<project-ref>)",
                "pass --direct-host db.<project-ref>.supabase.co",
            )
        user = (ci.user or "postgres").rsplit(".", 1)[0]
        return _with_host(ci, f"db.{ref}.supabase.co{dot}", SUPABASE_DIRECT_PORT, user=user, pgbouncer=None)
    if c.provider is Provider.AZURE:
        return _with_host(ci, host + dot, AZURE_DIRECT_PORT, pgbouncer=None)
    if c.provider is Provider.RDS_PROXY:
        raise DerivationError(
            "an RDS Proxy endpoint does not reveal the database instance behind it",
            "pass --direct-host with the instance or cluster endpoint (NAME.ID.REGION.rds.amazonaws.com)",
        )
    if c.endpoint is Endpoint.POOLED:
        raise DerivationError(
            f"{c.reason}: the server behind this pooler is not known from the URL",
            "pass --direct-host HOST and --direct-port PORT of the PostgreSQL server",
        )
    raise DerivationError(
        "nothing marks this URL as pooled, so there is no direct counterpart to derive",
        "if it is a pooler, pass --direct-host HOST and --direct-port PORT",
    )


def derive_pooled(
    ci: ConnInfo,
    *,
    mode: PoolMode = PoolMode.TRANSACTION,
    region: str | None = None,
    pooler_host: str | None = None,
    pooler_port: int | None = None,
) -> ConnInfo:
    """The pooled URL for a direct one; raises DerivationError when the provider does not allow it."""
    if pooler_host or pooler_port:
        return _with_host(ci, pooler_host or ci.get("host"), pooler_port, port_flag="--pooler-port")
    return _each_host(ci, lambda one: _derive_pooled_one(one, mode, region))


def _derive_pooled_one(ci: ConnInfo, mode: PoolMode, region: str | None) -> ConnInfo:
    c = classify(ci)
    host, dot = _fqdn(ci)
    if c.endpoint is Endpoint.POOLED:
        if c.pool_mode is mode or c.pool_mode is PoolMode.UNKNOWN:
            return ci
        if c.provider is not Provider.SUPABASE:
            _require_transaction(mode, f"{PROVIDERS[c.provider].display}'s pooler")
            return ci
        port = SUPAVISOR_SESSION_PORT if mode is PoolMode.SESSION else SUPAVISOR_TRANSACTION_PORT
        if SUPAVISOR_HOST.match(host) or host.endswith(".pooler.supabase.com"):
            return _with_host(ci, host + dot, port)
        if region and c.supabase_ref:  # dedicated pooler → the shared one, which has session mode
            return _supavisor(ci, region, mode, c.supabase_ref, dot)
        raise DerivationError(
            "Supabase's dedicated pooler runs in transaction mode only",
            "for session mode use the shared pooler: pass --region REGION",
        )
    if c.provider is Provider.PRISMA_POSTGRES:
        _require_transaction(mode, "Prisma Postgres' pooler")
        return _with_host(ci, PRISMA_POOLED_HOST + dot)
    if c.provider is Provider.NEON:
        _require_transaction(mode, "Neon's pooler")
        m = NEON_HOST.match(host)
        if m:
            return _with_host(ci, f"{m.group('ep')}-pooler" + host[len(m.group("ep")) :] + dot)
    if c.provider is Provider.SUPABASE:
        ref = c.supabase_ref
        if region and ref:
            return _supavisor(ci, region, mode, ref, dot)
        if mode is PoolMode.SESSION:
            raise DerivationError(
                "Supabase's session pooler is the shared Supavisor, whose host depends on the region",
                "pass --region REGION (e.g. us-east-1, or aws-1-us-east-1 as the Connect dialog shows it)",
            )
        return _with_host(ci, host + dot, SUPABASE_DEDICATED_POOLER_PORT)
    if c.provider is Provider.AZURE:
        _require_transaction(mode, "Azure's built-in PgBouncer")
        return _with_host(ci, host + dot, AZURE_PGBOUNCER_PORT)
    raise DerivationError(
        f"{PROVIDERS[c.provider].display} has no known pooler endpoint for this host",
        "pass --pooler-host HOST and --pooler-port PORT of your PgBouncer",
    )


def _supavisor(ci: ConnInfo, region: str, mode: PoolMode, ref: str, dot: str = "") -> ConnInfo:
    # The cluster index (aws-0, aws-1, …) cannot be derived: accept it in the region.
    pooler = region if re.match(r"^aws-\d+-", region) else f"aws-0-{region}"
    port = SUPAVISOR_SESSION_PORT if mode is PoolMode.SESSION else SUPAVISOR_TRANSACTION_PORT
    user = (ci.user or "postgres").removesuffix(f".{ref}")
    return _with_host(ci, f"{pooler}.pooler.supabase.com{dot}", port, user=f"{user}.{ref}")


def _require_transaction(mode: PoolMode, what: str) -> None:
    if mode is PoolMode.SESSION:
        raise DerivationError(f"{what} runs in transaction mode only", "use --mode transaction")
