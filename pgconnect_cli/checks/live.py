"""Live checks: probe observations → one CheckResult per layer and the findings it proves.

Pure. Severities that depend on the application's client (prepared statements, connect timeouts)
come from the `LiveContext`; the probes only report what happened. Every server text in an
observation is already scrubbed of secrets.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from pgconnect_cli.checks.client import PreparedVerdict
from pgconnect_cli.checks.tools import client_tools_old
from pgconnect_cli.conninfo.model import ConnInfo, is_secret_keyword
from pgconnect_cli.doctor.observations import (
    AuthGuard,
    AuthObservation,
    ClientTool,
    DescriptorLimit,
    DnsMethod,
    DnsObservation,
    DnsOutcome,
    HostAttempt,
    HostOutcome,
    Layer,
    MigrationFacts,
    Observations,
    PassFile,
    PoolerKind,
    PoolerObservation,
    PreparedObservation,
    ServerFacts,
    TcpAttempt,
    TcpObservation,
    TcpOutcome,
    TlsAnswer,
    TlsObservation,
    TlsPolicy,
    Verification,
)
from pgconnect_cli.findings import Finding, Severity, finding
from pgconnect_cli.known_clients import Client as ClientRow
from pgconnect_cli.known_clients import default_seconds
from pgconnect_cli.project import PREPARED_FIX, Client
from pgconnect_cli.report import CheckResult, Status

if TYPE_CHECKING:
    from pgconnect_cli.doctor.libpq_env import Effective
    from pgconnect_cli.pool import ConfiguredPool

HEADROOM_RATIO = 0.10
SLOW_CONNECT_RATIO = 0.5
LIBPQ_MIN_CONNECT_TIMEOUT = 2
# Connect timeouts clients use when the URL sets none (seconds); libpq and psycopg wait forever.
CLIENT_CONNECT_TIMEOUT: dict[Client, int] = {Client.PRISMA: 5}
# Where each client sets its own connect timeout (besides libpq's connect_timeout in the URL).
CLIENT_CONNECT_TIMEOUT_SETTING: dict[Client, str] = {
    Client.PRISMA: "connect_timeout=15 (and pool_timeout) in the URL",
    Client.NODE_POSTGRES: "connectionTimeoutMillis in the Pool or Client options (default 0, no limit)",
    Client.POSTGRES_JS: "connect_timeout in postgres() options (seconds, default 30)",
    Client.PSYCOPG: "connect_timeout in the URL or psycopg.connect(connect_timeout=…)",
    Client.ASYNCPG: "timeout= of asyncpg.connect()/create_pool() (default 60 s)",
}


@dataclass(frozen=True)
class LiveContext:
    """What the checks need to know about the target besides the observations."""

    name: str  # the variable, e.g. DATABASE_URL
    host: str
    port: int
    timeout: float  # --timeout
    client: Client | None = None
    client_source: str = ""  # "--client", "prisma/schema.prisma", … ("" when unknown)
    pgbouncer_flag: bool = False  # the URL says pgbouncer=true
    url_connect_timeout: str | None = None
    has_ipv6_route: bool = True
    expected_direct: bool = False  # the variable is meant for migrations (DIRECT_URL, …)
    prisma_tls: bool = False  # the URL sets TLS in Prisma's words (sslaccept, sslidentity)
    loopback: bool = False  # the URL names this machine: localhost, 127.0.0.0/8, ::1, a Unix socket
    shadow_database_url: bool = False  # the Prisma project sets shadowDatabaseUrl
    # the client table's answer (issue 10): the row, how it was detected, and its verdict on named
    # prepared statements for this URL (`checks.client.prepared_verdict`); None: no client known
    client_row: ClientRow | None = None
    client_label: str = ""  # `ClientAnswer.describe()`
    prepared: PreparedVerdict | None = None
    # the connection budget (`--instances`, or `instances` in [tool.pgc]): None, not checked
    instances: int | None = None
    pool: ConfiguredPool | None = None  # the app's pool per instance, from the URL or the client's row


def is_loopback_host(host: str) -> bool:
    """Whether the URL's host names this machine (what the app's libpq dials, not what --resolve pins)."""
    if host == "" or host.startswith(("/", "@")) or host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class LayerResult:
    check: CheckResult
    findings: tuple[Finding, ...] = ()
    proceed: bool = True  # whether the layers after it can run


def _status(findings: Sequence[Finding]) -> Status:
    severities = {f.severity for f in findings}
    if Severity.ERROR in severities:
        return Status.FAIL
    if Severity.WARNING in severities:
        return Status.WARN
    return Status.PASS


def _result(
    layer: str,
    summary: str,
    findings: Sequence[Finding] = (),
    *,
    ms: float | None = None,
    evidence: Sequence[str] = (),
) -> LayerResult:
    status = _status(findings)
    return LayerResult(
        CheckResult(layer, status, summary, ms, tuple(evidence)),
        tuple(findings),
        proceed=status is not Status.FAIL,
    )


def skipped(layer: str, reason: str) -> CheckResult:
    return CheckResult(layer, Status.SKIP, reason)


def probe_crashed(layer: str, message: str) -> LayerResult:
    """A probe that raised instead of observing: the layer was not checked."""
    f = finding("probe-error", f"The {layer} probe failed: {message}.")
    return LayerResult(CheckResult(layer, Status.FAIL, "the probe failed (probe-error)"), (f,), proceed=False)


def not_dialed(limit: DescriptorLimit, ctx: LiveContext) -> LayerResult:
    """A target still waiting for a descriptor slot when the run's deadline came."""
    raised = f", raised from {limit.raised_from}" if limit.raised_from is not None else ""
    f = finding(
        "descriptor-limit",
        f"{ctx.name} was never dialed: the open-file limit (ulimit -n) is {limit.soft} (hard limit "
        f"{limit.hard}{raised}), so pgc probes at most {limit.slots} logins at a time, and the run's "
        f"deadline (--timeout {ctx.timeout:g} s) came before its turn.",
    )
    return _result("tcp", f"never dialed: open-file limit {limit.soft}", [f])


