"""Python clients run for real through the lab's transaction-mode PgBouncer (1.18: no protocol-level
prepared statements), and pgc's verdict on a project of that client equals what the client did.

The recipe (a neighbour takes the app's server between two runs of a query) is in real.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

from tests.clients import real
from tests.clients.real import Outcome
from tests.clients.verdict import api_verdict

BROKEN_BY_NAMES = ("26000", "42P05")

# case -> how to run it on the pooled URL
RUNS: dict[str, Callable[[str], Outcome]] = {
    "psycopg-default": real.psycopg_repeat,
    "psycopg-unprepared": functools.partial(real.psycopg_repeat, prepare_threshold=None),
    "asyncpg-default": real.asyncpg_repeat,
    "asyncpg-uncached": functools.partial(real.asyncpg_repeat, statement_cache_size=0),
    "sqlalchemy-asyncpg-default": real.sqlalchemy_asyncpg_repeat,
    "sqlalchemy-asyncpg-uncached": functools.partial(
        real.sqlalchemy_asyncpg_repeat, query={"prepared_statement_cache_size": "0"}, statement_cache_size=0
    ),
    "psycopg-pgbouncer-flag": lambda url: real.psycopg_connect(url + "&pgbouncer=true"),
    "asyncpg-pgbouncer-flag": lambda url: real.asyncpg_connect(url + "&pgbouncer=true"),
}


@pytest.fixture(scope="module")
def outcome_of(pooled_url: str) -> Callable[[str], Outcome]:
    """`outcome_of(case)`: what the real client did, run once per module."""
    done: dict[str, Outcome] = {}

    def get(case: str) -> Outcome:
        if case not in done:
            done[case] = RUNS[case](pooled_url)
        return done[case]

    return get


# --- what the real clients do ---------------------------------------------------------------


def test_psycopg_default_breaks_once_it_prepares(outcome_of: Callable[[str], Outcome]) -> None:
    outcome = outcome_of("psycopg-default")
    assert outcome.code in BROKEN_BY_NAMES, outcome
    assert '"_pg3_' in (outcome.message or "")


def test_psycopg_with_prepare_threshold_none_survives(outcome_of: Callable[[str], Outcome]) -> None:
    assert outcome_of("psycopg-unprepared") == Outcome(ok=True)


def test_asyncpg_default_statement_cache_breaks(outcome_of: Callable[[str], Outcome]) -> None:
    outcome = outcome_of("asyncpg-default")
    assert outcome.code in BROKEN_BY_NAMES, outcome
    assert "__asyncpg_stmt_" in (outcome.message or "")


def test_asyncpg_with_statement_cache_size_0_survives(outcome_of: Callable[[str], Outcome]) -> None:
    assert outcome_of("asyncpg-uncached") == Outcome(ok=True)


def test_sqlalchemy_asyncpg_default_breaks(outcome_of: Callable[[str], Outcome]) -> None:
    outcome = outcome_of("sqlalchemy-asyncpg-default")
    assert not outcome.ok
    assert "prepared statement" in (outcome.message or ""), outcome


def test_sqlalchemy_asyncpg_without_either_statement_cache_survives(
    outcome_of: Callable[[str], Outcome],
) -> None:
    assert outcome_of("sqlalchemy-asyncpg-uncached") == Outcome(ok=True)


def test_psycopg_rejects_the_pgbouncer_flag(outcome_of: Callable[[str], Outcome]) -> None:
    outcome = outcome_of("psycopg-pgbouncer-flag")
    assert (outcome.ok, outcome.message) == (False, 'invalid URI query parameter: "pgbouncer"')


def test_asyncpg_sends_the_pgbouncer_flag_as_a_startup_parameter(
    outcome_of: Callable[[str], Outcome],
) -> None:
    outcome = outcome_of("asyncpg-pgbouncer-flag")
    assert (outcome.code, outcome.message) == ("08P01", "unsupported startup parameter: pgbouncer")


# --- pgc's verdict (the client table, its checks) on a project of that client equals it ---

# (project, the case whose outcome pgc must predict, words of the client's own fix)
PREPARED_CASES = [
    ("psycopg", "psycopg-default", "prepare_threshold=None"),
    ("psycopg-fixed", "psycopg-unprepared", None),
    ("asyncpg", "asyncpg-default", "statement_cache_size=0"),
    ("asyncpg-fixed", "asyncpg-uncached", None),
    ("sqlalchemy-asyncpg", "sqlalchemy-asyncpg-default", "prepared_statement_cache_size=0"),
    ("sqlalchemy-asyncpg-fixed", "sqlalchemy-asyncpg-uncached", None),
]


@pytest.mark.parametrize(("name", "case", "fix"), PREPARED_CASES, ids=[c[0] for c in PREPARED_CASES])
def test_pgc_prepared_statement_verdict_equals_the_real_client(
    outcome_of: Callable[[str], Outcome], pooled_url: str, name: str, case: str, fix: str | None
) -> None:
    verdict = api_verdict(name, pooled_url)
    breaks = not outcome_of(case).ok
    assert (verdict.severity == "error") == breaks, verdict
    if fix:
        assert fix in verdict.fix, verdict


@pytest.mark.parametrize(
    ("name", "case"), [("psycopg", "psycopg-pgbouncer-flag"), ("asyncpg", "asyncpg-pgbouncer-flag")]
)
def test_pgc_reports_the_pgbouncer_flag_as_the_error_the_client_prints(
    outcome_of: Callable[[str], Outcome], pooled_url: str, name: str, case: str
) -> None:
    verdict = api_verdict(name, pooled_url + "&pgbouncer=true")
    assert verdict.url_errors_naming(outcome_of(case).message or "?"), verdict.url_findings
