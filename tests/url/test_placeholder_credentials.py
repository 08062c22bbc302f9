"""`placeholder-credentials`: template values as whole values, docker-compose names like loopback,
and an unexpanded ${VAR} explained as what it is."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pgconnect_cli.checks.url import check_url
from pgconnect_cli.cli import app
from pgconnect_cli.findings import Finding, Severity

runner = CliRunner()


def placeholder(raw: str) -> Finding | None:
    return next((f for f in check_url(raw).findings if f.id == "placeholder-credentials"), None)


def test_a_docker_compose_service_name_is_treated_like_loopback() -> None:
    f = placeholder("postgresql://postgres:password@db:5432/app")
    assert f is not None and f.severity is Severity.INFO


def test_the_classic_docker_compose_url_checks_with_exit_0() -> None:
    result = runner.invoke(app, ["url", "check", "postgresql://postgres:password@db:5432/app"])
    assert result.exit_code == 0


def test_a_placeholder_password_toward_a_public_host_is_still_an_error() -> None:
    f = placeholder("postgresql://postgres:password@db.example.com:5432/app?sslmode=require")
    assert f is not None and f.severity is Severity.ERROR


@pytest.mark.parametrize("password", ["pa%20ss", "p%41ss", "Pa-ss_word1", "your_dog"])
def test_a_real_password_that_contains_a_template_word_is_not_a_placeholder(password: str) -> None:
    assert placeholder(f"postgresql://app:{password}@db.example.com/app?sslmode=require") is None


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "PASSWORD",
        "Password",
        "YOUR_PASSWORD",
        "your-password",
        "[YOUR-PASSWORD]",
        "%3Cpassword%3E",
    ],
)
def test_whole_template_values_are_placeholders(password: str) -> None:
    f = placeholder(f"postgresql://app:{password}@db.example.com/app?sslmode=require")
    assert f is not None and f.severity is Severity.ERROR


def test_url_fix_of_a_password_with_a_space_leaves_no_error() -> None:
    result = runner.invoke(app, ["url", "fix", "postgresql://app:pa ss@db.example.com/app?sslmode=require"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "postgresql://app:pa%20ss@db.example.com/app?sslmode=require"
    assert "still" not in result.stderr


def test_an_unexpanded_variable_is_explained_as_such() -> None:
    f = placeholder("postgresql://app:${DB_PASSWORD}@db.example.com/app?sslmode=require")
    assert f is not None and f.severity is Severity.ERROR
    assert "never expanded" in f.detail
    assert "expand" in f.fix and "provider's console" not in f.fix


def test_a_password_starting_with_a_dollar_is_not_a_variable() -> None:
    assert placeholder("postgresql://app:%24ecret9@db.example.com/app?sslmode=require") is None
