"""The probes on their own, against loopback fakes and the lab; and the pure helpers they use."""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.checks.x509 import matches_host, parse_certificate
from pgconnect_cli.conninfo import parse
from pgconnect_cli.conninfo.convert import libpq_keywords
from pgconnect_cli.doctor import parse_pins, parse_resolver
from pgconnect_cli.errors import UsageError
from pgconnect_cli.probes import dns, postgres, tcp, tls
from tests.fakes import closed_port, dns_server, http_listener, syn_drop_port

# --------------------------------------------------------------------------- dns


def _config(server_address: str, **kw: object) -> dns.ResolverConfig:
    host, port = parse_resolver(server_address)
    return dns.ResolverConfig(nameserver=host, port=port, **kw)  # type: ignore[arg-type]


def test_dns_asks_a_and_aaaa_and_follows_cnames() -> None:
    records = {"alias.pgc.test": "CNAME db.pgc.test.", "db.pgc.test": ["127.0.0.1", "::1"]}
    with dns_server(records) as server:
        obs = dns.resolve("alias.pgc.test", _config(server.address), 2.0)
    assert obs.outcome is dns.DnsOutcome.OK
    assert (obs.a, obs.aaaa, obs.cnames) == (("127.0.0.1",), ("::1",), ("db.pgc.test",))
    assert {q for q in server.queries} >= {("alias.pgc.test", "A"), ("alias.pgc.test", "AAAA")}


def test_dns_orders_ipv6_first_when_the_machine_routes_it() -> None:
    with dns_server({"db.pgc.test": ["127.0.0.1", "::1"]}) as server:
        obs = dns.resolve("db.pgc.test", _config(server.address, prefer_ipv6=True), 2.0)
    assert obs.addresses == ("::1", "127.0.0.1")


def test_dns_tells_nxdomain_from_failure() -> None:
    with dns_server({}, fail={"broken.pgc.test": "SERVFAIL"}) as server:
        missing = dns.resolve("missing.pgc.test", _config(server.address), 2.0)
        broken = dns.resolve("broken.pgc.test", _config(server.address), 2.0)
    assert missing.outcome is dns.DnsOutcome.NOT_FOUND
    assert broken.outcome is dns.DnsOutcome.FAILED


def test_dns_server_that_never_answers_fails_within_the_budget() -> None:
    with dns_server({}, fail={"slow.pgc.test": "timeout"}) as server:
        obs = dns.resolve("slow.pgc.test", _config(server.address), 0.5)
    assert obs.outcome is dns.DnsOutcome.FAILED
    assert obs.timed_out


def test_pinned_names_and_ip_literals_need_no_lookup() -> None:
    config = dns.ResolverConfig(
        nameserver="127.0.0.1", port=closed_port(), pins={"db.prisma.io": ("127.0.0.1",)}
    )
    assert dns.resolve("DB.prisma.io.", config, 1.0).addresses == ("127.0.0.1",)
    assert dns.resolve("::1", config, 1.0).method is dns.DnsMethod.LITERAL


