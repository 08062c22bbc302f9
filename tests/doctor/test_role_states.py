"""`pgc doctor` against real servers whose role, database or auth setup refuses the login: each
state named by its own finding id with the exact change (issue 11)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.lab import states
from tests.doctor.helpers import check, ids, one, rewrite, target, url_args

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]
MakeRole = Callable[..., pgc_lab.Role]
MakeDatabase = Callable[..., str]


def test_nologin_role_is_role_nologin_with_alter_role_login(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_group_role", "group-pw-1")
    states.make_nologin(lab.postgres, role.name)
    code, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname='pgc_app')}")
    assert code == 1
    found = one(doc, "role-nologin")
    assert found["severity"] == "error"
    assert "ALTER ROLE pgc_group_role LOGIN;" in found["fix"]


def test_login_role_is_not_role_nologin(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    assert "role-nologin" not in ids(doc)


def test_revoked_connect_is_database_no_connect_privilege_with_the_grant(
    lab: pgc_lab.Lab, make_role: MakeRole, make_database: MakeDatabase, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_outsider", "outsider-pw-1")
    db = make_database("pgc_private_db")
    states.revoke_connect(lab.postgres, db, role.name)
    code, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname=db)}")
    assert code == 1
    found = one(doc, "database-no-connect-privilege")
    assert found["severity"] == "error"
    assert "42501" in found["detail"]
    assert "GRANT CONNECT ON DATABASE pgc_private_db TO pgc_outsider;" in found["fix"]


def test_database_with_connect_for_public_is_not_database_no_connect_privilege(
    make_role: MakeRole, make_database: MakeDatabase, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_insider", "insider-pw-1")
    db = make_database("pgc_public_db")
    _, doc = doctor_json("--url", f"DATABASE_URL={role.url(dbname=db)}")
    assert "database-no-connect-privilege" not in ids(doc)


def test_allow_connections_false_is_database_not_allowing_connections(
    lab: pgc_lab.Lab, make_database: MakeDatabase, doctor_json: DoctorJson
) -> None:
    db = make_database("pgc_closed_db")
    states.disallow_connections(lab.postgres, db)
    code, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, dbname=db)}")
    assert code == 1
    found = one(doc, "database-not-allowing-connections")
    assert found["severity"] == "error"
    assert "ALTER DATABASE pgc_closed_db ALLOW_CONNECTIONS true;" in found["fix"]


def test_role_connection_limit_used_up_is_role_connection_limit(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_limited", "limited-pw-1")
    states.limit_connections(lab.postgres, role.name, 0)
    code, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname='pgc_app')}")
    assert code == 1
    found = one(doc, "role-connection-limit")
    assert found["severity"] == "error"
    assert "ALTER ROLE pgc_limited CONNECTION LIMIT" in found["fix"]
    assert "too-many-connections" not in ids(doc)


def test_role_at_its_connection_limit_through_pgbouncer_is_a_warning_and_skips_the_fingerprint(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_limit_one", "limit-one-pw-1")
    states.limit_connections(lab.postgres, role.name, 1)
    code, doc = doctor_json("--url", f"DATABASE_URL={role.url(via=lab.pgbouncer, dbname='pgc_app')}")
    found = one(doc, "role-connection-limit")
    assert found["severity"] == "warning"
    pooler = check(doc, "DATABASE_URL", "pooler")
    assert pooler["status"] == "skip"
    assert "CONNECTION LIMIT 1 is used up" in pooler["summary"]
    assert "out of time" not in pooler["summary"]
    assert code == 0


def test_role_without_connection_limit_has_no_role_connection_limit(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DATABASE_URL={lab.pooled_url}")
    assert "role-connection-limit" not in ids(doc)


def test_expired_password_is_named_as_a_possible_cause_of_auth_failed(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_expired", "expired-pw-1")
    states.expire_password(lab.postgres, role.name)
    code, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname='pgc_app')}")
    assert code == 1
    found = one(doc, "auth-failed")
    assert "VALID UNTIL" in found["detail"]
    assert "ALTER ROLE pgc_expired VALID UNTIL 'infinity';" in found["fix"]


def test_missing_client_certificate_is_client_certificate_required(
    client_cert_server: pgc_lab.PostgresServer, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={client_cert_server.direct_url}")
    assert code == 1
    found = one(doc, "client-certificate-required")
    assert found["severity"] == "error"
    assert "sslcert=" in found["fix"] and "sslkey=" in found["fix"]


def test_client_certificate_given_logs_in(
    client_cert_server: pgc_lab.PostgresServer,
    lab_client_cert: Callable[[str], pgc_lab.ClientCert],
    doctor_json: DoctorJson,
) -> None:
    cert = lab_client_cert("pgc_app")
    url = rewrite(client_cert_server.direct_url, sslcert=str(cert.cert), sslkey=str(cert.key))
    _, doc = doctor_json("--url", f"DATABASE_URL={url}")
    assert check(doc, "DATABASE_URL", "auth")["status"] == "pass"
    assert "client-certificate-required" not in ids(doc)


@pytest.fixture(scope="module")
def listing_bouncer(lab_root: Path, lab: pgc_lab.Lab) -> Iterator[pgc_lab.PgBouncer]:
    """A PgBouncer whose [databases] section lists only pgc_app (no `*` fallback)."""
    spec = pgc_lab.BouncerSpec(databases=("pgc_app",))
    bouncer = pgc_lab.start_pgbouncer(lab_root / "listing-bouncer", lab.postgres, spec)
    yield bouncer
    bouncer.stop()


def test_database_pgbouncer_does_not_list_is_pgbouncer_database_unknown_not_create_database(
    lab: pgc_lab.Lab, listing_bouncer: pgc_lab.PgBouncer, make_database: MakeDatabase, doctor_json: DoctorJson
) -> None:
    db = make_database("pgc_unlisted", owner="pgc_app")
    pooled = rewrite(listing_bouncer.pooled_url, dbname=db)
    direct = rewrite(lab.direct_url, dbname=db)
    code, doc = doctor_json(*url_args(DATABASE_URL=pooled, DIRECT_URL=direct))
    assert code == 1
    found = one(doc, "pgbouncer-database-unknown")
    assert found["severity"] == "error"
    assert "[databases]" in found["fix"] and "auth_dbname" in found["fix"]
    assert "CREATE DATABASE does not help" in found["fix"]
    assert "auth-failed" not in ids(doc)


def test_no_such_database_from_pgbouncer_is_pgbouncer_database_unknown(
    lab: pgc_lab.Lab, listing_bouncer: pgc_lab.PgBouncer, doctor_json: DoctorJson
) -> None:
    # the superuser is in PgBouncer's auth_file: PgBouncer then says what it lacks
    server = lab.postgres
    url = listing_bouncer.url(user=server.superuser, password=server.superuser_password, dbname="pgc_other")
    code, doc = doctor_json("--url", f"DATABASE_URL={url}")
    assert code == 1
    found = one(doc, "pgbouncer-database-unknown")
    assert "no such database" in found["detail"]
    assert "database-missing" not in ids(doc)


def test_listed_database_through_pgbouncer_is_not_pgbouncer_database_unknown(
    listing_bouncer: pgc_lab.PgBouncer, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DATABASE_URL={listing_bouncer.pooled_url}")
    assert "pgbouncer-database-unknown" not in ids(doc)


def test_channel_binding_require_through_pgbouncer_is_channel_binding_unsupported(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DATABASE_URL={rewrite(lab.pooled_url, channel_binding='require')}")
    assert code == 1
    found = one(doc, "channel-binding-unsupported")
    assert "PgBouncer" in found["detail"]
    assert "channel_binding=require" in found["fix"] and "verify-full" in found["fix"]


def test_channel_binding_require_with_an_md5_role_is_channel_binding_unsupported(
    make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_md5_user", "md5-pw-1", md5=True)
    url = rewrite(role.url(dbname="pgc_app"), channel_binding="require")
    code, doc = doctor_json("--url", f"DATABASE_URL={url}")
    assert code == 1
    found = one(doc, "channel-binding-unsupported")
    assert "MD5" in found["detail"]
    assert "password_encryption=scram-sha-256" in found["fix"]


def test_channel_binding_require_on_the_server_over_tls_works(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DATABASE_URL={rewrite(lab.direct_url, channel_binding='require')}")
    assert "channel-binding-unsupported" not in ids(doc)
    assert check(doc, "DATABASE_URL", "auth")["status"] == "pass"


def test_require_auth_refusing_the_servers_scram_is_require_auth_refused(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, require_auth='md5')}")
    assert code == 1
    found = one(doc, "require-auth-refused")
    assert found["severity"] == "error"
    assert "the server uses scram-sha-256" in found["detail"]
    assert "require_auth=scram-sha-256" in found["fix"]


def test_require_auth_naming_the_servers_method_is_not_refused(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, require_auth='scram-sha-256')}")
    assert "require-auth-refused" not in ids(doc)


def test_sslrootcert_system_against_a_private_ca_points_at_the_ca_file_not_system_again(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, sslrootcert='system')}")
    assert code == 1
    found = one(doc, "tls-verify-failed")
    assert "private CA" in found["detail"]
    assert "sslrootcert=/path/to/ca.pem" in found["fix"]
    assert "sslrootcert=system" not in found["fix"]


def test_sslnegotiation_direct_against_postgresql_15_says_to_remove_it(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, sslnegotiation='direct')}")
    assert code == 1
    found = one(doc, "tls-handshake-failed")
    assert "PostgreSQL before 17" in found["detail"]
    assert "Remove sslnegotiation=direct" in found["fix"]


def test_sslnegotiation_postgres_is_not_a_handshake_failure(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, sslnegotiation='postgres')}")
    assert "tls-handshake-failed" not in ids(doc)
    assert target(doc, "DIRECT_URL")["observed"]["tls"] is True
