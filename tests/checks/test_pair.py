"""Pair checks: DATABASE_URL (pooled, app) against DIRECT_URL (direct, migrations)."""

from __future__ import annotations

from pathlib import Path

from pgconnect_cli.checks.pair import PairUrl, check_pair
from pgconnect_cli.conninfo import parse
from pgconnect_cli.findings import Severity
from pgconnect_cli.project import detect
from pgconnect_cli.providers import Endpoint, PoolMode, classify
from pgconnect_cli.targets import Expected

PRISMA_POOLED = "postgresql://app:s3cret-Pa55@pooled.db.prisma.io:5432/postgres?sslmode=require"
PRISMA_DIRECT = "postgresql://app:s3cret-Pa55@db.prisma.io:5432/postgres?sslmode=require"
SUPAVISOR_TX = "postgresql://postgres.abcdefgh:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres"
SUPAVISOR_SESSION = "postgresql://postgres.abcdefgh:pw@aws-0-us-east-1.pooler.supabase.com:5432/postgres"
SUPABASE_DIRECT = "postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres"


def named(name: str, url: str) -> PairUrl:
    ci = parse(url)
    c = classify(ci)
    expected = Expected.DIRECT if name == "DIRECT_URL" else Expected.POOLED
    return PairUrl(name, ci, c.endpoint, c.pool_mode, expected, reason=c.reason)


def ids(findings: list) -> list[str]:
    return [f.id for f in findings]


def test_a_correct_pair_has_no_findings() -> None:
    assert check_pair([named("DATABASE_URL", PRISMA_POOLED), named("DIRECT_URL", PRISMA_DIRECT)]) == []


def test_swapped_urls_are_an_error() -> None:
    found = check_pair([named("DATABASE_URL", PRISMA_DIRECT), named("DIRECT_URL", PRISMA_POOLED)])
    assert ids(found) == ["urls-swapped"]
    assert found[0].severity is Severity.ERROR
    assert "s3cret" not in found[0].fix and "****" in found[0].fix


def test_transaction_pooled_direct_url_is_an_error_with_the_derived_fix() -> None:
    found = check_pair([named("DATABASE_URL", PRISMA_POOLED), named("DIRECT_URL", PRISMA_POOLED)])
    assert ids(found) == ["direct-url-is-pooled"]
    assert found[0].severity is Severity.ERROR
    assert "db.prisma.io" in found[0].fix and "s3cret" not in found[0].fix


def test_session_pooled_direct_url_is_only_info() -> None:
    found = check_pair([named("DATABASE_URL", SUPAVISOR_TX), named("DIRECT_URL", SUPAVISOR_SESSION)])
    assert ids(found) == ["direct-url-is-pooled"]
    assert found[0].severity is Severity.INFO


def test_direct_database_url_warns_when_both_are_direct() -> None:
    found = check_pair([named("DATABASE_URL", PRISMA_DIRECT), named("DIRECT_URL", PRISMA_DIRECT)])
    assert ids(found) == ["database-url-is-direct"]
    assert found[0].severity is Severity.WARNING
    assert "pooled.db.prisma.io" in found[0].fix


def test_pooled_app_url_without_direct_url_warns() -> None:
    found = check_pair([named("DATABASE_URL", PRISMA_POOLED)])
    assert ids(found) == ["direct-url-missing"]
    assert found[0].severity is Severity.WARNING


def test_missing_direct_url_is_an_error_when_the_prisma_schema_reads_it(tmp_path: Path) -> None:
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n'
        '  directUrl = env("DIRECT_URL")\n}\n'
    )
    found = check_pair([named("DATABASE_URL", PRISMA_POOLED)], detect(tmp_path))
    assert ids(found) == ["direct-url-missing"]
    assert found[0].severity is Severity.ERROR
    assert "schema.prisma" in found[0].detail


def test_direct_app_url_alone_needs_no_direct_url() -> None:
    assert check_pair([named("DATABASE_URL", PRISMA_DIRECT)]) == []


def test_supavisor_tenant_user_is_the_same_role_as_the_direct_user() -> None:
    assert check_pair([named("DATABASE_URL", SUPAVISOR_TX), named("DIRECT_URL", SUPABASE_DIRECT)]) == []


def test_different_database_names_warn() -> None:
    other_db = PRISMA_DIRECT.replace("/postgres?", "/other?")
    found = check_pair([named("DATABASE_URL", PRISMA_POOLED), named("DIRECT_URL", other_db)])
    assert ids(found) == ["urls-different-database"]
    assert "postgres vs other" in found[0].detail


def test_live_observation_overrides_the_name() -> None:
    lab_pooled = "postgresql://app:pw@127.0.0.1:6432/app"
    lab_direct = "postgresql://app:pw@127.0.0.1:5432/app"
    urls = [
        PairUrl(
            "DATABASE_URL", parse(lab_pooled), Endpoint.POOLED, PoolMode.TRANSACTION, Expected.POOLED, True
        ),
        PairUrl(
            "DIRECT_URL", parse(lab_direct), Endpoint.POOLED, PoolMode.TRANSACTION, Expected.DIRECT, True
        ),
    ]
    found = check_pair(urls)
    assert ids(found) == ["direct-url-is-pooled"]
    assert "confirmed live" in found[0].detail


def test_a_pooled_direct_url_alone_is_still_reported() -> None:
    found = check_pair([named("DIRECT_URL", PRISMA_POOLED)])
    assert ids(found) == ["direct-url-is-pooled"]
    assert found[0].severity is Severity.ERROR


