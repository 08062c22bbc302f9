"""PostgreSQL: exactly one authenticated connection attempt per target, then facts on that connection.

The attempt uses the URL's own settings, pinned to the address the earlier layers reported on
(`hostaddr`, keeping `host` for TLS) and to the TLS outcome already known from SSLRequest, so
libpq never makes a second attempt (sslmode=prefer would retry without TLS, and a server or a
provider would see two failed logins). Further connections (`Session.extra`) are opened only
after this one succeeded.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pgconnect_cli.conninfo.redact import scrub
from pgconnect_cli.doctor.observations import AuthGuard, AuthObservation, ServerFacts

__all__ = [
    "APPLICATION_NAME",
    "AuthObservation",
    "ConnectPlan",
    "ServerFacts",
    "Session",
    "connect_once",
    "libpq_version",
    "open_connection",
    "plan_params",
    "server_facts",
]

if TYPE_CHECKING:
    import psycopg

APPLICATION_NAME = "pgc-doctor"


@dataclass(frozen=True)
class ConnectPlan:
    """One libpq connection attempt. `params` holds the password: never print a plan."""

    params: tuple[tuple[str, str], ...] = field(repr=False)
    host: str
    hostaddr: str | None
    port: int
    sslmode: str
    connect_timeout: int
    secrets: tuple[str, ...] = field(default=(), repr=False)
    budget: float | None = None  # seconds the attempt may take (libpq's own minimum is 2 s)
    guard: AuthGuard = AuthGuard.NONE


_WAIT_INTERVAL_S = 0.05


def open_connection(params: Mapping[str, str], *, timeout: float | None = None) -> psycopg.Connection[Any]:
    """The one way pgc opens a psycopg connection (autocommit, no automatic prepared statements).

    `timeout`: seconds, however few; libpq (and psycopg's `connect`) would round a connect_timeout
    under 2 s up to 2 s, which could overrun the doctor's deadline. Raises psycopg.Error
    (`ConnectionTimeout` when the time ran out)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    conninfo = make_conninfo("", **dict(params))
    wait_timeout = getattr(psycopg.errors, "_WaitTimeout", None)
    connect_gen = getattr(psycopg.Connection, "_connect_gen", None)
    if timeout is None or wait_timeout is None or connect_gen is None:
        return psycopg.Connection.connect(conninfo, autocommit=True, prepare_threshold=None)
    from psycopg import waiting

    gen = connect_gen(conninfo)
    try:
        conn: psycopg.Connection[Any] = waiting.wait_conn(
            gen, interval=_WAIT_INTERVAL_S, timeout=max(timeout, 0.01)
        )
    except wait_timeout:
        gen.close()
        raise psycopg.errors.ConnectionTimeout("connection timeout expired") from None
    conn.autocommit = True
    conn.prepare_threshold = None
    return conn


def _local_port(conn: psycopg.Connection[Any]) -> int | None:
    try:
        dup = socket.socket(fileno=os.dup(conn.pgconn.socket))
    except (OSError, ValueError):
        return None
    try:
        name = dup.getsockname()
        return int(name[1]) if isinstance(name, tuple) else None
    except OSError:
        return None
    finally:
        dup.close()


def libpq_version() -> int:
    import psycopg

    return psycopg.pq.version()


def connect_once(plan: ConnectPlan) -> tuple[AuthObservation, psycopg.Connection[Any] | None]:
    """The one authenticated attempt. The connection, when there is one, belongs to the caller."""
    import psycopg

    params = dict(plan.params)
    started = time.monotonic()
    base = AuthObservation(
        ok=False,
        host=plan.host,
        hostaddr=plan.hostaddr,
        port=plan.port,
        sslmode=plan.sslmode,
        connect_timeout=plan.connect_timeout,
        user=params.get("user"),
        dbname=params.get("dbname") or params.get("user"),
        libpq_version=libpq_version(),
        guard=plan.guard,
        budget=plan.budget if plan.budget is not None else float(plan.connect_timeout),
        started=started,
    )
    try:
        conn = open_connection(params, timeout=plan.budget)
    except psycopg.Error as exc:
        finished = time.monotonic()
        message = scrub(str(exc).strip(), plan.secrets)
        failed = replace(
            base,
            sqlstate=exc.sqlstate,
            message=message,
            error_type=type(exc).__name__,
            timed_out=isinstance(exc, psycopg.errors.ConnectionTimeout),
            finished=finished,
        )
        return failed, None
    finished = time.monotonic()
    ssl_in_use = bool(conn.pgconn.ssl_in_use)
    observation = replace(
        base,
        ok=True,
        ssl_in_use=ssl_in_use,
        backend_key_pid=conn.info.backend_pid,
        local_port=_local_port(conn),
        finished=finished,
    )
    return observation, conn


_FACTS_SQL = """
SELECT current_setting('server_version'),
       current_setting('server_version_num')::int,
       current_setting('max_connections')::int,
       current_setting('superuser_reserved_connections')::int
         + coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0),
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int,
       (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user),
       (SELECT datconnlimit FROM pg_database WHERE datname = current_database()),
       pg_backend_pid(),
       inet_server_port(),
       inet_client_port(),
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
"""


def server_facts(conn: psycopg.Connection[Any], secrets: tuple[str, ...] = ()) -> ServerFacts:
    """Version, connection slots and the backend's view of the connection: one read-only query."""
    import psycopg

    started = time.monotonic()
    try:
        row = conn.execute(_FACTS_SQL).fetchone()
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        error = scrub(lines[0], secrets) if lines else type(exc).__name__
        return ServerFacts(error=error, sqlstate=exc.sqlstate, started=started, finished=time.monotonic())
    assert row is not None
    version = str(row[0]).split()[0] if row[0] else None
    return ServerFacts(
        version=version,
        version_num=row[1],
        max_connections=row[2],
        reserved=row[3],
        in_use=row[4],
        role_conn_limit=row[5],
        db_conn_limit=row[6],
        backend_pid=row[7],
        server_port=row[8],
        client_port=row[9],
        superuser=row[10],
        started=started,
        finished=time.monotonic(),
    )


class Session:
    """A target's connections: the one authenticated attempt, plus extras opened only after it.

    Thread-safe; `close()` closes every connection it handed out that is still open.
    """

    def __init__(self, plan: ConnectPlan, main: psycopg.Connection[Any]) -> None:
        self.plan = plan
        self.main = main
        self._lock = threading.Lock()
        self._opened: list[psycopg.Connection[Any]] = [main]

    def extra(self) -> psycopg.Connection[Any]:
        """A further connection with the same settings; raises psycopg.Error."""

        conn = open_connection(dict(self.plan.params), timeout=self.plan.budget)
        with self._lock:
            self._opened.append(conn)
        return conn

    @staticmethod
    def local_port(conn: psycopg.Connection[Any]) -> int | None:
        return _local_port(conn)

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            with contextlib.suppress(Exception):
                conn.close()


def plan_params(
    libpq: Mapping[str, str],
    *,
    host: str,
    hostaddr: str | None,
    port: int,
    sslmode: str,
    connect_timeout: int,
    require_auth: str | None = None,
) -> tuple[tuple[str, str], ...]:
    """The settings of the one attempt: the URL's libpq settings, pinned to what was probed."""
    params = {k: v for k, v in libpq.items() if k not in ("host", "hostaddr", "port", "load_balance_hosts")}
    params["host"] = host
    if hostaddr is not None:
        params["hostaddr"] = hostaddr
    params["port"] = str(port)
    params["sslmode"] = sslmode
    params["connect_timeout"] = str(connect_timeout)
    if require_auth is not None:
        params["require_auth"] = require_auth
    params.setdefault("fallback_application_name", APPLICATION_NAME)
    return tuple(params.items())
