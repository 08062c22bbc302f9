"""`pgc url check`: a URL of another scheme is not dressed up with PostgreSQL's defaults, and a
connect_timeout that turns the timeout off is a warning."""

from __future__ import annotations

import json

import pytest

from tests.helpers import cli


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "https://example.com/x"])
def test_other_scheme_shows_no_guessed_parts(url: str) -> None:
    out = cli("url", "check", url).stdout
    assert "5432" not in out and "operating-system user" not in out
    assert out.splitlines()[1].split() == [
        "scheme",
        url.split(":")[0] + ":",
        "not",
        "PostgreSQL",
        "(no",
        "parts",
        "guessed)",
    ]


def test_postgres_scheme_still_shows_its_parts() -> None:
    out = cli("url", "check", "postgresql+asyncpg://u:p@h/db").stdout
    assert "h:5432" in out


@pytest.mark.parametrize("value", ["0", "-1"])
def test_connect_timeout_zero_or_negative_is_a_warning(value: str) -> None:
    result = cli("url", "check", "--json", f"postgresql://u:p@localhost/db?connect_timeout={value}")
    doc = json.loads(result.stdout)
    assert [f["id"] for f in doc["findings"]] == ["connect-timeout-disabled"]
    assert result.exit_code == 0


@pytest.mark.parametrize("value", ["2", "10"])
def test_connect_timeout_in_seconds_is_no_finding(value: str) -> None:
    doc = json.loads(
        cli("url", "check", "--json", f"postgresql://u:p@localhost/db?connect_timeout={value}").stdout
    )
    assert doc["findings"] == []
