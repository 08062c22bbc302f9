"""The budget arithmetic of `pgc pool plan` (pure): the seed examples of the Prisma docs, plan
limits from the provider table, the limit chosen per endpoint, the Prisma CLI's direct budget."""

from __future__ import annotations

import pytest

from pgconnect_cli.findings import Severity
from pgconnect_cli.pool import (
    EndpointKind,
    Inputs,
    LimitSource,
    LiveLimits,
    PoolClient,
    budget,
    default_pool,
    setting_for,
)
from pgconnect_cli.usecases.pool_plan import plan_limits


def inputs(**overrides: object) -> Inputs:
    values: dict[str, object] = {
        "cpus": 4,
        "cpus_source": "--cpus",
        "instances": 1,
        "serverless": False,
        "concurrency": None,
        "pool_size": None,
        "pool_size_source": "",
        "client": None,
        "client_source": "",
        "provider": None,
        "plan": None,
        "endpoint": None,
        "max_connections": None,
        "url": None,
    }
    values.update(overrides)
    return Inputs(**values)  # type: ignore[arg-type]


def live(**overrides: object) -> LiveLimits:
    values: dict[str, object] = {
        "max_connections": 100,
        "superuser_reserved": 3,
        "reserved": None,
        "in_use": 0,
        "role_limit": None,
        "database_limit": None,
        "superuser": False,
        "server_version": "15.18",
        "through_pooler": False,
    }
    values.update(overrides)
    return LiveLimits(**values)  # type: ignore[arg-type]


def test_one_instance_on_four_cpus_gets_nine_connections() -> None:
    b = budget(inputs(), plan=None, live=None)
    assert (b.per_instance, b.total) == (9, 9)


def test_two_instances_share_the_pool_at_four_each_within_nine() -> None:
    b = budget(inputs(instances=2), plan=None, live=None)
    assert b.per_instance == 4
    assert b.total == 8 <= 9


def test_a_serverless_function_without_a_pooler_starts_at_one_connection() -> None:
    b = budget(inputs(serverless=True, concurrency=50, endpoint=EndpointKind.DIRECT), plan=None, live=None)
    assert b.per_instance == 1


def test_a_serverless_function_behind_a_pooler_starts_from_the_default_pool() -> None:
    b = budget(inputs(serverless=True, endpoint=EndpointKind.POOLED), plan=None, live=None)
    assert b.per_instance == 9


def test_200_functions_at_3_against_prisma_postgres_pro_pooled_is_over_budget() -> None:
    pro = plan_limits("prisma-postgres", "pro")
    b = budget(
        inputs(
            serverless=True,
            concurrency=200,
            pool_size=3,
            endpoint=EndpointKind.POOLED,
            client=PoolClient.PRISMA_6,
        ),
        plan=pro,
        live=None,
    )
    assert b.total == 600
    assert (b.limit.connections, b.limit.source, b.limit.endpoint) == (
        500,
        LimitSource.PLAN,
        EndpointKind.POOLED,
    )
    assert b.headroom == -100
    assert b.max_instances == 166
    [f] = b.findings
    assert (f.id, f.severity) == ("connection-budget", Severity.ERROR)
    assert "600" in f.detail and "500" in f.detail
    assert "connection_limit=2&pool_timeout=10" in f.fix
    assert "at most 166 concurrent functions" in f.fix


@pytest.mark.parametrize(
    ("plan", "direct", "pooled"),
    [("free", 10, 10), ("starter", 10, 100), ("pro", 50, 500), ("business", 100, 1000)],
)
def test_each_prisma_postgres_plan_has_its_direct_and_pooled_limits(
    plan: str, direct: int, pooled: int
) -> None:
    limits = plan_limits("prisma-postgres", plan)
    assert limits is not None
    assert (limits.direct, limits.pooled) == (direct, pooled)
    assert "connection-pooling" in limits.source  # the table says where each figure comes from


@pytest.mark.parametrize(("endpoint", "expected"), [(EndpointKind.POOLED, 500), (EndpointKind.DIRECT, 50)])
def test_the_plan_limit_follows_the_endpoint(endpoint: EndpointKind, expected: int) -> None:
    b = budget(inputs(endpoint=endpoint), plan=plan_limits("prisma-postgres", "pro"), live=None)
    assert b.limit.connections == expected


def test_a_total_within_the_limit_but_under_ten_percent_headroom_is_a_warning() -> None:
    b = budget(inputs(instances=19, pool_size=5, max_connections=100), plan=None, live=None)
    assert (b.total, b.headroom) == (95, 5)
    [f] = b.findings
    assert (f.id, f.severity) == ("connection-budget", Severity.WARNING)


