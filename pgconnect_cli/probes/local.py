"""Facts about this machine: can it route IPv6, and which client tools does it have."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass

# A documentation address (RFC 3849): connecting a UDP socket only asks the routing table.
_IPV6_PROBE = ("2001:db8::1", 9)
_TOOLS = ("pg_dump", "psql")


def has_ipv6_route() -> bool:
    """True when the routing table has a route to global IPv6 addresses. Sends no packet."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.connect(_IPV6_PROBE)
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class ClientTool:
    name: str
    path: str | None
    version: str | None  # "15.18"

    @property
    def major(self) -> int | None:
        if not self.version:
            return None
        return int(self.version.split(".")[0])


def client_tools() -> tuple[ClientTool, ...]:
    """`pg_dump --version` and `psql --version` of the tools on PATH."""
    out = []
    for name in _TOOLS:
        path = shutil.which(name)
        version = None
        if path is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                text = subprocess.run(
                    [path, "--version"], capture_output=True, text=True, timeout=5, check=False
                ).stdout
                match = re.search(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)", text)
                version = match.group(1) if match else None
        out.append(ClientTool(name, path, version))
    return tuple(out)
