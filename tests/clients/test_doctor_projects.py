"""`pgc doctor`, `pgc env init` and `pgc url check --for` in a project of each client follow the
one client answer of the client table: the report names the client and prints that client's own
fix, and no command suggests `pgbouncer=true` to a client that rejects or ignores it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgconnect_cli import known_clients
from tests.clients.conftest import VerdictOf
from tests.clients.verdict import PREPARED, invoke, project

OFFLINE_POOLED = "postgresql://app:secret@127.0.0.1:6432/app?sslmode=require"
DIRECT = "postgresql://app:secret@127.0.0.1:5432/app?sslmode=require"

# (project, the row the doctor must name) — every one confirmed live to break on the lab's PgBouncer
PROJECTS = [
    ("psycopg", "psycopg"),
    ("asyncpg", "asyncpg"),
    ("sqlalchemy-asyncpg", "sqlalchemy-asyncpg"),
    ("postgres-js-tx", "postgres.js"),
    ("prisma7-adapter-pg-named", "prisma7-pg"),
    ("prisma6", "prisma6"),
    ("go-pgx", "pgx"),
    ("rails", "rails"),
    ("sqlx", "sqlx"),
]


@pytest.mark.parametrize(("name", "row"), PROJECTS)
def test_doctor_names_the_projects_client(pooled_url: str, verdict: VerdictOf, name: str, row: str) -> None:
    assert verdict(name, pooled_url).client == row


@pytest.mark.parametrize(("name", "row"), PROJECTS)
def test_doctor_prints_the_clients_own_fix(pooled_url: str, verdict: VerdictOf, name: str, row: str) -> None:
    found = verdict(name, pooled_url)
    assert found.severity(PREPARED) == "error"
    assert known_clients.row(row).fix in found.text(PREPARED)


@pytest.mark.parametrize(
    "name",
    [
        "psycopg",
        "asyncpg",
        "sqlalchemy-asyncpg",
        "node-postgres",
        "postgres-js",
        "prisma7-adapter-pg",
    ],
)
def test_doctor_suggests_no_pgbouncer_flag_to_a_client_that_rejects_or_ignores_it(
    pooled_url: str, verdict: VerdictOf, name: str
) -> None:
    assert "pgbouncer=true" not in verdict(name, pooled_url).all_text()


@pytest.mark.parametrize("row", [c.id for c in known_clients.CLIENTS])
def test_doctor_client_option_accepts_every_row_of_the_known_clients(tmp_path: Path, row: str) -> None:
    code, out, err = invoke(
        tmp_path, "doctor", "--offline", "--no-environment", "--url", f"DATABASE_URL={OFFLINE_POOLED}",
        "--client", row, "--json",
    )  # fmt: skip
    assert code in (0, 1), err
    assert json.loads(out)["client"] is not None


def _env_init(where: Path) -> tuple[int, str, str]:
    return invoke(
        where,
        "env",
        "init",
        "--database-url",
        OFFLINE_POOLED,
        "--direct-url",
        DIRECT,
        "--provider",
        "generic",
    )


@pytest.mark.parametrize("name", ["psycopg", "asyncpg", "postgres-js", "prisma7-adapter-pg"])
def test_env_init_writes_no_pgbouncer_flag_for_a_client_that_rejects_or_ignores_it(
    tmp_path: Path, name: str
) -> None:
    where = project(name, tmp_path)
    code, out, err = _env_init(where)
    assert code == 0, err
    assert "pgbouncer=true" not in (where / ".env").read_text() + out + err


@pytest.mark.parametrize(
    ("row", "printed"),
    [
        ("psycopg", 'invalid URI query parameter: "pgbouncer"'),
        ("asyncpg", "unsupported startup parameter: pgbouncer"),
        ("postgres.js", "unsupported startup parameter: pgbouncer"),
    ],
)
def test_url_check_for_a_client_reports_the_pgbouncer_flag_as_it_fails(
    tmp_path: Path, row: str, printed: str
) -> None:
    code, out, err = invoke(
        tmp_path, "url", "check", OFFLINE_POOLED + "&pgbouncer=true", "--for", row, "--json"
    )
    assert code == 1, err
    errors = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert any(printed in (f.get("detail") or "") for f in errors), errors
