"""`pgc doctor --instances N` against the suite's tiny PostgreSQL (max_connections 3, one slot
reserved for superusers: two for the app): the doctor's `connection-budget`, from the limits its
own login read. The pool is the URL's `connection_limit` (Prisma 6) or the client's default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pgconnect_cli.doctor import DoctorOptions
from pgconnect_cli.doctor import run as run_doctor
from pgconnect_cli.targets import Source, Target
from tests.doctor.helpers import check, ids, one
from tests.helpers import cli
from tests.pool.test_pool_live import holding


def doctor(url: str, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("doctor", "--json", "--client", "prisma6", "--url", f"DATABASE_URL={url}", *args)
    assert result.exit_code in (0, 1), result.stderr
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict)
    return result.exit_code, doc


def with_limit(url: str, n: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}connection_limit={n}"


def budget_line(url: str, instances: int | None, target: str = "DATABASE_URL") -> str | None:
    """The server check's connection-budget evidence line (`pgc doctor -v` prints it), or None."""
    report = run_doctor(
        [Target(target, url, Source.FLAG)], DoctorOptions(instances=instances, client="prisma6", environ={})
    )
    [server] = [c for c in report.targets[0].checks if c.layer == "server"]
    return next((line for line in server.evidence if line.startswith("connection budget")), None)


def test_instances_beyond_the_live_limit_are_a_connection_budget_error_exit_1(
    tiny_url: str, isolation: Path
) -> None:
    code, doc = doctor(with_limit(tiny_url, 1), "--instances", "3")
    assert code == 1
    f = one(doc, "connection-budget")
    assert f["severity"] == "error"
    assert "a pool of 1 (connection_limit in DATABASE_URL) × 3 instances = 3 connections" in f["detail"]
    assert "the live server allows 2 (max_connections 3 − 1 reserved): 1 over" in f["detail"]
    assert f["fix"].startswith("Run at most 2 instances at a pool of 1; or send app traffic through a pooler")
    assert check(doc, "DATABASE_URL", "server")["status"] == "fail"


def test_instances_that_fit_have_no_connection_budget_finding(tiny_url: str, isolation: Path) -> None:
    code, doc = doctor(with_limit(tiny_url, 1), "--instances", "1")
    assert "connection-budget" not in ids(doc)
    assert code == 0, [f["id"] for f in doc["findings"]]
    assert budget_line(with_limit(tiny_url, 1), 1) == (
        "connection budget: 1 (connection_limit in DATABASE_URL) × 1 instance = 1 of the limit 2 "
        "(max_connections 3 − 1 reserved), headroom 1; 0 in use besides pgc's own connection, 2 free now"
    )


def test_instances_that_take_the_last_slot_are_a_connection_budget_warning(
    tiny_url: str, isolation: Path
) -> None:
    code, doc = doctor(with_limit(tiny_url, 1), "--instances", "2")
    assert code == 0
    assert one(doc, "connection-budget")["severity"] == "warning"


def test_connections_opened_on_the_server_show_in_the_budget_evidence(tiny_url: str, isolation: Path) -> None:
    before = budget_line(with_limit(tiny_url, 1), 1)
    with holding(tiny_url, 1):
        during = budget_line(with_limit(tiny_url, 1), 1)
    assert before is not None and before.endswith("; 0 in use besides pgc's own connection, 2 free now")
    assert during is not None and during.endswith("; 1 in use besides pgc's own connection, 1 free now")


def test_without_instances_the_budget_is_not_checked(tiny_url: str, isolation: Path) -> None:
    assert budget_line(with_limit(tiny_url, 1), None) is None
    _, doc = doctor(with_limit(tiny_url, 1))
    assert "connection-budget" not in ids(doc)


def test_instances_from_the_settings_file(tiny_url: str, isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text("instances = 3\n")
    code, doc = doctor(with_limit(tiny_url, 1))
    assert code == 1
    assert "× 3 instances" in one(doc, "connection-budget")["detail"]


def test_the_flag_wins_over_the_settings_file(tiny_url: str, isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text("instances = 3\n")
    _, doc = doctor(with_limit(tiny_url, 1), "--instances", "1")
    assert "connection-budget" not in ids(doc)


def test_the_clients_default_pool_is_the_configured_pool(tiny_url: str, isolation: Path) -> None:
    result = cli(
        "doctor",
        "--json",
        "--client",
        "node-postgres",
        "--instances",
        "1",
        "--url",
        f"DATABASE_URL={tiny_url}",
    )
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    detail = one(doc, "connection-budget")["detail"]
    assert "a pool of 10 (node-postgres (pg)'s default max (10)) × 1 instance = 10 connections" in detail


def test_through_pgbouncer_the_servers_limit_is_not_the_apps(pooled_url: str, isolation: Path) -> None:
    url = with_limit(pooled_url, 50) + "&pgbouncer=true"
    _, doc = doctor(url, "--instances", "100")
    assert "connection-budget" not in ids(doc)
    line = budget_line(url, 100)
    assert line is not None and "through a pooler the server's max_connections" in line


def test_the_migration_url_carries_no_app_pool(tiny_url: str, isolation: Path) -> None:
    result = cli(
        "doctor", "--json", "--client", "node-postgres", "--instances", "5", "--url", f"DIRECT_URL={tiny_url}"
    )
    doc = json.loads(result.stdout)
    assert "connection-budget" not in ids(doc)


def test_a_bad_instances_value_is_one_line_and_exit_2(isolation: Path) -> None:
    result = cli("doctor", "--instances", "0", "--url", "postgresql://a@127.0.0.1:1/d")
    assert result.exit_code == 2
    assert "--instances 0" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
