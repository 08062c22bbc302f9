"""The one Finding model and the catalogue of finding ids.

Finding ids are public API: never rename one. Every id a check can produce is registered
here with its default severity, the layer it belongs to, and the text `pgc explain` shows;
`finding()` refuses ids that are not in the catalogue, so a typo cannot ship.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


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

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
        }


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
        "Instances × per-instance pool size is more than the server, pooler or plan admits.",
        "Lower connection_limit per instance or use the pooled endpoint.",
    ),
    _spec(
        "probe-error",
        "warning",
        "server",
        "A check could not complete",
        "A probe failed in an unexpected way; the other layers are still reported.",
        "Run with PGC_DEBUG=1 and report the issue.",
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
) -> Finding:
    """Build a Finding from the catalogue; `fix`, `severity` and `title` override the defaults."""
    spec = CATALOGUE[id]
    return Finding(
        id=id,
        severity=Severity(severity) if severity is not None else spec.severity,
        title=title if title is not None else spec.title,
        detail=detail,
        fix=fix if fix is not None else spec.fix,
    )


def exit_code_for(findings: Iterable[Finding], *, strict: bool = False) -> int:
    """0 fine (warnings allowed); 1 an error finding, or any warning with --strict."""
    for f in findings:
        if f.severity is Severity.ERROR or (strict and f.severity is Severity.WARNING):
            return 1
    return 0
