"""The loopback fakes behave like the real things they stand in for."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import psycopg
import psycopg.conninfo
import pytest

from tests.fakes import (
    HTTP_RESPONSE,
    closed_port,
    counting_proxy,
    delay_proxy,
    dns_server,
    http_listener,
    syn_drop_port,
)

REPO = Path(__file__).resolve().parent.parent
SSL_REQUEST = (8).to_bytes(4, "big") + (80877103).to_bytes(4, "big")
RECORDS = {
    "db.example.test": ["127.0.0.1", "::1"],
    "v6only.example.test": ["::1"],
    "alias.example.test": ["CNAME db.example.test"],
    "alias2.example.test": "CNAME alias.example.test",
    "dangling.example.test": "CNAME gone.example.test",
    "api.deep.example.test": "127.0.0.2",
    "mail.example.test": ["MX 10 db.example.test"],
}


def _addresses(answer: dns.resolver.Answer) -> list[str]:
    return sorted(rdata.to_text() for rdata in answer)


def _raw_query(server_port: int, name: str, rdtype: str = "A", timeout: float = 2.0) -> dns.message.Message:
    return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=server_port, timeout=timeout)


def _recv_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    """A loopback TCP echo server: the upstream behind the delay proxy."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _EchoHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


# ---------------------------------------------------------------- dns_server


def test_dns_server_answers_a_query_with_the_ipv4_address() -> None:
    with dns_server(RECORDS) as server:
        answer = server.resolver().resolve("db.example.test", "A")
    assert _addresses(answer) == ["127.0.0.1"]


def test_dns_server_answers_aaaa_query_with_the_ipv6_address() -> None:
    with dns_server(RECORDS) as server:
        answer = server.resolver().resolve("db.example.test", "AAAA")
    assert _addresses(answer) == ["::1"]


def test_dns_server_works_with_a_resolver_configured_by_hand() -> None:
    with dns_server(RECORDS) as server:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = server.port
        answer = resolver.resolve("db.example.test", "A", lifetime=2.0)
    assert _addresses(answer) == ["127.0.0.1"]


def test_dns_server_answers_over_tcp_on_the_same_port() -> None:
    with dns_server(RECORDS) as server:
        answer = server.resolver().resolve("db.example.test", "A", tcp=True)
    assert _addresses(answer) == ["127.0.0.1"]


def test_dns_server_address_is_host_colon_port() -> None:
    with dns_server(RECORDS) as server:
        assert server.address == f"127.0.0.1:{server.port}"


def test_dns_server_listens_on_the_port_asked_for() -> None:
    port = closed_port()
    with dns_server(RECORDS, port=port) as server:
        answer = server.resolver().resolve("db.example.test", "A")
    assert (server.port, _addresses(answer)) == (port, ["127.0.0.1"])


def test_dns_server_follows_a_cname_chain_to_the_addresses() -> None:
    with dns_server(RECORDS) as server:
        answer = server.resolver().resolve("alias2.example.test", "AAAA")
    assert (str(answer.canonical_name), _addresses(answer)) == ("db.example.test.", ["::1"])


def test_dns_server_puts_every_cname_of_the_chain_in_the_answer() -> None:
    with dns_server(RECORDS) as server:
        response = _raw_query(server.port, "alias2.example.test", "A")
    assert [rrset.rdtype for rrset in response.answer] == [
        dns.rdatatype.CNAME,
        dns.rdatatype.CNAME,
        dns.rdatatype.A,
    ]


def test_dns_server_answers_nxdomain_for_an_unknown_name() -> None:
    with dns_server(RECORDS) as server, pytest.raises(dns.resolver.NXDOMAIN):
        server.resolver().resolve("nosuch.example.test", "A")


def test_dns_server_answers_nxdomain_for_a_cname_to_an_unknown_name() -> None:
    with dns_server(RECORDS) as server:
        response = _raw_query(server.port, "dangling.example.test")
    assert response.rcode() == dns.rcode.NXDOMAIN


def test_dns_server_answers_noerror_without_records_for_a_missing_type() -> None:
    with dns_server(RECORDS) as server:
        response = _raw_query(server.port, "v6only.example.test", "A")
    assert (response.rcode(), response.answer) == (dns.rcode.NOERROR, [])


def test_dns_server_raises_no_answer_in_dnspython_for_an_ipv6_only_name() -> None:
    with dns_server(RECORDS) as server, pytest.raises(dns.resolver.NoAnswer):
        server.resolver().resolve("v6only.example.test", "A")


def test_dns_server_treats_a_parent_of_a_known_name_as_existing() -> None:
    with dns_server(RECORDS) as server:
        response = _raw_query(server.port, "deep.example.test")
    assert (response.rcode(), response.answer) == (dns.rcode.NOERROR, [])


def test_dns_server_matches_names_case_insensitively() -> None:
    with dns_server(RECORDS) as server:
        answer = server.resolver().resolve("DB.Example.TEST", "A")
    assert _addresses(answer) == ["127.0.0.1"]


