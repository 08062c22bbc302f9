"""A PgBouncer started by the lab in front of a lab PostgreSQL."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgconnect_cli.lab import processes, system
from pgconnect_cli.lab.binaries import find_pgbouncer
from pgconnect_cli.lab.certs import Certs, certs_from_json, certs_to_json, make_certs
from pgconnect_cli.lab.errors import LabError
from pgconnect_cli.lab.ports import PORT_ATTEMPTS, free_port, listen_addresses, socket_dir, wait_port
from pgconnect_cli.lab.postgres import PostgresServer
from pgconnect_cli.lab.system import RunAs
from pgconnect_cli.lab.urls import LAB_HOST, Dialable, Endpoint, verify_connect
from pgconnect_cli.providers import PoolMode

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class BouncerSpec:
    pool_mode: PoolMode = PoolMode.TRANSACTION
    client_tls: bool = True
    default_pool_size: int = 20
    max_client_conn: int = 100
    # the [databases] section: None is a `*` fallback to the upstream; else only these names
    databases: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PgBouncer(Dialable):
    """A running PgBouncer in front of `upstream`. `stop()` stops it and removes its directory."""

    directory: Path
    spec: BouncerSpec
    upstream: PostgresServer
    port: int
    pid: int
    version: str
    binary: Path
    certs: Certs | None
    host: str = LAB_HOST

    @property
    def config_file(self) -> Path:
        return self.directory / "pgbouncer.ini"

    @property
    def log_file(self) -> Path:
        return self.directory / "pgbouncer.log"

    @property
    def ca_cert(self) -> Path | None:
        return self.certs.ca_cert if self.certs and self.spec.client_tls else None

    def endpoint(self) -> Endpoint:
        """The upstream's roles and database, reached at this pooler's address."""
        return replace(
            self.upstream.endpoint(),
            host=self.host,
            port=self.port,
            tls=self.spec.client_tls,
            ca_cert=self.ca_cert,
        )

    @property
    def pooled_url(self) -> str:
        return self.url()

    def is_running(self) -> bool:
        return processes.is_ours(self.pid, "pgbouncer", str(self.config_file))

    def connect_admin(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The admin console (database `pgbouncer`, simple queries only: `SHOW POOLS`)."""
        return self._connect_superuser("pgbouncer")

    def stop(self) -> None:
        system.discard(self.directory, stop_pgbouncer_dir)

    def to_json(self) -> dict[str, Any]:
        return {
            **processes.process_json(self),
            "binary": str(self.binary),
            "host": self.host,
            "spec": {
                "pool_mode": self.spec.pool_mode.value,
                "client_tls": self.spec.client_tls,
                "default_pool_size": self.spec.default_pool_size,
                "max_client_conn": self.spec.max_client_conn,
            },
            "certs": certs_to_json(self.certs),
            "config_file": str(self.config_file),
            "log_file": str(self.log_file),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], upstream: PostgresServer) -> PgBouncer:
        spec = dict(data["spec"])
        spec["pool_mode"] = PoolMode(spec["pool_mode"])
        return cls(
            **processes.process_fields(data),
            spec=BouncerSpec(**spec),
            upstream=upstream,
            binary=Path(data["binary"]),
            certs=certs_from_json(data.get("certs")),
            host=str(data.get("host", LAB_HOST)),
        )


def _auth_file_line(user: str, secret: str) -> str:
    return '"{}" "{}"\n'.format(user.replace('"', '""'), secret.replace('"', '""'))


def _pgbouncer_ini(
    directory: Path, spec: BouncerSpec, upstream: PostgresServer, port: int, certs: Certs | None
) -> str:
    lines = [
        "; written by pgc lab",
        "[databases]",
        *(
            [f"* = host=127.0.0.1 port={upstream.port}"]
            if spec.databases is None
            else [f"{name} = host=127.0.0.1 port={upstream.port}" for name in spec.databases]
        ),
        "[pgbouncer]",
        f"listen_addr = {','.join(listen_addresses())}",
        f"listen_port = {port}",
        f"unix_socket_dir = {socket_dir(directory, port)}",
        f"pool_mode = {spec.pool_mode.value}",
        f"default_pool_size = {spec.default_pool_size}",
        f"max_client_conn = {spec.max_client_conn}",
        "auth_type = scram-sha-256",
        f"auth_file = {directory / 'userlist.txt'}",
        # Any role of the server works through the pooler: PgBouncer looks up its SCRAM secret.
        f"auth_user = {upstream.superuser}",
        f"admin_users = {upstream.superuser}",
        f"logfile = {directory / 'pgbouncer.log'}",
        f"pidfile = {directory / 'pgbouncer.pid'}",
    ]
    if spec.client_tls and certs is not None:
        lines += [
            "client_tls_sslmode = prefer",
            f"client_tls_key_file = {certs.server_key}",
            f"client_tls_cert_file = {certs.server_cert}",
            f"client_tls_ca_file = {certs.ca_cert}",
        ]
    if upstream.spec.tls:
        lines.append("server_tls_sslmode = require")
    return "\n".join(lines) + "\n"


