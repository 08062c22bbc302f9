"""Passwords under other names (pwd=, Password=, ADO.NET strings) and unparseable input are never shown."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from pgconnect_cli.checks.url import check_url
from pgconnect_cli.cli import app
from pgconnect_cli.conninfo import parse, to_keyvalue, to_uri

runner = CliRunner()
SECRET = "SECRETx9q"


def check(*args: str) -> Result:
    return runner.invoke(app, ["url", "check", *args])


ALIAS_URLS = [
    f"postgresql://app@db.example.com/app?sslmode=require&pwd={SECRET}",
    f"postgresql://app@db.example.com/app?sslmode=require&pass={SECRET}",
    f"postgresql://app@db.example.com/app?sslmode=require&passwd={SECRET}",
    f"postgresql://app@db.example.com/app?sslmode=require&Password={SECRET}",
    f"postgresql://app@db.example.com/app?sslmode=require&PASSWORD={SECRET}",
    f"jdbc:postgresql://db.example.com/app?user=app&Password={SECRET}",
    f"host=db.example.com user=app Password={SECRET} sslmode=require",
]
ADO_NET = (
    "Server=x.postgres.database.azure.com;Database=postgres;Port=5432;User Id=myadmin;"
    f"Password={SECRET};Ssl Mode=Require;"
)


@pytest.mark.parametrize("fmt", ["human", "json", "github", "junit", "markdown"])
@pytest.mark.parametrize("url", ALIAS_URLS)
def test_url_check_masks_a_password_given_under_another_name(url: str, fmt: str) -> None:
    result = check(url, "--format", fmt)
    assert result.exit_code in (0, 1)
    assert SECRET not in result.stdout + result.stderr


def test_url_check_says_where_the_misnamed_password_is() -> None:
    result = check(f"postgresql://app@db.example.com/app?sslmode=require&pwd={SECRET}")
    password_row = next(line for line in result.stdout.splitlines() if line.startswith("password"))
    assert "pwd" in password_row and ".pgpass" not in password_row


@pytest.mark.parametrize("fmt", ["human", "json", "github", "junit", "markdown"])
def test_url_check_never_shows_an_ado_net_password(fmt: str) -> None:
    result = check(ADO_NET, "--format", fmt)
    assert result.exit_code == 1
    assert SECRET not in result.stdout + result.stderr


def test_an_ado_net_string_is_reported_as_not_libpq() -> None:
    result = check_url(ADO_NET)
    assert [f.id for f in result.findings] == ["url-invalid"]
    assert "ADO.NET" in result.findings[0].detail
    assert "service" not in result.findings[0].detail


def test_to_uri_and_to_keyvalue_mask_password_aliases() -> None:
    ci = parse(f"host=h user=u PWD={SECRET} pass={SECRET}")
    assert SECRET not in to_uri(ci, mask=True) and SECRET not in to_keyvalue(ci, mask=True)


def test_url_fix_converts_an_ado_net_string_to_a_uri() -> None:
    result = runner.invoke(app, ["url", "fix", ADO_NET])
    assert result.stdout.strip() == (
        f"postgresql://myadmin:{SECRET}@x.postgres.database.azure.com:5432/postgres?sslmode=require"
    )
    assert SECRET not in result.stderr


# --- item 10: unparseable input is never echoed ------------------------------------------------


@pytest.mark.parametrize("text", ["npg_AbC123xyz", "npg_AbC123xyz extra words", "host=h npg_AbC123xyz"])
def test_unparseable_input_is_shown_as_a_placeholder(text: str) -> None:
    result = check(text, "--json")
    data = json.loads(result.stdout)
    assert data["url"] == f"<unparseable input, {len(text)} characters>"
    assert "npg_AbC123xyz" not in result.stdout


def test_unparseable_input_is_not_echoed_in_human_output() -> None:
    result = check("npg_AbC123xyz")
    assert result.exit_code == 1
    assert "npg_AbC123xyz" not in result.stdout + result.stderr


def test_a_key_value_string_with_an_unquoted_space_does_not_echo_the_rest_of_the_password() -> None:
    result = check_url("host=db.example.com password=first secondhalf9 sslmode=require")
    text = result.url + " ".join(f.detail + f.fix for f in result.findings)
    assert "secondhalf9" not in text


@pytest.mark.parametrize("fmt", ["human", "json"])
def test_a_password_written_after_a_semicolon_in_the_path_is_masked(fmt: str) -> None:
    result = check(f"postgresql://app@db.example.com/app;password={SECRET}", "--format", fmt)
    assert result.exit_code == 1
    assert SECRET not in result.stdout + result.stderr
