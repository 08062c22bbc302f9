"""The client table: one row per client pgc knows, and `detect`, which picks the rows a project uses.

Data, not code paths: what each client does with a URL and with prepared statements behind a
transaction pooler, its pool and timeout settings, and the session features it relies on. The
checks (`checks.client`), the doctor, `env init` and `url check --for` read this one table, and
`docs/clients.md` is generated from it (`scripts/gen_docs.py`). Pure: `detect` reads the texts the
project model (`project.detect`) already read.

Facts are from each client's documentation and source (cited per row in `source`); the issue-10
tests run the ones installed here (psycopg, asyncpg, SQLAlchemy, pg, postgres.js, Prisma 7) for real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

from pgconnect_cli.project import Client as ProjectClient
from pgconnect_cli.project import Project


class Ecosystem(str, Enum):
    NODE = "node"  # package.json, lockfiles, node_modules/<pkg>/package.json
    PYTHON = "python"  # pyproject.toml, requirements*.txt, Pipfile, poetry.lock, uv.lock, setup.cfg
    GO = "go"  # go.mod
    RUBY = "ruby"  # Gemfile, Gemfile.lock
    JAVA = "java"  # pom.xml, build.gradle(.kts)
    DOTNET = "dotnet"  # *.csproj
    RUST = "rust"  # Cargo.toml


class Session(str, Enum):
    """Session state a transaction pooler does not keep between transactions."""

    ADVISORY_LOCKS = "session advisory locks (migrations)"
    SERVER_SIDE_CURSORS = "server-side cursors (WITH HOLD / across transactions)"
    LISTEN_NOTIFY = "LISTEN/NOTIFY"
    STARTUP_OPTIONS = "the `options` startup parameter (search_path)"


class Transport(str, Enum):
    TCP = "tcp"  # the PostgreSQL protocol over TCP: pooler rules apply
    HTTP = "http"  # HTTP or WebSocket to a provider's proxy: no TCP pooling rules


@dataclass(frozen=True)
class Setting:
    """A client setting: its name, where it is written, and its default (as the client documents it)."""

    name: str
    where: str  # "URL", "code", "config/database.yml", …
    default: str


@dataclass(frozen=True)
class Pool(Setting):
    """A client's pool setting, and what `pgc pool plan` and the doctor's `connection-budget`
    compute with: its default as a number (`size`, or `per_cpu` a × cpus + b, at least
    `at_least`), and the exact text that sizes it at `{n}` (`sets`, written `place`)."""

    size: int | None = None  # the default when it does not depend on the CPUs; None: no number
    per_cpu: tuple[int, int] | None = None  # (a, b): a × physical CPUs + b
    at_least: int = 0  # max(at_least, …): pgx's max(4, NumCPU)
    min_size: int | None = None  # the pool's own min_size default (capped at {n} in `sets`)
    sets: str = ""  # str.format with n, min_size, pool_timeout; "" when pgc has no exact text
    place: str = ""  # where `sets` is written, in words

    def default_size(self, cpus: int) -> int | None:
        """The pool the client opens when nothing sets it, on `cpus` physical cores."""
        if self.per_cpu is not None:
            a, b = self.per_cpu
            return max(self.at_least, a * cpus + b)
        return self.size


# The Prisma CLI's own direct connections, per command (prisma.io/docs: connection management).
PRISMA_CLI_DIRECT: tuple[tuple[str, int], ...] = (
    ("migrate dev", 4),
    ("migrate deploy", 2),
    ("migrate reset", 2),
    ("migrate diff", 2),
    ("db push", 2),
    ("migrate status", 1),
    ("db pull", 1),
    ("db execute", 1),
    ("db seed", 1),
)


@dataclass(frozen=True)
class Client:
    """One row of the client table."""

    id: str  # stable: `--client` values, JSON, docs
    name: str
    ecosystem: Ecosystem
    packages: tuple[str, ...]  # names in the ecosystem's manifest that mean this client
    # Prepared statements: does it NAME them by default (what breaks through a transaction pooler)?
    names_statements: bool
    prepared_switch: str  # the one setting that turns naming off (or, with `switch_turns_on`, on)
    switch_marker: str = ""  # a regex for the setting in code or config; "" when it lives in the URL
    switch_turns_on: bool = False  # the marker switches naming ON (Prisma 7's statementNameGenerator)
    # (param, value[|value…]) in the URL that turns naming off
    url_param_switch: tuple[str, str] | None = None
    # it re-prepares a statement the server lost (26000/42P05) outside a transaction: only
    # statements inside one (`transaction_marker` in the source) break
    retries_outside_transactions: bool = False
    transaction_marker: str = ""
    # URL parameters: what it reads beyond libpq's, what it ignores, and how it treats the rest.
    reads: frozenset[str] = frozenset()
    ignores: frozenset[str] = frozenset()
    rejects_unknown: str = ""  # its message for a parameter it does not know ({name}); "" = ignores them
    unknown_as_startup: bool = False  # sends unknown parameters as startup parameters (PgBouncer refuses)
    rejects: tuple[tuple[str, str], ...] = ()  # (param, message) it fails on although libpq knows it
    sent_as_startup: frozenset[str] = frozenset()  # libpq parameters it sends as startup parameters
    majors: tuple[int | None, int | None] = (None, None)  # the package majors the row covers: [from, below)
    pool: Pool = Pool("—", "—", "no pool")
    connect_timeout: Setting = Setting("connect_timeout", "URL", "none (the OS's TCP timeout)")
    session: tuple[Session, ...] = ()
    transport: Transport = Transport.TCP
    driver: str = ""  # the row whose wire behaviour applies underneath (ORMs, Prisma 7 adapters)
    fix: str = ""  # the change that makes it safe behind a transaction pooler, in the client's words
    cli_direct: tuple[tuple[str, int], ...] = ()  # direct connections its own CLI opens, per command
    source: str = ""


_LIBPQ_REJECTS = 'invalid URI query parameter: "{name}"'
_STARTUP_REFUSED = "unsupported startup parameter: {name}"  # PgBouncer's answer, SQLSTATE 08P01

PRISMA6_PARAMS = frozenset(
    """schema pgbouncer connection_limit pool_timeout socket_timeout statement_cache_size sslaccept
    sslidentity sslcert sslpassword sslmode connect_timeout application_name channel_binding options
    host max_connection_lifetime max_idle_connection_lifetime""".split()
)
# What Prisma 6 reads in the URL but the driver adapters of Prisma 7 do not (node-postgres' parser).
_PRISMA_ONLY = frozenset(
    """schema pgbouncer connection_limit pool_timeout socket_timeout statement_cache_size sslaccept
    sslidentity""".split()
)

_SQLALCHEMY_POOL = Pool(
    "pool_size (+ max_overflow)",
    "create_engine(…)",
    "5 (+ 10)",
    size=15,
    sets="create_engine(url, pool_size={n}, max_overflow=0)",
    place="where the engine is created",
)
_POSTGRES_JS_POOL = Pool(
    "max",
    "postgres(url, { … })",
    "10",
    size=10,
    sets="postgres(url, {{ max: {n} }})",
    place="where postgres() is called",
)

# postgres.js 3 differs from 4 only where noted in its row (sslrootcert, the majors, the source).
_POSTGRES_JS_4 = Client(
    id="postgres.js",
    name="postgres.js 4 (postgres)",
    ecosystem=Ecosystem.NODE,
    packages=("postgres",),
    names_statements=True,
    prepared_switch="prepare: false",
    switch_marker=r"\bprepare\s*:\s*false\b",
    url_param_switch=("prepare", "false"),
    retries_outside_transactions=True,
    transaction_marker=r"\.begin\s*\(",
    reads=frozenset(
        {"prepare", "max", "idle_timeout", "connect_timeout", "max_lifetime", "ssl", "sslrootcert"}
    ),
    unknown_as_startup=True,
    majors=(4, None),
    pool=_POSTGRES_JS_POOL,
    connect_timeout=Setting("connect_timeout", "postgres(url, { … })", "30 s"),
    fix="pass prepare: false to postgres()",
    source="github.com/porsager/postgres README: connection options, prepared statements; src/index.js",
)

CLIENTS: tuple[Client, ...] = (
    Client(
        id="prisma6",
        name="Prisma ORM 6 and older (query engine)",
        ecosystem=Ecosystem.NODE,
        packages=("prisma", "@prisma/client"),
        names_statements=True,
        prepared_switch="pgbouncer=true",
        url_param_switch=("pgbouncer", "true"),
        reads=PRISMA6_PARAMS,
        pool=Pool(
            "connection_limit",
            "URL",
            "number of physical CPUs × 2 + 1",
            per_cpu=(2, 1),
            sets="connection_limit={n}&pool_timeout={pool_timeout}",
            place="DATABASE_URL (query parameters)",
        ),
        connect_timeout=Setting("connect_timeout", "URL", "5 s"),
        session=(Session.ADVISORY_LOCKS,),
        cli_direct=PRISMA_CLI_DIRECT,
        fix="add pgbouncer=true to the pooled URL, and give migrations the direct URL (directUrl)",
        source="prisma.io/docs: connection URL parameters, PgBouncer; quaint postgres url.rs",
    ),
    Client(
        id="prisma7-pg",
        name="Prisma ORM 7 with @prisma/adapter-pg",
        ecosystem=Ecosystem.NODE,
        packages=("@prisma/adapter-pg",),
        names_statements=False,
        prepared_switch="statementNameGenerator",
        switch_marker=r"\bstatementNameGenerator\b",
        switch_turns_on=True,
        ignores=_PRISMA_ONLY | {"connect_timeout"},
        pool=Pool(
            "max",
            "new PrismaPg({ … })",
            "10",
            size=10,
            sets="new PrismaPg({{ connectionString, max: {n} }})",
            place="where PrismaClient is created (the adapter)",
        ),
        connect_timeout=Setting("connectionTimeoutMillis", "new PrismaPg({ … })", "0 (waits forever)"),
        session=(Session.ADVISORY_LOCKS,),
        cli_direct=PRISMA_CLI_DIRECT,
        driver="node-postgres",
        fix="leave statementNameGenerator unset on the adapter (node-postgres then names no statements)",
        source="prisma.io/docs: driver adapters, Prisma 7 upgrade guide; node-postgres docs (pool, queries)",
    ),
    Client(
        id="prisma7-neon",
        name="Prisma ORM 7 with @prisma/adapter-neon (@neondatabase/serverless)",
        ecosystem=Ecosystem.NODE,
        packages=("@prisma/adapter-neon", "@neondatabase/serverless"),
        names_statements=False,
        prepared_switch="—",
        ignores=_PRISMA_ONLY,
        pool=Pool(
            "max",
            "new PrismaNeon({ … })",
            "10",
            size=10,
            sets="new PrismaNeon({{ connectionString, max: {n} }})",
            place="where PrismaClient is created (the adapter)",
        ),
        connect_timeout=Setting("connectionTimeoutMillis", "new PrismaNeon({ … })", "0 (waits forever)"),
        session=(Session.ADVISORY_LOCKS,),
        cli_direct=PRISMA_CLI_DIRECT,
        transport=Transport.HTTP,
        fix="nothing for queries (WebSocket/HTTP to Neon's proxy); migrations need the direct URL",
        source="neon.com/docs: serverless driver; prisma.io/docs: driver adapters",
    ),
    Client(
        id="prisma-ppg",
        name="Prisma ORM 7 with @prisma/ppg (Prisma Postgres over HTTP)",
        ecosystem=Ecosystem.NODE,
        packages=("@prisma/ppg", "@prisma/adapter-ppg"),
        names_statements=False,
        prepared_switch="—",
        ignores=_PRISMA_ONLY,
        transport=Transport.HTTP,
        session=(Session.ADVISORY_LOCKS,),
        cli_direct=PRISMA_CLI_DIRECT,
        fix="nothing for queries (HTTP); migrations need the direct TCP URL",
        source="prisma.io/docs: Prisma Postgres serverless driver",
    ),
    Client(
        id="psycopg",
        name="psycopg 3",
        ecosystem=Ecosystem.PYTHON,
        packages=("psycopg", "psycopg-binary", "psycopg-c", "psycopg-pool", "psycopg_pool"),
        names_statements=True,
        prepared_switch="prepare_threshold=None",
        switch_marker=r"\bprepare_threshold\s*[=:]\s*None\b",
        rejects_unknown=_LIBPQ_REJECTS,
        pool=Pool(
            "max_size",
            "psycopg_pool.ConnectionPool(…)",
            "min_size (4)",
            size=4,
            min_size=4,
            sets="ConnectionPool(conninfo, min_size={min_size}, max_size={n})",
            place="where the (Async)ConnectionPool is created",
        ),
        connect_timeout=Setting("connect_timeout", "URL", "none (the OS's TCP timeout)"),
        fix="connect with prepare_threshold=None",
        source="psycopg.org/psycopg3/docs: prepared statements, pgbouncer; libpq connection parameters",
    ),
    Client(
        id="psycopg2",
        name="psycopg2",
        ecosystem=Ecosystem.PYTHON,
        packages=("psycopg2", "psycopg2-binary"),
        names_statements=False,
        prepared_switch="—",
        rejects_unknown=_LIBPQ_REJECTS,
        pool=Pool(
            "maxconn",
            "psycopg2.pool.*ConnectionPool(…)",
            "required (no default)",
            sets="ThreadedConnectionPool(minconn=1, maxconn={n}, dsn=dsn)",
            place="where the pool is created",
        ),
        fix="nothing for prepared statements (psycopg2 binds parameters on the client)",
        source="psycopg.org/docs: usage (query parameters), pool",
    ),
    Client(
        id="asyncpg",
        name="asyncpg",
        ecosystem=Ecosystem.PYTHON,
        packages=("asyncpg",),
        names_statements=True,
        prepared_switch="statement_cache_size=0",
        switch_marker=r"\bstatement_cache_size\s*[=:]\s*0\b",
        reads=frozenset({"passfile", "sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslpassword"}),
        unknown_as_startup=True,
        pool=Pool(
            "max_size",
            "asyncpg.create_pool(…)",
            "10",
            size=10,
            min_size=10,
            sets="asyncpg.create_pool(dsn, min_size={min_size}, max_size={n})",
            place="where the pool is created",
        ),
        connect_timeout=Setting("timeout", "asyncpg.connect(…)", "60 s"),
        fix="connect with statement_cache_size=0",
        source="magicstack.github.io/asyncpg: connect(), create_pool(); asyncpg connect_utils.py",
    ),
    Client(
        id="sqlalchemy-psycopg",
        name="SQLAlchemy with psycopg 3 (postgresql+psycopg://)",
        ecosystem=Ecosystem.PYTHON,
        packages=(),
        names_statements=True,
        prepared_switch="connect_args={'prepare_threshold': None}",
        switch_marker=r"[\"']prepare_threshold[\"']\s*:\s*None\b|\bprepare_threshold\s*=\s*None\b",
        rejects_unknown=_LIBPQ_REJECTS,
        pool=_SQLALCHEMY_POOL,
        driver="psycopg",
        fix="create_engine(url, connect_args={'prepare_threshold': None}) (or poolclass=NullPool)",
        source="docs.sqlalchemy.org: PostgreSQL dialect (psycopg), engine configuration",
    ),
    Client(
        id="sqlalchemy-psycopg2",
        name="SQLAlchemy with psycopg2 (postgresql://, postgresql+psycopg2://)",
        ecosystem=Ecosystem.PYTHON,
        packages=(),
        names_statements=False,
        prepared_switch="—",
        rejects_unknown=_LIBPQ_REJECTS,
        pool=_SQLALCHEMY_POOL,
        driver="psycopg2",
        fix="nothing for prepared statements",
        source="docs.sqlalchemy.org: PostgreSQL dialect (psycopg2), engine configuration",
    ),
    Client(
        id="sqlalchemy-asyncpg",
        name="SQLAlchemy with asyncpg (postgresql+asyncpg://)",
        ecosystem=Ecosystem.PYTHON,
        packages=(),
        names_statements=True,
        prepared_switch="prepared_statement_cache_size=0",
        switch_marker=r"\bprepared_statement_cache_size\s*[=:]\s*0\b",
        url_param_switch=("prepared_statement_cache_size", "0"),
        reads=frozenset({"prepared_statement_cache_size", "prepared_statement_name_func"}),
        unknown_as_startup=True,
        pool=_SQLALCHEMY_POOL,
        driver="asyncpg",
        fix="add prepared_statement_cache_size=0 to the URL and connect_args={'statement_cache_size': 0}",
        source="docs.sqlalchemy.org: PostgreSQL dialect (asyncpg, prepared statement cache)",
    ),
    Client(
        id="django",
        name="Django (django.db.backends.postgresql)",
        ecosystem=Ecosystem.PYTHON,
        packages=("django",),
        names_statements=False,
        prepared_switch="—",
        rejects_unknown=_LIBPQ_REJECTS,
        pool=Pool("OPTIONS['pool']", "settings.DATABASES", "off (one connection per request thread)"),
        session=(Session.SERVER_SIDE_CURSORS,),
        fix="set DISABLE_SERVER_SIDE_CURSORS = True in DATABASES for the pooled connection",
        source="docs.djangoproject.com: databases (transaction pooling and server-side cursors)",
    ),
    Client(
        id="node-postgres",
        name="node-postgres (pg)",
        ecosystem=Ecosystem.NODE,
        packages=("pg",),
        names_statements=False,
        prepared_switch="name: in a query config",
        switch_marker=r"\bname\s*:\s*[\"'`][^\"'`]+[\"'`]\s*,\s*text\s*:",
        switch_turns_on=True,
        ignores=_PRISMA_ONLY,
        pool=Pool(
            "max",
            "new Pool({ … })",
            "10",
            size=10,
            sets="new Pool({{ connectionString, max: {n} }})",
            place="where the Pool is created",
        ),
        connect_timeout=Setting("connectionTimeoutMillis", "new Pool({ … })", "0 (waits forever)"),
        fix="do not use named queries ({ name, text }) through the pooler",
        source="node-postgres.com: features/queries (prepared statements), apis/pool",
    ),
    _POSTGRES_JS_4,
    replace(
        _POSTGRES_JS_4,
        id="postgres.js-3",
        name="postgres.js 3 (postgres)",
        reads=_POSTGRES_JS_4.reads - {"sslrootcert"},
        sent_as_startup=frozenset({"sslrootcert"}),
        majors=(None, 4),
        source="github.com/porsager/postgres v3 README: connection options, prepared statements",
    ),
    Client(
        id="drizzle",
        name="Drizzle ORM (by its driver: node-postgres or postgres.js)",
        ecosystem=Ecosystem.NODE,
        packages=("drizzle-orm",),
        names_statements=False,
        prepared_switch="the driver's",
        driver="node-postgres|postgres.js|postgres.js-3",
        fix="the driver's setting (postgres.js: prepare: false)",
        source="orm.drizzle.team/docs: get started with PostgreSQL",
    ),
    Client(
        id="knex",
        name="Knex (node-postgres underneath)",
        ecosystem=Ecosystem.NODE,
        packages=("knex",),
        names_statements=False,
        prepared_switch="—",
        pool=Pool(
            "pool.max",
            "knex({ … })",
            "10",
            size=10,
            sets="knex({{ client: 'pg', connection, pool: {{ max: {n} }} }})",
            place="where knex is configured",
        ),
        driver="node-postgres",
        fix="nothing for prepared statements",
        source="knexjs.org: configuration (pool)",
    ),
    Client(
        id="typeorm",
        name="TypeORM (node-postgres underneath)",
        ecosystem=Ecosystem.NODE,
        packages=("typeorm",),
        names_statements=False,
        prepared_switch="—",
        pool=Pool(
            "extra.max",
            "new DataSource({ … })",
            "10",
            size=10,
            sets="new DataSource({{ type: 'postgres', url, extra: {{ max: {n} }} }})",
            place="where the DataSource is created",
        ),
        driver="node-postgres",
        fix="nothing for prepared statements",
        source="typeorm.io: data source options (postgres)",
    ),
    Client(
        id="sequelize",
        name="Sequelize (node-postgres underneath)",
        ecosystem=Ecosystem.NODE,
        packages=("sequelize",),
        names_statements=False,
        prepared_switch="—",
        pool=Pool(
            "pool.max",
            "new Sequelize({ … })",
            "5",
            size=5,
            sets="new Sequelize(url, {{ pool: {{ max: {n} }} }})",
            place="where Sequelize is created",
        ),
        driver="node-postgres",
        fix="nothing for prepared statements",
        source="sequelize.org: connection pool",
    ),
    Client(
        id="pgx",
        name="Go pgx v5 (pgxpool, database/sql via stdlib)",
        ecosystem=Ecosystem.GO,
        packages=("github.com/jackc/pgx/v5", "github.com/jackc/pgx/v4"),
        names_statements=True,
        prepared_switch="default_query_exec_mode=simple_protocol",
        switch_marker=r"QueryExecMode(?:SimpleProtocol|Exec|DescribeExec|CacheDescribe)\b",
        url_param_switch=("default_query_exec_mode", "simple_protocol|exec|cache_describe|describe_exec"),
        reads=frozenset(
            """default_query_exec_mode statement_cache_capacity description_cache_capacity pool_max_conns
            pool_min_conns pool_min_idle_conns pool_max_conn_lifetime pool_max_conn_lifetime_jitter
            pool_max_conn_idle_time pool_health_check_period""".split()
        ),
        unknown_as_startup=True,
        pool=Pool(
            "pool_max_conns",
            "URL",
            "the larger of 4 and the number of CPUs",
            per_cpu=(1, 0),
            at_least=4,
            sets="pool_max_conns={n}",
            place="DATABASE_URL (pgxpool reads it)",
        ),
        fix="add default_query_exec_mode=simple_protocol (or exec) to the URL",
        source="pkg.go.dev/github.com/jackc/pgx/v5: ParseConfig, QueryExecMode; pgxpool.ParseConfig",
    ),
    Client(
        id="rails",
        name="Rails / ActiveRecord (pg gem)",
        ecosystem=Ecosystem.RUBY,
        packages=("activerecord", "rails"),
        names_statements=True,
        prepared_switch="prepared_statements: false",
        switch_marker=r"\bprepared_statements\s*:\s*false\b|prepared_statements=false",
        url_param_switch=("prepared_statements", "false"),
        reads=frozenset(
            {"prepared_statements", "advisory_locks", "pool", "statement_limit", "schema_search_path"}
        ),
        pool=Pool(
            "pool",
            "config/database.yml",
            "5 (RAILS_MAX_THREADS)",
            size=5,
            sets="pool: {n}",
            place="config/database.yml",
        ),
        session=(Session.ADVISORY_LOCKS,),
        fix="set prepared_statements: false (and advisory_locks: false) in config/database.yml",
        source="api.rubyonrails.org: PostgreSQLAdapter; guides.rubyonrails.org: configuring (pooling)",
    ),
    Client(
        id="jdbc",
        name="PostgreSQL JDBC (pgjdbc)",
        ecosystem=Ecosystem.JAVA,
        packages=("org.postgresql:postgresql", "org.postgresql"),
        names_statements=True,
        prepared_switch="prepareThreshold=0",
        switch_marker=r"prepareThreshold\s*[=:]\s*0\b",
        url_param_switch=("prepareThreshold", "0"),
        reads=frozenset(
            {"prepareThreshold", "connectTimeout", "loginTimeout", "currentSchema", "ApplicationName"}
        ),
        pool=Pool(
            "maximumPoolSize (HikariCP)",
            "application config",
            "10",
            size=10,
            sets="maximumPoolSize={n}",
            place="the HikariCP configuration",
        ),
        connect_timeout=Setting("connectTimeout", "URL", "10 s"),
        fix="add prepareThreshold=0 to the JDBC URL",
        source="jdbc.postgresql.org/documentation: connection parameters, server prepared statements",
    ),
    Client(
        id="npgsql",
        name="Npgsql (.NET)",
        ecosystem=Ecosystem.DOTNET,
        packages=("Npgsql", "Npgsql.EntityFrameworkCore.PostgreSQL"),
        names_statements=False,
        prepared_switch="Max Auto Prepare=0 (the default)",
        switch_marker=r"Max\s*Auto\s*Prepare\s*=\s*[1-9]",
        switch_turns_on=True,
        pool=Pool(
            "Maximum Pool Size",
            "connection string",
            "100",
            size=100,
            sets="Maximum Pool Size={n}",
            place="the connection string",
        ),
        connect_timeout=Setting("Timeout", "connection string", "15 s"),
        fix="keep Max Auto Prepare at 0 and call no Prepare(); add No Reset On Close=true",
        source="npgsql.org/doc: connection string parameters, prepared statements, compatibility (PgBouncer)",
    ),
    Client(
        id="sqlx",
        name="Rust sqlx",
        ecosystem=Ecosystem.RUST,
        packages=("sqlx",),
        names_statements=True,
        prepared_switch="statement-cache-capacity=0",
        switch_marker=r"statement_cache_capacity\(\s*0\s*\)",
        url_param_switch=("statement-cache-capacity", "0"),
        reads=frozenset(
            {"statement-cache-capacity", "application_name", "options", "sslmode", "sslrootcert"}
        ),
        pool=Pool(
            "max_connections",
            "PgPoolOptions",
            "10",
            size=10,
            sets="PgPoolOptions::new().max_connections({n})",
            place="where the pool is built",
        ),
        connect_timeout=Setting("acquire_timeout", "PgPoolOptions", "30 s"),
        session=(Session.ADVISORY_LOCKS,),
        fix="add statement-cache-capacity=0 to the URL (PgConnectOptions::statement_cache_capacity(0))",
        source="docs.rs/sqlx: PgConnectOptions, PgPoolOptions; sqlx migrate (pg_advisory_lock)",
    ),
)

BY_ID: dict[str, Client] = {c.id: c for c in CLIENTS}


# The first tranche's coarse client kind (`project.Client`: the URL context) of each row.
_KIND = {
    "prisma6": "prisma", "prisma7-pg": "prisma", "prisma7-neon": "prisma", "prisma-ppg": "prisma",
    "psycopg": "psycopg", "sqlalchemy-psycopg": "psycopg", "asyncpg": "asyncpg",
    "sqlalchemy-asyncpg": "asyncpg", "node-postgres": "node-postgres", "postgres.js": "postgres.js",
    "postgres.js-3": "postgres.js",
}  # fmt: skip


def coarse_kind(client: Client) -> ProjectClient:
    return ProjectClient(_KIND.get(client.id, "other"))


def default_seconds(setting: Setting) -> float | None:
    """A timeout setting's default in seconds (`5 s`, `60 s`), or None when it waits forever or
    leaves it to the OS."""
    m = re.match(r"^(\d+(?:\.\d+)?) s\b", setting.default)
    return float(m.group(1)) if m and float(m.group(1)) > 0 else None


def row(client_id: str) -> Client:
    return BY_ID[client_id]


# --- what a project uses ----------------------------------------------------------------------


@dataclass(frozen=True)
class Detected:
    client: Client
    how: str  # "@prisma/adapter-pg in package.json", "--client", …


@dataclass(frozen=True)
class ClientAnswer:
    """The clients a project uses, the one that sets severities first, and Prisma's major version."""

    found: tuple[Detected, ...] = ()
    prisma_major: int | None = None
    prisma_major_source: str = ""

    @property
    def primary(self) -> Detected | None:
        return self.found[0] if self.found else None

    @property
    def client(self) -> Client | None:
        return self.found[0].client if self.found else None

    def describe(self) -> str:
        """`prisma7-pg (@prisma/adapter-pg in package.json)`, and which one set severities."""
        if not self.found:
            return "no client detected"
        first = f"{self.found[0].client.name} ({self.found[0].how})"
        if len(self.found) == 1:
            return first
        return f"{first}; also found {self.others()}: severities follow the first"

    def others(self) -> str:
        """The row ids found beside the first, comma-separated ("" when there are none)."""
        return ", ".join(d.client.id for d in self.found[1:])


