"""Hostile and overloaded worlds: the doctor finishes within its deadline and never calls them a pass.

Loopback fakes only. No timed assertions: each test asserts the findings and that the run
finished; the elapsed times are printed (and noted in the bench note).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from pgconnect_cli import lab as pgc_lab
from tests.doctor.fake_server import fake_postgres
from tests.doctor.helpers import check, ids, one, rewrite
from tests.fakes import syn_drop_port

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def test_late_sslrequest_answer_then_silence_ends_the_login_at_the_deadline(doctor_json: DoctorJson) -> None:
    with fake_postgres("late-then-silent", delay=0.7) as server:
        code, doc = doctor_json(
            "--url", f"DATABASE_URL=postgresql://app@127.0.0.1:{server.port}/app", "--timeout", "1"
        )
    print(f"elapsed: {doc['elapsed_ms']:.0f} ms (--timeout 1)")
    assert code == 1
    assert check(doc, "DATABASE_URL", "tls")["status"] == "pass"
    assert check(doc, "DATABASE_URL", "auth")["status"] == "fail"
    assert "connect-failed" in ids(doc, "DATABASE_URL")


def test_a_probe_that_crashes_on_the_url_is_a_failure_not_a_pass(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    url = lab.direct_url + "&application_name=%ff"
    code, doc = doctor_json("--url", f"DIRECT_URL={url}")
    found = one(doc, "probe-error")
    assert found["severity"] == "error"
    assert check(doc, "DIRECT_URL", "auth")["status"] == "fail"
    assert code == 1


def test_an_ssh_banner_is_not_postgres_although_it_starts_with_s(doctor_json: DoctorJson) -> None:
    with fake_postgres("ssh") as server:
        code, doc = doctor_json("--url", f"DATABASE_URL=postgresql://app@127.0.0.1:{server.port}/app")
    found = one(doc, "not-postgres")
    assert "SSH" in found["detail"]
    assert check(doc, "DATABASE_URL", "auth")["status"] == "skip"
    assert code == 1


def test_a_server_that_logs_in_but_fails_every_query_is_server_query_failed(doctor_json: DoctorJson) -> None:
    with fake_postgres("trust") as server:
        code, doc = doctor_json("--url", f"DATABASE_URL=postgresql://app@127.0.0.1:{server.port}/app")
    assert check(doc, "DATABASE_URL", "auth")["status"] == "pass"
    found = one(doc, "server-query-failed")
    assert "every query fails here" in found["detail"]
    assert code == 1


def test_a_server_that_answers_queries_has_no_server_query_failed(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    assert check(doc, "DIRECT_URL", "server")["status"] == "pass"
    assert "server-query-failed" not in ids(doc)


def _limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))


def test_more_targets_than_descriptors_are_dialed_in_batches_and_the_rest_named(tmp_path: Any) -> None:
    with syn_drop_port() as port:
        urls = [f"--url=URL{i}=postgresql://app@127.0.0.1:{port}/db{i}" for i in range(300)]
        result = subprocess.run(
            [sys.executable, "-m", "pgconnect_cli", "doctor", "--json", "--timeout", "1", *urls],
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=_limit_descriptors,
            env={**os.environ, "NO_COLOR": "1"},
            cwd=tmp_path,
            check=False,
        )
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 1, result.stderr[-2000:]
    doc = json.loads(result.stdout)
    print(f"elapsed: {doc['elapsed_ms']:.0f} ms (--timeout 1, 300 targets, ulimit -n 128)")
    found = {t["name"]: [f["id"] for f in t["findings"] if f["severity"] == "error"] for t in doc["targets"]}
    never = [name for name, got in found.items() if "descriptor-limit" in got]
    dialed = [name for name, got in found.items() if "tcp-timeout" in got]
    assert never and dialed
    assert len(never) + len(dialed) == 300
    detail = next(f["detail"] for t in doc["targets"] for f in t["findings"] if f["id"] == "descriptor-limit")
    assert "ulimit -n) is 128" in detail


def test_targets_within_the_descriptor_limit_are_all_dialed(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    urls = [f"--url=URL{i}={rewrite(lab.direct_url, dbname=f'nodb{i}')}" for i in range(3)]
    _, doc = doctor_json(*urls)
    assert "descriptor-limit" not in ids(doc)
    assert ids(doc, severity="error").count("database-missing") == 3
