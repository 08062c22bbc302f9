"""The cold-start proxies of tests/fakes.py in front of a real lab server: the wait is real."""

from __future__ import annotations

import socket
import ssl
import struct
import time

import psycopg
import pytest

from pgconnect_cli import lab as pgc_lab
from tests.fakes import cold_start_proxy, tls_then_wait_proxy

pytestmark = pytest.mark.live

SSL_REQUEST = struct.pack("!II", 8, 80877103)
ASLEEP_S = 600.0  # longer than any test: the proxy is closed while it still waits
WAKE_S = 0.3


def _no_reply_within(sock: socket.socket, seconds: float) -> bool:
    """Nothing arrives for `seconds` (a TLS 1.3 session ticket is no reply: ssl consumes it)."""
    sock.settimeout(seconds)
    try:
        sock.recv(1)
    except TimeoutError:
        return True
    return False


def test_cold_start_proxy_holds_the_first_connection_while_the_compute_wakes(lab: pgc_lab.Lab) -> None:
    with cold_start_proxy("127.0.0.1", lab.postgres.port, ASLEEP_S) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as probe:
            probe.sendall(SSL_REQUEST)

            assert _no_reply_within(probe, 0.2)


def test_cold_start_proxy_forwards_once_awake(lab: pgc_lab.Lab) -> None:
    with cold_start_proxy("127.0.0.1", lab.postgres.port, WAKE_S) as port:
        started = time.monotonic()
        with psycopg.connect(lab.direct_url, host="127.0.0.1", port=port) as conn:
            waited = time.monotonic() - started
            assert conn.execute("SELECT 1").fetchone() == (1,)

    assert waited >= WAKE_S


def test_tls_then_wait_proxy_completes_tls_while_the_compute_sleeps(lab: pgc_lab.Lab) -> None:
    certs = lab.postgres.certs
    assert certs is not None
    context = ssl.create_default_context(cafile=str(certs.ca_cert))
    with tls_then_wait_proxy(
        "127.0.0.1",
        lab.postgres.port,
        ASLEEP_S,
        cert_file=str(certs.server_cert),
        key_file=str(certs.server_key),
    ) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(SSL_REQUEST)
            assert raw.recv(1) == b"S"
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(struct.pack("!II", 8 + 5, 196608) + b"user\x00")

                assert tls.version() is not None
                assert _no_reply_within(tls, 0.2)


def test_tls_then_wait_proxy_lets_the_login_through_once_awake(lab: pgc_lab.Lab) -> None:
    certs = lab.postgres.certs
    assert certs is not None
    with tls_then_wait_proxy(
        "127.0.0.1",
        lab.postgres.port,
        WAKE_S,
        cert_file=str(certs.server_cert),
        key_file=str(certs.server_key),
    ) as port:
        started = time.monotonic()
        with psycopg.connect(lab.direct_url, host="127.0.0.1", port=port) as conn:
            waited = time.monotonic() - started
            assert conn.info.pgconn.ssl_in_use
            assert conn.execute("SELECT 1").fetchone() == (1,)

    assert waited >= WAKE_S
