"""Server states the suite can start (issue 11), each proven real against the server itself."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

import psycopg
import pytest

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.lab import states
from tests.conftest import MakeDatabase, MakeRole

pytestmark = pytest.mark.live

PASSWORD = "state-test-password"


def _refusal(url: str, **kwargs: str) -> str:
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect(url, connect_timeout=10, **kwargs).close()
    return str(caught.value)


def test_the_standby_is_in_recovery(standby_url: str) -> None:
    with psycopg.connect(standby_url) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)


def test_the_standby_refuses_writes_as_a_read_only_transaction(standby_url: str) -> None:
    with psycopg.connect(standby_url) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("CREATE TABLE t (id int)")


def test_the_standby_streams_from_its_primary(standby_server: pgc_lab.PostgresServer) -> None:
    with standby_server.connect_admin() as conn:
        assert conn.execute("SELECT status FROM pg_stat_wal_receiver").fetchone() == ("streaming",)


def test_the_statement_mode_pgbouncer_refuses_a_transaction_block(statement_pooled_url: str) -> None:
    with psycopg.connect(statement_pooled_url, autocommit=True) as conn:
        with pytest.raises(psycopg.Error, match="transaction blocks not allowed in statement pooling mode"):
            conn.execute("BEGIN")


def test_the_statement_mode_pgbouncer_runs_single_statements(statement_pooled_url: str) -> None:
    with psycopg.connect(statement_pooled_url, autocommit=True) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_read_only_role_cannot_write(lab: pgc_lab.Lab, make_role: MakeRole) -> None:
    role = make_role("pgc_state_ro", PASSWORD)
    states.make_read_only(lab.postgres, role.name)

    with psycopg.connect(role.url()) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("CREATE TABLE t (id int)")


def test_a_nologin_role_is_not_permitted_to_log_in(lab: pgc_lab.Lab, make_role: MakeRole) -> None:
    role = make_role("pgc_state_nologin", PASSWORD)
    states.make_nologin(lab.postgres, role.name)

    assert 'role "pgc_state_nologin" is not permitted to log in' in _refusal(role.url())


def test_a_role_with_connection_limit_1_gets_one_session(lab: pgc_lab.Lab, make_role: MakeRole) -> None:
    role = make_role("pgc_state_limit", PASSWORD)
    states.limit_connections(lab.postgres, role.name, 1)

    with psycopg.connect(role.url()):
        assert 'too many connections for role "pgc_state_limit"' in _refusal(role.url())


def test_an_expired_password_fails_like_a_wrong_one(lab: pgc_lab.Lab, make_role: MakeRole) -> None:
    role = make_role("pgc_state_expired", PASSWORD)
    states.expire_password(lab.postgres, role.name)

    assert 'password authentication failed for user "pgc_state_expired"' in _refusal(role.url())


def test_a_database_that_disallows_connections_refuses_everyone(
    lab: pgc_lab.Lab, make_database: MakeDatabase
) -> None:
    database = make_database("pgc_state_closed")
    states.disallow_connections(lab.postgres, database)

    refusal = _refusal(lab.postgres.url(dbname=database))

    assert 'database "pgc_state_closed" is not currently accepting connections' in refusal


def test_a_role_without_connect_privilege_is_denied_the_database(
    lab: pgc_lab.Lab, make_role: MakeRole, make_database: MakeDatabase
) -> None:
    role = make_role("pgc_state_noconnect", PASSWORD)
    database = make_database("pgc_state_private")
    states.revoke_connect(lab.postgres, database, role.name)

    assert 'permission denied for database "pgc_state_private"' in _refusal(role.url(dbname=database))


def test_a_role_without_create_on_public_cannot_create_a_table(lab: pgc_lab.Lab, make_role: MakeRole) -> None:
    role = make_role("pgc_state_nocreate", PASSWORD)
    states.revoke_create_on_public(lab.postgres, lab.postgres.database, role.name)

    with psycopg.connect(role.url()) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for schema public"):
            conn.execute("CREATE TABLE t (id int)")


def test_a_role_without_createdb_cannot_create_a_database(lab: pgc_lab.Lab, make_role: MakeRole) -> None:
    role = make_role("pgc_state_nocreatedb", PASSWORD)
    states.revoke_createdb(lab.postgres, role.name)

    with psycopg.connect(role.url(), autocommit=True) as conn:
        with pytest.raises(
            psycopg.errors.InsufficientPrivilege, match="permission denied to create database"
        ):
            conn.execute("CREATE DATABASE pgc_state_shadow")


def test_an_md5_role_logs_in_with_its_md5_hash(lab: pgc_lab.Lab, make_role: MakeRole) -> None:
    role = make_role("pgc_state_md5", PASSWORD, md5=True)

    with psycopg.connect(role.url()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with lab.postgres.connect_admin() as admin:
        stored = admin.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role.name,)
        ).fetchone()
    assert stored is not None and stored[0].startswith("md5")


def test_an_md5_role_cannot_log_in_with_channel_binding_required(make_role: MakeRole) -> None:
    role = make_role("pgc_state_md5_cb", PASSWORD, md5=True)

    assert "channel binding" in _refusal(role.url(), channel_binding="require")


def test_a_server_requiring_client_certificates_refuses_a_login_without_one(
    client_cert_server: pgc_lab.PostgresServer, make_role: MakeRole
) -> None:
    role = make_role("pgc_state_cert", PASSWORD, server=client_cert_server)

    assert "connection requires a valid client certificate" in _refusal(role.url())


def test_a_server_requiring_client_certificates_admits_the_roles_certificate(
    client_cert_server: pgc_lab.PostgresServer,
    make_role: MakeRole,
    lab_client_cert: Callable[[str], pgc_lab.ClientCert],
) -> None:
    role = make_role("pgc_state_cert_ok", PASSWORD, server=client_cert_server)
    cert = lab_client_cert(role.name)

    with psycopg.connect(role.url(), sslcert=str(cert.cert), sslkey=str(cert.key)) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (role.name,)


def test_pg18_server_runs_postgresql_18(pg18_url: str) -> None:
    with psycopg.connect(pg18_url) as conn:
        assert conn.info.server_version // 10000 == 18


def test_pg18_server_is_newer_than_the_systems_pg_dump(pg18_server: pgc_lab.PostgresServer) -> None:
    pg_dump = shutil.which("pg_dump")
    assert pg_dump is not None
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True, check=True).stdout
    url = pg18_server.url(password="")
    env = {**os.environ, "PGPASSWORD": pg18_server.password}

    dumped = subprocess.run(
        [pg_dump, "--schema-only", url], capture_output=True, text=True, env=env, check=False
    )

    assert version.split()[-1].startswith("15.")
    assert dumped.returncode != 0
    assert "server version mismatch" in dumped.stderr
