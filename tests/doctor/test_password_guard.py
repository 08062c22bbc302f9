"""The doctor never hands a password to a server it has not verified (libpq require_auth).

A loopback fake answers N to SSLRequest and asks for the password in cleartext, or for MD5; the
tests assert what the fake received, and the finding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.checks.live import auth_guard
from pgconnect_cli.doctor.observations import AuthGuard
from tests.doctor.fake_server import fake_postgres
from tests.doctor.helpers import check, ids, one

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]

PASSWORD = "Zq7-not-for-you-91"


def _url(host: str, port: int, query: str = "") -> str:
    return f"postgresql://app:{PASSWORD}@{host}:{port}/app" + (f"?{query}" if query else "")


def test_cleartext_request_on_loopback_gets_no_password_and_is_a_warning(doctor_json: DoctorJson) -> None:
    with fake_postgres("cleartext") as server:
        code, doc = doctor_json("--url", f"DATABASE_URL={_url('127.0.0.1', server.port)}")
    assert PASSWORD.encode() not in server.received
    assert server.password_messages == 0
    found = one(doc, "auth-cleartext-refused")
    assert found["severity"] == "warning"
    assert "scram-sha-256" in found["fix"]
    assert "libpq 15's psql and pg_dump" in found["detail"]
    assert check(doc, "DATABASE_URL", "auth")["status"] == "warn"
    assert check(doc, "DATABASE_URL", "server")["status"] == "skip"
    assert code == 0


def test_cleartext_request_from_another_machine_gets_no_password_and_is_an_error(
    doctor_json: DoctorJson,
) -> None:
    with fake_postgres("cleartext") as server:
        code, doc = doctor_json(
            "--url", f"DATABASE_URL={_url('db.pgc.test', server.port)}", "--resolve", "db.pgc.test:127.0.0.1"
        )
    assert PASSWORD.encode() not in server.received
    found = one(doc, "auth-cleartext-refused")
    assert found["severity"] == "error"
    assert "verify-full" in found["fix"]
    assert code == 1


def test_cleartext_request_is_answered_when_the_url_asks_for_cleartext(doctor_json: DoctorJson) -> None:
    with fake_postgres("cleartext") as server:
        _, doc = doctor_json(
            "--url", f"DATABASE_URL={_url('127.0.0.1', server.port, 'require_auth=password')}"
        )
    assert PASSWORD.encode() in server.received  # require_auth=password: the URL's own choice
    assert "auth-cleartext-refused" not in ids(doc)


def test_md5_request_from_another_machine_over_plaintext_gets_nothing_and_is_a_warning(
    doctor_json: DoctorJson,
) -> None:
    with fake_postgres("md5") as server:
        code, doc = doctor_json(
            "--url", f"DATABASE_URL={_url('db.pgc.test', server.port)}", "--resolve", "db.pgc.test:127.0.0.1"
        )
    assert PASSWORD.encode() not in server.received
    assert server.password_messages == 0  # not even the hash
    found = one(doc, "auth-md5-plaintext")
    assert found["severity"] == "warning"
    assert "PostgreSQL 18" in found["detail"]
    assert "auth-cleartext-refused" not in ids(doc)
    assert code == 0


def test_md5_request_on_loopback_gets_the_hash_never_the_password(doctor_json: DoctorJson) -> None:
    with fake_postgres("md5") as server:
        _, doc = doctor_json("--url", f"DATABASE_URL={_url('127.0.0.1', server.port)}")
    assert PASSWORD.encode() not in server.received
    assert server.password_messages == 1
    assert b"md5" in server.received
    assert "auth-md5-plaintext" not in ids(doc)


def test_scram_login_to_the_lab_is_not_refused(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    assert check(doc, "DIRECT_URL", "auth")["status"] == "pass"
    assert not {"auth-cleartext-refused", "auth-md5-plaintext"} & set(ids(doc))


@pytest.mark.parametrize(
    ("url_require_auth", "sslmode", "loopback", "libpq", "expected"),
    [
        (None, "verify-full", False, 180000, (AuthGuard.NONE, None)),
        (None, "require", False, 180000, (AuthGuard.CLEARTEXT, "!password")),
        (None, "verify-ca", True, 180000, (AuthGuard.CLEARTEXT, "!password")),
        (None, "disable", True, 180000, (AuthGuard.CLEARTEXT, "!password")),
        (None, "disable", False, 180000, (AuthGuard.CLEARTEXT_AND_MD5, "!password,!md5")),
        ("password", "require", False, 180000, (AuthGuard.URL, None)),
        (None, "disable", False, 150000, (AuthGuard.UNAVAILABLE, None)),
    ],
)
def test_login_refuses_cleartext_unless_verified_and_md5_over_plaintext_to_others(
    url_require_auth: str | None,
    sslmode: str,
    loopback: bool,
    libpq: int,
    expected: tuple[AuthGuard, str | None],
) -> None:
    assert (
        auth_guard(
            url_require_auth=url_require_auth, dial_sslmode=sslmode, loopback=loopback, libpq_version=libpq
        )
        == expected
    )