def start_pgbouncer(
    directory: Path,
    upstream: PostgresServer,
    spec: BouncerSpec | None = None,
    *,
    certs: Certs | None = None,
    binary: Path | None = None,
    port: int | None = None,
) -> PgBouncer:
    """Start PgBouncer in `directory` (created) in front of `upstream`, as the same user.

    Client TLS uses `certs`, else the upstream's, else new ones in `directory/tls`. It listens
    on `port` when that is free, else on any free port.
    """
    spec = spec or BouncerSpec()
    binary = binary or find_pgbouncer()
    directory = system.absolute(directory)
    with system.server_directory(directory, upstream.run_as, stop_pgbouncer_dir):
        return _start_pgbouncer(directory, upstream, spec, certs, binary, port)


def _start_pgbouncer(
    directory: Path,
    upstream: PostgresServer,
    spec: BouncerSpec,
    certs: Certs | None,
    binary: Path,
    preferred_port: int | None,
) -> PgBouncer:
    run_as = upstream.run_as
    if spec.client_tls:
        certs = certs or upstream.certs or make_certs(directory / "tls", run_as)
    else:
        certs = None
    system.write_private(
        directory / "userlist.txt", _auth_file_line(upstream.superuser, upstream.superuser_password), run_as
    )
    run = directory / "run"
    run.mkdir(mode=0o700)
    system.chown_to(run, run_as)
    version_out = system.run_tool([binary, "--version"], run_as=run_as, cwd=directory)
    system.check_ok(version_out, "pgbouncer --version")
    match = re.search(r"PgBouncer\s+(\S+)", version_out.stdout)
    version = match.group(1) if match else system.last_line(version_out.stdout)

    def render(port: int) -> str:
        return _pgbouncer_ini(directory, spec, upstream, port, certs)

    port, pid = _launch_pgbouncer(directory, binary, run_as, render, preferred_port)
    bouncer = PgBouncer(
        directory=directory,
        spec=spec,
        upstream=upstream,
        port=port,
        pid=pid,
        version=version,
        binary=binary,
        certs=certs,
    )
    verify_connect(bouncer.url(), what="PgBouncer")
    return bouncer


def _launch_pgbouncer(
    directory: Path,
    binary: Path,
    run_as: RunAs | None,
    render: Callable[[int], str],
    preferred_port: int | None,
) -> tuple[int, int]:
    """Start the daemon on a free port (a new one if another process took it first): (port, pid)."""
    config = directory / "pgbouncer.ini"
    pidfile = directory / "pgbouncer.pid"
    log_file = directory / "pgbouncer.log"
    addresses = listen_addresses()
    for attempt in range(PORT_ATTEMPTS):
        port = free_port(addresses, preferred_port if attempt == 0 else None)
        config.unlink(missing_ok=True)
        system.write_private(config, render(port), run_as)
        system.check_ok(system.run_tool([binary, "-d", config], run_as=run_as, cwd=directory), "pgbouncer")
        pid = _wait_pidfile(pidfile, str(config))
        if pid is not None and wait_port(port, processes.alive_check(pid, "pgbouncer", str(config))):
            return port, pid
        failure = system.log_failure(log_file)
        stop_pgbouncer_dir(directory)
        pidfile.unlink(missing_ok=True)
        if "Address already in use" not in failure or attempt == PORT_ATTEMPTS - 1:
            raise LabError(f"PgBouncer did not start: {failure} (log: {log_file})")
    raise AssertionError("unreachable")


def _wait_pidfile(pidfile: Path, config: str, timeout: float = system.STARTUP_TIMEOUT) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = processes.read_pid(pidfile)
        if pid is not None and processes.is_ours(pid, "pgbouncer", config):
            return pid
        time.sleep(0.01)
    return None


def stop_pgbouncer_dir(bouncer_dir: Path) -> None:
    pid = processes.read_pid(bouncer_dir / "pgbouncer.pid")
    # SIGTERM is PgBouncer's immediate shutdown (SIGINT would wait for session clients).
    steps = ((signal.SIGTERM, processes.STOP_TIMEOUT), (signal.SIGKILL, 3.0))
    processes.terminate(pid, "pgbouncer", str(bouncer_dir / "pgbouncer.ini"), steps)
