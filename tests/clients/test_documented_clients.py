"""Clients that cannot run here (no Go, Ruby, JVM, .NET or Rust toolchain; Prisma 6's engines are
downloaded from outside the registries): pgc's verdict on a project of each equals what the
client's own documentation says it does behind a transaction pooler. Pure: no server is dialled.
"""

from __future__ import annotations

import pytest

from tests.clients.verdict import api_verdict

POOLED = "postgresql://app:secret@127.0.0.1:6432/app?sslmode=require"


def test_pgx_default_names_statements() -> None:
    # https://pkg.go.dev/github.com/jackc/pgx/v5#QueryExecMode — the default, QueryExecModeCacheStatement,
    # "automatically prepare[s] and cache[s] prepared statements"
    verdict = api_verdict("go-pgx", POOLED)
    assert (verdict.client, verdict.severity) == ("pgx", "error")
    assert "default_query_exec_mode" in verdict.fix


@pytest.mark.parametrize("mode", ["simple_protocol", "exec", "cache_describe", "describe_exec"])
def test_pgx_with_a_query_exec_mode_that_names_nothing_is_fine(mode: str) -> None:
    # https://pkg.go.dev/github.com/jackc/pgx/v5#ParseConfig reads default_query_exec_mode from the URL;
    # QueryExecModeExec and QueryExecModeSimpleProtocol use no named prepared statement
    verdict = api_verdict("go-pgx", f"{POOLED}&default_query_exec_mode={mode}")
    assert verdict.severity != "error", verdict


def test_rails_default_names_statements() -> None:
    # https://guides.rubyonrails.org/configuring.html#configuring-a-postgresql-database — prepared
    # statements are on by default; `prepared_statements: false` in database.yml turns them off
    verdict = api_verdict("rails", POOLED)
    assert (verdict.client, verdict.severity) == ("rails", "error")
    assert "prepared_statements" in verdict.fix


def test_rails_with_prepared_statements_false_is_fine() -> None:
    verdict = api_verdict("rails-fixed", POOLED)
    assert (verdict.client, verdict.severity) == ("rails", "info")


def test_jdbc_is_not_called_safe_when_its_prepare_threshold_cannot_be_seen() -> None:
    # https://jdbc.postgresql.org/documentation/use/ — prepareThreshold defaults to 5: the 5th run of a
    # statement switches to a named server-side statement; prepareThreshold=0 turns that off
    verdict = api_verdict("jdbc", POOLED)
    assert verdict.client == "jdbc"
    assert verdict.severity in ("warning", "error"), verdict
    assert "prepareThreshold=0" in verdict.fix


def test_npgsql_default_prepares_nothing() -> None:
    # https://www.npgsql.org/doc/prepare.html — automatic preparation is off unless Max Auto Prepare is
    # set; statements are prepared only on an explicit Prepare()
    verdict = api_verdict("npgsql", POOLED)
    assert (verdict.client, verdict.severity) == ("npgsql", "info")


def test_sqlx_default_caches_named_statements() -> None:
    # https://docs.rs/sqlx/latest/sqlx/postgres/struct.PgConnectOptions.html#method.statement_cache_capacity
    # — 100 prepared statements cached per connection by default
    verdict = api_verdict("sqlx", POOLED)
    assert (verdict.client, verdict.severity) == ("sqlx", "error")
    assert "statement-cache-capacity=0" in verdict.fix


def test_prisma_6_without_the_pgbouncer_flag_names_statements() -> None:
    # https://www.prisma.io/docs/orm/prisma-client/setup-and-configuration/databases-connections/pgbouncer
    # — with PgBouncer in transaction mode (before 1.21) Prisma 6 needs pgbouncer=true in the URL
    verdict = api_verdict("prisma6", POOLED)
    assert (verdict.client, verdict.severity) == ("prisma6", "error")
    assert "pgbouncer=true" in verdict.fix


def test_prisma_6_with_the_pgbouncer_flag_is_fine() -> None:
    verdict = api_verdict("prisma6", POOLED + "&pgbouncer=true")
    assert verdict.severity == "info"
    assert not verdict.url_findings


def test_sqlalchemy_with_psycopg2_prepares_nothing() -> None:
    # https://www.psycopg.org/psycopg3/docs/basic/from_pg2.html — psycopg2 binds parameters on the
    # client side and never prepares on the server
    verdict = api_verdict("sqlalchemy-psycopg2", POOLED)
    assert (verdict.client, verdict.severity) == ("sqlalchemy-psycopg2", "info")
