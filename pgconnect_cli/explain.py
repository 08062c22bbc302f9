"""Explain an error text, a Prisma error code, a SQLSTATE or a finding id. Pure data and lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pgconnect_cli.conninfo.redact import mask_text
from pgconnect_cli.findings import CATALOGUE


@dataclass(frozen=True)
class Known:
    """A symptom users paste, mapped to the finding ids that diagnose it."""

    kind: str  # "prisma", "sqlstate", "message"
    key: str  # the code, or a regular expression for messages
    title: str
    finding_ids: tuple[str, ...]
    note: str = ""


# Prisma codes (prisma-engines user-facing-errors); P1001 is one code for many layers.
PRISMA: tuple[Known, ...] = (
    Known("prisma", "P1000", "Authentication failed", ("auth-failed", "supabase-user-format")),
    Known(
        "prisma",
        "P1001",
        "Can't reach database server",
        ("dns-not-found", "dns-ipv6-only", "tcp-refused", "tcp-timeout", "tls-required", "slow-connect"),
        "Prisma prints P1001 for DNS, firewall, IPv6-only hosts, cold starts and TLS alike; "
        "`pgc doctor` tells which layer fails.",
    ),
    Known("prisma", "P1002", "The server was reached but timed out", ("tcp-timeout", "slow-connect")),
    Known("prisma", "P1003", "Database does not exist", ("database-missing",)),
    Known("prisma", "P1010", "User was denied access", ("auth-failed", "tls-verify-failed")),
    Known("prisma", "P1011", "Error opening a TLS connection", ("tls-verify-failed", "tls-unsupported")),
    Known(
        "prisma",
        "P1013",
        "The provided database string is invalid",
        ("url-invalid", "password-unencoded"),
        "Most often a reserved character in the password (`invalid port number`).",
    ),
    Known(
        "prisma",
        "P1017",
        "Server has closed the connection",
        ("direct-url-is-pooled", "tls-required"),
        "Common when migrations run through a transaction pooler (Supabase port 6543).",
    ),
    Known(
        "prisma",
        "P2024",
        "Timed out fetching a new connection from the pool",
        ("connection-budget", "too-many-connections", "tcp-timeout"),
        "Raise connection_limit/pool_timeout only after the network checks pass.",
    ),
    Known(
        "prisma",
        "P1012",
        "Schema validation (often: environment variable not found)",
        ("direct-url-missing",),
    ),
)


def _prisma(code: str) -> Known:
    return next(k for k in PRISMA if k.key == code)


SQLSTATES: tuple[Known, ...] = (
    Known("sqlstate", "28P01", "invalid_password", ("auth-failed",)),
    Known("sqlstate", "28000", "invalid_authorization_specification (pg_hba.conf)", ("tls-required",)),
    Known("sqlstate", "3D000", "invalid_catalog_name: database does not exist", ("database-missing",)),
    Known("sqlstate", "53300", "too_many_connections", ("too-many-connections",)),
    Known("sqlstate", "42P05", "duplicate_prepared_statement", ("prepared-statements-break",)),
    Known("sqlstate", "26000", "invalid_sql_statement_name", ("prepared-statements-break",)),
    Known(
        "sqlstate",
        "08P01",
        "protocol_violation (PgBouncer's own errors)",
        ("auth-failed", "database-missing"),
    ),
    Known(
        "sqlstate", "XX000", "internal_error (Supavisor: Tenant or user not found)", ("supabase-user-format",)
    ),
    Known(
        "sqlstate",
        "08006",
        "connection_failure",
        ("tcp-refused", "tcp-timeout", "tls-required", "connect-failed"),
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
    Known(
        "sqlstate",
        "57P01",
        "admin_shutdown (terminating connection due to administrator command)",
        ("connect-failed",),
        "The server ended the session: a restart, a pooler reload, or a Neon compute suspending "
        "after idle time. Reconnect on error; raise the provider's suspend timeout if it hurts.",
    ),
)

# Specific texts come first: the first match decides the first finding shown.
MESSAGES: tuple[Known, ...] = (
    Known(
        "message",
        r"Timed out fetching a new connection from the (?:connection )?pool",
        "Prisma P2024: the client's own pool had no free connection",
        _prisma("P2024").finding_ids,
        _prisma("P2024").note,
    ),
    Known(
        "message",
        r"unsupported startup parameter",
        "The pooler rejects a startup parameter",
        ("startup-parameter-unsupported", "direct-url-is-pooled"),
        "PgBouncer passes only a few startup parameters; remove it from the pooled URL or use the "
        "direct URL.",
    ),
    Known(
        "message",
        r"Endpoint ID is not specified",
        "Neon could not tell which endpoint you want (no SNI)",
        ("connect-failed",),
        "Neon routes by the host name the client sends in TLS (SNI). None arrived: libpq older than "
        "14, sslsni=0, an IP address or hostaddr instead of the host name, or a proxy in between. "
        "Upgrade the client, connect by the Neon host name, or add options=endpoint%3D<endpoint-id> "
        "(the first label of the host).",
    ),
    Known(
        "message",
        r"connection is insecure|SSL connection is required|SSL required|SSL off|"
        r"requires? (?:an )?(?:SSL|TLS|encrypted)",
        "The server or provider only admits TLS",
        ("provider-requires-tls", "tls-required"),
        "Set sslmode=require (or verify-full) in the URL.",
    ),
    Known(
        "message",
        r"on socket .*No such file or directory|No such file or directory.*\.s\.PGSQL",
        "No local server on that Unix socket",
        ("tcp-refused",),
        "libpq used a Unix socket because the URL has no host: an empty or unset DATABASE_URL/PGHOST "
        "does this. Give the host (`pgc url check --env DATABASE_URL`), or start the local server.",
    ),
    Known(
        "message",
        r"server closed the connection unexpectedly|terminating connection due to administrator command|"
        r"Connection reset by peer|ECONNRESET",
        "The connection was closed from the other side",
        ("connect-failed", "direct-url-is-pooled", "tls-required"),
        "A server restart or crash, an idle connection closed by a pooler, the provider (Neon suspends "
        "idle computes) or a NAT/firewall, a query past a pooler's time limit, or, while connecting, "
        "TLS the other side does not speak. Reconnect on error; `pgc doctor` checks the path.",
    ),
    Known(
        "message",
        r"invalid \S+ value|invalid \"\w+\" value|invalid integer value|invalid port number|"
        r"could not match \d+ (?:port numbers|host names)|"
        r"may not be used with (?:sslrootcert|sslnegotiation)",
        "libpq refuses a setting before connecting",
        ("param-value-invalid", "invisible-character", "sslrootcert-system-old-libpq"),
        "Checked before any network traffic: `pgc url check URL` names the setting (and any invisible "
        "character hidden in it).",
    ),
    Known(
        "message",
        r"prepared statement \S+ (already|does not) exist",
        "Prepared statements through a transaction pooler",
        ("prepared-statements-break", "direct-url-is-pooled"),
    ),
    Known(
        "message",
        r"invalid URI query parameter",
        "libpq rejects a parameter",
        ("param-not-libpq", "param-unknown"),
    ),
    Known(
        "message",
        r"invalid connection option",
        "libpq rejects a key=value option",
        ("param-not-libpq", "param-unknown"),
    ),
    Known(
        "message",
        r"Tenant or user not found|tenant/user .* not found",
        "Supavisor user format",
        ("supabase-user-format",),
    ),
    Known("message", r"server does not support SSL", "TLS required, server has none", ("tls-unsupported",)),
    Known(
        "message",
        r"no pg_hba\.conf entry .*(no encryption|SSL off)|pg_hba\.conf rejects",
        "The server only admits TLS",
        ("tls-required",),
    ),
    Known(
        "message",
        r"certificate verify failed|does not match host name|root certificate file|"
        r"self[- ]signed certificate",
        "Certificate verification",
        ("tls-verify-failed",),
    ),
    Known(
        "message",
        r"password authentication failed|SASL authentication failed|fe_sendauth",
        "Authentication",
        ("auth-failed",),
    ),
    Known(
        "message", r"database \S+ does not exist|no such database", "Unknown database", ("database-missing",)
    ),
    Known(
        "message",
        r"too many clients|remaining connection slots|max_client_conn|Max client connections",
        "No free connection slots",
        ("too-many-connections", "connection-budget"),
    ),
    Known("message", r"Connection refused|ECONNREFUSED", "Nothing listens", ("tcp-refused",)),
    Known(
        "message",
        r"timeout expired|timed out(?! fetching a new connection)|ETIMEDOUT",
        "Timeout",
        ("tcp-timeout", "slow-connect"),
    ),
    Known(
        "message",
        r"could not translate host name|Name or service not known|ENOTFOUND|"
        r"nodename nor servname",
        "DNS",
        ("dns-not-found", "dns-failed"),
    ),
    Known(
        "message",
        r"Network is unreachable|ENETUNREACH|No route to host|Address family",
        "No route (often IPv6 on an IPv4-only network)",
        ("tcp-unreachable", "dns-ipv6-only"),
    ),
    Known(
        "message",
        r"aborting because of server version mismatch",
        "pg_dump older than the server",
        ("client-tools-old",),
    ),
    Known(
        "message",
        r"Can't reach database server",
        "Prisma P1001",
        _prisma("P1001").finding_ids,
        _prisma("P1001").note,
    ),
)

_PRISMA_CODE = re.compile(r"^P\d{4}$", re.IGNORECASE)
_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")


@dataclass(frozen=True)
class Explanation:
    query: str  # the text asked about, passwords masked: safe to show
    matches: tuple[Known, ...]

    @property
    def finding_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for m in self.matches:
            for fid in m.finding_ids:
                seen.setdefault(fid, None)
        return tuple(seen)


def explain(text: str) -> Explanation:
    """Everything known about `text`; an empty `matches` when nothing is."""
    query = text.strip()
    if query in CATALOGUE:
        return Explanation(query, (Known("finding", query, CATALOGUE[query].title, (query,)),))
    code = query.upper()
    if _PRISMA_CODE.match(code):
        return Explanation(query, tuple(k for k in PRISMA if k.key == code))
    if _SQLSTATE.match(code) and any(c.isdigit() for c in code):
        return Explanation(query, tuple(k for k in SQLSTATES if k.key == code))
    matches = tuple(k for k in MESSAGES if re.search(k.key, query, re.IGNORECASE))
    embedded = re.search(r"\bP\d{4}\b", query)
    if embedded:
        matches += tuple(k for k in PRISMA if k.key == embedded.group(0) and k not in matches)
    return Explanation(mask_text(query), matches)  # a pasted error may quote the URL


def check_command(finding_id: str) -> str:
    """The pgc command that checks for this finding."""
    layer = CATALOGUE[finding_id].layer
    if layer in ("url", "tls") and finding_id.startswith(("sslmode", "provider", "url", "param", "password")):
        return "pgc url check URL"
    if finding_id in (
        "url-invalid",
        "invisible-character",
        "scheme-unsupported",
        "placeholder-credentials",
        "supabase-user-format",
        "sslrootcert-system-old-libpq",
    ):
        return "pgc url check URL"
    if finding_id.startswith("env-"):
        return "pgc env check"
    if finding_id == "connection-budget":
        return "pgc pool plan (planned; not in this version)"
    return "pgc doctor"
