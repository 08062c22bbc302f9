"""A PostgreSQL cluster started by the lab: its settings, roles, start and stop."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pgconnect_cli.lab import processes, system
from pgconnect_cli.lab.binaries import PgBinaries, find_postgres
from pgconnect_cli.lab.certs import Certs, certs_from_json, certs_to_json, make_certs
from pgconnect_cli.lab.errors import LabError
from pgconnect_cli.lab.ports import PORT_ATTEMPTS, free_port, listen_addresses, socket_dir
from pgconnect_cli.lab.system import RunAs
from pgconnect_cli.lab.urls import LAB_HOST, Dialable, Endpoint, verify_connect

if TYPE_CHECKING:
    import psycopg


SUPERUSER = "postgres"


DEFAULT_ROLE = "pgc_app"


DEFAULT_DATABASE = "pgc_app"


@dataclass(frozen=True)
class ServerSpec:
    """What kind of PostgreSQL server to start (the lab's, or a variant for tests)."""

    tls: bool = True
    hostssl_only: bool = False
    max_connections: int = 100
    superuser_reserved_connections: int = 3
    role: str = DEFAULT_ROLE
    database: str = DEFAULT_DATABASE
    # A primary that serves pg_basebackup and streaming replication (wal_level=replica).
    replication: bool = False
    # A hot standby (made by `standby.start_standby`): read-only, its roles come from the primary.
    standby: bool = False


@dataclass(frozen=True)
class Passwords:
    """A server's two passwords: its superuser's and its application role's."""

    superuser: str = field(repr=False)
    role: str = field(repr=False)


@dataclass(frozen=True)
class PostgresServer(Dialable):
    """A running PostgreSQL cluster started by the lab. `stop()` stops it and removes its directory."""

    directory: Path
    spec: ServerSpec
    port: int
    pid: int
    version: str
    bindir: Path
    certs: Certs | None
    run_as: RunAs | None
    password: str = field(repr=False)
    superuser_password: str = field(repr=False)
    superuser: str = SUPERUSER
    host: str = LAB_HOST

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        return self.directory / "postgres.log"

    @property
    def password_file(self) -> Path:
        return self.directory / "password"

    @property
    def role(self) -> str:
        return self.spec.role

    @property
    def database(self) -> str:
        return self.spec.database

    @property
    def ca_cert(self) -> Path | None:
        return self.certs.ca_cert if self.certs else None

    def endpoint(self) -> Endpoint:
        return Endpoint(
            self.host,
            self.port,
            self.role,
            self.password,
            self.database,
            self.superuser,
            self.superuser_password,
            self.spec.tls,
            self.ca_cert,
        )

    @property
    def direct_url(self) -> str:
        return self.url()

    def is_running(self) -> bool:
        return processes.is_ours(self.pid, "postgres", str(self.data_dir))

    def connect_admin(self, dbname: str = "postgres") -> psycopg.Connection[tuple[Any, ...]]:
        """An autocommit superuser connection over TCP (the caller closes it)."""
        return self._connect_superuser(dbname)

    def create_role(self, name: str, password: str, *, superuser: bool = False) -> Role:
        """Create (or reset) a login role; the password travels only as a SCRAM verifier.

        Every PgBouncer in front of this server admits the role too (it looks roles up with
        `auth_query`).
        """
        with self.connect_admin() as conn:
            upsert_role(conn, name, password, superuser=superuser)
        return Role(name=name, password=password, server=self)

    def drop_role(self, name: str) -> None:
        from psycopg import sql

        with self.connect_admin(self.database) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))

    def stop(self) -> None:
        system.discard(self.directory, stop_postgres_dir)

    def to_json(self) -> dict[str, Any]:
        return {
            **processes.process_json(self),
            "bindir": str(self.bindir),
            "host": self.host,
            "superuser": self.superuser,
            "spec": asdict(self.spec),
            "certs": certs_to_json(self.certs),
            "run_as": system.run_as_to_json(self.run_as),
            "password_file": str(self.password_file),
            "log_file": str(self.log_file),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PostgresServer:
        process = processes.process_fields(data)
        directory = process["directory"]
        return cls(
            **process,
            spec=ServerSpec(**data["spec"]),
            bindir=Path(data["bindir"]),
            certs=certs_from_json(data.get("certs")),
            run_as=system.run_as_from_json(data.get("run_as")),
            password=system.read_secret(directory / "password"),
            superuser_password=system.read_secret(directory / "superuser.password"),
            superuser=str(data.get("superuser", SUPERUSER)),
            host=str(data.get("host", LAB_HOST)),
        )


@dataclass(frozen=True)
class Role:
    """A login role on a lab server; its repr shows neither the password nor a URL."""

    name: str
    password: str = field(repr=False)
    server: PostgresServer = field(repr=False)

    def url(self, via: Dialable | None = None, *, dbname: str | None = None) -> str:
        """The role's URL to its server, or through `via` (a PgBouncer in front of it)."""
        target: Dialable = via or self.server
        return target.url(user=self.name, password=self.password, dbname=dbname)

    @property
    def direct_url(self) -> str:
        return self.url()


def upsert_role(
    conn: psycopg.Connection[tuple[Any, ...]], name: str, password: str, *, superuser: bool
) -> None:
    from psycopg import sql

    verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    attrs = "LOGIN SUPERUSER" if superuser else "LOGIN"
    conn.execute(
        sql.SQL(f"{verb} ROLE {{}} {attrs} PASSWORD {{}}").format(sql.Identifier(name), sql.Literal(verifier))
    )


def conf_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _postgres_conf(directory: Path, spec: ServerSpec, port: int, certs: Certs | None) -> str:
    settings: dict[str, str] = {
        "listen_addresses": conf_string(",".join(listen_addresses())),
        "port": str(port),
        "max_connections": str(spec.max_connections),
        "superuser_reserved_connections": str(spec.superuser_reserved_connections),
        "unix_socket_directories": conf_string(socket_dir(directory, port)),
        "unix_socket_permissions": "0700",
        "password_encryption": "'scram-sha-256'",
        "ssl": "on" if spec.tls else "off",
        # A throwaway cluster: durability buys nothing, start-up and DDL speed do.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "wal_level": "replica" if spec.replication else "minimal",
        "max_wal_senders": "4" if spec.replication else "0",
        "autovacuum": "off",
        "shared_buffers": "16MB",
        # Segments as files in the data directory, not in /dev/shm: a killed server leaves nothing
        # behind once the directory is gone.
        "dynamic_shared_memory_type": "mmap",
        "jit": "off",
        "logging_collector": "off",
        "log_connections": "on",
        "log_line_prefix": "'%m [%p] %q%u@%d '",
        "lc_messages": "'C'",
    }
    if spec.tls and certs is not None:
        settings["ssl_cert_file"] = conf_string(str(certs.server_cert))
        settings["ssl_key_file"] = conf_string(str(certs.server_key))
    return "".join(f"{k} = {v}\n" for k, v in settings.items())


def lab_hba(spec: ServerSpec) -> str:
    """The pg_hba.conf the lab writes for `spec`."""
    host = "hostssl" if spec.hostssl_only else "host"
    lines = ["# written by pgc lab", "local all all scram-sha-256"]
    databases = ["all", "replication"] if spec.replication else ["all"]
    lines += [
        f"{host} {db} all {net} scram-sha-256" for db in databases for net in ("127.0.0.1/32", "::1/128")
    ]
    return "\n".join(lines) + "\n"


def run_initdb(binaries: PgBinaries, data: Path, pwfile: Path, run_as: RunAs | None) -> None:
    """initdb into `data` (absent), the superuser's password read from `pwfile`."""
    args: list[str | os.PathLike[str]] = [binaries.initdb, "-D", data, "-U", SUPERUSER, "--pwfile", pwfile]
    args += ["--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"]
    system.check_ok(system.run_tool(args, run_as=run_as, cwd=data.parent), "initdb")


class ClusterSource(Protocol):
    """Where a new cluster's data directory comes from: initdb, unless the caller has a faster way
    (the test suite copies one initdb'd template)."""

    def create(self, data: Path, binaries: PgBinaries, run_as: RunAs | None, pwfile: Path) -> str | None:
        """Make the cluster in `data` (absent, owned by `run_as`); return the superuser's password in
        it, or None when that is the one in `pwfile`."""
        ...


def start_postgres(
    directory: Path,
    spec: ServerSpec | None = None,
    *,
    certs: Certs | None = None,
    binaries: PgBinaries | None = None,
    run_as: RunAs | bool | None = True,
    cluster: ClusterSource | None = None,
    port: int | None = None,
    passwords: Passwords | None = None,
) -> PostgresServer:
    """Create a cluster in `directory` (created; must not hold anything else), start it, add the role.

    The cluster comes from initdb, or from `cluster`. `run_as=True` picks
    `server_identity()`; with TLS and no `certs`, certificates are made in `directory/tls`.
    It listens on `port` when that is free (else on any free port); `passwords` are the
    superuser's and the role's (else new random ones). Stops and removes everything again
    when any step fails.
    """
    spec = spec or ServerSpec()
    binaries = binaries or find_postgres()
    identity = system.server_identity() if run_as is True else (run_as or None)
    directory = system.absolute(directory)
    with system.server_directory(directory, identity, stop_postgres_dir):
        return _start_postgres(directory, spec, certs, binaries, identity, cluster, port, passwords)


def _start_postgres(
    directory: Path,
    spec: ServerSpec,
    certs: Certs | None,
    binaries: PgBinaries,
    run_as: RunAs | None,
    cluster: ClusterSource | None,
    preferred_port: int | None,
    passwords: Passwords | None,
) -> PostgresServer:
    if spec.tls and certs is None:
        certs = make_certs(directory / "tls", run_as)
    passwords = passwords or Passwords(superuser=system.generate_password(), role=system.generate_password())
    superuser_password, password = passwords.superuser, passwords.role
    system.write_private(directory / "superuser.password", superuser_password + "\n", run_as)
    system.write_private(directory / "password", password + "\n", run_as)
    data = directory / "data"
    pwfile = directory / "superuser.password"
    if cluster is None:
        run_initdb(binaries, data, pwfile, run_as)
        bootstrap_password = superuser_password
    else:
        bootstrap_password = cluster.create(data, binaries, run_as, pwfile) or superuser_password
    (data / "pg_hba.conf").write_text(lab_hba(spec), encoding="utf-8")
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write("\ninclude = 'pgc_lab.conf'\n")
    run = directory / "run"
    run.mkdir(mode=0o700)
    system.chown_to(run, run_as)
    log_file = directory / "postgres.log"
    addresses = listen_addresses()
    for attempt in range(PORT_ATTEMPTS):
        port = free_port(addresses, preferred_port if attempt == 0 else None)
        lab_conf = data / "pgc_lab.conf"
        lab_conf.write_text(_postgres_conf(directory, spec, port, certs), encoding="utf-8")
        system.chown_to(lab_conf, run_as)
        pg_ctl: list[str | os.PathLike[str]] = [binaries.pg_ctl, "start", "-D", data, "-l", log_file]
        started = system.run_tool(
            [*pg_ctl, "-w", "-t", str(int(system.STARTUP_TIMEOUT)), "-s"],
            run_as=run_as,
            cwd=directory,
            timeout=system.STARTUP_TIMEOUT + 5,
        )
        if started.returncode == 0:
            break
        failure = system.log_failure(log_file)
        port_lost = "could not bind" in failure or "could not create any TCP/IP sockets" in failure
        if not port_lost or attempt == PORT_ATTEMPTS - 1:
            raise LabError(f"PostgreSQL did not start: {failure} (log: {log_file})")
    pid = processes.read_pid(data / "postmaster.pid")
    if pid is None:
        raise LabError(f"PostgreSQL did not start: no postmaster.pid (log: {log_file})")
    server = PostgresServer(
        directory=directory,
        spec=spec,
        port=port,
        pid=pid,
        version="",
        bindir=binaries.bindir,
        certs=certs,
        run_as=run_as,
        password=password,
        superuser_password=bootstrap_password,
    )
    version = _server_version(server) if spec.standby else _create_app_role(server, superuser_password)
    server = replace(server, version=version, superuser_password=superuser_password)
    verify_connect(server.url(), what="PostgreSQL")
    return server


def _create_app_role(server: PostgresServer, superuser_password: str) -> str:
    """Set the superuser's own password (a copied template has the template's) and add the role."""
    import psycopg
    from psycopg import sql

    try:
        with server.connect_admin() as conn:
            version = conn.info.parameter_status("server_version") or ""
            if superuser_password != server.superuser_password:
                upsert_role(conn, server.superuser, superuser_password, superuser=True)
            upsert_role(conn, server.role, server.password, superuser=False)
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(server.database), sql.Identifier(server.role)
                )
            )
    except psycopg.Error as exc:
        raise LabError(f"cannot set up role {server.role!r}: {system.one_line(exc)}") from None
    return version.split()[0] if version else ""


