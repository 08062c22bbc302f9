"""An empty URL (a CI secret that is not configured) is bad input, never a healthy report."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pgconnect_cli.checks.url import check_url
from pgconnect_cli.cli import app

runner = CliRunner()

COMMANDS = [
    ["check"],
    ["check", "--json"],
    ["direct"],
    ["pooled"],
    ["convert", "--to", "uri"],
    ["fix"],
]


@pytest.mark.parametrize("value", ["", "   ", "\t"])
@pytest.mark.parametrize("command", COMMANDS)
def test_an_empty_url_argument_is_a_usage_error(command: list[str], value: str) -> None:
    result = runner.invoke(app, ["url", *command, value])
    assert result.exit_code == 2
    machine = (
        '{"schema": "pgc.error/v1", "ok": false, "errors": [{"code": "usage-error", "message": "empty URL"}]}'
    )
    assert result.stdout == (
        "" if "--json" not in command else json.dumps(json.loads(machine), indent=2) + "\n"
    )
    assert result.stderr == "pgc: error: empty URL\n"


def test_an_empty_environment_variable_is_a_usage_error_naming_it() -> None:
    result = runner.invoke(app, ["url", "check", "--env", "DATABASE_URL"], env={"DATABASE_URL": ""})
    assert result.exit_code == 2
    assert result.stderr == "pgc: error: empty URL: DATABASE_URL is set but empty\n"


def test_check_url_reports_an_empty_string_as_invalid() -> None:
    result = check_url("  ")
    assert [f.id for f in result.findings] == ["url-invalid"]
    assert "empty" in result.findings[0].detail
    assert not result.valid
