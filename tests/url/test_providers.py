"""Provider classification and pooled/direct derivation, pure."""

from __future__ import annotations

import pytest

from pgconnect_cli.conninfo import parse, to_uri
from pgconnect_cli.providers import DerivationError, PoolMode, classify, derive_direct, derive_pooled

SUPABASE_DIRECT = "postgres://postgres:pw@db.abcdef.supabase.co:5432/postgres"


@pytest.mark.parametrize(
    ("url", "verdict"),
    [
        ("postgres://u:p@pooled.db.prisma.io:5432/postgres", "prisma-postgres/pooled/transaction"),
        ("postgres://u:p@db.prisma.io:5432/postgres", "prisma-postgres/direct/-"),
        ("postgresql://u:p@ep-a-b-123-pooler.us-east-2.aws.neon.tech/db", "neon/pooled/transaction"),
        ("postgresql://u:p@ep-a-b-123-pooler.c-2.us-east-2.aws.neon.tech/db", "neon/pooled/transaction"),
        ("postgresql://u:p@ep-a-b-123.us-east-2.aws.neon.tech/db", "neon/direct/-"),
        ("postgresql://u:p@ep-a-b-123.c-2.us-east-2.aws.neon.tech/db", "neon/direct/-"),
        (
            "postgres://postgres.ref:p@aws-0-us-east-1.pooler.supabase.com:6543/postgres",
            "supabase/pooled/transaction",
        ),
        (
            "postgres://postgres.ref:p@aws-1-us-east-1.pooler.supabase.com:5432/postgres",
            "supabase/pooled/session",
        ),
        ("postgres://postgres:p@db.abcdef.supabase.co:6543/postgres", "supabase/pooled/transaction"),
        ("postgres://postgres:p@db.abcdef.supabase.co:5432/postgres", "supabase/direct/-"),
        (
            "postgresql://u:p@px.proxy-d.us-east-1.rds.amazonaws.com/db",
            "rds-proxy/pooled/transaction",
        ),
        (
            "postgresql://u:p@ro.endpoint.proxy-d.us-east-1.rds.amazonaws.com/db",
            "rds-proxy/pooled/transaction",
        ),
        ("postgresql://u:p@srv.postgres.database.azure.com:6432/db", "azure/pooled/transaction"),
        ("postgresql://u:p@srv.postgres.database.azure.com:5432/db", "azure/direct/-"),
        ("postgresql://u:p@db.internal:6432/db", "pgbouncer/pooled/unknown"),
        ("postgresql://u:p@db.internal/db?pgbouncer=true", "pgbouncer/pooled/unknown"),
        ("postgresql://u:p@localhost/db", "local/unknown/unknown"),
        ("postgresql://u:p@127.0.0.1:6432/db", "local/pooled/unknown"),
        ("postgresql://u:p@db.internal/db", "generic/unknown/unknown"),
    ],
)
def test_classification_follows_the_provider_table(url: str, verdict: str) -> None:
    c = classify(parse(url))
    assert f"{c.provider.value}/{c.endpoint.value}/{c.pool_mode.value if c.pool_mode else '-'}" == verdict


def test_a_pooler_known_only_by_name_is_suspected() -> None:
    assert classify(parse("postgresql://u:p@db.internal:6432/db")).suspected


def test_the_supabase_ref_comes_from_the_pooler_user() -> None:
    url = "postgres://postgres.abcdef:p@aws-0-us-east-1.pooler.supabase.com:6543/postgres"
    assert classify(parse(url)).supabase_ref == "abcdef"


def test_derived_urls_keep_everything_else() -> None:
    url = "postgres://u:p%40ss@pooled.db.prisma.io:5432/postgres?sslmode=require&application_name=web"
    assert to_uri(derive_direct(parse(url))) == (
        "postgres://u:p%40ss@db.prisma.io:5432/postgres?sslmode=require&application_name=web"
    )


def test_the_direct_url_drops_the_pgbouncer_flag() -> None:
    url = "postgres://u:p@pooled.db.prisma.io:5432/postgres?sslmode=require&pgbouncer=true"
    assert derive_direct(parse(url)).get("pgbouncer") is None


