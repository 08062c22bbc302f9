"""Facts about this machine and process: can it route IPv6, which client tools does it have,
when did this pgc process start."""

from __future__ import annotations

import os
import resource
import socket
import sys
import time

from pgconnect_cli.doctor.observations import ClientTool, DescriptorLimit

__all__ = ["ClientTool", "client_tools", "descriptor_limit", "has_ipv6_route", "pgc_started"]

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


def pgc_started() -> float | None:
    """time.monotonic() when this process started, when it was started to run pgc (the `pgc`
    script, `python -m pgconnect_cli`); None in a test runner or an application that calls pgc
    in-process, or where the start cannot be read (Linux: /proc/self/stat, in clock ticks)."""
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) != "pgc" and not argv0.endswith(os.path.join("pgconnect_cli", "__main__.py")):
        return None
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # starttime, the 22nd field: clock ticks after boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.monotonic() - age if 0 <= age < 60 else None
