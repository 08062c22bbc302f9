"""Network discipline for the test suite: dial and resolve loopback only.

Installed in the pytest process by tests/conftest.py and, through tests/netguard_site/
sitecustomize.py on PYTHONPATH, in every Python subprocess the tests start (`python -m
pgconnect_cli …`). A refused dial or lookup raises in the code under test and is also appended
to the file named by $PGC_TEST_NETGUARD_LOG, so the test fails even when the code under test
turns the error into a finding.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable

LOG_ENV = "PGC_TEST_NETGUARD_LOG"
_installed = False


def _record(what: str) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(what + "\n")


def _is_loopback_host(host: str) -> bool:
    host = host.split("%")[0]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_address(address: object) -> None:
    if not isinstance(address, tuple):
        return  # AF_UNIX path
    host = str(address[0])
    if not _is_loopback_host(host):
        _record(f"dial {host}")
        raise OSError(f"test network guard: refusing to dial {host} (tests dial loopback only)")


def install() -> None:
    """Patch socket so connect/sendto/send and getaddrinfo refuse anything but loopback."""
    global _installed
    if _installed:
        return
    _installed = True
    originals = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex", "sendto", "send")}

    def guarded(name: str) -> Callable[..., object]:
        original = originals[name]

        def call(self: socket.socket, *args: object) -> object:
            udp = self.type == socket.SOCK_DGRAM
            if name == "send":
                if udp:  # a connected UDP socket: check where the datagram goes
                    _check_address(self.getpeername())
            elif not (udp and name != "sendto"):  # connecting UDP only asks the routing table
                _check_address(args[-1])
            return original(self, *args)

        return call

    for name in originals:
        setattr(socket.socket, name, guarded(name))

    original_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name and not _is_loopback_host(name):
            _record(f"resolve {name}")
            raise socket.gaierror(socket.EAI_NONAME, f"test network guard: refusing to resolve {name}")
        return original_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