def _secs(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def _join(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "none"


# --------------------------------------------------------------------------- DNS


def dns_layer(obs: DnsObservation, ctx: LiveContext) -> LayerResult:
    evidence = [f"resolver: {obs.resolver}"] if obs.resolver else []
    if obs.cnames:
        evidence.append("CNAME chain: " + " → ".join((obs.host, *obs.cnames)))
    if obs.error:
        evidence.append(f"errors: {obs.error}")
    if obs.method is DnsMethod.SOCKET:
        where = obs.host or "the default socket directory"
        return _result("dns", f"Unix-domain socket in {where}: no lookup", ms=obs.ms)
    if obs.method is DnsMethod.LITERAL:
        return _result("dns", f"{obs.host} is an IP address: no lookup", ms=obs.ms)
    if obs.outcome is DnsOutcome.NOT_FOUND:
        f = finding("dns-not-found", f"{obs.resolver} answered NXDOMAIN: no host {obs.host} exists.")
        return _result("dns", f"{obs.host} does not exist (NXDOMAIN)", [f], ms=obs.ms, evidence=evidence)
    if obs.outcome is DnsOutcome.NO_ADDRESS:
        f = finding(
            "dns-not-found",
            f"{obs.host} exists but has no A or AAAA record ({obs.resolver}).",
        )
        return _result("dns", f"{obs.host} has no address records", [f], ms=obs.ms, evidence=evidence)
    if obs.outcome is DnsOutcome.FAILED:
        f = finding("dns-failed", f"Resolving {obs.host} failed: {obs.error or 'no answer'}.")
        return _result("dns", f"cannot resolve {obs.host}", [f], ms=obs.ms, evidence=evidence)
    how = {
        DnsMethod.PINNED: "pinned by --resolve",
        DnsMethod.SYSTEM: "from the hosts file",
        DnsMethod.DNS: f"via {obs.resolver}",
    }.get(obs.method, "")
    summary = f"{obs.host} → {_join(obs.addresses)} ({how})"
    findings: list[Finding] = []
    if obs.method is DnsMethod.DNS and obs.complete and obs.aaaa and not obs.a:
        route = "has" if ctx.has_ipv6_route else "has no"
        findings.append(
            finding(
                "dns-ipv6-only",
                f"{obs.host} has only AAAA records ({_join(obs.aaaa)}), no A record. This machine "
                f"{route} an IPv6 route; IPv4-only networks (many CI runners, Docker's default bridge) "
                "cannot reach it.",
                severity=Severity.INFO if ctx.has_ipv6_route else Severity.WARNING,
            )
        )
        summary += ", IPv6 only"
    return _result("dns", summary, findings, ms=obs.ms, evidence=evidence)


# --------------------------------------------------------------------------- TCP


def _attempt_text(a: TcpAttempt) -> str:
    host = f"[{a.address}]" if ":" in a.address else a.address
    extra = f" ({a.error})" if a.error else ""
    return f"{host}:{a.port} {a.outcome.value}{extra} after {_ms(a.ms)}"


def tcp_layer(obs: TcpObservation, ctx: LiveContext) -> LayerResult:
    evidence = [_attempt_text(a) for a in obs.attempts]
    if obs.side is not None:
        evidence.append(f"port {obs.side.port} of the same address: {obs.side.outcome.value}")
    connected = obs.connected
    if connected is not None:
        host = f"[{connected.address}]" if ":" in connected.address else connected.address
        summary = f"connected to {host}:{obs.port} in {_ms(connected.ms)}"
        failed = len(obs.attempts) - 1
        if failed:
            summary += f" (after {failed} address{'es' if failed > 1 else ''} failed)"
        return _result("tcp", summary, ms=obs.ms, evidence=evidence)
    if not obs.attempts:
        f = finding(
            "tcp-timeout", f"No time was left to connect to port {obs.port} (--timeout {ctx.timeout:g} s)."
        )
        return _result("tcp", "no time left to connect", [f], ms=obs.ms, evidence=evidence)
    first = obs.attempts[0]
    target = f"[{first.address}]:{obs.port}" if ":" in first.address else f"{first.address}:{obs.port}"
    if first.outcome is TcpOutcome.REFUSED:
        f = finding(
            "tcp-refused",
            f"{target} refused the connection: nothing listens on port {obs.port} there.",
            f"Check the port in {ctx.name} ({obs.port}): PostgreSQL listens on 5432 by default, PgBouncer on "
            "6432, Supabase's transaction pooler on 6543; and check that the server is running.",
        )
        return _result("tcp", f"{target} refused the connection", [f], ms=obs.ms, evidence=evidence)
    if first.outcome is TcpOutcome.TIMEOUT:
        detail = (
            f"No answer from {target} within {_secs(obs.budget)}"
            + (f" (--timeout {ctx.timeout:g} s)" if abs(obs.budget - ctx.timeout) > 0.05 else "")
            + ": the packets are dropped, not refused, as a firewall or security group does."
        )
        fix = (
            f"Allow this machine's public address on port {obs.port} in the firewall, security group or the "
            "provider's IP allow-list (network restrictions)."
        )
        side = obs.side
        if side is not None:
            if side.outcome is TcpOutcome.CONNECTED:
                detail += f" Port {side.port} of the same address answers."
                fix += (
                    f" Port {side.port} answers, so a serverless driver over HTTPS/WebSockets (Neon's, "
                    "Prisma Accelerate) would get through where port "
                    f"{obs.port} does not."
                )
            elif side.outcome is TcpOutcome.REFUSED:
                detail += f" Port {side.port} of the same address refuses connections."
            else:
                detail += f" Port {side.port} of the same address does not answer either."
        f = finding("tcp-timeout", detail, fix)
        return _result(
            "tcp", f"no answer from {target} within {_secs(obs.budget)}", [f], ms=obs.ms, evidence=evidence
        )
    if first.error in ("EMFILE", "ENFILE"):
        f = finding(
            "descriptor-limit",
            f"Connecting to {target} failed on this machine: no file descriptor left ({first.error}). "
            "Not a network fault.",
        )
        return _result("tcp", "no file descriptor left", [f], ms=obs.ms, evidence=evidence)
    ipv6 = ":" in first.address
    detail = f"Connecting to {target} failed: {first.error or first.outcome.value}"
    detail += (
        " — an IPv6 address, and this machine has no route to it." if ipv6 and not ctx.has_ipv6_route else "."
    )
    f = finding("tcp-unreachable", detail)
    return _result("tcp", f"no route to {target}", [f], ms=obs.ms, evidence=evidence)


# --------------------------------------------------------------------------- TLS


def _guess_service(preview: str) -> str:
    if preview.startswith("HTTP/"):
        return "an HTTP server"
    if preview.startswith("SSH-"):
        return "an SSH server"
    if preview.startswith(("220", "+OK", "* OK")):
        return "a mail server"
    return "not a PostgreSQL server or pooler"


def _cert_text(obs: TlsObservation) -> str:
    cert = obs.certificate
    if cert is None:
        return "certificate unreadable"
    expires = f", expires {cert.not_after:%Y-%m-%d}" if cert.not_after else ""
    issuer = "self-signed" if cert.self_issued else f"issued by {cert.issuer}"
    return f"certificate for {_join(cert.names)}, {issuer}{expires}"


def tls_layer(obs: TlsObservation, pol: TlsPolicy, ctx: LiveContext) -> LayerResult:
    evidence = [f"SSLRequest answer: {obs.answer.value}", f"sslmode={pol.sslmode}"]
    if pol.verify_chain:
        evidence.append(f"CA: {pol.cafile or 'the system trust store'} ({pol.cafile_source or 'default'})")
    if obs.preview:
        evidence.append(f"the port answered: {obs.preview!r}")
    if obs.error:
        evidence.append(f"error: {obs.error}")
    port = f"{ctx.host}:{ctx.port}"
    if obs.answer in (TlsAnswer.NOT_SUPPORTED, TlsAnswer.ERROR_RESPONSE):
        said = "N (no TLS)" if obs.answer is TlsAnswer.NOT_SUPPORTED else "with an error (no TLS)"
        if pol.wants_tls:
            f = finding(
                "tls-unsupported",
                f"The server at {port} answered SSLRequest {said}, and sslmode={pol.sslmode} requires TLS: "
                "libpq fails with `server does not support SSL, but SSL was required`.",
                f"If the server is on this machine or a private network you trust, set sslmode=disable (or "
                f"prefer) in {ctx.name}; otherwise turn on ssl on the server or in the pooler.",
            )
            return _result(
                "tls",
                f"the server has no TLS but sslmode={pol.sslmode} requires it",
                [f],
                ms=obs.ms,
                evidence=evidence,
            )
        note = (
            "not used (sslmode=disable)" if pol.sslmode == "disable" else "the connection will be unencrypted"
        )
        return _result("tls", f"the server offers no TLS: {note}", ms=obs.ms, evidence=evidence)
    if obs.answer in (TlsAnswer.OTHER, TlsAnswer.CLOSED, TlsAnswer.NO_ANSWER):
        if obs.answer is TlsAnswer.OTHER and obs.tls_record:
            what = (
                "answered SSLRequest with a TLS record: a TLS-only front end (a TLS-terminating proxy or "
                "load balancer) that expects the TLS handshake first, which libpq 17+ sends with "
                "sslnegotiation=direct"
            )
        elif obs.answer is TlsAnswer.OTHER:
            what = f"answered SSLRequest with {obs.preview!r}: {_guess_service(obs.preview)}"
        elif obs.answer is TlsAnswer.CLOSED:
            what = (
                "closed the connection without answering SSLRequest (not PostgreSQL, or a TLS-only front end)"
            )
        else:
            what = f"did not answer SSLRequest within {_secs(obs.budget)} (not PostgreSQL, or a hung server)"
        fix = f"Check host and port in {ctx.name}: PostgreSQL answers SSLRequest with S or N."
        if obs.tls_record:
            fix = (
                "If PostgreSQL 17+ is behind that front end, add sslnegotiation=direct (with "
                f"sslmode=require or stronger; libpq 17+) to {ctx.name}; otherwise check its host and port."
            )
        f = finding("not-postgres", f"{port} accepts TCP connections but {what}.", fix)
        return _result("tls", f"{port} is not PostgreSQL", [f], ms=obs.ms, evidence=evidence)
    if not obs.handshake and obs.verification in (Verification.NOT_REQUESTED, Verification.OK) and pol.direct:
        f = finding(
            "tls-handshake-failed",
            f"sslnegotiation=direct sends the TLS handshake as the very first bytes, and {port} closed the "
            f"connection on it ({obs.error or 'no handshake'}): PostgreSQL before 17 (and poolers and "
            "proxies that expect SSLRequest) read those bytes as a malformed startup packet.",
            f"Remove sslnegotiation=direct from {ctx.name} (the default, sslnegotiation=postgres, asks with "
            "SSLRequest first and works with every server), or upgrade the server to PostgreSQL 17+.",
        )
        return _result("tls", "the server does not accept direct TLS", [f], ms=obs.ms, evidence=evidence)
    if not obs.handshake and obs.verification in (Verification.NOT_REQUESTED, Verification.OK):
        f = finding(
            "tls-handshake-failed",
            f"The server at {port} agreed to TLS, but the handshake failed: {obs.error or 'unknown error'}.",
        )
        return _result("tls", "TLS handshake failed", [f], ms=obs.ms, evidence=evidence)
    cert_text = _cert_text(obs)
    evidence.append(cert_text)
    if obs.verification not in (Verification.NOT_REQUESTED, Verification.OK):
        return _verify_failed(obs, pol, ctx, cert_text, evidence)
    verified = {
        Verification.OK: "chain and host name verified" if pol.verify_host else "chain verified",
        Verification.NOT_REQUESTED: f"not verified (sslmode={pol.sslmode})",
    }[obs.verification]
    if pol.sslmode == "disable":
        summary = f"the server offers TLS ({obs.version}); sslmode=disable does not use it"
    else:
        summary = f"{obs.version}, {cert_text}; {verified}"
    return _result("tls", summary, ms=obs.ms, evidence=evidence)


def _verify_failed(
    obs: TlsObservation, pol: TlsPolicy, ctx: LiveContext, cert_text: str, evidence: list[str]
) -> LayerResult:
    cert = obs.certificate
    ca = pol.cafile or "the system trust store"
    if obs.verification is Verification.HOSTNAME_MISMATCH:
        detail = (
            f"sslmode=verify-full: {obs.verify_detail}. libpq checks the host name written in the URL, "
            "whatever address it dials."
        )
        names = _join(cert.names) if cert else "the names in the certificate"
        fix = (
            f"Use a host name the certificate is issued for ({names}) in {ctx.name}, or sslmode=verify-ca if "
            "you connect through another name on purpose."
        )
        summary = f"host name {ctx.host} is not in the certificate"
    elif obs.verification is Verification.ROOTCERT_MISSING:
        detail = f"sslmode={pol.sslmode} needs a root certificate, but the {obs.verify_detail}."
        fix = (
            f"Download the provider's CA certificate and set sslrootcert=/path/to/ca.pem in {ctx.name}, or "
            "sslmode=verify-full&sslrootcert=system when the chain is public (libpq 16+; Neon, Prisma)."
        )
        summary = "root certificate file missing"
    elif obs.verification is Verification.EXPIRED:
        when = f" on {cert.not_after:%Y-%m-%d}" if cert and cert.not_after else ""
        detail = f"The server's certificate expired{when} ({obs.verify_detail})."
        fix = (
            "Renew the server's certificate (providers rotate theirs; a self-hosted server needs a new one)."
        )
        summary = "the server's certificate has expired"
    else:
        issuer = cert.issuer if cert else "an unknown issuer"
        detail = (
            f"sslmode={pol.sslmode}: the certificate ({cert_text}) does not verify against {ca}: "
            f"{obs.verify_detail or 'certificate verify failed'}. The CA that issued it is not the one "
            "the URL trusts."
        )
        private = cert is not None and cert.self_issued
        if pol.cafile_source == "system":
            detail += (
                " sslrootcert=system trusts only the public CAs of this machine's trust store; this "
                "certificate comes from a private CA."
            )
        fix = (
            f"Point sslrootcert in {ctx.name} at the CA certificate that issued the server's certificate "
            f"({issuer})"
            + (
                ": download that CA certificate and set sslrootcert=/path/to/ca.pem (keep "
                "sslmode=verify-full)."
                if pol.cafile_source == "system"
                else "."
                if private
                else "; where the chain is public (Let's Encrypt, as Neon uses), "
                "sslmode=verify-full&sslrootcert=system "
                "(libpq 16+) trusts it."
            )
        )
        summary = "the server's certificate is not from a trusted CA"
    if ctx.prisma_tls:
        fix += (
            f" {ctx.name} uses Prisma's TLS settings: there the CA file is `sslcert` (libpq's sslrootcert) "
            "and `sslaccept=strict` means sslmode=verify-full."
        )
    f = finding("tls-verify-failed", detail, fix)
    return _result("tls", summary, [f], ms=obs.ms, evidence=evidence)


# --------------------------------------------------------------------------- auth


# libpq 16 added require_auth (fe-auth.c check_expected_areq)
REQUIRE_AUTH_LIBPQ = 160000


def auth_guard(
    *, url_require_auth: str | None, dial_sslmode: str, loopback: bool, libpq_version: int
) -> tuple[AuthGuard, str | None]:
    """Which password methods the doctor's login refuses before sending, and libpq's require_auth.

    A cleartext password goes only to a verified server (sslmode=verify-full) or when the URL asks
    for it (require_auth=password, as IAM and Azure tokens need). An MD5 hash goes over plaintext
    only to this machine. SCRAM reveals no password and is never refused."""
    if url_require_auth:
        return AuthGuard.URL, None
    if dial_sslmode == "verify-full":
        return AuthGuard.NONE, None
    if libpq_version < REQUIRE_AUTH_LIBPQ:
        return AuthGuard.UNAVAILABLE, None
    plaintext = dial_sslmode in ("disable", "allow")
    if plaintext and not loopback:
        return AuthGuard.CLEARTEXT_AND_MD5, "!password,!md5"
    return AuthGuard.CLEARTEXT, "!password"


_OLD_TOOLS_SEND = (
    " libpq 15's psql and pg_dump have no require_auth and would send it: so does any client that "
    "does not refuse it."
)


def _refused_login(obs: AuthObservation, ctx: LiveContext, kind: ConnectFailure) -> LayerResult:
    """The login the doctor refused to finish: the server asked for a password it must not get."""
    where = f"{ctx.host}:{ctx.port}"
    tls = bool(obs.sslmode not in ("disable", "allow"))
    path = (
        f"over TLS that does not verify the server (sslmode={obs.sslmode})"
        if tls
        else "over an unencrypted connection"
    )
    evidence = [
        f"require_auth={'!password,!md5' if obs.guard is AuthGuard.CLEARTEXT_AND_MD5 else '!password'}"
    ]
    if kind is ConnectFailure.CLEARTEXT_REFUSED:
        detail = (
            f"The server at {where} asked for the password in cleartext (AuthenticationCleartextPassword) "
            f"{path}; pgc refused to send it (libpq require_auth). Anyone in the path can ask for it "
            "the same way." + _OLD_TOOLS_SEND
        )
        if tls:
            fix = (
                f"Verify the server in {ctx.name}: sslmode=verify-full with sslrootcert=system where the "
                "provider's chain is public, or sslrootcert=/path/to/ca.pem. If the password is an IAM or "
                "Azure token (cleartext over TLS by design), add require_auth=password to say so."
            )
        elif ctx.loopback:
            fix = (
                "The server is on this machine: switch its pg_hba.conf method from `password` to "
                "scram-sha-256 (and set the role's password again with password_encryption=scram-sha-256)."
            )
        else:
            fix = (
                f"Turn on TLS and verify the server in {ctx.name} (sslmode=verify-full with sslrootcert), "
                "and switch the server from `password` to scram-sha-256 in pg_hba.conf."
            )
        f = finding(
            "auth-cleartext-refused",
            detail,
            fix,
            severity=Severity.WARNING if ctx.loopback else Severity.ERROR,
        )
        summary = "refused to send the password in cleartext"
    else:
        f = finding(
            "auth-md5-plaintext",
            f"The server at {where} asked for an MD5 password {path}, to another machine; pgc did not send "
            "it (libpq require_auth). The MD5 hash logs in as the role if read off the wire, and MD5 "
            "passwords are deprecated in PostgreSQL 18." + _OLD_TOOLS_SEND,
        )
        summary = "refused to send an MD5 password over plaintext"
    status = Status.FAIL if f.severity is Severity.ERROR else Status.WARN
    return LayerResult(CheckResult("auth", status, summary, obs.ms, tuple(evidence)), (f,), proceed=False)


class ConnectFailure(str, Enum):
    CLEARTEXT_REFUSED = "cleartext-refused"  # our require_auth refused a cleartext password request
    MD5_REFUSED = "md5-refused"  # our require_auth refused an MD5 request
    REQUIRE_AUTH = "require-auth"  # the URL's own require_auth refused the server's method
    CHANNEL_BINDING = "channel-binding"
    CLIENT_CERT = "client-cert"
    NOLOGIN = "nologin"
    NO_CONNECT = "no-connect"
    NOT_ACCEPTING = "not-accepting"
    ROLE_LIMIT = "role-limit"
    POOLER_DATABASE = "pooler-database"  # PgBouncer: no such database
    AUTH = "auth"
    NO_PASSWORD = "no-password"
    TENANT = "tenant"
    DATABASE_MISSING = "database-missing"
    TOO_MANY = "too-many"
    TLS_REQUIRED = "tls-required"
    TLS_UNSUPPORTED = "tls-unsupported"
    TLS_VERIFY = "tls-verify"
    HBA = "hba"
    STARTUP_PARAMETER = "startup-parameter"
    POOLER_LOGIN = "pooler-login"  # the pooler's own logins to the server fail
    TIMEOUT = "timeout"
    REFUSED = "refused"
    OTHER = "other"


# Order matters: the first matching rule wins (conninfo-facts §5.2).
_FAILURE_RULES: tuple[tuple[ConnectFailure, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (ConnectFailure.CLEARTEXT_REFUSED, r"requirement .* failed: server requested a cleartext password"),
        (ConnectFailure.MD5_REFUSED, r"requirement .* failed: server requested a hashed password"),
        (ConnectFailure.REQUIRE_AUTH, r"authentication method requirement .* failed"),
        (ConnectFailure.CHANNEL_BINDING, r"channel binding (is )?required"),
        (
            ConnectFailure.CLIENT_CERT,
            r"requires a valid client certificate|certificate required|certificate authentication failed",
        ),
        (ConnectFailure.NOLOGIN, r"is not permitted to log in"),
        (ConnectFailure.NO_CONNECT, r"permission denied for database|does not have CONNECT privilege"),
        (ConnectFailure.NOT_ACCEPTING, r"is not currently accepting connections"),
        (ConnectFailure.ROLE_LIMIT, r"too many connections for role"),
        (ConnectFailure.POOLER_DATABASE, r"no such database"),
        (ConnectFailure.TLS_UNSUPPORTED, r"server does not support SSL"),
        (
            ConnectFailure.TLS_VERIFY,
            r"certificate verify failed|does not match host name|root certificate file|"
            r"certificate has expired|SSL error: .*certificate",
        ),
        (ConnectFailure.TLS_REQUIRED, r"no pg_hba\.conf entry .*no encryption|SSL required|SSL off\b"),
        (ConnectFailure.HBA, r"no pg_hba\.conf entry|pg_hba\.conf rejects"),
        (ConnectFailure.NO_PASSWORD, r"no password supplied"),
        (
            ConnectFailure.AUTH,
            r"password authentication failed|SASL authentication failed|authentication failed",
        ),
        (ConnectFailure.TENANT, r"Tenant or user not found"),
        (ConnectFailure.DATABASE_MISSING, r'database "[^"]*" does not exist'),
        (
            ConnectFailure.TOO_MANY,
            r"too many clients|remaining connection slots|no more connections allowed|"
            r"too many connections for (role|database)|connections exceeded",
        ),
        (ConnectFailure.STARTUP_PARAMETER, r"unsupported startup parameter|unsupported options startup"),
        (ConnectFailure.POOLER_LOGIN, r"server login has been failing|server_login_retry"),
        (ConnectFailure.TIMEOUT, r"timeout expired|timed out"),
        (ConnectFailure.REFUSED, r"Connection refused"),
    )
)
_SQLSTATE_RULES = {
    "28P01": ConnectFailure.AUTH,
    "3D000": ConnectFailure.DATABASE_MISSING,
    "53300": ConnectFailure.TOO_MANY,
}


@dataclass(frozen=True)
class LoginCause:
    """What the server itself told another target of the same database and role."""

    name: str  # that target's variable
    said: Finding  # its auth finding: database-missing, auth-failed or hba-rejected


# What a login that timed out through a pooler can be explained by.
LOGIN_CAUSES = (
    "database-missing",
    "auth-failed",
    "hba-rejected",
    "role-nologin",
    "database-no-connect-privilege",
    "database-not-allowing-connections",
)


def login_timed_out_obs(obs: Observations) -> bool:
    """The login failed without the server's word: it timed out, or the pooler's own login failed."""
    if obs.cut is Layer.AUTH:
        return True
    if obs.auth is None or obs.auth.ok:
        return False
    kind = classify_connect_error(obs.auth.sqlstate, obs.auth.message, obs.auth.timed_out)
    return kind in (ConnectFailure.TIMEOUT, ConnectFailure.POOLER_LOGIN)


def _linked(cause: LoginCause, ctx: LiveContext) -> Finding:
    said = cause.said
    return finding(
        "connect-failed",
        "The login did not complete: the pooler could not open a server connection. "
        f"{cause.name}, with the same database and role, reached the server and got {said.id}: {said.detail}",
        f"{said.fix} The same change fixes {ctx.name}.",
    )


def _pooler_login_failed(said: str, ctx: LiveContext) -> Finding:
    return finding(
        "connect-failed",
        f"The pooler could not open a server connection (check database and role): {said}. It refuses "
        "clients for a while (server_login_retry) after its own login to the server failed.",
        f"Check the database name and the user in {ctx.name}: the direct URL to the same database shows "
        "the server's own error (`pgc doctor` checks both).",
    )


def login_timed_out(limit: str, ctx: LiveContext, cause: LoginCause | None = None) -> Finding:
    """A login that never completed: a failure to connect, not latency (`slow-connect` is for a
    connection that succeeded slowly). A pooler keeps its client waiting while it cannot open a
    server connection, as PgBouncer does for a database or role the server does not know.
    `cause`: what a sibling login was told by the server, which explains this one."""
    if cause is not None:
        return _linked(cause, ctx)
    return finding(
        "connect-failed",
        f"TCP and TLS answered, but the login did not complete {limit}. Most often the pooler could not "
        "open a server connection (check database and role): PgBouncer keeps its client waiting and logs "
        "`server login failed` when the server behind it does not know them. Otherwise the server is "
        "starting, overloaded or waking up.",
        f"Raise connect_timeout in {ctx.name} (e.g. connect_timeout=15){_client_timeout_fix(ctx)}: a "
        "compute waking up holds the first login for seconds. Run the doctor again with a longer "
        "--timeout: a login that then succeeds slowly is reported as slow-connect; one that still hangs "
        "through a pooler is answered by the direct URL to the same database (`pgc doctor` checks both).",
    )


def classify_connect_error(sqlstate: str | None, message: str, timed_out: bool = False) -> ConnectFailure:
    """What a failed connection attempt means, from its SQLSTATE and libpq's or the server's text."""
    if timed_out:
        return ConnectFailure.TIMEOUT
    for kind, pattern in _FAILURE_RULES:
        if pattern.search(message):
            return kind
    if sqlstate in _SQLSTATE_RULES:
        return _SQLSTATE_RULES[sqlstate]
    return ConnectFailure.OTHER


_PREFIX = re.compile(
    r'connection to server (at "[^"]*"(?: \([^)]*\))?, port \d+|on socket "[^"]*") failed:\s*', re.IGNORECASE
)


def server_message(message: str) -> str:
    """libpq's error without the `connection to server at … failed:` prefixes, on one line."""
    text = _PREFIX.sub("", message.strip())
    text = re.sub(r"^connection failed:\s*", "", text)
    text = text.rstrip(".")
    text = re.sub(r"\b(FATAL|ERROR):\s+", r"\1: ", text)
    return " ".join(text.split())


_REQUIRED_METHOD = re.compile(r'requirement "([^"]+)" failed: server (.*)', re.IGNORECASE)
_SERVER_METHODS = (
    ("SASL", "scram-sha-256"),
    ("hashed password", "md5"),
    ("cleartext password", "password"),
    ("GSSAPI", "gss"),
    ("SSPI", "sspi"),
    ("did not complete authentication", "none"),
    ("no authentication", "none"),
)


def _role_state(
    obs: AuthObservation, ctx: LiveContext, kind: ConnectFailure, said: str
) -> tuple[Finding, str] | None:
    """The server's refusal for a state of the role, the database or the auth method: its id and
    the exact change, or None for the other failures."""
    role = _ident(obs.user or "<role>")
    db = _ident(obs.dbname or obs.user or "<db>")
    if kind is ConnectFailure.NOLOGIN:
        return finding(
            "role-nologin",
            f"The server knows {obs.user} but refuses it: {said}. The role has NOLOGIN (a group role, or "
            "one made with CREATE ROLE, which defaults to NOLOGIN).",
            f"ALTER ROLE {role} LOGIN; (as a superuser or a role with CREATEROLE), or use a login role that "
            f"is a member of it in {ctx.name}.",
        ), f"role {obs.user} may not log in"
    if kind is ConnectFailure.NO_CONNECT:
        return finding(
            "database-no-connect-privilege",
            f"{said} (SQLSTATE {obs.sqlstate or '42501'}): CONNECT on {obs.dbname} was revoked from PUBLIC "
            f"and not granted to {obs.user}.",
            f"GRANT CONNECT ON DATABASE {db} TO {role}; (as the database's owner or a superuser)",
        ), f"{obs.user} lacks CONNECT on {obs.dbname}"
    if kind is ConnectFailure.NOT_ACCEPTING:
        return finding(
            "database-not-allowing-connections",
            f"{said}: the database has ALLOW_CONNECTIONS false, for every role, superusers included (a "
            "template, or a database being migrated or dropped).",
            f"ALTER DATABASE {db} ALLOW_CONNECTIONS true; or point {ctx.name} at another database.",
        ), f"database {obs.dbname} does not accept connections"
    if kind is ConnectFailure.ROLE_LIMIT:
        return finding(
            "role-connection-limit",
            f"{said}: the role's CONNECTION LIMIT is used up by its other sessions (app instances each "
            "holding a pool, a pooler's server connections).",
            f"Lower the pool size per instance or use the pooled URL; where you own the server: ALTER ROLE "
            f"{role} CONNECTION LIMIT <n>; (SELECT rolconnlimit FROM pg_roles shows it).",
        ), f"role {obs.user} has no connection left"
    if kind is ConnectFailure.CLIENT_CERT:
        return finding(
            "client-certificate-required",
            f"{said}: pg_hba.conf admits this connection only with a client certificate (`cert`, or "
            "clientcert=verify-ca/verify-full), and the URL gives none.",
            f"Add sslcert=/path/to/client.crt&sslkey=/path/to/client.key to {ctx.name} (the key file mode "
            f"0600; the certificate's CN is the role, {obs.user}), issued by the CA the server trusts "
            "(ssl_ca_file).",
        ), "the server requires a client certificate"
    if kind is ConnectFailure.POOLER_DATABASE:
        return finding(
            "pgbouncer-database-unknown",
            f"{said}: PgBouncer has no entry for {obs.dbname} in its [databases] section (and no `*` "
            "fallback). The database may well exist on the server.",
            f"Add `{obs.dbname} = host=… port=… dbname=…` to PgBouncer's [databases] section (or a `* = "
            "host=…` fallback; with auth_query, auth_dbname), then reload PgBouncer. CREATE DATABASE on the "
            "server does not help.",
        ), f"the pooler does not know database {obs.dbname}"
    if kind is ConnectFailure.CHANNEL_BINDING:
        if "did not offer" in said:
            why = (
                "the other side offered no SCRAM-SHA-256-PLUS: PgBouncer never does (it terminates TLS "
                "itself), nor does a server without TLS"
            )
            fix = (
                f"Drop channel_binding=require from {ctx.name} (or use channel_binding=prefer) and keep "
                "sslmode=verify-full for the server's identity; or connect to PostgreSQL directly."
            )
        else:
            why = (
                "the server authenticated with a method that cannot bind (an MD5 password, `password`, "
                "`trust`): the role's password is stored as MD5 or pg_hba.conf names md5"
            )
            fix = (
                f"Set {obs.user}'s password again with password_encryption=scram-sha-256 (\\password "
                "in psql) and use scram-sha-256 in pg_hba.conf; or drop channel_binding=require from "
                f"{ctx.name}."
            )
        return finding(
            "channel-binding-unsupported", f"channel_binding=require, and {why}: {said}.", fix
        ), "channel binding required but not offered"
    if kind is ConnectFailure.REQUIRE_AUTH and obs.guard is AuthGuard.URL:
        match = _REQUIRED_METHOD.search(said)
        wanted = match.group(1) if match else "the URL's"
        asked = match.group(2) if match else said
        method = next((m for key, m in _SERVER_METHODS if key.lower() in asked.lower()), None)
        uses = f"the server uses {method}" if method else f"the server asked for another method ({asked})"
        return finding(
            "require-auth-refused",
            f"require_auth={wanted} in {ctx.name} refuses what the server asks for: {said}; {uses}.",
            (
                f"Set require_auth={method} (or a list that includes it) in {ctx.name}, or drop "
                "require_auth; change the server's pg_hba.conf method instead if the server is what is "
                "wrong."
            )
            if method and method != "none"
            else f"Drop require_auth from {ctx.name}, or make the server ask for {wanted} in pg_hba.conf.",
        ), f"require_auth={wanted} refused the server's method"
    return None


def auth_layer(
    obs: AuthObservation,
    ctx: LiveContext,
    cause: LoginCause | None = None,
    *,
    accepted_by: str | None = None,
) -> LayerResult:
    """`accepted_by`: another target with the same user, password and database that logged in
    (the server accepts what the pooler refused)."""
    tls = "TLS" if obs.ssl_in_use else "no TLS"
    who = f"{obs.user or '(default user)'} to database {obs.dbname or '(default)'}"
    evidence = [
        f"one attempt: host={obs.host} hostaddr={obs.hostaddr or '-'} port={obs.port} sslmode={obs.sslmode}"
    ]
    if obs.ok:
        evidence.append(f"BackendKeyData pid {obs.backend_key_pid}, local port {obs.local_port}")
        return _result(
            "auth", f"authenticated as {who} ({tls}) in {_ms(obs.ms)}", ms=obs.ms, evidence=evidence
        )
    said = server_message(obs.message) or obs.error_type
    evidence.append(f"{obs.error_type}: {said}" + (f" (SQLSTATE {obs.sqlstate})" if obs.sqlstate else ""))
    kind = classify_connect_error(obs.sqlstate, obs.message, obs.timed_out)
    ours = obs.guard in (AuthGuard.CLEARTEXT, AuthGuard.CLEARTEXT_AND_MD5)
    if ours and kind in (ConnectFailure.CLEARTEXT_REFUSED, ConnectFailure.MD5_REFUSED):
        return _refused_login(obs, ctx, kind)
    once = (
        " pgc made exactly one attempt and does not retry: providers ban addresses after repeated failures."
    )
    user = obs.user or "(default)"
    state = _role_state(obs, ctx, kind, said)
    if state is not None:
        f, summary = state
        return _result("auth", summary, [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.AUTH and accepted_by is not None:
        f = finding(
            "pgbouncer-database-unknown",
            f"The pooler rejected user {user} ({said}), but the server itself accepts the same user and "
            f"password for database {obs.dbname or user} ({accepted_by} logged in). PgBouncer with "
            "auth_query answers a database missing from its [databases] section as a failed "
            "authentication.",
            f"Add {obs.dbname or user} to PgBouncer's [databases] section (or a `* = host=…` fallback), or "
            "set auth_dbname to a database it lists for auth_query; then reload PgBouncer. The database "
            "exists: CREATE DATABASE does not help.",
        )
        return _result("auth", "the pooler does not know the database", [f], ms=obs.ms, evidence=evidence)
    if kind in (ConnectFailure.AUTH, ConnectFailure.NO_PASSWORD, ConnectFailure.TENANT):
        if kind is ConnectFailure.NO_PASSWORD:
            detail = f"The server asks for a password and {ctx.name} has none: {said}."
        elif kind is ConnectFailure.TENANT:
            detail = f"Supavisor does not know the user {user}: {said}. It routes by postgres.<project-ref>."
        else:
            detail = f"The server rejected user {user}: {said}."
        expired = (
            " If the password is right, the role's password may have expired (VALID UNTIL in the past): "
            "the server answers exactly the same and only its log says why."
            if kind is ConnectFailure.AUTH
            else ""
        )
        f = finding(
            "auth-failed",
            detail + once + expired,
            f"Check the user and password in {ctx.name} (reserved characters must be percent-encoded: "
            "`pgc url fix`); for Supabase's pooler the user is postgres.<project-ref>."
            + (
                f" An expired password: ALTER ROLE {_ident(user)} VALID UNTIL 'infinity'; (as a superuser; "
                "SELECT rolvaliduntil FROM pg_roles shows it)."
                if expired
                else ""
            ),
        )
        return _result("auth", f"authentication failed for {user}", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.DATABASE_MISSING:
        db = obs.dbname or user
        f = finding(
            "database-missing",
            f"The server has no database {db}: {said}.",
            f"Correct the database name in {ctx.name} (the path after the host), or create it "
            f"(CREATE DATABASE {db};).",
        )
        return _result("auth", f"database {db} does not exist", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.TOO_MANY:
        f = finding(
            "too-many-connections", f"The server or pooler refused the connection for lack of slots: {said}."
        )
        return _result("auth", "no free connection slot", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.TLS_REQUIRED:
        f = finding(
            "tls-required",
            f"sslmode={obs.sslmode} connects without TLS, and the server admits only TLS: {said}.",
            f"Set sslmode=require (or verify-full with sslrootcert) in {ctx.name}.",
        )
        return _result("auth", "the server only admits TLS", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.TLS_UNSUPPORTED:
        f = finding("tls-unsupported", f"libpq: {said}.")
        return _result("auth", "the server has no TLS", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.TLS_VERIFY:
        f = finding("tls-verify-failed", f"libpq: {said}.")
        return _result("auth", "certificate verification failed", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.HBA:
        f = finding("hba-rejected", f"The server refused this client: {said}.")
        return _result(
            "auth", "pg_hba.conf does not admit this connection", [f], ms=obs.ms, evidence=evidence
        )
    if kind is ConnectFailure.STARTUP_PARAMETER:
        f = finding("startup-parameter-unsupported", f"The pooler refused the connection: {said}.")
        return _result("auth", "the pooler rejects a startup parameter", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.POOLER_LOGIN:
        f = _linked(cause, ctx) if cause is not None else _pooler_login_failed(said, ctx)
        return _result("auth", "the pooler cannot log in to the server", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.TIMEOUT:
        given = min(obs.budget, obs.connect_timeout) if obs.budget > 0 else obs.connect_timeout
        source = (
            "what was left of the run" if given < obs.connect_timeout else "connect_timeout of the attempt"
        )
        limit = f"within {_secs(given)} ({source}; --timeout {ctx.timeout:g} s)"
        f = login_timed_out(limit, ctx, cause)
        return _result("auth", f"no login {limit.partition(' (')[0]}", [f], ms=obs.ms, evidence=evidence)
    if kind is ConnectFailure.REFUSED:
        f = finding("tcp-refused", f"The server stopped accepting connections during the check: {said}.")
        return _result("auth", "connection refused", [f], ms=obs.ms, evidence=evidence)
    f = finding("connect-failed", f"The connection attempt failed: {said}.")
    return _result("auth", "connection failed", [f], ms=obs.ms, evidence=evidence)


# --------------------------------------------------------------------------- server


def old_tools(tools: Sequence[ClientTool], facts: ServerFacts) -> list[ClientTool]:
    """The local tools of an older major version than the server's."""
    major = facts.major
    if facts.error or major is None:
        return []
    return [t for t in tools if t.major is not None and t.major < major]


def server_layer(
    facts: ServerFacts, tools: Sequence[ClientTool] | None, ctx: LiveContext, *, report_old: bool = True
) -> LayerResult:
    """`tools` None: the local pg_dump and psql did not tell their versions within the run's time
    budget, so `client-tools-old` is not checked. `report_old` False: another target of the run
    reports it (once per run)."""
    if facts.error or facts.version is None:
        said = facts.error or "no answer"
        state = f" (SQLSTATE {facts.sqlstate})" if facts.sqlstate else ""
        f = finding(
            "server-query-failed",
            f"The login to {ctx.host}:{ctx.port} succeeded, but a read-only query of the server's settings "
            f"failed: {said}{state}. The app's first query would fail the same way.",
        )
        return _result("server", f"the server fails queries: {said}", [f], ms=facts.ms)
    parts = [f"PostgreSQL {facts.version}"]
    findings: list[Finding] = []
    evidence = [
        f"pg_backend_pid() {facts.backend_pid}, inet_server_port() {facts.server_port}, "
        f"inet_client_port() {facts.client_port}"
    ]
    if facts.max_connections is not None and facts.in_use is not None:
        reserved = facts.reserved or 0
        free = facts.max_connections - reserved - facts.in_use
        parts.append(f"{facts.in_use} of {facts.max_connections} connections in use, {reserved} reserved")
        if facts.max_connections > 0 and free / facts.max_connections < HEADROOM_RATIO:
            findings.append(
                finding(
                    "connection-headroom",
                    f"{facts.in_use} of max_connections={facts.max_connections} are in use (this check's own "
                    f"connection included) and {reserved} are reserved for superusers: {max(free, 0)} free, "
                    f"{max(free, 0) / facts.max_connections:.0%} (under {HEADROOM_RATIO:.0%}).",
                )
            )
    if facts.role_conn_limit is not None and facts.role_conn_limit >= 0:
        parts.append(f"role limit {facts.role_conn_limit}")
        used = facts.role_in_use
        if used is not None and used >= facts.role_conn_limit:
            role = facts.current_user or "the role"
            findings.append(
                finding(
                    "role-connection-limit",
                    f"{role} has CONNECTION LIMIT {facts.role_conn_limit} and {used} session(s) on the "
                    "server (this check's own, or its pooler's, included): the next connection fails with "
                    f'`too many connections for role "{role}"`.',
                    f"Raise it where you own the server (ALTER ROLE {_ident(role)} CONNECTION LIMIT <n>;), "
                    "or keep the app's pool per instance within it.",
                    severity=Severity.WARNING,
                )
            )
    if facts.db_conn_limit is not None and facts.db_conn_limit >= 0:
        parts.append(f"database limit {facts.db_conn_limit}")
    major = facts.major
    if tools is None:
        evidence.append(
            "pg_dump, psql: versions not known within the time budget (client-tools-old not checked)"
        )
        tools = ()
    for tool in tools:
        evidence.append(
            f"{tool.name}: {tool.version or 'not found'}" + (f" ({tool.path})" if tool.path else "")
        )
    old = old_tools(tools, facts)
    if old and report_old and major is not None:
        findings.append(client_tools_old([(t.name, t.version or "") for t in old], facts.version, major))
    if facts.in_recovery is not None:
        evidence.append(
            f"pg_is_in_recovery() {str(facts.in_recovery).lower()}, transaction_read_only "
            f"{'on' if facts.read_only else 'off'}"
        )
    read_only = read_only_finding(facts, ctx)
    if read_only is not None:
        findings.append(read_only)
        parts.append("read-only" + (" (hot standby)" if facts.in_recovery else ""))
    if facts.migration is not None:
        evidence.append(_migration_evidence(facts.migration))
    if ctx.expected_direct and not facts.in_recovery:
        findings += migration_findings(facts, ctx)
    return _result("server", "; ".join(parts), findings, ms=facts.ms, evidence=evidence)


def budget_findings(
    facts: ServerFacts, pooler: PoolerObservation | None, ctx: LiveContext
) -> tuple[list[Finding], list[str]]:
    """The doctor's `connection-budget` (with `--instances`): the app's configured pool × the
    instances against the live server's limit, and one evidence line with the slots in use now.
    Only on the app's URL (the migration URL carries no app pool); through a pooler the server's
    limit bounds the pooler's connections, not the app's: evidence, no finding."""
    if ctx.instances is None or ctx.expected_direct:
        return [], []
    from pgconnect_cli import pool as budget  # loaded only with --instances

    pooled = pooler is not None and pooler.kind.pooled
    live = budget.live_limits(facts, dialed_port=ctx.port, pooled=pooled)
    evidence = [budget.budget_evidence(ctx.pool, ctx.instances, live)]
    if live is None or ctx.pool is None:
        return [], evidence
    f = budget.configured_over_live(
        pool=ctx.pool.size, pool_source=ctx.pool.source, instances=ctx.instances, live=live, target=ctx.name
    )
    return ([f] if f is not None else []), evidence


def host_list_findings(hosts: Sequence[HostAttempt], attrs: str, ctx: LiveContext) -> list[Finding]:
    """A multi-host URL judged by where libpq lands: the hosts it passed over on the way, and a
    walk that found no host target_session_attrs accepts."""
    if len(hosts) < 2:
        return []
    out: list[Finding] = []
    landed = next((h for h in hosts if h.outcome is HostOutcome.LANDED), None)
    dead = [h for h in hosts if h.outcome is HostOutcome.UNREACHABLE]
    where = landed and f"{landed.host}:{landed.port}"
    for h in dead:
        out.append(
            finding(
                "host-unreachable-in-list",
                f"{h.host}:{h.port}, one of the {len(hosts)} hosts in {ctx.name}, cannot be reached "
                f"({h.detail}). "
                + (
                    f"libpq goes on to the next host and lands on {where}: the URL works, with one "
                    "failover fewer."
                    if landed
                    else "libpq goes on to the next host."
                ),
                f"Bring {h.host}:{h.port} back, or remove it from the host list in {ctx.name}.",
                severity=Severity.WARNING,
            )
        )
    wrong = [h for h in hosts if h.outcome is HostOutcome.WRONG_SESSION]
    if landed is None and wrong and not any(h.outcome is HostOutcome.REFUSED_LOGIN for h in hosts):
        said = "; ".join(f"{h.host}:{h.port}: {h.detail}" for h in wrong)
        if attrs in ("read-write", "primary"):
            out.append(
                finding(
                    "read-only-transaction",
                    f"target_session_attrs={attrs} in {ctx.name}, and no host in the list can write "
                    f"({said}): libpq fails with `session is read-only`.",
                    f"Add the primary (the writer endpoint) to the host list in {ctx.name}.",
                )
            )
        else:
            out.append(
                finding(
                    "connect-failed",
                    f"target_session_attrs={attrs} in {ctx.name}, and no host in the list is such a "
                    f"server ({said}): libpq fails after trying every host.",
                    f"Add a matching server to {ctx.name}, or relax target_session_attrs "
                    "(prefer-standby, any).",
                )
            )
    return out


def hosts_evidence(hosts: Sequence[HostAttempt], attrs: str) -> list[str]:
    if len(hosts) < 2:
        return []
    lines = [f"libpq's walk (target_session_attrs={attrs}):"]
    for h in hosts:
        lines.append(f"  {h.host}:{h.port} {h.outcome.value}" + (f" ({h.detail})" if h.detail else ""))
    return lines


def with_findings(result: LayerResult, extra: Sequence[Finding], evidence: Sequence[str] = ()) -> LayerResult:
    """`result` with more findings of the same layer; a layer that ran takes their status."""
    if not extra and not evidence:
        return result
    findings = (*result.findings, *extra)
    check = result.check
    status = check.status if check.status is Status.SKIP else _status(findings)
    return LayerResult(
        CheckResult(check.layer, status, check.summary, check.ms, (*check.evidence, *evidence)),
        findings,
        proceed=result.proceed,
    )


def libpq_defaults_findings(eff: Effective | None, name: str) -> list[Finding]:
    """What libpq adds to the URL from the service file and the PG* variables, and a service= that
    no service file defines."""
    if eff is None:
        return []
    out: list[Finding] = []
    service = eff.service
    if service is not None and service.path is None:
        out.append(
            finding(
                "service-not-found",
                f"{name} names service={service.name}, and no service file defines it (looked in "
                f'{", ".join(service.looked)}): libpq fails with `definition of service "{service.name}" '
                "not found`.",
                f"Add a [{service.name}] section to ~/.pg_service.conf (or the file PGSERVICEFILE names), or "
                f"set PGSERVICEFILE where the app runs.",
            )
        )
    if eff.sources:
        said = "; ".join(
            f"{key}={'****' if is_secret_keyword(key) else eff.ci.get(key)} from {where}"
            for key, where in eff.sources
        )
        out.append(
            finding(
                "libpq-defaults-applied",
                f"libpq completes {name} before it connects: {said}. The doctor probes that, as the app "
                "will connect.",
                "Nothing to change if these are meant; an unexpected value comes from the place named.",
                severity=Severity.INFO,
            )
        )
    return out


def passfile_finding(
    passfile: PassFile | None, ci: ConnInfo, auth: AuthObservation | None, name: str
) -> Finding | None:
    """A password file libpq skips because group or others may read it (it warns on stderr only)."""
    if passfile is None or not passfile.ignored or ci.password:
        return None
    failed = auth is not None and not auth.ok and "password" in auth.message.lower()
    return finding(
        "passfile-ignored",
        f"{name} has no password, and the password file {passfile.path} is mode {passfile.mode:o}: libpq "
        "ignores a password file that group or others may access (`WARNING: password file … has group "
        "or world access`, on stderr only)" + (", so the login had no password." if failed else "."),
        f"chmod 600 {passfile.path}",
        severity=Severity.ERROR if failed else Severity.WARNING,
    )


def session_attrs_mismatch(attrs: str, facts: ServerFacts) -> str:
    """Why libpq would not keep this session under target_session_attrs ("" when it would), from
    the same facts libpq reads (transaction_read_only, pg_is_in_recovery())."""
    read_only = bool(facts.read_only or facts.in_recovery)
    if attrs == "read-write" and read_only:
        return "session is read-only"
    if attrs == "read-only" and not read_only:
        return "session is not read-only"
    if attrs == "primary" and facts.in_recovery:
        return "server is in hot standby mode"
    if attrs == "standby" and not facts.in_recovery:
        return "server is not in hot standby mode"
    return ""


def read_only_finding(facts: ServerFacts, ctx: LiveContext) -> Finding | None:
    """A login whose sessions cannot write: an error for the URL meant for migrations, info for
    the app's URL (an app may only read; its writes would fail)."""
    if not facts.in_recovery and not facts.read_only:
        return None
    role = facts.current_user or "the role"
    where = f"{ctx.host}:{ctx.port}"
    if facts.in_recovery:
        detail = (
            f"pg_is_in_recovery() is true: {where} is a hot standby (a read replica, a reader endpoint). "
            "Every write fails with `cannot execute … in a read-only transaction`."
        )
        fix = (
            f"Point {ctx.name} at the primary (the writer endpoint)"
            + (
                ", where migrations can write."
                if ctx.expected_direct
                else " if the app writes; a replica is fine for reads."
            )
            + " With several hosts, target_session_attrs=read-write makes libpq pick the primary."
        )
    else:
        setting = (
            "default_transaction_read_only=on (set for the role or the database)"
            if facts.default_read_only
            else "transaction_read_only is on"
        )
        detail = (
            f"{role} logs in to a primary, but its sessions are read-only: {setting}. Every write fails "
            "with `cannot execute … in a read-only transaction`."
        )
        fix = (
            f"ALTER ROLE {_ident(role)} SET default_transaction_read_only = off; (or ALTER DATABASE … SET, "
            f"wherever it was set), or use a role that may write in {ctx.name}."
        )
    if ctx.expected_direct:
        return finding("read-only-transaction", f"{ctx.name} is meant for migrations. {detail}", fix)
    return finding(
        "read-only-transaction",
        f"{detail} Fine for an app that only reads.",
        fix,
        severity=Severity.INFO,
    )


_PLAIN_IDENT = re.compile(r"[a-z_][a-z0-9_$]*")


def _ident(name: str) -> str:
    """A SQL identifier as a fix should spell it: quoted unless it is a plain lower-case name."""
    if _PLAIN_IDENT.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _migration_evidence(m: MigrationFacts) -> str:
    state = "exists" if m.exists else "does not exist"
    create = "CREATE granted" if m.can_create else "no CREATE"
    return (
        f"migration schema {m.schema} ({m.source}): {state}, owner {m.owner or '-'}, {create}; "
        f"CREATEDB {'yes' if m.createdb else 'no'}; tables owned by other roles: {m.not_owned_count}"
    )


def migration_findings(facts: ServerFacts, ctx: LiveContext) -> list[Finding]:
    """Will the first migration on the URL meant for migrations work? Read live, never written."""
    m = facts.migration
    if m is None or facts.superuser:
        return []
    role = _ident(facts.current_user or "<role>")
    schema = _ident(m.schema)
    out: list[Finding] = []
    if not m.exists:
        made = (
            "Prisma Migrate creates it (the role has CREATE on the database); other tools do not."
            if m.can_create_schema
            else "The role has no CREATE on the database either, so no tool can create it."
        )
        out.append(
            finding(
                "schema-missing",
                f"{ctx.name} names schema {m.schema} ({m.source}), and the database {facts.database} has no "
                f"schema of that name. {made}",
                f"CREATE SCHEMA {schema} AUTHORIZATION {role}; or correct the schema in {ctx.name}"
                + ("" if m.source != "schema=" else " (Prisma's schema= parameter)")
                + ".",
                severity=Severity.WARNING if m.can_create_schema else Severity.ERROR,
            )
        )
    elif not m.can_create:
        pg15 = (
            " PostgreSQL 15 revoked CREATE on schema public from PUBLIC: only its owner (pg_database_owner)"
            " and roles granted CREATE may create tables there."
            if m.schema == "public"
            else ""
        )
        out.append(
            finding(
                "schema-create-denied",
                f"{facts.current_user} may not create objects in schema {m.schema} (owner {m.owner}): "
                f"the first migration fails with `permission denied for schema {m.schema}`.{pg15}",
                f"GRANT CREATE ON SCHEMA {schema} TO {role}; (as {m.owner or 'the owner'}), or "
                f"ALTER SCHEMA {schema} OWNER TO {role};",
            )
        )
    if m.migration_table is not None and not m.migration_table_writable:
        out.append(
            finding(
                "migration-objects-not-owned",
                f"{facts.current_user} cannot write {m.schema}.{m.migration_table}, the migration tool's own "
                "table: every migration run fails recording itself.",
                f"ALTER TABLE {schema}.{_ident(m.migration_table)} OWNER TO {role}; (or REASSIGN OWNED BY "
                f"<old role> TO {role}; as a superuser)",
                severity=Severity.ERROR,
            )
        )
    elif m.not_owned_count:
        names = ", ".join(m.not_owned) + (" …" if m.not_owned_count > len(m.not_owned) else "")
        out.append(
            finding(
                "migration-objects-not-owned",
                f"{m.not_owned_count} object(s) in schema {m.schema} belong to another role ({names}): a "
                f"migration that alters or drops them fails with `must be owner of table …`.",
                f"REASSIGN OWNED BY <their owner> TO {role}; (as a superuser), or ALTER TABLE … OWNER TO "
                f"{role}; for each, or GRANT <their owner> TO {role};",
                severity=Severity.WARNING,
            )
        )
    if ctx.client is Client.PRISMA and not ctx.shadow_database_url and not m.createdb:
        out.append(
            finding(
                "shadow-database-create-denied",
                f"{facts.current_user} has no CREATEDB: `prisma migrate dev` cannot create its shadow "
                "database (P3014). `prisma migrate deploy` does not need one.",
                f"ALTER ROLE {role} CREATEDB; or set shadowDatabaseUrl in the datasource to a second, "
                "empty database; use `prisma migrate deploy` outside development.",
                severity=Severity.WARNING,
            )
        )
    return out


# --------------------------------------------------------------------------- pooler


def pooler_layer(
    obs: PoolerObservation, suspected_pooled: bool, ctx: LiveContext | None = None
) -> LayerResult:
    evidence = [
        f"port dialed {obs.dialed_port}, inet_server_port() {obs.server_port}",
        f"local port {obs.local_port}, inet_client_port() {obs.client_port}",
        f"BackendKeyData pid {obs.key_pid}, pg_backend_pid() {obs.backend_pid}",
    ]
    for i, (before, held, after) in enumerate(obs.rounds, 1):
        if held is None:
            evidence.append(f"round {i}: client A moved from {obs.backend_pid} to {before}")
            continue
        seen = f"client A on {before}, client B's open transaction on {held}"
        evidence.append(f"round {i}: {seen}" + (f", then A on {after}" if after is not None else ""))
    if obs.refused:
        evidence.append(f"BEGIN on a second client: {obs.refused}")
    if obs.reconnect_pid is not None:
        age = (
            f", backend age {obs.reconnect_backend_age_s:.2f} s"
            if obs.reconnect_backend_age_s is not None
            else ""
        )
        evidence.append(f"after a reconnect: pg_backend_pid() {obs.reconnect_pid}{age}")
    if obs.kind is PoolerKind.UNKNOWN:
        return LayerResult(skipped("pooler", f"could not tell: {obs.error or 'no evidence'}"))
    text = {
        PoolerKind.NONE: "nothing between client and server (ports and backend pid match)",
        PoolerKind.PROXY: "a 1:1 proxy in the path (backend pid matches, ports differ): no pooling",
        PoolerKind.TRANSACTION: "transaction pooling: two clients used the same server connection in turn",
        PoolerKind.STATEMENT: "statement pooling: the pooler refuses transaction blocks (BEGIN)",
        PoolerKind.SESSION: "session pooling: a client keeps its server connection; a new client got a "
        "released one",
    }[obs.kind]
    if suspected_pooled and not obs.kind.pooled:
        text += "; the host name suggested a pooler"
    findings: list[Finding] = []
    if obs.kind is PoolerKind.STATEMENT:
        findings.append(statement_pooling(obs, ctx))
    return _result("pooler", text, findings, ms=obs.ms, evidence=evidence)


def statement_pooling(obs: PoolerObservation, ctx: LiveContext | None) -> Finding:
    """A statement-mode pool: every client that opens a transaction fails (every ORM does)."""
    name = ctx.name if ctx is not None else "the URL"
    who = (
        f"{ctx.client.value} ({ctx.client_source}) wraps its writes and migrations in transactions"
        if ctx is not None and ctx.client is not None
        else "ORMs, migration tools and most drivers' transaction helpers open transactions"
    )
    return finding(
        "statement-pooling",
        f"Confirmed live: the pooler behind {name} refused BEGIN on a second client ({obs.refused}). "
        f"{who}: each fails with `transaction blocks not allowed in statement pooling mode`.",
        f"Set pool_mode=transaction (or session) for this database in pgbouncer.ini and reload it, or "
        f"point {name} at a transaction-mode pool or at the server itself.",
    )


# --------------------------------------------------------------------------- prepared statements


def prepared_severity(client: Client | None, pgbouncer_flag: bool) -> Severity:
    """How bad a transaction pooler is for the client's named prepared statements."""
    if client is None:
        return Severity.WARNING  # no client known: it may name its statements (fixes per client listed)
    if client is Client.NODE_POSTGRES:
        return Severity.INFO  # pg prepares a named statement only for a query given a `name`
    if client is Client.PRISMA:
        return Severity.INFO if pgbouncer_flag else Severity.ERROR
    if client in (Client.PSYCOPG, Client.ASYNCPG, Client.POSTGRES_JS):
        return Severity.ERROR  # their defaults prepare statements
    return Severity.WARNING


def _prepared_fix(ctx: LiveContext) -> str:
    if ctx.client is None:
        fixes = "; ".join(f"{c.value}: {PREPARED_FIX[c]}" for c in Client if c is not Client.OTHER)
        return f"If the app prepares statements, turn them off in its client ({fixes}). `--client` picks one."
    if ctx.client is Client.PRISMA and ctx.pgbouncer_flag:
        return f"Nothing to change: pgbouncer=true in {ctx.name} turns Prisma's prepared statements off."
    return f"{ctx.client.value}: {PREPARED_FIX[ctx.client]}" + (
        f" ({ctx.name})." if ctx.client is Client.PRISMA else "."
    )


def prepared_layer(obs: PreparedObservation, ctx: LiveContext) -> LayerResult:
    evidence = [f"statement {obs.name}"]
    if obs.error:
        return LayerResult(skipped("prepared", f"could not run: {obs.error}"))
    if not obs.broke:
        return _result(
            "prepared",
            "named prepared statements survive across transactions and clients",
            ms=obs.ms,
            evidence=evidence,
        )
    evidence.append(f"{obs.step}: SQLSTATE {obs.sqlstate} {obs.message}")
    verdict = ctx.prepared
    if verdict is not None and verdict.client is not None:
        severity = verdict.severity
        who = f"Severity for client {verdict.client.id}, {ctx.client_label}: {verdict.reason}."
        fix = (
            f"Nothing to change for {verdict.client.name}: {verdict.reason}."
            if verdict.fix == "nothing to change"
            else f"{verdict.client.name}: {verdict.fix} ({ctx.name})."
        )
    else:
        severity = prepared_severity(ctx.client, ctx.pgbouncer_flag)
        who = (
            f"Severity for client {ctx.client.value} ({ctx.client_source})."
            if ctx.client
            else "Severity for no client known (see --client)."
        )
        fix = _prepared_fix(ctx)
    if ctx.expected_direct:
        # the URL for migrations must not go through the pooler at all: the pair says so, as an error
        severity = Severity.INFO
        who = f"{ctx.name} is meant to be direct: direct-url-is-pooled reports it."
        fix = (
            f"Point {ctx.name} at the PostgreSQL server itself (see direct-url-is-pooled); no client "
            "setting is needed on a direct connection."
        )
    f = finding(
        "prepared-statements-break",
        "Confirmed live: a statement prepared by one client collided with another client's on the shared "
        f"server connection ({obs.step}: SQLSTATE {obs.sqlstate}, {obs.message}). Drivers that name their "
        'prepared statements fail the same way (`prepared statement "s0" already exists`). '
        f"{who}",
        fix,
        severity=severity,
    )
    return _result(
        "prepared",
        f"named prepared statements do not survive across transactions (SQLSTATE {obs.sqlstate})",
        [f],
        ms=obs.ms,
        evidence=evidence,
    )


# --------------------------------------------------------------------------- latency


def effective_connect_timeout(ctx: LiveContext) -> tuple[float, str]:
    """(seconds, where it comes from): the URL's connect_timeout, the client's default, or --timeout."""
    raw = (ctx.url_connect_timeout or "").strip()
    if raw:
        try:
            value = int(float(raw))
        except ValueError:
            value = 0
        row = ctx.client_row
        if value > 0 and (row is None or "connect_timeout" not in row.ignores):
            return float(max(value, LIBPQ_MIN_CONNECT_TIMEOUT)), f"connect_timeout={raw} in the URL"
    if ctx.client_row is not None:
        setting = ctx.client_row.connect_timeout
        seconds = default_seconds(setting)
        said = f"{ctx.client_row.id}'s {setting.name} default, {setting.default}"
        if seconds is not None:
            return seconds, said
        return ctx.timeout, f"--timeout; {said}"
    if ctx.client in CLIENT_CONNECT_TIMEOUT:
        assert ctx.client is not None
        return float(CLIENT_CONNECT_TIMEOUT[ctx.client]), f"{ctx.client.value}'s default"
    return ctx.timeout, "--timeout"


def _client_timeout_fix(ctx: LiveContext) -> str:
    if ctx.client_row is not None:
        t = ctx.client_row.connect_timeout
        return f" and the client's own: {ctx.client_row.name}: {t.name} in {t.where} (default {t.default})"
    if ctx.client is not None and ctx.client in CLIENT_CONNECT_TIMEOUT_SETTING:
        return f" and the client's own: {ctx.client.value}: {CLIENT_CONNECT_TIMEOUT_SETTING[ctx.client]}"
    known = "; ".join(f"{c.value}: {v}" for c, v in CLIENT_CONNECT_TIMEOUT_SETTING.items())
    return f" and the client's own timeout ({known})"


def latency_layer(obs: AuthObservation, ctx: LiveContext, tls: TlsObservation | None = None) -> LayerResult:
    """The login's time, and the first connection's wait before it: a server that took seconds to
    answer SSLRequest (a compute waking up) makes the app's first connection that much slower."""
    limit, source = effective_connect_timeout(ctx)
    wait = tls.wait_ms if tls is not None else 0.0
    first = wait + obs.ms
    cold = wait >= max(obs.ms, 200.0)
    share = obs.ms / 1000 / limit if limit > 0 else 0.0
    summary = f"connected in {_ms(obs.ms)}, {share:.0%} of {_secs(limit)} ({source})"
    if cold:
        first_share = first / 1000 / limit if limit > 0 else 0.0
        summary += f"; the first connection waited {_ms(wait)} more ({first_share:.0%})"
        share = first_share
    if share < SLOW_CONNECT_RATIO:
        return _result("latency", summary, ms=obs.ms)
    row = ctx.client_row
    prisma = row.id == "prisma6" if row is not None else ctx.client is Client.PRISMA
    suggested = max(15, math.ceil(first / 1000 * 3)) if cold else max(15, int(limit * 3))
    fix = f"Raise connect_timeout in {ctx.name}, e.g. connect_timeout={suggested}" + (
        f", and pool_timeout={suggested} for Prisma." if prisma else "."
    )
    if row is not None and row.connect_timeout.where != "URL":
        t = row.connect_timeout
        value = suggested * 1000 if t.name.endswith("Millis") else suggested
        fix = f"Raise {t.name} in {t.where} ({row.name}), e.g. {t.name}: {value}."
    if not cold:
        f = finding(
            "slow-connect",
            f"Connecting (TCP, TLS and authentication) took {_ms(obs.ms)}, {share:.0%} of the effective "
            f"connect timeout of {_secs(limit)} ({source}). A slower moment (a cold start, a compute "
            "waking up) will exceed it.",
            fix,
        )
        return _result("latency", summary, [f], ms=obs.ms)
    over = share >= 1.0
    f = finding(
        "slow-connect",
        f"The first connection waited {_ms(wait)} for the server's answer to SSLRequest (a compute waking "
        f"up, a cold start), then the login took {_ms(obs.ms)}: {_ms(first)} in all, {share:.0%} of the "
        f"effective connect timeout of {_secs(limit)} ({source})."
        + (
            " The app's first connection after an idle period fails with `timeout expired`."
            if over
            else " A longer wake-up will exceed it."
        ),
        f"Raise connect_timeout in {ctx.name}, e.g. connect_timeout={suggested}{_client_timeout_fix(ctx)}.",
        severity=Severity.ERROR if over else Severity.WARNING,
    )
    return _result("latency", summary, [f], ms=obs.ms)


# --------------------------------------------------------------------------- out of time


def out_of_time(
    layer: str,
    ctx: LiveContext,
    budget: float,
    *,
    tls_answer: TlsAnswer | None = None,
    cause: LoginCause | None = None,
) -> LayerResult:
    """A layer still running when the run's time budget ended.

    `tls_answer`: what the server answered SSLRequest before the budget ended (DIRECT for
    sslnegotiation=direct, which sends none). A server that agreed to TLS and was slow in the
    handshake (a proxy waking its database) is no `not-postgres`: that is for silence."""
    limit = f"within {_secs(budget)} (--timeout {ctx.timeout:g} s)"
    port = f"{ctx.host}:{ctx.port}"
    if layer == "tls" and tls_answer is not None and tls_answer.agreed_to_tls:
        agreed = (
            "answered S (TLS) to SSLRequest"
            if tls_answer is TlsAnswer.SUPPORTED
            else "accepted the connection (sslnegotiation=direct)"
        )
        f = finding(
            "tls-handshake-failed",
            f"The server at {port} {agreed}, but there was no TLS handshake {limit}: a slow TLS front "
            "end (a proxy waking a suspended database) or a hung server.",
            "Run the doctor again with a longer --timeout: a database that was waking up answers faster "
            f"the next time. If the handshake keeps timing out, raise connect_timeout in {ctx.name} or "
            "check the TLS front end in front of the server.",
        )
        return _result(layer, f"no TLS handshake {limit}", [f])
    if layer == "dns":
        f = finding("dns-failed", f"Resolving {ctx.host} gave no answer {limit}.")
    elif layer == "tcp":
        f = finding("tcp-timeout", f"No answer from {port} {limit}.")
    elif layer == "tls":
        f = finding("not-postgres", f"{port} did not answer SSLRequest {limit}.")
    elif layer == "auth":
        f = login_timed_out(limit, ctx, cause)
    else:
        return LayerResult(
            skipped(layer, f"out of time: the run's budget ({_secs(budget)}) ended"), proceed=False
        )
    return _result(layer, f"no answer {limit}", [f])
