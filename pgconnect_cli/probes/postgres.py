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
import struct
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pgconnect_cli.conninfo.redact import scrub
from pgconnect_cli.doctor.observations import AuthGuard, AuthObservation, MigrationFacts, ServerFacts

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
    return open_timed(params, timeout=timeout)[0]


def open_timed(
    params: Mapping[str, str], *, timeout: float | None = None
) -> tuple[psycopg.Connection[Any], float | None]:
    """`open_connection`, and the seconds the login took on the connection (`_LoginClock`; None
    when psycopg offers no connection generator to drive)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    conninfo = make_conninfo("", **dict(params))
    wait_timeout = getattr(psycopg.errors, "_WaitTimeout", None)
    connect_gen = getattr(psycopg.Connection, "_connect_gen", None)
    if timeout is None or wait_timeout is None or connect_gen is None:
        return psycopg.Connection.connect(conninfo, autocommit=True, prepare_threshold=None), None
    gen = connect_gen(conninfo)
    clock = _LoginClock()
    try:
        conn: psycopg.Connection[Any] = clock.drive(gen, max(timeout, 0.01))
    except wait_timeout:
        gen.close()
        raise psycopg.errors.ConnectionTimeout("connection timeout expired") from None
    finally:
        clock.close()
    conn.autocommit = True
    conn.prepare_threshold = None
    return conn, clock.seconds


def _so_timestampns() -> int | None:
    """SO_TIMESTAMPNS (also the control message's type): the kernel's receive time of each packet,
    read with recvmsg as a struct timespec. Linux only; Python's socket module does not name it;
    35 on every architecture but SPARC and PA-RISC."""
    import platform

    if sys.platform != "linux" or platform.machine().startswith(("sparc", "parisc")):
        return None
    return getattr(socket, "SO_TIMESTAMPNS", 35)


_SO_TIMESTAMPNS = _so_timestampns()
_TIMESPEC = {16: struct.Struct("@qq"), 8: struct.Struct("@ii")}  # 64-bit, 32-bit time_t


class _LoginClock:
    """Drives psycopg's connection generator (as `psycopg.waiting.wait_conn` does) and times the
    login on the connection: libpq's own work, plus each wait for the server up to the moment its
    answer reached this machine (the kernel's receive time of the first byte waiting on the
    socket, read with MSG_PEEK). The time the thread then waits for its turn to run (other probes,
    imports holding the GIL) is not the server's latency and is left out."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._fd = -1
        self._peek: socket.socket | None = None

    def _watch(self, fd: int) -> None:
        if fd == self._fd:
            return
        self.close()
        self._fd = fd
        if _SO_TIMESTAMPNS is None:
            return
        try:
            self._peek = socket.socket(fileno=os.dup(fd))
            self._peek.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        except (OSError, ValueError):
            self.close()

    def _arrived(self) -> float | None:
        """The monotonic time the first byte waiting on the socket arrived, if the kernel says."""
        if self._peek is None or _SO_TIMESTAMPNS is None:
            return None
        try:
            _, ancillary, _, _ = self._peek.recvmsg(
                1, socket.CMSG_SPACE(16), socket.MSG_PEEK | socket.MSG_DONTWAIT
            )
        except OSError:
            return None
        for level, kind, data in ancillary:
            timespec = _TIMESPEC.get(len(data))
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and timespec is not None:
                sec, nsec = timespec.unpack(data)
                return time.monotonic() - (time.time() - (float(sec) + float(nsec) / 1e9))
        return None

    def drive(self, gen: Any, timeout: float) -> Any:
        from selectors import EVENT_READ, DefaultSelector

        import psycopg

        deadline = time.monotonic() + timeout
        begun = time.monotonic()
        try:
            fileno, wait = next(gen)
        finally:
            self.seconds += time.monotonic() - begun
        self._watch(fileno)
        with DefaultSelector() as selector:
            selector.register(fileno, wait)
            while True:
                waited = time.monotonic()
                events = selector.select(timeout=min(_WAIT_INTERVAL_S, max(deadline - waited, 0.0)))
                woken = time.monotonic()
                ready = events[0][1] if events else 0
                arrived = self._arrived() if ready & EVENT_READ else None
                self.seconds += (min(max(arrived, waited), woken) if arrived is not None else woken) - waited
                begun = time.monotonic()
                try:
                    next_fileno, next_wait = gen.send(ready)
                except StopIteration as stop:
                    return stop.value
                finally:
                    self.seconds += time.monotonic() - begun
                if (next_fileno, next_wait) != (fileno, wait):
                    selector.unregister(fileno)
                    fileno, wait = next_fileno, next_wait
                    selector.register(fileno, wait)
                    self._watch(fileno)
                if time.monotonic() >= deadline:
                    raise psycopg.errors._WaitTimeout("wait timeout expired")

    def close(self) -> None:
        if self._peek is not None:
            with contextlib.suppress(OSError):
                if _SO_TIMESTAMPNS is not None:
                    self._peek.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 0)
            self._peek.close()  # a duplicate: the connection's own descriptor stays open
            self._peek = None
        self._fd = -1


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
        conn, on_wire = open_timed(params, timeout=plan.budget)
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
        on_wire=on_wire,
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
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
       pg_is_in_recovery(),
       current_setting('transaction_read_only') = 'on',
       current_setting('default_transaction_read_only') = 'on',
       current_user::text,
       current_database()::text,
       current_setting('search_path'),
       current_schema()::text,
       (SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user),
       has_database_privilege(current_database(), 'CREATE'),
       (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user)::int
