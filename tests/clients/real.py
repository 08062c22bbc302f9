"""Real clients through a transaction-mode PgBouncer: what they do, recorded as an `Outcome`.

The "repeat" recipe, the same for every client (Python here, Node in node/run.mjs): the app runs
one parameterised query on its one connection; a neighbour opens a transaction, which takes the
server connection the app just released (PgBouncer reuses idle servers last in, first out); the
app runs the query again and lands on another server. A statement the app prepared under a name
on the first server is missing there: `26000 prepared statement "…" does not exist` (or `42P05
… already exists` where another client left one of the same name). Three rounds.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

ROUNDS = 3
REPO = Path(__file__).resolve().parents[2]
NODE = REPO / ".cache" / "node" / "bin" / "node"
NODE_CLIENTS = REPO / ".cache" / "node-clients"
NODE_RUNNER = Path(__file__).resolve().parent / "node" / "run.mjs"
QUERY_PG = "select %s::int as n, pg_backend_pid() as pid"


@dataclass(frozen=True)
class Outcome:
    """What the client did: `ok`, or the first error's SQLSTATE (or client error code) and message."""

    ok: bool
    code: str | None = None
    message: str | None = None
    failed: int = 0

    @classmethod
    def of(cls, errors: list[tuple[str | None, str]], failed: int | None = None) -> Outcome:
        if not errors:
            return cls(ok=True)
        code, message = errors[0]
        return cls(ok=False, code=code, message=message, failed=len(errors) if failed is None else failed)


@contextmanager
def neighbour(url: str) -> Iterator[Callable[[], Any]]:
    """A second client (psycopg, no prepares): `hold()` opens a transaction, holding one server."""
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:

        @contextmanager
        def hold() -> Iterator[None]:
            conn.execute("begin")
            conn.execute("select 1")
            try:
                yield
            finally:
                conn.execute("commit")

        yield hold


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0]


def psycopg_repeat(url: str, **connect: Any) -> Outcome:
    """psycopg 3 prepares a query the 6th time it runs it (`prepare_threshold` 5): 6 runs, then a hop."""
    errors: list[tuple[str | None, str]] = []
    with neighbour(url) as hold, psycopg.connect(url, autocommit=True, **connect) as conn:
        for round_ in range(ROUNDS):
            for step in range(7):
                with hold() if step == 6 else _nothing():
                    try:
                        conn.execute(QUERY_PG, (round_,))
                    except psycopg.Error as exc:
                        errors.append((exc.sqlstate, first_line(exc)))
    return Outcome.of(errors)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


async def _async_repeat(url: str, query: Callable[[int], Awaitable[None]], hold: Any) -> Outcome:
    errors: list[tuple[str | None, str]] = []
    for round_ in range(ROUNDS):
        for step in range(2):
            with hold() if step == 1 else _nothing():
                try:
                    await query(round_)
                except Exception as exc:  # each client's own error classes
                    errors.append((getattr(exc, "sqlstate", None), first_line(exc)))
    return Outcome.of(errors)


def asyncpg_repeat(url: str, **connect: Any) -> Outcome:
    import asyncpg

    async def run() -> Outcome:
        conn = await asyncpg.connect(url, **connect)
        try:
            with neighbour(url) as hold:
                return await _async_repeat(
                    url, lambda i: conn.fetch("select $1::int as n, pg_backend_pid() as pid", i), hold
                )
        finally:
            await conn.close()

    return asyncio.run(run())


def sqlalchemy_url(url: str, driver: str = "asyncpg", **query: str) -> tuple[str, ssl.SSLContext]:
    """`postgresql+DRIVER://…` for SQLAlchemy, plus the TLS context for the lab's CA (the asyncpg
    dialect takes TLS through `connect_args`, not libpq's `sslmode`/`sslrootcert`)."""
    conninfo = psycopg.conninfo.conninfo_to_dict(url)
    context = ssl.create_default_context(cafile=str(conninfo["sslrootcert"]))
    base = url.split("?", 1)[0].replace("postgresql://", f"postgresql+{driver}://", 1)
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return (f"{base}?{tail}" if tail else base), context


def sqlalchemy_asyncpg_repeat(
    url: str, *, query: dict[str, str] | None = None, **connect_args: Any
) -> Outcome:
    """SQLAlchemy 2 + asyncpg: a pool of one connection; each round one transaction (`engine.connect`)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    sa_url, context = sqlalchemy_url(url, **(query or {}))

    async def run() -> Outcome:
        engine = create_async_engine(
            sa_url, connect_args={"ssl": context, **connect_args}, pool_size=1, max_overflow=0
        )

        async def one(i: int) -> None:
            async with engine.connect() as conn:
                await conn.execute(text("select :i ::int as n, pg_backend_pid() as pid"), {"i": i})
                await conn.commit()

        try:
            with neighbour(url) as hold:
                outcome = await _async_repeat(url, one, hold)
        finally:
            await engine.dispose()
        # SQLAlchemy wraps asyncpg's error: the SQLSTATE sits on the original exception
        return outcome

    return asyncio.run(run())


def asyncpg_connect(url: str) -> Outcome:
    """Connect once and run `select 1` (URL compatibility)."""
    import asyncpg

    async def run() -> Outcome:
        try:
            conn = await asyncpg.connect(url)
        except Exception as exc:
            return Outcome.of([(getattr(exc, "sqlstate", None), first_line(exc))])
        try:
            await conn.fetchval("select 1")
        finally:
            await conn.close()
        return Outcome(ok=True)

    return asyncio.run(run())


def psycopg_connect(url: str) -> Outcome:
    try:
        with psycopg.connect(url) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return Outcome.of([(exc.sqlstate, first_line(exc))])
    return Outcome(ok=True)


def run_node(cases: list[dict[str, Any]], scratch: Path) -> dict[str, Outcome]:
    """Run node/run.mjs once for all `cases`: {id: Outcome}. Fails when Node or the clients are missing."""
    missing = [str(p) for p in (NODE, NODE_CLIENTS / ".installed") if not p.exists()]
    if missing:
        raise AssertionError(
            "the Node clients are not installed (" + ", ".join(missing) + "): run `make node-deps` "
            "(sh scripts/node-deps.sh)"
        )
    spec = scratch / "node-cases.json"
    spec.write_text(json.dumps(cases))
    done = subprocess.run(
        [str(NODE), str(NODE_RUNNER), str(spec)],
        capture_output=True,
        text=True,
        env={**os.environ, "PGC_NODE_CLIENTS": str(NODE_CLIENTS), "NO_COLOR": "1"},
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"node run.mjs exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    out: dict[str, Outcome] = {}
    for line in done.stdout.splitlines():
        row = json.loads(line)
        errors = [] if row["ok"] else [(row["code"], row["message"])]
        out[row["id"]] = Outcome.of(errors, failed=row.get("failed"))
    return out
