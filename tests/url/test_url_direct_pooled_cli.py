"""`pgc url direct` / `pgc url pooled`: round trips per provider, and the endpoints that cannot be derived."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pgconnect_cli.cli import app

runner = CliRunner()
Args = tuple[str, ...]


def pgc(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout.strip(), result.stderr


ROUND_TRIPS = [
    pytest.param(
        "postgres://app:pw@pooled.db.prisma.io:5432/postgres?sslmode=require",
        "postgres://app:pw@db.prisma.io:5432/postgres?sslmode=require",
        (),
        id="prisma-postgres",
    ),
    pytest.param(
        "postgresql://app:pw@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require",
        "postgresql://app:pw@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/neondb?sslmode=require",
        (),
        id="neon",
    ),
    pytest.param(
        "postgresql://app:pw@ep-icy-water-ae0115ox-pooler.c-2.us-east-2.aws.neon.tech/neondb?sslmode=require",
        "postgresql://app:pw@ep-icy-water-ae0115ox.c-2.us-east-2.aws.neon.tech/neondb?sslmode=require",
        (),
        id="neon-cell",
    ),
    pytest.param(
        "postgres://postgres.abcdefghij:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres?sslmode=require",
        "postgres://postgres:pw@db.abcdefghij.supabase.co:5432/postgres?sslmode=require",
        ("--region", "us-east-1"),
        id="supabase-shared-transaction",
    ),
    pytest.param(
        "postgres://postgres.abcdefghij:pw@aws-1-eu-west-2.pooler.supabase.com:5432/postgres?sslmode=require",
        "postgres://postgres:pw@db.abcdefghij.supabase.co:5432/postgres?sslmode=require",
        ("--region", "aws-1-eu-west-2", "--mode", "session"),
        id="supabase-shared-session",
    ),
    pytest.param(
        "postgres://postgres:pw@db.abcdefghij.supabase.co:6543/postgres?sslmode=require",
        "postgres://postgres:pw@db.abcdefghij.supabase.co:5432/postgres?sslmode=require",
        (),
        id="supabase-dedicated",
    ),
    pytest.param(
        "postgresql://app:pw@myserver.postgres.database.azure.com:6432/app?sslmode=require",
        "postgresql://app:pw@myserver.postgres.database.azure.com:5432/app?sslmode=require",
        (),
        id="azure",
    ),
]


@pytest.mark.parametrize(("pooled", "direct", "pooled_args"), ROUND_TRIPS)
def test_url_direct_derives_the_direct_endpoint(
    pooled: str, direct: str, pooled_args: tuple[str, ...]
) -> None:
    assert pgc("url", "direct", pooled) == (0, direct, "")


@pytest.mark.parametrize(("pooled", "direct", "pooled_args"), ROUND_TRIPS)
def test_url_pooled_derives_the_pooled_endpoint_back(
    pooled: str, direct: str, pooled_args: tuple[str, ...]
) -> None:
    assert pgc("url", "pooled", direct, *pooled_args) == (0, pooled, "")


def test_the_password_is_kept_percent_encoded() -> None:
    code, out, _ = pgc("url", "direct", "postgres://app:p%40ss%2F1@pooled.db.prisma.io:5432/postgres")
    assert (code, out) == (0, "postgres://app:p%40ss%2F1@db.prisma.io:5432/postgres")


def test_an_unencoded_password_comes_out_encoded() -> None:
    code, out, err = pgc("url", "direct", "postgres://app:p@ss@pooled.db.prisma.io:5432/postgres")
    assert (code, out) == (0, "postgres://app:p%40ss@db.prisma.io:5432/postgres")
    assert "not percent-encoded" in err


def test_a_keyvalue_string_stays_a_keyvalue_string() -> None:
    code, out, _ = pgc("url", "direct", "host=pooled.db.prisma.io port=5432 user=app dbname=postgres")
    assert (code, out) == (0, "host=db.prisma.io port=5432 user=app dbname=postgres")


def test_a_direct_url_is_printed_unchanged_with_a_note() -> None:
    url = "postgres://app:pw@db.prisma.io:5432/postgres?sslmode=require"
    code, out, err = pgc("url", "direct", url)
    assert (code, out) == (0, url) and "already a direct endpoint" in err


def test_rds_proxy_cannot_be_derived_and_says_what_to_pass() -> None:
    code, out, err = pgc(
        "url", "direct", "postgresql://u:pw@the-proxy.proxy-demo.us-east-1.rds.amazonaws.com/db"
    )
    assert code == 1 and out == ""
    assert err.startswith("pgc: error: url-not-derivable: ") and "--direct-host" in err
    assert len(err.strip().splitlines()) == 1


def test_plain_pgbouncer_cannot_be_derived_and_says_what_to_pass() -> None:
    code, _, err = pgc("url", "direct", "postgresql://u:pw@db.internal:6432/db")
    assert code == 1 and "--direct-host" in err and "--direct-port" in err


def test_plain_pgbouncer_with_the_server_given_is_derived() -> None:
    code, out, _ = pgc(
        "url", "direct", "postgresql://u:pw@db.internal:6432/db", "--direct-host", "pg.internal"
    )
    assert (code, out) == (0, "postgresql://u:pw@pg.internal:6432/db")


def test_supabase_session_pooler_without_region_asks_for_it() -> None:
    code, _, err = pgc(
        "url", "pooled", "postgres://postgres:pw@db.abcdefghij.supabase.co:5432/postgres", "--mode", "session"
    )
    assert code == 1 and "--region" in err


def test_pgbouncer_flag_is_added_on_request() -> None:
    code, out, _ = pgc("url", "pooled", "postgres://u:pw@db.prisma.io:5432/postgres", "--pgbouncer-flag")
    assert (code, out) == (0, "postgres://u:pw@pooled.db.prisma.io:5432/postgres?pgbouncer=true")


def test_a_derivation_failure_does_not_print_the_password() -> None:
    _, _, err = pgc("url", "direct", "postgresql://u:Hidden-Pw-77@db.internal:6432/db")
    assert "Hidden-Pw-77" not in err


def test_an_invalid_url_is_one_line_exit_1() -> None:
    code, out, err = pgc("url", "pooled", "postgresql://h/db%zz")
    assert (code, out) == (1, "") and err.startswith("pgc: error: url-invalid:") and err.count("\n") == 1


def test_url_direct_derives_a_neon_pooler_host_written_with_a_trailing_dot() -> None:
    code, out, err = pgc("url", "direct", "postgresql://u:pw@ep-x-1-pooler.us-east-2.aws.neon.tech./db")
    assert (code, out) == (0, "postgresql://u:pw@ep-x-1.us-east-2.aws.neon.tech./db"), err
