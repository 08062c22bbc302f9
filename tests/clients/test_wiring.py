"""The one client answer wired through the doctor and `url check`: the report names the client and
how it was detected, the latency check reads the client's own connect timeout, client-specific URL
parameters do not reach libpq, and session features on a transaction-pooled URL are named."""

from __future__ import annotations

import json
from pathlib import Path

from pgconnect_cli import known_clients
from pgconnect_cli.checks.live import LiveContext, effective_connect_timeout
from tests.clients.conftest import VerdictOf
from tests.clients.verdict import PREPARED, doctor, invoke, project

SUPAVISOR = (
    "postgresql://postgres.abcdefghijklmnopqrst:secret@aws-0-eu-central-1.pooler.supabase.com:6543/"
    "postgres?sslmode=require"
)
DIRECT = "postgresql://postgres:secret@db.abcdefghijklmnopqrst.supabase.co:5432/postgres?sslmode=require"


def _ids(document: dict[str, object]) -> list[str]:
    out = [f["id"] for f in document["findings"]]  # type: ignore[attr-defined]
    for t in document["targets"]:  # type: ignore[attr-defined]
        out += [f["id"] for f in t["findings"]]
    return out


def _offline(where: Path, *args: str) -> dict[str, object]:
    code, out, err = invoke(where, "doctor", "--offline", "--no-environment", "--json", *args)
    assert code in (0, 1), err
    document: dict[str, object] = json.loads(out)
    return document


# --- the report names the client and how it was found ----------------------------------------


def test_the_prepared_finding_names_the_client_and_how_it_was_detected(
    pooled_url: str, verdict: VerdictOf
) -> None:
    assert "psycopg in pyproject.toml" in verdict("psycopg", pooled_url).text(PREPARED)


def test_the_human_report_names_the_detected_client(tmp_path: Path) -> None:
    where = project("go-pgx", tmp_path)
    code, out, err = invoke(where, "doctor", "--offline", "--no-environment", "--url", SUPAVISOR)
    assert code in (0, 1), err
    assert "github.com/jackc/pgx/v5 in go.mod" in out


# --- client-specific URL parameters ------------------------------------------------------------


def test_pgx_parameters_in_the_url_are_not_sent_to_libpq(pooled_url: str, tmp_path: Path) -> None:
    where = project("go-pgx", tmp_path)
    found = doctor(where, pooled_url + "&default_query_exec_mode=exec&pool_max_conns=4")
    auth = next(c for c in found.document["targets"][0]["checks"] if c["layer"] == "auth")
    assert auth["status"] == "pass", auth
    assert not found.findings("param-unknown")
    assert found.severity(PREPARED) == "info"


# --- the latency check reads the client's own connect timeout ---------------------------------


def _ctx(row: str, url_timeout: str | None = None) -> LiveContext:
    return LiveContext(
        name="DATABASE_URL", host="h", port=5432, timeout=9.0, client_row=known_clients.row(row),
        url_connect_timeout=url_timeout,
    )  # fmt: skip


def test_prisma_6_waits_its_documented_five_seconds() -> None:
    assert effective_connect_timeout(_ctx("prisma6")) == (5.0, "prisma6's connect_timeout default, 5 s")


def test_prisma_7_ignores_connect_timeout_in_the_url_and_names_connection_timeout_millis() -> None:
    seconds, source = effective_connect_timeout(_ctx("prisma7-pg", url_timeout="2"))
    assert seconds == 9.0
    assert "connectionTimeoutMillis" in source and "prisma's default" not in source


def test_a_client_reading_connect_timeout_in_the_url_uses_it() -> None:
    assert effective_connect_timeout(_ctx("psycopg", url_timeout="7"))[0] == 7.0


# --- session features on a transaction-pooled URL ----------------------------------------------


def test_rails_advisory_locks_on_the_only_transaction_pooled_url_are_named(tmp_path: Path) -> None:
    document = _offline(tmp_path, "--client", "rails", "--url", f"DATABASE_URL={SUPAVISOR}")
    assert "session-feature-through-pooler" in _ids(document)


def test_migrations_on_a_direct_url_take_their_advisory_locks_there(tmp_path: Path) -> None:
    document = _offline(
        tmp_path, "--client", "rails", "--url", f"DATABASE_URL={SUPAVISOR}", "--url", f"DIRECT_URL={DIRECT}"
    )
    assert "session-feature-through-pooler" not in _ids(document)


def test_django_server_side_cursors_through_the_pooler_are_named(tmp_path: Path) -> None:
    document = _offline(
        tmp_path, "--client", "django", "--url", f"DATABASE_URL={SUPAVISOR}", "--url", f"DIRECT_URL={DIRECT}"
    )
    assert "session-feature-through-pooler" in _ids(document)


def test_a_client_without_session_features_gets_no_such_finding(tmp_path: Path) -> None:
    document = _offline(tmp_path, "--client", "psycopg", "--url", f"DATABASE_URL={SUPAVISOR}")
    assert "session-feature-through-pooler" not in _ids(document)


# --- url check --for detects the project like the doctor --------------------------------------


def test_url_check_for_app_in_a_psycopg_project_reports_the_pgbouncer_flag(tmp_path: Path) -> None:
    where = project("psycopg", tmp_path)
    code, out, _ = invoke(where, "url", "check", SUPAVISOR + "&pgbouncer=true", "--json")
    assert code == 1
    assert any(f["id"] == "param-client-rejects" for f in json.loads(out)["findings"])


def test_url_check_for_an_unknown_client_is_a_usage_error(tmp_path: Path) -> None:
    code, _, _ = invoke(tmp_path, "url", "check", SUPAVISOR, "--for", "hibernate")
    assert code == 2
