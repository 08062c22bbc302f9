"""The doctor against a loopback fake of PgBouncer 1.21+ (max_prepared_statements): it reports what
it observes, a transaction pooler where named prepared statements survive (issue 11)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.doctor.helpers import check, ids, target
from tests.doctor.modern_pgbouncer import modern_pgbouncer

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def test_modern_pgbouncer_is_transaction_pooling_where_prepared_statements_survive(
    doctor_json: DoctorJson,
) -> None:
    with modern_pgbouncer() as fake:
        url = f"postgresql://app@127.0.0.1:{fake.port}/app?sslmode=disable"
        code, doc = doctor_json("--url", f"DATABASE_URL={url}", "--client", "psycopg")
    assert target(doc, "DATABASE_URL")["observed"]["pooler"] == "transaction"
    prepared = check(doc, "DATABASE_URL", "prepared")
    assert prepared["status"] == "pass"
    assert "survive" in prepared["summary"]
    assert "prepared-statements-break" not in ids(doc)
    assert code == 0


def test_old_pgbouncer_in_transaction_mode_breaks_prepared_statements_for_psycopg(
    pooled_url: str, doctor_json: DoctorJson, isolation: Path
) -> None:
    # a psycopg 3 project whose code was read and does not set prepare_threshold=None: an error
    # (with no code to read, the doctor can only warn that the setting could not be seen)
    (isolation / "requirements.txt").write_text("psycopg[binary]>=3.2\n", encoding="utf-8")
    (isolation / "app.py").write_text(
        "import os, psycopg\nconn = psycopg.connect(os.environ['DATABASE_URL'])\n", encoding="utf-8"
    )
    code, doc = doctor_json("--url", f"DATABASE_URL={pooled_url}", "--client", "psycopg")
    assert target(doc, "DATABASE_URL")["observed"]["pooler"] == "transaction"
    assert "prepared-statements-break" in ids(doc, severity="error")
    assert code == 1
