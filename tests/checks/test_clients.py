"""The client table against real project files: which client a project uses, Prisma's major
version from one place, and the client's verdict on the URL and on prepared statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgconnect_cli import known_clients
from pgconnect_cli.checks.client import check_url_for_client, prepared_verdict
from pgconnect_cli.checks.url import check_url
from pgconnect_cli.conninfo import parse
from pgconnect_cli.findings import Severity
from pgconnect_cli.project import Project, detect, range_major

FIXTURES = Path(__file__).parent / "fixtures"
POOLED = "postgresql://app:pw@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"


def _answer(fixture: str) -> tuple[Project, known_clients.ClientAnswer]:
    project = detect(FIXTURES / fixture)
    return project, known_clients.detect(project)


# --- detection: every row from real project files --------------------------------------------------

DETECTED = {
    "prisma6": "prisma6",
    "prisma7-pg": "prisma7-pg",
    "prisma7-pg-named": "prisma7-pg",
    "prisma7-neon": "prisma7-neon",
    "prisma-ppg": "prisma-ppg",
    "psycopg": "psycopg",
    "psycopg2": "psycopg2",
    "asyncpg": "asyncpg",
    "sqlalchemy-asyncpg": "sqlalchemy-asyncpg",
    "sqlalchemy-psycopg": "sqlalchemy-psycopg",
    "sqlalchemy-psycopg2": "sqlalchemy-psycopg2",
    "django": "django",
    "node-postgres": "node-postgres",
    "postgres.js": "postgres.js-3",
    "postgres.js4": "postgres.js",
    "drizzle": "drizzle",
    "knex": "knex",
    "typeorm": "typeorm",
    "sequelize": "sequelize",
    "pgx": "pgx",
    "rails": "rails",
    "jdbc": "jdbc",
    "jdbc-gradle": "jdbc",
    "npgsql": "npgsql",
    "sqlx": "sqlx",
}


@pytest.mark.parametrize("fixture", DETECTED)
def test_the_project_files_name_the_client(fixture: str) -> None:
    _, answer = _answer(fixture)
    assert answer.client is not None and answer.client.id == DETECTED[fixture]


def test_every_row_of_the_table_has_a_fixture() -> None:
    assert set(DETECTED.values()) == set(known_clients.BY_ID)


def test_the_answer_says_how_the_client_was_detected() -> None:
    _, answer = _answer("pgx")
    assert (
        answer.describe()
        == "Go pgx v5 (pgxpool, database/sql via stdlib) (github.com/jackc/pgx/v5 in go.mod)"
    )


def test_a_framework_sets_the_severities_before_its_driver() -> None:
    _, answer = _answer("django")
    assert [d.client.id for d in answer.found] == ["django", "psycopg"]
    assert "severities follow the first" in answer.describe()


def test_psycopg2_is_not_read_as_psycopg() -> None:
    _, answer = _answer("psycopg2")
    assert [d.client.id for d in answer.found] == ["psycopg2"]


def test_an_explicit_client_wins_over_the_project() -> None:
    project = detect(FIXTURES / "psycopg")
    assert known_clients.detect(project, explicit="asyncpg").primary == known_clients.Detected(
        known_clients.row("asyncpg"), "--client"
    )


def test_no_project_is_no_client(tmp_path: Path) -> None:
    assert known_clients.detect(detect(tmp_path)).client is None


# --- Prisma's major version: one answer ------------------------------------------------------------

PRISMA_MAJOR = {
    "prisma6": (6, 'package.json ("prisma": "^6.2.0")'),
    "prisma7-pg": (7, 'package.json ("prisma": "^7.1.0")'),
    "prisma-latest": (7, 'package.json ("prisma": "latest")'),
    "prisma-range": (6, 'package.json ("prisma": ">=6.19 <8")'),
    "prisma-catalog": (6, "pnpm-lock.yaml"),
    "prisma-config-only": (7, "prisma.config.ts (Prisma 7 reads it)"),
    "prisma-installed": (7, "node_modules/prisma/package.json (installed)"),
    "prisma-lockfile": (6, "package-lock.json"),
    "prisma-yarn": (6, "yarn.lock"),
}


@pytest.mark.parametrize("fixture", PRISMA_MAJOR)
def test_prisma_major_comes_from_the_strongest_signal(fixture: str) -> None:
    project = detect(FIXTURES / fixture)
    assert (project.prisma_major, project.prisma_major_source) == PRISMA_MAJOR[fixture]


@pytest.mark.parametrize(
    ("spec", "major"),
    [
        ("^6.2.0", 6),
        ("~7.0.1", 7),
        (">=6.19 <8", 6),
        ("latest", 7),
        ("catalog:", None),
        ("workspace:*", None),
    ],
)
def test_a_range_gives_its_lower_bound(spec: str, major: int | None) -> None:
    assert range_major(spec) == major


def test_prisma7_without_a_seen_adapter_reads_as_the_pg_adapter() -> None:
    _, answer = _answer("prisma-config-only")
    assert answer.client is not None and answer.client.id == "prisma7-pg"
    assert answer.prisma_major == 7


def test_the_prisma7_property_and_the_major_agree() -> None:
    for fixture in PRISMA_MAJOR:
        project = detect(FIXTURES / fixture)
        assert project.prisma7 == ((project.prisma_major or 0) >= 7)


# --- the URL as the client reads it ----------------------------------------------------------------


def _ids(fixture: str, url: str, *, pooled: bool = True) -> dict[str, str]:
    _, answer = _answer(fixture)
    return {f.id: f.detail for f in check_url_for_client(parse(url), answer, pooled=pooled)}


def test_psycopg_with_pgbouncer_true_fails_with_libpqs_message() -> None:
    found = _ids("psycopg", POOLED + "&pgbouncer=true")
    assert 'invalid URI query parameter: "pgbouncer"' in found["param-client-rejects"]


def test_psycopg_without_prisma_parameters_has_nothing_to_reject() -> None:
    assert _ids("psycopg", POOLED) == {}


@pytest.mark.parametrize("fixture", ["asyncpg", "postgres.js"])
def test_a_startup_parameter_client_through_pgbouncer_is_refused(fixture: str) -> None:
    found = _ids(fixture, POOLED + "&pgbouncer=true")
    assert "unsupported startup parameter: pgbouncer" in found["param-client-rejects"]


def test_the_same_parameter_on_a_direct_server_is_an_unknown_setting() -> None:
    found = _ids("asyncpg", POOLED + "&pgbouncer=true", pooled=False)
    assert 'unrecognized configuration parameter "pgbouncer"' in found["param-client-rejects"]


def test_postgres_js_3_sends_sslrootcert_as_a_startup_parameter_the_pooler_refuses() -> None:
    found = _ids("postgres.js", POOLED + "&sslrootcert=/etc/ssl/ca.pem")
    assert "unsupported startup parameter: sslrootcert" in found["param-client-rejects"]


def test_postgres_js_3_sends_sslrootcert_as_a_startup_parameter_the_server_refuses() -> None:
    found = _ids("postgres.js", POOLED + "&sslrootcert=/etc/ssl/ca.pem", pooled=False)
    assert 'unrecognized configuration parameter "sslrootcert"' in found["param-client-rejects"]


def test_postgres_js_4_reads_sslrootcert_itself() -> None:
    assert _ids("postgres.js4", POOLED + "&sslrootcert=/etc/ssl/ca.pem") == {}


def test_postgres_js_major_comes_from_the_installed_or_locked_version_first(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"postgres": "latest"}}')
    (tmp_path / "node_modules" / "postgres").mkdir(parents=True)
    (tmp_path / "node_modules" / "postgres" / "package.json").write_text('{"version": "3.4.7"}')
    answer = known_clients.detect(detect(tmp_path))
    assert answer.client is not None and answer.client.id == "postgres.js-3"
    assert "3.4.7" in answer.describe()


def test_postgres_js_of_no_known_major_is_the_current_row(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"postgres": "latest"}}')
    answer = known_clients.detect(detect(tmp_path))
    assert answer.client is not None and answer.client.id == "postgres.js"


def test_node_postgres_ignores_prismas_parameters() -> None:
    found = _ids("node-postgres", POOLED + "&pgbouncer=true")
    assert set(found) == {"param-client-ignores"}


def test_prisma7_ignores_connection_limit_and_names_the_adapter_setting() -> None:
    found = _ids("prisma7-pg", POOLED + "&connection_limit=1")
    assert "its pool size is max in new PrismaPg({ … }) (default 10)" in found["param-client-ignores"]


def test_prisma6_reads_its_own_parameters() -> None:
    assert _ids("prisma6", POOLED + "&pgbouncer=true&connection_limit=1") == {}


def test_pgx_parameters_are_not_unknown_for_a_go_project() -> None:
    _, answer = _answer("pgx")
    url = POOLED + "&default_query_exec_mode=exec&pool_max_conns=10"
    ids = {f.id for f in check_url(url, answer=answer).findings}
    assert "param-unknown" not in ids


def test_pgx_parameters_are_unknown_without_a_client() -> None:
    url = POOLED + "&default_query_exec_mode=exec"
    assert "param-unknown" in {f.id for f in check_url(url).findings}


def test_a_psycopg_project_is_not_told_to_add_pgbouncer_true() -> None:
    _, answer = _answer("psycopg")
    url = "postgresql://app:pw@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"
    assert "pgbouncer-flag-missing" not in {f.id for f in check_url(url, answer=answer).findings}


# --- prepared statements: the client row decides the severity --------------------------------------


def _verdict(fixture: str, url: str = POOLED) -> tuple[Severity, str, str]:
    project, answer = _answer(fixture)
    v = prepared_verdict(answer, project, parse(url).params)
    return v.severity, v.reason, v.fix


def test_prisma7_with_adapter_pg_names_no_statements() -> None:
    severity, reason, _ = _verdict("prisma7-pg")
    assert severity is Severity.INFO
    assert reason == "it names no statements unless statementNameGenerator is set"


def test_prisma7_with_a_statement_name_generator_breaks() -> None:
    severity, reason, _ = _verdict("prisma7-pg-named")
    assert severity is Severity.ERROR
    assert "statementNameGenerator is set in the project" in reason


def test_pgx_by_default_breaks_naming_default_query_exec_mode() -> None:
    severity, _, fix = _verdict("pgx")
    assert severity is Severity.ERROR
    assert "default_query_exec_mode" in fix


def test_pgx_with_simple_protocol_in_the_url_is_fine() -> None:
    severity, reason, _ = _verdict("pgx", POOLED + "&default_query_exec_mode=simple_protocol")
    assert severity is Severity.INFO
    assert reason == "default_query_exec_mode=simple_protocol in the URL turns them off"


def test_rails_by_default_breaks_naming_prepared_statements() -> None:
    severity, _, fix = _verdict("rails")
    assert severity is Severity.ERROR
    assert "prepared_statements: false" in fix


def test_rails_with_prepared_statements_off_in_database_yml_is_fine() -> None:
    assert _verdict("rails-off")[0] is Severity.INFO


def test_prisma6_without_the_flag_breaks_and_with_it_is_fine() -> None:
    assert _verdict("prisma6")[0] is Severity.ERROR
    assert _verdict("prisma6", POOLED + "&pgbouncer=true")[0] is Severity.INFO


def test_psycopg_with_prepare_threshold_none_in_the_code_is_fine() -> None:
    assert _verdict("psycopg")[0] is Severity.ERROR
    assert _verdict("psycopg-off")[0] is Severity.INFO


def test_postgres_js_default_is_a_warning_as_it_breaks_only_inside_transactions() -> None:
    severity, reason, fix = _verdict("postgres.js")
    assert severity is Severity.WARNING
    assert "sql.begin" in reason and "prepare: false" in fix


def test_postgres_js_default_with_sql_begin_in_the_source_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"postgres": "^4.1.0"}}')
    (tmp_path / "db.js").write_text("await sql.begin(async (tx) => tx`select 1`)\n")
    project = detect(tmp_path)
    verdict = prepared_verdict(known_clients.detect(project), project, {})
    assert verdict.severity is Severity.ERROR


def test_postgres_js_with_prepare_false_is_fine() -> None:
    assert _verdict("postgres.js-off")[0] is Severity.INFO


def test_drizzle_takes_the_verdict_of_its_driver() -> None:
    severity, reason, _ = _verdict("drizzle")
    assert severity is Severity.WARNING  # postgres.js underneath: it breaks inside sql.begin
    assert "prepare: false" in reason


def test_a_setting_that_cannot_be_seen_is_a_warning_that_says_so(tmp_path: Path) -> None:
    answer = known_clients.detect(None, explicit="psycopg")
    v = prepared_verdict(answer, None, {})
    assert v.severity is Severity.WARNING
    assert v.reason.endswith("that setting could not be seen")
    assert v.fix == "connect with prepare_threshold=None"


def test_the_http_drivers_have_no_pooler_rules() -> None:
    assert _verdict("prisma7-neon")[0] is Severity.INFO
    assert _verdict("prisma-ppg")[0] is Severity.INFO


def test_psycopg2_and_npgsql_name_no_statements_by_default() -> None:
    assert _verdict("psycopg2")[0] is Severity.INFO
    assert _verdict("npgsql")[0] is Severity.INFO


def test_the_clients_page_is_generated_from_the_table() -> None:
    page = Path(__file__).parents[2] / "docs" / "clients.md"
    assert page.read_text() == known_clients.markdown(), "run `make docs`"


def test_env_checks_follow_the_client_answer() -> None:
    from pgconnect_cli.usecases.env_init import url_linter

    lint = url_linter(detect(FIXTURES / "psycopg"))
    _, _, found = lint(POOLED + "&pgbouncer=true")
    ids = {f.id for f in found}
    assert "param-client-rejects" in ids
    assert "pgbouncer-flag-missing" not in ids


def test_the_doctors_static_checks_follow_the_client_answer() -> None:
    from pgconnect_cli.doctor.settle import client_context, static_result
    from pgconnect_cli.targets import Target

    target = Target("DATABASE_URL", POOLED + "&default_query_exec_mode=exec")
    project = detect(FIXTURES / "pgx")
    detected = static_result(target, client_context(None, project), project)
    assert "param-unknown" not in {f.id for f in detected.findings}
    explicit = static_result(target, client_context("psycopg", project), project)
    assert "param-client-rejects" in {f.id for f in explicit.findings}
