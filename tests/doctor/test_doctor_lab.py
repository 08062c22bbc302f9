"""`pgc doctor` against the real lab servers: the healthy pair, mistakes in it, TLS, login, limits."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgconnect_cli import doctor
from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.targets import Source, Target
from tests.doctor.helpers import check, ids, one, problems, rewrite, target, url_args

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def test_healthy_lab_pair_from_dotenv_passes_without_errors_or_warnings(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, isolation: Path
) -> None:
    (isolation / ".env").write_text(f'DATABASE_URL="{lab.pooled_url}"\nDIRECT_URL="{lab.direct_url}"\n')
    code, doc = doctor_json("--client", "node-postgres")  # names no statements unless asked
    assert code == 0
    assert doc["ok"] is True
    assert problems(doc) == []
    assert [t["source"] for t in doc["targets"]] == [".env", ".env"]


def test_with_no_client_known_a_transaction_pooler_is_a_prepared_statements_warning(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, isolation: Path
) -> None:
    # PRODUCT §3: warning when the client is unknown (it may name its statements); exit 0
    (isolation / ".env").write_text(f'DATABASE_URL="{lab.pooled_url}"\nDIRECT_URL="{lab.direct_url}"\n')
    code, doc = doctor_json()
    assert code == 0
    assert doc["client"] is None
    assert problems(doc) == ["prepared-statements-break"]
    assert one(doc, "prepared-statements-break")["severity"] == "warning"
    assert "--client" in one(doc, "prepared-statements-break")["fix"]


def test_healthy_lab_pair_observes_transaction_pooler_and_direct_server(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json(*url_args(DATABASE_URL=lab.pooled_url, DIRECT_URL=lab.direct_url))
    assert target(doc, "DATABASE_URL")["observed"]["pooler"] == "transaction"
    assert target(doc, "DIRECT_URL")["observed"]["pooler"] == "none"


def test_healthy_lab_pair_reports_tls_version_and_latency(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json(*url_args(DATABASE_URL=lab.pooled_url, DIRECT_URL=lab.direct_url))
    direct = target(doc, "DIRECT_URL")
    assert direct["observed"]["tls"] is True
    assert direct["observed"]["server_version"].startswith("15.")
    assert direct["observed"]["connect_ms"] > 0
    statuses = {c["layer"]: c["status"] for c in direct["checks"]}
    assert statuses.pop("prepared") == "skip"  # nothing between client and server
    assert set(statuses.values()) == {"pass"}


def test_swapped_pair_is_urls_swapped(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    code, doc = doctor_json(*url_args(DATABASE_URL=lab.direct_url, DIRECT_URL=lab.pooled_url))
    assert code == 1
    assert one(doc, "urls-swapped")["severity"] == "error"


def test_pooled_direct_url_is_direct_url_is_pooled(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    code, doc = doctor_json(*url_args(DATABASE_URL=lab.pooled_url, DIRECT_URL=lab.pooled_url))
    assert code == 1
    found = one(doc, "direct-url-is-pooled")
    assert found["severity"] == "error"
    assert "confirmed live" in found["detail"]


def test_direct_app_url_is_database_url_is_direct(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json(*url_args(DATABASE_URL=lab.direct_url, DIRECT_URL=lab.direct_url))
    assert one(doc, "database-url-is-direct")["severity"] == "warning"


def test_prisma_project_pooled_url_without_pgbouncer_flag_breaks_prepared_statements(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, prisma_project: Path
) -> None:
    code, doc = doctor_json(*url_args(DATABASE_URL=lab.pooled_url, DIRECT_URL=lab.direct_url))
    assert code == 1
    found = one(doc, "prepared-statements-break")
    assert found["severity"] == "error"
    assert "pgbouncer=true" in found["fix"]


def test_prisma_project_pooled_url_with_pgbouncer_flag_is_not_an_error(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, prisma_project: Path
) -> None:
    pooled = rewrite(lab.pooled_url, pgbouncer="true")
    code, doc = doctor_json(*url_args(DATABASE_URL=pooled, DIRECT_URL=lab.direct_url))
    assert code == 0
    assert one(doc, "prepared-statements-break")["severity"] == "info"


def test_session_pooler_keeps_prepared_statements(
    lab: pgc_lab.Lab, session_pooled_url: str, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json(*url_args(DATABASE_URL=session_pooled_url, DIRECT_URL=lab.direct_url))
    assert target(doc, "DATABASE_URL")["observed"]["pooler"] == "session"
    assert check(doc, "DATABASE_URL", "prepared")["status"] == "pass"


def test_sslmode_require_against_server_without_tls_is_tls_unsupported(
    plain_url: str, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={rewrite(plain_url, sslmode='require')}")
    assert code == 1
    assert one(doc, "tls-unsupported")["severity"] == "error"
    assert check(doc, "DIRECT_URL", "auth")["status"] == "skip"


def test_sslmode_disable_against_tls_only_server_is_tls_required(
    tls_only_url: str, doctor_json: DoctorJson
) -> None:
    url = rewrite(tls_only_url, sslmode="disable", sslrootcert=None)
    code, doc = doctor_json("--url", f"DIRECT_URL={url}")
    assert code == 1
    assert one(doc, "tls-required")["severity"] == "error"


def test_sslmode_prefer_against_tls_only_server_passes_with_one_attempt(
    tls_only_url: str, doctor_json: DoctorJson
) -> None:
    url = rewrite(tls_only_url, sslmode="prefer", sslrootcert=None)
    code, doc = doctor_json("--url", f"DIRECT_URL={url}")
    assert code == 0
    assert target(doc, "DIRECT_URL")["observed"]["tls"] is True


def test_verify_full_with_another_ca_is_tls_verify_failed(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, reachable_tmp_path: Path
) -> None:
    other = pgc_lab.make_certs(reachable_tmp_path / "other-ca")
    code, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, sslrootcert=str(other.ca_cert))}")
    assert code == 1
    found = one(doc, "tls-verify-failed")
    assert found["severity"] == "error"
    assert "pgconnect lab CA" in found["detail"]


def test_verify_full_with_a_host_name_not_in_the_certificate_is_tls_verify_failed(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    url = rewrite(lab.direct_url, host="wrong-name.pgc.test")
    code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--resolve", "wrong-name.pgc.test:127.0.0.1")
    assert code == 1
    found = one(doc, "tls-verify-failed")
    assert "wrong-name.pgc.test" in found["detail"]
    assert "localhost" in found["fix"]


def _prisma_tls(url: str, ca: Path) -> str:
    """The URL with Prisma's TLS settings: `sslcert` names the server's CA, `sslaccept=strict` verifies."""
    return rewrite(url, sslmode=None, sslrootcert=None, sslaccept="strict", sslcert=str(ca))


def test_prisma_sslcert_is_the_ca_and_sslaccept_strict_verifies_the_server(
    lab: pgc_lab.Lab, lab_ca: Path, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={_prisma_tls(lab.direct_url, lab_ca)}")
    assert "connect-failed" not in ids(doc)
    assert check(doc, "DIRECT_URL", "auth")["status"] == "pass"
    assert check(doc, "DIRECT_URL", "tls")["summary"].endswith("chain and host name verified")
    assert code == 0


def test_prisma_sslaccept_strict_with_another_ca_is_tls_verify_failed(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, reachable_tmp_path: Path
) -> None:
    other = pgc_lab.make_certs(reachable_tmp_path / "other-ca")
    code, doc = doctor_json("--url", f"DIRECT_URL={_prisma_tls(lab.direct_url, other.ca_cert)}")
    assert code == 1
    found = one(doc, "tls-verify-failed")
    assert found["severity"] == "error"
    assert "`sslcert` (libpq's sslrootcert)" in found["fix"]
    assert check(doc, "DIRECT_URL", "auth")["status"] == "skip"


def _failed_logins(log: Path, role: str) -> int:
    text = log.read_text(encoding="utf-8", errors="replace")
    return len(re.findall(rf'password authentication failed for user "{re.escape(role)}"', text))


def test_wrong_password_is_auth_failed_after_exactly_one_attempt(
    lab: pgc_lab.Lab, make_role: Callable[..., pgc_lab.Role], doctor_json: DoctorJson
) -> None:
    role = make_role("pgc_doctor_once", "right-password-1")
    wrong = rewrite(role.url(), password="wrong-password-2", sslmode="prefer", sslrootcert=None)
    code, doc = doctor_json("--url", f"DIRECT_URL={wrong}", "--url", f"DIRECT_DATABASE_URL={wrong}")
    assert code == 1
    assert ids(doc, severity="error").count("auth-failed") == 2
    _wait_for_probe_threads()
    _flush_server_log(lab.postgres)
    assert _failed_logins(lab.postgres.log_file, role.name) == 1


def _wait_for_probe_threads() -> None:
    """The doctor's probe threads are done: nothing can attempt another login after this."""
    for thread in threading.enumerate():
        if thread.name == "pgc-doctor":
            thread.join(30)
            assert not thread.is_alive(), "a doctor probe thread is still running"


