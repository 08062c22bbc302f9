"""The files libpq reads besides the connection string: the service file and the password file.

I/O only, read once per run before the probes, as the app's libpq will read them: the service
file named by PGSERVICEFILE (else ~/.pg_service.conf), then PGSYSCONFDIR/pg_service.conf (else
the system's); the password file named by PGPASSFILE (else ~/.pgpass), which libpq ignores when
group or others may read it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from pgconnect_cli.doctor.observations import PassFile, ServiceEntry

# Debian's libpq is built with this sysconfdir; PGSYSCONFDIR overrides it.
SYSTEM_SYSCONFDIR = "/etc/postgresql-common"


def _parse(text: str, name: str) -> tuple[tuple[str, str], ...] | None:
    values: list[tuple[str, str]] = []
    inside = False
    found = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == name
            found = found or inside
            continue
        if inside and "=" in line:
            key, _, value = line.partition("=")
            values.append((key.strip(), value.strip()))
    return tuple(values) if found else None


def find_service(name: str, environ: Mapping[str, str], home: Path | None) -> ServiceEntry:
    """The `[name]` section of the first service file that has one, as libpq looks them up."""
    candidates: list[Path] = []
    if environ.get("PGSERVICEFILE"):
        candidates.append(Path(environ["PGSERVICEFILE"]))
    elif home is not None:
        candidates.append(home / ".pg_service.conf")
    candidates.append(Path(environ.get("PGSYSCONFDIR") or SYSTEM_SYSCONFDIR) / "pg_service.conf")
    looked: list[str] = []
    for path in candidates:
        looked.append(str(path))
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        values = _parse(text, name)
        if values is not None:
            return ServiceEntry(name, str(path), values, tuple(looked))
    return ServiceEntry(name, None, (), tuple(looked))


def pass_file(environ: Mapping[str, str], home: Path | None) -> PassFile | None:
    """The password file libpq would read, with its mode; None when there is none."""
    if environ.get("PGPASSFILE"):
        path = Path(environ["PGPASSFILE"])
    elif home is not None:
        path = home / ".pgpass"
    else:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return PassFile(str(path), stat.S_IMODE(st.st_mode))
