"""`pgc pool plan` on the command line: exit codes, the `pgc.pool/v1` document, the settings for
the project's client, bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli

SEED = ("--serverless", "--concurrency", "200", "--pool-size", "3", "--provider", "prisma-postgres")


def plan_json(*args: str) -> dict[str, object]:
    result = cli("pool", "plan", "--json", *args)
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict)
    return doc


def test_over_the_plans_pooled_limit_exits_1_with_the_connection_budget_error_and_the_fix() -> None:
    result = cli(
        "pool", "plan", "--cpus", "4", *SEED, "--plan", "pro", "--endpoint", "pooled", "--client", "prisma6"
    )
    assert result.exit_code == 1
    assert "[✗] connection-budget" in result.stdout
    assert "3 per pool × 200 concurrent functions = 600 connections; the limit is 500" in result.stdout
    assert "connection_limit=2&pool_timeout=10" in result.stdout


def test_the_json_document_has_the_pool_v1_keys() -> None:
    doc = plan_json("--cpus", "4", *SEED, "--plan", "pro", "--endpoint", "pooled", "--client", "prisma6")
    assert doc["schema"] == "pgc.pool/v1"
    assert doc["ok"] is False
    assert (doc["per_instance"], doc["total"], doc["headroom"], doc["max_instances"]) == (2, 600, -100, 166)
    assert doc["limit"] == {
        "connections": 500,
        "source": "plan",
        "endpoint": "pooled",
        "origin": "Prisma Postgres pro plan, pooled connections",
    }
    inputs = doc["inputs"]
    assert isinstance(inputs, dict)
    assert inputs["concurrency"] == 200 and inputs["serverless"] is True and inputs["plan"] == "pro"
    assert doc["settings"] == [
        {
            "client": "Prisma ORM 6 and older (query engine)",
            "where": "DATABASE_URL (query parameters)",
            "set": "connection_limit=2&pool_timeout=10",
        }
    ]
    findings = doc["findings"]
    assert isinstance(findings, list)
    assert [(f["id"], f["severity"]) for f in findings] == [("connection-budget", "error")]


def test_within_budget_exits_0_and_shows_the_whole_plan() -> None:
    result = cli(
        "pool", "plan", "--cpus", "4", "--instances", "2", "--max-connections", "100",
        "--client", "node-postgres",
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout == (
        "pgc pool plan\n"
        "per instance   4 recommended (4 CPUs × 2 + 1 = 9 ÷ 2 instances)\n"
        "pool now       10 (node-postgres (pg)'s default max (10))\n"
        "total          20 (10 × 2 instances)\n"
        "limit          100 (--max-connections 100; source: flag)\n"
        "headroom       80\n"
        "max instances  10 at a pool of 10\n"
        "\n"
        "settings for 4 connections per instance:\n"
        "  node-postgres (pg): new Pool({ connectionString, max: 4 })  (where the Pool is created)\n"
        "\n"
        "[✓] within budget; 0 errors, 0 warnings, 0 info\n"
    )


def test_the_default_cpus_are_this_machines_and_the_report_says_to_give_productions() -> None:
    result = cli("pool", "plan")
    assert result.exit_code == 0
    assert "give the production instance's" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--instances", "0"), "--instances"),
        (("--concurrency", "5"), "--concurrency counts concurrent serverless functions"),
        (("--provider", "prisma-postgres"), "needs --plan (one of: free, starter, pro, business)"),
        (("--provider", "prisma-postgres", "--plan", "gold"), "--plan gold: not a Prisma Postgres plan"),
        (("--provider", "nowhere", "--plan", "pro"), "--provider nowhere: not a provider"),
        (("--plan", "pro"), "--plan needs --provider"),
        (("--url", "postgresql://a@h/d%zz"), "percent"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = cli("pool", "plan", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def write_package(root: Path, deps: dict[str, str]) -> None:
    (root / "package.json").write_text(json.dumps({"dependencies": deps}))


def test_a_prisma_6_project_gets_the_url_parameters(isolation: Path) -> None:
    write_package(isolation, {"prisma": "^6.16.0", "@prisma/client": "^6.16.0"})
    doc = plan_json("--cpus", "2", "--instances", "2")
    assert doc["settings"] == [
        {
            "client": "Prisma ORM 6 and older (query engine)",
            "where": "DATABASE_URL (query parameters)",
            "set": "connection_limit=2&pool_timeout=10",
        }
    ]
    assert doc["inputs"]["client"] == "prisma6"  # type: ignore[index]
    assert doc["inputs"]["pool_size"] == 5  # type: ignore[index]  # its default: 2 CPUs × 2 + 1


def test_a_prisma_7_adapter_project_gets_the_adapters_max(isolation: Path) -> None:
    write_package(isolation, {"prisma": "^7.0.0", "@prisma/client": "^7.0.0", "@prisma/adapter-pg": "^7.0.0"})
    doc = plan_json("--cpus", "2", "--instances", "2")
    assert doc["settings"] == [
        {
            "client": "Prisma ORM 7 with @prisma/adapter-pg",
            "where": "where PrismaClient is created (the adapter)",
            "set": "new PrismaPg({ connectionString, max: 2 })",
        }
    ]
    assert doc["inputs"]["pool_size"] == 10  # type: ignore[index]  # node-postgres's default max


def test_the_urls_connection_limit_is_the_configured_pool(isolation: Path) -> None:
    (isolation / ".env").write_text('DATABASE_URL="postgresql://app@127.0.0.1:1/db?connection_limit=7"\n')
    doc = plan_json(
        "--cpus",
        "4",
        "--instances",
        "3",
        "--max-connections",
        "20",
        "--url",
        "postgresql://app@127.0.0.1:1/db?connection_limit=7",
    )
    assert doc["inputs"]["pool_size"] == 7  # type: ignore[index]
    assert doc["total"] == 21
    assert doc["sources"]["pool_size"] == "connection_limit in --url"  # type: ignore[index]


def test_without_a_client_every_clients_setting_is_shown() -> None:
    doc = plan_json("--cpus", "4")
    settings = doc["settings"]
    assert isinstance(settings, list)
    assert len(settings) == 9


def test_an_unreachable_url_is_a_finding_not_a_pass() -> None:
    result = cli(
        "pool", "plan", "--cpus", "4", "--url", "postgresql://app:Sekr3t-pw@127.0.0.1:1/db?connect_timeout=2"
    )
    assert result.exit_code == 1
    assert "connect-failed" in result.stdout
    assert "Sekr3t-pw" not in result.output


def test_the_other_report_formats_carry_the_finding() -> None:
    args = ("--cpus", "4", *SEED, "--plan", "pro", "--endpoint", "pooled")
    for fmt in ("github", "junit", "markdown"):
        result = cli("pool", "plan", "--format", fmt, *args)
        assert result.exit_code == 1
        assert "connection-budget" in result.stdout


OVER = ("--cpus", "4", *SEED, "--plan", "pro", "--endpoint", "pooled", "--client", "prisma6")


def test_ignore_accepts_the_budget_finding_shown_as_ignored_and_exits_0(isolation: Path) -> None:
    result = cli("pool", "plan", *OVER, "--ignore", "connection-budget")
    assert result.exit_code == 0
    assert "1 ignored: connection-budget" in result.stdout
    assert "within budget" not in result.stdout  # accepted, still over
    doc = plan_json(*OVER, "--ignore", "connection-budget")
    assert doc["ok"] is True
    assert [(f["id"], f.get("ignored")) for f in doc["findings"]] == [("connection-budget", True)]  # type: ignore[union-attr]


def test_ignore_in_the_settings_file_counts_like_the_flag(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text('ignore = ["connection-budget"]\n')
    assert cli("pool", "plan", *OVER).exit_code == 0


def test_an_unknown_ignore_id_is_one_line_and_exit_2(isolation: Path) -> None:
    result = cli("pool", "plan", "--cpus", "4", "--ignore", "connection-budgetx")
    assert result.exit_code == 2
    assert "did you mean connection-budget?" in result.stderr


def test_instances_in_the_settings_file_is_the_default(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text("instances = 3\n")
    doc = plan_json("--cpus", "4", "--pool-size", "2")
    assert (doc["inputs"]["instances"], doc["total"]) == (3, 6)  # type: ignore[index]
    doc = plan_json("--cpus", "4", "--pool-size", "2", "--instances", "1")
    assert doc["total"] == 2


@pytest.mark.parametrize(
    ("given", "row"),
    [("psycopg", "psycopg"), ("prisma7-neon", "prisma7-pg"), ("sqlalchemy-asyncpg", "sqlalchemy-psycopg2"),
     ("pg", "node-postgres"), ("prisma-6", "prisma6"), ("postgres.js-3", "postgres.js")],
)  # fmt: skip
def test_client_takes_the_doctors_row_ids_and_the_first_names(given: str, row: str) -> None:
    doc = plan_json("--cpus", "4", "--max-connections", "100", "--client", given)
    assert doc["inputs"]["client"] == row  # type: ignore[index]


def test_the_client_is_detected_through_the_client_table(isolation: Path) -> None:
    (isolation / "go.mod").write_text("module app\n\nrequire github.com/jackc/pgx/v5 v5.7.1\n")
    doc = plan_json("--cpus", "4", "--max-connections", "100")
    assert doc["inputs"]["client"] == "pgx"  # type: ignore[index]
    assert [s["client"] for s in doc["settings"]] == ["Go pgx v5 (pgxpool, database/sql via stdlib)"]  # type: ignore[index]
