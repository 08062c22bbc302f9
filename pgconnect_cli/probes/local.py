"""Facts about this machine: can it route IPv6, and which client tools does it have."""

from __future__ import annotations

import resource
import socket

from pgconnect_cli.doctor.observations import ClientTool, DescriptorLimit

__all__ = ["ClientTool", "client_tools", "descriptor_limit", "has_ipv6_route"]

# A documentation address (RFC 3849): connecting a UDP socket only asks the routing table.
_IPV6_PROBE = ("2001:db8::1", 9)


def has_ipv6_route() -> bool:
    """True when the routing table has a route to global IPv6 addresses. Sends no packet."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.connect(_IPV6_PROBE)
    except OSError:
        return False
    return True


def client_tools() -> tuple[ClientTool, ...]:
    """`pg_dump --version` and `psql --version` of the tools on PATH (asked side by side, or
    answered from the cache: `tool_versions`)."""
    from pgconnect_cli.probes.tool_versions import Ask

    answers = Ask().wait() or ()
    return tuple(ClientTool(a.name, a.path, a.version) for a in answers)


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
