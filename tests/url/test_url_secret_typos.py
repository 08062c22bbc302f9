"""A password under a misspelled or nonstandard name (passwrd=, pasword=, access_token=) is a secret:
every output masks it, and the free-text masker agrees with the URL renderers on what is secret."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pgconnect_cli.cli import app
from pgconnect_cli.conninfo.model import is_secret_keyword
from pgconnect_cli.conninfo.redact import mask_text

runner = CliRunner()
SECRET = "S3cretQz7"
# misspellings `param-unknown` answers with "did you mean password?", and other secret-looking names
TYPO_KEYS = ["passwrd", "pasword", "PASSWRD", "sslpasswrd", "access_token", "token", "secret", "api_key"]
NOT_SECRET = ["passfile", "sslkey", "sslcert", "sslmode", "host", "user", "dbname", "options", "keepalives"]


def url_with(key: str) -> str:
    return f"postgresql://u@db.example.com/db?{key}={SECRET}"


@pytest.mark.parametrize("key", TYPO_KEYS)
def test_a_misspelled_password_key_is_a_secret_keyword(key: str) -> None:
    assert is_secret_keyword(key)


@pytest.mark.parametrize("key", NOT_SECRET)
def test_ordinary_settings_are_not_secret_keywords(key: str) -> None:
    assert not is_secret_keyword(key)


@pytest.mark.parametrize("key", TYPO_KEYS + NOT_SECRET + ["db_pass", "PGPASSWORD", "Pwd", "apikey"])
def test_free_text_masking_agrees_with_the_secret_keyword_predicate(key: str) -> None:
    masked = SECRET not in mask_text(f"{key}={SECRET}")
    assert masked == is_secret_keyword(key)


@pytest.mark.parametrize("fmt", ["human", "json"])
@pytest.mark.parametrize("key", TYPO_KEYS)
def test_url_check_masks_a_password_under_a_misspelled_key(key: str, fmt: str) -> None:
    result = runner.invoke(app, ["url", "check", url_with(key), "--format", fmt])
    assert result.exit_code in (0, 1), result.output
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize("fmt", ["human", "json", "junit", "markdown", "github"])
@pytest.mark.parametrize("key", ["passwrd", "pasword", "access_token"])
def test_offline_doctor_masks_a_password_under_a_misspelled_key(key: str, fmt: str) -> None:
    result = runner.invoke(app, ["doctor", "--offline", "--url", url_with(key), "--format", fmt])
    assert result.exit_code in (0, 1), result.output
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize("key", ["passwrd", "pasword", "access_token"])
def test_exec_dry_run_masks_a_password_under_a_misspelled_key(key: str) -> None:
    result = runner.invoke(app, ["exec", "--dry-run", "--url", url_with(key), "--", "psql"])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.stdout + result.stderr
