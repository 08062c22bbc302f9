"""Each command's JSON output, run for real, is valid against its schema (strictly: no key the
schema does not describe)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.cli import app
from tests.contracts.validate import validate_cli_output, validate_json
from tests.fakes import closed_port
from tests.helpers import pgc, write_env

NEON_POOLED = "postgresql://app:s3cret@ep-cool-1-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"
NEON_DIRECT = "postgresql://app:s3cret@ep-cool-1.us-east-2.aws.neon.tech/neondb?sslmode=require"


def _json(*args: str, codes: tuple[int, ...] = (0, 1)) -> Any:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code in codes, result.output
    document = validate_cli_output(args, result.stdout)
    assert document is not None, "no JSON on stdout"
    return document


@pytest.mark.parametrize(
    "url",
    [
        NEON_POOLED,
        "postgresql://u:p@localhost/db",
        "postgres://u:p%40ss@db.example.com:6543/app?sslmode=disable&pgbouncer=true&connection_limit=1",
        "host=db.example.com port=5432 dbname=app user=u password=secret",
        "postgresql://u:p@h1:5432,h2:abc/db",
        "postgresql://u:p@[::1]/db?options=-c%20search_path%3Dx",
        "mysql://u:p@h/db",
        "postgresql://u:p@ss@h/db",
        "a b",
    ],
)
def test_url_check_json_is_a_valid_url_document(url: str) -> None:
    document = _json("url", "check", url, "--json")
    assert document["schema"] == "pgc.url/v1"


@pytest.mark.parametrize("context", ["app", "migrate", "psql", "prisma"])
def test_url_check_json_is_valid_in_every_context(context: str) -> None:
    _json("url", "check", NEON_POOLED, "--for", context, "--format", "json")


def test_env_check_json_is_a_valid_env_document(isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=NEON_POOLED, DIRECT_URL=NEON_DIRECT)
    document = _json("env", "check", "--json")
    assert document["schema"] == "pgc.env/v1"
    assert [u["name"] for u in document["urls"]] == ["DATABASE_URL", "DIRECT_URL"]


def test_env_check_json_with_broken_and_duplicate_lines_is_valid(isolation: Path) -> None:
    (isolation / ".env").write_text(f"DATABASE_URL={NEON_DIRECT}\nDIRECT_URL='x\nDATABASE_URL=nope\n=3\n")
    document = _json("env", "check", "--json")
    assert document["ok"] is False


def test_env_check_json_of_an_empty_file_is_valid(isolation: Path) -> None:
    (isolation / ".env").write_text("")
    _json("env", "check", "--json")


@pytest.mark.parametrize(
    "text", ["P1001", "28P01", "tcp-timeout", "password authentication failed for user x"]
)
def test_explain_json_is_a_valid_explain_document(text: str) -> None:
    document = _json("explain", text, "--json")
    assert document["matches"]


def test_explain_json_without_a_match_is_valid() -> None:
    document = _json("explain", "the moon is made of cheese", "--json")
    assert document["matches"] == []


def test_explain_list_json_is_a_valid_list_of_catalogue_entries() -> None:
    assert _json("explain", "--list", "--json")


def test_lab_status_json_of_a_lab_never_started_is_valid(tmp_path: Path) -> None:
    document = _json("lab", "status", "--dir", str(tmp_path / "never-started"), "--json")
    assert document["running"] is False


def test_lab_status_json_of_a_running_lab_is_valid(lab: pgc_lab.Lab) -> None:
    document = _json("lab", "status", "--dir", str(lab.directory), "--json")
    assert document["running"] is True


def test_doctor_offline_json_is_a_valid_doctor_document(isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=NEON_POOLED, DIRECT_URL=NEON_DIRECT)
    document = _json("doctor", "--offline", "--no-environment", "--json")
    assert [t["name"] for t in document["targets"]] == ["DATABASE_URL", "DIRECT_URL"]


def test_doctor_json_for_a_refused_port_is_valid() -> None:
    url = f"postgresql://u:p@127.0.0.1:{closed_port()}/db?sslmode=disable"
    document = _json("doctor", "--url", url, "--no-environment", "--json")
    assert document["ok"] is False


@pytest.mark.parametrize(
    "args",
    [
        ("doctor", "--no-environment", "--json"),
        ("env", "check", "--file", "missing.env", "--json"),
        ("doctor", "--url", "postgresql://h/db", "--timeout", "abc", "--json"),
    ],
)
def test_input_errors_under_json_print_nothing_or_a_valid_error_envelope(args: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 2
    if result.stdout.strip():
        assert validate_json(result.stdout, "pgc.error/v1")["ok"] is False


def test_doctor_json_against_the_lab_pair_is_valid(pooled_url: str, direct_url: str) -> None:
    document = _json(
        "doctor",
        "--url",
        f"DATABASE_URL={pooled_url}",
        "--url",
        f"DIRECT_URL={direct_url}",
        "--no-environment",
        "--format",
        "json",
    )
    assert {c["status"] for t in document["targets"] for c in t["checks"]} <= {"pass", "warn", "skip"}


def test_doctor_json_against_a_server_without_tls_is_valid(plain_url: str) -> None:
    _json("doctor", "--url", plain_url, "--no-environment", "--json")


def test_doctor_json_against_a_server_refusing_plaintext_is_valid(tls_only_url: str) -> None:
    plaintext = re.sub(r"sslmode=[a-z-]+", "sslmode=disable", tls_only_url)
    document = _json("doctor", "--url", plaintext, "--no-environment", "--json")
    assert "tls-required" in {f["id"] for t in document["targets"] for f in t["findings"]}


def test_doctor_json_from_a_subprocess_is_valid(pooled_url: str, direct_url: str, isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=pooled_url, DIRECT_URL=direct_url)
    result = pgc("doctor", "--no-environment", "--json")
    assert result.returncode in (0, 1), result.stderr
    validate_json(result.stdout, "pgc.doctor/v1")
