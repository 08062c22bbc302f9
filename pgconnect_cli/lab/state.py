"""The `pgc lab` pair in its directory: up, status, down and its URLs, remembered in state.json."""

from __future__ import annotations

import contextlib
import enum
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pgconnect_cli.lab.binaries import find_openssl, find_pgbouncer, find_postgres
from pgconnect_cli.lab.certs import Certs, make_certs
from pgconnect_cli.lab.envfile import EnvFileCheck, check_env_file
from pgconnect_cli.lab.errors import LabError, LabNotRunning
from pgconnect_cli.lab.pgbouncer import PgBouncer, start_pgbouncer, stop_pgbouncer_dir
from pgconnect_cli.lab.postgres import (
    ClusterSource,
    Passwords,
    PostgresServer,
    start_postgres,
    stop_postgres_dir,
)
from pgconnect_cli.lab.system import (
    MARKER,
    RunAs,
    absolute,
    claim_directory,
    is_lab_dir,
    make_owned_dir,
    remove_tree,
    require_reachable,
    server_identity,
    write_private,
)

STATE_SCHEMA = "pgc.lab-state/v1"


class UpOutcome(str, enum.Enum):
    STARTED = "started"
    ALREADY_RUNNING = "already-running"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class Lab:
    """The `pgc lab` pair: PostgreSQL with TLS and a transaction-mode PgBouncer in front of it."""

    directory: Path
    postgres: PostgresServer
    pgbouncer: PgBouncer

    @property
    def direct_url(self) -> str:
        return self.postgres.url()

    @property
    def pooled_url(self) -> str:
        return self.pgbouncer.url()

    @property
    def masked_direct_url(self) -> str:
        return self.postgres.url(mask=True)

    @property
    def masked_pooled_url(self) -> str:
        return self.pgbouncer.url(mask=True)

    @property
    def ca_cert(self) -> Path:
        assert self.postgres.certs is not None
        return self.postgres.certs.ca_cert

    @property
    def password(self) -> str:
        return self.postgres.password

    @property
    def password_file(self) -> Path:
        return self.postgres.password_file

    @property
    def state_file(self) -> Path:
        return self.directory / "state.json"


@dataclass(frozen=True)
class UpResult:
    lab: Lab
    outcome: UpOutcome
    reason: str | None = None
    # For a recovered lab: what differs from the one it replaced (a .env written for that one
    # is stale unless this is empty).
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProcessState:
    name: str
    pid: int | None
    port: int | None
    version: str | None
    alive: bool


@dataclass(frozen=True)
class LabStatus:
    directory: Path
    exists: bool
    postgres: ProcessState | None = None
    pgbouncer: ProcessState | None = None
    lab: Lab | None = None
    problem: str | None = None
    env_file: EnvFileCheck | None = None  # the .env asked about, when it points at a lab here

    @property
    def running(self) -> bool:
        return bool(self.postgres and self.postgres.alive and self.pgbouncer and self.pgbouncer.alive)


@dataclass(frozen=True)
class LabUrls:
    database_url: str = field(repr=False)
    direct_url: str = field(repr=False)

    def as_env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url, "DIRECT_URL": self.direct_url}


def default_directory(env: Mapping[str, str] | None = None, *, as_root: bool | None = None) -> Path:
    """`PGC_LAB_DIR`, else the XDG state dir; as root `/var/tmp/pgconnect-lab-0` (see module doc)."""
    env = os.environ if env is None else env
    if env.get("PGC_LAB_DIR"):
        return absolute(env["PGC_LAB_DIR"])
    if os.geteuid() == 0 if as_root is None else as_root:
        return Path("/var/tmp/pgconnect-lab-0")
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return absolute(state) / "pgconnect" / "lab"


