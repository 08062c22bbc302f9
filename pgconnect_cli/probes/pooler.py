"""Pooler fingerprint: what sits between the client and PostgreSQL, by evidence.

1. On the authenticated connection: the port dialed vs `inet_server_port()`, the local port vs
   `inet_client_port()`, the BackendKeyData pid vs `pg_backend_pid()`. A pooler hands out its
   own cancel keys, so a matching pid means the client talks to its backend 1:1: nothing in
   between when the ports match too, a plain proxy (port mapping, NAT, TCP proxy) when not.
2. Otherwise two more clients, all three connected at once, ask `pg_backend_pid()`: a pid seen
   by two clients means transaction (or statement) pooling.
3. Otherwise one client disconnects and a new one connects: its server connection being the
   old one (same pid, or a backend older than the client) means a session pooler; else a proxy.
Ordinary SQL only: a pooler's admin console is not open to applications.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from pgconnect_cli.conninfo.redact import scrub
from pgconnect_cli.doctor.observations import AuthObservation, PoolerKind, PoolerObservation, ServerFacts
from pgconnect_cli.probes.postgres import Session

__all__ = ["PoolerKind", "PoolerObservation", "fingerprint"]

if TYPE_CHECKING:
    import psycopg

# A reused server connection is older than the client holding it by more than this.
_REUSE_MARGIN_S = 0.25


def _pid(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def _backend_age(conn: psycopg.Connection[Any]) -> tuple[int, float | None]:
    row = conn.execute(
        "SELECT pg_backend_pid(), (SELECT extract(epoch FROM clock_timestamp() - backend_start)::float8"
        " FROM pg_stat_activity WHERE pid = pg_backend_pid())"
    ).fetchone()
    assert row is not None
    return int(row[0]), None if row[1] is None else float(row[1])


def _open_concurrently(session: Session, count: int) -> tuple[list[psycopg.Connection[Any]], str]:
    opened: list[psycopg.Connection[Any]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def open_one() -> None:
        try:
            conn = session.extra()
        except Exception as exc:
            with lock:
                errors.append(_first(exc, session))
            return
        with lock:
            opened.append(conn)

    threads = [threading.Thread(target=open_one, daemon=True, name="pgc-pooler") for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return opened, "; ".join(errors)


def fingerprint(
    session: Session, auth: AuthObservation, facts: ServerFacts
) -> tuple[PoolerObservation, list[psycopg.Connection[Any]]]:
    """The fingerprint, and the extra connections still open (for the prepared-statement probe)."""
    import psycopg

    started = time.monotonic()
    base = PoolerObservation(
        kind=PoolerKind.UNKNOWN,
        dialed_port=auth.port,
        server_port=facts.server_port,
        local_port=auth.local_port,
        client_port=facts.client_port,
        key_pid=auth.backend_key_pid,
        backend_pid=facts.backend_pid,
        started=started,
    )
    if facts.backend_pid is None:
        return _done(base, PoolerKind.UNKNOWN, error=facts.error or "no backend pid"), []
    same_port = facts.server_port is None or facts.server_port == auth.port
    same_client = facts.client_port is None or auth.local_port is None or facts.client_port == auth.local_port
    if auth.backend_key_pid == facts.backend_pid:
        return _done(base, PoolerKind.NONE if same_port and same_client else PoolerKind.PROXY), []

    extras, error = _open_concurrently(session, 2)
    if len(extras) < 2:
        return _done(
            base, PoolerKind.UNKNOWN, extra=len(extras), error=error or "no second connection"
        ), extras
    try:
        pids = (_pid(session.main), _pid(extras[0]), _pid(extras[1]))
    except psycopg.Error as exc:
        return _done(base, PoolerKind.UNKNOWN, extra=2, error=_first(exc, session)), extras
    if len(set(pids)) < len(pids):
        return _done(base, PoolerKind.TRANSACTION, extra=2, pids=pids), extras

    leaving = extras.pop(0)
    leaving.close()
    try:
        newcomer = session.extra()
        connected = time.monotonic()
        extras.append(newcomer)
        pid, age = _backend_age(newcomer)
    except psycopg.Error as exc:
        return _done(base, PoolerKind.UNKNOWN, extra=2, pids=pids, error=_first(exc, session)), extras
    client_age = time.monotonic() - connected
    reused = pid == pids[1] or (age is not None and age > client_age + _REUSE_MARGIN_S)
    kind = PoolerKind.SESSION if reused else PoolerKind.PROXY
    return _done(base, kind, extra=3, pids=pids, reconnect_pid=pid, reconnect_age=age), extras


def _first(exc: BaseException, session: Session) -> str:
    lines = str(exc).strip().splitlines()
    return scrub(lines[0], session.plan.secrets) if lines else type(exc).__name__


def _done(
    base: PoolerObservation,
    kind: PoolerKind,
    *,
    extra: int = 0,
    pids: tuple[int, ...] = (),
    reconnect_pid: int | None = None,
    reconnect_age: float | None = None,
    error: str = "",
) -> PoolerObservation:
    return PoolerObservation(
        kind=kind,
        dialed_port=base.dialed_port,
        server_port=base.server_port,
        local_port=base.local_port,
        client_port=base.client_port,
        key_pid=base.key_pid,
        backend_pid=base.backend_pid,
        concurrent_pids=pids,
        reconnect_pid=reconnect_pid,
        reconnect_backend_age_s=reconnect_age,
        extra_connections=extra,
        error=error,
        started=base.started,
        finished=time.monotonic(),
    )
