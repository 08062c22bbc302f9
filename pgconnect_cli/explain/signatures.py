"""What pasted error messages mean, as data: codes, message signatures and context clues.

A signature is a pattern with placeholders (`{q:role}` a quoted or bare name, `{host:h}` a host
or address, `{num:n}` a number) that the matcher expands and matches against the normalised paste
(quotes unified, escapes undone, whitespace collapsed, case ignored). Its candidates are the
finding ids it may mean, most likely first; clues found anywhere in the paste move one candidate
to the front. Tiers rank the signatures of one paste against each other:

- tier 0: the message names the cause exactly (`query_wait_timeout`, `Tenant or user not found`);
- tier 1: a layer's own message (`Connection refused`, `password authentication failed`);
- tier 2: a code or wrapper that hides the layer (`P1001`, `server closed the connection`).

Within a tier the earliest wins: libpq prints its first attempt before the `sslmode=prefer`
plaintext retry, and drivers print the database's message before the stack. Signatures marked
`retry` (libpq's `SSL off` / `no encryption` second attempt) rank after any hit found
before them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    """A code (Prisma, SQLSTATE) mapped to the finding ids it may mean, most likely first."""

    kind: str  # "prisma" or "sqlstate"
    key: str
    title: str
    finding_ids: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Signature:
    """A message pattern: its candidates, its rank, and the fields it extracts."""

    pattern: str
    finding_ids: tuple[str, ...]
    title: str
    note: str = ""
    tier: int = 1
    retry: bool = False
    secret_fields: tuple[str, ...] = ()  # fields that quote part of a password


@dataclass(frozen=True)
class Clue:
    """Context anywhere in the paste that makes one candidate the likeliest."""

    pattern: str
    finding_id: str
    why: str


P1001_NOTE = (
    "Prisma prints P1001 for DNS, firewall, IPv6-only hosts, cold starts and TLS alike; "
    "`pgc doctor` tells which layer fails."
)
P2024_NOTE = "Raise connection_limit/pool_timeout only after the network checks pass."
CLOSED_NOTE = (
    "A server restart or crash, an idle connection closed by a pooler, the provider (Neon suspends "
    "idle computes) or a NAT/firewall, a query past a pooler's time limit, or, while connecting, "
    "TLS the other side does not speak. Reconnect on error; `pgc doctor` checks the path."
)
SNI_NOTE = (
    "Neon routes by the host name the client sends in TLS (SNI). None arrived: libpq older than "
    "14, sslsni=0, an IP address or hostaddr instead of the host name, or a proxy in between. "
    "Upgrade the client, connect by the Neon host name, or add options=endpoint%3D<endpoint-id> "
    "(the first label of the host)."
)

# Prisma codes (prisma-engines user-facing-errors). A code alone names candidates; the message
# next to it in a paste decides between them.
PRISMA: tuple[Known, ...] = (
    Known(
        "prisma",
        "P1000",
        "Authentication failed",
        ("auth-failed", "supabase-user-format", "password-expired", "rds-iam-token-expired"),
    ),
    Known(
        "prisma",
        "P1001",
        "Can't reach database server",
        ("dns-not-found", "dns-ipv6-only", "tcp-refused", "tcp-timeout", "tls-required", "slow-connect"),
        P1001_NOTE,
    ),
    Known(
        "prisma",
        "P1002",
        "The server was reached but timed out",
        ("tcp-timeout", "slow-connect", "migrate-lock-held"),
        "With `Timed out trying to acquire a postgres advisory lock` in the context it is Migrate's lock.",
    ),
    Known("prisma", "P1003", "Database does not exist", ("database-missing", "pgbouncer-database-unknown")),
    Known("prisma", "P1008", "Operations timed out", ("operation-timed-out", "tcp-timeout")),
    Known("prisma", "P1009", "Database already exists", ("database-exists",)),
    Known(
        "prisma",
        "P1010",
        "User was denied access",
        ("privilege-denied", "database-no-connect-privilege", "schema-create-denied"),
    ),
    Known("prisma", "P1011", "Error opening a TLS connection", ("tls-verify-failed", "tls-unsupported")),
    Known(
        "prisma",
        "P1012",
        "Schema validation (often: environment variable not found)",
        ("env-variable-unset", "direct-url-missing", "url-invalid", "scheme-unsupported"),
        "The message says which: an unset variable, the directUrl variable, or a URL the schema rejects.",
    ),
    Known(
        "prisma",
        "P1013",
        "The provided database string is invalid",
        ("url-invalid", "password-unencoded"),
        "Most often a reserved character in the password (`invalid port number`).",
    ),
    Known("prisma", "P1014", "The underlying table for a model does not exist", ("migrations-not-applied",)),
    Known(
        "prisma", "P1015", "Features unsupported by this database version", ("server-version-unsupported",)
    ),
    Known("prisma", "P1016", "Raw query had an incorrect number of parameters", ("prisma-query-invalid",)),
    Known(
        "prisma",
        "P1017",
        "Server has closed the connection",
        ("direct-url-is-pooled", "session-dropped", "tls-required"),
        "Common when migrations run through a transaction pooler (Supabase port 6543).",
    ),
    Known(
        "prisma",
        "P2024",
        "Timed out fetching a new connection from the pool",
        ("connection-budget", "too-many-connections", "tcp-timeout"),
        P2024_NOTE,
    ),
    Known(
        "prisma",
        "P3014",
        "Prisma Migrate could not create the shadow database",
        ("shadow-database-create-denied",),
    ),
    Known("prisma", "P3xxx", "Prisma Migrate error", ("migrate-failed", "direct-url-is-pooled")),
    Known("prisma", "P4001", "The introspected database was empty", ("migrations-not-applied",)),
)

SQLSTATES: tuple[Known, ...] = (
    Known(
        "sqlstate", "28P01", "invalid_password", ("auth-failed", "password-expired", "supabase-user-format")
    ),
    Known(
        "sqlstate",
        "28000",
        "invalid_authorization_specification (role, pg_hba.conf, peer)",
        ("role-missing", "hba-rejected", "tls-required", "peer-authentication-failed", "role-nologin"),
    ),
    Known(
        "sqlstate",
        "3D000",
        "invalid_catalog_name: database does not exist",
        ("database-missing", "pgbouncer-database-unknown"),
    ),
    Known("sqlstate", "53300", "too_many_connections", ("too-many-connections", "role-connection-limit")),
    Known("sqlstate", "42P05", "duplicate_prepared_statement", ("prepared-statements-break",)),
    Known(
        "sqlstate",
        "26000",
        "invalid_sql_statement_name",
        ("prepared-statements-break", "pgbouncer-prepared-statements-reset"),
    ),
    Known(
        "sqlstate",
        "08P01",
        "protocol_violation (PgBouncer's own errors)",
        ("pooler-server-login-failed", "pgbouncer-database-unknown", "auth-failed", "pool-wait-timeout"),
    ),
    Known(
        "sqlstate",
        "XX000",
        "internal_error (Supavisor: Tenant or user not found, and others)",
        ("supabase-user-format", "connect-failed"),
    ),
    Known(
        "sqlstate",
        "08006",
        "connection_failure",
        ("tcp-refused", "tcp-timeout", "tls-required", "session-dropped", "connect-failed"),
        "Drivers (JDBC, node-postgres, Prisma) report a failed or broken connection with it; the "
        "message next to it says which layer: `pgc doctor` checks each one.",
    ),
    Known(
        "sqlstate",
        "08001",
        "sqlclient_unable_to_establish_sqlconnection",
        ("dns-not-found", "tcp-refused", "tcp-timeout", "connect-failed"),
        "The client could not connect at all (name, network, TLS); `pgc doctor` checks each layer.",
    ),
    Known("sqlstate", "08003", "connection_does_not_exist", ("session-dropped", "connect-failed")),
    Known(
        "sqlstate",
        "08004",
        "sqlserver_rejected_establishment_of_sqlconnection",
        ("connect-failed", "too-many-connections", "server-starting"),
    ),
    Known(
        "sqlstate",
        "57P01",
        "admin_shutdown (terminating connection due to administrator command)",
        ("session-dropped", "connect-failed"),
        "The server ended the session: a restart, a pooler reload, or a Neon compute suspending "
        "after idle time. Reconnect on error; raise the provider's suspend timeout if it hurts.",
    ),
    Known(
        "sqlstate", "57P03", "cannot_connect_now (starting up, shutting down, recovery)", ("server-starting",)
    ),
    Known("sqlstate", "57P05", "idle_session_timeout", ("session-dropped",)),
    Known("sqlstate", "57014", "query_canceled (statement timeout)", ("operation-timed-out",)),
    Known(
        "sqlstate",
        "42501",
        "insufficient_privilege",
        ("privilege-denied", "schema-create-denied", "database-no-connect-privilege"),
    ),
    Known("sqlstate", "0A000", "feature_not_supported", ("statement-pooling", "prepared-statements-break")),
    Known("sqlstate", "55P03", "lock_not_available", ("migrate-lock-held", "operation-timed-out")),
    Known("sqlstate", "25006", "read_only_sql_transaction", ("read-only-transaction",)),
    Known("sqlstate", "42P01", "undefined_table", ("migrations-not-applied",)),
    Known("sqlstate", "42P04", "duplicate_database", ("database-exists",)),
)

_DNS_CANDIDATES = ("dns-not-found", "dns-ipv6-only", "dns-failed")

SIGNATURES: tuple[Signature, ...] = (
    # --- tier 0: the message names the cause -------------------------------------------------
    Signature(
        r"Timed out trying to acquire a postgres advisory lock|pg_advisory_lock\(72707369\)",
        ("migrate-lock-held",),
        "Prisma Migrate waits for its advisory lock",
        tier=0,
    ),
    Signature(
        r"Environment variable not found: {q:variable}",
        ("env-variable-unset", "direct-url-missing"),
        "Prisma P1012: a variable the schema reads is not set",
        tier=0,
    ),
    Signature(
        r"(?:EAI_AGAIN|ENOTFOUND|EAI_NONAME|EAI_FAIL) undefined\b|"
        r"\bhost(?:name)?\W{0,3}[=:] ?\W?undefined\b|could not translate host name \"?undefined\"?|"
        r"client password must be a (?:non-empty )?string|"
        r"\b(?:DATABASE_URL|DIRECT_URL|PGHOST)\b[^.\n]{0,20}\b(?:is not set|not set|unset|is undefined)",
        ("env-variable-unset",),
        "A connection setting came from an unset variable",
        tier=0,
    ),
    Signature(
        r"query_wait_timeout",
        ("pool-wait-timeout", "too-many-connections"),
        "PgBouncer query_wait_timeout",
        tier=0,
    ),
    Signature(
        r"server login has been failing|pgbouncer cannot connect to server",
        ("pooler-server-login-failed",),
        "The pooler's own login to the server fails",
        tier=0,
    ),
    Signature(
        r"Tenant or user not found|\bTenant not found|tenant/user {q:user} not found",
        ("supabase-user-format",),
        "Supavisor cannot route the user",
        tier=0,
    ),
    Signature(
        r"Address not in tenant allow_list", ("hba-rejected",), "Supabase network restrictions", tier=0
    ),
    Signature(
        r"too many connections for role\b",
        ("role-connection-limit", "too-many-connections"),
        "The role's connection limit",
        tier=0,
    ),
    Signature(
        r"(?:peer|ident) authentication failed",
        ("peer-authentication-failed",),
        "pg_hba.conf peer/ident rule",
        tier=0,
    ),
    Signature(
        r"PAM authentication failed",
        ("rds-iam-token-expired", "auth-failed"),
        "PAM authentication (RDS IAM)",
        tier=0,
    ),
    Signature(
        r"role {q:role} does not exist|There is no user {q:role} in the database",
        ("role-missing",),
        "The role does not exist",
        tier=0,
    ),
    Signature(
        r"role {q:role} is not permitted to log in",
        ("role-nologin",),
        "The role has NOLOGIN",
        tier=0,
    ),
    Signature(
        r"database {q:database} is not currently accepting connections",
        ("database-not-allowing-connections",),
        "ALLOW_CONNECTIONS false",
        tier=0,
    ),
    Signature(
        r"User does not have CONNECT privilege",
        ("database-no-connect-privilege",),
        "No CONNECT privilege",
        tier=0,
    ),
    Signature(
        r"authentication method 10 not supported|SCRAM authentication requires libpq version 10|"
        r"unknown authentication response: 10\b|unsupported authentication request\W+\w*\W*\(10\)|"
        r"SCRAM auth method isn't supported",
        ("client-library-old",),
        "The client cannot do SCRAM-SHA-256 (libpq before 10)",
        tier=0,
    ),
    Signature(
        r"Endpoint ID is not specified|SNI is missing",
        ("client-library-old", "connect-failed"),
        "Neon could not tell which endpoint you want (no SNI)",
        SNI_NOTE,
        tier=0,
    ),
    Signature(
        r"endpoint is disabled|compute time quota|data transfer quota|exceeded the \w+ quota|"
        r"Couldn't connect to compute node|could not wake (?:up )?(?:the )?compute",
        ("neon-endpoint-unavailable",),
        "Neon's proxy: the endpoint cannot run",
        tier=0,
    ),
    Signature(
        r"prepared statement \"?PGBOUNCER_\d+\"? does not exist",
        ("pgbouncer-prepared-statements-reset",),
        "PgBouncer 1.21+ lost its tracked prepared statements",
        "Not the missing pgbouncer=true: this error means a client still sends DEALLOCATE ALL.",
        tier=0,
    ),
    Signature(
        r"permission denied for schema {q:schema}",
        ("schema-create-denied", "privilege-denied"),
        "No CREATE on the schema",
        tier=0,
    ),
    Signature(
        r"permission denied to create database|could not create the shadow database",
        ("shadow-database-create-denied", "privilege-denied"),
        "The role may not create databases",
        tier=0,
    ),
    Signature(
        r"Can't load plugin: sqlalchemy\.dialects:postgres\b(?!ql)",
        ("scheme-unsupported",),
        "SQLAlchemy 1.4+ wants postgresql://, not postgres://",
        "Heroku, Render and others hand out postgres:// URLs; SQLAlchemy 1.4 removed that alias.",
        tier=0,
    ),
    Signature(
        r"the URL must start with the protocol|prisma\+postgres is not a supported|"
        r"Invalid (?:Prisma Postgres|prisma\+postgres) URL|prisma\+postgres://[^\s]* (?:is )?(?:not|invalid)",
        ("scheme-unsupported",),
        "The URL scheme does not fit this client",
        "prisma+postgres:// is Prisma Accelerate's scheme: only Prisma Client speaks it; libpq tools "
        "and the schema engine need the postgresql:// URL.",
        tier=0,
    ),
    Signature(
        r"invalid percent-encoded token: {q:token}",
        ("password-unencoded",),
        "A raw % in the URL (usually the password)",
        tier=0,
        secret_fields=("token",),
    ),
    Signature(
        r"invalid integer value {q:value} for connection option \"?port",
        ("password-unencoded", "param-value-invalid"),
        "libpq read part of the password as the port",
        "A raw `/`, `?` or `#` in the password ends libpq's authority early: what follows the "
        "password's last `:` becomes the port. Percent-encode the password.",
        tier=0,
        secret_fields=("value",),
    ),
    Signature(
        r"root certificate file \"system\" does not exist",
        ("sslrootcert-system-old-libpq",),
        "sslrootcert=system read as a file name (libpq before 16)",
        tier=0,
    ),
    Signature(
        r"no data of the requested type|The requested name is valid, but no data|"
        r"No address associated with hostname",
        ("dns-ipv6-only", "dns-not-found"),
        "Windows: the name has no address of the family asked for (IPv6-only host)",
        tier=0,
    ),
    Signature(
        r"channel binding is required, but|channel binding required(?:,)? but|"
        r"server did not offer an authentication method that supports channel binding",
        ("channel-binding-unsupported", "neon-channel-binding-pooler"),
        "channel_binding=require cannot be met",
        tier=0,
    ),
    Signature(
        r"invalid (?:connection option|URI query parameter) \"?channel_binding\b|"
        r"unexpected keyword argument 'channel_binding'",
        ("param-libpq-version", "client-library-old"),
        "channel_binding needs libpq 13+ (and is libpq-only)",
        tier=0,
    ),
    Signature(
        r"transaction blocks not allowed in statement pooling mode|statement pooling mode",
        ("statement-pooling",),
        "PgBouncer statement pooling",
        tier=0,
    ),
    Signature(
        r"cannot execute \w+(?: \w+)? in a read-only transaction|read-only transaction",
        ("read-only-transaction",),
        "The session is read-only (standby or reader)",
        tier=0,
    ),
    Signature(
        r"connection requires a valid client certificate|certificate required|"
        r"alert certificate required",
        ("client-certificate-required",),
        "The server wants a client certificate",
        tier=0,
    ),
    Signature(
        r"has an expired password|password has expired|password expired",
        ("password-expired",),
        "VALID UNTIL has passed",
        tier=0,
    ),
    Signature(
        r"the database system is "
        r"(?:starting up|shutting down|in recovery mode|not yet accepting connections)",
        ("server-starting",),
        "The server is not ready",
        tier=0,
    ),
    Signature(
        r"Timed out fetching a new connection from the (?:connection )?pool",
        ("connection-budget", "too-many-connections", "tcp-timeout"),
        "Prisma P2024: the client's own pool had no free connection",
        P2024_NOTE,
        tier=0,
    ),
    Signature(
        r"unsupported startup parameter",
        ("startup-parameter-unsupported", "direct-url-is-pooled"),
        "The pooler rejects a startup parameter",
        "PgBouncer passes only a few startup parameters; remove it from the pooled URL or use the "
        "direct URL.",
        tier=0,
    ),
    Signature(
        r"aborting because of server version mismatch",
        ("client-tools-old",),
        "pg_dump older than the server",
        tier=0,
    ),
    Signature(
        # the detail line alone: `pg_dump: detail: server version: 17.0; pg_dump version: 16.4`
        r"server version: \d[^;\n]*; (?:pg_dump|pg_dumpall|pg_restore) version:",
        ("client-tools-old",),
        "pg_dump older than the server",
        tier=0,
    ),
    Signature(
        r"cached plan must not change result type",
        ("prepared-statements-break",),
        "A prepared statement outlived a schema change",
        note=(
            "A statement prepared before a migration changed its table's columns (SQLSTATE 0A000): the "
            "app, or a pooler that keeps statements across clients (PgBouncer 1.21+), reconnects after "
            "migrations (PgBouncer: RECONNECT), or the client stops naming its statements."
        ),
        tier=0,
    ),
    Signature(
        r"Operations timed out after|canceling statement due to statement timeout",
        ("operation-timed-out",),
        "An operation ran past its time limit",
        tier=0,
    ),
    Signature(
        r"The underlying (?:table|view) for model|The introspected database was empty|"
        r"relation {q:relation} does not exist",
        ("migrations-not-applied",),
        "The tables the app expects are missing",
        tier=0,
    ),
    Signature(r"Database {q:database} already exists", ("database-exists",), "The database exists", tier=0),
    # --- tier 1: a layer's own message ------------------------------------------------------
    Signature(
        r"terminating connection due to (?:administrator command|idle[- ]session timeout|"
        r"idle-in-transaction timeout)|AdminShutdown|IdleSessionTimeout",
        ("session-dropped", "connect-failed"),
        "The server ended the session",
        CLOSED_NOTE,
    ),
    Signature(
        r"SSL SYSCALL error|SSL connection has been closed unexpectedly|"
        r"Connection terminated unexpected|connection was closed in the middle of operation|"
        r"could not receive data from server",
        ("session-dropped", "client-library-old", "connect-failed"),
        "The connection was dropped",
        CLOSED_NOTE,
    ),
    Signature(
        r"connection is insecure",
        ("provider-requires-tls", "tls-required", "client-library-old"),
        "The provider only admits TLS",
        "Set sslmode=require (or verify-full) in the URL.",
    ),
    Signature(
        r"SSL connection is required|SSL required|requires? (?:an )?(?:SSL|TLS|encrypted)",
        ("tls-required", "provider-requires-tls"),
        "The server or provider only admits TLS",
        "Set sslmode=require (or verify-full) in the URL.",
    ),
    Signature(r"server does not support SSL", ("tls-unsupported",), "TLS required, server has none"),
    Signature(
        r"(?:no pg_hba\.conf entry|pg_hba\.conf rejects connection)(?:(?!pg_hba).){0,200}?"
        r"(?:no encryption|SSL off)",
        ("tls-required", "hba-rejected", "rds-iam-token-expired"),
        "pg_hba.conf refuses the plaintext attempt",
        "Under sslmode=prefer libpq retries without TLS after a failed TLS attempt: when another "
        "error precedes this one, that first error is the real one.",
        retry=True,
    ),
    Signature(
        r"no pg_hba\.conf entry for host|pg_hba\.conf rejects connection",
        ("hba-rejected", "tls-required"),
        "pg_hba.conf has no line for this connection",
    ),
    Signature(
        r"certificate verify failed|does not match host name|root certificate file|"
        r"self[- ]signed certificate|SELF_SIGNED_CERT_IN_CHAIN|"
        r"unable to (?:get local issuer|verify the first) certificate|"
        r"UNABLE_TO_VERIFY_LEAF_SIGNATURE|certificate has expired",
        ("tls-verify-failed",),
        "Certificate verification",
    ),
    Signature(
        r"password authentication failed|SASL authentication failed|"
        r"Authentication failed against database server",
        ("auth-failed", "password-expired", "supabase-user-format"),
        "Authentication",
    ),
    Signature(
        r"fe_sendauth: no password supplied|no password supplied",
        ("auth-failed", "env-variable-unset"),
        "The server asked for a password and none was given",
    ),
    Signature(
        r"no such database|database {q:database} does not exist on the database server",
        ("pgbouncer-database-unknown", "database-missing"),
        "Unknown database (the pooler's words)",
    ),
    Signature(r"database {q:database} does not exist", ("database-missing",), "Unknown database"),
    Signature(
        r"permission denied for database {q:database}",
        ("privilege-denied", "database-no-connect-privilege"),
        "Permission denied for the database",
    ),
    Signature(
        r"permission denied for (?:table|relation|sequence|function|view|column|large object)|"
        r"was denied access on the database|InsufficientPrivilege|insufficient_privilege",
        ("privilege-denied", "database-no-connect-privilege"),
        "Permission denied",
    ),
    Signature(
        r"too many clients|remaining connection slots|max_client_conn|Max client connections|"
        r"EMAXCONN|max clients reached",
        ("too-many-connections", "connection-budget"),
        "No free connection slots",
    ),
    Signature(
        r"prepared statement (?!\"?PGBOUNCER_){q:statement} (?:already|does not) exists?|"
        r"prepared statement already exists|DuplicatePreparedStatement",
        ("prepared-statements-break", "direct-url-is-pooled", "pgbouncer-flag-missing"),
        "Prepared statements through a transaction pooler",
    ),
    Signature(
        r"Can't load plugin: sqlalchemy\.dialects|missing \"=\" after {q:word} in connection info string",
        ("url-invalid", "scheme-unsupported"),
        "The string is not a connection URL the client knows",
    ),
    Signature(
        r"invalid port number|Illegal character in authority|bad URI\(is not URI\?\)|InvalidURIError|"
        r"ERR_INVALID_URL|\bInvalid URL\b",
        ("password-unencoded", "url-invalid"),
        "The URL cannot be parsed (often a raw reserved character in the password)",
    ),
    Signature(
        r"invalid \S+ value|invalid \"\w+\" value|invalid integer value|"
        r"could not match \d+ (?:port numbers|host names)|"
        r"may not be used with (?:sslrootcert|sslnegotiation)",
        ("param-value-invalid", "invisible-character", "sslrootcert-system-old-libpq"),
        "libpq refuses a setting before connecting",
        "Checked before any network traffic: `pgc url check URL` names the setting (and any invisible "
        "character hidden in it).",
    ),
    Signature(
        r"invalid URI query parameter", ("param-not-libpq", "param-unknown"), "libpq rejects a parameter"
    ),
    Signature(
        r"invalid connection option", ("param-not-libpq", "param-unknown"), "libpq rejects a key=value option"
    ),
    Signature(
        r"on socket [^\n]{0,120}?No such file or directory|No such file or directory[^\n]{0,80}\.s\.PGSQL",
        ("tcp-refused", "env-variable-unset"),
        "No local server on that Unix socket",
        "libpq used a Unix socket because the URL has no host: an empty or unset DATABASE_URL/PGHOST "
        "does this. Give the host (`pgc url check --env DATABASE_URL`), or start the local server.",
    ),
    Signature(
        r"Connection refused|ECONNREFUSED|Connect call failed|actively refused|:econnrefused",
        ("tcp-refused",),
        "Nothing listens",
    ),
    Signature(
        r"Temporary failure in name resolution|EAI_AGAIN|to address: Try again|server misbehaving",
        ("dns-failed", "dns-not-found", "dns-ipv6-only"),
        "DNS did not answer",
    ),
    Signature(
        r"Name or service not known|ENOTFOUND|nodename nor servname|"
        r"no such host|nxdomain|non-existing domain|No such host is known|Unknown host",
        _DNS_CANDIDATES,
        "DNS",
    ),
    Signature(
        r"hostname resolving error",
        ("dns-not-found", "dns-failed", "dns-ipv6-only"),
        "pgx: the host name did not resolve",
    ),
    Signature(
        r"Network is unreachable|ENETUNREACH|No route to host|EHOSTUNREACH|Address family",
        ("tcp-unreachable", "dns-ipv6-only"),
        "No route (often IPv6 on an IPv4-only network)",
    ),
    Signature(
        r"Connection terminated due to connection timeout|CONNECT_TIMEOUT|timeout expired|"
        r"Operation timed out|ETIMEDOUT|connection timeout|timed out(?! fetching a new connection)",
        ("tcp-timeout", "slow-connect", "client-library-old"),
        "Timeout",
    ),
    # --- tier 2: codes and wrappers that hide the layer -----------------------------------
    Signature(
        r"server closed the connection unexpectedly|Connection reset by peer|ECONNRESET|"
        r"server conn crashed|Server has closed the connection",
        ("session-dropped", "direct-url-is-pooled", "tls-required", "connect-failed"),
        "The connection was closed from the other side",
        CLOSED_NOTE,
        tier=2,
    ),
    Signature(r"could not translate host name", _DNS_CANDIDATES, "DNS", tier=2),
    Signature(
        r"Can't reach database server",
        ("dns-not-found", "dns-ipv6-only", "tcp-refused", "tcp-timeout", "tls-required", "slow-connect"),
        "Prisma P1001",
        P1001_NOTE,
        tier=2,
    ),
    Signature(
        r"Error opening a TLS connection",
        ("tls-verify-failed", "tls-unsupported"),
        "Prisma P1011",
        tier=2,
    ),
)

# Earlier clues win over later ones when both apply to the same signature.
CLUES: tuple[Clue, ...] = (
    Clue(
        r"\bdb\.[\w<>\[\]{}-]+\.supabase\.co\b",
        "dns-ipv6-only",
        "a Supabase direct host (db.<ref>.supabase.co) has only an IPv6 address",
    ),
    Clue(
        r"Schema engine error|migration[_ ]engine|sql_migration_connector|prisma migrate|"
        r"migrate (?:dev|deploy)|db (?:push|pull)",
        "direct-url-is-pooled",
        "a migration run (Prisma's schema engine) needs the direct URL",
    ),
    Clue(
        r"Environment variable not found: \"?\w*DIRECT",
        "direct-url-missing",
        "the directUrl variable is unset",
    ),
    Clue(
        r"(?:database server (?:is running )?at|reach database server at) "
        r"\W*(?:localhost|127\.0\.0\.1|\[?::1\]?)\b",
        "tcp-refused",
        "on this machine nothing filters packets: an unreachable local server is not running",
    ),
    Clue(
        r"EAI_AGAIN [\w-]+(?=$|[\s'\"\],:)])",
        "dns-not-found",
        "a single-label name (a docker-compose service) only resolves inside its network",
    ),
    Clue(
        r"FATAL:? +permission denied for database|CONNECT privilege",
        "database-no-connect-privilege",
        "refused at login: the CONNECT privilege",
    ),
    Clue(
        r"\"pg\": \"\^?7\.|pg@7\.|node-postgres 7",
        "client-library-old",
        "node-postgres 7 never finishes connecting on Node 14+",
    ),
)

# Where the paste names the endpoint: shown with the findings, never used to decide.
CONTEXT_FIELDS: tuple[str, ...] = (
    r"server at \"(?P<host>[^\"]+)\"(?: \((?P<address>[^)]+)\))?, port (?P<port>\d+)",
    r"database server (?:is running )?at \W*(?P<host>[\w.\-\[\]<>]+?)\W{0,3}:\W{0,3}(?P<port>\d+)",
    r"\bhost=(?P<host>[\w.\-<>]+)",
)
