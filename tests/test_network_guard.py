"""The suite's own network discipline: leaving loopback fails at once, here and in subprocesses."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests import netguard


@pytest.fixture
def own_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """These tests leave loopback on purpose: record into a log of their own."""
    log = tmp_path / "expected-violations.log"
    monkeypatch.setenv(netguard.LOG_ENV, str(log))
    return log


def test_dialing_a_non_loopback_address_is_refused_and_recorded(own_log: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(OSError, match="guard"):
        sock.sendto(b"x", ("192.0.2.1", 53))  # TEST-NET-1: nothing is sent, the guard refuses first
    assert own_log.read_text() == "dial 192.0.2.1\n"


def test_loopback_is_allowed(own_log: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"x", ("127.0.0.1", 9))
    assert not own_log.exists()


def test_a_connected_udp_socket_cannot_send_outside_loopback(own_log: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.1", 53))  # a routing-table lookup only: allowed
        with pytest.raises(OSError, match="guard"):
            sock.send(b"x")


def test_resolving_a_name_through_the_system_is_refused(own_log: Path) -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("db.example.com", 5432)
    assert own_log.read_text() == "resolve db.example.com\n"


def test_python_subprocesses_carry_the_guard(own_log: Path) -> None:
    code = "import socket\ntry:\n    socket.getaddrinfo('db.example.com', 5432)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert own_log.read_text() == "resolve db.example.com\n"