def resolve_directory(directory: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """`directory` made absolute, or the default one."""
    return default_directory(env) if directory is None else absolute(directory)


def _load_lab(directory: Path) -> Lab:
    state_file = directory / "state.json"
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
        if data.get("schema") != STATE_SCHEMA:
            raise ValueError(f"unknown schema {data.get('schema')!r}")
        postgres = PostgresServer.from_json(data["postgres"])
        pgbouncer = PgBouncer.from_json(data["pgbouncer"], postgres)
    except FileNotFoundError:
        raise LabNotRunning(f"no lab state in {directory} (an interrupted start?)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LabError(
            f"lab state {state_file} is unreadable ({exc}): run 'pgc lab down' and start again"
        ) from None
    return Lab(directory=directory, postgres=postgres, pgbouncer=pgbouncer)


def _write_state(lab: Lab) -> None:
    data = {"schema": STATE_SCHEMA, "postgres": lab.postgres.to_json(), "pgbouncer": lab.pgbouncer.to_json()}
    tmp = lab.directory / ".state.json.tmp"
    write_private(tmp, json.dumps(data, indent=2) + "\n")
    os.replace(tmp, lab.state_file)


def status(
    directory: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    dotenv: Path | None = None,
) -> LabStatus:
    """What runs in the lab directory. Never raises for a missing or half-dead lab.

    With `dotenv`, also whether that file's lab URLs are this lab's (ports, password).
    """
    path = resolve_directory(directory, env)
    if not path.exists():
        return LabStatus(directory=path, exists=False)
    if not is_lab_dir(path):
        raise LabError(f"{path} is not a pgc lab directory (no {MARKER} marker)")
    try:
        lab = _load_lab(path)
    except LabError as exc:
        return LabStatus(directory=path, exists=True, problem=exc.message)
    pg = ProcessState(
        "postgres", lab.postgres.pid, lab.postgres.port, lab.postgres.version, lab.postgres.is_running()
    )
    bouncer = ProcessState(
        "pgbouncer", lab.pgbouncer.pid, lab.pgbouncer.port, lab.pgbouncer.version, lab.pgbouncer.is_running()
    )
    problems = [f"{p.name} (pid {p.pid}) is not running" for p in (pg, bouncer) if not p.alive]
    return LabStatus(
        directory=path,
        exists=True,
        postgres=pg,
        pgbouncer=bouncer,
        lab=lab,
        problem="; ".join(problems) or None,
        env_file=check_env_file(dotenv, lab) if dotenv is not None else None,
    )


def _teardown(directory: Path) -> None:
    """Stop what the lab started in `directory` (checked by pid and command line), then remove it.

    `directory` is a lab directory or the directory of a single server from `start_postgres` /
    `start_pgbouncer`.
    """
    for bouncer_dir in (directory / "pgbouncer", directory):
        stop_pgbouncer_dir(bouncer_dir)
    for server_dir in (directory / "postgres", directory):
        stop_postgres_dir(server_dir)
    remove_tree(directory)


def up(
    directory: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    run_as: RunAs | bool | None = True,
    certs: Certs | None = None,
    cluster: ClusterSource | None = None,
) -> UpResult:
    """Start the lab, or return the running one; a crashed or half-started lab is replaced.

    `certs` (e.g. shared with other test servers) replaces the lab's own CA and certificate;
    `cluster` makes the data directory instead of initdb.
    """
    path = resolve_directory(directory, env)
    binaries = find_postgres(env)
    bouncer_binary = find_pgbouncer(env)
    find_openssl(env)
    identity = server_identity() if run_as is True else (run_as or None)
    outcome, reason, previous = UpOutcome.STARTED, None, None
    if path.exists() or path.is_symlink():
        if is_lab_dir(path):
            current = status(path)
            if current.running and current.lab is not None:
                return UpResult(current.lab, UpOutcome.ALREADY_RUNNING)
            outcome = UpOutcome.RECOVERED
            reason = current.problem or "the lab was not running"
            previous = current.lab
            _teardown(path)
        else:
            claim_directory(path)
    require_reachable(path, identity)
    make_owned_dir(path, None, mode=0o711 if identity else 0o700)
    try:
        certs = certs or make_certs(path / "tls", identity)
        # A replacement keeps the crashed lab's ports (when still free) and passwords, so the
        # .env written for it goes on working.
        postgres = start_postgres(
            path / "postgres",
            certs=certs,
            binaries=binaries,
            run_as=identity,
            cluster=cluster,
            port=previous.postgres.port if previous else None,
            passwords=_passwords(previous.postgres) if previous else None,
        )
        pgbouncer = start_pgbouncer(
            path / "pgbouncer",
            postgres,
            binary=bouncer_binary,
            port=previous.pgbouncer.port if previous else None,
        )
        lab = Lab(directory=path, postgres=postgres, pgbouncer=pgbouncer)
        _write_state(lab)
    except BaseException:
        with contextlib.suppress(LabError):
            _teardown(path)
        raise
    changes = _changes(previous, lab) if outcome is UpOutcome.RECOVERED else ()
    return UpResult(lab, outcome, reason, changes)


def _passwords(server: PostgresServer) -> Passwords:
    return Passwords(superuser=server.superuser_password, role=server.password)


def _changes(previous: Lab | None, lab: Lab) -> tuple[str, ...]:
    """What a client of the replaced lab must change: empty when its URLs still work."""
    if previous is None:
        return ("new ports and password (the old lab left no readable state)",)
    changes = [
        f"{name} port {old} → {new}"
        for name, old, new in (
            ("PostgreSQL", previous.postgres.port, lab.postgres.port),
            ("PgBouncer", previous.pgbouncer.port, lab.pgbouncer.port),
        )
        if old != new
    ]
    if previous.password != lab.password:
        changes.append("new password")
    return tuple(changes)


def down(directory: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> bool:
    """Stop the lab (or a single lab-made server) and remove its directory. False when there was none."""
    path = resolve_directory(directory, env)
    if not path.exists() and not path.is_symlink():
        return False
    if not is_lab_dir(path):
        raise LabError(f"{path} is not a pgc lab directory (no {MARKER} marker): not touching it")
    _teardown(path)
    return True


def env(directory: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> LabUrls:
    """The lab's `DATABASE_URL` (pooled) and `DIRECT_URL`, with the password."""
    current = status(directory, env=env)
    if not current.exists:
        raise LabNotRunning(f"no lab running in {current.directory}: start one with 'pgc lab up'")
    if not current.running or current.lab is None:
        raise LabNotRunning(
            f"the lab in {current.directory} is not running ({current.problem}): run 'pgc lab up'"
        )
    return LabUrls(database_url=current.lab.pooled_url, direct_url=current.lab.direct_url)
