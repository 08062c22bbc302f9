"""The doctor keeps secrets and leaves the database as it found it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from pgconnect_cli import lab as pgc_lab
from tests.doctor.conftest import RunDoctor
from tests.doctor.helpers import ids, rewrite

PASSWORD = "Quokka-Zebra-7731-secret"
FORMATS = ("human", "json", "github", "junit", "markdown")


@pytest.fixture
def secret_role(make_role: Callable[..., pgc_lab.Role]) -> pgc_lab.Role:
    return make_role("pgc_doctor_secret", PASSWORD)


def _leaks(text: str) -> bool:
    return any(form in text for form in (PASSWORD, quote(PASSWORD, safe=""), PASSWORD.lower()))


@pytest.mark.parametrize("fmt", FORMATS)
def test_password_never_appears_in_any_output_format(
    lab: pgc_lab.Lab, secret_role: pgc_lab.Role, run_doctor: RunDoctor, fmt: str
) -> None:
    wrong = rewrite(secret_role.url(), password=PASSWORD + "-wrong")
    result = run_doctor(
        "-v",
        "--format",
        fmt,
        "--url",
        f"DATABASE_URL={secret_role.url(via=lab.pgbouncer)}",
        "--url",
        f"DIRECT_URL={secret_role.url()}",
        "--url",
        f"OTHER_URL={wrong}",
    )
    assert result.exit_code == 1  # the wrong password
    assert not _leaks(result.stdout)
    assert not _leaks(result.stderr)


def test_password_never_appears_in_the_github_step_summary(
    lab: pgc_lab.Lab, secret_role: pgc_lab.Role, run_doctor: RunDoctor, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    run_doctor(
        "--format",
        "github",
        "--url",
        f"DIRECT_URL={secret_role.url()}",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert summary.read_text(encoding="utf-8")
    assert not _leaks(summary.read_text(encoding="utf-8"))


def test_password_in_an_unparsable_url_never_appears(run_doctor: RunDoctor) -> None:
    result = run_doctor("--url", f"DATABASE_URL=postgresql://app:{PASSWORD}@host:port:5432/db", "--offline")
    assert not _leaks(result.stdout + result.stderr)


def test_end_to_end_run_prints_no_password(
    lab: pgc_lab.Lab, secret_role: pgc_lab.Role, tmp_path: Path
) -> None:
    env_file = tmp_path / "app.env"
    # the app's URL: as DIRECT_URL the new role's missing CREATE on public would be an error
    env_file.write_text(f'DATABASE_URL="{secret_role.url()}"\n', encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pgconnect_cli",
            "doctor",
            "--env-file",
            str(env_file),
            "--no-environment",
            "-v",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "DATABASE_URL" in done.stdout
    assert not _leaks(done.stdout + done.stderr)


_CATALOG_COUNTS = """
SELECT (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_namespace), (SELECT count(*) FROM pg_proc),
       (SELECT count(*) FROM pg_type), (SELECT count(*) FROM pg_roles), (SELECT count(*) FROM pg_database),
       (SELECT count(*) FROM pg_prepared_xacts), (SELECT count(*) FROM pg_largeobject_metadata)
"""


def test_the_doctor_leaves_no_objects_in_the_database(lab: pgc_lab.Lab, run_doctor: RunDoctor) -> None:
    with lab.postgres.connect_admin(lab.postgres.database) as admin:
        before = admin.execute(_CATALOG_COUNTS).fetchone()
        result = run_doctor(
            "--url", f"DATABASE_URL={lab.pooled_url}", "--url", f"DIRECT_URL={lab.direct_url}"
        )
        after = admin.execute(_CATALOG_COUNTS).fetchone()
    assert result.exit_code == 0
    assert before == after


@pytest.fixture
def one_server_connection_bouncer(lab: pgc_lab.Lab, reachable_tmp_path: Path) -> Iterator[pgc_lab.PgBouncer]:
    """A transaction-mode PgBouncer with default_pool_size=1: all clients of a role share one server
    connection, so a look through it sees everything the doctor left on the server."""
    spec = pgc_lab.BouncerSpec(default_pool_size=1)
    bouncer = pgc_lab.start_pgbouncer(reachable_tmp_path / "one-connection", lab.postgres, spec)
    yield bouncer
    bouncer.stop()


def test_the_doctor_leaves_no_prepared_statement_on_pooled_server_connections(
    lab: pgc_lab.Lab,
    one_server_connection_bouncer: pgc_lab.PgBouncer,
    make_role: Callable[..., pgc_lab.Role],
    doctor_json: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    import psycopg

    role = make_role("pgc_doctor_prepared", "prepared-password-1")  # no other pool holds its connections
    url = role.url(via=one_server_connection_bouncer)
    _, doc = doctor_json("--url", f"DATABASE_URL={url}")
    assert "prepared-statements-break" in ids(doc)  # it prepared statements there, and they collided
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn, conn.transaction():
        rows = conn.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'pgc%%'").fetchall()
        looked_through = conn.execute("SELECT pg_backend_pid()").fetchone()
    with lab.postgres.connect_admin() as admin:
        backends = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE usename = %s AND backend_type = 'client backend'",
            [role.name],
        ).fetchall()
    assert backends == [looked_through]  # the role's only server connection: the one looked through
    assert rows == []
