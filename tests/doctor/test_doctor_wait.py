"""`pgc doctor --wait SECONDS`: a server still starting (a service container) is waited for on
TCP, like `pg_isready -t`, then checked; the time waited is in the report."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.doctor.conftest import RunDoctor
from tests.doctor.helpers import check, ids, rewrite, target
from tests.fakes import closed_port

START_AFTER_S = 2.0


@contextlib.contextmanager
def late_listener(
    upstream_port: int, after_s: float = START_AFTER_S
) -> Iterator[tuple[int, threading.Event]]:
    """A loopback port that refuses connections for `after_s` seconds, then listens and passes
    every connection on to 127.0.0.1:`upstream_port` (a lab server): a database coming up.
    Yields the port and an event set once it listens."""
    port = closed_port()
    stop = threading.Event()
    listening = threading.Event()
    socks: list[socket.socket] = []

    def pump(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_WR)

    def serve() -> None:
        if stop.wait(after_s):
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
        listener.settimeout(0.1)
        socks.append(listener)
        listening.set()
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", upstream_port))
            socks.extend((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port, listening
    finally:
        stop.set()
        thread.join(5)
        for s in socks:
            with contextlib.suppress(OSError):
                s.close()


def _doc(result: Any) -> dict[str, Any]:
    import json

    assert result.exit_code in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _port(url: str) -> int:
    from pgconnect_cli.conninfo import parse

    return parse(url).port


def test_wait_checks_a_server_that_starts_listening_two_seconds_later(
    run_doctor: RunDoctor, direct_url: str
) -> None:
    with late_listener(_port(direct_url)) as (port, listening):
        url = rewrite(direct_url, host="127.0.0.1", port=str(port), sslmode="disable")
        result = run_doctor("--json", "--wait", "30", "--url", f"DIRECT_URL={url}")
        assert listening.is_set()
    doc = _doc(result)
    assert check(doc, "DIRECT_URL", "tcp")["status"] == "pass"
    assert check(doc, "DIRECT_URL", "auth")["status"] == "pass"
    assert "tcp-refused" not in ids(doc)
    assert doc["waited_ms"] > 0


def test_without_wait_the_server_still_starting_is_refused(run_doctor: RunDoctor, direct_url: str) -> None:
    with late_listener(_port(direct_url), after_s=60) as (port, _):
        url = rewrite(direct_url, host="127.0.0.1", port=str(port), sslmode="disable")
        doc = _doc(run_doctor("--json", "--url", f"DIRECT_URL={url}"))
    assert "tcp-refused" in ids(doc, "DIRECT_URL")
    assert doc["waited_ms"] is None


def test_wait_that_runs_out_reports_the_refusal(run_doctor: RunDoctor) -> None:
    url = f"postgresql://app:pw@127.0.0.1:{closed_port()}/app?sslmode=disable"
    doc = _doc(run_doctor("--json", "--wait", "0.5", "--url", f"DATABASE_URL={url}"))
    assert "tcp-refused" in ids(doc, "DATABASE_URL")
    assert doc["waited_ms"] is not None


def test_wait_in_the_human_report_heading(run_doctor: RunDoctor, direct_url: str) -> None:
    result = run_doctor("--wait", "5", "--url", f"DIRECT_URL={direct_url}")
    assert result.exit_code == 0, result.stdout
    assert re.search(r" · waited \d+\.\d s for the servers$", result.stdout.splitlines()[0])


def test_wait_is_not_used_offline(run_doctor: RunDoctor) -> None:
    url = f"postgresql://app:pw@127.0.0.1:{closed_port()}/app?sslmode=disable"
    doc = _doc(run_doctor("--json", "--offline", "--wait", "30", "--url", f"DATABASE_URL={url}"))
    assert doc["waited_ms"] is None
    assert target(doc, "DATABASE_URL")["checks"][0]["status"] == "skip"


@pytest.mark.parametrize("value", ["-1", "3601"])
def test_wait_out_of_range_is_a_usage_error(run_doctor: RunDoctor, value: str) -> None:
    result = run_doctor("--wait", value, "--url", "DATABASE_URL=postgresql://h/db")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pgc: error: --wait {value}: ")