def test_supavisor_to_direct_changes_user_host_and_port() -> None:
    url = "postgres://postgres.abcdef:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres"
    direct = derive_direct(parse(url))
    assert (direct.user, direct.host, direct.port) == ("postgres", "db.abcdef.supabase.co", 5432)


def test_supabase_direct_to_shared_pooler_needs_the_region_for_session_mode() -> None:
    with pytest.raises(DerivationError, match="region"):
        derive_pooled(
            parse("postgres://postgres:pw@db.abcdef.supabase.co:5432/postgres"), mode=PoolMode.SESSION
        )


def test_supabase_region_may_carry_the_cluster_index() -> None:
    pooled = derive_pooled(parse(SUPABASE_DIRECT), region="aws-1-eu-west-2")
    assert pooled.host == "aws-1-eu-west-2.pooler.supabase.com" and pooled.user == "postgres.abcdef"


def test_neon_has_no_session_pooler() -> None:
    url = "postgresql://u:p@ep-a-b-123.us-east-2.aws.neon.tech/db"
    with pytest.raises(DerivationError, match="transaction mode only"):
        derive_pooled(parse(url), mode=PoolMode.SESSION)


def test_an_already_pooled_transaction_endpoint_cannot_become_session() -> None:
    url = "postgresql://u:p@ep-a-b-123-pooler.us-east-2.aws.neon.tech/db"
    with pytest.raises(DerivationError):
        derive_pooled(parse(url), mode=PoolMode.SESSION)


def test_rds_proxy_says_what_to_pass() -> None:
    url = "postgresql://u:p@px.proxy-d.us-east-1.rds.amazonaws.com/db"
    with pytest.raises(DerivationError) as info:
        derive_direct(parse(url))
    assert "--direct-host" in info.value.hint


def test_explicit_direct_host_and_port_are_used() -> None:
    url = "postgresql://u:p@db.internal:6432/db?pgbouncer=true"
    direct = derive_direct(parse(url), direct_host="pg.internal", direct_port=5432)
    assert (direct.host, direct.port, direct.get("pgbouncer")) == ("pg.internal", 5432, None)


def test_a_direct_url_is_its_own_direct_counterpart() -> None:
    ci = parse("postgresql://u:p@ep-a-b-123.us-east-2.aws.neon.tech/db")
    assert derive_direct(ci) is ci


# --- a fully qualified host (trailing dot) is derived like the same host without it -----------------

TRAILING_DOT_PAIRS = [
    pytest.param(
        "postgresql://u:p@ep-x-1-pooler.us-east-2.aws.neon.tech./db",
        "postgresql://u:p@ep-x-1.us-east-2.aws.neon.tech./db",
        id="neon",
    ),
    pytest.param(
        "postgres://postgres:p@db.abcdef.supabase.co.:6543/postgres",
        "postgres://postgres:p@db.abcdef.supabase.co.:5432/postgres",
        id="supabase-dedicated",
    ),
    pytest.param(
        "postgresql://u:p@srv.postgres.database.azure.com.:6432/db",
        "postgresql://u:p@srv.postgres.database.azure.com.:5432/db",
        id="azure",
    ),
    pytest.param(
        "postgres://u:p@pooled.db.prisma.io.:5432/postgres",
        "postgres://u:p@db.prisma.io.:5432/postgres",
        id="prisma-postgres",
    ),
]


@pytest.mark.parametrize(("pooled", "direct"), TRAILING_DOT_PAIRS)
def test_a_trailing_dot_host_classified_pooled_derives_its_direct_url_keeping_the_dot(
    pooled: str, direct: str
) -> None:
    assert classify(parse(pooled)).endpoint.value == "pooled"
    assert to_uri(derive_direct(parse(pooled))) == direct


@pytest.mark.parametrize(("pooled", "direct"), TRAILING_DOT_PAIRS)
def test_a_trailing_dot_direct_host_derives_its_pooled_url_keeping_the_dot(pooled: str, direct: str) -> None:
    assert to_uri(derive_pooled(parse(direct))) == pooled


def test_a_supavisor_host_with_a_trailing_dot_derives_a_direct_host_with_one() -> None:
    url = "postgres://postgres.abcdef:p@aws-0-us-east-1.pooler.supabase.com.:6543/postgres"
    assert derive_direct(parse(url)).host == "db.abcdef.supabase.co."
