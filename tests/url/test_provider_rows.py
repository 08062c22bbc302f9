"""Every provider row, read back on the URLs its own docs show: provider, endpoint, pool mode, and
both derivations or the reason why not. Offline: nothing here resolves or dials a host."""

from __future__ import annotations

import pytest

from pgconnect_cli.conninfo import parse, to_uri
from pgconnect_cli.providers import (
    PROVIDER_ROWS,
    DerivationError,
    EndpointRule,
    PoolMode,
    Provider,
    classify,
    derive_direct,
    derive_pooled,
    swap_reader,
)

RULES = [
    pytest.param(row.id, rule, id=f"{row.id.value}:{rule.name}")
    for row in PROVIDER_ROWS
    for rule in row.endpoints
]


@pytest.mark.parametrize(("provider", "rule"), RULES)
def test_each_host_form_classifies_its_own_example(provider: Provider, rule: EndpointRule) -> None:
    c = classify(parse(rule.example))
    assert (c.provider, c.endpoint, c.pool_mode, c.reason) == (
        provider,
        rule.endpoint,
        rule.pool_mode,
        rule.reason,
    )


def _derive(url: str, way: str) -> str:
    ci = parse(url)
    try:
        derived = derive_direct(ci) if way == "direct" else derive_pooled(ci)
    except DerivationError as exc:
        return f"not derivable: {exc.reason}"
    return to_uri(derived) if derived is not ci else "same"


