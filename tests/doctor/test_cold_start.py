"""`pgc doctor` in front of a compute that wakes up on the first connection (Neon-like), through
the cold-start proxies of tests/fakes.py and a real lab server (issue 11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pgconnect_cli import lab as pgc_lab
from tests.doctor.helpers import ids, one, rewrite
from tests.fakes import cold_start_proxy, tls_then_wait_proxy

DoctorJson = Callable[..., tuple[int, dict[str, Any]]]

WAKE_S = 3.0
ASLEEP_S = 600.0  # longer than any test: the proxy is closed while it still waits


def _via(url: str, port: int, **changes: str) -> str:
    return rewrite(url, host="127.0.0.1", port=str(port), **changes)


def test_first_connection_held_by_a_waking_compute_is_slow_connect(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    with cold_start_proxy("127.0.0.1", lab.postgres.port, WAKE_S) as port:
        url = _via(lab.direct_url, port, connect_timeout="5")
        code, doc = doctor_json("--url", f"DATABASE_URL={url}", "--timeout", "8")
    found = one(doc, "slow-connect")
    assert found["severity"] == "warning"
    assert "The first connection waited" in found["detail"]
    assert "connect_timeout=" in found["fix"]
    assert code == 0


def test_first_connection_waiting_past_connect_timeout_is_a_slow_connect_error(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    with cold_start_proxy("127.0.0.1", lab.postgres.port, WAKE_S) as port:
        url = _via(lab.direct_url, port, connect_timeout="2")
        code, doc = doctor_json("--url", f"DATABASE_URL={url}", "--timeout", "8", "--client", "node-postgres")
    assert code == 1
    found = one(doc, "slow-connect")
    assert found["severity"] == "error"
    assert "timeout expired" in found["detail"]
    assert "connect_timeout=" in found["fix"] and "connectionTimeoutMillis" in found["fix"]


def test_an_awake_server_is_no_slow_connect(lab: pgc_lab.Lab, doctor_json: DoctorJson) -> None:
    with cold_start_proxy("127.0.0.1", lab.postgres.port, 0.0) as port:
        _, doc = doctor_json("--url", f"DATABASE_URL={_via(lab.direct_url, port, connect_timeout='5')}")
    assert "slow-connect" not in ids(doc)


def test_login_timing_out_after_tls_says_to_raise_connect_timeout_not_check_the_database(
    lab: pgc_lab.Lab, doctor_json: DoctorJson
) -> None:
    certs = lab.postgres.certs
    assert certs is not None
    with tls_then_wait_proxy(
        "127.0.0.1",
        lab.postgres.port,
        ASLEEP_S,
        cert_file=str(certs.server_cert),
        key_file=str(certs.server_key),
    ) as port:
        url = _via(lab.direct_url, port, connect_timeout="2")
        code, doc = doctor_json("--url", f"DATABASE_URL={url}", "--timeout", "3", "--client", "node-postgres")
    assert code == 1
    found = one(doc, "connect-failed")
    assert "Raise connect_timeout" in found["fix"]
    assert "connectionTimeoutMillis" in found["fix"]
    assert "Check the database name" not in found["fix"]
