"""The one Finding model and the catalogue of finding ids.

Finding ids are public API: never rename one. Every id a check can produce is registered
here with its default severity, the layer it belongs to, and the text `pgc explain` shows;
`finding()` refuses ids that are not in the catalogue, so a typo cannot ship.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Finding:
    """One observation with evidence and the exact change that fixes it.

    Every string in a Finding must already be free of secrets: build details from masked
    URLs (`conninfo.masked_uri()`) and pass server texts through `redact.scrub()`.
    """

    id: str
    severity: Severity
    title: str
    detail: str = ""
    fix: str = ""
    line: int | None = None  # the line of the file the finding is about (a .env line)
    # Accepted by the user (`--ignore ID`, `ignore = [...]` in [tool.pgc]): still shown, marked
    # as ignored, but it counts neither for `ok` nor for the exit code. Set by `ignore()` only.
    ignored: bool = False

    def to_dict(self) -> dict[str, str | int | bool]:
        out: dict[str, str | int | bool] = {
            "id": self.id,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
        }
        if self.line is not None:
            out["line"] = self.line
        if self.ignored:
            out["ignored"] = True
        return out


@dataclass(frozen=True)
class FindingSpec:
    id: str
    severity: Severity
    layer: str
    title: str
    cause: str
    fix: str


def _spec(id: str, severity: str, layer: str, title: str, cause: str, fix: str) -> FindingSpec:
    return FindingSpec(id, Severity(severity), layer, title, cause, fix)


_SPECS = (
    # --- the URL itself -------------------------------------------------------------
    _spec(
        "url-invalid",
        "error",
        "url",
        "The connection string cannot be parsed",
        "libpq (and so psql, pg_dump, psycopg) rejects the string; the detail names the part.",
        "Correct the named part; `pgc url fix URL` repairs what can be repaired mechanically.",
    ),
    _spec(
        "invisible-character",
        "error",
        "url",
        "An invisible character hides in the connection string",
        "A no-break space, zero-width space, byte-order mark or other invisible character (copied from "
        "a web page, a chat or an editor) is part of the value to libpq: `invalid sslmode value`, a "
        "host that does not resolve, a password that does not match, while the string looks right.",
        "Remove it: `pgc url fix` strips invisible characters (or retype the part the detail names).",
    ),
    _spec(
        "scheme-unsupported",
        "error",
        "url",
        "The URL scheme does not fit this tool",
        "libpq accepts only postgresql:// and postgres://. SQLAlchemy wants postgresql+driver://, "
        "Prisma Accelerate uses prisma+postgres:// which no libpq tool can use.",
        "Convert it for the tool: `pgc url convert URL --to uri` (libpq) or `--to sqlalchemy`.",
    ),
    _spec(
        "password-unencoded",
        "error",
        "url",
        "A reserved character stands raw in the user or password",
        "Characters such as @ : / ? # [ ] % and spaces must be percent-encoded in a URL; left raw, "
        "libpq, Prisma and node-postgres split the URL in different places.",
        "Percent-encode the user and password: `pgc url fix URL`.",
    ),
    _spec(
        "placeholder-credentials",
        "error",
        "url",
        "The URL still holds a placeholder from the docs",
        "Values like USER, PASSWORD, [YOUR-PASSWORD] or <password> were copied from a template, or a "
        "${VARIABLE} reference was never expanded by the shell, dotenv or docker compose.",
        "Copy the real user and password from the provider's console.",
    ),
    _spec(
        "param-unknown",
        "error",
        "url",
        "A query parameter is unknown to libpq and to Prisma",
        "libpq rejects unknown parameters (`invalid URI query parameter`); Prisma silently drops them.",
        "Use the libpq spelling (e.g. connect_timeout, not connectTimeout) or remove the parameter.",
    ),
    _spec(
        "param-not-libpq",
        "warning",
        "url",
        "Prisma-only parameters break psql and pg_dump",
        "Prisma understands schema, pgbouncer, connection_limit, pool_timeout …; libpq tools fail with "
        "`invalid URI query parameter`.",
        "Keep them for the app; run libpq tools through `pgc exec`, or `pgc url convert URL --to uri`.",
    ),
    _spec(
        "sslmode-missing",
        "warning",
        "tls",
        "No sslmode toward a remote host",
        "Without sslmode libpq uses `prefer`: it silently falls back to plaintext.",
        "Add sslmode=require (or verify-full with a CA) to the URL.",
    ),
    _spec(
        "sslmode-weak",
        "warning",
        "tls",
        "sslmode allows plaintext toward a remote host",
        "disable, allow and prefer all permit an unencrypted connection to a non-loopback host.",
        "Use sslmode=require, or verify-full with sslrootcert.",
    ),
    _spec(
        "provider-requires-tls",
        "error",
        "tls",
        "This provider only accepts TLS connections",
        "The provider rejects plaintext connections; sslmode=disable cannot work.",
        "Set sslmode=require.",
    ),
    _spec(
        "sslmode-prisma-downgrade",
        "warning",
        "tls",
        "Prisma treats verify-ca/verify-full as prefer",
        "Prisma ORM 6 and older only know disable, prefer and require; any other sslmode silently "
        "becomes prefer (no verification, plaintext fallback).",
        "For Prisma use sslmode=require&sslaccept=strict&sslcert=<ca.pem>.",
    ),
    _spec(
        "supabase-user-format",
        "error",
        "url",
        "Supavisor needs the user as postgres.<project-ref>",
        "Supabase's shared pooler routes by the project ref in the user name; without it Supavisor "
        "answers `Tenant or user not found`.",
        "Use the user `postgres.<project-ref>` from the Connect dialog.",
    ),
    _spec(
        "pgbouncer-flag-missing",
        "warning",
        "pooler",
        "Transaction pooler without pgbouncer=true",
        "Through a transaction-mode pooler, named prepared statements fail "
        '(`prepared statement "s0" already exists`) unless the client is told to avoid them.',
        "Add pgbouncer=true for Prisma (prepare_threshold=None for psycopg, statement_cache_size=0 "
        "for asyncpg, prepare: false for postgres.js).",
    ),
    _spec(
        "pgbouncer-flag-on-direct",
        "warning",
        "pooler",
        "pgbouncer=true on a direct endpoint",
        "pgbouncer=true turns off Prisma's statement cache and is only needed through a pooler.",
        "Remove pgbouncer=true from the direct URL.",
    ),
    _spec(
        "param-duplicate",
        "warning",
        "url",
        "A parameter is given more than once",
        "libpq keeps the last value; other clients may keep the first.",
        "Keep one occurrence of the parameter.",
    ),
    _spec(
        "param-value-invalid",
        "error",
        "url",
        "A parameter has a value the client rejects",
        "libpq checks values such as sslmode, target_session_attrs and port, and combinations such "
        "as sslrootcert=system with a weak sslmode, when it connects (`invalid sslmode value`), before "
        "any network traffic; Prisma rejects a pgbouncer that is not true/false.",
        "Change the value as the detail says; `pgc url fix` corrects common typos (sslmode=Require, "
        "pgbouncer=1).",
    ),
    _spec(
        "param-libpq-version",
        "info",
        "url",
        "A parameter needs a newer libpq",
        "libpq added some keywords in later releases (sslnegotiation 17, require_auth 16, …); older "
        "psql, pg_dump and drivers reject the URL with `invalid URI query parameter`.",
        "Make sure every client uses a new enough libpq, or drop the parameter for the old ones.",
    ),
    _spec(
        "url-not-derivable",
        "error",
        "url",
        "The counterpart URL cannot be derived from this one",
        "The provider's pooled and direct endpoints are not related by a rule pgc knows (RDS Proxy, "
        "a self-hosted PgBouncer), or a needed part (Supabase's region) is not in the URL.",
        "Pass the missing part: --direct-host/--direct-port, --pooler-host/--pooler-port or --region.",
    ),
    _spec(
        "sslrootcert-system-old-libpq",
        "info",
        "tls",
        "sslrootcert=system needs libpq 16 or newer",
        "Before libpq 16, `system` is read as a file name; with sslmode=require the certificate is not "
        "verified at all.",
        "Make sure every client uses libpq 16+ (psql/pg_dump 16+), or point sslrootcert at a CA file.",
    ),
    _spec(
        "neon-channel-binding-pooler",
        "info",
        "pooler",
        "channel_binding=require through a pooler",
        "PgBouncer does not support SCRAM channel binding; some poolers reject channel_binding=require.",
        "Drop channel_binding from the pooled URL if connections fail with a channel binding error.",
    ),
    # --- the pair -------------------------------------------------------------------
    _spec(
        "direct-url-missing",
        "warning",
        "pair",
        "The app URL is pooled and no direct URL exists",
        "Migrations, pg_dump and psql need a direct connection; through a transaction pooler they fail "
        'with lock errors or `prepared statement "s0" already exists`.',
        'Add DIRECT_URL: `pgc url direct "$DATABASE_URL"` or `pgc env init`.',
    ),
    _spec(
        "urls-swapped",
        "error",
        "pair",
        "DATABASE_URL is direct and DIRECT_URL is pooled",
        "The two URLs are in each other's place: migrations go through the pooler and app traffic "
        "bypasses it.",
        "Swap the values of DATABASE_URL and DIRECT_URL.",
    ),
    _spec(
        "direct-url-is-pooled",
        "error",
        "pair",
        "The URL meant for migrations goes through a pooler",
        "A transaction pooler breaks migrations (advisory locks, prepared statements, session SET); "
        "a session pooler is tolerated.",
        'Point DIRECT_URL at the direct endpoint: `pgc url direct "$DIRECT_URL"`.',
    ),
    _spec(
        "database-url-is-direct",
        "warning",
        "pair",
        "App traffic bypasses the pooler",
        "The app's URL is a direct endpoint although a pooled one exists: fine at low load, "
        "connection exhaustion in production.",
        'Use the pooled endpoint for DATABASE_URL: `pgc url pooled "$DATABASE_URL"`.',
    ),
    _spec(
        "urls-different-database",
        "warning",
        "pair",
        "The two URLs point at different databases or roles",
        "DATABASE_URL and DIRECT_URL should reach the same database as the same role; otherwise "
        "migrations change a different database than the app uses.",
        "Make database and user the same in both URLs.",
    ),
    _spec(
        "prisma-migrations-pooled",
        "error",
        "project",
        "Prisma's config sends migrations through the pooler",
        "Prisma 6 and older use the datasource's directUrl for migrate and introspection, else its url; "
        "Prisma 7 uses datasource.url in prisma.config.ts. When that variable is the pooled app URL, "
        "`prisma migrate` runs through the pooler (advisory locks, prepared statements, session SET "
        "break in transaction mode), however right DIRECT_URL is.",
        'Prisma 6: add directUrl = env("DIRECT_URL") to the datasource block; Prisma 7: set '
        "datasource: { url: env('DIRECT_URL') } in prisma.config.ts. `pgc env init` prints the snippet.",
    ),
    # --- .env files -------------------------------------------------------------------
    _spec(
        "env-syntax",
        "error",
        "env",
        "A .env line cannot be parsed",
        "python-dotenv cannot parse the line (an unterminated quote, a stray character) and skips "
        "it with a warning: whatever it meant to set is missing in the app.",
        'Fix the quoting on that line, e.g. KEY="value".',
    ),
    _spec(
        "env-duplicate-key",
        "warning",
        "env",
        "A key is set more than once in the .env file",
        "python-dotenv, bash, docker compose and Node's dotenv all keep the last value; the earlier "
        "line is dead and misleads whoever edits it next (an old password may still sit there).",
        "Delete the earlier lines and keep one.",
    ),
    _spec(
        "env-shell-unsafe",
        "warning",
        "env",
        "`source .env` reads this line differently",
        "bash splits unquoted values at spaces and & ; | < > ( ), expands $ and backticks in "
        "unquoted and double-quoted values, keeps backslashes python-dotenv decodes, and runs "
        "`KEY = value` or a bare `KEY` as a command: scripts, Makefiles and docker compose get "
        "another value than the app.",
        'Double-quote the value and leave $ ` " \\ out of it; for URLs percent-encode them '
        "(`pgc url fix`, or `pgc env init --force` rewrites DATABASE_URL and DIRECT_URL).",
    ),
    _spec(
        "env-interpolation",
        "warning",
        "env",
        "${…} in a .env value is expanded by some readers only",
        "python-dotenv expands ${NAME} even inside single quotes, docker compose outside single "
        "quotes, bash in double quotes, Node's dotenv never (without dotenv-expand): each tool reads "
        "another string.",
        "Write the value out in full; for a $ in a password percent-encode it as %24.",
    ),
    _spec(
        "env-crlf",
        "warning",
        "env",
        "The .env file has Windows line endings",
        "python-dotenv accepts CRLF, but bash keeps the carriage return: `source .env` gives every "
        "value a trailing \\r (libpq then reports e.g. `invalid sslmode value`).",
        "Convert the file to LF line endings: `sed -i 's/\\r$//' .env` (or dos2unix).",
    ),
    _spec(
        "env-file-mode",
        "warning",
        "env",
        "The .env file is readable by other users",
        "The file holds passwords and its mode lets the group or everyone on the machine read it.",
        "chmod 600 .env",
    ),
    _spec(
        "env-not-ignored",
        "warning",
        "env",
        "The .env file is not ignored by git",
        "Inside a git repository the file is not covered by .gitignore (or is committed already): "
        "the next `git add -A` publishes the passwords in it.",
        "Add .env to .gitignore (`pgc env init` does it); if it is committed, `git rm --cached .env` "
        "and change the passwords it held.",
    ),
    # --- DNS / network ------------------------------------------------------------------
    _spec(
        "dns-not-found",
        "error",
        "dns",
        "The host name does not exist",
        "The resolver answered NXDOMAIN: a typo, a name only valid inside a docker-compose network, "
        "or a deleted database.",
        "Copy the host from the provider's console; check `--resolver` for private DNS.",
    ),
    _spec(
        "dns-failed",
        "error",
        "dns",
        "The host name could not be resolved",
        "The DNS server failed or did not answer in time.",
        "Check the network and resolver (`--resolver IP`), or pin the address with `--resolve HOST:ADDR`.",
    ),
    _spec(
        "dns-ipv6-only",
        "warning",
        "dns",
        "The host has only IPv6 addresses",
        "Only AAAA records exist (Supabase direct hosts without the IPv4 add-on); IPv4-only networks "
        "(GitHub Actions, Docker, many ISPs) cannot reach it.",
        "Use the provider's IPv4 pooler (Supabase session pooler, port 5432) or an IPv6-capable network.",
    ),
    _spec(
        "tcp-refused",
        "error",
        "tcp",
        "Nothing listens on that port",
        "The host answered with a refusal: the server is down or the port is wrong.",
        "Check the port (5432 direct, 6432/6543 poolers) and that the server runs.",
    ),
    _spec(
        "tcp-timeout",
        "error",
        "tcp",
        "No answer: packets are dropped",
        "A firewall or security group drops the packets, so the connection times out instead of "
        "being refused.",
        "Allow this machine's address on the port in the firewall / security group / IP allow-list.",
    ),
    _spec(
        "tcp-unreachable",
        "error",
        "tcp",
        "No route to the address",
        "The network has no route to the address (often an IPv6 address on an IPv4-only network).",
        "Use an address family this network can reach, or the provider's IPv4 pooler.",
    ),
    _spec(
        "not-postgres",
        "error",
        "tcp",
        "The port answers, but not as PostgreSQL",
        "Something else listens there (HTTP, SSH, a TLS-only front end).",
        "Check host and port.",
    ),
    _spec(
        "tls-unsupported",
        "error",
        "tls",
        "The URL requires TLS and the server does not offer it",
        "The server answered N to SSLRequest: `server does not support SSL, but SSL was required`.",
        "Use sslmode=disable only for a local server, or enable ssl on the server.",
    ),
    _spec(
        "tls-required",
        "error",
        "tls",
        "The URL disables TLS and the server only admits TLS",
        "pg_hba.conf has only hostssl rules (or the provider enforces TLS): `no pg_hba.conf entry ... "
        "no encryption`.",
        "Set sslmode=require.",
    ),
    _spec(
        "tls-verify-failed",
        "error",
        "tls",
        "The server certificate cannot be verified",
        "verify-ca/verify-full failed: the CA is unknown, or the host name is not in the certificate.",
        "Point sslrootcert at the provider's CA, or use sslmode=verify-full&sslrootcert=system (libpq 16+) "
        "where the chain is public.",
    ),
    _spec(
        "tls-handshake-failed",
        "error",
        "tls",
        "The TLS handshake failed",
        "The server agreed to TLS but the handshake broke off: no common protocol version or cipher "
        "(libpq needs TLS 1.2 or newer), a client certificate the server demands, or a front end "
        "that is not PostgreSQL.",
        "Check ssl_min_protocol_version and the server's TLS settings; give sslcert/sslkey if the "
        "server asks for a client certificate.",
    ),
    # --- server -----------------------------------------------------------------------------
    _spec(
        "auth-failed",
        "error",
        "auth",
        "Password authentication failed",
        "The server rejected the user or password. pgc tries once per URL and never retries: "
        "providers ban addresses after repeated failures.",
        "Check user and password (percent-encoded in the URL); for Supavisor the user is postgres.<ref>.",
    ),
    _spec(
        "database-missing",
        "error",
        "auth",
        "The database does not exist",
        "The server has no database of that name.",
        "Correct the database name in the URL path, or create the database.",
    ),
    _spec(
        "hba-rejected",
        "error",
        "auth",
        "The server does not admit this connection",
        "pg_hba.conf has no line (or a reject line) for this client address, user and database: "
        "`no pg_hba.conf entry for host ...`.",
        "Add a pg_hba.conf line for the address, user and database (or allow-list the address at "
        "the provider), then reload the server.",
    ),
    _spec(
        "startup-parameter-unsupported",
        "error",
        "auth",
        "The pooler rejects a startup parameter of the URL",
        "PgBouncer only forwards startup parameters it tracks; `options`, `search_path` and the like "
        "end with `unsupported startup parameter`.",
        "Remove the parameter from the pooled URL (set it per role with ALTER ROLE ... SET), or add "
        "it to PgBouncer's ignore_startup_parameters.",
    ),
    _spec(
        "connect-failed",
        "error",
        "auth",
        "The connection attempt failed",
        "The connection attempt did not complete: a login that did not finish in time (often a "
        "pooler that cannot open a server connection: unknown database or role behind it), or a "
        "reason no other finding covers; the detail quotes the message.",
        "Read the server's message in the detail; `pgc explain 'MESSAGE'` explains known ones.",
    ),
    _spec(
        "too-many-connections",
        "error",
        "server",
        "The server or pooler has no free connection slots",
        "max_connections (or the pooler's max_client_conn) is reached.",
        "Lower per-instance pool sizes (connection_limit), use the pooled URL, or raise the limit.",
    ),
    _spec(
        "connection-headroom",
        "warning",
        "server",
        "Less than 10 % of connection slots are free",
        "Connections in use are close to max_connections.",
        "Use the pooled URL for app traffic and lower connection_limit per instance.",
    ),
    _spec(
        "prepared-statements-break",
        "error",
        "prepared",
        "Named prepared statements fail on this endpoint",
        "The endpoint is a transaction pooler: a statement prepared in one transaction is missing or "
        "already exists in the next.",
        "Prisma: pgbouncer=true; psycopg: prepare_threshold=None; asyncpg: statement_cache_size=0; "
        "postgres.js: prepare: false.",
    ),
    _spec(
        "slow-connect",
        "warning",
        "latency",
        "Connecting takes most of the connect timeout",
        "Connecting took at least half of the effective connect_timeout: cold starts (Neon) will time out.",
        "Raise connect_timeout (and pool_timeout for Prisma), e.g. connect_timeout=15.",
    ),
    _spec(
        "client-tools-old",
        "warning",
        "server",
        "Local psql/pg_dump is older than the server",
        "pg_dump aborts on a newer server major version (`aborting because of server version mismatch`).",
        "Install client tools of the server's major version or newer.",
    ),
    _spec(
        "connection-budget",
        "warning",
        "server",
        "The planned connections exceed what the server allows",
        "Instances (× concurrent serverless functions) × per-instance pool size, plus the Prisma CLI's "
        "own direct connections on a direct endpoint, is more than the server, pooler or plan admits "
        "(a warning when under 10 % of the limit is left).",
        "Size each pool at the share `pgc pool plan` prints (limit ÷ instances), run fewer instances, "
        "use the pooled endpoint, or move to a plan with more connections.",
    ),
    # --- provider rows (providers.py): what a host's name says --------------------------
    _spec(
        "read-only-endpoint",
        "warning",
        "url",
        "The migration URL names a read-only endpoint",
        "The host is a provider's reader or standby endpoint (Aurora cluster-ro-, DigitalOcean replica-, "
        "Fly Postgres port 5433): migrations fail there with `cannot execute … in a read-only transaction`.",
        "Use the writer endpoint (Aurora: cluster- instead of cluster-ro-; DigitalOcean: without replica-).",
    ),
    _spec(
        "host-network-restricted",
        "info",
        "url",
        "The host is reachable only inside a private or IPv6-only network",
        "The name resolves only inside the provider's private network (Fly .internal/.flycast, "
        "*.railway.internal, Render's internal hosts) or only over IPv6 (Supabase's direct host without "
        "the IPv4 add-on): from elsewhere (CI, a laptop, an IPv4-only host) it does not resolve or connect.",
        "Connect from inside that network (or through the provider's proxy), or use its public or "
        "IPv4 endpoint (Supabase: the shared pooler).",
    ),
    _spec(
        "provider-shut-down",
        "error",
        "url",
        "The provider has shut down",
        "The host belongs to a hosted PostgreSQL service that no longer runs (Tembo Cloud, 2025): "
        "nothing answers there any more.",
        "Migrate the database to another provider and use its URL.",
    ),
    # --- server, role and auth states (ids owned by issue 11, the server doctor; added here by
    # `explain`, which maps pasted messages onto them; the doctor will produce them live) ----------
    _spec(
        "role-nologin",
        "error",
        "auth",
        "The role is not allowed to log in",
        'The role exists but has NOLOGIN (`role "x" is not permitted to log in`): a group role, or a '
        "role created with CREATE ROLE, which defaults to NOLOGIN.",
        "ALTER ROLE <role> LOGIN; (or connect as a login role that is a member of it)",
    ),
    _spec(
        "role-missing",
        "error",
        "auth",
        "The role does not exist on this server",
        'The server has no role of that name (`role "x" does not exist`, SQLSTATE 28000). Often the '
        "client reached another server than meant (a local PostgreSQL on the same port), the user "
        "defaulted to the OS user (psql, pg_isready in a container run as root), or the docker "
        "volume was initialised with another POSTGRES_USER.",
        "Give the user explicitly (`-U`, PGUSER or the URL), check which server answers on the port, "
        "or CREATE ROLE <role> LOGIN PASSWORD '…';",
    ),
    _spec(
        "peer-authentication-failed",
        "error",
        "auth",
        "Peer/ident authentication: the OS user is not the database user",
        "pg_hba.conf uses `peer` (Unix socket) or `ident` for this connection: the server compares the "
        "operating-system user with the database user and refuses when they differ; no password is "
        "asked for.",
        "Connect over TCP (host=127.0.0.1 / -h localhost) so a password rule applies, run as the OS "
        "user of that name (sudo -u postgres psql), or change the pg_hba.conf line to scram-sha-256.",
    ),
    _spec(
        "database-no-connect-privilege",
        "error",
        "auth",
        "The role lacks CONNECT on the database",
        '`permission denied for database "x"` with `User does not have CONNECT privilege`: CONNECT '
        "was revoked from PUBLIC and not granted to this role.",
        "GRANT CONNECT ON DATABASE <db> TO <role>;",
    ),
    _spec(
        "role-connection-limit",
        "error",
        "server",
        "The role has reached its connection limit",
        '`too many connections for role "x"`: the role\'s CONNECTION LIMIT (Heroku and other hosts set '
        "one per plan) is used up, usually by app instances each holding a pool.",
        "Lower the pool size per instance, close idle connections, use the pooled URL, or "
        "ALTER ROLE <role> CONNECTION LIMIT <n>; where you own the server.",
    ),
    _spec(
        "database-not-allowing-connections",
        "error",
        "server",
        "The database does not accept connections",
        '`database "x" is not currently accepting connections`: ALLOW_CONNECTIONS is false (a '
        "template, or a database being migrated or dropped).",
        "ALTER DATABASE <db> ALLOW_CONNECTIONS true; or connect to another database.",
    ),
    _spec(
        "password-expired",
        "error",
        "auth",
        "The role's password has expired",
        "The role has VALID UNTIL in the past: the server answers `password authentication failed` "
        "although the password is right (its log says the password expired).",
        "ALTER ROLE <role> VALID UNTIL 'infinity'; (or a new date) and set a new password.",
    ),
    _spec(
        "schema-create-denied",
        "error",
        "auth",
        "The role may not create objects in the schema",
        "`permission denied for schema public`: PostgreSQL 15 revoked CREATE on `public` from PUBLIC, "
        "so a role that neither owns the schema nor was granted CREATE cannot run the first migration.",
        "GRANT CREATE ON SCHEMA public TO <role>; or ALTER SCHEMA public OWNER TO <role>; (or "
        "ALTER DATABASE <db> OWNER TO <role>; on a new database)",
    ),
    _spec(
        "shadow-database-create-denied",
        "error",
        "auth",
        "Prisma migrate dev cannot create its shadow database",
        "`prisma migrate dev` creates a temporary shadow database; a role without CREATEDB (every "
        "managed plan: Neon, Supabase, Vercel, Heroku) fails with P3014 / `permission denied to "
        "create database`.",
        "Set shadowDatabaseUrl to a second, empty database (or branch), or ALTER ROLE <role> CREATEDB; "
        "use `prisma migrate deploy` in CI.",
    ),
    _spec(
        "read-only-transaction",
        "error",
        "server",
        "The connection is read-only",
        "`cannot execute … in a read-only transaction`: the URL reaches a hot standby or reader "
        "endpoint, or the role has default_transaction_read_only=on.",
        "Point the URL that writes (and DIRECT_URL for migrations) at the primary / writer endpoint.",
    ),
    _spec(
        "channel-binding-unsupported",
        "error",
        "auth",
        "channel_binding=require, and the other side cannot bind",
        "libpq requires SCRAM-SHA-256-PLUS, but the server offered none: PgBouncer (no channel "
        "binding), a role with an MD5 password, a server without TLS, or an old server.",
        "Drop channel_binding=require from this URL (keep sslmode=verify-full for the server's "
        "identity), or connect directly to a server that supports SCRAM channel binding.",
    ),
    _spec(
        "client-certificate-required",
        "error",
        "tls",
        "The server requires a client certificate",
        "pg_hba.conf has clientcert=verify-ca/verify-full or `cert` authentication: the TLS handshake "
        "or login fails without sslcert/sslkey (`certificate required`, `connection requires a valid "
        "client certificate`).",
        "Give sslcert=<client.crt>&sslkey=<client.key> (key file mode 0600) in the URL.",
    ),
    _spec(
        "pgbouncer-database-unknown",
        "error",
        "pooler",
        "PgBouncer does not know that database",
        "PgBouncer answers `no such database: x` when its [databases] section has no entry for the "
        "name (and no `*` fallback); CREATE DATABASE on the server does not help.",
        "Add the database to PgBouncer's [databases] section (or a `* = host=…` fallback, or "
        "auth_dbname for auth_query), then reload PgBouncer.",
    ),
    _spec(
        "statement-pooling",
        "error",
        "pooler",
        "The pooler runs in statement mode",
        "PgBouncer in pool_mode=statement refuses multi-statement transactions (`transaction blocks "
        "not allowed in statement pooling mode`): every ORM and migration tool uses them.",
        "Use a transaction- or session-mode pool (pool_mode=transaction), or the direct URL.",
    ),
    # --- the server doctor (issue 11): states the live checks see that no id above names ---------
    _spec(
        "schema-missing",
        "error",
        "server",
        "The schema the migrations target does not exist",
        "Prisma's `schema=` or the URL's search_path names a schema the database does not have: "
        "tables land elsewhere (the next schema on search_path) or the migration fails. Prisma "
        "Migrate creates the schema only when the role may CREATE on the database.",
        "CREATE SCHEMA <schema> AUTHORIZATION <role>; or correct the schema name in the URL.",
    ),
    _spec(
        "migration-objects-not-owned",
        "warning",
        "server",
        "The migrations will meet objects another role owns",
        "Tables in the migration schema belong to another role: ALTER TABLE and DROP need ownership "
        "(`must be owner of table …`), and a migration tool's own table (_prisma_migrations, "
        "alembic_version, …) that the role cannot write makes every run fail.",
        "REASSIGN OWNED BY <old role> TO <role>; (as a superuser), ALTER TABLE … OWNER TO <role>;, or "
        "GRANT <old role> TO <role>;",
    ),
    _spec(
        "require-auth-refused",
        "error",
        "auth",
        "The URL's require_auth refuses the server's authentication method",
        "libpq's require_auth lists the methods the client accepts; the server asked for another one "
        '(`authentication method requirement "md5" failed: server requested SASL authentication`), '
        "so libpq gave up before sending anything.",
        "Set require_auth to the method the server uses (scram-sha-256 for SASL), or drop it; or change "
        "the server's pg_hba.conf method if that is what is wrong.",
    ),
    _spec(
        "host-unreachable-in-list",
        "warning",
        "tcp",
        "A host of the multi-host URL cannot be reached",
        "libpq tries the hosts of `host=a,b` in order (load_balance_hosts=random shuffles them) and goes "
        "on past one it cannot reach: the URL works, with one failover fewer, and every connection that "
        "tries the dead host first waits for it (connect_timeout).",
        "Bring the host back, or remove it from the host list.",
    ),
    _spec(
        "url-trailing-whitespace",
        "error",
        "url",
        "Whitespace before or after the connection string",
        "A trailing \\r, \\n, tab or space (a .env saved with Windows line endings, a copied secret) is "
        'part of the URL\'s last value to libpq and psycopg: `invalid sslmode value: "require\\r"`, a '
        "database or port that does not exist. libpq skips it between key=value settings (info).",
        "Remove it where the value is set; `pgc url fix` strips it.",
    ),
    _spec(
        "url-ampersand-for-query",
        "error",
        "url",
        "The settings start with & instead of ?",
        "`…/app&sslmode=require`: without `?` libpq reads everything after the slash as the database "
        "name (`app&sslmode=require`) and applies none of the settings.",
        "Put `?` before the first setting: `…/app?sslmode=require`; `pgc url fix` does it.",
    ),
    _spec(
        "percent-escape-not-utf8",
        "error",
        "url",
        "A percent escape is not UTF-8",
        "A value such as `application_name=%ff` decodes to bytes that are no UTF-8: libpq tools pass "
        "them on (info), psycopg, node's drivers and Prisma fail on the string before connecting "
        "(error).",
        "Percent-encode the UTF-8 bytes of the character meant (é is %C3%A9), or drop the escape.",
    ),
    _spec(
        "service-not-found",
        "error",
        "url",
        "The service= the URL names is in no service file",
        "libpq looks `service=name` up in PGSERVICEFILE (else ~/.pg_service.conf), then in "
        "PGSYSCONFDIR/pg_service.conf; without a [name] section it fails (`definition of service … not "
        "found`) before any network traffic.",
        "Add the [name] section to the service file, or set PGSERVICEFILE where the app runs.",
    ),
    _spec(
        "libpq-defaults-applied",
        "info",
        "url",
        "libpq completes the URL from the service file or PG* variables",
        "Settings the URL leaves out come from the service file (service=) and then the PG* environment "
        "variables (PGHOST, PGSSLMODE, PGPASSWORD, …), as the app's libpq (and node-postgres, asyncpg) "
        "read them; Prisma reads neither.",
        "Nothing to change if the values are meant; the detail names where each came from.",
    ),
    _spec(
        "passfile-ignored",
        "warning",
        "auth",
        "libpq ignores the password file: group or others may read it",
        "libpq skips a .pgpass (or PGPASSFILE) whose mode allows group or world access and says so only "
        "on stderr (`WARNING: password file … has group or world access; permissions should be u=rw`): "
        "the login goes without a password (`fe_sendauth: no password supplied`).",
        "chmod 600 ~/.pgpass (or the file PGPASSFILE names).",
    ),
    # --- failure modes no live check sees: matched in pasted messages by `pgc explain` -----------
    _spec(
        "session-dropped",
        "warning",
        "server",
        "An established session was closed by the other side",
        "The connection worked and was closed later: a server restart or failover (57P01 "
        "`terminating connection due to administrator command`), idle_session_timeout (57P05), a "
        "pooler or provider closing idle connections (Neon suspends idle computes, PgBouncer "
        "client_idle_timeout), a NAT or load balancer dropping idle TCP (`SSL SYSCALL error: EOF "
        "detected`, `SSL connection has been closed unexpectedly`, `Connection terminated "
        "unexpectedly`), or pg_terminate_backend.",
        "Let the pool validate connections before use (SQLAlchemy pool_pre_ping, pg Pool idleTimeoutMillis "
        "below the pooler's idle timeout), retry once on this error, and enable TCP keepalives "
        "(keepalives_idle=60); read the server log for restarts.",
    ),
    _spec(
        "client-library-old",
        "error",
        "server",
        "The client library is too old for this server or provider",
        "SCRAM-SHA-256 needs libpq 10+ (`authentication method 10 not supported`); Neon routes by "
        "TLS SNI, which libpq sends from 14 (`Endpoint ID is not specified`); node-postgres 7 on "
        "Node 14+ never finishes connecting (`Connection terminated unexpectedly`/timeouts); old "
        "drivers and GUI tools bundle an old libpq.",
        "Upgrade the driver or tool (psycopg2-binary, pg >= 8, the GUI's bundled libpq); for Neon "
        "without SNI add options=endpoint%3D<endpoint-id>.",
    ),
    _spec(
        "neon-endpoint-unavailable",
        "error",
        "server",
        "The Neon compute endpoint cannot start",
        "Neon's proxy answered instead of PostgreSQL: the endpoint is disabled or suspended by the "
        "account (`endpoint is disabled`), the project is over its compute-time or data-transfer "
        "quota, or the compute could not wake (`Couldn't connect to compute node`).",
        "Check the project in the Neon console (quota, billing, endpoint state); enable the endpoint "
        "or raise the plan; retry later for a failed wake-up.",
    ),
    _spec(
        "pooler-server-login-failed",
        "error",
        "pooler",
        "The pooler cannot log in to the server behind it",
        "PgBouncer's own login to PostgreSQL failed and it refuses clients for server_login_retry "
        "seconds (`server login has been failing`, `pgbouncer cannot connect to server`): a wrong "
        "password in its userlist/auth_query, a missing database or role on the server, or a server "
        "it cannot reach. The client's URL may be perfectly right.",
        "Read PgBouncer's log for the server's message; fix the user/password in the pooler's config "
        "(or auth_user), then RECONNECT or reload it.",
    ),
    _spec(
        "pool-wait-timeout",
        "error",
        "pooler",
        "Clients waited too long for a pooled server connection",
        "PgBouncer closed a client after query_wait_timeout (`query_wait_timeout`): every server "
        "connection of the pool was busy (session pooling with idle clients, long transactions, or "
        "default_pool_size too small for the load).",
        "Use transaction pooling, shorten transactions, raise default_pool_size within "
        "max_connections, or lower the app's pool size per instance.",
    ),
    _spec(
        "pgbouncer-prepared-statements-reset",
        "error",
        "pooler",
        "PgBouncer's prepared-statement tracking lost its statements",
        "PgBouncer 1.21+ with max_prepared_statements renames statements (PGBOUNCER_34); `prepared "
        'statement "PGBOUNCER_n" does not exist` means the server lost them behind its back: a client '
        "still sends DEALLOCATE ALL / DISCARD ALL (Prisma with pgbouncer=true does) or a reset query.",
        "Remove pgbouncer=true from every client of this pooler (do not add it), then RECONNECT in "
        "PgBouncer's console or restart it; or set max_prepared_statements=0 and keep pgbouncer=true "
        "everywhere.",
    ),
    _spec(
        "migrate-lock-held",
        "error",
        "server",
        "Another session holds Prisma Migrate's advisory lock",
        "`prisma migrate` takes pg_advisory_lock(72707369) and waits 10 s (P1002 with `Timed out "
        "trying to acquire a postgres advisory lock`): a concurrent deploy, a crashed migration whose "
        "session still lives, or a lock stranded on a pooled server connection.",
        "Run migrations on the direct URL, one deploy at a time; find the holder: SELECT pid FROM "
        "pg_locks WHERE locktype='advisory' AND objid=72707369; and pg_terminate_backend(pid) it.",
    ),
    _spec(
        "privilege-denied",
        "error",
        "auth",
        "The role lacks a privilege the statement needs",
        "SQLSTATE 42501 / Prisma P1010: the login works, but the role may not use the table, schema "
        "or database (`permission denied for table …`, `User … was denied access on the database`).",
        "GRANT the privilege to the role (or run as the owner); for migrations use the role that "
        "owns the schema.",
    ),
    _spec(
        "rds-iam-token-expired",
        "error",
        "auth",
        "The RDS IAM authentication token was rejected",
        "RDS/Aurora answers `PAM authentication failed` for IAM users: the token expired (it lives "
        "15 minutes and is checked at every new connection), was generated for another host, port, "
        "user or region, or the connection was not TLS (RDS requires TLS for IAM auth; libpq's "
        "plaintext retry then adds `pg_hba.conf rejects connection … SSL off`).",
        "Generate a fresh token for each new connection (aws rds generate-db-auth-token with the exact "
        "host, port, user and region) and connect with sslmode=require or verify-full.",
    ),
    _spec(
        "env-variable-unset",
        "error",
        "env",
        "A variable the connection needs was never set",
        "The app read an unset variable: `Environment variable not found: DATABASE_URL` (Prisma "
        "P1012), a host of `undefined` (`getaddrinfo EAI_AGAIN undefined`), `client password must be "
        "a string` (node-postgres got password undefined), or libpq fell back to the local socket. "
        "The .env file was not loaded (another file name, another directory, a CI or docker step "
        "without the variable).",
        "Set the variable where the app runs (`pgc env check` shows what the .env holds); load the "
        "file explicitly (dotenv/config, --env-file, docker compose env_file).",
    ),
    _spec(
        "server-starting",
        "warning",
        "server",
        "The server is starting up, shutting down or recovering",
        "SQLSTATE 57P03 (`the database system is starting up`, `… is shutting down`, `… in recovery "
        "mode`): a restart, a crash recovery or a failover in progress.",
        "Retry with backoff; if it lasts, read the server log (crash loop, full disk).",
    ),
    _spec(
        "operation-timed-out",
        "warning",
        "server",
        "A statement or operation ran past its time limit",
        "The connection worked, but an operation took too long: Prisma P1008 (`Operations timed out "
        "after …`), statement_timeout (57014 `canceling statement due to statement timeout`), a "
        "pooler's query_timeout, or a lock wait.",
        "Find the slow statement or the lock it waits on (pg_stat_activity); raise the timeout only "
        "for statements that need it.",
    ),
    _spec(
        "database-exists",
        "info",
        "server",
        "The database already exists",
        "Prisma P1009 / SQLSTATE 42P04: a create step found the database in place.",
        "Nothing to fix if it is the right database; otherwise choose another name or drop it first.",
    ),
    _spec(
        "migrations-not-applied",
        "error",
        "server",
        "The database lacks the tables the app expects",
        "Prisma P1014 (`The underlying table for model … does not exist`), P4001 (the introspected "
        'database is empty) or SQLSTATE 42P01 (`relation "x" does not exist`): migrations never ran '
        "on this database, or the URL points at another database or schema than the migrations did.",
        "Run the migrations against this URL (`prisma migrate deploy`), and check the database and "
        "schema in the URL (Prisma schema=, search_path).",
    ),
    _spec(
        "server-version-unsupported",
        "error",
        "server",
        "The server version lacks a feature the client uses",
        "Prisma P1015: the schema uses features this PostgreSQL version does not have.",
        "Upgrade the server, or remove the feature from the schema.",
    ),
    _spec(
        "prisma-query-invalid",
        "error",
        "server",
        "A raw query does not fit its parameters",
        "Prisma P1016: the raw query has a different number of placeholders than parameters.",
        "Make the $1, $2 … placeholders match the parameters passed.",
    ),
    _spec(
        "migrate-failed",
        "error",
        "server",
        "A Prisma Migrate step failed",
        "P3xxx: migrate could not apply or verify the migrations (P3005 the schema is not empty, "
        "P3009 a failed migration is recorded, P3018 a migration failed to apply, P3006 the shadow "
        "database check failed); the error names the migration and the database's own message.",
        "Read the database message in the error; resolve a failed migration with `prisma migrate "
        "resolve`, baseline a non-empty database, and run migrate on the direct URL.",
    ),
    _spec(
        "probe-error",
        "error",
        "server",
        "A check could not complete",
        "A probe failed in an unexpected way, so its layer was not checked (never a pass); the other "
        "layers are still reported.",
        "Run with PGC_DEBUG=1 and report the issue.",
    ),
    # --- a hostile or careless server: what the doctor does not hand over ---------------
    _spec(
        "auth-cleartext-refused",
        "error",
        "auth",
        "The server asked for the password in cleartext, and pgc did not send it",
        "The server (or whatever answers in its place) sent AuthenticationCleartextPassword over a "
        "connection that does not verify who it is: plaintext, or sslmode=require. pgc sends a cleartext "
        "password only with sslmode=verify-full or when the URL says require_auth=password (IAM and Azure "
        "tokens). libpq 15's psql and pg_dump have no require_auth and would send it. A warning when the "
        "URL names this machine.",
        "Verify the server (sslmode=verify-full with sslrootcert=system where the chain is public, or the "
        "CA file); on a server you run, use scram-sha-256 instead of `password` in pg_hba.conf.",
    ),
    _spec(
        "auth-md5-plaintext",
        "warning",
        "auth",
        "The server asked for an MD5 password over plaintext, and pgc did not send it",
        "MD5 over an unencrypted connection to another machine: the hash on the wire logs in as the role. "
        "pgc refuses it before sending (libpq require_auth); libpq 15's psql and pg_dump would send it. "
        "MD5 passwords are deprecated in PostgreSQL 18.",
        "Use scram-sha-256 on the server (password_encryption=scram-sha-256, set the password again, "
        "scram-sha-256 in pg_hba.conf) and TLS with sslmode=verify-full.",
    ),
    _spec(
        "server-query-failed",
        "error",
        "server",
        "The server accepted the login, but a plain query failed",
        "A read-only `SELECT` of settings failed right after a successful login: the server (or what "
        "answers in its place) cannot serve the app's queries.",
        "Read the server's message in the detail; run `psql URL -c 'select 1'` to see it fail the same way.",
    ),
    _spec(
        "descriptor-limit",
        "error",
        "tcp",
        "This target was never dialed: the open-file limit ran out first",
        "pgc dials in batches that fit the process's open-file limit (`ulimit -n`) and raises the soft "
        "limit as far as the hard one allows; the run's deadline came before this target's turn. Not a "
        "network fault.",
        "Raise the limit (`ulimit -n 4096`) or check fewer URLs in one run.",
    ),
    # --- the URL's settings, CI preflight (ciflags helper) -------------------------------------
    _spec(
        "connect-timeout-disabled",
        "warning",
        "url",
        "connect_timeout=0 turns the connection timeout off",
        "libpq reads a zero or negative connect_timeout as `wait indefinitely` (psycopg waits 130 s); "
        "Prisma reads 0 as no timeout. A host that drops packets (a firewall, a stopped instance) then "
        "hangs the app, a migration or a deploy for minutes instead of failing in seconds.",
        "Give a number of seconds, e.g. connect_timeout=10 (libpq's minimum is 2; 10-15 covers a "
        "serverless database waking up).",
    ),
    # --- .env files, second tranche (env helper) -------------------------------------------
    _spec(
        "env-example-real-password",
        "warning",
        "env",
        "A real password sits in a committed example .env",
        "`.env.example` and `.env.sample` are committed on purpose, as templates: a URL in one that "
        "holds a real-looking password for a non-local host publishes that password with the code.",
        "Replace the password with a placeholder (e.g. [YOUR-PASSWORD]) and change the real one: it is "
        "in the repository's history.",
    ),
    _spec(
        "env-reference-not-expanded",
        "warning",
        "env",
        "A ${…} reference in .env reaches the app unexpanded",
        "A value such as DIRECT_URL=${DATABASE_URL} is expanded by python-dotenv, docker compose and "
        "the Prisma 6 CLI (dotenv-expand), but Node's dotenv and `node --env-file` pass the text "
        "`${DATABASE_URL}` on literally: the client the project uses then gets no URL at all.",
        "Write the value out in full (`pgc env init` writes both URLs), or load .env with a loader "
        "that expands (dotenv-expand for Node).",
    ),
    # --- the client the project uses (issue 10; checks helper) ---------------------------------
    _spec(
        "param-client-rejects",
        "error",
        "url",
        "The project's client fails on a parameter in this URL",
        "Clients read the URL differently: psycopg and psycopg2 hand it to libpq, which refuses every "
        "parameter it does not know (`invalid URI query parameter`); asyncpg, postgres.js and pgx send "
        "unknown ones to the server as startup parameters, which PgBouncer refuses (`unsupported startup "
        "parameter`) and PostgreSQL too (`unrecognized configuration parameter`). Prisma's parameters "
        "(pgbouncer=true, connection_limit) break them all.",
        "Remove the parameter from the URL this client reads; set the client's own option instead.",
    ),
    _spec(
        "param-client-ignores",
        "info",
        "url",
        "The project's client ignores a parameter in this URL",
        "Prisma 7's driver adapters and node-postgres do not read Prisma 6's URL parameters "
        "(connection_limit, pool_timeout, pgbouncer, connect_timeout): the setting has no effect.",
        "Set the client's own option (its pool size and connect timeout are in docs/clients.md).",
    ),
    # --- session features through a transaction pooler (issue 10; wire helper) ------------------
    _spec(
        "session-feature-through-pooler",
        "warning",
        "pooler",
        "The client uses session features this transaction-pooled URL does not keep",
        "A transaction pooler hands the server connection to another client after every "
        "transaction: session advisory locks (Prisma Migrate, Rails, sqlx migrate) are held by a "
        "connection the tool no longer has or are released under it, server-side cursors (Django) "
        "and LISTEN/NOTIFY vanish, and PgBouncer refuses the `options` startup parameter.",
        "Run what needs the session on a direct (or session-mode) URL, or turn the feature off in the "
        "client (docs/clients.md).",
    ),
)

CATALOGUE: dict[str, FindingSpec] = {s.id: s for s in _SPECS}


def finding(
    id: str,
    detail: str = "",
    fix: str | None = None,
    *,
    severity: Severity | str | None = None,
    title: str | None = None,
    line: int | None = None,
) -> Finding:
    """Build a Finding from the catalogue; `fix`, `severity` and `title` override the defaults."""
    spec = CATALOGUE[id]
    return Finding(
        id=id,
        severity=Severity(severity) if severity is not None else spec.severity,
        title=title if title is not None else spec.title,
        detail=detail,
        fix=fix if fix is not None else spec.fix,
        line=line,
    )


def exit_code_for(findings: Iterable[Finding], *, strict: bool = False) -> int:
    """0 fine (warnings allowed); 1 an error finding, or any warning with --strict. Ignored
    findings (`Finding.ignored`) never count."""
    for f in findings:
        if f.ignored:
            continue
        if f.severity is Severity.ERROR or (strict and f.severity is Severity.WARNING):
            return 1
    return 0


def closest_id(text: str) -> str | None:
    """The catalogue id nearest to `text` (a misspelt `--ignore` value), or None."""
    import difflib

    close = difflib.get_close_matches(text.strip().lower(), CATALOGUE, n=1, cutoff=0.5)
    return close[0] if close else None


def unknown_ids(ids: Iterable[str]) -> list[str]:
    return [i for i in ids if i not in CATALOGUE]


def ignore(value: T, ids: Iterable[str]) -> T:
    """`value` (a result: dataclasses, tuples, lists of them) with every Finding whose id is in
    `ids` marked `ignored`. The one place findings are accepted; renderers and `exit_code_for`
    read the mark, nothing is dropped."""
    wanted = frozenset(ids)
    if not wanted:
        return value
    return _mark(value, wanted, 0)  # type: ignore[no-any-return]


def _mark(value: Any, ids: frozenset[str], depth: int) -> Any:
    import dataclasses

    if depth > 40 or isinstance(value, (str, bytes, int, float, Enum)) or value is None:
        return value
    if isinstance(value, Finding):
        return dataclasses.replace(value, ignored=True) if value.id in ids else value
    if isinstance(value, (tuple, list)) and not hasattr(value, "_fields"):
        items = [_mark(v, ids, depth + 1) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return tuple(items) if isinstance(value, tuple) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.init and hasattr(value, f.name):
                old = getattr(value, f.name)
                new = _mark(old, ids, depth + 1)
                if new is not old:
                    changes[f.name] = new
        if not changes:
            return value
        try:
            return dataclasses.replace(value, **changes)
        except (TypeError, ValueError):
            return value
    return value