def _flush_server_log(server: pgc_lab.PostgresServer) -> None:
    """Log a unique line and wait until the log file shows it: every line the server logged
    before it (any earlier login attempt) is in the file by then."""
    marker = f"pgc-test-log-marker-{uuid.uuid4().hex}"
    with server.connect_admin() as admin:
        admin.execute(f"DO $$ BEGIN RAISE LOG '{marker}'; END $$")
    deadline = time.monotonic() + 10
    while marker not in server.log_file.read_text(encoding="utf-8", errors="replace"):
        assert time.monotonic() < deadline, "the server log never showed the marker line"
        time.sleep(0.05)


def test_unknown_database_is_database_missing(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={rewrite(lab.direct_url, dbname='no_such_db')}")
    assert code == 1
    assert one(doc, "database-missing")["severity"] == "error"


@pytest.fixture
def hold_tiny(tiny_url: str) -> Iterator[Callable[[int], None]]:
    """`hold(n)`: keep n connections to the tiny server open for the test."""
    held: list[psycopg.Connection[Any]] = []

    def hold(n: int) -> None:
        for _ in range(n):
            held.append(psycopg.connect(tiny_url, autocommit=True))

    yield hold
    for conn in held:
        conn.close()


def test_full_server_is_too_many_connections(
    tiny_url: str, hold_tiny: Callable[[int], None], doctor_json: DoctorJson
) -> None:
    hold_tiny(2)  # max_connections=3, one reserved for superusers
    code, doc = doctor_json("--url", f"DIRECT_URL={tiny_url}")
    assert code == 1
    assert one(doc, "too-many-connections")["severity"] == "error"


def test_nearly_full_server_is_connection_headroom(
    tiny_url: str, hold_tiny: Callable[[int], None], doctor_json: DoctorJson
) -> None:
    hold_tiny(1)
    code, doc = doctor_json("--url", f"DIRECT_URL={tiny_url}")
    assert code == 0
    assert one(doc, "connection-headroom")["severity"] == "warning"


def test_roomy_server_has_no_connection_headroom_finding(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    assert "connection-headroom" not in ids(doc)


def test_local_client_tools_as_new_as_the_server_are_not_client_tools_old(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    assert "client-tools-old" not in ids(doc)


@pytest.fixture
def slow_client_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """pg_dump and psql on PATH that take far longer than any budget to print their version;
    the ones still running at the end of the test are stopped (by pid)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for name in ("pg_dump", "psql"):
        tool = directory / name
        tool.write_text(f'#!/bin/sh\necho $$ >> "{directory}/pids"\nexec sleep 30\n', encoding="utf-8")
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    yield
    pids = directory / "pids"
    for pid in pids.read_text(encoding="utf-8").split() if pids.exists() else []:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGTERM)


@pytest.mark.usefixtures("slow_client_tools")
def test_slow_client_tools_do_not_hold_the_doctor_past_its_time_budget(lab: pgc_lab.Lab) -> None:
    report = doctor.run([Target("DIRECT_URL", lab.direct_url, Source.FLAG)], doctor.DoctorOptions(timeout=1))
    # the budget is 1 s (+ 0.5 s slack); waiting for the tools took 10 s (5 s each)
    assert report.elapsed_ms < 5000
    server = next(c for c in report.targets[0].checks if c.layer == "server")
    assert server.status.value == "pass"
    assert any("client-tools-old not checked" in line for line in server.evidence), server.evidence
    assert "client-tools-old" not in [f.id for f in report.all_findings()]


def test_a_crashing_probe_is_a_probe_error_failure_and_the_other_layers_still_report(
    lab: pgc_lab.Lab, doctor_json: DoctorJson, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgconnect_cli.probes import postgres

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(postgres, "server_facts", broken)
    code, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    found = one(doc, "probe-error")
    assert found["severity"] == "error"
    assert "RuntimeError: boom" in found["detail"]
    assert check(doc, "DIRECT_URL", "auth")["status"] == "pass"
    assert check(doc, "DIRECT_URL", "server")["status"] == "fail"
    assert code == 1


def test_unknown_database_behind_pgbouncer_is_connect_failed_linked_to_database_missing(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    pooled = rewrite(lab.pooled_url, dbname="nodbq", connect_timeout="15")
    direct = rewrite(lab.direct_url, dbname="nodbq")
    code, doc = doctor_json(
        "--no-environment", *url_args(DATABASE_URL=pooled, DIRECT_URL=direct), "--timeout", "2"
    )
    assert code == 1
    assert "slow-connect" not in ids(doc)
    assert ids(doc, "DIRECT_URL") == ["database-missing"]
    found = one(doc, "connect-failed")
    assert found["severity"] == "error"
    assert "DIRECT_URL" in found["detail"] and 'database "nodbq" does not exist' in found["detail"]
    assert "CREATE DATABASE nodbq" in found["fix"]


def test_unknown_database_behind_pgbouncer_cut_by_the_budget_is_connect_failed(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    pooled = rewrite(lab.pooled_url, dbname="nodbq_cut")
    code, doc = doctor_json("--url", f"DATABASE_URL={pooled}", "--timeout", "1")
    assert code == 1
    assert "slow-connect" not in ids(doc)
    found = one(doc, "connect-failed")
    assert "could not open a server connection (check database and role)" in found["detail"]


def test_pooled_direct_url_prepared_finding_points_at_direct_url_is_pooled_not_pgbouncer_flag(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json(
        *url_args(DATABASE_URL=lab.pooled_url, DIRECT_URL=lab.pooled_url), "--client", "prisma"
    )
    assert code == 1
    on_direct = [f for f in target(doc, "DIRECT_URL")["findings"] if f["id"] == "prepared-statements-break"]
    assert len(on_direct) == 1
    assert "pgbouncer=true" not in on_direct[0]["fix"]
    assert "direct-url-is-pooled" in on_direct[0]["fix"]
    assert on_direct[0]["severity"] == "info"
    assert one(doc, "direct-url-is-pooled")["severity"] == "error"


def test_latency_is_reported_after_a_failed_prepared_layer(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", f"DATABASE_URL={lab.pooled_url}", "--client", "prisma")
    assert check(doc, "DATABASE_URL", "prepared")["status"] == "fail"
    latency = check(doc, "DATABASE_URL", "latency")
    assert latency["status"] == "pass"
    assert latency["ms"] > 0