def test_hosts_file_names_resolve_like_the_system(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n", encoding="utf-8")
    obs = dns.resolve("localhost", dns.ResolverConfig(hosts_file=hosts), 1.0)
    assert obs.method is dns.DnsMethod.SYSTEM
    assert "127.0.0.1" in obs.addresses


# --------------------------------------------------------------------------- tcp


def test_tcp_refusal_moves_on_to_the_next_address() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        port = listener.getsockname()[1]
        obs, sock = tcp.dial(["::1", "127.0.0.1"], port, 2.0)
    finally:
        listener.close()
    assert sock is not None
    sock.close()
    assert [a.outcome for a in obs.attempts][-1] is tcp.TcpOutcome.CONNECTED
    assert obs.connected is not None and obs.connected.address == "127.0.0.1"


def test_tcp_closed_port_is_refused() -> None:
    obs, sock = tcp.dial(["127.0.0.1"], closed_port(), 1.0)
    assert sock is None
    assert obs.outcome is tcp.TcpOutcome.REFUSED


def test_tcp_dropped_syns_time_out_and_try_the_https_port_alongside() -> None:
    with syn_drop_port() as port:
        obs, sock = tcp.dial(["127.0.0.1"], port, 1.0)
    assert sock is None
    assert obs.outcome is tcp.TcpOutcome.TIMEOUT
    assert obs.side is not None and obs.side.port == 443


# --------------------------------------------------------------------------- tls


def test_sslrequest_to_an_http_server_reads_its_answer() -> None:
    with http_listener() as port:
        _, sock = tcp.dial(["127.0.0.1"], port, 1.0)
        assert sock is not None
        pol = tls.policy({"sslmode": "require"}, "127.0.0.1", {})
        obs = tls.probe(sock, pol, 2.0, lambda budget: None, "127.0.0.1")
    assert obs.answer is tls.TlsAnswer.OTHER
    assert obs.preview.startswith("HTTP/1.1 400")


def test_tls_probe_verifies_the_lab_certificate(lab: pgc_lab.Lab) -> None:
    _, sock = tcp.dial(["127.0.0.1"], lab.postgres.port, 2.0)
    assert sock is not None
    params = {"sslmode": "verify-full", "sslrootcert": str(lab.ca_cert)}
    obs = tls.probe(sock, tls.policy(params, "localhost", {}), 2.0, lambda b: None, "localhost")
    assert obs.handshake
    assert obs.verification is tls.Verification.OK
    assert obs.certificate is not None and "localhost" in obs.certificate.dns_names


_UNTIDY_GOODBYES = ("could not receive data", "unexpected EOF", "incomplete", "SSL error", "SSL SYSCALL")


def test_tls_probes_leave_the_servers_log_clean(lab: pgc_lab.Lab) -> None:
    # the probe sends close_notify and closes without waiting for the server's: the backend must
    # still see an orderly goodbye (no "could not receive data", no "unexpected EOF")
    log = lab.postgres.log_file
    start = log.stat().st_size
    params = {"sslmode": "verify-full", "sslrootcert": str(lab.ca_cert)}
    for _ in range(20):
        _, sock = tcp.dial(["127.0.0.1"], lab.postgres.port, 2.0)
        assert sock is not None
        obs = tls.probe(sock, tls.policy(params, "localhost", {}), 2.0, lambda b: None, "localhost")
        assert obs.verification is tls.Verification.OK
    marker = f"pgc-test-tls-marker-{uuid.uuid4().hex}"
    with lab.postgres.connect_admin() as admin:
        admin.execute(f"DO $$ BEGIN RAISE LOG '{marker}'; END $$")
    deadline = time.monotonic() + 10
    while marker not in (text := log.read_bytes()[start:].decode("utf-8", "replace")):
        assert time.monotonic() < deadline, "the server log never showed the marker line"
        time.sleep(0.05)
    assert text.count("connection received") >= 20
    bad = [line for line in text.splitlines() if any(s in line for s in _UNTIDY_GOODBYES)]
    assert bad == []


def test_the_login_is_timed_on_the_connection(lab: pgc_lab.Lab) -> None:
    params = libpq_keywords(parse(lab.direct_url))
    port = lab.postgres.port
    plan = postgres.ConnectPlan(
        params=postgres.plan_params(
            params,
            host="localhost",
            hostaddr="127.0.0.1",
            port=port,
            sslmode="verify-full",
            connect_timeout=5,
        ),
        host="localhost",
        hostaddr="127.0.0.1",
        port=port,
        sslmode="verify-full",
        connect_timeout=5,
        budget=5.0,
    )
    auth, conn = postgres.connect_once(plan)
    assert conn is not None
    conn.close()
    # the waits end when the server's answer reached the socket (the kernel's receive time), not
    # when the thread got to run again: a part of the time from start to finish
    assert auth.ok and auth.on_wire is not None
    assert 0 < auth.on_wire <= auth.finished - auth.started
    assert auth.ms == auth.on_wire * 1000


def test_tls_policy_follows_libpq() -> None:
    assert tls.policy({}, "db.example.com", {}).sslmode == "prefer"
    assert tls.policy({}, "db.example.com", {"PGSSLMODE": "require"}).sslmode == "require"
    assert tls.policy({"sslmode": "require"}, "10.0.0.1", {}).sni_host is None
    system = tls.policy({"sslrootcert": "system"}, "db.example.com", {})
    assert (system.sslmode, system.verify_host, system.cafile) == ("verify-full", True, None)
    assert not tls.policy({"sslmode": "require"}, "db.example.com", {}).verify_chain


def test_tls_policy_require_with_a_root_certificate_verifies_the_chain(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x", encoding="utf-8")
    pol = tls.policy({"sslmode": "require", "sslrootcert": str(ca)}, "db.example.com", {})
    assert (pol.verify_chain, pol.verify_host) == (True, False)


# --------------------------------------------------------------------------- x509


@pytest.fixture(scope="module")
def certificate_der(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    directory = tmp_path_factory.mktemp("cert")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "30",
            "-subj",
            "/CN=cn.example.com/O=Example Org",
            "-addext",
            "subjectAltName=DNS:db.example.com,DNS:*.pooler.example.com,IP:127.0.0.1,IP:::1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return ssl.PEM_cert_to_DER_cert(cert.read_text(encoding="ascii"))


def test_certificate_names_issuer_and_expiry_are_read(certificate_der: bytes) -> None:
    cert = parse_certificate(certificate_der)
    assert cert.subject_cn == "cn.example.com"
    assert cert.issuer == "cn.example.com, Example Org"
    assert cert.dns_names == ("db.example.com", "*.pooler.example.com")
    assert cert.ip_addresses == ("127.0.0.1", "::1")
    assert cert.self_issued
    assert cert.not_after is not None and cert.not_before is not None and cert.not_after > cert.not_before


@pytest.mark.parametrize(
    ("host", "matches"),
    [
        ("db.example.com", True),
        ("DB.Example.com.", True),
        ("aws-0.pooler.example.com", True),
        ("a.b.pooler.example.com", False),
        ("pooler.example.com", False),
        ("cn.example.com", False),  # the common name counts only without subjectAltName DNS entries
        ("127.0.0.1", True),
        ("::1", True),
        ("10.0.0.1", False),
    ],
)
def test_host_name_matching_follows_libpq(certificate_der: bytes, host: str, matches: bool) -> None:
    assert matches_host(parse_certificate(certificate_der), host) is matches


# --------------------------------------------------------------------------- option parsing


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("127.0.0.1", ("127.0.0.1", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)), ("[::1]:53", ("::1", 53))],
)
def test_resolver_option_takes_ip_and_port(text: str, parsed: tuple[str, int]) -> None:
    assert parse_resolver(text) == parsed


@pytest.mark.parametrize("text", ["dns.google", "127.0.0.1:0", "127.0.0.1:x", ""])
def test_bad_resolver_option_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_resolver(text)


def test_resolve_option_pins_names_like_curl() -> None:
    assert parse_pins(["DB.example.com:127.0.0.1", "v6.example.com:::1", "c.example.com:5432:127.0.0.2"]) == {
        "db.example.com": ("127.0.0.1",),
        "v6.example.com": ("::1",),
        "c.example.com": ("127.0.0.2",),
    }


@pytest.mark.parametrize("text", ["db.example.com", "db.example.com:", ":127.0.0.1", "db.example.com:nope"])
def test_bad_resolve_option_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_pins([text])