def test_dns_server_serves_other_record_types_given_as_type_and_data() -> None:
    with dns_server(RECORDS) as server:
        answer = server.resolver().resolve("mail.example.test", "MX")
    assert _addresses(answer) == ["10 db.example.test."]


def test_dns_server_answers_servfail_for_a_name_set_to_fail() -> None:
    with dns_server(RECORDS, fail={"broken.example.test": "SERVFAIL"}) as server:
        response = _raw_query(server.port, "broken.example.test")
    assert response.rcode() == dns.rcode.SERVFAIL


def test_dns_server_never_answers_a_name_set_to_time_out() -> None:
    with (
        dns_server(RECORDS, fail={"slow.example.test": "timeout"}) as server,
        pytest.raises(dns.exception.Timeout),
    ):
        _raw_query(server.port, "slow.example.test", timeout=0.3)


def test_dns_server_answers_servfail_for_a_cname_loop() -> None:
    loop = {"a.example.test": "CNAME b.example.test", "b.example.test": "CNAME a.example.test"}
    with dns_server(loop) as server:
        response = _raw_query(server.port, "a.example.test")
    assert response.rcode() == dns.rcode.SERVFAIL


def test_dns_server_sets_tc_on_an_answer_too_big_for_a_datagram() -> None:
    many = {"many.example.test": [f"127.0.1.{n}" for n in range(1, 51)]}
    with dns_server(many) as server:
        response = _raw_query(server.port, "many.example.test")
    assert (response.flags & dns.flags.TC, response.answer) == (dns.flags.TC, [])


def test_dns_server_gives_a_big_answer_in_full_to_a_resolver_retrying_over_tcp() -> None:
    # 100 A records (1.6 kB) exceed even the 1232-byte EDNS payload dnspython offers.
    many = {"many.example.test": [f"127.0.1.{n}" for n in range(1, 101)]}
    with dns_server(many) as server:
        answer = server.resolver().resolve("many.example.test", "A")
    assert len(answer) == 100


def test_dns_server_records_each_query_name_and_type() -> None:
    with dns_server(RECORDS) as server:
        resolver = server.resolver()
        resolver.resolve("db.example.test", "A")
        resolver.resolve("DB.example.test", "AAAA", tcp=True)
    assert server.queries == [("db.example.test", "A"), ("db.example.test", "AAAA")]


def test_dns_server_keeps_answering_after_a_garbage_datagram() -> None:
    with dns_server(RECORDS) as server:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as garbage:
            garbage.sendto(b"\x00\x01 not dns", ("127.0.0.1", server.port))
        answer = server.resolver().resolve("db.example.test", "A")
    assert _addresses(answer) == ["127.0.0.1"]


def test_dns_server_rejects_a_record_that_is_neither_address_nor_typed() -> None:
    with pytest.raises(ValueError, match="neither an IP address"), dns_server({"x.test": ["db"]}):
        pass


def test_dns_server_rejects_a_cname_beside_other_records() -> None:
    with pytest.raises(ValueError, match="CNAME"), dns_server({"x.test": ["CNAME y.test", "127.0.0.1"]}):
        pass


def test_dns_server_rejects_an_unknown_failure_kind() -> None:
    with pytest.raises(ValueError, match="timeout"), dns_server({}, fail={"x.test": "later"}):
        pass


# ---------------------------------------------------------------- syn_drop_port and closed_port


def test_syn_drop_port_connect_times_out_instead_of_being_refused() -> None:
    with syn_drop_port() as port, socket.socket() as client:
        client.settimeout(1.0)
        with pytest.raises(TimeoutError):
            client.connect(("127.0.0.1", port))


def test_syn_drop_port_on_ipv6_connect_times_out() -> None:
    with syn_drop_port(socket.AF_INET6) as port, socket.socket(socket.AF_INET6) as client:
        client.settimeout(0.5)
        with pytest.raises(TimeoutError):
            client.connect(("::1", port))


def test_syn_drop_port_leaves_concurrent_connects_unanswered() -> None:
    with syn_drop_port() as port:
        clients = [socket.socket() for _ in range(3)]
        try:
            for client in clients:
                client.setblocking(False)
                client.connect_ex(("127.0.0.1", port))
            # Refused or accepted, a socket would turn writable; a dropped SYN leaves it pending.
            _, answered, _ = select.select([], clients, [], 0.3)
        finally:
            for client in clients:
                client.close()
    assert answered == []


def test_closed_port_refuses_connections() -> None:
    with socket.socket() as client, pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", closed_port()))


# ---------------------------------------------------------------- http_listener


def test_http_listener_answers_sslrequest_with_h() -> None:
    with http_listener() as port, socket.create_connection(("127.0.0.1", port), timeout=2) as client:
        client.sendall(SSL_REQUEST)
        assert client.recv(1) == b"H"


