"""The doctor's options, and the parsing of `--resolver` and `--resolve`: plain input, no I/O."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pgconnect_cli.doctor.observations import ResolverConfig
from pgconnect_cli.errors import UsageError
from pgconnect_cli.project import Client

if TYPE_CHECKING:
    from pgconnect_cli.config import Settings

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
    instances: int | None = None  # --instances: check the app's pool × instances against the live limit


def client_names() -> list[str]:
    """What --client takes: every row of the client table, and the first tranche's names (prisma, other)."""
    from pgconnect_cli.known_clients import BY_ID

    return [*BY_ID, *(c.value for c in Client if c.value not in BY_ID)]


class Flags(Protocol):
    """The doctor's flags that make its options (`usecases.doctor_command.DoctorArgs` has them)."""

    @property
    def timeout(self) -> float | None: ...
    @property
    def wait(self) -> float: ...
    @property
    def client(self) -> str | None: ...
    @property
    def strict(self) -> bool: ...
    @property
    def offline(self) -> bool: ...
    @property
    def instances(self) -> int | None: ...
    @property
    def resolver(self) -> str | None: ...
    @property
    def resolve(self) -> Sequence[str]: ...


def from_flags(settings: Settings, flags: Flags) -> DoctorOptions:
    """The options of one run: the flags, else the settings file (`[tool.pgc]`, `.pgc.toml`),
    else the defaults. Bad values are usage errors (exit 2)."""
    client, timeout, wait, instances = flags.client, flags.timeout, flags.wait, flags.instances
    if client is not None:
        names = client_names()
        if client.lower() not in names:
            raise UsageError(f"--client {client}: one of {', '.join(names)}")
        client = client.lower()
    if timeout is not None and not 0 < timeout <= 300:
        raise UsageError(f"--timeout {timeout:g}: give a number of seconds above 0, at most 300")
    if not 0 <= wait <= 3600:
        raise UsageError(f"--wait {wait:g}: give a number of seconds from 0 to 3600")
    if instances is not None and instances < 1:
        raise UsageError(f"--instances {instances}: give a whole number of app instances, 1 or more")
    client_source = "--client"
    if client is None and settings.client is not None:
        client = settings.client
        client_source = settings.path.name if settings.path is not None else "settings"
    nameserver, port = parse_resolver(flags.resolver) if flags.resolver else (None, 53)
    return DoctorOptions(
        timeout=timeout if timeout is not None else (settings.timeout or DEFAULT_TIMEOUT),
        resolver=ResolverConfig(nameserver=nameserver, port=port, pins=parse_pins(flags.resolve)),
        offline=flags.offline,
        strict=flags.strict or bool(settings.strict),
        client=client,
        client_source=client_source,
        home=Path.home(),
        wait=wait,
        instances=instances if instances is not None else settings.instances,
    )


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