# (example URL, derived direct, derived pooled) — a URL, "same" (already that endpoint) or the reason.
DERIVATIONS = [
    (
        "postgres://USER:pw@pooled.db.prisma.io:5432/postgres?sslmode=require",
        "postgres://USER:pw@db.prisma.io:5432/postgres?sslmode=require",
        "same",
    ),
    (
        "postgresql://alex:pw@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/dbname?sslmode=require&channel_binding=require",
        "same",
        "postgresql://alex:pw@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/dbname?sslmode=require&channel_binding=require",
    ),
    (
        "postgres://default:pw@ep-snowy-hat-a4b2c3d4-pooler.us-east-1.postgres.vercel-storage.com:5432/verceldb?sslmode=require",
        "postgres://default:pw@ep-snowy-hat-a4b2c3d4.us-east-1.postgres.vercel-storage.com:5432/verceldb?sslmode=require",
        "same",
    ),
    (
        "postgres://postgres.apbkobhfnmcqqzqeeqss:pw@aws-us-east-1.pooler.supabase.com:6543/postgres",
        "postgres://postgres:pw@db.apbkobhfnmcqqzqeeqss.supabase.co:5432/postgres",
        "same",
    ),
    (
        "postgresql://postgres:pw@db.apbkobhfnmcqqzqeeqss.supabase.co:6543/postgres",
        "postgresql://postgres:pw@db.apbkobhfnmcqqzqeeqss.supabase.co:5432/postgres",
        "same",
    ),
    (
        "postgresql://fly-user:pw@pgbouncer.abc123xyz.flympg.net/fly-db",
        "postgresql://fly-user:pw@direct.abc123xyz.flympg.net/fly-db",
        "same",
    ),
    (
        "postgres://application:pw@p.vbjrfujv5beutaoelw725gvi3i.db.postgresbridge.com:5432/postgres",
        "same",
        "postgres://application:pw@p.vbjrfujv5beutaoelw725gvi3i.db.postgresbridge.com:5431/postgres",
    ),
    (
        "postgresql://postgres.abc123xyz:pw@abc123xyz-useast1-1.horizon.psdb.cloud:6432/postgres?sslmode=verify-full&sslrootcert=system&sslnegotiation=direct",
        "postgresql://postgres.abc123xyz:pw@abc123xyz-useast1-1.horizon.psdb.cloud:5432/postgres?sslmode=verify-full&sslrootcert=system&sslnegotiation=direct",
        "same",
    ),
    (
        "postgresql://postgres:pw@a1b2c3d4e5f6.a1b2c3d4e5f6.us-central1.sql.goog:6432/postgres?sslmode=require",
        "postgresql://postgres:pw@a1b2c3d4e5f6.a1b2c3d4e5f6.us-central1.sql.goog:5432/postgres?sslmode=require",
        "same",
    ),
    (
        "postgresql://myadmin:pw@myserver.postgres.database.azure.com:5432/postgres?sslmode=require",
        "same",
        "postgresql://myadmin:pw@myserver.postgres.database.azure.com:6432/postgres?sslmode=require",
    ),
    (
        "postgresql://doadmin:pw@db-postgresql-nyc3-12345-do-user-1234567-0.b.db.ondigitalocean.com:25060/defaultdb?sslmode=require",
        "same",
        "not derivable: DigitalOcean pools are named: give the pool name",
    ),
    (
        "postgresql://doadmin:pw@db-postgresql-nyc3-12345-do-user-1234567-0.b.db.ondigitalocean.com:25061/mypool?sslmode=require",
        "not derivable: the pool URL names the pool, not the database behind it",
        "same",
    ),
    (
        "postgres://u1a2b3c4d5e6f7:pw@c5abcdefghijkl.cluster-czrs8kj4isg7.us-east-1.rds.amazonaws.com:5432/d1a2b3c4d5e6f7",
        "not derivable: Heroku's URLs are config vars, not derivable from each other",
        "not derivable: Heroku's pooler address is not documented and not derivable",
    ),
    (
        "postgresql://app_user:pw@dpg-abcdefghij0123456789-a.oregon-postgres.render.com/app_db",
        "same",
        "not derivable: Render's pooler address is the connectionPoolString, not derivable",
    ),
    (
        "postgresql://postgres:pw@postgres.railway.internal:5432/railway",
        "not derivable: Railway host names are service names",
        "not derivable: Railway host names are service names",
    ),
    (
        "postgres://avnadmin:pw@pg-myproject.a.aivencloud.com:12691/defaultdb?sslmode=require",
        "not derivable: Aiven's ports are random per service",
        "not derivable: Aiven's pool ports are random per service",
    ),
    (
        "postgres://tsdbadmin:pw@abcd1234.efgh5678.tsdb.cloud.timescale.com:29303/tsdb_transaction?sslmode=require",
        "not derivable: Timescale's database and pooler listen on different random ports",
        "same",
    ),
    (
        "postgresql://postgres:pw@mydb.c7abcdefgh.us-east-1.rds.amazonaws.com:5432/postgres",
        "same",
        "not derivable: AWS RDS / Aurora has no known pooler endpoint for this host",
    ),
    (
        "postgresql://u:pw@the-proxy.proxy-demo.us-east-1.rds.amazonaws.com:5432/db",
        "not derivable: an RDS Proxy endpoint does not reveal the database instance behind it",
        "same",
    ),
    (
        "postgres://0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:pw@us-west-2.db.thenile.dev:5432/mydb",
        "not derivable: Nile documents no pooler",
        "not derivable: Nile documents no pooler",
    ),
    (
        "postgresql://postgres:pw@org-acme-inst-app.data-1.use1.tembo.io:5432/postgres?sslmode=require",
        "not derivable: Tembo Cloud shut down in 2025",
        "not derivable: Tembo Cloud shut down in 2025",
    ),
    (
        "postgresql://postgres:pw@abc123-pooler.us-east-1.xata.sh:5432/app?sslmode=require",
        "not derivable: Xata's host form is not confirmed",
        "not derivable: Xata's host form is not confirmed",
    ),
    (
        "postgres://postgres:pw@my-db.flycast:5432/postgres",
        "same",
        "not derivable: unmanaged Fly Postgres has no built-in pooler",
    ),
]


