"""The suite's own network discipline: an in-process dial outside loopback fails at once."""

from __future__ import annotations

import socket

import pytest


def test_dialing_a_non_loopback_address_is_refused_by_the_guard() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(OSError, match="guard"):
        sock.sendto(b"x", ("192.0.2.1", 53))  # TEST-NET-1: nothing is sent, the guard refuses first


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"x", ("127.0.0.1", 9))


def test_a_connected_udp_socket_cannot_send_outside_loopback() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.1", 53))  # a routing-table lookup only: allowed
        with pytest.raises(OSError, match="guard"):
            sock.send(b"x")
