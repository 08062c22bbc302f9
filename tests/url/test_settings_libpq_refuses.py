"""Setting combinations libpq refuses before it connects are errors, with libpq's own words."""

from __future__ import annotations

import pytest

from pgconnect_cli.checks.url import check_url
from pgconnect_cli.findings import CATALOGUE, Finding, Severity

REMOTE = "postgresql://u:pw@db.example.com/db"


def errors(raw: str) -> list[Finding]:
    return [f for f in check_url(raw).findings if f.severity is Severity.ERROR]


def test_sslrootcert_system_with_sslmode_require_is_an_error() -> None:
    [f] = errors(f"{REMOTE}?sslmode=require&sslrootcert=system")
    assert f.id == "param-value-invalid"
    assert 'weak sslmode "require" may not be used with sslrootcert=system' in f.detail
    assert "sslmode=verify-full" in f.fix


@pytest.mark.parametrize("mode", ["verify-full", None])
def test_sslrootcert_system_with_verify_full_or_no_sslmode_is_no_error(mode: str | None) -> None:
    query = f"sslmode={mode}&sslrootcert=system" if mode else "sslrootcert=system"
    assert errors(f"{REMOTE}?{query}") == []


def test_the_sslrootcert_system_note_says_what_old_libpq_does() -> None:
    f = next(f for f in check_url(f"{REMOTE}?sslmode=verify-full&sslrootcert=system").findings)
    assert f.id == "sslrootcert-system-old-libpq"
    assert "file" in f.detail and len(f.detail) > len("sslrootcert=system.")


def test_sslnegotiation_direct_without_sslmode_is_an_error() -> None:
    [f] = errors(f"{REMOTE}?sslnegotiation=direct")
    assert f.id == "param-value-invalid"
    assert 'weak sslmode "prefer" may not be used with sslnegotiation=direct' in f.detail


def test_sslnegotiation_direct_with_sslmode_require_is_fine() -> None:
    assert errors(f"{REMOTE}?sslmode=require&sslnegotiation=direct") == []


def test_more_hosts_than_hostaddrs_is_an_error() -> None:
    [f] = errors("host=h1,h2 hostaddr=127.0.0.1 sslmode=require")
    assert f.id == "param-value-invalid"
    assert "could not match 2 host names with 1 hostaddr values" in f.detail


def test_as_many_hosts_as_hostaddrs_is_fine() -> None:
    assert errors("host=h1,h2 hostaddr=127.0.0.1,127.0.0.2 sslmode=require") == []


def test_channel_binding_require_without_tls_is_an_error() -> None:
    found = errors(f"{REMOTE}?sslmode=disable&channel_binding=require")
    assert [f.id for f in found] == ["param-value-invalid"]
    assert "channel binding required, but SSL not in use" in found[0].detail


def test_channel_binding_require_with_tls_is_fine() -> None:
    assert errors(f"{REMOTE}?sslmode=require&channel_binding=require") == []


def test_the_tls_verify_failed_advice_includes_verify_full() -> None:
    assert "sslmode=verify-full&sslrootcert=system" in CATALOGUE["tls-verify-failed"].fix