@pytest.mark.parametrize(
    ("url", "direct", "pooled"),
    DERIVATIONS,
    ids=[classify(parse(u)).provider.value for u, _, _ in DERIVATIONS],
)
def test_each_row_derives_both_ways_or_says_why_not(url: str, direct: str, pooled: str) -> None:
    assert (_derive(url, "direct"), _derive(url, "pooled")) == (direct, pooled)


def test_every_row_with_host_forms_is_exercised_by_a_derivation_case() -> None:
    covered = {classify(parse(u)).provider for u, _, _ in DERIVATIONS}
    with_forms = {row.id for row in PROVIDER_ROWS if row.endpoints}
    assert with_forms - covered == set()


@pytest.mark.parametrize(
    "host",
    [
        "mydb.c7abcdefgh.rds.cn-north-1.amazonaws.com.cn",
        "mydb.c7abcdefgh.cn-north-1.rds.amazonaws.com.cn",
        "mydb.c7abcdefgh.us-gov-west-1.rds.amazonaws.com",
        "mycluster.cluster-c7abcdefgh.rds.us-gov-west-1.amazonaws.com",
    ],
)
def test_aws_china_and_govcloud_hosts_are_aws(host: str) -> None:
    assert classify(parse(f"postgresql://u:pw@{host}/db")).provider is Provider.AWS_RDS


def test_aurora_writer_and_reader_swap_by_the_cluster_label() -> None:
    writer = parse("postgresql://u:pw@mycluster.cluster-c7abcdefgh.us-east-1.rds.amazonaws.com/db")
    reader = swap_reader(writer)
    assert reader is not None and reader.host == "mycluster.cluster-ro-c7abcdefgh.us-east-1.rds.amazonaws.com"
    back = swap_reader(reader)
    assert back is not None and back.host == writer.host


def test_heroku_needs_its_user_and_database_shapes_else_it_is_aurora() -> None:
    url = "postgres://app:pw@c5abcdefghijkl.cluster-czrs8kj4isg7.us-east-1.rds.amazonaws.com:5432/app"
    assert classify(parse(url)).provider is Provider.AWS_RDS


def test_the_heroku_rule_is_marked_a_heuristic() -> None:
    url = "postgres://u1a2b3c4d5e6f7:pw@c5abcdefghijkl.cluster-czrs8kj4isg7.us-east-1.rds.amazonaws.com/d1a2b3c4d5e6f7"
    c = classify(parse(url))
    assert c.heuristic and "heuristic" in c.reason


def test_timescale_transaction_pool_becomes_the_session_pool_by_dropping_the_suffix() -> None:
    url = "postgres://tsdbadmin:pw@abcd1234.efgh5678.tsdb.cloud.timescale.com:29303/tsdb_transaction"
    assert derive_pooled(parse(url), mode=PoolMode.SESSION).dbname == "tsdb"


def test_supabase_region_in_the_new_shared_pooler_form_is_kept() -> None:
    direct = parse("postgres://postgres:pw@db.abcdefghij.supabase.co:5432/postgres")
    assert derive_pooled(direct, region="aws-us-east-1").host == "aws-us-east-1.pooler.supabase.com"


def test_a_two_label_internal_name_on_5432_stays_generic() -> None:
    assert classify(parse("postgresql://u:pw@db.internal/db")).provider is Provider.GENERIC


def test_fly_mpg_pool_mode_is_per_cluster_so_unknown() -> None:
    c = classify(parse("postgresql://fly-user:pw@pgbouncer.abc123xyz.flympg.net/fly-db"))
    assert c.pool_mode is PoolMode.UNKNOWN and "session mode by default" in c.reason


def test_prisma_plan_limits_are_read_from_the_row() -> None:
    from pgconnect_cli.providers import PRISMA_POSTGRES_PLANS

    assert [(p.plan, p.direct, p.pooled) for p in PRISMA_POSTGRES_PLANS] == [
        ("free", 10, 10), ("starter", 10, 100), ("pro", 50, 500), ("business", 100, 1000),
    ]  # fmt: skip
