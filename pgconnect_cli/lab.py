"""A throwaway local PostgreSQL with TLS plus PgBouncer, on free loopback ports.

Used by `pgc lab` and by the test suite, so both exercise the same servers.

Layout of a lab directory (everything `pgc lab down` removes)::

    <lab>/                 0700 (0711 when the servers run as another user, see below)
      .pgc-lab             marker: only directories carrying it are ever removed
      state.json           ports, pids, versions, paths (no secrets), 0600
      tls/                 ca.crt, ca.key (lab user), server.crt, server.key (server user, 0600)
      postgres/            owned by the server user, 0700
        data/              the cluster (initdb, or a copy of a ClusterTemplate)
        run/               Unix socket directory
        postgres.log       connections and authentication failures are logged here
        password           the application role's password, 0600
        superuser.password the superuser's (`postgres`), 0600
      pgbouncer/           owned by the server user, 0700
        pgbouncer.ini, userlist.txt (0600), pgbouncer.pid, pgbouncer.log

PostgreSQL and PgBouncer refuse to run as root. When `pgc` runs as root the servers run as
`nobody` (uid and gid of that account, supplementary groups dropped). `nobody` must then be
able to reach the lab directory, which `~root` (mode 0700) does not allow, so the default
directory for root is `/var/tmp/pgconnect-lab-0`; the lab directory gets mode 0711 (enter,
not list) and only the parts the servers write are handed to `nobody`. Any other directory
is checked up front and refused with a one-line reason when `nobody` cannot reach it.

Secrets never appear on a command line: initdb reads the superuser password from a file,
roles get their password as a SCRAM verifier computed client-side (so even a failing
statement logged by the server carries no plain password), and PgBouncer reads its
auth_file.
"""

from __future__ import annotations

import contextlib
import enum
import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import string
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pgconnect_cli.errors import PgcError

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "BouncerSpec",
    "Certs",
    "ClusterTemplate",
    "Lab",
    "LabError",
    "LabNotRunning",
    "LabStatus",
    "LabUrls",
    "PgBinaries",
    "PgBouncer",
    "PoolMode",
    "PostgresServer",
    "ProcessState",
    "Role",
    "RunAs",
    "ServerSpec",
    "UpOutcome",
    "UpResult",
    "default_directory",
    "down",
    "env",
    "find_openssl",
    "find_pgbouncer",
    "find_postgres",
    "make_certs",
    "make_template",
    "resolve_directory",
    "server_identity",
    "start_pgbouncer",
    "start_postgres",
    "status",
    "up",
    "write_env",
]

STATE_SCHEMA = "pgc.lab-state/v1"
MARKER = ".pgc-lab"
LAB_HOST = "localhost"
DEFAULT_ROLE = "pgc_app"
DEFAULT_DATABASE = "pgc_app"
SUPERUSER = "postgres"
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")

_STARTUP_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0
_PORT_ATTEMPTS = 3
_PASSWORD_ALPHABET = string.ascii_letters + string.digits


class LabError(PgcError):
    """The lab cannot do what was asked (missing binaries, a directory it must not touch, …)."""

    exit_code = 2


class LabNotRunning(LabError):
    """There is no (healthy) lab where one was expected."""

    exit_code = 1


class PoolMode(str, enum.Enum):
    SESSION = "session"
    TRANSACTION = "transaction"


class UpOutcome(str, enum.Enum):
    STARTED = "started"
    ALREADY_RUNNING = "already-running"
    RECOVERED = "recovered"


# --------------------------------------------------------------------------- binaries


@dataclass(frozen=True)
class PgBinaries:
    bindir: Path

    @property
    def initdb(self) -> Path:
        return self.bindir / "initdb"

    @property
    def pg_ctl(self) -> Path:
        return self.bindir / "pg_ctl"

    @property
    def postgres(self) -> Path:
        return self.bindir / "postgres"


def _has_server_binaries(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in SERVER_BINARIES)


def _install_hint(package: str, env: Mapping[str, str]) -> str:
    """`install them, e.g. 'apt-get install postgresql'`, for the package manager on this machine."""
    pronoun = "them" if package == "postgresql" else "it"
    path = env.get("PATH", os.defpath)
    managers = (
        ("apt-get", f"apt-get install {package}"),
        ("dnf", f"dnf install {'postgresql-server' if package == 'postgresql' else package}"),
        ("brew", f"brew install {package}"),
        ("apk", f"apk add {package}"),
    )
    search = os.pathsep.join([path, "/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"])
    for tool, command in managers:
        if shutil.which(tool, path=search):
            return f"install {pronoun}, e.g. '{command}'"
    return f"install {pronoun}"


def _version_key(directory: Path) -> tuple[int, ...]:
    digits = re.findall(r"\d+", directory.parent.name if directory.name == "bin" else directory.name)
    return tuple(int(d) for d in digits)


