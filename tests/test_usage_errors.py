"""Usage errors, typer's and click's included, are one `pgc: error:` line with no password in it."""

from __future__ import annotations

import pytest

from tests.helpers import cli, pgc

PASSWORD = "Zq7-usage-Secret"
URL = f"postgresql://app:{PASSWORD}@db.example.com/app"

MISUSES = {
    "doctor-positional": ("doctor", URL),
    "env-check-positional": ("env", "check", URL),
    "url-fix-second-url": ("url", "fix", URL, URL),
    "url-check-second-url": ("url", "check", URL, URL),
    "timeout": ("doctor", "--timeout", URL),
    "format": ("doctor", "--format", URL),
    "client": ("doctor", "--client", URL),
    "for": ("url", "check", "--for", URL, URL),
    "to": ("url", "convert", "--to", URL, URL),
    "resolve": ("doctor", "--offline", "--resolve", URL, "--url", "db.example.com"),
    "resolver": ("doctor", "--resolver", URL, "--url", "postgresql://db.example.com/app"),
    "env": ("url", "check", "--env", URL),
    "port": ("url", "build", "--host", "h", "--user", "u", "--port", URL),
    "no-scheme-positional": ("doctor", f"app:{PASSWORD}@db.example.com"),
    "keyvalue-positional": ("doctor", f"host=db.example.com password={PASSWORD}"),
}


@pytest.mark.parametrize("args", MISUSES.values(), ids=MISUSES.keys())
def test_a_misused_url_is_one_line_exit_2_without_its_password(args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("pgc: error: ") and result.stderr.count("\n") == 1
    assert PASSWORD not in result.stderr


def test_typers_extra_argument_message_shows_the_url_masked() -> None:
    result = cli("doctor", URL)
    assert result.stderr == (
        "pgc: error: Got unexpected extra argument(s) (postgresql://****@db.example.com/app) "
        "(see `pgc doctor --help`)\n"
    )


def test_a_port_that_is_not_a_number_says_what_a_port_is() -> None:
    result = cli("url", "build", "--host", "h", "--user", "u", "--no-password", "--port", "abc")
    assert (result.exit_code, result.stderr) == (
        2,
        "pgc: error: --port: 'abc' is not a whole number from 1 to 65535 (see `pgc url build --help`)\n",
    )


def test_an_unknown_command_is_one_line() -> None:
    result = cli("frobnicate")
    assert (result.exit_code, result.stderr) == (
        2,
        "pgc: error: No such command 'frobnicate' (see `pgc --help`)\n",
    )


def test_the_console_script_masks_usage_errors_too() -> None:
    result = pgc("doctor", URL)
    assert result.returncode == 2
    assert PASSWORD not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("pgc: error: Got unexpected extra argument(s)")


def test_no_typer_box_for_a_usage_error() -> None:
    result = pgc("url", "build", "--port", "abc")
    assert "╭" not in result.stderr and "Usage:" not in result.stderr
