"""The generic renderers (github, junit, markdown) on hand-made sections."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.render import github, junit, markdown
from pgconnect_cli.report import CheckResult, Section, Status

ERROR = Finding(
    "tcp-timeout", Severity.ERROR, "No answer: packets are dropped", "no answer, 100%\nmore", "Allow 5432"
)
WARNING = Finding("sslmode-missing", Severity.WARNING, "No sslmode", "a | b", "Add sslmode=require")
INFO = Finding("dns-ipv6-only", Severity.INFO, "Only IPv6", "", "")
CHECKS = (
    CheckResult("dns", Status.PASS, "resolved", 1.5),
    CheckResult("tcp", Status.FAIL, "no answer", 2000.0),
    CheckResult("tls", Status.SKIP, "skipped: tcp failed"),
)
SECTIONS = [
    Section("DATABASE_URL", "postgresql://app:****@h/db", (ERROR, WARNING, INFO), CHECKS),
    Section("pair", None, ()),
]


# --------------------------------------------------------------------------- github


def test_github_annotations_use_the_severity_as_the_command() -> None:
    lines = github.render(SECTIONS, "pgc doctor").splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:3]] == ["::error", "::warning", "::notice"]


def test_github_annotation_escapes_message_and_properties() -> None:
    first = github.render([Section("A:B,C", None, (ERROR,))], "t").splitlines()[0]
    assert first == (
        "::error title=A%3AB%2CC%3A tcp-timeout::No answer: packets are dropped: no answer, 100%25\\nmore"
        "%0AFix: Allow 5432"
    )


def test_github_annotations_stop_at_ten_per_kind_with_a_notice() -> None:
    many = Section("X", None, tuple(ERROR for _ in range(13)))
    lines = github.render([many], "pgc doctor").splitlines()
    assert sum(line.startswith("::error") for line in lines) == 10
    assert (
        "::notice title=pgc doctor::3 more errors not annotated; see the job summary or the report" in lines
    )


def test_github_output_ends_with_a_tally() -> None:
    assert github.render(SECTIONS, "pgc doctor").splitlines()[-1] == "pgc doctor: 1 error, 1 warning, 1 info"


def test_github_step_summary_is_appended_when_set(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    github.publish(SECTIONS, "pgc doctor", {"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### ✗ pgc doctor: 1 error, 1 warning, 1 info")


def test_github_step_summary_is_not_written_when_unset(tmp_path: Path) -> None:
    assert github.write_step_summary(SECTIONS, "pgc doctor", {}) is None


# --------------------------------------------------------------------------- junit


def test_junit_counts_error_findings_as_failures_and_skipped_layers() -> None:
    root = ET.fromstring(junit.render(SECTIONS, "pgc doctor"))
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("7", "1", "1")
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "DATABASE_URL"


def test_junit_failure_carries_detail_and_fix() -> None:
    root = ET.fromstring(junit.render(SECTIONS, "pgc doctor"))
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("type") == "tcp-timeout"
    assert (
        failure.text == "no answer, 100%\\nmore\nFix: Allow 5432"
    )  # a newline in a detail is shown, not obeyed


def test_junit_empty_section_has_one_passing_case() -> None:
    root = ET.fromstring(junit.render([Section("pair")], "t"))
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["no findings"]


def test_junit_keeps_the_masked_url_as_a_property() -> None:
    root = ET.fromstring(junit.render(SECTIONS, "t"))
    prop = root.find(".//property")
    assert prop is not None and prop.get("value") == "postgresql://app:****@h/db"


# --------------------------------------------------------------------------- markdown


def test_markdown_heading_says_the_worst_and_the_tally() -> None:
    assert (
        markdown.render(SECTIONS, "pgc doctor").splitlines()[0]
        == "### ✗ pgc doctor: 1 error, 1 warning, 1 info"
    )


def test_markdown_escapes_pipes_in_table_cells_and_findings() -> None:
    text = markdown.render(SECTIONS, "t")
    assert "| ✗ | tcp | no answer |" in text
    assert "a \\| b" in text


def test_markdown_section_without_findings_says_so() -> None:
    assert "#### pair\n\nNo findings." in markdown.render(SECTIONS, "t")


def test_markdown_of_a_clean_report_is_a_check_mark() -> None:
    assert markdown.render([Section("URL")], "pgc url check").startswith(
        "### ✓ pgc url check: 0 errors, 0 warnings, 0 info"
    )