"""

# Tables of well-known migration tools: the one found in the schema must stay writable.
MIGRATION_TABLES = (
    "_prisma_migrations",
    "alembic_version",
    "schema_migrations",
    "knex_migrations",
    "__drizzle_migrations",
    "flyway_schema_history",
    "django_migrations",
    "typeorm_migrations",
)

_SCHEMA_SQL = """
SELECT n.oid IS NOT NULL,
       coalesce(has_schema_privilege(n.oid, 'CREATE'), false),
       pg_get_userbyid(n.nspowner)::text,
       (SELECT count(*) FROM pg_class c
          WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
            AND NOT pg_has_role(current_user, c.relowner, 'USAGE'))::int,
       ARRAY(SELECT c.relname::text FROM pg_class c
          WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
            AND NOT pg_has_role(current_user, c.relowner, 'USAGE')
          ORDER BY c.relname LIMIT 5),
       (SELECT c.relname::text FROM pg_class c
          WHERE c.relnamespace = n.oid AND c.relkind = 'r' AND c.relname = ANY(%(tables)s)
          ORDER BY array_position(%(tables)s, c.relname::text) LIMIT 1),
       (SELECT has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'UPDATE')
          FROM pg_class c
          WHERE c.relnamespace = n.oid AND c.relkind = 'r' AND c.relname = ANY(%(tables)s)
          ORDER BY array_position(%(tables)s, c.relname::text) LIMIT 1)
FROM (SELECT 1) AS one
LEFT JOIN pg_namespace n ON n.nspname = %(schema)s
"""


def _search_path_schema(search_path: str, user: str, current: str | None) -> str | None:
    """The schema CREATE TABLE without a schema name creates in: the first search_path entry that
    exists (current_schema()); a named schema before it that does not exist is the one meant."""
    for raw in search_path.split(","):
        name = raw.strip()
        if name.startswith('"') and name.endswith('"') and len(name) > 1:
            name = name[1:-1].replace('""', '"')
        user_entry = name == "$user"
        if user_entry:
            name = user
        if not name or name == current:
            return current
        if not user_entry and not name.startswith("pg_"):
            return name
    return current


def _migration_facts(
    conn: psycopg.Connection[Any],
    *,
    prisma_schema: str | None,
    search_path: str,
    current: str | None,
    user: str,
    createdb: bool,
    can_create_schema: bool,
) -> MigrationFacts | None:
    if prisma_schema:
        schema, source = prisma_schema, "schema="
    else:
        named = _search_path_schema(search_path, user, current)
        if named is None:
            return None
        schema, source = named, "current_schema()" if named == current else "search_path"
    row = conn.execute(_SCHEMA_SQL, {"schema": schema, "tables": list(MIGRATION_TABLES)}).fetchone()
    assert row is not None
    return MigrationFacts(
        schema=schema,
        source=source,
        exists=bool(row[0]),
        can_create=bool(row[1]),
        owner=row[2],
        can_create_schema=can_create_schema,
        createdb=createdb,
        not_owned=tuple(row[4] or ()),
        not_owned_count=int(row[3] or 0),
        migration_table=row[5],
        migration_table_writable=row[6] is not False,
    )


def server_facts(
    conn: psycopg.Connection[Any], secrets: tuple[str, ...] = (), *, prisma_schema: str | None = None
) -> ServerFacts:
    """Version, connection slots, the backend's view of the connection, whether it can write, and
    what a migration would meet in its schema: read-only queries. `prisma_schema`: Prisma's
    `schema=` (Prisma sets search_path to it; libpq never sees it)."""
    import psycopg

    started = time.monotonic()
    try:
        row = conn.execute(_FACTS_SQL).fetchone()
        assert row is not None
        migration = _migration_facts(
            conn,
            prisma_schema=prisma_schema,
            search_path=str(row[16] or ""),
            current=row[17],
            user=str(row[14] or ""),
            createdb=bool(row[18]),
            can_create_schema=bool(row[19]),
        )
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        error = scrub(lines[0], secrets) if lines else type(exc).__name__
        return ServerFacts(error=error, sqlstate=exc.sqlstate, started=started, finished=time.monotonic())
    version = str(row[0]).split()[0] if row[0] else None
    return ServerFacts(
        version=version,
        version_num=row[1],
        max_connections=row[2],
        reserved=row[3],
        in_use=row[4],
        role_conn_limit=row[5],
        role_in_use=row[20],
        db_conn_limit=row[6],
        backend_pid=row[7],
        server_port=row[8],
        client_port=row[9],
        superuser=row[10],
        in_recovery=row[11],
        read_only=row[12],
        default_read_only=row[13],
        current_user=row[14],
        database=row[15],
        migration=migration,
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

    def extra(self, timeout: float | None = None) -> psycopg.Connection[Any]:
        """A further connection with the same settings, within `timeout` seconds (default: the
        login's own budget); raises psycopg.Error."""
        budget = self.plan.budget if timeout is None else timeout
        conn = open_connection(dict(self.plan.params), timeout=budget)
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
    # one host at a time: the walk of the host list (and target_session_attrs) is the runner's
    walk = ("host", "hostaddr", "port", "load_balance_hosts", "target_session_attrs")
    params = {k: v for k, v in libpq.items() if k not in walk}
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