def find_postgres(
    env: Mapping[str, str] | None = None,
    *,
    globs: Sequence[str] = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"),
) -> PgBinaries:
    """Locate initdb, pg_ctl and postgres.

    `PGC_PG_BINDIR`, when set, is the only place searched. Otherwise: `pg_config --bindir`
    (client-only installs have a pg_config without a server next to it), then the newest
    versioned directory, then PATH.
    """
    env = os.environ if env is None else env
    names = ", ".join(SERVER_BINARIES)
    override = env.get("PGC_PG_BINDIR")
    if override:
        if _has_server_binaries(Path(override)):
            return PgBinaries(Path(override).absolute())
        raise LabError(
            f"PostgreSQL server binaries not found in PGC_PG_BINDIR={override} ({names}): "
            f"{_install_hint('postgresql', env)}, or point PGC_PG_BINDIR at their directory"
        )
    path = env.get("PATH", os.defpath)
    pg_config = shutil.which("pg_config", path=path)
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out and _has_server_binaries(Path(out)):
                return PgBinaries(Path(out))
    versioned = [Path(p) for pattern in globs for p in glob.glob(pattern)]
    for candidate in sorted(versioned, key=_version_key, reverse=True):
        if _has_server_binaries(candidate):
            return PgBinaries(candidate)
    initdb = shutil.which("initdb", path=path)
    if initdb and _has_server_binaries(Path(initdb).parent):
        return PgBinaries(Path(initdb).parent)
    raise LabError(f"PostgreSQL server binaries not found ({names}): {_install_hint('postgresql', env)}")


def find_pgbouncer(env: Mapping[str, str] | None = None) -> Path:
    """Locate pgbouncer: `PGC_PGBOUNCER` (a path, the only candidate when set), PATH, sbin dirs."""
    env = os.environ if env is None else env
    override = env.get("PGC_PGBOUNCER")
    if override:
        if os.access(override, os.X_OK) and Path(override).is_file():
            return Path(override).absolute()
        raise LabError(f"PgBouncer not found at PGC_PGBOUNCER={override}: {_install_hint('pgbouncer', env)}")
    path = env.get("PATH", os.defpath)
    found = shutil.which("pgbouncer", path=os.pathsep.join([path, "/usr/sbin", "/usr/local/sbin"]))
    if found:
        return Path(found)
    raise LabError(f"PgBouncer not found (pgbouncer): {_install_hint('pgbouncer', env)}")