def _server_version(server: PostgresServer) -> str:
    import psycopg

    try:
        with server.connect_admin() as conn:
            version = conn.info.parameter_status("server_version") or ""
    except psycopg.Error as exc:
        reason = system.one_line(exc)
        raise LabError(f"PostgreSQL started but refuses the lab's own connection: {reason}") from None
    return version.split()[0] if version else ""


def stop_postgres_dir(server_dir: Path) -> None:
    data = server_dir / "data"
    pid = processes.read_pid(data / "postmaster.pid")
    # SIGINT is PostgreSQL's fast shutdown; SIGQUIT immediate; SIGKILL the last resort.
    steps = ((signal.SIGINT, processes.STOP_TIMEOUT), (signal.SIGQUIT, 3.0), (signal.SIGKILL, 3.0))
    processes.terminate(pid, "postgres", str(data), steps)
    _release_orphaned_shm(data)


def _release_orphaned_shm(data: Path) -> None:
    """Remove the System V segment a killed postmaster left behind (Linux).

    PostgreSQL reclaims it when it starts again in the same data directory; the lab deletes
    the directory instead, so it does the reclaiming: only the segment named in postmaster.pid,
    only when nothing is attached and it belongs to the data directory's owner.
    """
    try:
        key, shmid = (int(f) for f in (data / "postmaster.pid").read_text().splitlines()[6].split()[:2])
        owner = data.stat().st_uid
        rows = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    except (OSError, IndexError, ValueError):
        return
    for row in rows:
        cols = row.split()  # key shmid perms size cpid lpid nattch uid ...
        if len(cols) > 7 and cols[:2] == [str(key), str(shmid)] and cols[6] == "0" and cols[7] == str(owner):
            import ctypes

            ipc_rmid = 0
            ctypes.CDLL(None, use_errno=True).shmctl(shmid, ipc_rmid, None)