# Rows that stand for a framework on top of a driver come first: Django over psycopg, Drizzle over pg.
_PRECEDENCE = (
    "prisma7-pg", "prisma7-neon", "prisma-ppg", "prisma6", "drizzle", "knex", "typeorm", "sequelize",
    "django", "sqlalchemy-asyncpg", "sqlalchemy-psycopg", "sqlalchemy-psycopg2", "postgres.js",
    "postgres.js-3", "node-postgres", "asyncpg", "psycopg", "psycopg2", "pgx", "rails", "jdbc", "npgsql",
    "sqlx",
)  # fmt: skip


def _names(text: str, package: str) -> bool:
    """`package` as a whole name in a manifest (`psycopg` in `psycopg[binary]>=3`, not in `psycopg2`)."""
    return re.search(rf"(?<![\w.\-/]){re.escape(package)}(?![\w.\-/])", text, re.IGNORECASE) is not None


def node_major(project: Project, package: str) -> tuple[int | None, str]:
    """The major version of a package.json dependency: installed, else locked, else the range's
    lower bound (None when nothing says: `latest`, `catalog:`)."""
    if package in project.node_versions:
        version, file = project.node_versions[package]
        m = re.match(r"\s*v?(\d+)\.", version)
        if m:
            return int(m.group(1)), f"{version} in {file}"
    spec = project.node_packages.get(package, "")
    m = re.match(r"^\s*(?:[\^~]|>=?|=)?\s*v?(\d+)(?:\.|$|\s)", spec)
    return (int(m.group(1)), f'package.json ("{package}": "{spec}")') if m else (None, "")


