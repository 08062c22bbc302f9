"""checks.live: observations in, layer results and findings out (pure, no network)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pgconnect_cli.checks import live
from pgconnect_cli.checks.live import ConnectFailure, LiveContext, classify_connect_error
from pgconnect_cli.checks.tls_policy import dial_sslmode
from pgconnect_cli.checks.x509 import Certificate
from pgconnect_cli.doctor.observations import (
    AuthObservation,
    ClientTool,
    DnsMethod,
    DnsObservation,
    DnsOutcome,
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
from pgconnect_cli.findings import Severity
from pgconnect_cli.project import Client
from pgconnect_cli.report import Status

CTX = LiveContext(name="DATABASE_URL", host="db.example.com", port=5432, timeout=5.0)


def _ids(result: live.LayerResult) -> list[tuple[str, Severity]]:
    return [(f.id, f.severity) for f in result.findings]


# --------------------------------------------------------------------------- dns


def _dns(**kw: object) -> DnsObservation:
    base: dict[str, object] = {"host": "db.example.com", "method": DnsMethod.DNS, "outcome": DnsOutcome.OK}
    base.update(kw)
    return DnsObservation(**base)  # type: ignore[arg-type]


def test_aaaa_only_name_is_dns_ipv6_only_info_with_an_ipv6_route() -> None:
    result = live.dns_layer(_dns(addresses=("2001:db8::5",), aaaa=("2001:db8::5",)), CTX)
    assert _ids(result) == [("dns-ipv6-only", Severity.INFO)]
    assert result.check.status is Status.PASS


def test_aaaa_only_name_is_dns_ipv6_only_warning_without_an_ipv6_route() -> None:
    ctx = LiveContext(name="DIRECT_URL", host="db.example.com", port=5432, timeout=5.0, has_ipv6_route=False)
    result = live.dns_layer(_dns(addresses=("2001:db8::5",), aaaa=("2001:db8::5",)), ctx)
    assert _ids(result) == [("dns-ipv6-only", Severity.WARNING)]
    assert result.check.status is Status.WARN
    assert result.proceed


def test_name_with_both_families_is_not_ipv6_only() -> None:
    obs = _dns(addresses=("192.0.2.5", "2001:db8::5"), a=("192.0.2.5",), aaaa=("2001:db8::5",))
    assert live.dns_layer(obs, CTX).findings == ()


def test_partial_answer_does_not_claim_ipv6_only() -> None:
    obs = _dns(addresses=("2001:db8::5",), aaaa=("2001:db8::5",), complete=False, error="A: timeout")
    assert live.dns_layer(obs, CTX).findings == ()


def test_nxdomain_is_dns_not_found_and_stops() -> None:
    result = live.dns_layer(_dns(outcome=DnsOutcome.NOT_FOUND, resolver="127.0.0.1:53"), CTX)
    assert _ids(result) == [("dns-not-found", Severity.ERROR)]
    assert not result.proceed


def test_name_without_address_records_is_dns_not_found() -> None:
    assert _ids(live.dns_layer(_dns(outcome=DnsOutcome.NO_ADDRESS), CTX)) == [
        ("dns-not-found", Severity.ERROR)
    ]


def test_resolver_failure_is_dns_failed() -> None:
    result = live.dns_layer(_dns(outcome=DnsOutcome.FAILED, error="A: no answer"), CTX)
    assert _ids(result) == [("dns-failed", Severity.ERROR)]


def test_ip_literal_needs_no_lookup() -> None:
    result = live.dns_layer(_dns(host="192.0.2.1", method=DnsMethod.LITERAL, addresses=("192.0.2.1",)), CTX)
    assert result.check.summary == "192.0.2.1 is an IP address: no lookup"


# --------------------------------------------------------------------------- tcp


def _tcp(outcome: TcpOutcome, side: TcpOutcome | None = None, address: str = "192.0.2.5") -> TcpObservation:
    return TcpObservation(
        port=5432,
        attempts=(TcpAttempt(address, 5432, outcome, "", 5000.0),),
        budget=5.0,
        side=TcpAttempt(address, 443, side) if side else None,
    )


def test_refusal_is_tcp_refused() -> None:
    assert _ids(live.tcp_layer(_tcp(TcpOutcome.REFUSED), CTX)) == [("tcp-refused", Severity.ERROR)]


def test_silence_is_tcp_timeout_naming_port_and_timeout() -> None:
    (found,) = live.tcp_layer(_tcp(TcpOutcome.TIMEOUT), CTX).findings
    assert found.id == "tcp-timeout"
    assert "within 5.0 s" in found.detail
    assert "port 5432" in found.fix


def test_tcp_timeout_says_when_port_443_answers() -> None:
    (found,) = live.tcp_layer(_tcp(TcpOutcome.TIMEOUT, side=TcpOutcome.CONNECTED), CTX).findings
    assert "Port 443 of the same address answers" in found.detail
    assert "serverless driver" in found.fix


def test_unreachable_ipv6_address_without_route_is_tcp_unreachable() -> None:
    ctx = LiveContext(name="DIRECT_URL", host="db.example.com", port=5432, timeout=5.0, has_ipv6_route=False)
    (found,) = live.tcp_layer(_tcp(TcpOutcome.UNREACHABLE, address="2001:db8::5"), ctx).findings
    assert found.id == "tcp-unreachable"
    assert "IPv6" in found.detail


def test_connection_after_a_failed_address_passes() -> None:
    obs = TcpObservation(
        port=5432,
        attempts=(
            TcpAttempt("2001:db8::5", 5432, TcpOutcome.UNREACHABLE, "ENETUNREACH"),
            TcpAttempt("192.0.2.5", 5432, TcpOutcome.CONNECTED, "", 3.0),
        ),
        budget=5.0,
    )
    result = live.tcp_layer(obs, CTX)
    assert result.check.status is Status.PASS
    assert "after 1 address failed" in result.check.summary


# --------------------------------------------------------------------------- tls

REQUIRE = TlsPolicy("require", "db.example.com", False, False, None, "")
VERIFY_FULL = TlsPolicy("verify-full", "db.example.com", True, True, "/ca.pem", "sslrootcert")
DISABLE = TlsPolicy("disable", "db.example.com", False, False, None, "")
CERT = Certificate(
    "db.example.com",
    "Example CA",
    None,
    ("db.example.com",),
    (),
    None,
    datetime(2030, 1, 1, tzinfo=timezone.utc),
    False,
)


def test_server_without_tls_and_sslmode_require_is_tls_unsupported() -> None:
    result = live.tls_layer(TlsObservation(TlsAnswer.NOT_SUPPORTED), REQUIRE, CTX)
    assert _ids(result) == [("tls-unsupported", Severity.ERROR)]
    assert not result.proceed


def test_server_without_tls_and_sslmode_disable_passes() -> None:
    result = live.tls_layer(TlsObservation(TlsAnswer.NOT_SUPPORTED), DISABLE, CTX)
    assert result.findings == ()
    assert result.proceed


@pytest.mark.parametrize("answer", [TlsAnswer.OTHER, TlsAnswer.CLOSED, TlsAnswer.NO_ANSWER])
def test_no_postgres_answer_to_sslrequest_is_not_postgres(answer: TlsAnswer) -> None:
    result = live.tls_layer(TlsObservation(answer, preview="HTTP/1.1 400 Bad Request"), REQUIRE, CTX)
    assert _ids(result) == [("not-postgres", Severity.ERROR)]


def test_unknown_ca_is_tls_verify_failed() -> None:
    obs = TlsObservation(TlsAnswer.SUPPORTED, certificate=CERT, verification=Verification.UNKNOWN_CA)
    (found,) = live.tls_layer(obs, VERIFY_FULL, CTX).findings
    assert found.id == "tls-verify-failed"
    assert "Example CA" in found.fix


def test_host_name_mismatch_is_tls_verify_failed_naming_the_certificate_names() -> None:
    obs = TlsObservation(
        TlsAnswer.SUPPORTED,
        handshake=True,
        certificate=CERT,
        verification=Verification.HOSTNAME_MISMATCH,
        verify_detail='the certificate is for db.example.com, not for "other.example.com"',
    )
    (found,) = live.tls_layer(obs, VERIFY_FULL, CTX).findings
    assert found.id == "tls-verify-failed"
    assert "db.example.com" in found.fix


def test_missing_root_certificate_file_is_tls_verify_failed() -> None:
    obs = TlsObservation(TlsAnswer.SUPPORTED, handshake=True, verification=Verification.ROOTCERT_MISSING)
    assert _ids(live.tls_layer(obs, VERIFY_FULL, CTX)) == [("tls-verify-failed", Severity.ERROR)]


def test_broken_handshake_is_tls_handshake_failed() -> None:
    obs = TlsObservation(TlsAnswer.SUPPORTED, error="TLSV1_ALERT_PROTOCOL_VERSION")
    assert _ids(live.tls_layer(obs, REQUIRE, CTX)) == [("tls-handshake-failed", Severity.ERROR)]


def test_verified_tls_passes_with_version_and_certificate() -> None:
    obs = TlsObservation(
        TlsAnswer.SUPPORTED, handshake=True, version="TLSv1.3", certificate=CERT, verification=Verification.OK
    )
    result = live.tls_layer(obs, VERIFY_FULL, CTX)
    assert result.check.status is Status.PASS
    assert result.check.summary.startswith("TLSv1.3, certificate for db.example.com, issued by Example CA")


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    ("sqlstate", "message", "kind"),
    [
        ("28P01", 'FATAL:  password authentication failed for user "app"', ConnectFailure.AUTH),
        (None, "FATAL:  SASL authentication failed", ConnectFailure.AUTH),
        (None, "fe_sendauth: no password supplied", ConnectFailure.NO_PASSWORD),
        (None, "FATAL:  Tenant or user not found", ConnectFailure.TENANT),
        ("3D000", 'FATAL:  database "nope" does not exist', ConnectFailure.DATABASE_MISSING),
        (None, "FATAL:  no such database: nope", ConnectFailure.POOLER_DATABASE),
        ("53300", "FATAL:  sorry, too many clients already", ConnectFailure.TOO_MANY),
        (
            None,
            "FATAL:  remaining connection slots are reserved for non-replication superuser connections",
            ConnectFailure.TOO_MANY,
        ),
        (None, "FATAL:  no more connections allowed (max_client_conn)", ConnectFailure.TOO_MANY),
        (
            None,
            'FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "a", database "b", no encryption',
            ConnectFailure.TLS_REQUIRED,
        ),
        (
            None,
            'FATAL:  no pg_hba.conf entry for host "10.0.0.1", user "a", database "b", SSL encryption',
            ConnectFailure.HBA,
        ),
        (None, "server does not support SSL, but SSL was required", ConnectFailure.TLS_UNSUPPORTED),
        (None, "SSL error: certificate verify failed", ConnectFailure.TLS_VERIFY),
        (None, 'server certificate for "localhost" does not match host name "x"', ConnectFailure.TLS_VERIFY),
        (None, "FATAL:  unsupported startup parameter: options", ConnectFailure.STARTUP_PARAMETER),
        (None, "connection timeout expired", ConnectFailure.TIMEOUT),
        (
            "08P01",
            "FATAL:  server login has been failing, try again later (server_login_retry)",
            ConnectFailure.POOLER_LOGIN,
        ),
        (None, "Connection refused", ConnectFailure.REFUSED),
        ("57P03", "FATAL:  the database system is starting up", ConnectFailure.OTHER),
    ],
)
def test_connection_errors_are_classified_by_sqlstate_and_message(
    sqlstate: str | None, message: str, kind: ConnectFailure
) -> None:
    assert classify_connect_error(sqlstate, message) is kind


def _auth(**kw: object) -> AuthObservation:
    base: dict[str, object] = {
        "ok": False,
        "host": "db.example.com",
        "hostaddr": "192.0.2.5",
        "port": 5432,
        "sslmode": "require",
        "connect_timeout": 5,
        "user": "app",
        "dbname": "app",
    }
    base.update(kw)
    return AuthObservation(**base)  # type: ignore[arg-type]


def test_failed_password_is_auth_failed_saying_it_was_tried_once() -> None:
    obs = _auth(message='connection failed: FATAL:  password authentication failed for user "app"')
    (found,) = live.auth_layer(obs, CTX).findings
    assert found.id == "auth-failed"
    assert "exactly one attempt" in found.detail
    assert 'password authentication failed for user "app"' in found.detail


def test_timed_out_login_is_connect_failed_not_slow_connect() -> None:
    obs = _auth(message="connection timeout expired", timed_out=True)
    result = live.auth_layer(obs, CTX)
    assert _ids(result) == [("connect-failed", Severity.ERROR)]
    assert "could not open a server connection (check database and role)" in result.findings[0].detail
    # a compute waking up holds the login too (Neon): the fix is the timeout, the detail names both
    assert "Raise connect_timeout" in result.findings[0].fix


def test_pooler_refusing_after_failed_server_logins_is_connect_failed_naming_database_and_role() -> None:
    obs = _auth(message="FATAL:  server login has been failing, try again later (server_login_retry)")
    (found,) = live.auth_layer(obs, CTX).findings
    assert (found.id, found.severity) == ("connect-failed", Severity.ERROR)
    assert "could not open a server connection (check database and role)" in found.detail


def test_unknown_connect_error_is_connect_failed() -> None:
    obs = _auth(message="FATAL:  the database system is shutting down", sqlstate="57P03")
    assert _ids(live.auth_layer(obs, CTX)) == [("connect-failed", Severity.ERROR)]


@pytest.mark.parametrize(
    ("url_sslmode", "answer", "dialed"),
    [
        ("prefer", "S", "require"),
        ("prefer", "N", "disable"),
        ("allow", "S", "disable"),
        ("require", "S", "require"),
        ("disable", "S", "disable"),
        ("verify-full", "S", "verify-full"),
        ("prefer", None, "prefer"),
    ],
)
def test_attempt_sslmode_is_pinned_to_the_sslrequest_answer(
    url_sslmode: str, answer: str | None, dialed: str
) -> None:
    assert dial_sslmode(url_sslmode, TlsAnswer(answer) if answer else None) == dialed


# --------------------------------------------------------------------------- server

TOOLS = (ClientTool("pg_dump", "/usr/bin/pg_dump", "15.18"), ClientTool("psql", "/usr/bin/psql", "15.18"))


def _facts(**kw: object) -> ServerFacts:
    base: dict[str, object] = {
        "version": "15.18",
        "version_num": 150018,
        "max_connections": 100,
        "reserved": 3,
        "in_use": 5,
    }
    base.update(kw)
    return ServerFacts(**base)  # type: ignore[arg-type]


def test_server_with_few_free_slots_is_connection_headroom() -> None:
    assert _ids(live.server_layer(_facts(in_use=90), TOOLS, CTX)) == [
        ("connection-headroom", Severity.WARNING)
    ]


def test_server_with_ten_percent_free_has_no_headroom_finding() -> None:
    assert live.server_layer(_facts(in_use=87), TOOLS, CTX).findings == ()


def test_newer_server_than_local_pg_dump_is_client_tools_old() -> None:
    (found,) = live.server_layer(_facts(version="17.2", version_num=170002), TOOLS, CTX).findings
    assert found.id == "client-tools-old"
    assert "postgresql-client-17" in found.fix


def test_older_server_than_local_tools_is_fine() -> None:
    assert live.server_layer(_facts(version="14.9", version_num=140009), TOOLS, CTX).findings == ()


# --------------------------------------------------------------------------- pooler and prepared statements


def test_unknown_pooler_is_skipped_with_the_reason() -> None:
    obs = PoolerObservation(PoolerKind.UNKNOWN, 6432, error="no second connection")
    result = live.pooler_layer(obs, suspected_pooled=True)
    assert result.check.status is Status.SKIP
    assert "no second connection" in result.check.summary


def test_direct_endpoint_refutes_the_pooler_name() -> None:
    obs = PoolerObservation(PoolerKind.NONE, 6432)
    assert "the host name suggested a pooler" in live.pooler_layer(obs, suspected_pooled=True).check.summary


@pytest.mark.parametrize(
    ("client", "flag", "severity"),
    [
        (Client.PRISMA, False, Severity.ERROR),
        (Client.PRISMA, True, Severity.INFO),
        (Client.PSYCOPG, False, Severity.ERROR),
        (Client.ASYNCPG, False, Severity.ERROR),
        (Client.POSTGRES_JS, False, Severity.ERROR),
        (Client.NODE_POSTGRES, False, Severity.INFO),  # pg prepares only queries given a `name`
        (Client.OTHER, False, Severity.WARNING),
        (None, False, Severity.WARNING),
    ],
)
def test_prepared_statement_severity_follows_the_client(
    client: Client | None, flag: bool, severity: Severity
) -> None:
    assert live.prepared_severity(client, flag) is severity


def test_broken_prepared_statements_fix_names_the_client_switch() -> None:
    ctx = LiveContext(name="DATABASE_URL", host="h", port=6432, timeout=5.0, client=Client.PSYCOPG)
    obs = PreparedObservation(broke=True, sqlstate="42P05", message="already exists", step="prepare")
    (found,) = live.prepared_layer(obs, ctx).findings
    assert (found.id, found.severity) == ("prepared-statements-break", Severity.ERROR)
    assert "prepare_threshold=None" in found.fix


def test_surviving_prepared_statements_pass() -> None:
    result = live.prepared_layer(PreparedObservation(broke=False), CTX)
    assert result.check.status is Status.PASS
    assert result.findings == ()


# --------------------------------------------------------------------------- latency


def test_effective_connect_timeout_prefers_the_url() -> None:
    ctx = LiveContext(name="D", host="h", port=1, timeout=5.0, client=Client.PRISMA, url_connect_timeout="30")
    assert live.effective_connect_timeout(ctx) == (30.0, "connect_timeout=30 in the URL")


def test_effective_connect_timeout_is_prismas_default_without_url_value() -> None:
    ctx = LiveContext(name="D", host="h", port=1, timeout=9.0, client=Client.PRISMA)
    assert live.effective_connect_timeout(ctx) == (5.0, "prisma's default")


def test_effective_connect_timeout_has_libpqs_two_second_minimum() -> None:
    ctx = LiveContext(name="D", host="h", port=1, timeout=9.0, url_connect_timeout="1")
    assert live.effective_connect_timeout(ctx)[0] == 2.0


def test_effective_connect_timeout_falls_back_to_the_timeout_option() -> None:
    assert live.effective_connect_timeout(CTX) == (5.0, "--timeout")


def test_connect_over_half_the_timeout_is_slow_connect() -> None:
    ctx = LiveContext(name="D", host="h", port=1, timeout=5.0, client=Client.PRISMA)
    obs = _auth(ok=True, started=0.0, finished=2.6)
    (found,) = live.latency_layer(obs, ctx).findings
    assert found.id == "slow-connect"
    assert "pool_timeout" in found.fix


def test_connect_under_half_the_timeout_is_fine() -> None:
    obs = _auth(ok=True, started=0.0, finished=2.4)
    assert live.latency_layer(obs, CTX).findings == ()


def test_layer_cut_by_the_budget_is_reported_as_its_timeout() -> None:
    assert _ids(live.out_of_time("tcp", CTX, 5.5)) == [("tcp-timeout", Severity.ERROR)]
    assert live.out_of_time("pooler", CTX, 5.5).check.status is Status.SKIP


def test_login_cut_by_the_budget_is_connect_failed_with_the_same_explanation() -> None:
    result = live.out_of_time("auth", CTX, 1.5)
    assert _ids(result) == [("connect-failed", Severity.ERROR)]
    assert "could not open a server connection (check database and role)" in result.findings[0].detail


def test_broken_prepared_statements_on_a_url_meant_to_be_direct_point_at_the_pair_finding() -> None:
    ctx = LiveContext(
        name="DIRECT_URL", host="h", port=6432, timeout=5.0, client=Client.PRISMA, expected_direct=True
    )
    obs = PreparedObservation(broke=True, sqlstate="42P05", message="already exists", step="prepare")
    (found,) = live.prepared_layer(obs, ctx).findings
    assert (found.id, found.severity) == ("prepared-statements-break", Severity.INFO)
    assert "direct-url-is-pooled" in found.fix and "pgbouncer=true" not in found.fix


@pytest.mark.parametrize("answer", [TlsAnswer.SUPPORTED, TlsAnswer.DIRECT])
def test_tls_cut_by_the_budget_after_the_server_agreed_to_tls_is_tls_handshake_failed(
    answer: TlsAnswer,
) -> None:
    result = live.out_of_time("tls", CTX, 5.5, tls_answer=answer)
    assert _ids(result) == [("tls-handshake-failed", Severity.ERROR)]
    assert "no TLS handshake within 5.5 s" in result.findings[0].detail
    assert "--timeout" in result.findings[0].fix


@pytest.mark.parametrize("answer", [None, TlsAnswer.NO_ANSWER])
def test_tls_cut_by_the_budget_without_an_ssl_request_answer_is_not_postgres(
    answer: TlsAnswer | None,
) -> None:
    result = live.out_of_time("tls", CTX, 5.5, tls_answer=answer)
    assert _ids(result) == [("not-postgres", Severity.ERROR)]


def test_client_tools_whose_versions_came_too_late_are_not_checked() -> None:
    facts = ServerFacts(version="17.2", version_num=170002)
    result = live.server_layer(facts, None, CTX)
    assert result.findings == ()
    assert any("client-tools-old not checked" in line for line in result.check.evidence)
