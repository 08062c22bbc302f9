"""Pooler fingerprint: what sits between the client and PostgreSQL, by evidence.

1. On the authenticated connection (client A): the port dialed vs `inet_server_port()`, the local
   port vs `inet_client_port()`, the BackendKeyData pid vs `pg_backend_pid()`. A pooler hands out
   its own cancel keys, so a matching pid means the client talks to its backend 1:1: nothing in
   between when the ports match too, a plain proxy (port mapping, NAT, TCP proxy) when not.
2. Otherwise one more client (B) opens a transaction and asks `pg_backend_pid()` inside it, while
   A is idle; then A asks again. A session pooler keeps A's server connection for A alone: B can
   never be on it, and A never moves. A transaction pooler hands A's idle server connection to B
   (PgBouncer reuses the last one released first), or moves A to another one. Either sighting
   proves transaction pooling; a bounded number of rounds without one means session pooling.
   A statement pooler refuses B's `BEGIN`. Only one extra client is open at a time, and it holds
   at most one server connection: a pool of four is never starved by the fingerprint.
3. Without a sighting, B disconnects and a new client connects: its server connection being B's
   old one (same pid, or a backend older than the client) means a session pooler; else a proxy.
Ordinary SQL only: a pooler's admin console is not open to applications.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pgconnect_cli.conninfo.redact import scrub
from pgconnect_cli.doctor.observations import AuthObservation, PoolerKind, PoolerObservation, ServerFacts
from pgconnect_cli.probes.postgres import Session

__all__ = ["PoolerKind", "PoolerObservation", "fingerprint"]

if TYPE_CHECKING:
    import psycopg


def _pid(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


ROUNDS = 6
RECONNECT_TRIES = 3
_STATEMENT_REFUSED = "transaction blocks not allowed"


def fingerprint(
    session: Session,
    auth: AuthObservation,
    facts: ServerFacts,
    *,
    left: Callable[[], float] = lambda: 60.0,
) -> tuple[PoolerObservation, list[psycopg.Connection[Any]]]:
    """The fingerprint, and the extra connection still open (for the prepared-statement probe).

    `left`: seconds left of the run; no step starts without time for it."""
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
    limit = facts.role_conn_limit
    if limit is not None and limit >= 0 and facts.role_in_use is not None and facts.role_in_use >= limit:
        # a second server connection would wait for a slot the role does not have
        return _done(
            base,
            PoolerKind.UNKNOWN,
            error=f"the role's CONNECTION LIMIT {limit} is used up ({facts.role_in_use} in use): "
            "no second client to compare with",
        ), []
    try:
        second = session.extra(timeout=max(min(left() - 0.1, session.plan.budget or 60.0), 0.01))
    except psycopg.Error as exc:
        return _done(base, PoolerKind.UNKNOWN, error=_first(exc, session)), []
    extras = [second]
    a_pid = facts.backend_pid
    rounds: list[tuple[int, int | None, int | None]] = []
    try:
        for _ in range(ROUNDS):
            if left() < 0.2:
                return _done(base, PoolerKind.UNKNOWN, extra=1, rounds=rounds, error="out of time"), extras
            # A's statement right before B's BEGIN: a transaction pooler has just released A's server
            # connection, and PgBouncer hands out the last one released first
            before = _pid(session.main)
            if before != a_pid:
                rounds.append((before, None, None))
                return _done(base, PoolerKind.TRANSACTION, extra=1, rounds=rounds), extras
            try:
                second.execute("BEGIN")
            except psycopg.Error as exc:
                said = _first(exc, session)
                if _STATEMENT_REFUSED in said:
                    extras.remove(second)
                    second.close()
                    return _done(base, PoolerKind.STATEMENT, extra=1, rounds=rounds, refused=said), extras
                raise
            b_pid = _pid(second)
            if b_pid == a_pid:
                # B's transaction runs on the server connection A had: shared between clients
                second.execute("COMMIT")
                rounds.append((a_pid, b_pid, None))
                return _done(base, PoolerKind.TRANSACTION, extra=1, rounds=rounds), extras
            after = _pid(session.main)  # B holds its server connection: A cannot be on it
            second.execute("COMMIT")
            rounds.append((a_pid, b_pid, after))
            if after != a_pid:
                return _done(base, PoolerKind.TRANSACTION, extra=1, rounds=rounds), extras
    except psycopg.Error as exc:
        return _done(base, PoolerKind.UNKNOWN, extra=1, rounds=rounds, error=_first(exc, session)), extras
    if left() < 0.5:
        return _done(base, PoolerKind.UNKNOWN, extra=1, rounds=rounds, error="out of time"), extras
    # A kept its server connection through every round: a session pooler, or a 1:1 proxy with
    # cancel keys of its own. A session pooler hands a released server connection to a newcomer
    # (one older than the newcomer, by the server's own clock); a proxy opens a new backend for
    # every client. The pooler may still be resetting the released one: a few tries.
    extras.remove(second)
    second.close()
    pid: int | None = None
    age: float | None = None
    for _ in range(RECONNECT_TRIES):
        if left() < 0.5:
            return _done(base, PoolerKind.UNKNOWN, extra=2, rounds=rounds, error="out of time"), extras
        try:
            server_now = _server_now(session.main)
            newcomer = session.extra(timeout=max(min(left() - 0.1, session.plan.budget or 60.0), 0.01))
            extras.append(newcomer)
            pid, age, reused = _reused(newcomer, server_now)
        except psycopg.Error as exc:
            return _done(base, PoolerKind.UNKNOWN, extra=2, rounds=rounds, error=_first(exc, session)), extras
        if reused:
            return _done(
                base, PoolerKind.SESSION, extra=2, rounds=rounds, reconnect_pid=pid, reconnect_age=age
            ), extras
        extras.remove(newcomer)
        newcomer.close()
    return _done(base, PoolerKind.PROXY, extra=2, rounds=rounds, reconnect_pid=pid, reconnect_age=age), extras


def _server_now(conn: psycopg.Connection[Any]) -> object:
    row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    return row[0]


def _reused(conn: psycopg.Connection[Any], before: object) -> tuple[int, float | None, bool]:
    """(pid, backend age in seconds, whether the backend started before `before`, server time)."""
    row = conn.execute(
        "SELECT pg_backend_pid(), extract(epoch FROM clock_timestamp() - a.backend_start)::float8,"
        " a.backend_start < %s FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()",
        (before,),
    ).fetchone()
    if row is None:
        return _pid(conn), None, False
    return int(row[0]), None if row[1] is None else float(row[1]), bool(row[2])


def _first(exc: BaseException, session: Session) -> str:
    lines = str(exc).strip().splitlines()
    return scrub(lines[0], session.plan.secrets) if lines else type(exc).__name__


def _done(
    base: PoolerObservation,
    kind: PoolerKind,
    *,
    extra: int = 0,
    rounds: list[tuple[int, int | None, int | None]] | None = None,
    reconnect_pid: int | None = None,
    reconnect_age: float | None = None,
    error: str = "",
    refused: str = "",
) -> PoolerObservation:
    return PoolerObservation(
        kind=kind,
        dialed_port=base.dialed_port,
        server_port=base.server_port,
        local_port=base.local_port,
        client_port=base.client_port,
        key_pid=base.key_pid,
        backend_pid=base.backend_pid,
        rounds=tuple(rounds or ()),
        reconnect_pid=reconnect_pid,
        reconnect_backend_age_s=reconnect_age,
        extra_connections=extra,
        error=error,
        refused=refused,
        started=base.started,
        finished=time.monotonic(),
    )