def _covers(client: Client, major: int | None) -> bool:
    low, below = client.majors
    if major is None:  # nothing says: the current major's row (the one without an upper bound)
        return below is None
    return (low is None or major >= low) and (below is None or major < below)


def _wanted(project: Project, client: Client) -> str | None:
    """Where the project names one of the client's packages, or None."""
    for package in client.packages:
        if client.ecosystem is Ecosystem.NODE:
            if package in project.node_packages:
                if client.majors != (None, None):
                    major, said = node_major(project, package)
                    if not _covers(client, major):
                        continue
                    if said.startswith("package.json"):
                        return said
                    return f"{package} {said}" if said else f"{package} in package.json"
                return f"{package} in package.json"
            continue
        for manifest in project.manifests:
            if manifest.ecosystem == client.ecosystem.value and _names(manifest.text, package):
                return f"{package} in {manifest.file}"
    return None


def detect(project: Project | None, explicit: str | None = None) -> ClientAnswer:
    """The clients `project` uses (from the manifests the project model read), most specific first.

    `explicit` (`--client ID`) wins over everything. Prisma 6 and Prisma 7 exclude each other: the
    project's Prisma major decides, computed once by `project.prisma_version`.
    """
    major = project.prisma_major if project is not None else None
    source = project.prisma_major_source if project is not None else ""
    if explicit is not None:
        chosen = _explicit(explicit, major)
        return ClientAnswer((Detected(chosen, "--client"),) if chosen else (), major, source)
    if project is None:
        return ClientAnswer((), None, "")
    found: dict[str, Detected] = {}
    for client in CLIENTS:
        how = _wanted(project, client)
        if how is not None:
            found[client.id] = Detected(client, how)
    prisma = found.pop("prisma6", None)
    if prisma is None and project.uses_prisma:
        prisma = Detected(BY_ID["prisma6"], project.prisma_evidence or "a Prisma schema")
    adapters = [found[i] for i in ("prisma7-pg", "prisma7-neon", "prisma-ppg") if i in found]
    if prisma is not None and (major or 0) < 7 and not adapters:
        found["prisma6"] = Detected(prisma.client, prisma.how)
    elif prisma is not None and not adapters:
        # Prisma 7 without a detected adapter: node-postgres is the adapter Prisma documents first
        found["prisma7-pg"] = Detected(BY_ID["prisma7-pg"], f"Prisma {major} ({source}), adapter not seen")
    sqlalchemy = next(
        (m.file for m in project.manifests if m.ecosystem == "python" and _names(m.text, "sqlalchemy")), None
    )
    if sqlalchemy is not None:
        driver = next((d for d in ("asyncpg", "psycopg", "psycopg2") if d in found), "psycopg2")
        how = f"sqlalchemy in {sqlalchemy} (driver {driver})"
        found[f"sqlalchemy-{driver}"] = Detected(BY_ID[f"sqlalchemy-{driver}"], how)
    ordered = tuple(found[i] for i in _PRECEDENCE if i in found)
    return ClientAnswer(ordered, major, source)


