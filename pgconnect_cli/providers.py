"""Providers: classify a URL's endpoint and derive its pooled/direct counterpart.

Pure data and rules. Every provider is one row of `PROVIDER_ROWS`: its host
patterns (direct, pooled, read-only), ports, pool mode, TLS, user-name rules, network notes, the
variables its integrations set, how (or why not) its counterpart URL is derived, plan limits and
the `url build` preset — each fact with its source. `classify` and the derivations read the rows;
nothing else in pgc holds a provider fact. Names alone only make a pooler *suspected*; the doctor
confirms or refutes it live.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from pgconnect_cli.conninfo.model import ConnInfo


class Endpoint(str, Enum):
    POOLED = "pooled"
    DIRECT = "direct"
    UNKNOWN = "unknown"


class PoolMode(str, Enum):
    """The one pool-mode enum of the product (providers, checks, the lab's PgBouncer)."""

    TRANSACTION = "transaction"
    SESSION = "session"
    STATEMENT = "statement"  # PgBouncer's: no transaction blocks at all (the lab and the doctor)
    UNKNOWN = "unknown"


class Provider(str, Enum):
    """Provider ids: public API (`provider` in `pgc.url/v1`); add, never rename."""

    NEON = "neon"
    SUPABASE = "supabase"
    PRISMA_POSTGRES = "prisma-postgres"
    PGBOUNCER = "pgbouncer"
    RDS_PROXY = "rds-proxy"
    AZURE = "azure"
    GENERIC = "generic"
    LOCAL = "local"
    AWS_RDS = "aws-rds"
    HEROKU = "heroku"
    RENDER = "render"
    RAILWAY = "railway"
    FLY = "fly"
    FLY_MPG = "fly-mpg"
    DIGITALOCEAN = "digitalocean"
    AIVEN = "aiven"
    CLOUD_SQL = "cloud-sql"
    ALLOYDB = "alloydb"
    CRUNCHY_BRIDGE = "crunchy-bridge"
    TIMESCALE = "timescale"
    PLANETSCALE = "planetscale"
    VERCEL_POSTGRES = "vercel-postgres"
    XATA = "xata"
    NILE = "nile"
    TEMBO = "tembo"


class Role(str, Enum):
    """What a URL variable is for: the pooled (app) or the direct (migrations) endpoint."""

    POOLED = "pooled"
    DIRECT = "direct"


# --- the shape of a row -----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    url: str
    date: str = "n/d"  # the date the page shows, "n/d" when it shows none
    kind: str = "doc"  # doc: the provider's own docs or repo; repo: observed in public repos; 3p


@dataclass(frozen=True)
class Fact:
    text: str
    source: Source
    uncertain: bool = False  # not pinned to a provider source: a rule built on it says so


@dataclass(frozen=True)
class Rewrite:
    """How a counterpart URL is formed from a matched one (applied by `_apply`).

    `host`/`user`/`dbname` are (regex, replacement) substitutions that must match; `host_template`
    builds the host from the Supabase project ref (`{ref}`) or the shared pooler (`{supavisor}`,
    which needs --region).
    """

    text: str  # one line for docs/providers.md
    mode: PoolMode | None = None  # pool mode of the result (None: the direct server, or configurable)
    host: tuple[str, str] | None = None
    host_template: str | None = None
    port: int | None = None
    user: tuple[str, str] | None = None
    dbname: tuple[str, str] | None = None


@dataclass(frozen=True)
class NotDerivable:
    reason: str
    hint: str


Derivation = Rewrite | NotDerivable


@dataclass(frozen=True)
class EndpointRule:
    """One host form of a provider: how it is recognised and what it is."""

    name: str  # "direct", "pooled (Supavisor, transaction)", "reader", …
    host: str  # regex, matched in full against the lowercased host without a trailing dot
    endpoint: Endpoint
    reason: str  # one line: why a URL with this host is what it is
    example: str  # a realistic URL in the shape the provider's docs show (password `pw`)
    ports: frozenset[int] | None = None  # None: any port
    pool_mode: PoolMode | None = None  # None for a direct endpoint
    user: str | None = None  # regex the user must match (heuristics)
    dbname: str | None = None  # regex the database must match
    read_only: bool = False  # the name says it serves reads only
    network: str | None = None  # where the name is reachable from, when not the public internet
    heuristic: bool = False  # recognised by a pattern the provider does not promise
    to_direct: tuple[Derivation, ...] = ()
    to_pooled: tuple[Derivation, ...] = ()
    other_modes: tuple[Rewrite, ...] = ()  # the same pooler in another pool mode

    def matches(self, host: str, port: int, ci: ConnInfo) -> bool:
        if self.ports is not None and port not in self.ports:
            return False
        if not _pattern(self.host).fullmatch(host):
            return False
        if self.user is not None and not _pattern(self.user).fullmatch(ci.user or ""):
            return False
        return self.dbname is None or bool(_pattern(self.dbname).fullmatch(ci.dbname or ""))


# The rules' patterns, compiled while the module loads (so the start-up cache keeps their programs:
# compiled at each call they cost ~5 ms a run); a rule made elsewhere compiles its own.
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(regex: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(regex)
    return compiled if compiled is not None else re.compile(regex)


@dataclass(frozen=True)
class Limit:
    plan: str
    direct: int | None
    pooled: int | None
    source: Source
    note: str = ""
    uncertain: bool = False


@dataclass(frozen=True)
class EnvVar:
    """A variable an integration of the provider sets, and the endpoint it holds."""

    name: str  # a `<COLOR>`-style placeholder stands for any upper-case word
    role: Role | None
    source: Source

    def pattern(self) -> str:
        return re.sub(r"<[A-Z]+>", "[A-Z0-9_]+", self.name)


@dataclass(frozen=True)
class BuildPreset:
    """What `pgc url build --provider X` fills in. The host is the direct endpoint; `--pooled`
    derives the pooled one by the row's rules (or uses `pooled_port` on the same host)."""

    host: str  # template over the answers: {host}, {endpoint}, {region}, {project_ref}, {cluster}
    fields: tuple[str, ...] = ("host",)  # answers the host needs, asked in this order
    port: int | None = 5432  # None: the user must give it (random per service)
    user: str | None = None  # a default user
    database: str | None = None  # None: the user name
    params: tuple[tuple[str, str], ...] = (("sslmode", "require"),)
    needs_password: bool = True
    pooled_port: int | None = None  # the pooler on the same host when no rule derives it
    pooled_note: str | None = None  # said on stderr when --pooled is built
    host_suffix: str | None = None  # a bare --host gets it (Azure server names)
    session_needs_region: bool = False  # Supabase: the session pooler is the regional Supavisor
    ask_user: bool = True  # False: the default user is taken without asking (local)
    tls_for_remote: bool = False  # add sslmode=require toward a remote host (generic)


@dataclass(frozen=True)
class ProviderRow:
    id: Provider
    display: str
    endpoints: tuple[EndpointRule, ...]
    ports: Fact
    pool_mode: Fact
    tls: Fact
    requires_tls: bool  # the provider refuses connections without TLS
    default_sslmode: str | None  # what pgc writes for it
    mode_per_pool: bool = False  # the pool mode is a setting of each pool or cluster
    users: Fact | None = None
    network: Fact | None = None
    env_vars: tuple[EnvVar, ...] = ()
    derivation: Fact | None = None  # the rule (or why there is none), as docs say it
    limits: tuple[Limit, ...] = ()
    notes: tuple[Fact, ...] = ()
    shut_down: Fact | None = None
    preset: BuildPreset | None = field(default=None, repr=False)


# --- sources ---------------------------------------------------------------------------------

PGC = Source("https://github.com/pgconnect/pgconnect (pgc's own rule)", "n/d", "pgc")
S_PGBOUNCER = Source("https://www.pgbouncer.org/config.html")
S_PRISMA_POOL = Source("https://prisma.io/docs/postgres/database/connection-pooling")
S_PRISMA_POOL_OLD = Source(
    "https://github.com/prisma/docs/blob/0fb990342bad2fec98ba6fffd19dda9535dc3c27/apps/docs/content/docs/"
    "postgres/database/connection-pooling.mdx",
    "commit 0fb9903",
)
S_PRISMA_CONNECT = Source(
    "https://github.com/prisma/docs/blob/main/apps/docs/content/docs/postgres/database/"
    "connecting-to-your-database.mdx"
)
S_PRISMA_VERCEL = Source("https://www.prisma.io/docs/guides/postgres/vercel.md")
S_NEON_URL = Source("https://neon.com/faqs/find-database-url-neon")
S_NEON_POOL = Source("https://neon.com/docs/connect/connection-pooling")
S_NEON_VERCEL = Source("https://neon.com/docs/guides/vercel-previews-integration", "2025-11-11")
S_VERCEL_ENV = Source(
    "https://github.com/ReticentFacade/seed-to-sip/blob/main/.env.development.local", "n/d", "repo"
)
S_SUPABASE = Source("https://supabase.com/docs/guides/database/connecting-to-postgres")
S_SUPABASE_PORTS = Source(
    "https://github.com/supabase/supabase/blob/master/apps/docs/content/guides/database/"
    "connecting-to-postgres.mdx"
)
S_SUPABASE_IPV4 = Source("https://supabase.com/docs/guides/platform/ipv4-address.md")
S_AWS_SHAPES = Source(
    "https://github.com/aws/aws-advanced-jdbc-wrapper/blob/main/wrapper/src/main/java/software/amazon/jdbc/"
    "util/RdsUtils.java",
    "n/d",
    "repo",
)
S_AURORA_READER = Source(
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Endpoints.Reader.html"
)
S_AURORA_CUSTOM = Source(
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Endpoints.Custom.html"
)
S_RDS_PROXY = Source(
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-endpoints.CreatingEndpoint.html"
)
S_RDS_IAM = Source("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.html")
S_RDS_SSL = Source(
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html"
)
S_AZURE = Source("https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-pgbouncer")
S_HEROKU_POOL = Source("https://devcenter.heroku.com/articles/postgres-connection-pooling", "May 29, 2026")
S_HEROKU_TLS = Source("https://devcenter.heroku.com/articles/connecting-heroku-postgres", "April 21, 2026")
S_HEROKU_CERTS = Source(
    "https://devcenter.heroku.com/articles/heroku-postgres-enhanced-certificates", "Nov 27, 2024"
)
S_HEROKU_VARS = Source("https://devcenter.heroku.com/articles/heroku-postgresql", "2015 copy")
S_HEROKU_AURORA = Source(
    "https://devstacktips.com/development/2025/04/10/how-heroku-migrated-hundreds-of-thousands-of-self-"
    "managed-postgresql-databases-to-amazon-aurora",
    "Apr 10, 2025",
    "3p",
)
S_RENDER = Source("https://render.com/tutorials/postgres-on-render/introduction")
S_RENDER_POOL = Source("https://render.com/docs/postgresql-connection-pooling")
S_RENDER_LIMITS = Source("https://render.com/tutorials/postgres-on-render/connection-limits-and-pooling")
S_RAILWAY = Source("https://github.com/railwayapp/docs/blob/main/content/docs/databases/postgresql.md")
S_RAILWAY_POOL = Source("https://docs.railway.com/databases/postgresql-pgbouncer")
S_RAILWAY_NET = Source("https://docs.railway.com/private-networking")
S_RAILWAY_TLS = Source("https://github.com/railwayapp-templates/postgres-ssl")
S_FLY_INTERNAL = Source("https://fly.io/docs/postgres/connecting/connecting-internal")
S_FLY_PORTS = Source(
    "https://github.com/superfly/docs/blob/main/postgres/connecting/app-connection-examples.mdx"
)
S_FLY_EXTERNAL = Source("https://fly.io/docs/postgres/connecting/connecting-external/")
S_FLY_UNSUPPORTED = Source("https://fly.io/docs/flyctl/postgres")
S_FLYMPG = Source("https://fly.io/docs/mpg/client-configuration/", "2026-03-25")
S_FLYMPG_MODE = Source(
    "https://github.com/superfly/docs/blob/main/mpg/cluster-configuration.html.md", "2025-08-18"
)
S_FLYMPG_NET = Source(
    "https://github.com/superfly/docs/blob/main/mpg/create-and-connect.html.md", "2025-07-11"
)
S_DO_POOLS = Source(
    "https://docs.digitalocean.com/products/databases/postgresql/how-to/manage-connection-pools/"
)
S_DO_URI = Source(
    "https://github.com/digitalocean/doctl/blob/main/integration/database_connection_pool_test.go",
    "n/d",
    "repo",
)
S_DO_STANDBY = Source("https://docs.digitalocean.com/products/databases/postgresql/how-to/add-standby-nodes")
S_DO_PRIVATE = Source(
    "https://docs.digitalocean.com/reference/terraform/reference/data-sources/database_connection_pool"
)
S_DO_CA = Source("https://docs.digitalocean.com/reference/dots/reference/databases/databases-get-ca/")
S_AIVEN = Source("https://aiven.io/docs/products/postgresql/howto/manage-pool")
S_CLOUDSQL_MCP = Source("https://cloud.google.com/sql/docs/postgres/managed-connection-pooling")
S_CLOUDSQL_PROXY = Source("https://pkg.go.dev/github.com/GoogleCloudPlatform/cloud-sql-proxy/v2")
S_CLOUDSQL_DNS = Source("https://cloud.google.com/sql/docs/mysql/configure-dns")
S_CLOUDSQL_IAM = Source("https://cloud.google.com/sql/docs/postgres/iam-logins")
S_ALLOYDB = Source("https://cloud.google.com/alloydb/docs/connection-overview")
S_ALLOYDB_MCP = Source("https://cloud.google.com/alloydb/docs/configure-managed-connection-pooling")
S_CRUNCHY = Source("https://docs.crunchybridge.com/connecting")
S_CRUNCHY_POOL = Source("https://docs.crunchybridge.com/how-to/pgbouncer")
S_CRUNCHY_MODE = Source("https://docs.crunchybridge.com/concepts/connection-pooling")
S_TIMESCALE = Source("https://www.tigerdata.com/docs/use-timescale/latest/services/connection-pooling")
S_PLANETSCALE = Source("https://planetscale.com/docs/postgres/connecting/psbouncer")
S_PLANETSCALE_CLI = Source("https://planetscale.com/docs/cli/pgbouncer")
S_XATA = Source("https://xata.io/docs/postgres")
S_XATA_NEW = Source("https://xata.io/docs/changelog", "Apr 24 & 27, 2026")
S_NILE = Source("https://developers.cloudflare.com/hyperdrive/examples/nile/")
S_NILE_VARS = Source("https://drizzle.zhcndoc.com/docs/connect-nile", "n/d", "3p")
S_TEMBO = Source("https://neon.tech/guides/migrate-tembo-to-neon", "2025-05-08", "3p")
S_TEMBO_POOL = Source("https://tembo.io/docs/product/cloud/apps/connection-pooler")

# --- host shapes used by other modules and by the derivations ---------------------------------

PRISMA_POOLED_HOST = "pooled.db.prisma.io"
PRISMA_DIRECT_HOST = "db.prisma.io"
NEON_HOST = re.compile(
    r"^(?P<ep>ep-[a-z0-9-]+?)(?P<pooler>-pooler)?\.(?P<cell>c-\d+\.)?(?P<region>[a-z0-9-]+)\."
    r"(?P<cloud>aws|azure)\.neon\.tech$"
)
SUPAVISOR_HOST = re.compile(r"^aws-(?:\d+-)?(?P<region>[a-z0-9-]+)\.pooler\.supabase\.com$")
SUPABASE_DB_HOST = re.compile(r"^db\.(?P<ref>[a-z0-9]+)\.supabase\.co$")
SUPAVISOR_TRANSACTION_PORT = 6543
SUPAVISOR_SESSION_PORT = 5432
SUPABASE_DEDICATED_POOLER_PORT = 6543
SUPABASE_DIRECT_PORT = 5432
AZURE_PGBOUNCER_PORT = 6432
AZURE_DIRECT_PORT = 5432
PGBOUNCER_DEFAULT_PORT = 6432
POSTGRES_DEFAULT_PORT = 5432

_NAME = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
# <id>.<region>.rds.amazonaws.com, the China forms (<id>.rds.<region>.amazonaws.com.cn and the older
# <id>.<region>.rds.amazonaws.com.cn) and the GovCloud/ISO forms, as AWS's driver wrapper reads them.
_AWS_DOMAIN = (
    r"[a-z0-9]+\.(?:[a-z0-9-]+\.rds\.amazonaws\.com(?:\.cn)?|rds\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?"
    r"|rds\.[a-z0-9-]+\.(?:c2s\.ic\.gov|sc2s\.sgov\.gov))"
)
_SUPAVISOR_TO_DIRECT = Rewrite(
    "host db.<ref>.supabase.co (the ref from the user postgres.<ref>), port 5432, user postgres",
    host_template="db.{ref}.supabase.co",
    port=SUPABASE_DIRECT_PORT,
    user=(r"\.[^.]*$", ""),
)
_FLY_6PN = "Fly's private network (6PN, IPv6): from outside only via `fly mpg proxy` or WireGuard"
_NEON_POOLER_TO_DIRECT = Rewrite("drop -pooler from the endpoint label", host=(r"-pooler\.", "."))
_NEON_DIRECT_TO_POOLER = Rewrite(
    "add -pooler to the endpoint label", PoolMode.TRANSACTION, host=(r"^(ep-[a-z0-9-]+?)\.", r"\1-pooler.")
)


def _port_swap(text: str, port: int, mode: PoolMode | None = None) -> Rewrite:
    return Rewrite(text, mode, port=port)


# --- the rows (the order is the classification order: first match wins) -----------------------

PROVIDER_ROWS: tuple[ProviderRow, ...] = (
    ProviderRow(
        Provider.PRISMA_POSTGRES,
        "Prisma Postgres",
        (
            EndpointRule(
                "pooled",
                re.escape(PRISMA_POOLED_HOST),
                Endpoint.POOLED,
                f"host {PRISMA_POOLED_HOST} is Prisma Postgres' PgBouncer (transaction mode)",
                "postgres://USER:pw@pooled.db.prisma.io:5432/postgres?sslmode=require",
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(Rewrite("host pooled.db.prisma.io → db.prisma.io", host=(r"^pooled\.", "")),),
            ),
            EndpointRule(
                "direct",
                re.escape(PRISMA_DIRECT_HOST),
                Endpoint.DIRECT,
                f"host {PRISMA_DIRECT_HOST} is Prisma Postgres' direct endpoint",
                "postgres://USER:pw@db.prisma.io:5432/postgres?sslmode=require",
                to_pooled=(
                    Rewrite(
                        "host db.prisma.io → pooled.db.prisma.io",
                        PoolMode.TRANSACTION,
                        host=(r"^", "pooled."),
                    ),
                ),
            ),
            EndpointRule(
                "Accelerate (HTTP)",
                r"accelerate\.prisma-data\.net",
                Endpoint.POOLED,
                "host accelerate.prisma-data.net is Prisma Accelerate: a pool reached over HTTP by "
                "Prisma Client only (prisma+postgres:// with an API key; no user, password or database)",
                "prisma+postgres://accelerate.prisma-data.net/?api_key=KEY",
            ),
        ),
        Fact("5432 for both endpoints; only the host differs", S_PRISMA_CONNECT),
        Fact(
            "transaction (a tenant-isolated PgBouncer); pooled queries time out after 10 minutes",
            S_PRISMA_POOL,
        ),
        Fact("sslmode=require always; allow *.db.prisma.io:5432 through firewalls", S_PRISMA_CONNECT),
        True,
        "require",
        env_vars=(
            EnvVar("DATABASE_URL", Role.DIRECT, S_PRISMA_VERCEL),
            EnvVar("POSTGRES_URL", Role.DIRECT, S_PRISMA_VERCEL),
            EnvVar("PRISMA_DATABASE_URL", Role.DIRECT, S_PRISMA_VERCEL),
            EnvVar("DATABASE_URL_POOLED", Role.POOLED, S_PRISMA_VERCEL),
        ),
        derivation=Fact(
            "pooled ⇄ direct: swap pooled.db.prisma.io ⇄ db.prisma.io, keep the rest", S_PRISMA_CONNECT
        ),
        limits=(
            Limit("free", 10, 10, S_PRISMA_POOL_OLD, "current page lists pooled 50", True),
            Limit("starter", 10, 100, S_PRISMA_POOL_OLD, "current page lists pooled 50", True),
            Limit("pro", 50, 500, S_PRISMA_POOL_OLD, "current page lists pooled 250", True),
            Limit("business", 100, 1000, S_PRISMA_POOL_OLD, "current page lists pooled 500", True),
        ),
        notes=(
            Fact(
                "5 direct connections are reserved for platform operations; idle pooled connections close "
                "after 60 minutes",
                S_PRISMA_POOL,
            ),
            Fact(
                "the Vercel Marketplace integration sets DATABASE_URL to the DIRECT URL, DATABASE_URL_POOLED "
                "to the pooled one",
                S_PRISMA_VERCEL,
            ),
        ),
        preset=BuildPreset(PRISMA_DIRECT_HOST, fields=(), database="postgres"),
    ),
    ProviderRow(
        Provider.NEON,
        "Neon",
        (
            EndpointRule(
                "pooled",
                NEON_HOST.pattern.strip("^$").replace("(?P<pooler>-pooler)?", "(?P<pooler>-pooler)"),
                Endpoint.POOLED,
                "Neon host with -pooler is Neon's PgBouncer (transaction mode)",
                "postgresql://alex:pw@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/dbname"
                "?sslmode=require&channel_binding=require",
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(_NEON_POOLER_TO_DIRECT,),
            ),
            EndpointRule(
                "direct",
                NEON_HOST.pattern.strip("^$"),
                Endpoint.DIRECT,
                "Neon endpoint host without -pooler",
                "postgresql://alex:pw@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/dbname"
                "?sslmode=require&channel_binding=require",
                to_pooled=(_NEON_DIRECT_TO_POOLER,),
            ),
            EndpointRule(
                "unknown shape",
                r"(?:[a-z0-9-]+\.)+neon\.tech",
                Endpoint.UNKNOWN,
                "neon.tech host of an unknown shape",
                "postgresql://alex:pw@something.neon.tech/dbname",
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(
                    NotDerivable(
                        "the neon.tech host is not an ep-… endpoint host",
                        "use the connection string from Neon's Connect dialog",
                    ),
                ),
                to_pooled=(
                    NotDerivable(
                        "the neon.tech host is not an ep-… endpoint host",
                        "use the connection string from Neon's Connect dialog",
                    ),
                ),
            ),
        ),
        Fact("5432 (the default; Neon's strings leave it out)", S_NEON_URL),
        Fact("transaction (PgBouncer, up to 10,000 client connections)", S_NEON_POOL),
        Fact(
            'default strings carry sslmode=require&channel_binding=require ("don\'t strip them"); SNI is '
            "required (old libpq: options=endpoint%3D<ep-id>)",
            S_NEON_URL,
        ),
        True,
        "require",
        env_vars=(
            EnvVar("DATABASE_URL", Role.POOLED, S_NEON_VERCEL),
            EnvVar("DATABASE_URL_UNPOOLED", Role.DIRECT, S_NEON_VERCEL),
        ),
        derivation=Fact("pooled ⇄ direct: add or drop -pooler on the endpoint label", S_NEON_URL),
        preset=BuildPreset(
            "{endpoint}.{neon_region}",
            fields=("endpoint", "region"),
            database="neondb",
            params=(("sslmode", "require"), ("channel_binding", "require")),
        ),
    ),
    ProviderRow(
        Provider.VERCEL_POSTGRES,
        "Vercel Postgres (Neon)",
        (
            EndpointRule(
                "pooled",
                r"(?P<ep>ep-[a-z0-9-]+?)-pooler\.[a-z0-9-]+\.postgres\.vercel-storage\.com",
                Endpoint.POOLED,
                "Vercel Postgres host with -pooler is Neon's PgBouncer (transaction mode)",
                "postgres://default:pw@ep-snowy-hat-a4b2c3d4-pooler.us-east-1.postgres.vercel-storage.com"
                ":5432/verceldb?sslmode=require",
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(_NEON_POOLER_TO_DIRECT,),
            ),
            EndpointRule(
                "direct",
                r"(?P<ep>ep-[a-z0-9-]+?)\.[a-z0-9-]+\.postgres\.vercel-storage\.com",
                Endpoint.DIRECT,
                "Vercel Postgres host without -pooler is the Neon endpoint itself",
                "postgres://default:pw@ep-snowy-hat-a4b2c3d4.us-east-1.postgres.vercel-storage.com"
                ":5432/verceldb?sslmode=require",
                to_pooled=(_NEON_DIRECT_TO_POOLER,),
            ),
        ),
        Fact("5432", S_VERCEL_ENV),
        Fact("transaction (Neon's PgBouncer)", S_NEON_POOL),
        Fact("sslmode=require", S_VERCEL_ENV),
        True,
        "require",
        users=Fact("user `default`, database `verceldb`", S_VERCEL_ENV),
        env_vars=(
            EnvVar("POSTGRES_URL", Role.POOLED, S_VERCEL_ENV),
            EnvVar("POSTGRES_PRISMA_URL", Role.POOLED, S_VERCEL_ENV),
            EnvVar("POSTGRES_URL_NON_POOLING", Role.DIRECT, S_VERCEL_ENV),
            EnvVar("POSTGRES_URL_NO_SSL", None, S_VERCEL_ENV),
        ),
        derivation=Fact(
            "pooled ⇄ direct: add or drop -pooler (Vercel Postgres now runs on Neon)", S_NEON_VERCEL
        ),
        preset=BuildPreset(
            "{endpoint}.{region}.postgres.vercel-storage.com",
            fields=("endpoint", "region"),
            user="default",
            database="verceldb",
        ),
    ),
    ProviderRow(
        Provider.SUPABASE,
        "Supabase",
        (
            EndpointRule(
                "pooled (Supavisor, transaction)",
                r"[a-z0-9.-]+\.pooler\.supabase\.com",
                Endpoint.POOLED,
                f"Supavisor on port {SUPAVISOR_TRANSACTION_PORT} is transaction mode",
                "postgres://postgres.apbkobhfnmcqqzqeeqss:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres",
                ports=frozenset({SUPAVISOR_TRANSACTION_PORT}),
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(_SUPAVISOR_TO_DIRECT,),
                other_modes=(
                    Rewrite("port 5432 is the session pooler", PoolMode.SESSION, port=SUPAVISOR_SESSION_PORT),
                ),
            ),
            EndpointRule(
                "pooled (Supavisor, session)",
                r"[a-z0-9.-]+\.pooler\.supabase\.com",
                Endpoint.POOLED,
                f"Supavisor on port {SUPAVISOR_SESSION_PORT} is session mode",
                "postgres://postgres.apbkobhfnmcqqzqeeqss:pw@aws-1-eu-west-2.pooler.supabase.com:5432/postgres",
                ports=frozenset({SUPAVISOR_SESSION_PORT}),
                pool_mode=PoolMode.SESSION,
                to_direct=(_SUPAVISOR_TO_DIRECT,),
                other_modes=(
                    Rewrite(
                        "port 6543 is the transaction pooler",
                        PoolMode.TRANSACTION,
                        port=SUPAVISOR_TRANSACTION_PORT,
                    ),
                ),
            ),
            EndpointRule(
                "pooled (Supavisor, other port)",
                r"[a-z0-9.-]+\.pooler\.supabase\.com",
                Endpoint.POOLED,
                "Supavisor host on an unexpected port",
                "postgres://postgres.apbkobhfnmcqqzqeeqss:pw@aws-us-east-1.pooler.supabase.com:7000/postgres",
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(_SUPAVISOR_TO_DIRECT,),
            ),
            EndpointRule(
                "pooled (dedicated PgBouncer)",
                SUPABASE_DB_HOST.pattern.strip("^$"),
                Endpoint.POOLED,
                f"db.<ref>.supabase.co:{SUPABASE_DEDICATED_POOLER_PORT} is Supabase's dedicated PgBouncer",
                "postgresql://postgres:pw@db.apbkobhfnmcqqzqeeqss.supabase.co:6543/postgres",
                ports=frozenset({SUPABASE_DEDICATED_POOLER_PORT}),
                pool_mode=PoolMode.TRANSACTION,
                network="reachable over IPv6 only, unless the project has the IPv4 add-on",
                to_direct=(Rewrite("same host, port 5432", port=SUPABASE_DIRECT_PORT),),
                other_modes=(
                    Rewrite(
                        "the shared pooler (needs --region) has session mode on 5432",
                        PoolMode.SESSION,
                        host_template="{supavisor}.pooler.supabase.com",
                        port=SUPAVISOR_SESSION_PORT,
                        user=(r"^(.*)$", r"\1.{ref}"),
                    ),
                ),
            ),
            EndpointRule(
                "direct",
                SUPABASE_DB_HOST.pattern.strip("^$"),
                Endpoint.DIRECT,
                "db.<ref>.supabase.co:5432 is Supabase's direct endpoint (IPv6 only without the add-on)",
                "postgresql://postgres:pw@db.apbkobhfnmcqqzqeeqss.supabase.co:5432/postgres",
                network="reachable over IPv6 only, unless the project has the IPv4 add-on",
                to_pooled=(
                    Rewrite(
                        "with --region: the shared pooler aws-0-<region>.pooler.supabase.com, user <u>.<ref>",
                        None,
                        host_template="{supavisor}.pooler.supabase.com",
                        user=(r"^(.*)$", r"\1.{ref}"),
                    ),
                    Rewrite(
                        "without --region: the dedicated PgBouncer, same host, port 6543",
                        PoolMode.TRANSACTION,
                        port=SUPABASE_DEDICATED_POOLER_PORT,
                    ),
                ),
            ),
        ),
        Fact(
            "direct 5432 and dedicated PgBouncer 6543 on db.<ref>.supabase.co; shared Supavisor 6543 "
            "(transaction) and 5432 (session) on aws-[N-]<region>.pooler.supabase.com",
            S_SUPABASE_PORTS,
        ),
        Fact(
            "Supavisor 6543 transaction, 5432 session; the dedicated PgBouncer is always transaction",
            S_SUPABASE_PORTS,
        ),
        Fact("TLS; the root certificate can be downloaded from the dashboard", S_SUPABASE),
        False,
        "require",
        users=Fact(
            "postgres.<project-ref> on the shared pooler (Supavisor answers `Tenant or user not found` "
            "otherwise); the plain role on db.<ref>.supabase.co",
            S_SUPABASE,
        ),
        network=Fact(
            "direct and dedicated pooler: IPv6 unless the IPv4 add-on; the shared pooler is IPv4-only",
            S_SUPABASE_IPV4,
        ),
        derivation=Fact(
            "pooled → direct: host db.<ref>.supabase.co:5432, user postgres; direct → pooled: port "
            "6543 (dedicated) or, with the region, the shared pooler",
            S_SUPABASE_PORTS,
        ),
        notes=(
            Fact(
                "the shared pooler host is now written aws-[region].pooler.supabase.com (earlier aws-0-, "
                "aws-1- also seen)",
                S_SUPABASE,
            ),
            Fact("dedicated-pooler user name (postgres or postgres.<ref>)", S_SUPABASE_PORTS, True),
        ),
        preset=BuildPreset(
            "db.{project_ref}.supabase.co",
            fields=("project_ref",),
            user="postgres",
            database="postgres",
            pooled_note="the dedicated pooler (port 6543, paid plans); pass --region for the shared one",
            session_needs_region=True,
        ),
    ),
    ProviderRow(
        Provider.HEROKU,
        "Heroku Postgres",
        (
            EndpointRule(
                "database (heuristic)",
                r"c[a-z0-9]+\.cluster-[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com|ec2-[0-9-]+\.compute-1\.amazonaws\.com",
                Endpoint.UNKNOWN,
                "heuristic: Heroku's generated user u…/database d… on an AWS host (Heroku runs on Aurora): "
                "the URL does not say whether it is the pooler",
                "postgres://u1a2b3c4d5e6f7:pw@c5abcdefghijkl.cluster-czrs8kj4isg7.us-east-1.rds.amazonaws.com"
                ":5432/d1a2b3c4d5e6f7",
                pool_mode=PoolMode.UNKNOWN,
                user=r"u[a-z0-9]{13,14}",
                dbname=r"d[a-z0-9]{13,14}",
                heuristic=True,
                to_direct=(
                    NotDerivable(
                        "Heroku's URLs are config vars, not derivable from each other",
                        "read DATABASE_URL (direct) with `heroku config:get DATABASE_URL`",
                    ),
                ),
                to_pooled=(
                    NotDerivable(
                        "Heroku's pooler address is not documented and not derivable",
                        "attach the pooler (`heroku pg:connection-pooling:attach`) and read "
                        "DATABASE_CONNECTION_POOL_URL",
                    ),
                ),
            ),
        ),
        Fact("5432; the pooler's host and port are not documented", S_HEROKU_POOL, True),
        Fact(
            "transaction (server-side PgBouncer; Standard, Premium, Private and Shield plans, not Essential)",
            S_HEROKU_POOL,
        ),
        Fact("TLS 1.2+ required, sslmode=require; verify-full only with Enhanced Certificates", S_HEROKU_TLS),
        True,
        "require",
        users=Fact(
            "generated user u<13-14>, database d<13-14>; hosts c<id>.cluster-<x>.<region>.rds.amazonaws.com "
            "(Heroku moved onto Aurora) or ec2-<ip>.compute-1.amazonaws.com",
            S_HEROKU_AURORA,
            True,
        ),
        env_vars=(
            EnvVar("DATABASE_URL", Role.DIRECT, S_HEROKU_VARS),
            EnvVar("HEROKU_POSTGRESQL_<COLOR>_URL", Role.DIRECT, S_HEROKU_VARS),
            EnvVar("DATABASE_CONNECTION_POOL_URL", Role.POOLED, S_HEROKU_POOL),
        ),
        derivation=Fact(
            "not derivable: the pooler is a separate config var; URLs rotate (read the var)", S_HEROKU_POOL
        ),
        limits=(
            Limit(
                "pooler",
                None,
                10000,
                Source("https://blog.heroku.com/connection-pooling", "Jan 20, 2021"),
                "client connections through the pooler",
            ),
        ),
        notes=(
            Fact(
                "certificates are not publicly verifiable unless Enhanced Certificates are enabled",
                S_HEROKU_CERTS,
            ),
        ),
        preset=BuildPreset("{host}"),
    ),
    ProviderRow(
        Provider.RDS_PROXY,
        "AWS RDS Proxy",
        (
            EndpointRule(
                "proxy",
                r"(?:[a-z0-9-]+\.)+proxy-" + _AWS_DOMAIN,
                Endpoint.POOLED,
                "*.proxy-*.rds.amazonaws.com is an RDS Proxy endpoint",
                "postgresql://u:pw@the-proxy.proxy-demo.us-east-1.rds.amazonaws.com:5432/db",
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(
                    NotDerivable(
                        "an RDS Proxy endpoint does not reveal the database instance behind it",
                        "pass --direct-host with the instance or cluster endpoint "
                        "(NAME.ID.REGION.rds.amazonaws.com)",
                    ),
                ),
            ),
        ),
        Fact("5432", S_RDS_PROXY),
        Fact("multiplexing per transaction, with pinning when session state is used", S_RDS_PROXY),
        Fact("TLS as for RDS (rds.force_ssl); verify-full with the RDS CA bundle", S_RDS_SSL),
        False,
        "require",
        notes=(
            Fact(
                "extra endpoints <e>.endpoint.proxy-<id>… may be read-only (TargetRole READ_ONLY): not "
                "visible in the name",
                S_RDS_PROXY,
            ),
        ),
        derivation=Fact("not derivable: the proxy name does not reveal the database behind it", S_RDS_PROXY),
        preset=BuildPreset("{host}"),
    ),
    ProviderRow(
        Provider.AWS_RDS,
        "AWS RDS / Aurora",
        (
            EndpointRule(
                "reader (cluster-ro-)",
                _NAME + r"\.cluster-ro-" + _AWS_DOMAIN,
                Endpoint.DIRECT,
                "Aurora cluster-ro- endpoint: the cluster's readers (read-only)",
                "postgresql://postgres:pw@mycluster.cluster-ro-c7abcdefgh.us-east-1.rds.amazonaws.com:5432/postgres",
                read_only=True,
            ),
            EndpointRule(
                "custom (cluster-custom-)",
                _NAME + r"\.cluster-custom-" + _AWS_DOMAIN,
                Endpoint.DIRECT,
                "Aurora cluster-custom- endpoint (chosen instances; IAM tokens cannot be signed for it)",
                "postgresql://postgres:pw@analytics.cluster-custom-c7abcdefgh.us-east-1.rds.amazonaws.com:5432/"
                "postgres",
            ),
            EndpointRule(
                "writer (cluster-)",
                _NAME + r"\.cluster-" + _AWS_DOMAIN,
                Endpoint.DIRECT,
                "Aurora cluster- endpoint: the writer",
                "postgresql://postgres:pw@mycluster.cluster-c7abcdefgh.us-east-1.rds.amazonaws.com:5432/postgres",
            ),
            EndpointRule(
                "shard group (shardgrp-)",
                _NAME + r"\.shardgrp-" + _AWS_DOMAIN,
                Endpoint.DIRECT,
                "Aurora Limitless shardgrp- endpoint",
                "postgresql://postgres:pw@mygroup.shardgrp-c7abcdefgh.us-east-1.rds.amazonaws.com:5432/postgres_limitless",
            ),
            EndpointRule(
                "instance",
                _NAME + r"\." + _AWS_DOMAIN,
                Endpoint.DIRECT,
                "RDS/Aurora instance endpoint",
                "postgresql://postgres:pw@mydb.c7abcdefgh.us-east-1.rds.amazonaws.com:5432/postgres",
            ),
        ),
        Fact("5432", S_AURORA_READER),
        Fact("no pooler in the path; RDS Proxy is a separate endpoint", S_RDS_PROXY),
        Fact(
            "rds.force_ssl defaults to 1 on RDS for PostgreSQL 15 and newer; verify-full against the RDS CA "
            "bundle (global-bundle.pem)",
            S_RDS_SSL,
        ),
        False,
        "require",
        users=Fact(
            "IAM tokens: the password is a 15-minute SigV4 token, checked at connect, only over TLS; not "
            "for custom endpoints or Route 53 aliases; the user needs rds_iam",
            S_RDS_IAM,
        ),
        derivation=Fact(
            "writer ⇄ reader: swap cluster- ⇄ cluster-ro-; pooled: not derivable (no pooler; RDS "
            "Proxy names are chosen); instance → cluster: not derivable",
            S_AWS_SHAPES,
        ),
        notes=(
            Fact(
                "host shapes incl. China (amazonaws.com.cn) and GovCloud forms follow AWS's driver wrapper",
                S_AWS_SHAPES,
            ),
            Fact(
                "the reader endpoint balances connections, not queries, and reaches the writer when there "
                "are no replicas; up to 5 custom endpoints per cluster",
                S_AURORA_CUSTOM,
            ),
        ),
        preset=BuildPreset("{host}", database="postgres"),
    ),
    ProviderRow(
        Provider.AZURE,
        "Azure Database for PostgreSQL",
        (
            EndpointRule(
                "pooled (built-in PgBouncer)",
                r"[a-z0-9-]+\.postgres\.database\.azure\.com",
                Endpoint.POOLED,
                f"Azure's built-in PgBouncer listens on port {AZURE_PGBOUNCER_PORT}",
                "postgresql://myadmin:pw@myserver.postgres.database.azure.com:6432/postgres?sslmode=require",
                ports=frozenset({AZURE_PGBOUNCER_PORT}),
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(_port_swap("same host, port 5432", AZURE_DIRECT_PORT),),
            ),
            EndpointRule(
                "direct",
                r"[a-z0-9-]+\.postgres\.database\.azure\.com",
                Endpoint.DIRECT,
                "Azure server port 5432",
                "postgresql://myadmin:pw@myserver.postgres.database.azure.com:5432/postgres?sslmode=require",
                to_pooled=(_port_swap("same host, port 6432", AZURE_PGBOUNCER_PORT, PoolMode.TRANSACTION),),
            ),
        ),
        Fact("5432 direct, 6432 built-in PgBouncer (Flexible Server)", S_AZURE),
        Fact("transaction (pgbouncer.max_prepared_statements 0 by default)", S_AZURE),
        Fact("TLS required", S_AZURE),
        True,
        "require",
        derivation=Fact("pooled ⇄ direct: port 6432 ⇄ 5432 on the same host", S_AZURE),
        preset=BuildPreset("{host}", database="postgres", host_suffix=".postgres.database.azure.com"),
    ),
    ProviderRow(
        Provider.RENDER,
        "Render",
        (
            EndpointRule(
                "external",
                r"dpg-[a-z0-9]+-a\.[a-z0-9-]+-postgres\.render\.com",
                Endpoint.DIRECT,
                "Render's external database host (dpg-…-a.<region>-postgres.render.com)",
                "postgresql://app_user:pw@dpg-abcdefghij0123456789-a.oregon-postgres.render.com/app_db",
                ports=frozenset({POSTGRES_DEFAULT_PORT}),
                to_pooled=(
                    NotDerivable(
                        "Render's pooler address is the connectionPoolString, not derivable",
                        "copy the pooled string from the dashboard (paid plans)",
                    ),
                ),
            ),
            EndpointRule(
                "internal",
                r"dpg-[a-z0-9]+-a",
                Endpoint.DIRECT,
                "Render's internal database host (dpg-…-a)",
                "postgresql://app_user:pw@dpg-abcdefghij0123456789-a/app_db",
                ports=frozenset({POSTGRES_DEFAULT_PORT}),
                network="Render's private network: only services in the same region and workspace",
                to_pooled=(
                    NotDerivable(
                        "Render's pooler address is the connectionPoolString, not derivable",
                        "copy the pooled string from the dashboard (paid plans)",
                    ),
                ),
            ),
        ),
        Fact("5432 (usually left out)", S_RENDER),
        Fact(
            "transaction (integrated PgBouncer, paid plans; enabling it restarts the database)", S_RENDER_POOL
        ),
        Fact("external: TLS 1.2+ required (sslmode=require); internal: TLS not required", S_RENDER),
        False,
        "require",
        network=Fact("internal hosts resolve only inside the region's private network", S_RENDER),
        derivation=Fact(
            "internal ⇄ external: strip/append .<region>-postgres.render.com; pooled: not derivable "
            "(the pooler host is undocumented)",
            S_RENDER_POOL,
            True,
        ),
        limits=(
            Limit("<8 GB RAM", 100, None, S_RENDER_LIMITS),
            Limit("8-16 GB RAM", 200, None, S_RENDER_LIMITS),
            Limit("16-32 GB RAM", 400, None, S_RENDER_LIMITS),
            Limit(">=32 GB RAM", 500, None, S_RENDER_LIMITS),
        ),
        preset=BuildPreset("{host}"),
    ),
    ProviderRow(
        Provider.RAILWAY,
        "Railway",
        (
            EndpointRule(
                "private",
                r"(?:[a-z0-9-]+\.)+railway\.internal",
                Endpoint.UNKNOWN,
                "Railway private host (a service name: Postgres, HAProxy or PgBouncer)",
                "postgresql://postgres:pw@postgres.railway.internal:5432/railway",
                pool_mode=PoolMode.UNKNOWN,
                network="Railway's private network (IPv6 only in environments created before 16 Oct 2025)",
                to_direct=(
                    NotDerivable(
                        "Railway host names are service names",
                        "use DATABASE_UNPOOLED_URL (or DATABASE_PUBLIC_UNPOOLED_URL)",
                    ),
                ),
                to_pooled=(
                    NotDerivable(
                        "Railway host names are service names",
                        "enable Connection Pooling; DATABASE_URL then points to PgBouncer",
                    ),
                ),
            ),
            EndpointRule(
                "TCP proxy",
                r"[a-z0-9-]+\.proxy\.rlwy\.net",
                Endpoint.UNKNOWN,
                "Railway TCP proxy (a random port for Postgres or PgBouncer)",
                "postgresql://postgres:pw@monorail.proxy.rlwy.net:47382/railway",
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(
                    NotDerivable(
                        "Railway's proxy ports are random per service", "use DATABASE_PUBLIC_UNPOOLED_URL"
                    ),
                ),
                to_pooled=(
                    NotDerivable(
                        "Railway's proxy ports are random per service",
                        "use DATABASE_PUBLIC_URL after enabling Connection Pooling",
                    ),
                ),
            ),
        ),
        Fact("5432 inside; a random port on the TCP proxy", S_RAILWAY),
        Fact(
            "transaction by default (session, statement selectable); pool size 20, 1000 clients a replica",
            S_RAILWAY_POOL,
        ),
        Fact(
            "the official image generates its own certificate (820 days): require works, verify-full fails",
            S_RAILWAY_TLS,
            True,
        ),
        False,
        "require",
        mode_per_pool=True,
        network=Fact(
            "*.railway.internal: environments created after 16 Oct 2025 resolve IPv4 and IPv6, older "
            "ones IPv6 only",
            S_RAILWAY_NET,
        ),
        env_vars=(
            EnvVar("DATABASE_URL", Role.POOLED, S_RAILWAY_POOL),
            EnvVar("DATABASE_PUBLIC_URL", Role.POOLED, S_RAILWAY_POOL),
            EnvVar("DATABASE_UNPOOLED_URL", Role.DIRECT, S_RAILWAY_POOL),
            EnvVar("DATABASE_PUBLIC_UNPOOLED_URL", Role.DIRECT, S_RAILWAY_POOL),
        ),
        derivation=Fact(
            "not derivable: host names are service names, proxy ports random; use the *_UNPOOLED_URL "
            "variables",
            S_RAILWAY_POOL,
        ),
        notes=(
            Fact(
                "with pooling on, DATABASE_URL is PgBouncer; without it (or with HA) it is Postgres or "
                "HAProxy",
                S_RAILWAY_POOL,
            ),
        ),
        preset=BuildPreset("{host}", port=None, user="postgres", database="railway"),
    ),
    ProviderRow(
        Provider.FLY_MPG,
        "Fly Managed Postgres",
        (
            EndpointRule(
                "pooled (PgBouncer)",
                r"pgbouncer\.[a-z0-9-]+\.flympg\.net",
                Endpoint.POOLED,
                "Fly Managed Postgres pgbouncer. host (session mode by default, transaction if configured)",
                "postgresql://fly-user:pw@pgbouncer.abc123xyz.flympg.net/fly-db",
                pool_mode=PoolMode.UNKNOWN,
                network=_FLY_6PN,
                to_direct=(Rewrite("first label pgbouncer. → direct.", host=(r"^pgbouncer\.", "direct.")),),
            ),
            EndpointRule(
                "direct",
                r"direct\.[a-z0-9-]+\.flympg\.net",
                Endpoint.DIRECT,
                "Fly Managed Postgres direct. host",
                "postgresql://fly-user:pw@direct.abc123xyz.flympg.net/fly-db",
                network=_FLY_6PN,
                to_pooled=(
                    Rewrite("first label direct. → pgbouncer.", None, host=(r"^direct\.", "pgbouncer.")),
                ),
            ),
        ),
        Fact("5432", S_FLYMPG),
        Fact(
            "session by default; transaction optional (required for Ecto) — a cluster setting", S_FLYMPG_MODE
        ),
        Fact("TLS on by default, no sslmode needed", S_FLYMPG),
        False,
        "require",
        mode_per_pool=True,
        users=Fact("default user fly-user, database fly-db", S_FLYMPG_NET),
        network=Fact("private network only; names resolve over Fly's IPv6 6PN", S_FLYMPG_NET),
        env_vars=(EnvVar("DATABASE_URL", Role.POOLED, S_FLYMPG),),
        derivation=Fact("pooled ⇄ direct: swap the first label pgbouncer. ⇄ direct.", S_FLYMPG),
        limits=(
            Limit(
                "basic/starter", 50, 200, S_FLYMPG, "PgBouncer clients / database connections; 10 reserved"
            ),
            Limit("launch", 150, 500, S_FLYMPG, "30 reserved"),
            Limit("scale/performance", 300, 1000, S_FLYMPG, "50 reserved"),
        ),
        notes=(
            Fact(
                "the proxy drains connections after 10 minutes: recycle pooled connections before 600 s",
                S_FLYMPG,
            ),
        ),
        preset=BuildPreset(
            "direct.{cluster}.flympg.net", fields=("cluster",), user="fly-user", database="fly-db"
        ),
    ),
    ProviderRow(
        Provider.FLY,
        "Fly Postgres (unmanaged)",
        (
            EndpointRule(
                "node (port 5433)",
                r"(?:[a-z0-9-]+\.)*[a-z0-9-]+\.(?:internal|flycast)",
                Endpoint.DIRECT,
                "Fly Postgres port 5433 reaches one node directly (the docs use it for read replicas)",
                "postgres://postgres:pw@my-db.internal:5433/postgres",
                ports=frozenset({5433}),
                read_only=True,
                heuristic=True,
                network="Fly's private network (6PN, IPv6): only from Fly machines or over WireGuard",
            ),
            EndpointRule(
                "leader (flycast)",
                r"[a-z0-9-]+\.flycast",
                Endpoint.DIRECT,
                "Fly Postgres .flycast name on 5432: the leader through Fly's proxy",
                "postgres://postgres:pw@my-db.flycast:5432/postgres",
                network="Fly's private network (6PN, IPv6): only from Fly machines or over WireGuard",
                to_pooled=(
                    NotDerivable(
                        "unmanaged Fly Postgres has no built-in pooler",
                        "run PgBouncer yourself and pass --pooler-host/--pooler-port",
                    ),
                ),
            ),
            EndpointRule(
                "nearest node",
                r"top\d+\.nearest\.of\.[a-z0-9-]+\.internal",
                Endpoint.DIRECT,
                "Fly .internal name (nearest instances of an app)",
                "postgres://postgres:pw@top1.nearest.of.my-db.internal:5432/postgres",
                network="Fly's private network (6PN, IPv6): only from Fly machines or over WireGuard",
            ),
        ),
        Fact("5432 leader (proxy), 5433 a node's Postgres", S_FLY_PORTS),
        Fact("no pooler built in", S_FLY_UNSUPPORTED),
        Fact(
            "attach writes sslmode=disable on the private network; external access through pg_tls and "
            "<app>.fly.dev with sslmode=require",
            S_FLY_EXTERNAL,
            True,
        ),
        False,
        None,
        network=Fact("<app>.internal resolves to an IPv6 address in the organisation's 6PN", S_FLY_INTERNAL),
        env_vars=(EnvVar("DATABASE_URL", Role.DIRECT, S_FLY_INTERNAL),),
        derivation=Fact("not derivable: no pooler", S_FLY_UNSUPPORTED),
        notes=(
            Fact(
                "unmanaged Fly Postgres is not supported by Fly.io; use Managed Postgres", S_FLY_UNSUPPORTED
            ),
            Fact(
                "a two-label <app>.internal name on 5432 is not recognised: many private zones use .internal",
                PGC,
            ),
        ),
        preset=BuildPreset("{host}", user="postgres", database="postgres", params=()),
    ),
    ProviderRow(
        Provider.DIGITALOCEAN,
        "DigitalOcean Managed PostgreSQL",
        (
            EndpointRule(
                "standby (replica-)",
                r"(?:private-)?replica-[a-z0-9-]+\.[a-z0-9]+\.db\.ondigitalocean\.com",
                Endpoint.DIRECT,
                "DigitalOcean replica- host: the standby nodes, for reads",
                "postgresql://doadmin:pw@replica-db-postgresql-nyc3-12345-do-user-1234567-0.b.db.ondigitalocean.com"
                ":25060/defaultdb?sslmode=require",
                read_only=True,
            ),
            EndpointRule(
                "pooled (a named pool)",
                r"(?:private-)?[a-z0-9-]+\.[a-z0-9]+\.db\.ondigitalocean\.com",
                Endpoint.POOLED,
                "DigitalOcean port 25061 is a PgBouncer pool; the database is the pool's name",
                "postgresql://doadmin:pw@db-postgresql-nyc3-12345-do-user-1234567-0.b.db.ondigitalocean.com"
                ":25061/mypool?sslmode=require",
                ports=frozenset({25061}),
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(
                    NotDerivable(
                        "the pool URL names the pool, not the database behind it",
                        "pass --direct-port 25060 and set the pool's database as dbname",
                    ),
                ),
            ),
            EndpointRule(
                "direct",
                r"(?:private-)?[a-z0-9-]+\.[a-z0-9]+\.db\.ondigitalocean\.com",
                Endpoint.DIRECT,
                "DigitalOcean port 25060 is the database",
                "postgresql://doadmin:pw@db-postgresql-nyc3-12345-do-user-1234567-0.b.db.ondigitalocean.com"
                ":25060/defaultdb?sslmode=require",
                ports=frozenset({25060}),
                to_pooled=(
                    NotDerivable(
                        "DigitalOcean pools are named: give the pool name",
                        "copy the pool's URI, or pass --pooler-port 25061 and set the pool name as dbname",
                    ),
                ),
            ),
        ),
        Fact("25060 direct, 25061 pools (same host)", S_DO_URI),
        Fact("per pool: session, transaction (the API default) or statement", S_DO_POOLS),
        Fact("sslmode=require; the cluster CA comes from the API (GET /v2/databases/{id}/ca)", S_DO_CA),
        True,
        "require",
        mode_per_pool=True,
        users=Fact(
            "default user doadmin, database defaultdb; a pool URL's database is the pool name", S_DO_URI
        ),
        network=Fact("private- hosts resolve inside the VPC only", S_DO_PRIVATE),
        derivation=Fact(
            "not derivable: direct → pooled needs the pool name; pooled → direct needs the pool's database",
            S_DO_URI,
        ),
        limits=(Limit("per GB RAM", 25, None, S_DO_POOLS, "backend connections per GB of RAM, 3 reserved"),),
        notes=(
            Fact("standby nodes serve reads through the replica- prefix of the primary URL", S_DO_STANDBY),
        ),
        preset=BuildPreset(
            "{host}",
            port=25060,
            user="doadmin",
            database="defaultdb",
            pooled_port=25061,
            pooled_note="a pool URL's database is the pool name: pass --database POOL",
        ),
    ),
    ProviderRow(
        Provider.AIVEN,
        "Aiven for PostgreSQL",
        (
            EndpointRule(
                "service",
                r"[a-z0-9-]+\.(?:[a-z0-9-]+\.)?aivencloud\.com",
                Endpoint.UNKNOWN,
                "Aiven service host (the pooler is the same host on another random port)",
                "postgres://avnadmin:pw@pg-myproject.a.aivencloud.com:12691/defaultdb?sslmode=require",
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(
                    NotDerivable(
                        "Aiven's ports are random per service",
                        "copy the service URI from the console (or pass --direct-port)",
                    ),
                ),
                to_pooled=(
                    NotDerivable(
                        "Aiven's pool ports are random per service",
                        "copy the pool's URI from the console (or pass --pooler-port)",
                    ),
                ),
            ),
        ),
        Fact("random per service; pools on a different port", S_AIVEN),
        Fact("per pool: transaction, session or statement", S_AIVEN),
        Fact("sslmode=require", S_AIVEN),
        True,
        "require",
        mode_per_pool=True,
        users=Fact(
            "default user avnadmin, database defaultdb; a pool's name must equal its database", S_AIVEN
        ),
        derivation=Fact(
            "not derivable: ports are random; pool port = service port + 1 is unconfirmed", S_AIVEN, True
        ),
        limits=(
            Limit("per pool", None, 5000, S_AIVEN, "at least 5000 clients, up to min(500 × GB RAM, 50000)"),
        ),
        preset=BuildPreset("{host}", port=None, user="avnadmin", database="defaultdb"),
    ),
    ProviderRow(
        Provider.CLOUD_SQL,
        "Google Cloud SQL for PostgreSQL",
        (
            EndpointRule(
                "pooled (Managed Connection Pooling)",
                r"[a-z0-9-]+\.[a-z0-9-]+\.[a-z0-9-]+\.sql\.goog",
                Endpoint.POOLED,
                "Cloud SQL port 6432 is Managed Connection Pooling",
                "postgresql://postgres:pw@a1b2c3d4e5f6.a1b2c3d4e5f6.us-central1.sql.goog:6432/postgres"
                "?sslmode=require",
                ports=frozenset({6432}),
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(_port_swap("same host, port 5432", POSTGRES_DEFAULT_PORT),),
            ),
            EndpointRule(
                "direct (Private Service Connect)",
                r"[a-z0-9-]+\.[a-z0-9-]+\.[a-z0-9-]+\.sql\.goog",
                Endpoint.DIRECT,
                "Cloud SQL Private Service Connect name on 5432: the database",
                "postgresql://postgres:pw@a1b2c3d4e5f6.a1b2c3d4e5f6.us-central1.sql.goog:5432/postgres"
                "?sslmode=require",
                ports=frozenset({POSTGRES_DEFAULT_PORT}),
                network="Private Service Connect: only inside the consumer VPC",
                to_pooled=(
                    NotDerivable(
                        "Managed Connection Pooling listens on 6432 only when it is enabled "
                        "(Enterprise Plus)",
                        "if it is, pass --pooler-port 6432",
                    ),
                ),
            ),
            EndpointRule(
                "Auth Proxy socket",
                r"/cloudsql/[^/]+",
                Endpoint.UNKNOWN,
                "Cloud SQL Auth Proxy socket /cloudsql/PROJECT:REGION:INSTANCE",
                "postgresql://postgres:pw@/postgres?host=/cloudsql/my-project:us-central1:my-instance",
                pool_mode=PoolMode.UNKNOWN,
            ),
        ),
        Fact(
            "5432 direct, 6432 Managed Connection Pooling, 3307 the pooler through the Auth Proxy",
            S_CLOUDSQL_MCP,
        ),
        Fact("pool_mode transaction or session (a flag; the default is not stated)", S_CLOUDSQL_MCP, True),
        Fact(
            "server CA or CAS certificates; the Auth Proxy does TLS 1.3 itself (sslmode=disable to it)",
            S_CLOUDSQL_PROXY,
        ),
        False,
        "require",
        mode_per_pool=True,
        users=Fact("IAM users of service accounts are <sa>@<project>.iam", S_CLOUDSQL_IAM),
        network=Fact(
            "public and private IPs have no name: the provider is not recognisable by host", S_CLOUDSQL_DNS
        ),
        derivation=Fact(
            "pooled → direct: port 6432 → 5432; direct → pooled only if pooling is enabled", S_CLOUDSQL_MCP
        ),
        preset=BuildPreset(
            "{host}",
            user="postgres",
            database="postgres",
            pooled_port=6432,
            pooled_note="Managed Connection Pooling (port 6432) must be enabled on the instance",
        ),
    ),
    ProviderRow(
        Provider.ALLOYDB,
        "Google AlloyDB",
        (),
        Fact("5432; managed connection pooling on 6432 of the same IP", S_ALLOYDB_MCP, True),
        Fact("transaction (default) or session", S_ALLOYDB_MCP),
        Fact("Auth Proxy and connectors use mTLS", S_ALLOYDB),
        False,
        "require",
        mode_per_pool=True,
        network=Fact(
            "instances have a private IP (optionally a public one) and no host name: not recognisable "
            "by host",
            S_ALLOYDB,
        ),
        derivation=Fact(
            "not derivable from an IP alone; 5432 ⇄ 6432 when pooling is enabled", S_ALLOYDB_MCP, True
        ),
        preset=BuildPreset(
            "{host}",
            user="postgres",
            database="postgres",
            pooled_port=6432,
            pooled_note="managed connection pooling (port 6432) must be enabled on the instance",
        ),
    ),
    ProviderRow(
        Provider.CRUNCHY_BRIDGE,
        "Crunchy Bridge",
        (
            EndpointRule(
                "pooled (PgBouncer)",
                r"p\.[a-z0-9]+\.db\.postgresbridge\.com",
                Endpoint.POOLED,
                "Crunchy Bridge port 5431 is its PgBouncer (transaction mode)",
                "postgres://application:pw@p.vbjrfujv5beutaoelw725gvi3i.db.postgresbridge.com:5431/postgres",
                ports=frozenset({5431}),
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(_port_swap("same host, port 5432", POSTGRES_DEFAULT_PORT),),
            ),
            EndpointRule(
                "direct",
                r"p\.[a-z0-9]+\.db\.postgresbridge\.com",
                Endpoint.DIRECT,
                "Crunchy Bridge port 5432 is the database",
                "postgres://application:pw@p.vbjrfujv5beutaoelw725gvi3i.db.postgresbridge.com:5432/postgres",
                ports=frozenset({POSTGRES_DEFAULT_PORT}),
                to_pooled=(_port_swap("same host, port 5431", 5431, PoolMode.TRANSACTION),),
            ),
        ),
        Fact("5432 direct, 5431 PgBouncer", S_CRUNCHY_POOL),
        Fact("transaction", S_CRUNCHY_MODE),
        Fact("TLS required", S_CRUNCHY),
        True,
        "require",
        users=Fact(
            "roles postgres, application, user; superusers and replication roles cannot use the pooler, "
            "which needs CREATE EXTENSION crunchy_pooler per database",
            S_CRUNCHY_POOL,
        ),
        derivation=Fact("pooled ⇄ direct: port 5431 ⇄ 5432", S_CRUNCHY_POOL),
        limits=(Limit("default", 500, None, S_CRUNCHY_MODE, "max_connections"),),
        preset=BuildPreset("{host}", user="application", database="postgres"),
    ),
    ProviderRow(
        Provider.TIMESCALE,
        "Timescale (Tiger Cloud)",
        (
            EndpointRule(
                "pooled (transaction)",
                r"[a-z0-9]+\.[a-z0-9]+\.tsdb\.cloud\.timescale\.com",
                Endpoint.POOLED,
                "Timescale database <db>_transaction is the pooler's transaction pool",
                "postgres://tsdbadmin:pw@abcd1234.efgh5678.tsdb.cloud.timescale.com:29303/tsdb_transaction"
                "?sslmode=require",
                dbname=r".+_transaction",
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(
                    NotDerivable(
                        "Timescale's database and pooler listen on different random ports",
                        "copy the service URL, or pass --direct-port PORT and drop _transaction",
                    ),
                ),
                other_modes=(
                    Rewrite(
                        "the same pooler port without _transaction is the session pool",
                        PoolMode.SESSION,
                        dbname=(r"_transaction$", ""),
                    ),
                ),
            ),
            EndpointRule(
                "service",
                r"[a-z0-9]+\.[a-z0-9]+\.tsdb\.cloud\.timescale\.com",
                Endpoint.UNKNOWN,
                "Timescale service host (database or session pooler: the port is random)",
                "postgres://tsdbadmin:pw@abcd1234.efgh5678.tsdb.cloud.timescale.com:30133/tsdb?sslmode=require",
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(
                    NotDerivable(
                        "Timescale's ports are random per service",
                        "copy the service URL (or pass --direct-port)",
                    ),
                ),
                to_pooled=(
                    NotDerivable(
                        "Timescale's pooler port is random per service",
                        "copy the pooler URL (or pass --pooler-port); add _transaction to the "
                        "database for transaction mode",
                    ),
                ),
            ),
        ),
        Fact("random: the database and the pooler on different ports of the same host", S_TIMESCALE),
        Fact(
            "session pool (database tsdb) or transaction pool (database tsdb_transaction) on the pooler port",
            S_TIMESCALE,
        ),
        Fact("sslmode=require", S_TIMESCALE),
        True,
        "require",
        users=Fact("default user tsdbadmin, database tsdb", S_TIMESCALE),
        derivation=Fact(
            "direct ⇄ pooler: not derivable (ports); session ⇄ transaction: the _transaction suffix",
            S_TIMESCALE,
        ),
        limits=(
            Limit("session pool", None, None, S_TIMESCALE, "max_connections − 17 clients; transaction ×20"),
        ),
        preset=BuildPreset("{host}", port=None, user="tsdbadmin", database="tsdb"),
    ),
    ProviderRow(
        Provider.PLANETSCALE,
        "PlanetScale for Postgres",
        (
            EndpointRule(
                "pooled (PgBouncer)",
                r"[a-z0-9-]+\.horizon\.psdb\.cloud",
                Endpoint.POOLED,
                "PlanetScale port 6432 is its PgBouncer (transaction mode)",
                "postgresql://postgres.abc123xyz:pw@abc123xyz-useast1-1.horizon.psdb.cloud:6432/postgres"
                "?sslmode=verify-full&sslrootcert=system&sslnegotiation=direct",
                ports=frozenset({6432}),
                pool_mode=PoolMode.TRANSACTION,
                to_direct=(_port_swap("same host, port 5432", POSTGRES_DEFAULT_PORT),),
            ),
            EndpointRule(
                "direct",
                r"[a-z0-9-]+\.horizon\.psdb\.cloud",
                Endpoint.DIRECT,
                "PlanetScale port 5432 is the database",
                "postgresql://postgres.abc123xyz:pw@abc123xyz-useast1-1.horizon.psdb.cloud:5432/postgres"
                "?sslmode=verify-full&sslrootcert=system&sslnegotiation=direct",
                ports=frozenset({POSTGRES_DEFAULT_PORT}),
                to_pooled=(_port_swap("same host, port 6432", 6432, PoolMode.TRANSACTION),),
            ),
        ),
        Fact("5432 direct, 6432 PgBouncer (same host and credentials)", S_PLANETSCALE),
        Fact("transaction", S_PLANETSCALE),
        Fact(
            "sslmode=verify-full&sslrootcert=system&sslnegotiation=direct (libpq 17 for sslnegotiation)",
            S_PLANETSCALE,
        ),
        True,
        "verify-full",
        users=Fact("<role>.<branch-id>; credentials are per branch and shown once", S_PLANETSCALE_CLI),
        derivation=Fact("pooled ⇄ direct: port 6432 ⇄ 5432", S_PLANETSCALE),
        notes=(
            Fact(
                "dedicated primary/replica PgBouncers are chosen by user name (form unconfirmed)",
                S_PLANETSCALE_CLI,
                True,
            ),
        ),
        preset=BuildPreset(
            "{host}",
            database="postgres",
            params=(("sslmode", "verify-full"), ("sslrootcert", "system"), ("sslnegotiation", "direct")),
        ),
    ),
    ProviderRow(
        Provider.XATA,
        "Xata",
        (
            EndpointRule(
                "SQL gateway (legacy)",
                r"[a-z0-9-]+\.sql\.xata\.sh",
                Endpoint.DIRECT,
                "Xata's SQL gateway <region>.sql.xata.sh (database <db>:<branch>)",
                "postgresql://workspace1234:pw@us-east-1.sql.xata.sh:5432/mydb:main?sslmode=require",
                to_pooled=(
                    NotDerivable(
                        "the legacy Xata gateway has no pooler endpoint",
                        "use the pooler URL of the new platform (`xata branch url --type pooler`)",
                    ),
                ),
            ),
            EndpointRule(
                "branch",
                r"(?:[a-z0-9-]+\.)+xata\.(?:sh|tech)",
                Endpoint.UNKNOWN,
                "Xata host: the -rw/-ro/-r/-pooler form is not confirmed, so pgc does not read it",
                "postgresql://postgres:pw@abc123-pooler.us-east-1.xata.sh:5432/app?sslmode=require",
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(
                    NotDerivable("Xata's host form is not confirmed", "use `xata branch url --type primary`"),
                ),
                to_pooled=(
                    NotDerivable("Xata's host form is not confirmed", "use `xata branch url --type pooler`"),
                ),
            ),
        ),
        Fact("5432", S_XATA),
        Fact("transaction (per-branch PgBouncer on the new platform)", S_XATA_NEW),
        Fact("TLS required (require at least)", S_XATA),
        True,
        "require",
        users=Fact("legacy: user = workspace id, password = API key (xau_…), database <db>:<branch>", S_XATA),
        derivation=Fact(
            "not derivable: the new host suffixes (-rw, -ro, -r, -pooler) are not confirmed", S_XATA_NEW, True
        ),
        preset=BuildPreset("{host}"),
    ),
    ProviderRow(
        Provider.NILE,
        "Nile",
        (
            EndpointRule(
                "region",
                r"[a-z0-9-]+\.db\.thenile\.dev",
                Endpoint.UNKNOWN,
                "Nile region host <region>.db.thenile.dev (no pooler is documented)",
                "postgres://0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:pw@us-west-2.db.thenile.dev:5432/mydb",
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(
                    NotDerivable("Nile documents no pooler", "use the URL from `nile db connectionstring`"),
                ),
                to_pooled=(
                    NotDerivable("Nile documents no pooler", "use the URL from `nile db connectionstring`"),
                ),
            ),
        ),
        Fact("5432", S_NILE),
        Fact("not documented", S_NILE, True),
        Fact("not documented", S_NILE, True),
        False,
        "require",
        users=Fact("user and password are credential UUIDs", S_NILE),
        env_vars=(EnvVar("NILEDB_POSTGRES_URL", None, S_NILE_VARS), EnvVar("NILEDB_URL", None, S_NILE_VARS)),
        derivation=Fact("not derivable: no pooler documented", S_NILE, True),
        preset=BuildPreset("{region}.db.thenile.dev", fields=("region",)),
    ),
    ProviderRow(
        Provider.TEMBO,
        "Tembo Cloud",
        (
            EndpointRule(
                "instance",
                r"(?:[a-z0-9-]+\.)+tembo\.io",
                Endpoint.UNKNOWN,
                "Tembo Cloud host (the service shut down in 2025)",
                "postgresql://postgres:pw@org-acme-inst-app.data-1.use1.tembo.io:5432/postgres?sslmode=require",
                pool_mode=PoolMode.UNKNOWN,
                to_direct=(
                    NotDerivable("Tembo Cloud shut down in 2025", "migrate the database and use its new URL"),
                ),
                to_pooled=(
                    NotDerivable("Tembo Cloud shut down in 2025", "migrate the database and use its new URL"),
                ),
            ),
        ),
        Fact("5432", S_TEMBO_POOL),
        Fact("transaction (separate pooler_host)", S_TEMBO_POOL),
        Fact("sslmode=require", S_TEMBO_POOL),
        False,
        "require",
        shut_down=Fact(
            "Tembo Cloud's hosted Postgres shut down: no new instances from May 5, 2025; migration "
            "deadlines May 30 (free) and June 27, 2025 (paid)",
            S_TEMBO,
        ),
        derivation=Fact("not derivable: the service is gone", S_TEMBO),
    ),
    ProviderRow(
        Provider.PGBOUNCER,
        "PgBouncer",
        (),
        Fact("6432 by default", S_PGBOUNCER),
        Fact("session by default; set per pool (pool_mode)", S_PGBOUNCER),
        Fact("client TLS only if configured (client_tls_sslmode)", S_PGBOUNCER),
        False,
        None,
        mode_per_pool=True,
        derivation=Fact(
            "not derivable: the server behind a PgBouncer is in its config, not in the URL", S_PGBOUNCER
        ),
        notes=(Fact("recognised by port 6432 or pgbouncer=true on a host no row knows", PGC),),
        preset=BuildPreset(
            "{host}",
            port=PGBOUNCER_DEFAULT_PORT,
            pooled_port=PGBOUNCER_DEFAULT_PORT,
            params=(),
            needs_password=False,
            tls_for_remote=True,
        ),
    ),
    ProviderRow(
        Provider.LOCAL,
        "local PostgreSQL",
        (),
        Fact("5432 (PgBouncer 6432)", S_PGBOUNCER),
        Fact("port 6432 or pgbouncer=true means a pooler; the mode is not in the URL", PGC),
        Fact("none needed on loopback", PGC),
        False,
        None,
        notes=(Fact("loopback names and addresses, and Unix-socket directories", PGC),),
        preset=BuildPreset(
            "localhost",
            fields=(),
            user="postgres",
            params=(),
            needs_password=False,
            pooled_port=PGBOUNCER_DEFAULT_PORT,
            ask_user=False,
        ),
    ),
    ProviderRow(
        Provider.GENERIC,
        "PostgreSQL",
        (),
        Fact("5432", PGC),
        Fact("no pooler known from the URL", PGC),
        Fact("pgc adds sslmode=require toward remote hosts", PGC),
        False,
        None,
        notes=(Fact("no known provider host, no PgBouncer port, no pgbouncer=true", PGC),),
        preset=BuildPreset(
            "{host}", params=(), needs_password=False, pooled_port=PGBOUNCER_DEFAULT_PORT, tls_for_remote=True
        ),
    ),
)

PROVIDERS: Mapping[Provider, ProviderRow] = {row.id: row for row in PROVIDER_ROWS}


def build_provider_ids() -> tuple[str, ...]:
    """The providers `pgc url build --provider` and `pgc env init --provider` offer, in table order
    (generic first): the rows with a preset."""
    ids = [row.id.value for row in PROVIDER_ROWS if row.preset is not None]
    return ("generic", *[i for i in ids if i != "generic"])


def integration_vars_of_all_rows() -> tuple[EnvVar, ...]:
    """Every variable a provider integration sets, with its role, row by row (a name may repeat with
    another role: DATABASE_URL is pooled on Neon, direct on Heroku)."""
    return tuple(var for row in PROVIDER_ROWS for var in row.env_vars)


@dataclass(frozen=True)
class PlanLimits:
    plan: str
    direct: int
    pooled: int


# Prisma Postgres connection limits per plan, read from the Prisma Postgres row. The
# current Prisma docs list pooled 50/50/250/500: each row says its source and date.
PRISMA_POSTGRES_PLANS: tuple[PlanLimits, ...] = tuple(
    PlanLimits(lim.plan, lim.direct or 0, lim.pooled or 0)
    for lim in PROVIDERS[Provider.PRISMA_POSTGRES].limits
)
PRISMA_POOLED_QUERY_TIMEOUT_S = 600
PRISMA_POOLED_IDLE_TIMEOUT_S = 3600


# --- classification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    provider: Provider
    endpoint: Endpoint
    pool_mode: PoolMode | None  # None for a direct endpoint
    suspected: bool  # True when only a name/port hint says "pooler"
    reason: str  # one line: which signal decided
    supabase_ref: str | None = None
    rule: EndpointRule | None = field(default=None, compare=False, repr=False)

    @property
    def facts(self) -> ProviderRow:
        return PROVIDERS[self.provider]

    @property
    def is_transaction_pooler(self) -> bool:
        return self.endpoint is Endpoint.POOLED and self.pool_mode is PoolMode.TRANSACTION

    @property
    def read_only(self) -> bool:
        return self.rule is not None and self.rule.read_only

    @property
    def network(self) -> str | None:
        return self.rule.network if self.rule is not None else None

    @property
    def heuristic(self) -> bool:
        return self.rule is not None and self.rule.heuristic


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


def _supabase_ref(host: str, user: str | None) -> str | None:
    m = SUPABASE_DB_HOST.match(host)
    if m:
        return m.group("ref")
    if user and "." in user:
        return user.rsplit(".", 1)[1] or None
    return None


_PATTERNS.update(
    (regex, re.compile(regex))
    for row in PROVIDER_ROWS
    for rule in row.endpoints
    for regex in (rule.host, rule.user, rule.dbname)
    if regex is not None
)


def match_rule(ci: ConnInfo) -> tuple[ProviderRow, EndpointRule] | None:
    """The first row and host form that match the URL's first host, if any."""
    host = ci.host.lower().rstrip(".")
    port = ci.port
    for row in PROVIDER_ROWS:
        for rule in row.endpoints:
            if rule.matches(host, port, ci):
                return row, rule
    return None


def classify(ci: ConnInfo) -> Classification:
    host = ci.host.lower().rstrip(".")
    port = ci.port
    pgbouncer_flag = (ci.get("pgbouncer") or "").lower() == "true"
    found = match_rule(ci)
    if found is not None:
        row, rule = found
        ref = _supabase_ref(host, ci.user) if row.id is Provider.SUPABASE else None
        suspected = rule.endpoint is not Endpoint.DIRECT
        return Classification(row.id, rule.endpoint, rule.pool_mode, suspected, rule.reason, ref, rule)
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


# --- derivation --------------------------------------------------------------------------------


def supavisor_prefix(region: str) -> str:
    """The first label of Supabase's shared pooler for a region: `aws-0-us-east-1` for `us-east-1`;
    a region that already names the cluster (`aws-1-eu-west-2`, `aws-us-east-1`) is kept."""
    value = region.strip().lower()
    return value if value.startswith("aws-") else f"aws-0-{value}"


def neon_region_host(region: str) -> str:
    """`[c-N.]REGION.aws.neon.tech` (or `….azure.neon.tech`) for a Neon region id.

    Neon's region ids carry the cloud (`aws-us-east-2`, `azure-eastus2`); the host has it last.
    """
    m = re.fullmatch(r"(?P<cell>c-\d+\.)?(?:(?P<cloud>aws|azure)-)?(?P<region>.+)", region.strip().lower())
    if m is None:
        return f"{region}.aws.neon.tech"
    return f"{m.group('cell') or ''}{m.group('region')}.{m.group('cloud') or 'aws'}.neon.tech"


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


def _fqdn(ci: ConnInfo) -> tuple[str, str]:
    """The first host, lowercased, without the trailing dot of a fully qualified name, and that dot.

    `classify` ignores the dot; derivation matches the same name and puts the dot back on the
    host it derives, so a fully qualified name stays fully qualified.
    """
    host = ci.host.lower()
    bare = host.rstrip(".")
    return bare, "." if bare != host and bare else ""


def _apply(ci: ConnInfo, rw: Rewrite, c: Classification, region: str | None, *, drop_flag: bool) -> ConnInfo:
    """The URL `rw` describes; raises DerivationError when a part it needs is not known."""
    host, dot = _fqdn(ci)
    ref = c.supabase_ref or ""
    new_host: str | None = None
    if rw.host_template is not None:
        if "{ref}" in rw.host_template and not ref:
            raise DerivationError(
                "the Supavisor user has no project ref (expected postgres.<project-ref>)",
                "pass --direct-host db.<project-ref>.supabase.co",
            )
        new_host = rw.host_template.format(ref=ref, supavisor=supavisor_prefix(region or "")) + dot
    elif rw.host is not None:
        new_host = re.sub(rw.host[0], rw.host[1], host, count=1) + dot
    elif rw.port is not None:
        new_host = host + dot
    changes: dict[str, str | None] = {}
    if drop_flag:
        changes["pgbouncer"] = None
    if rw.user is not None:
        user = ci.user or "postgres"
        if "{ref}" in rw.user[1]:  # toward the shared pooler: the ref is added once
            user = user.removesuffix(f".{ref}")
        changes["user"] = re.sub(rw.user[0], rw.user[1].replace("{ref}", ref), user, count=1)
    if rw.dbname is not None:
        changes["dbname"] = re.sub(rw.dbname[0], rw.dbname[1], ci.dbname or "", count=1)
    if new_host is None and rw.port is None:
        return ci.replace(**changes)
    return _with_host(ci, new_host, rw.port).replace(**changes)


def derive_direct(
    ci: ConnInfo, *, direct_host: str | None = None, direct_port: int | None = None
) -> ConnInfo:
    """The direct URL for a pooled one; raises DerivationError when the provider does not allow it."""
    if direct_host or direct_port:
        return _with_host(ci, direct_host or ci.get("host"), direct_port, pgbouncer=None)
    return _each_host(ci, _derive_direct_one)


def _derive_direct_one(ci: ConnInfo) -> ConnInfo:
    c = classify(ci)
    if c.endpoint is Endpoint.DIRECT:
        return ci
    for rule in c.rule.to_direct if c.rule else ():
        if isinstance(rule, NotDerivable):
            raise DerivationError(rule.reason, rule.hint)
        return _apply(ci, rule, c, None, drop_flag=True)
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


def _only(mode: PoolMode, what: str, actual: PoolMode) -> DerivationError:
    return DerivationError(f"{what} runs in {actual.value} mode only", f"use --mode {actual.value}")


def _derive_pooled_one(ci: ConnInfo, mode: PoolMode, region: str | None) -> ConnInfo:
    c = classify(ci)
    display = PROVIDERS[c.provider].display
    if c.endpoint is Endpoint.POOLED:
        if c.pool_mode is mode or c.pool_mode in (PoolMode.UNKNOWN, None):
            return ci
        for rw in c.rule.other_modes if c.rule else ():
            if rw.mode is not mode:
                continue
            if "{supavisor}" in (rw.host_template or "") and not (region and c.supabase_ref):
                raise DerivationError(
                    f"{display}'s dedicated pooler runs in {c.pool_mode.value} mode only",
                    f"for {mode.value} mode use the shared pooler: pass --region REGION",
                )
            return _apply(ci, rw, c, region, drop_flag=False)
        raise _only(mode, f"{display}'s pooler", c.pool_mode)
    rules = c.rule.to_pooled if c.rule else ()
    for rule in rules:
        if isinstance(rule, NotDerivable):
            raise DerivationError(rule.reason, rule.hint)
        if "{supavisor}" in (rule.host_template or ""):
            if region and c.supabase_ref:
                rw = Rewrite(
                    rule.text,
                    mode,
                    host_template=rule.host_template,
                    user=rule.user,
                    port=SUPAVISOR_SESSION_PORT if mode is PoolMode.SESSION else SUPAVISOR_TRANSACTION_PORT,
                )
                return _apply(ci, rw, c, region, drop_flag=False)
            continue
        if rule.mode is not None and rule.mode is not mode:
            if mode is PoolMode.SESSION and any(
                "{supavisor}" in (r.host_template or "") for r in rules if isinstance(r, Rewrite)
            ):
                raise DerivationError(
                    f"{display}'s session pooler is the shared Supavisor, whose host depends on the region",
                    "pass --region REGION (e.g. us-east-1, or aws-1-us-east-1 as the Connect dialog says)",
                )
            raise _only(mode, f"{display}'s pooler", rule.mode)
        return _apply(ci, rule, c, region, drop_flag=False)
    raise DerivationError(
        f"{display} has no known pooler endpoint for this host",
        "pass --pooler-host HOST and --pooler-port PORT of your PgBouncer",
    )


def swap_reader(ci: ConnInfo) -> ConnInfo | None:
    """An Aurora writer URL as its reader (`cluster-` → `cluster-ro-`) and back; None for other hosts."""
    host, dot = _fqdn(ci)
    if re.fullmatch(_NAME + r"\.cluster-ro-" + _AWS_DOMAIN, host):
        return _with_host(ci, host.replace(".cluster-ro-", ".cluster-", 1) + dot)
    if re.fullmatch(_NAME + r"\.cluster-" + _AWS_DOMAIN, host):
        return _with_host(ci, host.replace(".cluster-", ".cluster-ro-", 1) + dot)
    return None