def test_http_listener_replies_bad_request_and_closes() -> None:
    with http_listener() as port, socket.create_connection(("127.0.0.1", port), timeout=2) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        reply = _recv_all(client)
    assert reply == HTTP_RESPONSE
    assert reply.startswith(b"HTTP/1.1 400 Bad Request\r\n")


def test_http_listener_makes_libpq_report_an_invalid_ssl_response() -> None:
    with http_listener() as port, pytest.raises(psycopg.OperationalError, match="invalid response to SSL"):
        psycopg.connect(f"host=127.0.0.1 port={port} user=x dbname=x sslmode=prefer connect_timeout=2")


# ---------------------------------------------------------------- delay_proxy


def test_counting_proxy_forwards_and_counts_each_connection(echo_port: int) -> None:
    with counting_proxy("127.0.0.1", echo_port) as (port, accepted):
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
                client.sendall(b"ping")
                assert client.recv(4) == b"ping"
        assert len(accepted) == 3


def test_delay_proxy_forwards_bytes_both_ways(echo_port: int) -> None:
    with delay_proxy("127.0.0.1", echo_port, 0.0) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
            client.sendall(b"ping")
            assert client.recv(4) == b"ping"


def test_delay_proxy_delays_the_first_reply_by_at_least_delay_s(echo_port: int) -> None:
    delay_s = 0.3
    with delay_proxy("127.0.0.1", echo_port, delay_s) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            started = time.monotonic()
            client.sendall(b"ping")
            assert client.recv(4) == b"ping"
            took = time.monotonic() - started
    assert took >= delay_s


def test_delay_proxy_serves_connections_side_by_side(echo_port: int) -> None:
    with delay_proxy("127.0.0.1", echo_port, 0.0) as port:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=2) as first,
            socket.create_connection(("127.0.0.1", port), timeout=2) as second,
        ):
            first.sendall(b"one")
            assert first.recv(3) == b"one"
            second.sendall(b"two")
            assert second.recv(3) == b"two"
            first.sendall(b"again")
            assert first.recv(5) == b"again"


def test_delay_proxy_with_delay_first_lets_later_connections_through_at_once(echo_port: int) -> None:
    # The first connection waits far longer than the second one's socket timeout.
    with delay_proxy("127.0.0.1", echo_port, 60.0, delay_first=1) as port:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as first,
            socket.create_connection(("127.0.0.1", port), timeout=5) as second,
        ):
            first.sendall(b"cold")
            second.sendall(b"warm")
            assert second.recv(4) == b"warm"


def test_delay_proxy_passes_on_the_clients_eof(echo_port: int) -> None:
    with delay_proxy("127.0.0.1", echo_port, 0.0) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
            client.sendall(b"last words")
            client.shutdown(socket.SHUT_WR)
            assert _recv_all(client) == b"last words"


def test_delay_proxy_closes_the_client_when_upstream_refuses() -> None:
    with delay_proxy("127.0.0.1", closed_port(), 0.0) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
            assert client.recv(1) == b""


def test_delay_proxy_refuses_a_target_outside_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"), delay_proxy("192.0.2.1", 5432, 0.0):
        pass


@pytest.mark.live
def test_delay_proxy_makes_a_postgresql_connect_slow(plain_url: str) -> None:
    target = psycopg.conninfo.conninfo_to_dict(plain_url)
    delay_s = 0.3
    with delay_proxy(str(target["host"]), int(str(target["port"])), delay_s) as port:
        started = time.monotonic()
        with psycopg.connect(plain_url, host="127.0.0.1", port=port, connect_timeout=5) as conn:
            took = time.monotonic() - started
            assert conn.execute("select 1").fetchone() == (1,)
    assert took >= delay_s


# ---------------------------------------------------------------- all of them


def test_fakes_leave_no_threads_or_sockets_behind() -> None:
    threads_before = set(threading.enumerate())
    fds_before = _open_fds()
    with contextlib.ExitStack() as clients:
        with (
            dns_server(RECORDS, fail={"slow.example.test": "timeout"}) as dns_fake,
            syn_drop_port(),
            http_listener() as http_port,
            delay_proxy("127.0.0.1", http_port, 0.0) as proxy_port,
        ):
            dns_fake.resolver().resolve("db.example.test", "A", tcp=True)
            with pytest.raises(dns.exception.Timeout):
                _raw_query(dns_fake.port, "slow.example.test", timeout=0.1)
            clients.enter_context(socket.create_connection(("127.0.0.1", http_port)))
            proxied = clients.enter_context(socket.create_connection(("127.0.0.1", proxy_port)))
            proxied.sendall(SSL_REQUEST)
            assert proxied.recv(1) == b"H"
        # The fakes stopped with a silent connection and a proxied one still open.
    assert set(threading.enumerate()) == threads_before
    assert _open_fds() == fds_before


def test_tests_package_imports_the_fakes_from_the_repository_root() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from tests.fakes import dns_server, syn_drop_port"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