def test_a_direct_url_alone_has_no_findings() -> None:
    assert check_pair([named("DIRECT_URL", PRISMA_DIRECT)]) == []


# --- fixes name the command that takes each flag ------------------------------------------------

LOCAL_FLAGGED = "postgresql://app:pw@127.0.0.1:5433/app?pgbouncer=true"
GENERIC_DIRECT = "postgresql://app:pw@db.internal.example:5432/app?sslmode=require"
GENERIC_POOLED = "postgresql://app:pw@db.internal.example:6432/app?sslmode=require"


def test_direct_url_missing_fix_adds_direct_url_with_the_command_that_takes_the_flags() -> None:
    found = check_pair([named("DATABASE_URL", LOCAL_FLAGGED)])
    assert ids(found) == ["direct-url-missing"]
    fix = found[0].fix
    assert fix.startswith("Add DIRECT_URL")
    assert 'pgc url direct "$DATABASE_URL" --direct-host HOST --direct-port PORT' in fix
    assert "pgc env init" in fix
    assert "Point DATABASE_URL" not in fix


def test_direct_url_is_pooled_fix_names_pgc_url_direct_for_the_flags() -> None:
    found = check_pair([named("DATABASE_URL", GENERIC_POOLED), named("DIRECT_URL", GENERIC_POOLED)])
    assert ids(found) == ["direct-url-is-pooled"]
    assert 'pgc url direct "$DIRECT_URL" --direct-host HOST --direct-port PORT' in found[0].fix


def test_database_url_is_direct_fix_names_pgc_url_pooled_for_the_flags() -> None:
    found = check_pair([named("DATABASE_URL", GENERIC_DIRECT), named("DIRECT_URL", GENERIC_DIRECT)])
    direct_app = [f for f in found if f.id == "database-url-is-direct"]
    assert direct_app == []  # a generic host is not known to be direct by name
    urls = [
        PairUrl("DATABASE_URL", parse(GENERIC_DIRECT), Endpoint.DIRECT, None, Expected.POOLED, True),
        PairUrl("DIRECT_URL", parse(GENERIC_DIRECT), Endpoint.DIRECT, None, Expected.DIRECT, True),
    ]
    found = check_pair(urls)
    assert ids(found) == ["database-url-is-direct"]
    assert 'pgc url pooled "$DATABASE_URL" --pooler-host HOST --pooler-port PORT' in found[0].fix


def test_derivable_direct_url_missing_fix_shows_the_masked_url_and_the_command() -> None:
    found = check_pair([named("DATABASE_URL", PRISMA_POOLED)])
    fix = found[0].fix
    assert fix.startswith("Add DIRECT_URL=postgresql://app:****@db.prisma.io")
    assert 'pgc url direct "$DATABASE_URL"' in fix and "s3cret" not in fix


# --- pairs that point at different instances of the same provider ------------------------------

NEON_X_POOLED = "postgresql://app:pw@ep-x-1-pooler.us-east-2.aws.neon.tech/db1?sslmode=require"
NEON_X_DIRECT = "postgresql://app:pw@ep-x-1.us-east-2.aws.neon.tech/db1?sslmode=require"
NEON_Y_DIRECT = "postgresql://app:pw@ep-y-2.eu-central-1.aws.neon.tech/db1?sslmode=require"
SUPAVISOR_ABCD = "postgresql://postgres.abcd:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres"
SUPABASE_WXYZ_DIRECT = "postgresql://postgres:pw@db.wxyz.supabase.co:5432/postgres"
SUPAVISOR_WXYZ_SESSION = "postgresql://postgres.wxyz:pw@aws-0-us-east-1.pooler.supabase.com:5432/postgres"


def test_neon_pair_of_two_endpoints_is_urls_different_database_naming_both() -> None:
    found = check_pair([named("DATABASE_URL", NEON_X_POOLED), named("DIRECT_URL", NEON_Y_DIRECT)])
    assert ids(found) == ["urls-different-database"]
    assert "ep-x-1.us-east-2.aws.neon.tech" in found[0].detail
    assert "ep-y-2.eu-central-1.aws.neon.tech" in found[0].detail


def test_neon_pair_of_one_endpoint_is_fine() -> None:
    assert check_pair([named("DATABASE_URL", NEON_X_POOLED), named("DIRECT_URL", NEON_X_DIRECT)]) == []


def test_supabase_pair_of_two_projects_is_urls_different_database_naming_both_refs() -> None:
    found = check_pair([named("DATABASE_URL", SUPAVISOR_ABCD), named("DIRECT_URL", SUPABASE_WXYZ_DIRECT)])
    assert ids(found) == ["urls-different-database"]
    assert "abcd" in found[0].detail and "wxyz" in found[0].detail


def test_supabase_session_pooler_of_another_project_as_direct_url_is_urls_different_database() -> None:
    found = check_pair([named("DATABASE_URL", SUPAVISOR_ABCD), named("DIRECT_URL", SUPAVISOR_WXYZ_SESSION)])
    assert "urls-different-database" in ids(found)


def test_supabase_session_pooler_of_the_same_project_as_direct_url_is_not_a_different_database() -> None:
    session = SUPAVISOR_WXYZ_SESSION.replace("wxyz", "abcd")
    found = check_pair([named("DATABASE_URL", SUPAVISOR_ABCD), named("DIRECT_URL", session)])
    assert "urls-different-database" not in ids(found)
