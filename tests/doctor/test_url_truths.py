"""What the app will see of a URL that looks right: reported, never silently repaired (issue 11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.checks.url import check_url
from pgconnect_cli.cli import app
from pgconnect_cli.findings import Severity
from pgconnect_cli.project import Client
from tests.doctor.helpers import check, one

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]

URL = "postgresql://app:pw@db.example.com/app?sslmode=require"


def _found(raw: str, finding_id: str, client: Client | None = None) -> list[Any]:
    return [f for f in check_url(raw, client=client).findings if f.id == finding_id]


@pytest.mark.parametrize("tail", ["\r", "\n", "\r\n", "\t", " "])
def test_trailing_whitespace_after_a_url_is_an_error(tail: str) -> None:
    (found,) = _found(URL + tail, "url-trailing-whitespace")
    assert found.severity is Severity.ERROR
    assert "ends with" in found.detail


def test_leading_space_before_a_url_is_an_error() -> None:
    (found,) = _found(" " + URL, "url-trailing-whitespace")
    assert "starts with space" in found.detail


def test_trailing_space_after_a_key_value_string_is_info() -> None:
    (found,) = _found("host=db.example.com dbname=app ", "url-trailing-whitespace")
    assert found.severity is Severity.INFO


def test_a_url_without_surrounding_whitespace_has_no_whitespace_finding() -> None:
    assert _found(URL, "url-trailing-whitespace") == []


def test_url_fix_strips_trailing_carriage_return() -> None:
    result = CliRunner().invoke(app, ["url", "fix", URL + "\r"])
    assert result.exit_code == 0
    assert result.stdout == URL + "\n"
    assert "removed whitespace" in result.stderr


def test_ampersand_typed_for_question_mark_is_an_error_and_not_sslmode_missing() -> None:
    raw = "postgresql://app:pw@db.example.com/app&sslmode=require"
    found = check_url(raw).findings
    (amp,) = [f for f in found if f.id == "url-ampersand-for-query"]
    assert amp.severity is Severity.ERROR
    assert "app?sslmode=require" in amp.fix
    assert "sslmode-missing" not in [f.id for f in found]


def test_an_ampersand_inside_a_database_name_without_settings_is_not_flagged() -> None:
    assert _found("postgresql://app:pw@db.example.com/r&d", "url-ampersand-for-query") == []


def test_url_fix_turns_the_first_ampersand_into_a_question_mark() -> None:
    result = CliRunner().invoke(app, ["url", "fix", "postgresql://app:pw@db.example.com/app&sslmode=require"])
    assert result.stdout == "postgresql://app:pw@db.example.com/app?sslmode=require\n"


def test_non_utf8_percent_escape_is_an_error_for_psycopg() -> None:
    (found,) = _found(URL + "&application_name=%ff", "percent-escape-not-utf8", Client.PSYCOPG)
    assert found.severity is Severity.ERROR
    assert "%C3%A9" in found.fix


def test_non_utf8_percent_escape_is_info_for_libpq_tools() -> None:
    (found,) = _found(URL + "&application_name=%ff", "percent-escape-not-utf8", Client.OTHER)
    assert found.severity is Severity.INFO


def test_utf8_percent_escape_is_fine() -> None:
    assert _found(URL + "&application_name=caf%C3%A9", "percent-escape-not-utf8", Client.PSYCOPG) == []


def test_doctor_does_not_probe_a_url_with_a_trailing_carriage_return(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    code, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}\r")
    assert code == 1
    assert one(doc, "url-trailing-whitespace")["severity"] == "error"
    assert check(doc, "DIRECT_URL", "auth")["status"] == "skip"
    assert "No problems" not in str(doc)


def test_doctor_names_the_non_utf8_escape_beside_the_probe_failure_it_causes(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    url = f"{lab.direct_url}&application_name=%ff"
    code, doc = doctor_json("--url", f"DIRECT_URL={url}", "--client", "psycopg")
    assert code == 1
    assert one(doc, "percent-escape-not-utf8")["severity"] == "error"
    # the probes use psycopg too: they cannot log in with it either, and say so (never a pass)
    assert check(doc, "DIRECT_URL", "auth")["status"] == "fail"
