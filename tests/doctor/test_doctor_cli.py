"""`pgc doctor` as a command: where URLs come from, flags, bad input, output formats, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.doctor.conftest import RunDoctor
from tests.doctor.helpers import check, ids, one, target

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]

NEON_POOLED = (
    "postgresql://app:pw@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"
)
NEON_DIRECT = "postgresql://app:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require"


def test_no_url_anywhere_is_a_usage_error_in_one_line(run_doctor: RunDoctor) -> None:
    result = run_doctor()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("pgc: error: no PostgreSQL URL found")


def test_missing_env_file_is_a_usage_error(run_doctor: RunDoctor) -> None:
    result = run_doctor("--env-file", "missing.env")
    assert result.exit_code == 2
    assert result.stderr == "pgc: error: missing.env: no such file\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resolver", "not-an-ip"], "--resolver 'not-an-ip'"),
        (["--resolve", "no-address"], "--resolve 'no-address'"),
        (["--timeout", "0"], "--timeout 0"),
        (["--url", "DATABASE_URL="], "--url DATABASE_URL=: the URL is empty"),
    ],
)
def test_bad_option_values_are_usage_errors(run_doctor: RunDoctor, args: list[str], message: str) -> None:
    result = run_doctor("--url", NEON_DIRECT, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pgc: error: {message}")
    assert result.stderr.count("\n") == 1


def test_unknown_client_is_a_usage_error(run_doctor: RunDoctor) -> None:
    result = run_doctor("--url", NEON_DIRECT, "--client", "hibernate")
    assert result.exit_code == 2


def test_url_from_the_environment_is_a_target(doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--offline", env={"DATABASE_URL": NEON_POOLED})
    assert [(t["name"], t["source"], t["expected"]) for t in doc["targets"]] == [
        ("DATABASE_URL", "environment", "pooled")
    ]


def test_no_environment_ignores_the_environment(run_doctor: RunDoctor) -> None:
    result = run_doctor("--offline", "--no-environment", env={"DATABASE_URL": NEON_POOLED})
    assert result.exit_code == 2


def test_dotenv_in_the_current_directory_is_read_by_default(doctor_json: DoctorJson, isolation: Path) -> None:
    (isolation / ".env").write_text(f"DIRECT_URL={NEON_DIRECT}\nAPP_NAME=demo\n", encoding="utf-8")
    _, doc = doctor_json("--offline")
    assert [(t["name"], t["source"], t["expected"]) for t in doc["targets"]] == [
        ("DIRECT_URL", ".env", "direct")
    ]


def test_other_postgres_url_variables_are_checked_without_expectation(
    doctor_json: DoctorJson, isolation: Path
) -> None:
    (isolation / ".env").write_text(f"ANALYTICS_URL={NEON_DIRECT}\nHOME_URL=https://example.com\n")
    _, doc = doctor_json("--offline")
    assert [(t["name"], t["expected"]) for t in doc["targets"]] == [("ANALYTICS_URL", None)]


def test_url_flag_replaces_the_environment(doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--offline", "--url", NEON_DIRECT, env={"DATABASE_URL": NEON_POOLED})
    assert [(t["name"], t["source"], t["expected"]) for t in doc["targets"]] == [("URL", "--url", None)]


def test_offline_skips_every_live_layer(doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--offline", "--url", f"DIRECT_URL={NEON_DIRECT}")
    checks = target(doc, "DIRECT_URL")["checks"]
    assert [c["layer"] for c in checks] == [
        "dns",
        "tcp",
        "tls",
        "auth",
        "server",
        "pooler",
        "prepared",
        "latency",
    ]
    assert {c["status"] for c in checks} == {"skip"}
    assert target(doc, "DIRECT_URL")["observed"]["pooler"] == "unknown"


def test_offline_pair_uses_the_host_names(doctor_json: DoctorJson) -> None:
    code, doc = doctor_json(
        "--offline", "--url", f"DATABASE_URL={NEON_POOLED}", "--url", f"DIRECT_URL={NEON_POOLED}"
    )
    assert code == 1
    found = one(doc, "direct-url-is-pooled")
    assert "by name: Neon host with -pooler" in found["detail"]


def test_invalid_url_is_url_invalid_and_skips_the_live_layers(doctor_json: DoctorJson) -> None:
    code, doc = doctor_json("--url", "DATABASE_URL=postgresql://app:pw@h/db?sslmode=require&x=1=2")
    assert code == 1
    assert "url-invalid" in ids(doc, severity="error")
    assert check(doc, "DATABASE_URL", "dns")["summary"] == "skipped: the URL cannot be parsed"


def test_accelerate_url_has_nothing_to_probe(doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", "DATABASE_URL=prisma+postgres://accelerate.prisma-data.net/?api_key=abc")
    assert check(doc, "DATABASE_URL", "tcp")["status"] == "skip"
    assert "prisma+postgres" in check(doc, "DATABASE_URL", "tcp")["summary"]


def test_strict_fails_on_warnings(run_doctor: RunDoctor) -> None:
    args = ("--offline", "--url", f"DATABASE_URL={NEON_DIRECT}", "--url", f"DIRECT_URL={NEON_DIRECT}")
    assert run_doctor(*args).exit_code == 0
    assert run_doctor(*args, "--strict").exit_code == 1


def test_strict_json_is_not_ok_on_warnings(doctor_json: DoctorJson) -> None:
    args = ("--offline", "--url", f"DATABASE_URL={NEON_DIRECT}", "--url", f"DIRECT_URL={NEON_DIRECT}")
    assert doctor_json(*args)[1]["ok"] is True
    assert doctor_json(*args, "--strict")[1]["ok"] is False


def test_client_flag_sets_the_url_context(doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--offline", "--client", "prisma", "--url", f"DATABASE_URL={NEON_POOLED}")
    assert doc["client"] == "prisma6"
    assert one(doc, "pgbouncer-flag-missing")["severity"] == "error"


def test_prisma_project_is_detected_as_the_client(doctor_json: DoctorJson, prisma_project: Path) -> None:
    _, doc = doctor_json("--offline", "--url", f"DATABASE_URL={NEON_POOLED}")
    assert doc["client"] == "prisma6"


# --------------------------------------------------------------------------- the JSON contract

DOCUMENT_KEYS = ["schema", "ok", "summary", "client", "elapsed_ms", "waited_ms", "targets", "findings"]
TARGET_KEYS = [
    "name",
    "source",
    "url",
    "expected",
    "provider",
    "endpoint",
    "observed",
    "checks",
    "findings",
    "shadowed",  # added in 0.1.0 (additive)
]
OBSERVED_KEYS = ["addresses", "tls", "server_version", "pooler", "connect_ms", "hosts"]  # hosts: additive
CHECK_KEYS = ["layer", "status", "summary", "ms"]
FINDING_KEYS = ["id", "severity", "title", "detail", "fix"]


def test_json_document_keys_are_frozen(doctor_json: DoctorJson) -> None:
    _, doc = doctor_json(
        "--offline", "--url", f"DATABASE_URL={NEON_DIRECT}", "--url", f"DIRECT_URL={NEON_DIRECT}"
    )
    assert list(doc) == DOCUMENT_KEYS
    assert doc["schema"] == "pgc.doctor/v1"
    assert list(doc["summary"]) == ["errors", "warnings", "infos"]
    t = doc["targets"][0]
    assert list(t) == TARGET_KEYS
    assert list(t["observed"]) == OBSERVED_KEYS
    assert list(t["checks"][0]) == CHECK_KEYS
    assert list(doc["findings"][0]) == FINDING_KEYS


def test_json_ok_is_false_exactly_when_an_error_exists(doctor_json: DoctorJson) -> None:
    code, doc = doctor_json(
        "--offline", "--url", f"DATABASE_URL={NEON_POOLED}", "--url", f"DIRECT_URL={NEON_POOLED}"
    )
    assert doc["summary"]["errors"] > 0
    assert doc["ok"] is False
    assert code == 1


def test_json_goes_to_stdout_only(run_doctor: RunDoctor) -> None:
    result = run_doctor("--json", "--offline", "--url", NEON_DIRECT)
    json.loads(result.stdout)
    assert result.stderr == ""


# --------------------------------------------------------------------------- other formats


def test_human_report_has_one_line_per_layer_and_a_tally(run_doctor: RunDoctor) -> None:
    result = run_doctor("--offline", "--url", f"DIRECT_URL={NEON_DIRECT}")
    lines = result.stdout.splitlines()
    assert lines[0] == "pgc doctor · client: unknown · static checks only (--offline)"
    assert "DIRECT_URL  (--url)" in lines
    assert "  [-] live      skipped: --offline (static checks only)" in lines
    assert re.fullmatch(
        r"No problems found \(0 errors, 0 warnings, 0 info\) in 1 target, 8 checks, \d+\.\d s\.", lines[-1]
    )


def test_human_report_shows_detail_and_fix_under_a_problem(run_doctor: RunDoctor) -> None:
    result = run_doctor(
        "--offline", "--url", f"DATABASE_URL={NEON_POOLED}", "--url", f"DIRECT_URL={NEON_POOLED}"
    )
    text = result.stdout
    assert "  [✗] direct-url-is-pooled: The URL meant for migrations goes through a pooler" in text
    assert "fix: Set DIRECT_URL to the direct endpoint:" in text
    assert "Doctor found 1 error, 1 warning, 0 info in 2 targets" in text


def test_github_format_annotates_findings(run_doctor: RunDoctor) -> None:
    result = run_doctor(
        "--format",
        "github",
        "--offline",
        "--url",
        f"DATABASE_URL={NEON_POOLED}",
        "--url",
        f"DIRECT_URL={NEON_POOLED}",
    )
    assert result.exit_code == 1
    assert "::error title=pair%3A direct-url-is-pooled::" in result.stdout


def test_github_format_writes_the_step_summary(run_doctor: RunDoctor, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    run_doctor(
        "--format", "github", "--offline", "--url", NEON_DIRECT, env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert summary.read_text(encoding="utf-8").startswith("### ✓ pgc doctor: ")


def test_junit_format_is_xml(run_doctor: RunDoctor) -> None:
    import xml.etree.ElementTree as ET

    result = run_doctor("--format", "junit", "--offline", "--url", f"DIRECT_URL={NEON_DIRECT}")
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    assert root.get("skipped") == "8"


def test_markdown_format_has_a_table_per_target(run_doctor: RunDoctor) -> None:
    result = run_doctor("--format", "markdown", "--offline", "--url", f"DIRECT_URL={NEON_DIRECT}")
    assert "#### DIRECT_URL" in result.stdout
    assert "| - | dns | skipped: --offline (static checks only) |" in result.stdout


def test_help_describes_the_command(run_doctor: RunDoctor) -> None:
    result = run_doctor("--help")
    assert result.exit_code == 0
    for flag in (
        "--url",
        "--env-file",
        "--client",
        "--timeout",
        "--resolver",
        "--resolve",
        "--offline",
        "--strict",
    ):
        assert flag in result.stdout


def test_doctor_module_loads_no_network_library_at_import() -> None:
    code = (
        "import sys; import pgconnect_cli.cli.doctor, pgconnect_cli.doctor; "
        "bad = {'psycopg', 'dns', 'rich'} & {m.split('.')[0] for m in sys.modules}; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_keyvalue_connection_string_in_url_flag_is_a_url_not_a_name(doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--offline", "--url", "host=db.example.com port=5432 user=app sslmode=require")
    assert [(t["name"], t["url"]) for t in doc["targets"]] == [
        ("URL", "postgresql://app@db.example.com:5432/?sslmode=require")
    ]


def test_timeout_zero_is_refused_with_a_message_zero_does_not_satisfy(run_doctor: RunDoctor) -> None:
    result = run_doctor("--url", NEON_DIRECT, "--timeout", "0")
    assert result.exit_code == 2
    assert result.stderr == "pgc: error: --timeout 0: give a number of seconds above 0, at most 300\n"


SHADOWING = "postgresql://other:x-secret@127.0.0.1:1/db"


def test_environment_value_shadowing_a_dotenv_line_is_named_in_json(
    doctor_json: DoctorJson, isolation: Path
) -> None:
    (isolation / ".env").write_text(f"# app\nDATABASE_URL={NEON_POOLED}\n", encoding="utf-8")
    _, doc = doctor_json("--offline", env={"DATABASE_URL": SHADOWING})
    found = target(doc, "DATABASE_URL")
    assert found["source"] == "environment"
    assert found["shadowed"] == [
        {"path": ".env", "line": 2, "url": NEON_POOLED.replace(":pw@", ":****@"), "by": "the environment"}
    ]


def test_environment_value_shadowing_a_dotenv_line_is_noted_in_the_report(
    run_doctor: RunDoctor, isolation: Path
) -> None:
    (isolation / ".env").write_text(f"# app\nDATABASE_URL={NEON_POOLED}\n", encoding="utf-8")
    result = run_doctor("--offline", env={"DATABASE_URL": SHADOWING})
    assert "note: .env:2 sets DATABASE_URL to another URL, ignored: the environment wins" in result.stdout
    assert "x-secret" not in result.stdout


def test_environment_value_equal_to_the_dotenv_line_is_not_noted(
    doctor_json: DoctorJson, isolation: Path
) -> None:
    (isolation / ".env").write_text(f"DATABASE_URL={NEON_POOLED}\n", encoding="utf-8")
    _, doc = doctor_json("--offline", env={"DATABASE_URL": NEON_POOLED})
    assert target(doc, "DATABASE_URL")["shadowed"] == []