def test_a_total_with_ample_headroom_has_no_finding() -> None:
    b = budget(inputs(instances=2, max_connections=100), plan=None, live=None)
    assert b.headroom == 92
    assert b.findings == ()


def test_without_any_limit_there_is_no_headroom_and_no_finding() -> None:
    b = budget(inputs(instances=50), plan=None, live=None)
    assert (b.limit.source, b.headroom, b.max_instances, b.findings) == (LimitSource.UNKNOWN, None, None, ())


def test_the_live_limit_is_max_connections_minus_the_reserved_slots() -> None:
    b = budget(inputs(), plan=None, live=live(max_connections=100, superuser_reserved=3, reserved=2))
    assert (b.limit.connections, b.limit.source) == (95, LimitSource.SERVER)


def test_a_role_connection_limit_tighter_than_the_server_is_the_limit() -> None:
    b = budget(inputs(instances=3), plan=None, live=live(role_limit=10))
    assert b.limit.connections == 10
    assert "role" in b.limit.origin


def test_through_a_pooler_the_servers_max_connections_is_not_the_apps_limit() -> None:
    b = budget(inputs(instances=50), plan=None, live=live(max_connections=5, through_pooler=True))
    assert b.limit.source is LimitSource.UNKNOWN
    assert b.findings == ()


def test_the_max_connections_flag_overrides_plan_and_server() -> None:
    b = budget(inputs(max_connections=7), plan=plan_limits("prisma-postgres", "pro"), live=live())
    assert (b.limit.connections, b.limit.source) == (7, LimitSource.FLAG)


def test_the_prisma_cli_direct_connections_count_in_the_direct_budget() -> None:
    free = plan_limits("prisma-postgres", "free")
    b = budget(
        inputs(endpoint=EndpointKind.DIRECT, pool_size=9, client=PoolClient.PRISMA_6), plan=free, live=None
    )
    assert b.direct is not None
    assert (b.direct.limit, b.direct.prisma_cli, b.direct.app) == (10, 2, 9)
    assert b.headroom == -1  # 9 for the app + 2 for `prisma migrate deploy` > 10
    assert b.findings[0].id == "connection-budget"
    assert "migrate deploy" in b.findings[0].detail


def test_a_prisma_app_on_the_pooler_leaves_the_direct_budget_to_the_cli() -> None:
    b = budget(
        inputs(endpoint=EndpointKind.POOLED, client=PoolClient.PRISMA_6),
        plan=plan_limits("prisma-postgres", "free"),
        live=None,
    )
    assert b.direct is not None
    assert (b.direct.app, b.direct.headroom) == (0, 8)


def test_the_recommendation_never_exceeds_the_limits_share_of_each_instance() -> None:
    b = budget(inputs(instances=4, max_connections=10), plan=None, live=None)
    assert b.per_instance == 2


@pytest.mark.parametrize(
    ("client", "cpus", "expected"),
    [
        (PoolClient.PRISMA_6, 4, 9),
        (PoolClient.PRISMA_7, 4, 10),
        (PoolClient.NODE_POSTGRES, 4, 10),
        (PoolClient.POSTGRES_JS, 4, 10),
        (PoolClient.SQLALCHEMY, 4, 15),
        (PoolClient.ASYNCPG, 4, 10),
        (PoolClient.RAILS, 4, 5),
        (PoolClient.PGX, 2, 4),
        (PoolClient.PGX, 16, 16),
    ],
)
def test_each_clients_default_pool(client: PoolClient, cpus: int, expected: int) -> None:
    assert default_pool(client, cpus) == expected


def test_prisma_6_sets_the_pool_in_the_url_and_prisma_7_in_the_adapter() -> None:
    six, seven = setting_for(PoolClient.PRISMA_6, 5), setting_for(PoolClient.PRISMA_7, 5)
    assert (six.where, six.set) == ("DATABASE_URL (query parameters)", "connection_limit=5&pool_timeout=10")
    assert seven.set == "new PrismaPg({ connectionString, max: 5 })"


@pytest.mark.parametrize(
    ("client", "text"),
    [
        (PoolClient.NODE_POSTGRES, "new Pool({ connectionString, max: 3 })"),
        (PoolClient.POSTGRES_JS, "postgres(url, { max: 3 })"),
        (PoolClient.PSYCOPG_POOL, "ConnectionPool(conninfo, min_size=3, max_size=3)"),
        (PoolClient.SQLALCHEMY, "create_engine(url, pool_size=3, max_overflow=0)"),
        (PoolClient.ASYNCPG, "asyncpg.create_pool(dsn, min_size=3, max_size=3)"),
        (PoolClient.PGX, "pool_max_conns=3"),
        (PoolClient.RAILS, "pool: 3"),
    ],
)
def test_each_client_gets_its_own_setting(client: PoolClient, text: str) -> None:
    assert setting_for(client, 3).set == text


