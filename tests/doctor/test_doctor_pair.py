"""`pgc doctor` and `pgc env check` on the pair: what the fixes say, and pairs of different instances."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.cli import app
from tests.doctor.helpers import one, rewrite

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def _only_pooled_dotenv(lab: pgc_lab.Lab, root: Path) -> None:
    (root / ".env").write_text(f'DATABASE_URL="{rewrite(lab.pooled_url, pgbouncer="true")}"\n')
    (root / ".env").chmod(0o600)


def test_doctor_direct_url_missing_fix_adds_direct_url_with_pgc_url_direct(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, prisma_project: Path
) -> None:
    _only_pooled_dotenv(lab, prisma_project)
    code, doc = doctor_json()
    found = one(doc, "direct-url-missing")
    assert found["severity"] == "error"
    assert found["fix"].startswith("Add DIRECT_URL")
    assert 'pgc url direct "$DATABASE_URL" --direct-host HOST --direct-port PORT' in found["fix"]
    assert "Point DATABASE_URL" not in found["fix"]
    assert code == 1


def test_env_check_direct_url_missing_fix_adds_direct_url_with_pgc_url_direct(
    lab: pgc_lab.Lab, prisma_project: Path
) -> None:
    _only_pooled_dotenv(lab, prisma_project)
    result = CliRunner().invoke(app, ["env", "check", "--json"])
    found = [f for f in json.loads(result.stdout)["findings"] if f["id"] == "direct-url-missing"]
    assert len(found) == 1
    assert found[0]["fix"].startswith("Add DIRECT_URL")
    assert "--direct-host HOST" in found[0]["fix"] and "pgc url direct" in found[0]["fix"]


def test_doctor_offline_neon_pair_of_two_endpoints_is_urls_different_database(
    doctor_json: DoctorJson,
) -> None:
    pooled = "postgresql://app:pw@ep-x-1-pooler.us-east-2.aws.neon.tech/db1?sslmode=require"
    direct = "postgresql://app:pw@ep-y-2.eu-central-1.aws.neon.tech/db1?sslmode=require"
    _, doc = doctor_json("--offline", "--url", f"DATABASE_URL={pooled}", "--url", f"DIRECT_URL={direct}")
    found = one(doc, "urls-different-database")
    assert "ep-y-2.eu-central-1.aws.neon.tech" in found["detail"]


def test_doctor_offline_says_pgbouncer_true_marked_the_app_url_pooled(doctor_json: DoctorJson) -> None:
    url = "postgresql://app:pw@db.internal.example:5432/app?sslmode=require&pgbouncer=true"
    _, doc = doctor_json("--offline", "--url", f"DATABASE_URL={url}")
    found = one(doc, "direct-url-missing")
    assert "by its host and port" not in found["detail"]
    assert "pgbouncer=true" in found["detail"]


def test_doctor_offline_says_the_port_marked_the_app_url_pooled(doctor_json: DoctorJson) -> None:
    url = "postgresql://app:pw@db.internal.example:6432/app?sslmode=require"
    _, doc = doctor_json("--offline", "--url", f"DATABASE_URL={url}")
    assert "port 6432" in one(doc, "direct-url-missing")["detail"]


def test_env_check_says_pgbouncer_true_marked_a_loopback_app_url_pooled(isolation: Path) -> None:
    (isolation / ".env").write_text('DATABASE_URL="postgresql://app:pw@localhost:5433/app?pgbouncer=true"\n')
    result = CliRunner().invoke(app, ["env", "check", "--json"])
    found = [f for f in json.loads(result.stdout)["findings"] if f["id"] == "direct-url-missing"]
    assert "by its host and port" not in found[0]["detail"]
    assert "pgbouncer=true" in found[0]["detail"]
