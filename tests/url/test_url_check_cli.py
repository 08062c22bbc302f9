"""`pgc url check`: human and machine output, input from argument, stdin or variable, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pgconnect_cli.cli import app

runner = CliRunner()

PASSWORD = "Zx9-unique-Pw"
SECRET_URLS = [
    f"postgresql://app:{PASSWORD}@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/neondb?connectTimeout=5",
    f"postgresql://app:{PASSWORD}@/x@db.example.com/app?sslmode=disable",  # raw @ and / : libpq misreads it
    f"postgresql://app:{PASSWORD} x@db.example.com/app%zz",  # unparseable
    f"host=db.example.com user=app password={PASSWORD} sslmode=prefer pgbouncer=true",
    f"jdbc:postgresql://db.example.com/app?user=app&password={PASSWORD}",
    f"postgresql+psycopg://app:{PASSWORD}@db.example.com/app?sslpassword={PASSWORD}",
    f'DATABASE_URL="postgres://app:{PASSWORD}@db.example.com/app"',  # a pasted .env line
    f"prisma+postgres://accelerate.prisma-data.net/?api_key={PASSWORD}",
    f"postgresql://app@db.example.com/app?application_name=postgres://a:{PASSWORD}@x",
]


def check(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["url", "check", *args], input=input, env=env)


def test_a_clean_url_exits_0_and_says_so() -> None:
    result = check("postgresql://app:pw@db.example.com/app?sslmode=require")
    assert result.exit_code == 0
    assert "no problems found" in result.stdout


def test_human_output_shows_the_parts_with_the_password_masked() -> None:
    result = check("postgresql://app:pw@db.example.com:6543/app?sslmode=require")
    lines = {
        line.split(None, 1)[0]: line.split(None, 1)[1].strip() for line in result.stdout.splitlines()[1:7]
    }
    assert lines == {
        "scheme": "postgresql",
        "user": "app",
        "password": "**** (set)",
        "host": "db.example.com:6543",
        "database": "app",
        "sslmode": "require",
    }


def test_human_output_names_the_provider_and_endpoint() -> None:
    result = check("postgres://u:pw@pooled.db.prisma.io:5432/postgres?sslmode=require&pgbouncer=true")
    assert "Prisma Postgres: pooled (transaction mode)" in result.stdout


def test_an_error_finding_exits_1_with_the_fix() -> None:
    result = check("postgresql://u:pw@db.example.com/db?connectTimeout=10&sslmode=require")
    assert result.exit_code == 1
    assert "param-unknown" in result.stdout and "fix: Write connect_timeout" in result.stdout


def test_warnings_exit_0() -> None:
    assert check("postgresql://u:pw@db.example.com/db").exit_code == 0


def test_warnings_exit_1_with_strict() -> None:
    assert check("postgresql://u:pw@db.example.com/db", "--strict").exit_code == 1


def test_an_invalid_url_exits_1() -> None:
    result = check("postgresql://h/db?connect_timeout")
    assert result.exit_code == 1 and "url-invalid" in result.stdout


def test_the_context_changes_the_verdict() -> None:
    url = "postgresql://u:pw@localhost/db?schema=app"
    assert check(url).exit_code == 0
    assert check(url, "--for", "psql").exit_code == 1


def test_the_url_can_come_from_stdin() -> None:
    result = check("-", "--json", input="postgresql://u:pw@localhost/db\n")
    assert json.loads(result.stdout)["parts"]["user"] == "u"


def test_the_url_can_come_from_an_environment_variable() -> None:
    result = check("--env", "MY_DB", "--json", env={"MY_DB": "postgresql://u:pw@localhost/other"})
    assert json.loads(result.stdout)["parts"]["dbname"] == "other"


def test_a_missing_url_is_a_usage_error() -> None:
    result = check()
    assert result.exit_code == 2 and result.stderr.startswith("pgc: error: missing URL")


def test_an_unset_variable_is_a_usage_error() -> None:
    result = check("--env", "NOT_SET_ANYWHERE")
    assert result.exit_code == 2 and "NOT_SET_ANYWHERE is not set" in result.stderr


def test_an_unknown_context_is_a_usage_error() -> None:
    assert check("postgresql://h/db", "--for", "cobol").exit_code == 2


def test_json_follows_the_url_v1_contract() -> None:
    result = check(
        "postgresql://app:pw@ep-x-pooler.us-east-2.aws.neon.tech:5432/db?sslmode=require", "--json"
    )
    data = json.loads(result.stdout)
    assert list(data)[:9] == [
        "schema",
        "url",
        "valid",
        "parts",
        "provider",
        "endpoint",
        "pool_mode",
        "context",
        "misread",
    ]
    assert data["schema"] == "pgc.url/v1" and data["valid"] is True
    assert data["url"] == "postgresql://app:****@ep-x-pooler.us-east-2.aws.neon.tech:5432/db?sslmode=require"
    assert data["parts"] == {
        "scheme": "postgresql",
        "form": "uri",
        "user": "app",
        "password_set": True,
        "hosts": [{"host": "ep-x-pooler.us-east-2.aws.neon.tech", "port": 5432}],
        "dbname": "db",
        "params": {"sslmode": "require"},
    }
    assert (data["provider"], data["endpoint"], data["pool_mode"]) == ("neon", "pooled", "transaction")
    assert [set(f) for f in data["findings"]] == [{"id", "severity", "title", "detail", "fix"}]


def test_json_for_a_direct_endpoint_has_no_pool_mode() -> None:
    data = json.loads(check("postgres://u:pw@db.prisma.io:5432/postgres?sslmode=require", "--json").stdout)
    assert (data["endpoint"], data["pool_mode"]) == ("direct", None)


def test_json_for_an_invalid_url_has_no_parts() -> None:
    data = json.loads(check("postgresql://h/%zz", "--format", "json").stdout)
    assert (data["valid"], data["parts"], data["provider"]) == (False, None, None)
    assert data["findings"][0]["id"] == "url-invalid"


def test_machine_formats_print_only_the_payload_on_stdout() -> None:
    result = check("postgresql://u:p@ss@db.example.com/db", "--json")
    json.loads(result.stdout)
    assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["human", "json", "github", "junit", "markdown"])
@pytest.mark.parametrize("url", SECRET_URLS)
def test_no_format_ever_shows_the_password(url: str, fmt: str) -> None:
    result = check(url, "--format", fmt)
    assert result.exit_code in (0, 1)
    assert PASSWORD not in result.stdout and PASSWORD not in result.stderr


def test_github_format_annotates_each_finding(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = check(
        "postgresql://u:pw@db.example.com/db?connectTimeout=3",
        "-f",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert "::error title=URL%3A param-unknown::" in result.stdout
    assert "param-unknown" in summary.read_text()


def test_junit_format_is_a_failing_test_case_per_error() -> None:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(check("postgresql://u:pw@db.example.com/db?connectTimeout=3", "-f", "junit").stdout)
    assert root.get("failures") == "1"


def test_markdown_format_lists_the_findings() -> None:
    result = check("postgresql://u:pw@db.example.com/db?connectTimeout=3", "-f", "markdown")
    assert "**param-unknown** (error)" in result.stdout


def test_no_color_flag_keeps_ansi_out() -> None:
    result = check("postgresql://u:pw@db.example.com/db?connectTimeout=3", "--no-color", env={"NO_COLOR": ""})
    assert "\x1b[" not in result.stdout


def test_end_to_end_in_a_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", "url", "check", "-", "--json"],
        input="postgres://u:pw@pooled.db.prisma.io:5432/postgres?sslmode=require\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["provider"] == "prisma-postgres"


def test_url_check_does_not_load_psycopg_or_dns() -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from pgconnect_cli.cli import app; "
        "r = CliRunner().invoke(app, ['url', 'check', 'postgresql://u@db.example.com/db', '--json']); "
        "bad = {'psycopg', 'dns', 'dotenv'} & {m.split('.')[0] for m in sys.modules}; "
        "assert r.exit_code == 0 and not bad, (r.output, bad)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_accelerate_url_is_prisma_postgres_over_http_with_no_libpq_defaults_guessed() -> None:
    result = check("prisma+postgres://accelerate.prisma-data.net/?api_key=eyJhbGciOiJIUzI1NiJ9.key")
    assert result.exit_code == 0
    assert "Prisma Postgres: pooled" in result.stdout
    assert "HTTP, Prisma Client only" in result.stdout
    assert "operating-system user" not in result.stdout  # libpq's defaults say nothing here
    assert "accelerate.prisma-data.net:5432" not in result.stdout
    assert "eyJhbGciOiJIUzI1NiJ9" not in result.stdout
    assert "scheme-unsupported" in result.stdout
    psql = check("prisma+postgres://accelerate.prisma-data.net/?api_key=k", "--for", "psql")
    assert psql.exit_code == 1
