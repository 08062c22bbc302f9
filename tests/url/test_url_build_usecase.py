"""`url_build.build_url` without typer: presets are provider rows; what is missing is asked or returned."""

from __future__ import annotations

from pgconnect_cli.providers import PoolMode, Provider
from pgconnect_cli.usecases.url_build import BuildRequest, Question, build_url


class Script:
    """An asker that answers from a list, in order, and records what it was asked."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[Question] = []

    def __call__(self, q: Question) -> str | None:
        self.asked.append(q)
        return self.answers.pop(0)


def test_without_an_asker_the_missing_parts_are_returned_by_flag() -> None:
    result = build_url(BuildRequest(Provider.NEON, user="u", no_password=True))
    assert result.conninfo is None
    assert [q.flag for q in result.missing] == ["--endpoint", "--region"]
    assert result.missing_message() == "missing --endpoint, --region (no terminal to ask on)"


def test_a_preset_needing_a_password_returns_it_missing_without_an_asker() -> None:
    result = build_url(BuildRequest(Provider.PRISMA_POSTGRES, user="u"))
    assert [q.name for q in result.missing] == ["password"]


def test_the_asker_is_asked_in_order_and_the_password_is_secret() -> None:
    ask = Script("db.example.com", "app", "secret pw", "appdb")
    result = build_url(BuildRequest(), ask)
    assert [q.name for q in ask.asked] == ["host", "user", "password", "database"]
    assert [q.secret for q in ask.asked] == [False, False, True, False]
    assert result.url == "postgresql://app:secret%20pw@db.example.com:5432/appdb?sslmode=require"


def test_a_host_answered_with_a_port_is_split() -> None:
    result = build_url(BuildRequest(), Script("db.example.com:6543", "app", "", "appdb"))
    assert result.url == "postgresql://app@db.example.com:6543/appdb?sslmode=require"


def test_an_empty_password_answer_means_no_password() -> None:
    result = build_url(BuildRequest(Provider.LOCAL), Script("", "postgres"))
    assert result.url == "postgresql://postgres@localhost:5432/postgres"


def test_supabase_session_pooler_asks_for_the_region() -> None:
    ask = Script("us-east-1")
    req = BuildRequest(
        Provider.SUPABASE, user="postgres", no_password=True, project_ref="abcdefghij", pooled=True,
        mode=PoolMode.SESSION, database="postgres",
    )  # fmt: skip
    result = build_url(req, ask)
    assert [q.name for q in ask.asked] == ["region"]
    assert result.url == (
        "postgresql://postgres.abcdefghij@aws-0-us-east-1.pooler.supabase.com:5432/postgres?sslmode=require"
    )


def test_fly_mpg_preset_builds_direct_and_derives_pooled_from_the_row() -> None:
    req = BuildRequest(Provider.FLY_MPG, cluster="abc123xyz", no_password=True)
    assert (
        build_url(req).url == "postgresql://fly-user@direct.abc123xyz.flympg.net:5432/fly-db?sslmode=require"
    )
    pooled = build_url(BuildRequest(Provider.FLY_MPG, cluster="abc123xyz", no_password=True, pooled=True))
    assert pooled.conninfo is not None and pooled.conninfo.host == "pgbouncer.abc123xyz.flympg.net"


def test_planetscale_preset_carries_its_tls_settings() -> None:
    req = BuildRequest(
        Provider.PLANETSCALE, host="abc123xyz-useast1-1.horizon.psdb.cloud", user="postgres.abc123xyz",
        no_password=True, pooled=True,
    )  # fmt: skip
    assert build_url(req).url == (
        "postgresql://postgres.abc123xyz@abc123xyz-useast1-1.horizon.psdb.cloud:6432/postgres"
        "?sslmode=verify-full&sslrootcert=system&sslnegotiation=direct"
    )


def test_a_provider_whose_pooler_is_not_derivable_is_a_usage_error_with_the_reason() -> None:
    import pytest

    from pgconnect_cli.errors import UsageError

    req = BuildRequest(
        Provider.RAILWAY, host="postgres.railway.internal", port=5432, no_password=True, pooled=True
    )
    with pytest.raises(UsageError, match="service names"):
        build_url(req)


def test_digitalocean_pooled_uses_the_pool_port_and_says_the_database_is_the_pool() -> None:
    req = BuildRequest(
        Provider.DIGITALOCEAN, host="db-postgresql-nyc3-1-do-user-1-0.b.db.ondigitalocean.com",
        no_password=True, pooled=True, database="mypool",
    )  # fmt: skip
    result = build_url(req)
    assert result.conninfo is not None and result.conninfo.port == 25061
    assert any("pool name" in n for n in result.notes)
