"""`pgc url convert`, `pgc url fix` and `pgc url build` from the command line."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner, Result

from pgconnect_cli.cli import app

runner = CliRunner()
PRISMA_URL = (
    "postgresql://app:p%40ss%3Aw@db.example.com:5432/app?schema=billing&pgbouncer=true&sslmode=require"
)


def pgc(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, ["url", *args], input=input)


# --- convert ---------------------------------------------------------------------------------------


def test_convert_to_uri_prints_a_libpq_url_and_notes_on_stderr() -> None:
    result = pgc("convert", PRISMA_URL, "--to", "uri")
    assert result.exit_code == 0
    assert conninfo_to_dict(result.stdout.strip())["options"] == "-c search_path=billing"
    assert "pgc: note: dropped Prisma-only parameters libpq rejects: pgbouncer" in result.stderr


def test_convert_to_keyvalue() -> None:
    result = pgc("convert", PRISMA_URL, "--to", "keyvalue")
    assert conninfo_to_dict(result.stdout.strip())["password"] == "p@ss:w"


def test_convert_to_env_prints_pg_variables() -> None:
    lines = pgc("convert", PRISMA_URL, "--to", "env").stdout.splitlines()
    assert "PGHOST=db.example.com" in lines and "PGPASSWORD=p@ss:w" in lines


def test_convert_to_sqlalchemy_mentions_alembic_percent_signs() -> None:
    result = pgc("convert", PRISMA_URL, "--to", "sqlalchemy")
    assert result.stdout.startswith("postgresql+psycopg://app:p%40ss%3Aw@db.example.com:5432/app?")
    assert "%%" in result.stderr


def test_convert_to_jdbc() -> None:
    out = pgc("convert", PRISMA_URL, "--to", "jdbc").stdout.strip()
    assert out.startswith("jdbc:postgresql://db.example.com:5432/app?user=app&password=p%40ss%3Aw")


def test_convert_to_prisma_adds_the_flag_for_a_transaction_pooler() -> None:
    url = "postgresql://u:pw@ep-x-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"
    assert pgc("convert", url, "--to", "prisma").stdout.strip().endswith("sslmode=require&pgbouncer=true")


def test_convert_from_sqlalchemy_form_to_uri() -> None:
    out = pgc("convert", "postgresql+asyncpg://u:pw@localhost/db", "--to", "uri").stdout.strip()
    assert out == "postgresql://u:pw@localhost/db"


def test_convert_set_and_unset() -> None:
    out = pgc(
        "convert", PRISMA_URL, "--to", "uri", "--set", "sslmode=verify-full", "--unset", "schema"
    ).stdout
    assert conninfo_to_dict(out.strip()).get("sslmode") == "verify-full"
    assert "options" not in conninfo_to_dict(out.strip())


def test_convert_set_without_equals_is_a_usage_error() -> None:
    result = pgc("convert", PRISMA_URL, "--to", "uri", "--set", "sslmode")
    assert result.exit_code == 2 and result.stderr == "pgc: error: --set takes KEY=VALUE\n"


def test_convert_needs_a_target() -> None:
    assert pgc("convert", PRISMA_URL).exit_code == 2


def test_convert_refuses_a_non_postgres_url_with_a_finding() -> None:
    result = pgc("convert", "mysql://u:pw@h/db", "--to", "uri")
    assert result.exit_code == 1 and result.stderr.startswith("pgc: error: scheme-unsupported: ")


def test_convert_refuses_an_accelerate_url() -> None:
    result = pgc("convert", "prisma+postgres://accelerate.prisma-data.net/?api_key=k", "--to", "uri")
    assert result.exit_code == 1 and "scheme-unsupported" in result.stderr


# --- fix -------------------------------------------------------------------------------------------


def test_fix_prints_the_repaired_url_and_lists_the_repairs() -> None:
    result = pgc("fix", "postgresql://u:p@ss@db.example.com/db?sslmode=require?connectTimeout=5")
    assert result.exit_code == 0
    assert (
        result.stdout.strip() == "postgresql://u:p%40ss@db.example.com/db?sslmode=require&connect_timeout=5"
    )
    assert "pgc: fixed: percent-encoded the user and password" in result.stderr
    assert "pgc: fixed: connectTimeout → connect_timeout" in result.stderr


def test_fix_reads_stdin() -> None:
    result = pgc("fix", "-", input="postgresql://u:a/b@h/db\n")
    assert result.stdout.strip() == "postgresql://u:a%2Fb@h/db"


def test_fix_with_nothing_to_fix_prints_the_url_unchanged() -> None:
    result = pgc("fix", "postgresql://u:pw@localhost/db")
    assert (result.exit_code, result.stdout.strip()) == (0, "postgresql://u:pw@localhost/db")
    assert "nothing to fix" in result.stderr


def test_fix_exits_1_when_an_error_remains() -> None:
    result = pgc("fix", "postgresql://u:pw@localhost/db?frobnicate=1")
    assert result.exit_code == 1 and "pgc: still: param-unknown" in result.stderr


def test_fix_of_garbage_is_one_line_and_exit_1() -> None:
    result = pgc("fix", "definitely not a url")
    assert result.exit_code == 1 and result.stdout == "" and result.stderr.count("\n") == 1


# --- build -------------------------------------------------------------------------------------------


def test_build_encodes_the_password_from_stdin() -> None:
    result = pgc(
        "build",
        "--host",
        "db.example.com",
        "--user",
        "app",
        "--database",
        "app",
        "--password-stdin",
        input="p@ss:w/rd #1\n",
    )
    assert result.exit_code == 0
    assert conninfo_to_dict(result.stdout.strip())["password"] == "p@ss:w/rd #1"
    assert result.stdout.strip().startswith("postgresql://app:p%40ss%3Aw%2Frd%20%231@db.example.com:5432/app")


def test_build_adds_sslmode_require_for_a_remote_host() -> None:
    result = pgc("build", "--host", "db.example.com", "--user", "app", "--no-password")
    assert result.stdout.strip() == "postgresql://app@db.example.com:5432/app?sslmode=require"


def test_build_without_a_terminal_names_the_missing_flag() -> None:
    result = pgc("build", "--user", "app")
    assert result.exit_code == 2 and result.stderr == "pgc: error: missing --host (no terminal to ask on)\n"


def test_build_warns_that_password_flag_is_visible() -> None:
    result = pgc("build", "--provider", "local", "--password", "pw")
    assert result.stdout.strip() == "postgresql://postgres:pw@localhost:5432/postgres"
    assert "shell history" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--provider", "prisma-postgres", "--pooled"],
            "postgresql://u:pw@pooled.db.prisma.io:5432/postgres?sslmode=require",
        ),
        (
            ["--provider", "neon", "--endpoint", "ep-cool-darkness-a1b2c3d4", "--region", "us-east-2"],
            "postgresql://u:pw@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech:5432/neondb"
            "?sslmode=require&channel_binding=require",
        ),
        (
            ["--provider", "supabase", "--project-ref", "abcdefghij", "--pooled", "--region", "us-east-1"],
            "postgresql://u.abcdefghij:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres?sslmode=require",
        ),
        (
            ["--provider", "supabase", "--project-ref", "abcdefghij"],
            "postgresql://u:pw@db.abcdefghij.supabase.co:5432/postgres?sslmode=require",
        ),
        (
            ["--provider", "azure", "--host", "myserver", "--pooled"],
            "postgresql://u:pw@myserver.postgres.database.azure.com:6432/postgres?sslmode=require",
        ),
    ],
)
def test_build_presets(args: list[str], expected: str) -> None:
    result = pgc("build", *args, "--user", "u", "--password-stdin", input="pw\n")
    assert (result.exit_code, result.stdout.strip()) == (0, expected)


def test_build_preset_without_a_password_and_no_terminal_is_a_usage_error() -> None:
    result = pgc("build", "--provider", "prisma-postgres", "--user", "u")
    assert result.exit_code == 2 and "--password-stdin" in result.stderr


def test_build_param_overrides_a_preset_parameter() -> None:
    result = pgc(
        "build",
        "--provider",
        "prisma-postgres",
        "--user",
        "u",
        "--no-password",
        "--param",
        "sslmode=verify-full",
    )
    assert result.stdout.strip().endswith("?sslmode=verify-full")
