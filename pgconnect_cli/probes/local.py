"""Facts about this machine: can it route IPv6, and which client tools does it have."""

from __future__ import annotations

import resource
import shutil
import socket

from pgconnect_cli.checks.tools import parse_version_output
from pgconnect_cli.doctor.observations import ClientTool, DescriptorLimit
from pgconnect_cli.probes import children

__all__ = ["ClientTool", "client_tools", "descriptor_limit", "has_ipv6_route"]

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


def client_tools() -> tuple[ClientTool, ...]:
    """`pg_dump --version` and `psql --version` of the tools on PATH."""
    out = []
    for name in _TOOLS:
        path = shutil.which(name)
        version = None
        if path is not None:
            # never left running when pgc leaves first (probes.children)
            text = children.output([path, "--version"], timeout=5)
            parsed = parse_version_output(text) if text is not None else None
            version = parsed[1] if parsed else None
        out.append(ClientTool(name, path, version))
    return tuple(out)


def descriptor_limit(wanted: int) -> DescriptorLimit:
    """The open-file limit, with the soft limit raised toward `wanted` as far as the hard one allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted or (hard != resource.RLIM_INFINITY and soft >= hard):
        return DescriptorLimit(soft, hard)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return DescriptorLimit(soft, hard)
    return DescriptorLimit(target, hard, raised_from=soft)
