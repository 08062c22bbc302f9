"""TCP: connect to the resolved addresses in order, like libpq, within a time budget.

When the port does not answer within half the budget, port 443 of the same address is tried
alongside: a host that answers HTTPS but not PostgreSQL is behind a firewall that serverless
drivers (which speak HTTPS/WebSockets) get through.
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from collections.abc import Sequence

from pgconnect_cli.doctor.observations import TcpAttempt, TcpObservation, TcpOutcome

__all__ = ["HTTPS_PORT", "TcpAttempt", "TcpObservation", "TcpOutcome", "dial"]

HTTPS_PORT = 443


_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}


def _outcome(code: int) -> TcpOutcome:
    if code == errno.ECONNREFUSED:
        return TcpOutcome.REFUSED
    if code == errno.ETIMEDOUT:
        return TcpOutcome.TIMEOUT
    if code in _UNREACHABLE:
        return TcpOutcome.UNREACHABLE
    return TcpOutcome.ERROR


def _start(address: str, port: int) -> tuple[socket.socket | None, int]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        return None, exc.errno or errno.EAFNOSUPPORT
    sock.setblocking(False)
    try:
        code = sock.connect_ex((address, port))
    except OSError as exc:  # e.g. a zone id that names no interface
        sock.close()
        return None, exc.errno or errno.EADDRNOTAVAIL
    if code in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
        return sock, 0
    sock.close()
    return None, code


def _attempt(
    address: str, port: int, budget: float, side_port: int | None
) -> tuple[TcpAttempt, TcpAttempt | None, socket.socket | None]:
    started = time.monotonic()
    deadline = started + budget
    sock, code = _start(address, port)
    if sock is None:
        return TcpAttempt(address, port, _outcome(code), errno.errorcode.get(code, str(code))), None, None
    side_sock: socket.socket | None = None
    side_started = 0.0
    side: TcpAttempt | None = None
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_WRITE, "main")
    try:
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            wait = deadline - now
            if side_port is not None and side_sock is None and side is None:
                half = started + budget / 2
                if now >= half:
                    side_started = now
                    side_sock, side_code = _start(address, side_port)
                    if side_sock is None:
                        side = TcpAttempt(address, side_port, _outcome(side_code))
                    else:
                        selector.register(side_sock, selectors.EVENT_WRITE, "side")
                    continue
                wait = half - now
            events = selector.select(wait)
            for key, _ in events:
                s = key.fileobj
                assert isinstance(s, socket.socket)
                result = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if key.data == "side":
                    selector.unregister(s)
                    ms = (time.monotonic() - side_started) * 1000
                    outcome = TcpOutcome.CONNECTED if result == 0 else _outcome(result)
                    side = TcpAttempt(address, side_port or 0, outcome, "", ms)
                    s.close()
                    side_sock = None
                    continue
                ms = (time.monotonic() - started) * 1000
                if result == 0:
                    sock.setblocking(True)
                    return TcpAttempt(address, port, TcpOutcome.CONNECTED, "", ms), side, sock
                sock.close()
                return (
                    TcpAttempt(address, port, _outcome(result), errno.errorcode.get(result, str(result)), ms),
                    side,
                    None,
                )
        sock.close()
        if side_sock is not None:
            side = TcpAttempt(address, side_port or 0, TcpOutcome.TIMEOUT, "", budget / 2 * 1000)
        return TcpAttempt(address, port, TcpOutcome.TIMEOUT, "", budget * 1000), side, None
    finally:
        if side_sock is not None:
            side_sock.close()
        selector.close()


def dial(
    addresses: Sequence[str], port: int, budget: float, *, side_port: int | None = HTTPS_PORT
) -> tuple[TcpObservation, socket.socket | None]:
    """Connect to the first address that accepts; the open socket goes to the TLS probe."""
    started = time.monotonic()
    deadline = started + budget
    attempts: list[TcpAttempt] = []
    side: TcpAttempt | None = None
    sock: socket.socket | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        attempt, tried_side, sock = _attempt(
            address, port, remaining, side_port if side_port not in (None, port) else None
        )
        attempts.append(attempt)
        side = side or tried_side
        if sock is not None:
            break
    local_port = sock.getsockname()[1] if sock is not None else None
    observation = TcpObservation(
        port=port,
        attempts=tuple(attempts),
        budget=budget,
        side=side,
        local_port=local_port,
        started=started,
        finished=time.monotonic(),
    )
    return observation, sock
