"""`pgc doctor` against real servers in the states users hit: standbys, read-only roles, and what
the first migration would meet (issue 11)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.lab import states
from pgconnect_cli.providers import PoolMode
from tests.doctor.helpers import check, ids, one, rewrite, target

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]
MakeRole = Callable[..., pgc_lab.Role]


# --------------------------------------------------------------------------- read-only logins


def test_hot_standby_as_direct_url_is_a_read_only_error_pointing_at_the_primary(
    standby_url: str, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={standby_url}")
    assert code == 1
    found = one(doc, "read-only-transaction")
    assert found["severity"] == "error"
    assert "pg_is_in_recovery() is true" in found["detail"]
    assert "primary" in found["fix"]
    assert "target_session_attrs=read-write" in found["fix"]


def test_hot_standby_as_app_url_is_read_only_info(standby_url: str, doctor_json: DoctorJson) -> None:
    code, doc = doctor_json("--url", f"DATABASE_URL={standby_url}")
    assert one(doc, "read-only-transaction")["severity"] == "info"
    assert code == 0


def test_read_only_role_as_direct_url_is_an_error_naming_the_role_setting(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_reader", "reader-pw-1")
    states.make_read_only(lab.postgres, role.name)
    code, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname='pgc_app')}")
    assert code == 1
    found = one(doc, "read-only-transaction")
    assert found["severity"] == "error"
    assert "default_transaction_read_only=on" in found["detail"]
    assert "ALTER ROLE pgc_reader SET default_transaction_read_only = off" in found["fix"]


def test_read_only_role_as_app_url_is_info(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_reader_app", "reader-pw-2")
    states.make_read_only(lab.postgres, role.name)
    _, doc = doctor_json("--url", f"DATABASE_URL={role.url(dbname='pgc_app')}")
    assert one(doc, "read-only-transaction")["severity"] == "info"


def test_writable_primary_has_no_read_only_finding(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    assert "read-only-transaction" not in ids(doc)


# --------------------------------------------------------------------------- will the migrations work


def test_role_without_create_on_public_is_schema_create_denied_with_the_grant(
    lab: pgc_lab.Lab, make_role: MakeRole, make_database: Callable[..., str], doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_migrator", "migrator-pw-1")
    db = make_database("pgc_nocreate")
    states.revoke_create_on_public(lab.postgres, db, role.name)
    code, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname=db)}")
    assert code == 1
    found = one(doc, "schema-create-denied")
    assert found["severity"] == "error"
    assert "permission denied for schema public" in found["detail"]
    assert "GRANT CREATE ON SCHEMA public TO pgc_migrator;" in found["fix"]


def test_role_owning_the_database_can_create_in_public(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    assert "schema-create-denied" not in ids(doc)


def test_schema_create_denied_is_not_reported_for_the_app_url(
    lab: pgc_lab.Lab, make_role: MakeRole, make_database: Callable[..., str], doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_app_only", "app-only-pw-1")
    db = make_database("pgc_nocreate_app")
    states.revoke_create_on_public(lab.postgres, db, role.name)
    _, doc = doctor_json("--url", f"DATABASE_URL={role.url(dbname=db)}")
    assert "schema-create-denied" not in ids(doc)


def test_prisma_schema_that_does_not_exist_is_schema_missing(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    url = rewrite(lab.direct_url, schema="nosuchschema")
    _, doc = doctor_json("--url", f"DIRECT_URL={url}", "--client", "prisma")
    found = one(doc, "schema-missing")
    assert "nosuchschema" in found["detail"]
    assert "CREATE SCHEMA nosuchschema AUTHORIZATION pgc_app;" in found["fix"]
    # the lab role owns its database: Prisma Migrate can create the schema itself
    assert found["severity"] == "warning"


def test_search_path_naming_a_missing_schema_is_schema_missing(
    lab: pgc_lab.Lab, make_role: MakeRole, make_database: Callable[..., str], doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_pathless", "pathless-pw-1")
    db = make_database("pgc_pathless_db")
    url = rewrite(role.url(dbname=db), options="-csearch_path=app_schema")
    _, doc = doctor_json("--url", f"DIRECT_URL={url}")
    found = one(doc, "schema-missing")
    assert found["severity"] == "error"  # the role has no CREATE on that database
    assert "app_schema (search_path)" in found["detail"]


def test_existing_prisma_schema_is_not_schema_missing(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    url = rewrite(lab.direct_url, schema="public")
    _, doc = doctor_json("--url", f"DIRECT_URL={url}", "--client", "prisma")
    assert "schema-missing" not in ids(doc)


def test_prisma_role_without_createdb_is_shadow_database_create_denied(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson, prisma_project: Path
) -> None:
    role = make_role("pgc_noshadow", "noshadow-pw-1")
    states.revoke_createdb(lab.postgres, role.name)
    _, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname='pgc_app')}")
    found = one(doc, "shadow-database-create-denied")
    assert found["severity"] == "warning"  # `migrate deploy` (production, CI) needs no shadow database
    assert "ALTER ROLE pgc_noshadow CREATEDB;" in found["fix"]
    assert "shadowDatabaseUrl" in found["fix"]


def test_prisma_project_with_shadow_database_url_needs_no_createdb(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson, prisma_project: Path
) -> None:
    schema = prisma_project / "prisma" / "schema.prisma"
    schema.write_text(
        schema.read_text().replace("}\n", '  shadowDatabaseUrl = env("SHADOW_DATABASE_URL")\n}\n'),
        encoding="utf-8",
    )
    role = make_role("pgc_shadowed", "shadowed-pw-1")
    _, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname='pgc_app')}")
    assert "shadow-database-create-denied" not in ids(doc)


def test_tables_owned_by_another_role_are_migration_objects_not_owned(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_newowner", "newowner-pw-1")
    with lab.postgres.connect_admin("pgc_app") as admin:
        admin.execute("CREATE TABLE IF NOT EXISTS pgc_foreign_table (id int)")
        admin.execute(f"GRANT CREATE ON SCHEMA public TO {role.name}")
    try:
        _, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname='pgc_app')}")
    finally:
        with lab.postgres.connect_admin("pgc_app") as admin:
            admin.execute("DROP TABLE pgc_foreign_table")
            admin.execute(f"REVOKE CREATE ON SCHEMA public FROM {role.name}")
    found = one(doc, "migration-objects-not-owned")
    assert found["severity"] == "warning"
    assert "pgc_foreign_table" in found["detail"]
    assert "REASSIGN OWNED BY" in found["fix"]


def test_unwritable_prisma_migrations_table_is_a_migration_objects_not_owned_error(
    lab: pgc_lab.Lab, make_role: MakeRole, doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_lockedout", "lockedout-pw-1")
    with lab.postgres.connect_admin("pgc_app") as admin:
        admin.execute("CREATE TABLE IF NOT EXISTS _prisma_migrations (id text)")
        admin.execute(f"GRANT CREATE ON SCHEMA public TO {role.name}")
    try:
        _, doc = doctor_json("--url", f"DIRECT_URL={role.url(dbname='pgc_app')}")
    finally:
        with lab.postgres.connect_admin("pgc_app") as admin:
            admin.execute("DROP TABLE _prisma_migrations")
            admin.execute(f"REVOKE CREATE ON SCHEMA public FROM {role.name}")
    found = one(doc, "migration-objects-not-owned")
    assert found["severity"] == "error"
    assert "_prisma_migrations" in found["detail"]
    assert "ALTER TABLE public._prisma_migrations OWNER TO pgc_lockedout;" in found["fix"]


def test_the_lab_role_in_its_own_database_has_nothing_in_the_way_of_migrations(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    blocking = {"schema-create-denied", "schema-missing", "migration-objects-not-owned"}
    assert blocking.isdisjoint(ids(doc))


# --------------------------------------------------------------------------- pooler modes


def test_statement_mode_pgbouncer_is_observed_as_statement_pooling_and_an_error(
    statement_pooled_url: str, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DATABASE_URL={statement_pooled_url}", "--client", "prisma")
    assert code == 1
    assert target(doc, "DATABASE_URL")["observed"]["pooler"] == "statement"
    found = one(doc, "statement-pooling")
    assert found["severity"] == "error"
    assert "transaction blocks not allowed" in found["detail"]
    assert "pool_mode=transaction" in found["fix"]


def test_transaction_mode_pgbouncer_is_not_statement_pooling(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DATABASE_URL={lab.pooled_url}")
    assert target(doc, "DATABASE_URL")["observed"]["pooler"] == "transaction"
    assert "statement-pooling" not in ids(doc)


def _many(url: str, count: int) -> list[str]:
    """`count` targets on one endpoint, each a login of its own (application_name differs)."""
    args: list[str] = []
    for i in range(count):
        args += ["--url", f"DATABASE_URL_{i}={rewrite(url, application_name=f'pgc_many_{i}')}"]
    return args


def test_twenty_five_targets_on_one_transaction_pool_are_all_transaction_pooling(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json(*_many(lab.pooled_url, 25), "--timeout", "10")
    assert [t["observed"]["pooler"] for t in doc["targets"]] == ["transaction"] * 25


def test_twenty_five_targets_on_one_session_pool_are_all_session_pooling(
    session_pooled_url: str, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json(*_many(session_pooled_url, 25), "--timeout", "10")
    seen = [t["observed"]["pooler"] for t in doc["targets"]]
    assert seen == ["session"] * 25, [check(doc, t["name"], "pooler")["summary"] for t in doc["targets"]]


def test_the_fingerprint_runs_once_per_endpoint(lab: pgc_lab.Lab) -> None:
    from pgconnect_cli import doctor
    from pgconnect_cli.targets import Source, Target

    urls = [rewrite(lab.pooled_url, application_name=f"pgc_once_{i}") for i in range(5)]
    report = doctor.run(
        [Target(f"DATABASE_URL_{i}", u, Source.FLAG) for i, u in enumerate(urls)], doctor.DoctorOptions()
    )
    poolers = [t.observations.pooler for t in report.targets]
    assert all(p is not None and p.kind.value == "transaction" for p in poolers)
    assert len({id(p) for p in poolers}) == 1


@pytest.fixture(scope="module", params=[PoolMode.TRANSACTION, PoolMode.SESSION], ids=lambda m: m.value)
def pool_of_four(
    request: pytest.FixtureRequest, lab_root: Path, lab: pgc_lab.Lab
) -> Iterator[pgc_lab.PgBouncer]:
    """A PgBouncer with default_pool_size=4 in front of the lab's PostgreSQL."""
    mode: PoolMode = request.param
    spec = pgc_lab.BouncerSpec(pool_mode=mode, default_pool_size=4)
    bouncer = pgc_lab.start_pgbouncer(lab_root / f"pool-of-four-{mode.value}", lab.postgres, spec)
    yield bouncer
    bouncer.stop()


def test_twenty_five_targets_on_a_pool_of_four_are_all_fingerprinted_right(
    pool_of_four: pgc_lab.PgBouncer, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json(*_many(pool_of_four.pooled_url, 25), "--timeout", "10")
    expected = pool_of_four.spec.pool_mode.value
    assert [t["observed"]["pooler"] for t in doc["targets"]] == [expected] * 25


# --------------------------------------------------------------------------- a server newer than the tools


def test_postgresql_18_beside_the_systems_15_tools_is_client_tools_old(
    pg18_url: str, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={pg18_url}")
    assert target(doc, "DIRECT_URL")["observed"]["server_version"].startswith("18.")
    found = one(doc, "client-tools-old")
    assert found["severity"] == "warning"  # the catalogue's: pg_dump 15 refuses a 18 server
    assert "postgresql-client-18" in found["fix"]
    assert code == 0
