"""Finding details say what libpq really does, and `url fix` repairs the obvious mistakes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pgconnect_cli.checks.url import check_url
from pgconnect_cli.cli import app
from pgconnect_cli.findings import Finding

runner = CliRunner()


def findings(raw: str) -> dict[str, Finding]:
    return {f.id: f for f in check_url(raw).findings}


def fixed(raw: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["url", "fix", raw])
    return result.exit_code, result.stdout.strip(), result.stderr


# --- password-unencoded: the libpq reason ---------------------------------------------------------


def test_a_raw_space_in_the_password_quotes_libpqs_complaint_not_the_at_sign() -> None:
    f = findings("postgresql://app:pa ss@db.example.com/app?sslmode=require")["password-unencoded"]
    assert "unexpected spaces" in f.detail and "first @" not in f.detail


def test_a_bad_percent_escape_in_the_password_quotes_libpqs_complaint() -> None:
    f = findings("postgresql://app:pa%zzss@db.example.com/app?sslmode=require")["password-unencoded"]
    assert "invalid percent-encoded token" in f.detail and "first @" not in f.detail


def test_a_raw_at_sign_still_gets_the_at_sign_explanation() -> None:
    f = findings("postgresql://app:p@ss@db.example.com/app?sslmode=require")["password-unencoded"]
    assert "first @" in f.detail


# --- IPv6 without brackets -----------------------------------------------------------------------


def test_an_unbracketed_ipv6_address_gets_the_bracket_hint() -> None:
    found = findings("postgresql://u:pw@2001:db8::1:5432/db?sslmode=require")
    f = found["param-value-invalid"]
    assert "[2001:db8::1]:5432" in f.detail + f.fix


def test_url_fix_brackets_an_ipv6_address() -> None:
    code, out, err = fixed("postgresql://u:pw@2001:db8::1:5432/db?sslmode=require")
    assert (code, out) == (0, "postgresql://u:pw@[2001:db8::1]:5432/db?sslmode=require")
    assert "bracket" in err


def test_url_fix_brackets_an_ipv6_address_without_a_port() -> None:
    code, out, _ = fixed("postgresql://u:pw@::1/db")
    assert (code, out) == (0, "postgresql://u:pw@[::1]/db")


# --- settings after ; ----------------------------------------------------------------------------


def test_settings_after_a_semicolon_are_reported() -> None:
    f = findings("postgresql://u:pw@db.example.com/db;sslmode=require")["url-invalid"]
    assert ";" in f.detail and "sslmode" in f.detail and "?" in f.detail


def test_url_fix_turns_semicolon_settings_into_a_query() -> None:
    code, out, _ = fixed("postgresql://u:pw@db.example.com/db;sslmode=require;connect_timeout=10")
    assert (code, out) == (0, "postgresql://u:pw@db.example.com/db?sslmode=require&connect_timeout=10")


# --- param-value-invalid fixes -------------------------------------------------------------------


@pytest.mark.parametrize("query", ["port=99999", "connect_timeout=ten"])
def test_a_numeric_value_gets_a_fix_that_fits(query: str) -> None:
    f = findings(f"postgresql://localhost/db?{query}")["param-value-invalid"]
    assert "listed in the detail" not in f.fix


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("sslmode=Require", "sslmode=require"),
        ("sslmode=required", "sslmode=require"),
        ("sslmode=true", "sslmode=require"),
        ("sslmode=VERIFY_FULL", "sslmode=verify-full"),
        ("pgbouncer=1", "pgbouncer=true"),
        ("pgbouncer=True", "pgbouncer=true"),
    ],
)
def test_url_fix_repairs_value_typos(written: str, meant: str) -> None:
    _, out, err = fixed(f"postgresql://u:pw@db.example.com/db?{written}")
    assert out.endswith(f"?{meant}")
    assert f"{written} → {meant}" in err