def _explicit(value: str, prisma_major: int | None) -> Client | None:
    """A `--client` value: a row id, or one of the first tranche's names (`prisma` by its major)."""
    if value == "prisma":
        return BY_ID["prisma7-pg" if (prisma_major or 0) >= 7 else "prisma6"]
    return BY_ID.get(value)


# --- the switch in code or config ------------------------------------------------------------------


class Seen(str, Enum):
    ON = "on"  # the setting is there
    OFF = "off"  # the project was searched and the setting is not there
    UNSEEN = "unseen"  # nothing to search (no source files read)


def switch_seen(project: Project | None, client: Client) -> Seen:
    """Whether the client's prepared-statement setting appears in the project's config or source
    (the bounded set `project.detect` read), by the setting's name."""
    if not client.switch_marker or project is None or not project.sources:
        return Seen.UNSEEN
    marker = re.compile(client.switch_marker)
    return Seen.ON if any(marker.search(text) for _, text in project.sources) else Seen.OFF


def url_turns_naming_off(client: Client, params: dict[str, str]) -> bool:
    if client.url_param_switch is None:
        return False
    name, values = client.url_param_switch
    return params.get(name, "").lower() in {v.lower() for v in values.split("|")}


# --- docs/clients.md ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """docs/clients.md: the table, generated (`make docs`; a test checks it is current)."""
    out = [
        "# Clients",
        "",
        "What each client pgc knows does with a connection URL and with prepared statements behind a",
        "transaction pooler (PgBouncer, Supavisor, Neon's pooler). `pgc doctor`, `pgc env` and",
        "`pgc url check` read this one table (`pgconnect_cli/known_clients.py`); this page is generated",
        "from it by `make docs`.",
        "",
        "| client | detected by | names prepared statements | the switch | pool size | connect timeout |",
        "|---|---|---|---|---|---|",
    ]
    for c in CLIENTS:
        detected = ", ".join(f"`{p}`" for p in c.packages) or f"`sqlalchemy` with `{c.driver}`"
        names = "yes" if c.names_statements else "no"
        if c.transport is Transport.HTTP:
            names = "n/a (HTTP)"
        pool = f"`{c.pool.name}` ({c.pool.where}): {c.pool.default}" if c.pool.name != "—" else "—"
        t = c.connect_timeout
        timeout = f"`{t.name}` ({t.where}): {t.default}"
        out.append(
            f"| {_cell(c.name)} (`{c.id}`) | {detected} ({c.ecosystem.value}) | {names} | "
            f"`{_cell(c.prepared_switch)}` | {_cell(pool)} | {_cell(timeout)} |"
        )
    out += ["", "## Per client", ""]
    for c in CLIENTS:
        out.append(f"### {c.name} (`{c.id}`)")
        out.append("")
        if c.driver:
            out.append(f"- Driver underneath: {c.driver.replace('|', ' or ')}.")
        if c.reads:
            out.append(
                "- Reads in the URL besides libpq's keywords: "
                + ", ".join(f"`{p}`" for p in sorted(c.reads))
                + "."
            )
        if c.ignores:
            out.append("- Ignores in the URL: " + ", ".join(f"`{p}`" for p in sorted(c.ignores)) + ".")
        if c.rejects_unknown:
            out.append(f"- Fails on any other parameter: `{c.rejects_unknown.format(name='NAME')}`.")
        if c.unknown_as_startup:
            out.append(
                "- Sends other parameters to the server as startup parameters: PgBouncer answers "
                "`unsupported startup parameter: NAME`, PostgreSQL `unrecognized configuration parameter`."
            )
        for param, message in c.rejects:
            out.append(f"- Fails on `{param}`: `{message}`.")
        for param in sorted(c.sent_as_startup):
            out.append(
                f"- Sends `{param}` as a startup parameter: PgBouncer answers `unsupported startup "
                f"parameter: {param}` (08P01), PostgreSQL `unrecognized configuration parameter` (42704)."
            )
        low, below = c.majors
        if low is not None or below is not None:
            span = f"{low} and later" if below is None else f"before {below}"
            out.append(
                f"- Versions: major {span} (installed, else locked, else package.json's range; "
                "when nothing says, the current major's row)."
            )
        if c.retries_outside_transactions:
            out.append(
                "- Prepares a statement the server lost (26000/42P05) again outside a transaction; "
                "inside one (sql.begin) the query fails: a warning, an error when the source uses sql.begin."
            )
        if c.session:
            out.append("- Session features it uses: " + ", ".join(s.value for s in c.session) + ".")
        out.append(f"- Behind a transaction pooler: {c.fix}.")
        out.append(f"- Source: {c.source}.")
        out.append("")
    return "\n".join(out)
