"""The static findings the provider rows give: read-only endpoint for migrations, a host on a
private or IPv6-only network, a provider that shut down. Offline."""

from __future__ import annotations

import pytest

from pgconnect_cli.checks.url import Context, check_url


def ids(url: str, context: Context = Context.APP) -> list[str]:
    return [f.id for f in check_url(url, context=context).findings]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:pw@mycluster.cluster-ro-c7abcdefgh.us-east-1.rds.amazonaws.com/postgres?sslmode=require",
        "postgresql://doadmin:pw@replica-db-postgresql-nyc3-1-do-user-1-0.b.db.ondigitalocean.com:25060/defaultdb?sslmode=require",
        "postgres://postgres:pw@my-db.internal:5433/postgres?sslmode=require",
    ],
    ids=["aurora-reader", "digitalocean-standby", "fly-5433"],
)
def test_a_read_only_endpoint_as_the_migration_url_is_a_warning(url: str) -> None:
    assert "read-only-endpoint" in ids(url, Context.MIGRATE)


def test_a_read_only_endpoint_for_the_app_is_fine() -> None:
    url = "postgresql://postgres:pw@mycluster.cluster-ro-c7abcdefgh.us-east-1.rds.amazonaws.com/postgres?sslmode=require"
    assert "read-only-endpoint" not in ids(url, Context.APP)


def test_the_writer_as_the_migration_url_is_fine() -> None:
    url = "postgresql://postgres:pw@mycluster.cluster-c7abcdefgh.us-east-1.rds.amazonaws.com/postgres?sslmode=require"
    assert "read-only-endpoint" not in ids(url, Context.MIGRATE)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres:pw@my-db.flycast:5432/postgres",
        "postgresql://fly-user:pw@direct.abc123xyz.flympg.net/fly-db",
        "postgresql://postgres:pw@postgres.railway.internal:5432/railway",
        "postgresql://postgres:pw@db.apbkobhfnmcqqzqeeqss.supabase.co:5432/postgres?sslmode=require",
    ],
    ids=["fly-flycast", "fly-mpg", "railway-internal", "supabase-direct"],
)
def test_a_host_on_a_private_or_ipv6_only_network_says_so(url: str) -> None:
    found = [f for f in check_url(url).findings if f.id == "host-network-restricted"]
    assert len(found) == 1 and found[0].severity.value == "info"


def test_a_public_host_has_no_network_note() -> None:
    url = "postgres://postgres.apbkobhfnmcqqzqeeqss:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres"
    assert "host-network-restricted" not in ids(url)


def test_a_tembo_host_is_a_shut_down_provider() -> None:
    url = "postgresql://postgres:pw@org-acme-inst-app.data-1.use1.tembo.io:5432/postgres?sslmode=require"
    found = [f for f in check_url(url).findings if f.id == "provider-shut-down"]
    assert len(found) == 1 and "2025" in found[0].detail and found[0].severity.value == "error"


def test_a_live_provider_is_not_shut_down() -> None:
    assert "provider-shut-down" not in ids(
        "postgresql://u:pw@ep-x-1.us-east-2.aws.neon.tech/db?sslmode=require"
    )
