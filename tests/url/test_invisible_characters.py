"""Invisible and look-alike characters (no-break space, zero-width space, BOM, smart quotes): named
with their place, never with the password, and stripped by `url fix`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pgconnect_cli.checks.url import check_url
from pgconnect_cli.cli import app
from pgconnect_cli.findings import Finding, Severity

runner = CliRunner()
NBSP, ZWSP, BOM = "\u00a0", "\u200b", "\ufeff"
GOOD = "postgresql://u:pw@db.example.com/db?sslmode=require"


def invisible(raw: str) -> Finding:
    return next(f for f in check_url(raw).findings if f.id == "invisible-character")


def test_a_trailing_no_break_space_in_sslmode_is_an_error_naming_it() -> None:
    result = runner.invoke(app, ["url", "check", GOOD + NBSP])
    assert result.exit_code == 1
    assert "no problems found" not in result.stdout
    f = invisible(GOOD + NBSP)
    assert f.severity is Severity.ERROR
    assert "U+00A0" in f.detail and "sslmode value" in f.detail


def test_a_zero_width_space_gets_no_baffling_value_finding() -> None:
    ids = [f.id for f in check_url(GOOD + ZWSP).findings]
    assert ids == ["invisible-character"]
    assert "U+200B" in invisible(GOOD + ZWSP).detail


def test_a_leading_byte_order_mark_is_named_not_a_parse_error() -> None:
    result = check_url(BOM + GOOD)
    assert [f.id for f in result.findings] == ["invisible-character"]
    assert "start" in result.findings[0].detail and "U+FEFF" in result.findings[0].detail


def test_an_invisible_character_in_the_password_does_not_echo_the_password() -> None:
    f = invisible(f"postgresql://u:Secr{ZWSP}et9@db.example.com/db?sslmode=require")
    assert "in the password" in f.detail
    assert "Secr" not in f.detail and "et9" not in f.detail


def test_an_invisible_character_in_the_host_is_placed() -> None:
    assert "end of the host" in invisible(f"postgresql://u:pw@db.example.com{NBSP}/db?sslmode=require").detail


def test_plain_text_has_no_invisible_character_finding() -> None:
    assert "invisible-character" not in {f.id for f in check_url(GOOD).findings}


@pytest.mark.parametrize("char", [NBSP, ZWSP])
def test_url_fix_strips_the_invisible_character(char: str) -> None:
    result = runner.invoke(app, ["url", "fix", GOOD + char])
    assert result.exit_code == 0
    assert result.stdout.strip() == GOOD
    assert "U+" in result.stderr


def test_url_fix_strips_a_leading_byte_order_mark() -> None:
    result = runner.invoke(app, ["url", "fix", BOM + GOOD])
    assert (result.exit_code, result.stdout.strip()) == (0, GOOD)


def test_url_fix_removes_smart_quotes() -> None:
    result = runner.invoke(app, ["url", "fix", f"\u201c{GOOD}\u201d"])
    assert (result.exit_code, result.stdout.strip()) == (0, GOOD)
    assert "quotes" in result.stderr


def test_url_check_says_smart_quotes_wrap_the_value() -> None:
    f = next(f for f in check_url(f"\u201c{GOOD}\u201d").findings)
    assert "quotes" in f.detail


def test_a_no_break_space_at_the_end_of_a_variable_is_not_dropped_silently() -> None:
    result = runner.invoke(app, ["url", "check", "--env", "DATABASE_URL"], env={"DATABASE_URL": GOOD + NBSP})
    assert result.exit_code == 1 and "invisible-character" in result.stdout


def test_a_no_break_space_at_the_end_of_stdin_is_not_dropped_silently() -> None:
    result = runner.invoke(app, ["url", "check", "-"], input=GOOD + NBSP + "\n")
    assert result.exit_code == 1 and "invisible-character" in result.stdout


@pytest.mark.parametrize("command", [["direct"], ["convert", "--to", "uri"]])
def test_commands_that_print_a_url_drop_the_invisible_character_with_a_note(command: list[str]) -> None:
    pooled = "postgresql://u:pw@ep-a-pooler.us-east-2.aws.neon.tech/db?sslmode=require"
    result = runner.invoke(app, ["url", *command, pooled + ZWSP])
    assert result.exit_code == 0
    assert ZWSP not in result.stdout and result.stdout.strip().endswith("?sslmode=require")
    assert "removed an invisible U+200B" in result.stderr
