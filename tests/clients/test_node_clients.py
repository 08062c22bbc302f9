"""Node clients run for real through the lab's transaction-mode PgBouncer (1.18: no protocol-level
prepared statements), and pgc's verdict on a project of that client equals what the client did.

One node process runs every case (node/run.mjs); the recipe is in tests/clients/real.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients.real import Outcome, run_node
from tests.clients.verdict import api_verdict
from tests.doctor.helpers import rewrite

BROKEN_BY_NAMES = ("26000", "42P05")


def _cases(url: str) -> list[dict[str, Any]]:
    # postgres.js 3.x neither reads `sslrootcert` nor trusts the lab's CA: TLS without verification
    url3 = rewrite(url, sslmode="require", sslrootcert=None)
    flag, flag3 = url + "&pgbouncer=true", url3 + "&pgbouncer=true"
    return [
        {"id": "pg-default", "client": "pg", "url": url, "mode": "repeat", "names": False},
        {"id": "pg-named", "client": "pg", "url": url, "mode": "repeat", "names": True},
        {"id": "pg-pgbouncer-flag", "client": "pg", "url": flag, "mode": "connect", "names": False},
        {"id": "postgres-default", "client": "postgres", "url": url, "mode": "repeat", "names": None},
        {
            "id": "postgres-default-tx",
            "client": "postgres",
            "url": url,
            "mode": "repeat",
            "names": None,
            "transaction": True,
        },
        {
            "id": "postgres-unprepared-tx",
            "client": "postgres",
            "url": url,
            "mode": "repeat",
            "names": False,
            "transaction": True,
        },
        {
            "id": "postgres-pgbouncer-flag",
            "client": "postgres",
            "url": flag,
            "mode": "connect",
            "names": None,
        },
        {
            "id": "postgres3-default-tx",
            "client": "postgres3",
            "url": url3,
            "mode": "repeat",
            "names": None,
            "transaction": True,
            "neighbourUrl": url,
        },
        {
            "id": "postgres3-unprepared-tx",
            "client": "postgres3",
            "url": url3,
            "mode": "repeat",
            "names": False,
            "transaction": True,
            "neighbourUrl": url,
        },
        {
            "id": "postgres3-pgbouncer-flag",
            "client": "postgres3",
            "url": flag3,
            "mode": "connect",
            "names": None,
        },
        {
            "id": "postgres3-sslrootcert",
            "client": "postgres3",
            "url": rewrite(url, sslmode="require"),
            "mode": "connect",
            "names": None,
        },
        {"id": "prisma-default", "client": "prisma", "url": url, "mode": "repeat", "names": False},
        {"id": "prisma-named", "client": "prisma", "url": url, "mode": "repeat", "names": True},
        {"id": "prisma-pgbouncer-flag", "client": "prisma", "url": flag, "mode": "connect", "names": False},
    ]


@pytest.fixture(scope="module")
def node_outcomes(pooled_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    return run_node(_cases(pooled_url), tmp_path_factory.mktemp("node"))


# --- what the real clients do ---------------------------------------------------------------


def test_node_postgres_without_statement_names_survives_the_pooler(node_outcomes: dict[str, Outcome]) -> None:
    assert node_outcomes["pg-default"] == Outcome(ok=True)


def test_node_postgres_named_queries_break_through_the_pooler(node_outcomes: dict[str, Outcome]) -> None:
    outcome = node_outcomes["pg-named"]
    assert outcome.code in BROKEN_BY_NAMES, outcome
    assert "prepared statement" in (outcome.message or "")


def test_node_postgres_ignores_the_pgbouncer_flag(node_outcomes: dict[str, Outcome]) -> None:
    assert node_outcomes["pg-pgbouncer-flag"] == Outcome(ok=True)


def test_postgres_js_4_retries_a_missing_statement_outside_a_transaction(
    node_outcomes: dict[str, Outcome],
) -> None:
    # postgres.js 4 re-prepares on 26000/42P05 when it is not inside a transaction
    assert node_outcomes["postgres-default"] == Outcome(ok=True)


def test_postgres_js_4_default_breaks_inside_a_transaction(node_outcomes: dict[str, Outcome]) -> None:
    outcome = node_outcomes["postgres-default-tx"]
    assert outcome.code in BROKEN_BY_NAMES, outcome


def test_postgres_js_4_with_prepare_false_survives_inside_a_transaction(
    node_outcomes: dict[str, Outcome],
) -> None:
    assert node_outcomes["postgres-unprepared-tx"] == Outcome(ok=True)


def test_postgres_js_3_default_breaks_inside_a_transaction(node_outcomes: dict[str, Outcome]) -> None:
    outcome = node_outcomes["postgres3-default-tx"]
    assert outcome.code in BROKEN_BY_NAMES, outcome


def test_postgres_js_3_with_prepare_false_survives_inside_a_transaction(
    node_outcomes: dict[str, Outcome],
) -> None:
    assert node_outcomes["postgres3-unprepared-tx"] == Outcome(ok=True)


@pytest.mark.parametrize("case", ["postgres-pgbouncer-flag", "postgres3-pgbouncer-flag"])
def test_postgres_js_sends_the_pgbouncer_flag_as_a_startup_parameter(
    node_outcomes: dict[str, Outcome], case: str
) -> None:
    outcome = node_outcomes[case]
    assert (outcome.code, outcome.message) == ("08P01", "unsupported startup parameter: pgbouncer")


def test_postgres_js_3_sends_sslrootcert_as_a_startup_parameter(node_outcomes: dict[str, Outcome]) -> None:
    outcome = node_outcomes["postgres3-sslrootcert"]
    assert (outcome.code, outcome.message) == ("08P01", "unsupported startup parameter: sslrootcert")


def test_prisma_7_adapter_pg_without_a_statement_name_generator_survives_the_pooler(
    node_outcomes: dict[str, Outcome],
) -> None:
    assert node_outcomes["prisma-default"] == Outcome(ok=True)


def test_prisma_7_adapter_pg_with_a_statement_name_generator_breaks_through_the_pooler(
    node_outcomes: dict[str, Outcome],
) -> None:
    outcome = node_outcomes["prisma-named"]
    assert outcome.code in BROKEN_BY_NAMES, outcome


def test_prisma_7_adapter_pg_ignores_the_pgbouncer_flag(node_outcomes: dict[str, Outcome]) -> None:
    assert node_outcomes["prisma-pgbouncer-flag"] == Outcome(ok=True)


# --- pgc's verdict (the client table, its checks) on a project of that client equals it ---

# (project, the node case whose outcome pgc must predict, words of the client's own fix)
PREPARED_CASES = [
    ("node-postgres", "pg-default", None),
    ("node-postgres-named", "pg-named", "name"),
    ("postgres-js", "postgres-default", "prepare: false"),
    ("postgres-js-tx", "postgres-default-tx", "prepare: false"),
    ("postgres-js-fixed", "postgres-unprepared-tx", None),
    ("prisma7-adapter-pg", "prisma-default", None),
    ("prisma7-adapter-pg-named", "prisma-named", "statementNameGenerator"),
]


def test_pgc_warns_about_postgres_js_default_that_breaks_only_inside_a_transaction(
    node_outcomes: dict[str, Outcome], pooled_url: str
) -> None:
    assert node_outcomes["postgres-default"].ok and not node_outcomes["postgres-default-tx"].ok
    verdict = api_verdict("postgres-js", pooled_url)
    assert verdict.severity == "warning", verdict
    assert "sql.begin" in verdict.reason and "prepare: false" in verdict.fix


@pytest.mark.parametrize(("name", "case", "fix"), PREPARED_CASES, ids=[c[0] for c in PREPARED_CASES])
def test_pgc_prepared_statement_verdict_equals_the_real_client(
    node_outcomes: dict[str, Outcome], pooled_url: str, name: str, case: str, fix: str | None
) -> None:
    verdict = api_verdict(name, pooled_url)
    breaks = not node_outcomes[case].ok
    assert (verdict.severity == "error") == breaks, verdict
    if fix:
        assert fix in verdict.fix, verdict


@pytest.mark.parametrize(
    ("name", "case"),
    [("postgres-js", "postgres-pgbouncer-flag"), ("postgres-js3", "postgres3-pgbouncer-flag")],
)
def test_pgc_reports_the_pgbouncer_flag_as_the_error_postgres_js_prints(
    node_outcomes: dict[str, Outcome], pooled_url: str, name: str, case: str
) -> None:
    verdict = api_verdict(name, pooled_url + "&pgbouncer=true")
    assert verdict.url_errors_naming(node_outcomes[case].message or "?"), verdict.url_findings


@pytest.mark.parametrize(
    ("name", "case"),
    [("node-postgres", "pg-pgbouncer-flag"), ("prisma7-adapter-pg", "prisma-pgbouncer-flag")],
)
def test_pgc_reports_a_pgbouncer_flag_the_client_ignores_as_no_error(
    node_outcomes: dict[str, Outcome], pooled_url: str, name: str, case: str
) -> None:
    assert node_outcomes[case].ok
    verdict = api_verdict(name, pooled_url + "&pgbouncer=true")
    assert [s for _, s, _ in verdict.url_findings] == ["info"], verdict.url_findings


def test_pgc_reports_sslrootcert_as_the_error_postgres_js_3_prints_through_the_pooler(
    node_outcomes: dict[str, Outcome], pooled_url: str
) -> None:
    verdict = api_verdict("postgres-js3", rewrite(pooled_url, sslmode="require"))
    assert verdict.url_errors_naming(node_outcomes["postgres3-sslrootcert"].message or "?"), (
        verdict.url_findings
    )


def test_pgc_reports_no_error_for_sslrootcert_which_postgres_js_4_reads(
    node_outcomes: dict[str, Outcome], pooled_url: str
) -> None:
    assert node_outcomes["postgres-default"].ok  # its URL carries sslrootcert (verify-full, the lab's CA)
    verdict = api_verdict("postgres-js", pooled_url)
    assert not [i for i, s, _ in verdict.url_findings if s == "error"], verdict.url_findings
