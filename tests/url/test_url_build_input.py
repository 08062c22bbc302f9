"""`pgc url build` (no terminal) refuses bad parts instead of printing a broken URL."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from pgconnect_cli.cli import app

runner = CliRunner()


def build(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, ["url", "build", *args], input=input)


def test_a_parameter_with_an_error_finding_exits_1_without_a_url() -> None:
    result = build(
        "--host", "db.example.com", "--user", "app", "--no-password",
        "--param", "sslmode=bogus", "--param", "connectTimeout=5",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "param-value-invalid" in result.stderr and "param-unknown" in result.stderr


def test_host_with_a_port_is_split() -> None:
    result = build("--host", "db.example.com:6543", "--user", "app", "--no-password")
    assert (result.exit_code, result.stdout.strip()) == (
        0,
        "postgresql://app@db.example.com:6543/app?sslmode=require",
    )


def test_host_with_a_port_that_contradicts_port_is_a_usage_error() -> None:
    result = build("--host", "db.example.com:6543", "--port", "5432", "--user", "app", "--no-password")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--host" in result.stderr and "--port" in result.stderr


def test_an_empty_host_is_a_usage_error() -> None:
    result = build("--host", "", "--user", "app", "--no-password")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "pgc: error: --host is empty\n"


def test_a_url_given_as_host_is_a_usage_error_that_does_not_echo_it() -> None:
    result = build("--host", "postgresql://u:hunter2pw@h/db", "--user", "app", "--no-password")
    assert result.exit_code == 2 and result.stdout == ""
    assert "pgc url check" in result.stderr
    assert "hunter2pw" not in result.stderr


def test_neon_host_with_pooled_gives_the_pooler_host() -> None:
    result = build(
        "--provider", "neon", "--host", "ep-x.us-east-2.aws.neon.tech", "--pooled",
        "--user", "u", "--no-password",
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout.startswith("postgresql://u@ep-x-pooler.us-east-2.aws.neon.tech:5432/neondb?")


def test_neon_pooler_host_with_direct_gives_the_direct_host() -> None:
    result = build(
        "--provider", "neon", "--host", "ep-x-pooler.us-east-2.aws.neon.tech", "--direct",
        "--user", "u", "--no-password",
    )  # fmt: skip
    assert result.stdout.startswith("postgresql://u@ep-x.us-east-2.aws.neon.tech:5432/neondb?")


def test_neon_azure_region_gives_an_azure_host() -> None:
    result = build(
        "--provider", "neon", "--endpoint", "ep-x", "--region", "azure-eastus2",
        "--user", "u", "--no-password",
    )  # fmt: skip
    assert result.stdout.startswith("postgresql://u@ep-x.eastus2.azure.neon.tech:5432/neondb?")


def test_neon_region_id_with_the_aws_prefix_gives_an_aws_host() -> None:
    result = build(
        "--provider", "neon", "--endpoint", "ep-x", "--region", "aws-us-east-2",
        "--user", "u", "--no-password",
    )  # fmt: skip
    assert result.stdout.startswith("postgresql://u@ep-x.us-east-2.aws.neon.tech:5432/neondb?")


def test_no_password_without_a_terminal_is_fine_but_said_on_stderr() -> None:
    result = build("--host", "db.example.com", "--user", "app")
    assert (result.exit_code, result.stdout.strip()) == (
        0,
        "postgresql://app@db.example.com:5432/app?sslmode=require",
    )
    assert "no password" in result.stderr and "--no-password" in result.stderr


def test_no_password_flag_needs_no_note() -> None:
    result = build("--host", "db.example.com", "--user", "app", "--no-password")
    assert "no password" not in result.stderr