def test_the_doctors_budget_fires_when_the_configured_pool_times_instances_exceeds_the_server() -> None:
    from pgconnect_cli.pool import configured_over_live

    f = configured_over_live(
        pool=5,
        pool_source="connection_limit",
        instances=3,
        live=live(max_connections=13),
        target="DATABASE_URL",
    )
    assert f is not None and (f.id, f.severity) == ("connection-budget", Severity.ERROR)


def test_the_doctors_budget_is_silent_when_the_instances_fit() -> None:
    from pgconnect_cli.pool import configured_over_live

    assert (
        configured_over_live(
            pool=5, pool_source="connection_limit", instances=2, live=live(), target="DATABASE_URL"
        )
        is None
    )


def test_the_doctors_budget_warns_under_ten_percent_headroom() -> None:
    from pgconnect_cli.pool import configured_over_live

    f = configured_over_live(
        pool=10,
        pool_source="max",
        instances=9,
        live=live(max_connections=100, superuser_reserved=3),
        target="X",
    )
    assert f is not None and f.severity is Severity.WARNING  # 90 of 97: 7 left


def test_the_doctors_budget_fix_never_says_a_pool_of_zero() -> None:
    from pgconnect_cli.pool import configured_over_live

    f = configured_over_live(
        pool=1,
        pool_source="connection_limit",
        instances=3,
        live=live(max_connections=3, superuser_reserved=1),
        target="X",
    )
    assert f is not None
    assert f.fix.startswith("Run at most 2 instances at a pool of 1")


def test_the_doctors_budget_is_silent_through_a_pooler() -> None:
    from pgconnect_cli.pool import configured_over_live

    tight = live(max_connections=5, through_pooler=True)
    assert configured_over_live(pool=50, pool_source="max", instances=9, live=tight, target="X") is None


@pytest.mark.parametrize(
    ("row_id", "params", "cpus", "expected"),
    [
        ("prisma6", {"connection_limit": "7"}, 4, (7, "connection_limit in DATABASE_URL")),
        ("prisma6", {}, 4, (9, "Prisma ORM 6 and older (query engine)'s default connection_limit")),
        ("prisma6", {}, None, None),  # a per-CPU default without the CPUs: unknown
        (
            "prisma7-pg",
            {"connection_limit": "7"},
            4,
            (10, "Prisma ORM 7 with @prisma/adapter-pg's default max"),
        ),
        ("pgx", {"pool_max_conns": "6"}, 4, (6, "pool_max_conns in DATABASE_URL")),
        ("postgres.js", {"max": "3"}, 4, (3, "max in DATABASE_URL")),
        (
            "node-postgres",
            {"max": "3"},
            4,
            (10, "node-postgres (pg)'s default max"),
        ),  # pg reads no max in the URL
        ("psycopg2", {}, 4, None),  # maxconn has no default
        (None, {"connection_limit": "4"}, 4, (4, "connection_limit in DATABASE_URL")),
        (None, {}, 4, None),
    ],
)
def test_the_configured_pool_is_the_urls_parameter_the_client_reads_else_its_default(
    row_id: str | None, params: dict[str, str], cpus: int | None, expected: tuple[int, str] | None
) -> None:
    from pgconnect_cli.known_clients import row
    from pgconnect_cli.pool import configured_pool

    got = configured_pool(row(row_id) if row_id else None, params, target="DATABASE_URL", cpus=cpus)
    if expected is None:
        assert got is None
    else:
        assert got is not None and (got.size, got.source[: len(expected[1])]) == expected


def test_the_doctors_live_limits_come_from_the_logins_server_facts() -> None:
    from pgconnect_cli.doctor.observations import ServerFacts
    from pgconnect_cli.pool import live_limits

    facts = ServerFacts(
        version="15.18",
        max_connections=3,
        reserved=1,
        in_use=2,
        role_conn_limit=-1,
        db_conn_limit=-1,
        server_port=5432,
    )
    limits = live_limits(facts, dialed_port=5432, pooled=False)
    assert limits is not None
    assert (limits.slots, limits.in_use, limits.free, limits.role_limit, limits.through_pooler) == (
        2,
        1,
        1,
        None,
        False,
    )
    behind = live_limits(facts, dialed_port=6432, pooled=False)
    assert behind is not None and behind.through_pooler
    assert live_limits(ServerFacts(error="boom"), dialed_port=5432, pooled=False) is None


def test_every_pool_plan_client_has_its_pool_facts_in_the_client_table() -> None:
    from pgconnect_cli.known_clients import row
    from pgconnect_cli.pool import ROW_OF, PoolClient

    for client in PoolClient:
        pool = row(ROW_OF[client]).pool
        assert pool.sets and pool.place, client
        assert pool.default_size(4) is not None, client
