"""Loopback addresses and free ports for the lab's servers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pgconnect_cli.lab.errors import LabError
from pgconnect_cli.lab.system import STARTUP_TIMEOUT

PORT_ATTEMPTS = 3


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def listen_addresses() -> tuple[str, ...]:
    return ("127.0.0.1", "::1") if ipv6_loopback_available() else ("127.0.0.1",)


def free_port(addresses: Sequence[str], preferred: int | None = None) -> int:
    """A port free on every address in `addresses`: `preferred` when it is, else any.

    Checked now; the server may still lose a race for it.
    """
    if preferred and all(port_free(addr, preferred) for addr in addresses):
        return preferred
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if all(port_free(addr, port) for addr in addresses):
            return port
    raise LabError("no free port found on the loopback interface")


def port_free(address: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            # As PostgreSQL and PgBouncer bind: connections of a killed server lingering in
            # TIME_WAIT do not make its port busy, a listener does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, port))
    except OSError:
        return False
    return True


def wait_port(port: int, pid_alive: Callable[[], bool], timeout: float = STARTUP_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            if not pid_alive():
                return False
            time.sleep(0.01)
    return False


def socket_dir(directory: Path, port: int) -> str:
    # sun_path holds 107 bytes; a longer lab path simply gets no Unix socket.
    run = directory / "run"
    return str(run) if len(f"{run}/.s.PGSQL.{port}".encode()) < 100 else ""
