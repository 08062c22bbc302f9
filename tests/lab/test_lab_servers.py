"""The servers the lab starts behave like the production setups they stand in for."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import psycopg
import pytest

from pgconnect_cli import lab as pgc_lab

pytestmark = pytest.mark.live


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def _backend_pids(url: str) -> tuple[int, int]:
    """pg_backend_pid() seen by two clients connected at the same time."""
    with psycopg.connect(url, autocommit=True) as a, psycopg.connect(url, autocommit=True) as b:
        first = a.execute("SELECT pg_backend_pid()").fetchone()
        second = b.execute("SELECT pg_backend_pid()").fetchone()
    assert first is not None and second is not None
    return first[0], second[0]


def _server_port(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT inet_server_port()").fetchone()
    assert row is not None
    return int(row[0])


def test_concurrent_clients_of_the_pooled_url_share_one_server_backend(pooled_url: str) -> None:
    first, second = _backend_pids(pooled_url)

    assert first == second


def test_concurrent_clients_of_the_direct_url_get_their_own_backends(direct_url: str) -> None:
    first, second = _backend_pids(direct_url)

    assert first != second


def test_pooled_url_reaches_a_server_on_another_port_than_the_one_dialed(pooled_url: str) -> None:
    assert _server_port(pooled_url) != _port(pooled_url)


def test_direct_url_reaches_the_server_on_the_port_dialed(direct_url: str) -> None:
    assert _server_port(direct_url) == _port(direct_url)


def test_lab_urls_verify_the_server_certificate_for_localhost(lab: pgc_lab.Lab) -> None:
    for url in (lab.direct_url, lab.pooled_url):
        params = psycopg.conninfo.conninfo_to_dict(url)
        with psycopg.connect(url) as conn:
            assert conn.pgconn.ssl_in_use
        assert (params["host"], params["sslmode"], params["sslrootcert"]) == (
            "localhost",
            "verify-full",
            str(lab.ca_cert),
        )


def test_pooled_url_goes_through_pgbouncer_in_transaction_mode(lab: pgc_lab.Lab) -> None:
    with psycopg.connect(lab.pooled_url), lab.pgbouncer.connect_admin() as admin:
        pools = admin.execute("SHOW POOLS").fetchall()

    assert ("pgc_app", "pgc_app", "transaction") in {(row[0], row[1], row[-1]) for row in pools}


def test_concurrent_clients_of_the_session_pooler_get_their_own_backends(session_pooled_url: str) -> None:
    first, second = _backend_pids(session_pooled_url)

    assert first != second


def test_session_pooler_reaches_a_server_on_another_port_than_the_one_dialed(session_pooled_url: str) -> None:
    assert _server_port(session_pooled_url) != _port(session_pooled_url)


def test_tls_only_server_refuses_a_connection_without_tls(tls_only_server: pgc_lab.PostgresServer) -> None:
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(tls_only_server.direct_url, sslmode="disable")


def test_tls_only_server_admits_a_connection_with_tls(tls_only_url: str) -> None:
    with psycopg.connect(tls_only_url) as conn:
        assert conn.pgconn.ssl_in_use


def test_server_without_tls_refuses_sslmode_require(plain_url: str) -> None:
    with pytest.raises(psycopg.OperationalError, match="server does not support SSL"):
        psycopg.connect(plain_url, sslmode="require")


def test_server_without_tls_admits_a_plain_connection(plain_url: str) -> None:
    with psycopg.connect(plain_url) as conn:
        assert not conn.pgconn.ssl_in_use


def test_tiny_server_refuses_a_third_client(tiny_url: str) -> None:
    with psycopg.connect(tiny_url), psycopg.connect(tiny_url):
        with pytest.raises(psycopg.OperationalError) as refused:
            psycopg.connect(tiny_url)

    assert "remaining connection slots are reserved" in str(refused.value)


def test_a_role_with_reserved_characters_in_its_password_connects_directly_and_pooled(
    lab: pgc_lab.Lab, make_role: Callable[..., pgc_lab.Role]
) -> None:
    role = make_role("pgc odd@user", "p@ss:/?#[]% $'\"\\ word")

    for url in (role.url(), role.url(via=lab.pgbouncer)):
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT current_user").fetchone()
        assert row == ("pgc odd@user",)


def test_a_role_repr_shows_no_password(make_role: Callable[..., pgc_lab.Role]) -> None:
    role = make_role("pgc_repr", "Secret-Value-42")

    assert "Secret-Value-42" not in repr(role)


def test_failed_password_attempts_are_logged_by_the_server(
    lab: pgc_lab.Lab, make_role: Callable[..., pgc_lab.Role]
) -> None:
    role = make_role("pgc_counted", "right-password")
    needle = 'password authentication failed for user "pgc_counted"'
    before = lab.postgres.log_file.read_text().count(needle)

    for _ in range(2):
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(role.url(), password="wrong")

    assert lab.postgres.log_file.read_text().count(needle) == before + 2


def test_server_handles_hide_their_passwords_in_repr(lab: pgc_lab.Lab) -> None:
    assert lab.password not in repr(lab)
    assert lab.postgres.superuser_password not in repr(lab)
