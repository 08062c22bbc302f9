"""`explain` never prints a password, whatever the paste quotes of it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pgconnect_cli.cli import app

runner = CliRunner()

SECRET = "Zq8%kd3Xv"  # a password with a raw %

PASTES = [
    f'psql: error: invalid percent-encoded token: "{SECRET}"',
    'invalid integer value "Zq8kd3Xv" for connection option "port"',
    f"connect to postgresql://app:{SECRET}@db.example.test/app failed: timeout expired",
    f"FATAL: password authentication failed; host=db.example.test password={SECRET} user=app",
]


@pytest.mark.parametrize("text", PASTES)
def test_json_output_never_holds_the_password(text: str) -> None:
    result = runner.invoke(app, ["explain", "--json", text])
    assert "Zq8" not in result.stdout + result.stderr
    assert json.loads(result.stdout)["matches"]


@pytest.mark.parametrize("text", PASTES)
def test_human_output_never_holds_the_password(text: str) -> None:
    result = runner.invoke(app, ["explain", text])
    assert "Zq8" not in result.stdout + result.stderr


def test_the_percent_encoded_token_is_masked_in_the_query() -> None:
    payload = json.loads(runner.invoke(app, ["explain", "--json", PASTES[0]]).stdout)
    assert 'token: "****"' in payload["query"]


def test_the_token_field_is_masked() -> None:
    payload = json.loads(runner.invoke(app, ["explain", "--json", PASTES[0]]).stdout)
    assert payload["matches"][0]["fields"] == {"token": "****"}
