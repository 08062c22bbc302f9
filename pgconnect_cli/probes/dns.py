"""DNS: find the addresses the doctor will dial.

IP literals need no lookup; `--resolve HOST:ADDR` pins win; names in the hosts file resolve
through getaddrinfo like libpq; every other name is asked of a DNS server with dnspython, A and
AAAA separately (concurrently), following CNAMEs, telling NXDOMAIN from failure.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pgconnect_cli.doctor.observations import DnsMethod, DnsObservation, DnsOutcome, ResolverConfig

__all__ = [
    "DnsMethod",
    "DnsObservation",
    "DnsOutcome",
    "ResolverConfig",
    "is_ip",
    "is_socket_host",
    "resolve",
]


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def is_socket_host(host: str) -> bool:
    return host == "" or host.startswith("/") or host.startswith("@")


@cache
def _hosts_file_names(path: Path) -> frozenset[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset({"localhost"})
    names = {"localhost"}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        names.update(n.lower().rstrip(".") for n in fields[1:])
    return frozenset(names)


def _ordered(a: tuple[str, ...], aaaa: tuple[str, ...], prefer_ipv6: bool) -> tuple[str, ...]:
    return aaaa + a if prefer_ipv6 else a + aaaa


def _split(addresses: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        tuple(a for a in addresses if ":" not in a),
        tuple(a for a in addresses if ":" in a),
    )


def _system(host: str, config: ResolverConfig, started: float, budget: float) -> DnsObservation:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        not_found = exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5))
        return DnsObservation(
            host,
            DnsMethod.SYSTEM,
            DnsOutcome.NOT_FOUND if not_found else DnsOutcome.FAILED,
            resolver="the hosts file (getaddrinfo)",
            error=exc.strerror or str(exc),
            budget=budget,
            started=started,
            finished=time.monotonic(),
        )
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    a, aaaa = _split(addresses)
    return DnsObservation(
        host,
        DnsMethod.SYSTEM,
        DnsOutcome.OK if addresses else DnsOutcome.NO_ADDRESS,
        addresses=addresses,
        a=a,
        aaaa=aaaa,
        resolver="the hosts file (getaddrinfo)",
        budget=budget,
        started=started,
        finished=time.monotonic(),
    )


@dataclass
class _Answer:
    addresses: tuple[str, ...] = ()
    cnames: tuple[str, ...] = ()
    nxdomain: bool = False
    error: str = ""
    timed_out: bool = False
    answered: bool = False


def _query(host: str, rdtype: str, config: ResolverConfig, budget: float) -> _Answer:
    import dns.exception
    import dns.name
    import dns.resolver

    try:
        if config.nameserver is None:
            resolver = dns.resolver.Resolver()
        else:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [config.nameserver]
            resolver.port = config.port
        resolver.lifetime = budget
        resolver.timeout = budget
        search = config.nameserver is None and "." not in host.rstrip(".")
        answer = resolver.resolve(host, rdtype, raise_on_no_answer=False, search=search)
    except dns.resolver.NXDOMAIN:
        return _Answer(nxdomain=True, answered=True)
    except dns.exception.Timeout:
        return _Answer(error=f"no answer from {config.label} within {budget:.1f} s", timed_out=True)
    except dns.resolver.NoNameservers as exc:
        return _Answer(error=f"{config.label} failed to answer ({_first_line(exc)})")
    except dns.resolver.NoResolverConfiguration:
        return _Answer(error="no DNS server configured (/etc/resolv.conf); pass --resolver IP")
    except dns.name.NameTooLong:
        return _Answer(error="the host name is longer than DNS allows")
    except dns.exception.DNSException as exc:
        return _Answer(error=f"{type(exc).__name__}: {_first_line(exc)}")
    addresses = tuple(rdata.to_text() for rdata in answer.rrset) if answer.rrset is not None else ()
    cnames = tuple(
        rrset[0].target.to_text(omit_final_dot=True) for rrset in answer.chaining_result.cnames if len(rrset)
    )
    return _Answer(addresses=addresses, cnames=cnames, answered=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _dns(host: str, config: ResolverConfig, started: float, budget: float) -> DnsObservation:
    results: dict[str, _Answer] = {}

    def ask(rdtype: str) -> None:
        results[rdtype] = _query(host, rdtype, config, budget)

    other = threading.Thread(target=ask, args=("AAAA",), daemon=True, name="pgc-dns-aaaa")
    other.start()
    ask("A")
    other.join(budget + 0.5)
    a_answer = results.get("A", _Answer(error="no answer", timed_out=True))
    aaaa_answer = results.get("AAAA", _Answer(error="no answer", timed_out=True))
    a, aaaa = a_answer.addresses, aaaa_answer.addresses
    cnames = tuple(dict.fromkeys(a_answer.cnames + aaaa_answer.cnames))
    complete = a_answer.answered and aaaa_answer.answered
    errors = [f"{t}: {x.error}" for t, x in (("A", a_answer), ("AAAA", aaaa_answer)) if x.error]
    if a or aaaa:
        outcome = DnsOutcome.OK
    elif a_answer.nxdomain or aaaa_answer.nxdomain:
        outcome = DnsOutcome.NOT_FOUND
    elif complete:
        outcome = DnsOutcome.NO_ADDRESS
    else:
        outcome = DnsOutcome.FAILED
    return DnsObservation(
        host,
        DnsMethod.DNS,
        outcome,
        addresses=_ordered(a, aaaa, config.prefer_ipv6),
        a=a,
        aaaa=aaaa,
        cnames=cnames,
        complete=complete,
        resolver=config.label,
        error="; ".join(errors),
        timed_out=a_answer.timed_out or aaaa_answer.timed_out,
        budget=budget,
        started=started,
        finished=time.monotonic(),
    )


def resolve(host: str, config: ResolverConfig, budget: float) -> DnsObservation:
    """The addresses for `host`, within `budget` seconds."""
    started = time.monotonic()
    if is_socket_host(host):
        return DnsObservation(host, DnsMethod.SOCKET, DnsOutcome.OK, started=started, finished=started)
    bare = host.lower().rstrip(".")
    if is_ip(host):
        a, aaaa = _split((host,))
        return DnsObservation(
            host, DnsMethod.LITERAL, DnsOutcome.OK, (host,), a, aaaa, started=started, finished=started
        )
    pinned = config.pins.get(bare)
    if pinned:
        a, aaaa = _split(pinned)
        return DnsObservation(
            host,
            DnsMethod.PINNED,
            DnsOutcome.OK,
            pinned,
            a,
            aaaa,
            resolver="--resolve",
            started=started,
            finished=time.monotonic(),
        )
    if bare in _hosts_file_names(config.hosts_file):
        return _system(host, config, started, budget)
    return _dns(host, config, started, budget)
