"""Probe: the live connection limits of a server (for `pgc pool plan --url`), and this machine's
physical CPU cores. One read-only query; never prints, never decides severity."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from pgconnect_cli.conninfo.redact import scrub
from pgconnect_cli.doctor.observations import Timed
from pgconnect_cli.pool import LiveLimits

# pgc's own connection is not counted: the plan is about the app's connections.
_LIMITS_SQL = """
SELECT current_setting('max_connections')::int,
       current_setting('superuser_reserved_connections')::int,
       nullif(current_setting('reserved_connections', true), '')::int,
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::int,
       (SELECT nullif(rolconnlimit, -1) FROM pg_roles WHERE rolname = current_user),
       (SELECT nullif(datconnlimit, -1) FROM pg_database WHERE datname = current_database()),
       coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false),
       current_setting('server_version'),
       inet_server_port()
"""


@dataclass(frozen=True)
class LimitsObservation(Timed):
    limits: LiveLimits | None = None
    error: str = ""  # free of secrets
    sqlstate: str | None = None  # the server's code for the failure (53300: no slots left)
    started: float = 0.0
    finished: float = 0.0


def read_limits(url: str, *, timeout: int = 5) -> LimitsObservation:
    """Connect once with the URL's libpq settings and read the server's connection limits.

    `through_pooler`: the server's own port (`inet_server_port()`) is not the port dialed, so
    something (PgBouncer, a proxy) sits between.
    """
    import psycopg

    from pgconnect_cli.conninfo.convert import libpq_keywords
    from pgconnect_cli.conninfo.parse import parse
    from pgconnect_cli.conninfo.redact import url_secrets

    secrets = url_secrets(url)
    started = time.monotonic()
    try:
        ci = parse(url)
        params = libpq_keywords(ci)
        params.setdefault("connect_timeout", str(timeout))
        params.setdefault("fallback_application_name", "pgc pool plan")
        with psycopg.connect(**params, autocommit=True) as conn:  # type: ignore[arg-type]
            row = conn.execute(_LIMITS_SQL).fetchone()
            dialed = conn.info.port
    except Exception as exc:  # a failure is part of the observation, never a traceback
        lines = str(exc).strip().splitlines()
        error = scrub(lines[0], secrets) if lines else type(exc).__name__
        sqlstate = getattr(exc, "sqlstate", None)
        return LimitsObservation(
            error=error,
            sqlstate=sqlstate if isinstance(sqlstate, str) else None,
            started=started,
            finished=time.monotonic(),
        )
    assert row is not None
    server_port = row[8]
    limits = LiveLimits(
        max_connections=row[0],
        superuser_reserved=row[1],
        reserved=row[2],
        in_use=row[3],
        role_limit=row[4],
        database_limit=row[5],
        superuser=bool(row[6]),
        server_version=str(row[7]).split()[0],
        through_pooler=server_port is not None and server_port != dialed,
        server_port=server_port,
    )
    return LimitsObservation(limits=limits, started=started, finished=time.monotonic())


def physical_cpus(cpuinfo: Path = Path("/proc/cpuinfo")) -> int:
    """This machine's physical cores (Linux: distinct physical id/core id pairs), else the
    logical CPU count."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return os.cpu_count() or 1
    cores: set[tuple[str, str]] = set()
    physical = core = ""
    for line in [*text.splitlines(), ""]:
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "physical id":
            physical = value.strip()
        elif key == "core id":
            core = value.strip()
        elif not line.strip():
            if core:
                cores.add((physical, core))
            physical = core = ""
    return len(cores) or os.cpu_count() or 1
