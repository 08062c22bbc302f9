"""`pgc doctor` on multi-host URLs, walked the way libpq walks them (issue 11)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pgconnect_cli import lab as pgc_lab
from tests.doctor.helpers import check, ids, one, rewrite, target

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]


def _hosts(url: str, *ports: int) -> str:
    """`url` with the host list localhost:P1,localhost:P2,… (same user, password, database, settings)."""
    parts = urlsplit(url)
    userinfo, _, _ = parts.netloc.rpartition("@")
    hosts = ",".join(f"localhost:{p}" for p in ports)
    return parts._replace(netloc=f"{userinfo}@{hosts}").geturl()


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_standby_listed_first_with_read_write_lands_on_the_primary(
    replication_primary: pgc_lab.PostgresServer,
    standby_server: pgc_lab.PostgresServer,
    doctor_json: DoctorJson,
) -> None:
    url = _hosts(replication_primary.direct_url, standby_server.port, replication_primary.port)
    url = rewrite(url, target_session_attrs="read-write")
    code, doc = doctor_json("--url", f"DIRECT_URL={url}")
    hosts = target(doc, "DIRECT_URL")["observed"]["hosts"]
    assert [h["outcome"] for h in hosts] == ["wrong-session", "landed"]
    assert hosts[0]["detail"] == "session is read-only"
    assert "connect-failed" not in ids(doc)
    assert "read-only-transaction" not in ids(doc)
    assert check(doc, "DIRECT_URL", "auth")["status"] == "pass"
    assert code == 0


def test_read_write_with_only_standbys_is_a_read_only_error(
    standby_server: pgc_lab.PostgresServer, doctor_json: DoctorJson
) -> None:
    url = rewrite(
        _hosts(standby_server.direct_url, standby_server.port, standby_server.port),
        target_session_attrs="read-write",
    )
    code, doc = doctor_json("--url", f"DATABASE_URL={url}")
    assert code == 1
    assert [h["outcome"] for h in target(doc, "DATABASE_URL")["observed"]["hosts"]] == ["wrong-session"] * 2
    errors = [f for f in target(doc, "DATABASE_URL")["findings"] if f["id"] == "read-only-transaction"]
    assert any(f["severity"] == "error" and "session is read-only" in f["detail"] for f in errors)


def test_a_dead_host_before_a_live_one_is_a_warning_and_the_url_works(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    url = _hosts(lab.direct_url, _closed_port(), lab.postgres.port)
    code, doc = doctor_json("--url", f"DIRECT_URL={url}")
    found = one(doc, "host-unreachable-in-list")
    assert found["severity"] == "warning"
    assert "lands on localhost:" in found["detail"]
    hosts = target(doc, "DIRECT_URL")["observed"]["hosts"]
    assert [h["outcome"] for h in hosts] == ["unreachable", "landed"]
    assert check(doc, "DIRECT_URL", "auth")["status"] == "pass"
    assert code == 0


def test_every_host_alive_is_no_host_unreachable_in_list(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    url = _hosts(lab.direct_url, lab.postgres.port, lab.postgres.port)
    _, doc = doctor_json("--url", f"DIRECT_URL={url}")
    assert "host-unreachable-in-list" not in ids(doc)
    assert [h["outcome"] for h in target(doc, "DIRECT_URL")["observed"]["hosts"]] == ["landed", "not-tried"]


def test_a_refused_login_ends_the_walk_like_libpq(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    url = rewrite(_hosts(lab.direct_url, lab.postgres.port, lab.postgres.port), password="wrong-pw")
    code, doc = doctor_json("--url", f"DIRECT_URL={url}")
    assert code == 1
    assert [h["outcome"] for h in target(doc, "DIRECT_URL")["observed"]["hosts"]] == [
        "login-failed",
        "not-tried",
    ]
    assert ids(doc, "DIRECT_URL", severity="error") == ["auth-failed"]


def test_a_single_host_url_reports_its_one_host(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    _, doc = doctor_json("--url", f"DIRECT_URL={lab.direct_url}")
    assert [h["outcome"] for h in target(doc, "DIRECT_URL")["observed"]["hosts"]] == ["landed"]
