"""`pgc pool plan --url` against real servers: the tiny PostgreSQL (max_connections 3, one slot
reserved for superusers) and the lab's PgBouncer. The numbers are the server's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg

from pgconnect_cli.conninfo.convert import libpq_keywords
from pgconnect_cli.conninfo.parse import parse
from tests.helpers import cli


@contextmanager
def holding(url: str, n: int) -> Iterator[None]:
    """`n` open client connections to the server at `url` for the length of the block."""
    with ExitStack() as stack:
        for _ in range(n):
            stack.enter_context(psycopg.connect(**libpq_keywords(parse(url))))  # type: ignore[arg-type]
        yield


def plan(url: str, *args: str) -> tuple[int, dict[str, object]]:
    result = cli("pool", "plan", "--json", "--cpus", "1", "--url", url, *args)
    return result.exit_code, json.loads(result.stdout)


def test_the_live_limit_is_max_connections_minus_the_reserved_slot(tiny_url: str) -> None:
    code, doc = plan(tiny_url, "--pool-size", "1")
    assert code == 0
    assert doc["live"] == {
        "server_version": doc["live"]["server_version"],  # type: ignore[index]
        "max_connections": 3,
        "superuser_reserved_connections": 1,
        "reserved_connections": None,  # PostgreSQL 15: reserved_connections came in 16
        "in_use": 0,
        "free": 2,
        "role_limit": None,
        "database_limit": None,
        "superuser": False,
        "through_pooler": False,
    }
    assert doc["limit"] == {
        "connections": 2,
        "source": "server",
        "endpoint": "direct",
        "origin": "the live server: max_connections 3 − 1 reserved",
    }
    assert (doc["total"], doc["headroom"]) == (1, 1)


def test_connections_opened_on_the_server_show_as_in_use_and_the_free_slots_fall(tiny_url: str) -> None:
    _, before = plan(tiny_url, "--pool-size", "1")
    with holding(tiny_url, 1):
        _, during = plan(tiny_url, "--pool-size", "1")
    assert (before["in_use"], during["in_use"]) == (0, 1)
    assert (before["live"]["free"], during["live"]["free"]) == (2, 1)  # type: ignore[index]


def test_instances_beyond_the_live_limit_are_a_connection_budget_error(tiny_url: str) -> None:
    code, doc = plan(tiny_url, "--pool-size", "1", "--instances", "3")
    assert code == 1
    assert (doc["total"], doc["headroom"], doc["max_instances"]) == (3, -1, 2)
    assert [f["id"] for f in doc["findings"]] == ["connection-budget"]  # type: ignore[union-attr]


def test_a_server_with_no_slot_left_is_too_many_connections(tiny_url: str) -> None:
    with holding(tiny_url, 2):
        code, doc = plan(tiny_url)
    assert code == 1
    assert [f["id"] for f in doc["findings"]] == ["too-many-connections"]  # type: ignore[union-attr]


def test_through_pgbouncer_the_report_says_whose_limits_are_whose(pooled_url: str) -> None:
    code, doc = plan(pooled_url, "--instances", "500")
    assert code == 0
    assert doc["live"]["through_pooler"] is True  # type: ignore[index]
    assert doc["limit"]["source"] == "unknown"  # type: ignore[index]
    notes = " ".join(doc["notes"])  # type: ignore[arg-type]
    assert "max_client_conn" in notes
    assert "cannot be seen without PgBouncer admin access" in notes
