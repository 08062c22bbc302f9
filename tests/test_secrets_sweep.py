"""The secrets sweep: every command, every format, every usage-error path, one distinctive password.

The password appears nowhere, raw or percent-encoded, on stdout or stderr; the only exception
is stdout of the commands whose product IS a URL (`url build|direct|pooled|convert|fix`).
Nothing here dials beyond loopback: the live doctor runs go to a closed loopback port.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.helpers import cli

TOKEN = "Sw33pXq"  # in every form of the password: raw, percent-encoded, split at `/` or `@`
PASSWORD = f"{TOKEN}/9@z!"
ENCODED = quote(PASSWORD, safe="")
URL = f"postgresql://app:{ENCODED}@db.example.com:5432/app?sslmode=require"
RAW_URL = f"postgresql://app:{PASSWORD}@db.example.com/app"  # unencoded, as people paste it
POOLED = f"postgresql://app.ref:{ENCODED}@aws-0-us-east-1.pooler.supabase.com:6543/postgres?sslmode=require"
CLOSED = f"postgresql://app:{ENCODED}@127.0.0.1:1/app?sslmode=disable"  # nothing listens on port 1
KEYVALUE = f"host=db.example.com user=app password={TOKEN}9 dbname=app"
FORMATS = ("human", "json", "github", "junit", "markdown")
URL_PRODUCTS = {("url", "build"), ("url", "direct"), ("url", "pooled"), ("url", "convert"), ("url", "fix")}


def _runs() -> dict[str, tuple[tuple[str, ...], str | None]]:
    runs: dict[str, tuple[tuple[str, ...], str | None]] = {}
    for url_name, url in (("url", URL), ("raw", RAW_URL), ("kv", KEYVALUE), ("pooled", POOLED)):
        for fmt in FORMATS:
            runs[f"url-check-{url_name}-{fmt}"] = (("url", "check", "--format", fmt, url), None)
            runs[f"doctor-offline-{url_name}-{fmt}"] = (
                ("doctor", "--offline", "-v", "--format", fmt, "--url", url),
                None,
            )
        runs[f"url-check-stdin-{url_name}"] = (("url", "check", "-"), url + "\n")
        runs[f"explain-{url_name}"] = (
            ("explain", f"connection to {url} failed: password authentication failed"),
            None,
        )
        runs[f"explain-words-{url_name}"] = (("explain", url, "and", url), None)
        runs[f"explain-stdin-{url_name}"] = (
            ("explain", "-"),
            f"FATAL: password authentication failed {url}\n",
        )
        runs[f"explain-json-{url_name}"] = (("explain", "--json", f"could not connect {url}"), None)
        runs[f"url-direct-{url_name}"] = (("url", "direct", url), None)
        runs[f"url-pooled-{url_name}"] = (("url", "pooled", url), None)
        runs[f"url-fix-{url_name}"] = (("url", "fix", url), None)
        for to in ("uri", "keyvalue", "env", "prisma", "sqlalchemy", "jdbc"):
            runs[f"url-convert-{to}-{url_name}"] = (("url", "convert", "--to", to, url), None)
        runs[f"exec-dry-run-{url_name}"] = (
            ("exec", "--dry-run", "--url", url, "psql", "-c", "select 1"),
            None,
        )
        runs[f"exec-missing-tool-{url_name}"] = (("exec", "--url", url, "no-such-tool-pgc"), None)
    for fmt in FORMATS:
        runs[f"doctor-live-{fmt}"] = (
            ("doctor", "--timeout", "2", "-v", "--format", fmt, "--url", CLOSED),
            None,
        )
        runs[f"env-check-{fmt}"] = (("env", "check", "--format", fmt), None)
        runs[f"doctor-env-file-{fmt}"] = (
            ("doctor", "--offline", "--format", fmt, "--env-file", ".env"),
            None,
        )
    runs["url-build-password-stdin"] = (
        ("url", "build", "--host", "db.example.com", "--user", "app", "--password-stdin"),
        PASSWORD + "\n",
    )
    runs["url-build-password-flag"] = (
        ("url", "build", "--host", "db.example.com", "--user", "app", "--password", PASSWORD),
        None,
    )
    runs["env-init-dry-run"] = (
        ("env", "init", "--file", "new.env", "--database-url", POOLED, "--dry-run"),
        None,
    )
    runs["env-init-write"] = (("env", "init", "--file", "new.env", "--database-url", POOLED, "--yes"), None)
    runs["env-init-bad-url"] = (
        ("env", "init", "--file", "new.env", "--database-url", RAW_URL + "?sslmode=bogus"),
        None,
    )
    runs["exec-from-env-file"] = (("exec", "--dry-run", "--env-file", ".env", "psql"), None)
    return runs


def _usage_errors() -> dict[str, tuple[str, ...]]:
    errors: dict[str, tuple[str, ...]] = {}
    for url_name, url in (("url", URL), ("raw", RAW_URL), ("kv", KEYVALUE)):
        errors |= {
            f"doctor-positional-{url_name}": ("doctor", url),
            f"doctor-json-positional-{url_name}": ("doctor", "--json", url),
            f"env-check-positional-{url_name}": ("env", "check", url),
            f"env-init-positional-{url_name}": ("env", "init", url),
            f"url-fix-second-{url_name}": ("url", "fix", url, url),
            f"url-check-second-{url_name}": ("url", "check", "--json", url, url),
            f"timeout-{url_name}": ("doctor", "--timeout", url),
            f"format-{url_name}": ("doctor", "--format", url),
            f"url-check-format-{url_name}": ("url", "check", "--format", url, url),
            f"client-{url_name}": ("doctor", "--client", url),
            f"for-{url_name}": ("url", "check", "--for", url, url),
            f"to-{url_name}": ("url", "convert", "--to", url, url),
            f"mode-{url_name}": ("url", "pooled", "--mode", url, url),
            f"provider-{url_name}": ("url", "build", "--provider", url),
            f"port-{url_name}": ("url", "build", "--host", "h", "--port", url),
            f"direct-port-{url_name}": ("url", "direct", "--direct-port", url, url),
            f"host-{url_name}": ("url", "build", "--host", url, "--user", "u", "--no-password"),
            f"resolve-{url_name}": ("doctor", "--offline", "--resolve", url, "--url", "postgresql://h/db"),
            f"resolver-{url_name}": ("doctor", "--resolver", url, "--url", "postgresql://h/db"),
            f"env-{url_name}": ("url", "check", "--env", url),
            f"env-json-{url_name}": ("url", "check", "--json", "--env", url),
            f"env-file-{url_name}": ("doctor", "--env-file", url),
            f"env-check-file-{url_name}": ("env", "check", "--file", url),
            f"exec-env-file-{url_name}": ("exec", "--env-file", url, "psql"),
            f"init-provider-{url_name}": ("env", "init", "--provider", url, "--database-url", url),
            f"unknown-option-{url_name}": ("doctor", f"--url={url}", f"--nope={url}"),
            f"unknown-command-{url_name}": (url,),
            f"completion-{url_name}": ("completion", url),
        }
    return errors


RUNS = _runs()
USAGE_ERRORS = _usage_errors()


def _assert_no_password(text: str, where: str) -> None:
    for form in {TOKEN, PASSWORD, ENCODED, quote(PASSWORD, safe="@:/?#")}:
        assert form not in text, f"{where} holds the password ({form!r}):\n{text}"


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text(f'DATABASE_URL="{POOLED}"\nDIRECT_URL="{RAW_URL}"\nOTHER=1\n', encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize(("args", "stdin"), RUNS.values(), ids=RUNS.keys())
def test_no_command_in_any_format_prints_the_password(
    args: tuple[str, ...], stdin: str | None, env_file: Path
) -> None:
    result = cli(*args, input=stdin)
    assert result.exit_code in (0, 1, 2, 127), result.output
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    _assert_no_password(result.stderr, "stderr")
    if tuple(args[:2]) not in URL_PRODUCTS:
        _assert_no_password(result.stdout, "stdout")


@pytest.mark.parametrize("args", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_no_usage_error_prints_the_password(args: tuple[str, ...], env_file: Path) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result.output
    _assert_no_password(result.stdout, "stdout")
    _assert_no_password(result.stderr, "stderr")


def test_the_sweep_would_see_a_password_that_got_out() -> None:
    """The URL products print it: the sweep's check finds it there, so a leak would not pass."""
    result = cli("url", "convert", "--to", "uri", URL)
    with pytest.raises(AssertionError):
        _assert_no_password(result.stdout, "stdout")
