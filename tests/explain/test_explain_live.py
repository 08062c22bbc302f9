"""Errors produced for real by psql and psycopg against the lab's servers are explained right.

Each test makes the failure happen (a wrong password, a missing database, a full server, a named
statement through PgBouncer, TLS refused either way, nothing listening, a read-only session),
captures the client's own message and asks `explain` for its first finding.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.explain import explain

_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
}


def psql_error(url: str, *sql: str, **override: str) -> str:
    """psql's stderr for the statements (one `-c` each, `select 1` by default); the settings go in
    PG* variables, never on its command line."""
    params = {**conninfo_to_dict(url), **override}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({_ENV[k]: str(v) for k, v in params.items() if k in _ENV})
    done = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", *(arg for s in sql or ("select 1",) for arg in ("-c", s))],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0, "psql succeeded where it should fail"
    return done.stderr


def psycopg_error(url: str, *sql: str, **override: str) -> str:
    """The text of the psycopg exception the connection (or the statements) raise."""
    conninfo = make_conninfo(url, **override) if override else url
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=30) as conn:
            for statement in sql:
                conn.execute(statement.encode())
    except psycopg.Error as exc:
        return str(exc)
    raise AssertionError("psycopg succeeded where it should fail")


def first_for(message: str) -> str | None:
    return explain(message).first


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def full_tiny_server(tiny_server: pgc_lab.PostgresServer) -> Iterator[pgc_lab.PostgresServer]:
    """The tiny server with both of its client slots held."""
    with ExitStack() as stack:
        for _ in range(2):
            stack.enter_context(psycopg.connect(tiny_server.direct_url, autocommit=True))
        yield tiny_server


def test_a_wrong_password_from_psql_is_auth_failed(direct_url: str) -> None:
    assert first_for(psql_error(direct_url, password="not-the-password")) == "auth-failed"


def test_a_wrong_password_from_psycopg_is_auth_failed(direct_url: str) -> None:
    assert first_for(psycopg_error(direct_url, password="not-the-password")) == "auth-failed"


def test_a_missing_database_from_psql_is_database_missing(direct_url: str) -> None:
    assert first_for(psql_error(direct_url, dbname="pgc_no_such_db")) == "database-missing"


def test_a_missing_database_from_psycopg_is_database_missing(direct_url: str) -> None:
    assert first_for(psycopg_error(direct_url, dbname="pgc_no_such_db")) == "database-missing"


def test_a_full_server_from_psql_is_too_many_connections(full_tiny_server: pgc_lab.PostgresServer) -> None:
    assert first_for(psql_error(full_tiny_server.direct_url)) == "too-many-connections"


def test_a_full_server_from_psycopg_is_too_many_connections(full_tiny_server: pgc_lab.PostgresServer) -> None:
    assert first_for(psycopg_error(full_tiny_server.direct_url)) == "too-many-connections"


# One simple query, so one transaction and one server connection: deterministic through the pool.
PREPARE_TWICE = "PREPARE pgc_explain_s AS SELECT 1; PREPARE pgc_explain_s AS SELECT 1"


def test_a_named_statement_through_pgbouncer_from_psql_is_prepared_statements_break(pooled_url: str) -> None:
    message = psql_error(pooled_url, PREPARE_TWICE)
    assert first_for(message) == "prepared-statements-break"


def test_a_named_statement_through_pgbouncer_from_psycopg_is_prepared_statements_break(
    pooled_url: str,
) -> None:
    assert first_for(psycopg_error(pooled_url, PREPARE_TWICE)) == "prepared-statements-break"


def test_plaintext_to_a_tls_only_server_from_psql_is_tls_required(tls_only_url: str) -> None:
    assert first_for(psql_error(tls_only_url, sslmode="disable")) == "tls-required"


def test_plaintext_to_a_tls_only_server_from_psycopg_is_tls_required(tls_only_url: str) -> None:
    assert first_for(psycopg_error(tls_only_url, sslmode="disable")) == "tls-required"


def test_tls_to_a_server_without_it_from_psql_is_tls_unsupported(plain_url: str) -> None:
    assert first_for(psql_error(plain_url, sslmode="require")) == "tls-unsupported"


def test_tls_to_a_server_without_it_from_psycopg_is_tls_unsupported(plain_url: str) -> None:
    assert first_for(psycopg_error(plain_url, sslmode="require")) == "tls-unsupported"


def test_nothing_listening_from_psql_is_tcp_refused(plain_url: str) -> None:
    message = psql_error(plain_url, host="127.0.0.1", port=str(free_loopback_port()))
    assert first_for(message) == "tcp-refused"


def test_nothing_listening_from_psycopg_is_tcp_refused(plain_url: str) -> None:
    message = psycopg_error(plain_url, host="127.0.0.1", port=str(free_loopback_port()))
    assert first_for(message) == "tcp-refused"


READ_ONLY = ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "CREATE TABLE pgc_explain_ro (i int)")


def test_a_write_in_a_read_only_session_from_psql_is_read_only_transaction(direct_url: str) -> None:
    assert first_for(psql_error(direct_url, *READ_ONLY)) == "read-only-transaction"


def test_a_write_in_a_read_only_session_from_psycopg_is_read_only_transaction(direct_url: str) -> None:
    assert first_for(psycopg_error(direct_url, *READ_ONLY)) == "read-only-transaction"