def find_openssl(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    found = shutil.which("openssl", path=os.pathsep.join([env.get("PATH", os.defpath), "/usr/bin"]))
    if found:
        return Path(found)
    raise LabError(f"openssl not found (needed for the lab's certificates): {_install_hint('openssl', env)}")


# --------------------------------------------------------------------------- identity


@dataclass(frozen=True)
class RunAs:
    """The unprivileged account the servers run as when `pgc` itself runs as root."""

    user: str
    uid: int
    gid: int


def server_identity(user: str = "nobody") -> RunAs | None:
    """None when the servers can run as the current user (anyone but root)."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise LabError(
            f"user {user!r} not found: PostgreSQL refuses to run as root and the lab needs an "
            "unprivileged account to run it"
        ) from None
    return RunAs(user=user, uid=entry.pw_uid, gid=entry.pw_gid)


def _child_env() -> dict[str, str]:
    # PG* variables would leak into initdb/pg_ctl/postgres (PGPORT sets the server's port).
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PG") and not k.startswith("LC_")}
    kept["LC_ALL"] = "C"
    kept["LANG"] = "C"
    return kept


def _run(
    args: Sequence[str | os.PathLike[str]],
    *,
    run_as: RunAs | None,
    cwd: Path | None = None,
    timeout: float = _STARTUP_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    extra: dict[str, Any] = {}
    if run_as is not None:
        extra = {"user": run_as.uid, "group": run_as.gid, "extra_groups": []}
    try:
        return subprocess.run(
            [os.fspath(a) for a in args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=_child_env(),
            cwd=cwd,
            timeout=timeout,
            umask=0o077,
            check=False,
            **extra,
        )
    except subprocess.TimeoutExpired:
        raise LabError(f"{Path(os.fspath(args[0])).name} did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise LabError(f"cannot run {os.fspath(args[0])}: {exc.strerror or exc}") from None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _check(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        raise LabError(f"{what} failed: {_last_line(result.stderr or result.stdout)}")


# --------------------------------------------------------------------------- files


def _chown(path: Path, run_as: RunAs | None) -> None:
    if run_as is not None:
        os.chown(path, run_as.uid, run_as.gid, follow_symlinks=False)


def _write_private(path: Path, text: str, run_as: RunAs | None = None, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, mode)
    _chown(path, run_as)


def _generate_password(length: int = 24) -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def _traversable_by(path: Path, run_as: RunAs) -> Path | None:
    """The first ancestor of `path` that `run_as` cannot enter, or None."""
    for directory in [path, *path.parents]:
        try:
            st = directory.stat()
        except FileNotFoundError:
            continue
        if st.st_uid == run_as.uid:
            ok = bool(st.st_mode & stat.S_IXUSR)
        elif st.st_gid == run_as.gid:
            ok = bool(st.st_mode & stat.S_IXGRP)
        else:
            ok = bool(st.st_mode & stat.S_IXOTH)
        if not ok:
            return directory
    return None


def _require_reachable(directory: Path, run_as: RunAs | None) -> None:
    if run_as is None:
        return
    blocked = _traversable_by(directory.parent, run_as)
    if blocked is not None:
        raise LabError(
            f"{blocked} cannot be entered by user {run_as.user}, which the servers run as "
            f"(PostgreSQL refuses root): choose a --dir elsewhere, e.g. under /var/tmp"
        )


def _make_owned_dir(directory: Path, run_as: RunAs | None, *, mode: int = 0o700, marker: bool = True) -> None:
    """Create `directory` (or adopt an existing empty one that we own), hand it to `run_as`."""
    _claim_directory(directory)
    # The servers' user must be able to pass through a parent created here (root runs them as nobody).
    reachable = run_as is not None or mode & 0o011
    directory.parent.mkdir(mode=0o711 if reachable else 0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=mode)
    # Checked again after mkdir: in a shared directory such as /var/tmp someone else could have
    # put a symlink or their own directory there in between.
    _claim_directory(directory)
    os.chmod(directory, mode)
    _chown(directory, run_as)
    if marker:
        _write_private(
            directory / MARKER, "pgconnect lab directory: 'pgc lab down' removes it\n", run_as, mode=0o644
        )


def _claim_directory(directory: Path) -> None:
    """Refuse a path we must not take over: a symlink, a file, someone else's or a non-empty dir."""
    try:
        st = directory.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise LabError(f"{directory} is a symbolic link: refusing to use it as a lab directory")
    if not stat.S_ISDIR(st.st_mode):
        raise LabError(f"{directory} exists and is not a directory")
    if st.st_uid != os.geteuid():
        raise LabError(f"{directory} belongs to another user (uid {st.st_uid}): refusing to use it")
    if any(directory.iterdir()):
        raise LabError(f"{directory} is not empty and is not a pgc lab directory: refusing to use it")


def _is_lab_dir(directory: Path) -> bool:
    return directory.is_dir() and not directory.is_symlink() and (directory / MARKER).is_file()


def _remove_tree(directory: Path) -> None:
    if not directory.exists() and not directory.is_symlink():
        return
    if not _is_lab_dir(directory):
        raise LabError(f"{directory} is not a pgc lab directory (no {MARKER} marker): not removing it")
    try:
        shutil.rmtree(directory)
    except OSError as exc:
        raise LabError(f"cannot remove {directory}: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- processes


def _read_pid(pidfile: Path) -> int | None:
    try:
        first = pidfile.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None


def _process_args(pid: int) -> list[str] | None:
    """The argv of a live (non-zombie) process, or None."""
    proc = Path(f"/proc/{pid}")
    if Path("/proc/self").exists():
        try:
            stat_line = (proc / "stat").read_text(encoding="utf-8", errors="replace")
            raw = (proc / "cmdline").read_bytes()
        except OSError:
            return None
        if stat_line.rpartition(")")[2].split()[:1] in (["Z"], ["X"]):
            return None
        return [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0") if a]
    try:
        out = subprocess.run(
            ["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not out or out.startswith("Z"):
        return None
    return out.split(None, 1)[1:] or [""]


def _is_ours(pid: int | None, program: str, needle: str) -> bool:
    """True when `pid` is alive and is `program` started for `needle` (a data dir or config path).

    The check on the command line keeps us from signalling an unrelated process that happens
    to reuse a pid recorded by a lab that crashed.
    """
    if pid is None or pid <= 0:
        return False
    args = _process_args(pid)
    if not args:
        return False
    if len(args) == 1:  # `ps` fallback: one string
        return program in args[0] and needle in args[0]
    return program in Path(args[0]).name and needle in args[1:]


def _wait_gone(pid: int, program: str, needle: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_ours(pid, program, needle):
            return True
        time.sleep(0.01)
    return not _is_ours(pid, program, needle)


def _terminate(pid: int | None, program: str, needle: str, steps: Sequence[tuple[int, float]]) -> None:
    if pid is None or not _is_ours(pid, program, needle):
        return
    for sig, wait in steps:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone(pid, program, needle, wait):
            return
    raise LabError(f"{program} (pid {pid}) did not stop")


def _stop_postgres_dir(server_dir: Path) -> None:
    data = server_dir / "data"
    pid = _read_pid(data / "postmaster.pid")
    # SIGINT is PostgreSQL's fast shutdown; SIGQUIT immediate; SIGKILL the last resort.
    steps = ((signal.SIGINT, _STOP_TIMEOUT), (signal.SIGQUIT, 3.0), (signal.SIGKILL, 3.0))
    _terminate(pid, "postgres", str(data), steps)
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


def _stop_pgbouncer_dir(bouncer_dir: Path) -> None:
    pid = _read_pid(bouncer_dir / "pgbouncer.pid")
    # SIGTERM is PgBouncer's immediate shutdown (SIGINT would wait for session clients).
    steps = ((signal.SIGTERM, _STOP_TIMEOUT), (signal.SIGKILL, 3.0))
    _terminate(pid, "pgbouncer", str(bouncer_dir / "pgbouncer.ini"), steps)


# --------------------------------------------------------------------------- network


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def _listen_addresses() -> tuple[str, ...]:
    return ("127.0.0.1", "::1") if _ipv6_loopback_available() else ("127.0.0.1",)


def _free_port(addresses: Sequence[str]) -> int:
    """A port free on every address in `addresses` (checked now; the server may still lose a race)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if all(_port_free(addr, port) for addr in addresses):
            return port
    raise LabError("no free port found on the loopback interface")


def _port_free(address: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((address, port))
    except OSError:
        return False
    return True


def _wait_port(port: int, pid_alive: Callable[[], bool], timeout: float = _STARTUP_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            if not pid_alive():
                return False
            time.sleep(0.01)
    return False


# --------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class Certs:
    """A private CA and a server certificate for localhost, 127.0.0.1 and ::1."""

    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path


_OPENSSL_CA_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = pgconnect lab CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

_OPENSSL_SERVER_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def make_certs(directory: Path, run_as: RunAs | None = None, *, openssl: Path | None = None) -> Certs:
    """Create a CA and a server certificate (EC P-256) in `directory` (which must not exist yet).

    The server key belongs to `run_as` (PostgreSQL requires its key to be owned by the server
    user, mode 0600); the CA key stays with the caller.
    """
    openssl = openssl or find_openssl()
    directory = _absolute(directory)
    directory.mkdir(mode=0o711 if run_as else 0o700)
    os.chmod(directory, 0o711 if run_as else 0o700)
    certs = Certs(
        ca_cert=directory / "ca.crt",
        ca_key=directory / "ca.key",
        server_cert=directory / "server.crt",
        server_key=directory / "server.key",
    )
    ca_cfg = directory / "ca.cnf"
    server_cfg = directory / "server.cnf"
    csr = directory / "server.csr"
    _write_private(ca_cfg, _OPENSSL_CA_CONFIG)
    _write_private(server_cfg, _OPENSSL_SERVER_CONFIG)
    serial = "0x" + format(secrets.randbits(120) | (1 << 119), "x")
    Args = list[str | os.PathLike[str]]
    genkey: Args = [openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out"]
    ca_cert: Args = [openssl, "req", "-new", "-x509", "-config", ca_cfg, "-key", certs.ca_key]
    ca_cert += ["-sha256", "-days", "3650", "-out", certs.ca_cert]
    request: Args = [openssl, "req", "-new", "-config", server_cfg, "-key", certs.server_key, "-out", csr]
    sign: Args = [openssl, "x509", "-req", "-in", csr, "-CA", certs.ca_cert, "-CAkey", certs.ca_key]
    sign += ["-set_serial", serial, "-days", "825", "-sha256", "-out", certs.server_cert]
    sign += ["-extfile", server_cfg, "-extensions", "v3_server"]
    steps: list[tuple[Args, str]] = [
        ([*genkey, certs.ca_key], "openssl genpkey (CA key)"),
        (ca_cert, "openssl req (CA certificate)"),
        ([*genkey, certs.server_key], "openssl genpkey (server key)"),
        (request, "openssl req (server request)"),
        (sign, "openssl x509 (server certificate)"),
    ]
    for args, what in steps:
        _check(_run(args, run_as=None, timeout=60), what)
    for leftover in (ca_cfg, server_cfg, csr):
        leftover.unlink()
    os.chmod(certs.ca_cert, 0o644)
    os.chmod(certs.server_cert, 0o644)
    os.chmod(certs.ca_key, 0o600)
    os.chmod(certs.server_key, 0o600)
    _chown(certs.server_key, run_as)
    _chown(certs.server_cert, run_as)
    return certs


# --------------------------------------------------------------------------- URLs


def _url(
    *,
    user: str,
    password: str,
    host: str,
    port: int,
    dbname: str,
    tls: bool,
    ca_cert: Path | None,
    mask: bool,
) -> str:
    secret = "****" if mask else quote(password, safe="")
    if tls and ca_cert is not None:
        query = f"sslmode=verify-full&sslrootcert={quote(str(ca_cert), safe='/')}"
    elif tls:
        query = "sslmode=require"
    else:
        query = "sslmode=disable"
    return f"postgresql://{quote(user, safe='')}:{secret}@{host}:{port}/{quote(dbname, safe='')}?{query}"


def _connect_kwargs(
    *, host: str, port: int, user: str, password: str, dbname: str, tls: bool, ca_cert: Path | None
) -> dict[str, Any]:
    # Explicit values for everything a stray PG* variable of the caller could change.
    kwargs: dict[str, Any] = {
        "host": host,
        "port": port,
        "user": user,
        "password": password,
        "dbname": dbname,
        "sslmode": "require" if tls else "disable",
        "gssencmode": "disable",
        "channel_binding": "prefer",
        "options": "",
        "target_session_attrs": "any",
        "connect_timeout": 10,
        "application_name": "pgc-lab",
    }
    if tls and ca_cert is not None:
        kwargs["sslrootcert"] = str(ca_cert)
    return kwargs


# --------------------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True)
class ServerSpec:
    """What kind of PostgreSQL server to start (the lab's, or a variant for tests)."""

    tls: bool = True
    hostssl_only: bool = False
    max_connections: int = 100
    superuser_reserved_connections: int = 3
    role: str = DEFAULT_ROLE
    database: str = DEFAULT_DATABASE


@dataclass(frozen=True)
class PostgresServer:
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

    def url(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        dbname: str | None = None,
        mask: bool = False,
    ) -> str:
        """A libpq URL to this server: verify-full against the lab CA with TLS, else sslmode=disable."""
        return _url(
            user=user or self.role,
            password=self.password if password is None else password,
            host=self.host,
            port=self.port,
            dbname=dbname or self.database,
            tls=self.spec.tls,
            ca_cert=self.ca_cert,
            mask=mask,
        )

    @property
    def direct_url(self) -> str:
        return self.url()

    def is_running(self) -> bool:
        return _is_ours(self.pid, "postgres", str(self.data_dir))

    def connect_admin(self, dbname: str = "postgres") -> psycopg.Connection[tuple[Any, ...]]:
        """An autocommit superuser connection over TCP (the caller closes it)."""
        import psycopg

        kwargs = _connect_kwargs(
            host="127.0.0.1",
            port=self.port,
            user=self.superuser,
            password=self.superuser_password,
            dbname=dbname,
            tls=self.spec.tls,
            ca_cert=self.ca_cert,
        )
        return psycopg.connect(autocommit=True, **kwargs)

    def create_role(self, name: str, password: str, *, superuser: bool = False) -> Role:
        """Create (or reset) a login role; the password travels only as a SCRAM verifier.

        Every PgBouncer in front of this server admits the role too (it looks roles up with
        `auth_query`).
        """
        with self.connect_admin() as conn:
            _upsert_role(conn, name, password, superuser=superuser)
        return Role(name=name, password=password, server=self)

    def drop_role(self, name: str) -> None:
        from psycopg import sql

        with self.connect_admin(self.database) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))

    def stop(self) -> None:
        _stop_postgres_dir(self.directory)
        _remove_tree(self.directory)

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "port": self.port,
            "pid": self.pid,
            "version": self.version,
            "bindir": str(self.bindir),
            "host": self.host,
            "superuser": self.superuser,
            "spec": {
                "tls": self.spec.tls,
                "hostssl_only": self.spec.hostssl_only,
                "max_connections": self.spec.max_connections,
                "superuser_reserved_connections": self.spec.superuser_reserved_connections,
                "role": self.spec.role,
                "database": self.spec.database,
            },
            "certs": _certs_json(self.certs),
            "run_as": _run_as_json(self.run_as),
            "password_file": str(self.password_file),
            "log_file": str(self.log_file),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PostgresServer:
        directory = Path(data["directory"])
        return cls(
            directory=directory,
            spec=ServerSpec(**data["spec"]),
            port=int(data["port"]),
            pid=int(data["pid"]),
            version=str(data["version"]),
            bindir=Path(data["bindir"]),
            certs=_certs_from_json(data.get("certs")),
            run_as=_run_as_from_json(data.get("run_as")),
            password=_read_secret(directory / "password"),
            superuser_password=_read_secret(directory / "superuser.password"),
            superuser=str(data.get("superuser", SUPERUSER)),
            host=str(data.get("host", LAB_HOST)),
        )


@dataclass(frozen=True)
class Role:
    """A login role on a lab server; its repr shows neither the password nor a URL."""

    name: str
    password: str = field(repr=False)
    server: PostgresServer = field(repr=False)

    def url(self, via: PgBouncer | None = None, *, dbname: str | None = None) -> str:
        """The role's URL to its server, or through the PgBouncer `via`."""
        target: PostgresServer | PgBouncer = via or self.server
        return target.url(user=self.name, password=self.password, dbname=dbname)

    @property
    def direct_url(self) -> str:
        return self.url()


def _upsert_role(
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


def _read_secret(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise LabError(f"cannot read {path}: {exc.strerror or exc}") from None


def _certs_json(certs: Certs | None) -> dict[str, str] | None:
    if certs is None:
        return None
    return {k: str(v) for k, v in vars(certs).items()}


def _certs_from_json(data: Mapping[str, str] | None) -> Certs | None:
    return None if data is None else Certs(**{k: Path(v) for k, v in data.items()})


def _run_as_json(run_as: RunAs | None) -> dict[str, Any] | None:
    return None if run_as is None else {"user": run_as.user, "uid": run_as.uid, "gid": run_as.gid}


def _run_as_from_json(data: Mapping[str, Any] | None) -> RunAs | None:
    return None if data is None else RunAs(str(data["user"]), int(data["uid"]), int(data["gid"]))


def _conf_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _socket_dir(directory: Path, port: int) -> str:
    # sun_path holds 107 bytes; a longer lab path simply gets no Unix socket.
    run = directory / "run"
    return str(run) if len(f"{run}/.s.PGSQL.{port}".encode()) < 100 else ""


def _postgres_conf(directory: Path, spec: ServerSpec, port: int, certs: Certs | None) -> str:
    settings: dict[str, str] = {
        "listen_addresses": _conf_string(",".join(_listen_addresses())),
        "port": str(port),
        "max_connections": str(spec.max_connections),
        "superuser_reserved_connections": str(spec.superuser_reserved_connections),
        "unix_socket_directories": _conf_string(_socket_dir(directory, port)),
        "unix_socket_permissions": "0700",
        "password_encryption": "'scram-sha-256'",
        "ssl": "on" if spec.tls else "off",
        # A throwaway cluster: durability buys nothing, start-up and DDL speed do.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "wal_level": "minimal",
        "max_wal_senders": "0",
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
        settings["ssl_cert_file"] = _conf_string(str(certs.server_cert))
        settings["ssl_key_file"] = _conf_string(str(certs.server_key))
    return "".join(f"{k} = {v}\n" for k, v in settings.items())


def _pg_hba(spec: ServerSpec) -> str:
    host = "hostssl" if spec.hostssl_only else "host"
    return (
        "# written by pgc lab\n"
        "local all all scram-sha-256\n"
        f"{host} all all 127.0.0.1/32 scram-sha-256\n"
        f"{host} all all ::1/128 scram-sha-256\n"
    )


def _log_failure(log_file: Path) -> str:
    try:
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no log"
    for line in reversed(lines):
        if "FATAL" in line or "ERROR" in line:
            return line.strip()
    return _last_line("\n".join(lines))


def _initdb(binaries: PgBinaries, data: Path, pwfile: Path, run_as: RunAs | None) -> None:
    initdb: list[str | os.PathLike[str]] = [binaries.initdb, "-D", data, "-U", SUPERUSER, "--pwfile", pwfile]
    initdb += ["--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"]
    _check(_run(initdb, run_as=run_as, cwd=data.parent), "initdb")


@dataclass(frozen=True)
class ClusterTemplate:
    """A data directory initdb made once and never started; clusters copy it (several times faster).

    Its superuser password is replaced in every copy right after the copy starts.
    """

    directory: Path
    bindir: Path
    run_as: RunAs | None
    superuser_password: str = field(repr=False)

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"


def make_template(
    directory: Path, *, binaries: PgBinaries | None = None, run_as: RunAs | bool | None = True
) -> ClusterTemplate:
    """initdb into `directory/data` (created) for `start_postgres(..., template=)`."""
    binaries = binaries or find_postgres()
    identity = server_identity() if run_as is True else (run_as or None)
    directory = _absolute(directory)
    _require_reachable(directory, identity)
    _make_owned_dir(directory, identity)
    password = _generate_password()
    try:
        _write_private(directory / "superuser.password", password + "\n", identity)
        _initdb(binaries, directory / "data", directory / "superuser.password", identity)
    except BaseException:
        with contextlib.suppress(LabError):
            _remove_tree(directory)
        raise
    return ClusterTemplate(directory, binaries.bindir, identity, password)


def _copy_cluster(template: ClusterTemplate, data: Path, binaries: PgBinaries, run_as: RunAs | None) -> None:
    if (template.bindir, template.run_as) != (binaries.bindir, run_as):
        raise LabError(
            f"cluster template {template.directory} was made by other binaries or for another user"
        )
    try:
        shutil.copytree(template.data_dir, data, symlinks=True)
        if run_as is not None:
            for root, dirs, files in os.walk(data):
                for name in [*dirs, *files]:
                    _chown(Path(root) / name, run_as)
            _chown(data, run_as)
    except OSError as exc:
        raise LabError(f"cannot copy cluster template {template.directory}: {exc.strerror or exc}") from None


def start_postgres(
    directory: Path,
    spec: ServerSpec | None = None,
    *,
    certs: Certs | None = None,
    binaries: PgBinaries | None = None,
    run_as: RunAs | bool | None = True,
    template: ClusterTemplate | None = None,
) -> PostgresServer:
    """Create a cluster in `directory` (created; must not hold anything else), start it, add the role.

    The cluster comes from initdb, or is a copy of `template`. `run_as=True` picks
    `server_identity()`; with TLS and no `certs`, certificates are made in `directory/tls`.
    Stops and removes everything again when any step fails.
    """
    spec = spec or ServerSpec()
    binaries = binaries or find_postgres()
    identity = server_identity() if run_as is True else (run_as or None)
    directory = _absolute(directory)
    _require_reachable(directory, identity)
    _make_owned_dir(directory, identity)
    try:
        return _start_postgres(directory, spec, certs, binaries, identity, template)
    except BaseException:
        with contextlib.suppress(LabError):
            _stop_postgres_dir(directory)
            _remove_tree(directory)
        raise


def _start_postgres(
    directory: Path,
    spec: ServerSpec,
    certs: Certs | None,
    binaries: PgBinaries,
    run_as: RunAs | None,
    template: ClusterTemplate | None,
) -> PostgresServer:
    if spec.tls and certs is None:
        certs = make_certs(directory / "tls", run_as)
    superuser_password = _generate_password()
    password = _generate_password()
    _write_private(directory / "superuser.password", superuser_password + "\n", run_as)
    _write_private(directory / "password", password + "\n", run_as)
    data = directory / "data"
    if template is None:
        _initdb(binaries, data, directory / "superuser.password", run_as)
        bootstrap_password = superuser_password
    else:
        _copy_cluster(template, data, binaries, run_as)
        bootstrap_password = template.superuser_password
    (data / "pg_hba.conf").write_text(_pg_hba(spec), encoding="utf-8")
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write("\ninclude = 'pgc_lab.conf'\n")
    run = directory / "run"
    run.mkdir(mode=0o700)
    _chown(run, run_as)
    log_file = directory / "postgres.log"
    addresses = _listen_addresses()
    for attempt in range(_PORT_ATTEMPTS):
        port = _free_port(addresses)
        lab_conf = data / "pgc_lab.conf"
        lab_conf.write_text(_postgres_conf(directory, spec, port, certs), encoding="utf-8")
        _chown(lab_conf, run_as)
        pg_ctl: list[str | os.PathLike[str]] = [binaries.pg_ctl, "start", "-D", data, "-l", log_file]
        started = _run(
            [*pg_ctl, "-w", "-t", str(int(_STARTUP_TIMEOUT)), "-s"],
            run_as=run_as,
            cwd=directory,
            timeout=_STARTUP_TIMEOUT + 5,
        )
        if started.returncode == 0:
            break
        failure = _log_failure(log_file)
        port_lost = "could not bind" in failure or "could not create any TCP/IP sockets" in failure
        if not port_lost or attempt == _PORT_ATTEMPTS - 1:
            raise LabError(f"PostgreSQL did not start: {failure} (log: {log_file})")
    pid = _read_pid(data / "postmaster.pid")
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
    version = _create_app_role(server, superuser_password)
    server = replace(server, version=version, superuser_password=superuser_password)
    _verify_connect(server.url(), what="PostgreSQL")
    return server


def _create_app_role(server: PostgresServer, superuser_password: str) -> str:
    """Set the superuser's own password (a copied template has the template's) and add the role."""
    import psycopg
    from psycopg import sql

    try:
        with server.connect_admin() as conn:
            version = conn.info.parameter_status("server_version") or ""
            if superuser_password != server.superuser_password:
                _upsert_role(conn, server.superuser, superuser_password, superuser=True)
            _upsert_role(conn, server.role, server.password, superuser=False)
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(server.database), sql.Identifier(server.role)
                )
            )
    except psycopg.Error as exc:
        raise LabError(f"cannot set up role {server.role!r}: {_one_line(exc)}") from None
    return version.split()[0] if version else ""


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# --------------------------------------------------------------------------- PgBouncer


@dataclass(frozen=True)
class BouncerSpec:
    pool_mode: PoolMode = PoolMode.TRANSACTION
    client_tls: bool = True
    default_pool_size: int = 20
    max_client_conn: int = 100


@dataclass(frozen=True)
class PgBouncer:
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

    def url(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        dbname: str | None = None,
        mask: bool = False,
    ) -> str:
        return _url(
            user=user or self.upstream.role,
            password=self.upstream.password if password is None else password,
            host=self.host,
            port=self.port,
            dbname=dbname or self.upstream.database,
            tls=self.spec.client_tls,
            ca_cert=self.ca_cert,
            mask=mask,
        )

    @property
    def pooled_url(self) -> str:
        return self.url()

    def is_running(self) -> bool:
        return _is_ours(self.pid, "pgbouncer", str(self.config_file))

    def connect_admin(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The admin console (database `pgbouncer`, simple queries only: `SHOW POOLS`)."""
        import psycopg

        kwargs = _connect_kwargs(
            host="127.0.0.1",
            port=self.port,
            user=self.upstream.superuser,
            password=self.upstream.superuser_password,
            dbname="pgbouncer",
            tls=self.spec.client_tls,
            ca_cert=self.ca_cert,
        )
        return psycopg.connect(autocommit=True, **kwargs)

    def stop(self) -> None:
        _stop_pgbouncer_dir(self.directory)
        _remove_tree(self.directory)

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "port": self.port,
            "pid": self.pid,
            "version": self.version,
            "binary": str(self.binary),
            "host": self.host,
            "spec": {
                "pool_mode": self.spec.pool_mode.value,
                "client_tls": self.spec.client_tls,
                "default_pool_size": self.spec.default_pool_size,
                "max_client_conn": self.spec.max_client_conn,
            },
            "certs": _certs_json(self.certs),
            "config_file": str(self.config_file),
            "log_file": str(self.log_file),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], upstream: PostgresServer) -> PgBouncer:
        spec = dict(data["spec"])
        spec["pool_mode"] = PoolMode(spec["pool_mode"])
        return cls(
            directory=Path(data["directory"]),
            spec=BouncerSpec(**spec),
            upstream=upstream,
            port=int(data["port"]),
            pid=int(data["pid"]),
            version=str(data["version"]),
            binary=Path(data["binary"]),
            certs=_certs_from_json(data.get("certs")),
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
        f"* = host=127.0.0.1 port={upstream.port}",
        "[pgbouncer]",
        f"listen_addr = {','.join(_listen_addresses())}",
        f"listen_port = {port}",
        f"unix_socket_dir = {_socket_dir(directory, port)}",
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
) -> PgBouncer:
    """Start PgBouncer in `directory` (created) in front of `upstream`, as the same user.

    Client TLS uses `certs`, else the upstream's, else new ones in `directory/tls`.
    """
    spec = spec or BouncerSpec()
    binary = binary or find_pgbouncer()
    directory = _absolute(directory)
    run_as = upstream.run_as
    _require_reachable(directory, run_as)
    _make_owned_dir(directory, run_as)
    try:
        return _start_pgbouncer(directory, upstream, spec, certs, binary)
    except BaseException:
        with contextlib.suppress(LabError):
            _stop_pgbouncer_dir(directory)
            _remove_tree(directory)
        raise


def _start_pgbouncer(
    directory: Path, upstream: PostgresServer, spec: BouncerSpec, certs: Certs | None, binary: Path
) -> PgBouncer:
    run_as = upstream.run_as
    if spec.client_tls:
        certs = certs or upstream.certs or make_certs(directory / "tls", run_as)
    else:
        certs = None
    _write_private(
        directory / "userlist.txt", _auth_file_line(upstream.superuser, upstream.superuser_password), run_as
    )
    run = directory / "run"
    run.mkdir(mode=0o700)
    _chown(run, run_as)
    version_out = _run([binary, "--version"], run_as=run_as, cwd=directory)
    _check(version_out, "pgbouncer --version")
    match = re.search(r"PgBouncer\s+(\S+)", version_out.stdout)
    version = match.group(1) if match else _last_line(version_out.stdout)
    port, pid = _launch_pgbouncer(
        directory, binary, run_as, lambda p: _pgbouncer_ini(directory, spec, upstream, p, certs)
    )
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
    _verify_connect(bouncer.url(), what="PgBouncer")
    return bouncer


def _launch_pgbouncer(
    directory: Path, binary: Path, run_as: RunAs | None, render: Callable[[int], str]
) -> tuple[int, int]:
    """Start the daemon on a free port (a new one if another process took it first): (port, pid)."""
    config = directory / "pgbouncer.ini"
    pidfile = directory / "pgbouncer.pid"
    log_file = directory / "pgbouncer.log"
    addresses = _listen_addresses()
    for attempt in range(_PORT_ATTEMPTS):
        port = _free_port(addresses)
        config.unlink(missing_ok=True)
        _write_private(config, render(port), run_as)
        _check(_run([binary, "-d", config], run_as=run_as, cwd=directory), "pgbouncer")
        pid = _wait_pidfile(pidfile, str(config))
        if pid is not None and _wait_port(port, _alive_check(pid, "pgbouncer", str(config))):
            return port, pid
        failure = _log_failure(log_file)
        _stop_pgbouncer_dir(directory)
        pidfile.unlink(missing_ok=True)
        if "Address already in use" not in failure or attempt == _PORT_ATTEMPTS - 1:
            raise LabError(f"PgBouncer did not start: {failure} (log: {log_file})")
    raise AssertionError("unreachable")


def _alive_check(pid: int, program: str, needle: str) -> Callable[[], bool]:
    return lambda: _is_ours(pid, program, needle)


def _wait_pidfile(pidfile: Path, config: str, timeout: float = _STARTUP_TIMEOUT) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = _read_pid(pidfile)
        if pid is not None and _is_ours(pid, "pgbouncer", config):
            return pid
        time.sleep(0.01)
    return None


def _verify_connect(url: str, *, what: str) -> None:
    """One real client connection through `url`: TLS, certificate, SCRAM and routing all work."""
    import psycopg

    try:
        with psycopg.connect(url, gssencmode="disable", options="", channel_binding="prefer") as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise LabError(f"{what} started but refuses the lab's own connection: {_one_line(exc)}") from None


# --------------------------------------------------------------------------- the lab


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
        return _absolute(env["PGC_LAB_DIR"])
    if os.geteuid() == 0 if as_root is None else as_root:
        return Path("/var/tmp/pgconnect-lab-0")
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return _absolute(state) / "pgconnect" / "lab"


def _absolute(directory: Path | str) -> Path:
    # Normalised like pg_ctl's canonicalize_path, so the -D argument we later look for in a
    # process's command line is the very string we passed.
    return Path(os.path.abspath(Path(directory).expanduser()))


def resolve_directory(directory: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """`directory` made absolute, or the default one."""
    return default_directory(env) if directory is None else _absolute(directory)


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
    _write_private(tmp, json.dumps(data, indent=2) + "\n")
    os.replace(tmp, lab.state_file)


def status(directory: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> LabStatus:
    """What runs in the lab directory. Never raises for a missing or half-dead lab."""
    path = resolve_directory(directory, env)
    if not path.exists():
        return LabStatus(directory=path, exists=False)
    if not _is_lab_dir(path):
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
    )


def _teardown(directory: Path) -> None:
    """Stop what the lab started in `directory` (checked by pid and command line), then remove it.

    `directory` is a lab directory or the directory of a single server from `start_postgres` /
    `start_pgbouncer`.
    """
    for bouncer_dir in (directory / "pgbouncer", directory):
        _stop_pgbouncer_dir(bouncer_dir)
    for server_dir in (directory / "postgres", directory):
        _stop_postgres_dir(server_dir)
    _remove_tree(directory)


def up(
    directory: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    run_as: RunAs | bool | None = True,
    certs: Certs | None = None,
    template: ClusterTemplate | None = None,
) -> UpResult:
    """Start the lab, or return the running one; a crashed or half-started lab is replaced.

    `certs` (e.g. shared with other test servers) replaces the lab's own CA and certificate;
    `template` is copied instead of running initdb.
    """
    path = resolve_directory(directory, env)
    binaries = find_postgres(env)
    bouncer_binary = find_pgbouncer(env)
    find_openssl(env)
    identity = server_identity() if run_as is True else (run_as or None)
    outcome, reason = UpOutcome.STARTED, None
    if path.exists() or path.is_symlink():
        if _is_lab_dir(path):
            current = status(path)
            if current.running and current.lab is not None:
                return UpResult(current.lab, UpOutcome.ALREADY_RUNNING)
            outcome = UpOutcome.RECOVERED
            reason = current.problem or "the lab was not running"
            _teardown(path)
        else:
            _claim_directory(path)
    _require_reachable(path, identity)
    _make_owned_dir(path, None, mode=0o711 if identity else 0o700)
    try:
        certs = certs or make_certs(path / "tls", identity)
        postgres = start_postgres(
            path / "postgres", certs=certs, binaries=binaries, run_as=identity, template=template
        )
        pgbouncer = start_pgbouncer(path / "pgbouncer", postgres, binary=bouncer_binary)
        lab = Lab(directory=path, postgres=postgres, pgbouncer=pgbouncer)
        _write_state(lab)
    except BaseException:
        with contextlib.suppress(LabError):
            _teardown(path)
        raise
    return UpResult(lab, outcome, reason)


def down(directory: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> bool:
    """Stop the lab (or a single lab-made server) and remove its directory. False when there was none."""
    path = resolve_directory(directory, env)
    if not path.exists() and not path.is_symlink():
        return False
    if not _is_lab_dir(path):
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


# --------------------------------------------------------------------------- .env


def write_env(path: Path | str, values: Mapping[str, str]) -> list[str]:
    """Set `values` in a .env file with the same writer as `pgc env init` (python-dotenv aware).

    Our keys are replaced in place or appended, every other byte is kept; atomic; a new file is
    0600, an existing one keeps its mode and gets a `.env.bak`; a symbolic link is refused.
    Returns the keys that were replaced.
    """
    from pgconnect_cli import dotenv_file

    target = Path(path)
    for key, value in values.items():
        try:
            dotenv_file.quote_value(value)
        except dotenv_file.UnsafeValueError as exc:
            raise LabError(f"cannot write {key} safely into {target}: {exc}") from None
    try:
        current = dotenv_file.read_env_file(target)
        plan = dotenv_file.plan_update(current.text, values, force=True, header=None)
        if plan.changed:
            dotenv_file.write_env(current, plan.text)
    except PgcError as exc:
        raise LabError(exc.message) from None
    return [c.key for c in plan.changes if c.action is dotenv_file.Action.REPLACE]
