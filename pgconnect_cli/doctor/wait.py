"""`pgc doctor --wait SECONDS`: before the checks, wait until every server answers on TCP.

Like `pg_isready -t`: a database service container still starting refuses connections (or
does not resolve yet) for a few seconds; the doctor retries the first host of each URL until a
TCP connection opens or the wait runs out, then runs its checks as usual (with their own
deadline). Only the TCP layer is retried: nothing is sent, no login is tried twice.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from pgconnect_cli.conninfo.model import ConnInfo
from pgconnect_cli.doctor.observations import ResolverConfig

# How long to sleep between two attempts at one endpoint (pg_isready's loop sleeps 1 s; a
# service that comes up mid-second is seen sooner this way).
RETRY_S = 0.2
# One attempt may take at most this long, so that the next one starts while the wait lasts.
ATTEMPT_S = 1.0


def endpoints(cis: Sequence[ConnInfo]) -> list[tuple[str, int]]:
    """The distinct (host, port) the URLs dial first; Unix sockets are not waited for."""
    from pgconnect_cli.probes import dns

    seen: dict[tuple[str, int], None] = {}
    for ci in cis:
        if not ci.hosts:
            continue
        hp = ci.hosts[0]
        try:
            port = hp.port_number
        except ValueError:
            port = ci.port
        if hp.host and not dns.is_socket_host(hp.host):
            seen[(hp.host, port)] = None
    return list(seen)


def answers(host: str, port: int, resolver: ResolverConfig, budget: float) -> bool:
    """One attempt: the name resolves and one of its addresses accepts a TCP connection."""
    from pgconnect_cli.probes import dns, tcp

    found = dns.resolve(host, resolver, budget)
    if not found.usable or not found.addresses:
        return False
    _, sock = tcp.dial(found.addresses, port, budget, side_port=None)
    if sock is None:
        return False
    sock.close()
    return True


def wait(cis: Sequence[ConnInfo], seconds: float, resolver: ResolverConfig | None) -> float:
    """Wait up to `seconds` until every endpoint of `cis` answers; the seconds waited."""
    from pgconnect_cli.probes.local import has_ipv6_route

    started = time.monotonic()
    end = started + seconds
    config = replace(resolver or ResolverConfig(), prefer_ipv6=has_ipv6_route())
    pending = endpoints(cis)
    while pending:
        left = end - time.monotonic()
        if left <= 0:
            break
        pending = [(h, p) for h, p in pending if not answers(h, p, config, min(ATTEMPT_S, max(left, 0.01)))]
        if pending:
            time.sleep(max(min(RETRY_S, end - time.monotonic()), 0.0))
    return time.monotonic() - started
