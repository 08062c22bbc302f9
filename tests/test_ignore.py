"""Accepting known findings: `--ignore ID` on doctor, url check and env check. An ignored finding is
shown as ignored (human: a dimmed tally line with the ids; JSON: `"ignored": true` and
`summary.ignored`), and counts neither for `ok` nor for the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgconnect_cli.findings import Finding, Severity, exit_code_for, finding, ignore
from pgconnect_cli.report import summary
from tests.contracts.validate import validate
from tests.helpers import cli, write_env

RAW_AT = "postgresql://u:p@ss@db.example.com/db?sslmode=require"  # password-unencoded (error)
NO_SSL = "postgresql://u:pw@db.example.com/db"  # sslmode-missing (warning)


def _json(*args: str) -> tuple[int, dict[str, object]]:
    result = cli(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


# --- the model -------------------------------------------------------------------------------


def test_ignored_error_does_not_fail_the_exit_code() -> None:
    f = finding("password-unencoded")
    assert exit_code_for([f]) == 1
    assert exit_code_for(ignore([f], ["password-unencoded"])) == 0


def test_ignore_marks_findings_deep_in_a_result_and_keeps_the_others() -> None:
    result = ({"unused": 1}, [finding("sslmode-missing"), finding("password-unencoded")])
    marked = ignore(result, ["sslmode-missing"])
    assert [f.ignored for f in marked[1]] == [True, False]


def test_summary_counts_ignored_apart() -> None:
    items = ignore([finding("sslmode-missing"), finding("password-unencoded")], ["sslmode-missing"])
    assert summary(items) == {"errors": 1, "warnings": 0, "infos": 0, "ignored": 1}


def test_summary_has_no_ignored_key_when_nothing_is_ignored() -> None:
    assert "ignored" not in summary([Finding("x", Severity.INFO, "t")])


# --- url check -------------------------------------------------------------------------------


def test_url_check_ignore_turns_an_error_into_exit_0() -> None:
    assert cli("url", "check", RAW_AT).exit_code == 1
    assert cli("url", "check", RAW_AT, "--ignore", "password-unencoded").exit_code == 0


def test_url_check_json_marks_the_ignored_finding() -> None:
    code, doc = _json("url", "check", RAW_AT, "--ignore", "password-unencoded")
    validate(doc)
    assert code == 0 and doc["ok"] is True
    assert doc["summary"] == {"errors": 0, "warnings": 0, "infos": 0, "ignored": 1}
    assert [(f["id"], f.get("ignored")) for f in doc["findings"]] == [("password-unencoded", True)]  # type: ignore[union-attr, index]


def test_url_check_human_names_the_ignored_ids_under_the_tally() -> None:
    out = cli("url", "check", RAW_AT, "--ignore", "password-unencoded").stdout
    assert "[✗] password-unencoded" not in out
    assert out.splitlines()[-1] == "1 ignored: password-unencoded"


def test_strict_does_not_count_an_ignored_warning() -> None:
    assert cli("url", "check", NO_SSL, "--strict").exit_code == 1
    assert cli("url", "check", NO_SSL, "--strict", "--ignore", "sslmode-missing").exit_code == 0


def test_unknown_ignore_id_is_a_usage_error_naming_the_closest() -> None:
    result = cli("url", "check", NO_SSL, "--ignore", "sslmode-mising")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "pgc: error: --ignore sslmode-mising: no such finding id; did you mean sslmode-missing?\n"
    )


def test_unknown_ignore_id_without_a_close_one_points_at_the_list() -> None:
    result = cli("url", "check", NO_SSL, "--ignore", "zzzzzz")
    assert result.exit_code == 2
    assert "`pgc explain --list` lists the ids" in result.stderr


# --- env check and doctor ----------------------------------------------------------------------


def test_env_check_ignore_accepts_a_url_finding(isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=RAW_AT)
    (isolation / ".env").chmod(0o600)
    assert cli("env", "check").exit_code == 1
    code, doc = _json("env", "check", "--ignore", "password-unencoded")
    validate(doc)
    assert code == 0
    assert doc["summary"]["ignored"] >= 1  # type: ignore[index]


def test_doctor_ignore_is_shown_in_json_and_does_not_fail(isolation: Path) -> None:
    code, doc = _json(
        "doctor", "--offline", "--url", f"DATABASE_URL={RAW_AT}", "--ignore", "password-unencoded"
    )
    validate(doc)
    assert code == 0 and doc["ok"] is True
    found = [f for t in doc["targets"] for f in t["findings"]]  # type: ignore[attr-defined]
    assert {"id": "password-unencoded", "ignored": True}.items() <= next(
        f for f in found if f["id"] == "password-unencoded"
    ).items()


def test_doctor_human_tally_line_names_the_ignored(isolation: Path) -> None:
    out = cli(
        "doctor", "--offline", "--url", f"DATABASE_URL={RAW_AT}", "--ignore", "password-unencoded"
    ).stdout
    assert "1 ignored: password-unencoded" in out.splitlines()[-1]


@pytest.mark.parametrize("fmt", ["markdown", "junit"])
def test_report_formats_show_the_ignored_finding(isolation: Path, fmt: str) -> None:
    args = ("doctor", "--offline", "--url", f"DATABASE_URL={RAW_AT}", "--ignore", "password-unencoded")
    out = cli(*args, "--format", fmt).stdout
    assert "password-unencoded" in out
    assert "ignored" in out


def test_github_format_annotates_no_ignored_finding(isolation: Path) -> None:
    args = ("doctor", "--offline", "--url", f"DATABASE_URL={RAW_AT}", "--ignore", "password-unencoded")
    out = cli(*args, "--format", "github", env={"GITHUB_STEP_SUMMARY": None}).stdout
    assert not any(line.startswith("::error") for line in out.splitlines())
    assert out.splitlines()[-1].endswith("; 1 ignored: password-unencoded")


def test_env_check_github_annotations_point_at_the_line(isolation: Path) -> None:
    (isolation / ".env").write_text(f"APP=shop\nDATABASE_URL={RAW_AT}\n")
    (isolation / ".env").chmod(0o600)
    out = cli("env", "check", "--format", "github", env={"GITHUB_STEP_SUMMARY": None}).stdout
    annotation = next(line for line in out.splitlines() if "password-unencoded" in line)
    assert annotation.startswith("::error file=.env,line=2,")
