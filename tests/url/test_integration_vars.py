"""Target discovery reads the variable names provider integrations set, with their roles."""

from __future__ import annotations

import pytest

from pgconnect_cli.targets import Expected, discover, expected_for

URL = "postgresql://u:pw@db.example.com/db"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("POSTGRES_URL_NON_POOLING", Expected.DIRECT),
        ("POSTGRES_PRISMA_URL", Expected.POOLED),
        ("DATABASE_URL_UNPOOLED", Expected.DIRECT),
        ("DATABASE_UNPOOLED_URL", Expected.DIRECT),
        ("DATABASE_PUBLIC_URL", Expected.POOLED),
        ("DATABASE_CONNECTION_POOL_URL", Expected.POOLED),
        ("HEROKU_POSTGRESQL_AMBER_URL", Expected.DIRECT),
        ("DATABASE_URL_POOLED", Expected.POOLED),
        ("DATABASE_URL", Expected.POOLED),
    ],
)
def test_an_integration_variable_has_its_role(name: str, expected: Expected) -> None:
    assert expected_for(name) is expected


def test_an_ambiguous_name_has_no_role() -> None:
    assert expected_for("POSTGRES_URL") is None  # pooled on Vercel, direct for Prisma Postgres


def test_beside_database_url_pooled_database_url_is_the_direct_url() -> None:
    found = {t.name: t.expected for t in discover({"DATABASE_URL": URL, "DATABASE_URL_POOLED": URL}, [])}
    assert found == {"DATABASE_URL": Expected.DIRECT, "DATABASE_URL_POOLED": Expected.POOLED}


def test_a_heroku_color_variable_is_discovered_even_when_empty_of_a_scheme() -> None:
    found = discover({"HEROKU_POSTGRESQL_AMBER_URL": "host=db.example.com"}, [])
    assert [t.name for t in found] == ["HEROKU_POSTGRESQL_AMBER_URL"]
