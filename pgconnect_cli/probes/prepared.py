"""Named prepared statements across transactions, the way drivers use them.

Protocol-level Parse/Execute/Close with a name unique to this run (never a driver's `_pg3_0` or
`s0`, which real clients of the same pooler use): client one prepares it, client two prepares
the same name, client one executes it. Through a transaction pooler the two clients share a
server connection, so the second Parse fails with 42P05 (already exists) or the Execute with
26000 (does not exist) — what Prisma, psycopg and asyncpg run into. The statement is
deallocated afterwards from both clients.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from pgconnect_cli.conninfo.redact import scrub
from pgconnect_cli.doctor.observations import PreparedObservation

__all__ = ["BREAKING_SQLSTATES", "PreparedObservation", "probe"]

if TYPE_CHECKING:
    import psycopg

BREAKING_SQLSTATES = ("42P05", "26000")


def _run(conn: psycopg.Connection[Any], action: str, name: bytes) -> tuple[str | None, str]:
    """(SQLSTATE or None, message) of one protocol-level step."""
    from psycopg import pq

    with conn.lock:
        pgconn = conn.pgconn
        if action == "prepare":
            result = pgconn.prepare(name, b"SELECT 1")
        elif action == "execute":
            result = pgconn.exec_prepared(name, [])
        else:
            result = pgconn.exec_(b"DEALLOCATE " + name)
    if result.status == pq.ExecStatus.FATAL_ERROR:
        sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
        message = result.error_field(pq.DiagnosticField.MESSAGE_PRIMARY)
        return (
            sqlstate.decode() if sqlstate else "XX000",
            message.decode("utf-8", "replace") if message else "",
        )
    return None, ""


def probe(
    first: psycopg.Connection[Any], second: psycopg.Connection[Any], secrets_: tuple[str, ...] = ()
) -> PreparedObservation:
    import psycopg

    started = time.monotonic()
    name = f"pgc_doctor_{os.urandom(6).hex()}"
    raw = name.encode()
    steps = (
        (first, "prepare", "prepare on the first client"),
        (second, "prepare", "prepare on the second client"),
        (first, "execute", "execute on the first client"),
    )
    outcome = PreparedObservation(broke=False, name=name, started=started)
    prepared_on: list[psycopg.Connection[Any]] = []
    try:
        for conn, action, label in steps:
            sqlstate, message = _run(conn, action, raw)
            if sqlstate is None and action == "prepare":
                prepared_on.append(conn)
            if sqlstate is not None:
                breaks = sqlstate in BREAKING_SQLSTATES
                outcome = PreparedObservation(
                    broke=breaks,
                    sqlstate=sqlstate,
                    message=scrub(message, secrets_),
                    step=label,
                    name=name,
                    error="" if breaks else scrub(message, secrets_),
                    started=started,
                )
                break
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        error = scrub(lines[0], secrets_) if lines else type(exc).__name__
        outcome = PreparedObservation(broke=False, name=name, error=error, started=started)
    finally:
        # one DEALLOCATE per successful Parse; through a transaction pooler it reaches the
        # server connection the statement sits on (the clients share it)
        for conn in prepared_on:
            try:
                _run(conn, "deallocate", raw)
            except psycopg.Error:
                continue
    return PreparedObservation(
        broke=outcome.broke,
        sqlstate=outcome.sqlstate,
        message=outcome.message,
        step=outcome.step,
        name=name,
        error=outcome.error,
        started=started,
        finished=time.monotonic(),
    )
