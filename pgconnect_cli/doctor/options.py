"""The doctor's options, and the parsing of `--resolver` and `--resolve`: plain input, no I/O."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pgconnect_cli.doctor.observations import ResolverConfig
from pgconnect_cli.errors import UsageError
from pgconnect_cli.project import Client

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class DoctorOptions:
    timeout: float = DEFAULT_TIMEOUT
    resolver: ResolverConfig | None = None  # None: the system's resolver
    offline: bool = False
    strict: bool = False
    client: Client | str | None = None  # a row id of the client table (or a first-tranche name)
    client_source: str = "--client"  # where `client` came from: the flag, or the settings file
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    home: Path | None = None
    wait: float = 0.0  # --wait: seconds to wait for the servers to answer on TCP before the checks


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return None


def parse_resolver(text: str) -> tuple[str, int]:
    """`--resolver IP[:PORT]` (`[v6]:PORT` for IPv6) → (ip, port)."""
    value = text.strip()
    whole = _ip(value)
    if whole is not None:
        return whole, 53
    host, sep, port = value.rpartition(":")
    ip = _ip(host) if sep else None
    if (
        ip is None
        or (":" in ip and not host.startswith("["))
        or not port.isdigit()
        or not 0 < int(port) < 65536
    ):
        raise UsageError(f"--resolver {value!r}: expected IP or IP:PORT (IPv6 as [ADDR]:PORT)")
    return ip, int(port)


def parse_pins(values: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """`--resolve HOST:ADDR[,ADDR…]` (curl's HOST:PORT:ADDR is accepted too) → {host: addresses}."""
    pins: dict[str, tuple[str, ...]] = {}
    for raw in values:
        host, sep, rest = raw.strip().partition(":")
        addresses = [_ip(a) for a in rest.split(",")] if sep else [None]
        if None in addresses:
            port, sep2, after = rest.partition(":")
            if sep2 and port.isdigit():
                addresses = [_ip(a) for a in after.split(",")]
        if not host or not sep or None in addresses:
            raise UsageError(f"--resolve {raw!r}: expected HOST:ADDR, e.g. db.example.com:127.0.0.1")
        pins[host.lower().rstrip(".")] = tuple(a for a in addresses if a is not None)
    return pins
