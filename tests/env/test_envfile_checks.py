"""`pgc env check`'s lints on their own: each hazard has an id, and a clean file has none."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from pgconnect_cli.checks.envfile import (
    check_env,
    lint_git,
    lint_mode,
    lint_text,
    prisma_advice,
)
from pgconnect_cli.conninfo import ConnInfo, ParseError, parse
from pgconnect_cli.findings import Finding, finding
from pgconnect_cli.gitignore import GitStatus
from pgconnect_cli.project import Client, Project
from pgconnect_cli.providers import Classification, classify

CLEAN = (
    "# database\n"
    'DATABASE_URL="postgresql://app:s3cret@ep-a-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"\n'
    'DIRECT_URL="postgresql://app:s3cret@ep-a-1.us-east-2.aws.neon.tech/app?sslmode=require"\n'
    "export NODE_ENV=production\n"
    "GREETING='hello world'\n"
    'MULTI="line one\nline two"\n'
    "EMPTY=\n"
    "\n"
)


def _ids(findings: Sequence[Finding]) -> list[str]:
    return [f.id for f in findings]


def test_a_clean_file_has_no_findings() -> None:
    assert lint_text(CLEAN) == []


def test_a_line_python_dotenv_cannot_parse_is_env_syntax_with_its_line() -> None:
    found = lint_text("A=1\nB='unterminated\nC=3\n")
    assert _ids(found) == ["env-syntax"]
    assert "line 2" in found[0].detail


def test_the_syntax_finding_does_not_echo_the_line() -> None:
    found = lint_text("PASSWORD='hunter2\n")
    assert "hunter2" not in found[0].detail


def test_a_key_set_twice_is_env_duplicate_key_naming_both_lines() -> None:
    found = lint_text("A=1\nB=2\nA=3\n")
    assert _ids(found) == ["env-duplicate-key"]
    assert "lines 1, 3" in found[0].detail


@pytest.mark.parametrize(
    "line",
    [
        "URL=postgresql://u:p@h/db?sslmode=require&pgbouncer=true",
        "GREETING=hello world",
        "A=$HOME/x",
        "A=`id`",
        "A=a;b",
        "A=a|b",
        "A=it's",
        'A="costs $5"',
        'A="run `id`"',
        'A="back\\\\slash"',
        "A='back\\\\slash'",
        "A = spaced",
        "A= value",
        "BARE_KEY",
        "my.key=1",
    ],
)
def test_a_value_bash_reads_differently_is_env_shell_unsafe(line: str) -> None:
    assert _ids(lint_text(line + "\n")) == ["env-shell-unsafe"]


@pytest.mark.parametrize(
    "line",
    [
        'URL="postgresql://u:p@h/db?sslmode=require&pgbouncer=true"',
        "A=plain-value_1.2:3/4",
        "A='single $HOME `id` quoted'",
        "A=b#c",
        "A=value # a comment",
        'A="hash # inside"',
        "export A=1",
    ],
)
def test_a_value_bash_reads_the_same_way_is_not_flagged(line: str) -> None:
    assert lint_text(line + "\n") == []


def test_a_byte_order_mark_is_env_shell_unsafe_on_line_1() -> None:
    found = lint_text("\ufeffA=1\n")
    assert _ids(found) == ["env-shell-unsafe"]
    assert "line 1" in found[0].detail


@pytest.mark.parametrize("line", ["A=${B}", "A='${B}'", 'A="x${B:-y}"'])
def test_brace_interpolation_is_env_interpolation_in_any_quoting(line: str) -> None:
    assert _ids(lint_text(line + "\n")) == ["env-interpolation"]


def test_crlf_line_endings_are_env_crlf_once_per_file() -> None:
    found = lint_text("A=1\r\nB=2\r\n")
    assert _ids(found) == ["env-crlf"]
    assert "2 lines" in found[0].detail


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_can_read_is_env_file_mode(mode: int) -> None:
    found = lint_mode(mode)
    assert _ids(found) == ["env-file-mode"]
    assert f"{mode:04o}" in found[0].detail


@pytest.mark.parametrize("mode", [0o600, 0o400, 0o700])
def test_a_private_file_is_not_env_file_mode(mode: int) -> None:
    assert lint_mode(mode) == []


def test_a_file_git_does_not_ignore_is_env_not_ignored() -> None:
    assert _ids(lint_git(GitStatus.NOT_IGNORED)) == ["env-not-ignored"]


def test_a_committed_file_is_env_not_ignored_and_says_committed() -> None:
    found = lint_git(GitStatus.TRACKED)
    assert _ids(found) == ["env-not-ignored"]
    assert "committed" in found[0].detail


@pytest.mark.parametrize("status", [GitStatus.IGNORED, GitStatus.NO_REPO])
def test_an_ignored_file_or_no_repository_is_fine(status: GitStatus) -> None:
    assert lint_git(status) == []


# --- the URLs in the file -------------------------------------------------------------------


def _lint_url(url: str) -> tuple[ConnInfo | None, Classification | None, list[Finding]]:
    try:
        ci = parse(url)
    except ParseError as exc:
        return None, None, [finding("url-invalid", exc.message)]
    return ci, classify(ci), []


def test_check_env_reports_each_postgres_url_with_its_line_masked() -> None:
    report = check_env(CLEAN, _lint_url, mode=0o600)
    assert [(u.name, u.line) for u in report.urls] == [("DATABASE_URL", 2), ("DIRECT_URL", 3)]
    assert all("s3cret" not in u.url and "****" in u.url for u in report.urls)
    assert report.findings == ()


def test_check_env_finds_urls_under_other_names_by_their_scheme() -> None:
    report = check_env('ANALYTICS_DB="postgres://a:b@h/db"\nOTHER=https://x\n', _lint_url)
    assert [u.name for u in report.urls] == ["ANALYTICS_DB"]


def test_check_env_runs_the_pair_checks() -> None:
    swapped = CLEAN.replace("ep-a-1-pooler.", "TMP.").replace("ep-a-1.", "ep-a-1-pooler.")
    swapped = swapped.replace("TMP.", "ep-a-1.")
    report = check_env(swapped, _lint_url)
    assert _ids(report.pair_findings) == ["urls-swapped"]


def test_check_env_says_an_interpolated_value_reaches_some_loaders_unexpanded() -> None:
    report = check_env('DATABASE_URL="postgresql://${USER}@h/db"\n', _lint_url)
    assert _ids(report.urls[0].findings)[0] == "env-reference-not-expanded"
    assert _ids(report.file_findings) == ["env-interpolation"]


def test_check_env_lints_an_interpolated_value_as_python_dotenv_expands_it() -> None:
    report = check_env('PW=s3cret\nDATABASE_URL="postgresql://u:${PW}@h/db"\n', _lint_url)
    ci = report.urls[0].ci
    assert ci is not None and ci.password == "s3cret"


def test_an_unparseable_url_is_shown_fully_masked() -> None:
    report = check_env("DATABASE_URL=postgresql://u:pw@[::1/db\n", _lint_url)
    assert report.urls[0].url == "****"
    assert _ids(report.urls[0].findings) == ["url-invalid"]


# --- Prisma ---------------------------------------------------------------------------------

SCHEMA6 = """
datasource db {
  provider  = "postgresql"
  url       = env("DATABASE_URL")
  directUrl = env("DIRECT_URL")
}
"""


def _prisma(tmp: Path, *, major: int | None, config: bool = False) -> Project:
    return Project(
        root=tmp,
        clients=(Client.PRISMA,),
        prisma_schema=tmp / "prisma" / "schema.prisma",
        prisma_config=tmp / "prisma.config.ts" if config else None,
        prisma_major=major,
    )


def test_prisma6_schema_with_direct_url_needs_nothing(tmp_path: Path) -> None:
    advice = prisma_advice(_prisma(tmp_path, major=6), SCHEMA6, None)
    assert advice is not None and advice.ok


def test_prisma6_schema_without_direct_url_gets_the_snippet(tmp_path: Path) -> None:
    schema = SCHEMA6.replace('  directUrl = env("DIRECT_URL")\n', "").replace("db {", "main {")
    advice = prisma_advice(_prisma(tmp_path, major=6), schema, None)
    assert advice is not None and not advice.ok
    assert advice.file == "prisma/schema.prisma"
    assert 'directUrl = env("DIRECT_URL")' in advice.snippet
    assert "datasource main {" in advice.snippet


def test_prisma7_config_on_the_direct_url_with_dotenv_needs_nothing(tmp_path: Path) -> None:
    config = "import 'dotenv/config'\nexport default defineConfig({ datasource: { url: env('DIRECT_URL') } })"
    schema = 'datasource db {\n  provider = "postgresql"\n}\n'
    advice = prisma_advice(_prisma(tmp_path, major=7, config=True), schema, config)
    assert advice is not None and advice.ok


def test_prisma7_config_on_the_pooled_url_gets_the_snippet(tmp_path: Path) -> None:
    config = "export default defineConfig({ datasource: { url: env('DATABASE_URL') } })\n"
    advice = prisma_advice(_prisma(tmp_path, major=7, config=True), None, config)
    assert advice is not None and not advice.ok
    assert len(advice.missing) == 2
    assert "url: env('DIRECT_URL')" in advice.snippet and "import 'dotenv/config'" in advice.snippet


def test_prisma7_with_urls_left_in_the_schema_is_told_to_remove_them(tmp_path: Path) -> None:
    advice = prisma_advice(_prisma(tmp_path, major=7), SCHEMA6, None)
    assert advice is not None
    assert any("remove them" in n for n in advice.notes)


def test_no_prisma_no_advice(tmp_path: Path) -> None:
    assert prisma_advice(Project(root=tmp_path), None, None) is None


def test_line_numbers_stay_right_after_a_broken_crlf_line() -> None:
    found = lint_text("A=1\r\nB='broken\r\nC=x y\r\n")
    shell = [f for f in found if f.id == "env-shell-unsafe"]
    assert shell and shell[0].detail.startswith("line 3 (C)")
