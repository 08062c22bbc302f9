"""A loopback fake that answers as PgBouncer 1.21+ with max_prepared_statements does, for the doctor.

Debian bookworm ships PgBouncer 1.18, so the real thing cannot run here. What the doctor observes
of a modern PgBouncer in transaction mode, and what this fake reproduces at the protocol level:
- its own cancel keys (BackendKeyData pid ≠ pg_backend_pid()), and every client's statements run
  on one shared server connection (the same pg_backend_pid() for all);
- protocol-level named prepared statements survive across transactions and clients: PgBouncer
  tracks them per client and prepares them on whichever server connection runs them, so two
  clients may prepare the same name;
- trust authentication, no TLS (it answers N to SSLRequest).
It knows the doctor's queries by their text and answers the rest with an error.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
SERVER_PID = 31337  # the one server connection behind the pool
TEXT, INT4, BOOL, TEXT_ARRAY, TIMESTAMPTZ = 25, 23, 16, 1009, 1184


def _message(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("!i", len(payload) + 4) + payload


def _ready(in_transaction: bool) -> bytes:
    return _message(b"Z", b"T" if in_transaction else b"I")


def _error(text: str, sqlstate: str = "XX000") -> bytes:
    return _message(b"E", b"SERROR\0VERROR\0C" + sqlstate.encode() + b"\0M" + text.encode() + b"\0\0")


def _row_description(columns: Sequence[tuple[str, int]]) -> bytes:
    body = struct.pack("!h", len(columns))
    for name, oid in columns:
        body += name.encode() + b"\0" + struct.pack("!ihihih", 0, 0, oid, -1, -1, 0)
    return _message(b"T", body)


def _data_row(values: Sequence[str | None]) -> bytes:
    body = struct.pack("!h", len(values))
    for v in values:
        if v is None:
            body += struct.pack("!i", -1)
        else:
            raw = v.encode()
            body += struct.pack("!i", len(raw)) + raw
    return _message(b"D", body)


@dataclass(frozen=True)
class _Result:
    columns: tuple[tuple[str, int], ...] = ()
    rows: tuple[tuple[str | None, ...], ...] = ()
    tag: str = "SELECT 1"
    error: str = ""


def _facts() -> _Result:
    columns = [
        (f"c{i}", oid)
        for i, oid in enumerate([TEXT] + [INT4] * 9 + [BOOL] * 4 + [TEXT] * 4 + [BOOL] * 2 + [INT4])
    ]
    row = ["15.0", "150000", "100", "3", "2", "-1", "-1", str(SERVER_PID), "5432", "40000"]
    row += ["f", "f", "f", "f", "app", "app", '"$user", public', "public", "f", "t", "1"]
    return _Result(tuple(columns), (tuple(row),))


def _answer(query: str) -> _Result:
    q = " ".join(query.split())
    if "server_version_num" in q:
        return _facts()
    if "FROM pg_namespace n" in q or "LEFT JOIN pg_namespace" in q:
        cols = (
            ("e", BOOL),
            ("c", BOOL),
            ("o", TEXT),
            ("n", INT4),
            ("a", TEXT_ARRAY),
            ("m", TEXT),
            ("w", BOOL),
        )
        return _Result(cols, (("t", "t", "app", "0", "{}", None, None),))
    if q == "SELECT pg_backend_pid()":
        return _Result((("pg_backend_pid", INT4),), ((str(SERVER_PID),),))
    if q == "SELECT clock_timestamp()":
        return _Result((("clock_timestamp", TIMESTAMPTZ),), (("2026-01-01 00:00:00+00",),))
    if q == "SELECT 1":
        return _Result((("?column?", INT4),), (("1",),))
    if q in ("BEGIN", "COMMIT", "ROLLBACK"):
        return _Result(tag=q)
    if q.startswith("DEALLOCATE"):
        return _Result(tag="DEALLOCATE")
    return _Result(error=f"the fake does not know: {q[:60]}")


@dataclass
class ModernPgBouncer:
    port: int
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Client:
    def __init__(self, conn: socket.socket, index: int) -> None:
        self.conn = conn
        self.index = index
        self.statements: dict[bytes, str] = {}  # tracked per client, as PgBouncer 1.21+ does
        self.portals: dict[bytes, str] = {}
        self.in_transaction = False
        self.failed = False  # an error in the extended protocol: skip until Sync

    def read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def startup(self) -> None:
        while True:
            length = struct.unpack("!i", self.read(4))[0]
            body = self.read(length - 4)
            if struct.unpack("!i", body[:4])[0] in (_SSL_REQUEST, _GSSENC_REQUEST):
                self.conn.sendall(b"N")
                continue
            break
        params = b"".join(
            _message(b"S", k + b"\0" + v + b"\0")
            for k, v in (
                (b"server_version", b"15.0"),
                (b"client_encoding", b"UTF8"),
                (b"standard_conforming_strings", b"on"),
                (b"integer_datetimes", b"on"),
                (b"DateStyle", b"ISO, MDY"),
            )
        )
        key = _message(b"K", struct.pack("!ii", 1_000_000 + self.index, 4242))
        self.conn.sendall(_message(b"R", struct.pack("!i", 0)) + params + key + _ready(False))

    def _run(self, result: _Result, *, describe: bool) -> bytes:
        if result.error:
            return _error(result.error)
        out = b""
        if describe and result.columns:
            out += _row_description(result.columns)
        out += b"".join(_data_row(r) for r in result.rows)
        if result.tag == "BEGIN":
            self.in_transaction = True
        elif result.tag in ("COMMIT", "ROLLBACK"):
            self.in_transaction = False
        return out + _message(b"C", result.tag.encode() + b"\0")

    def serve(self) -> None:
        self.startup()
        while True:
            kind = self.read(1)
            body = self.read(struct.unpack("!i", self.read(4))[0] - 4)
            if kind == b"X":
                return
            if kind == b"S":
                self.failed = False
                self.conn.sendall(_ready(self.in_transaction))
                continue
            if self.failed:
                continue
            if kind == b"Q":
                query = body.rstrip(b"\0").decode()
                if query.startswith("DEALLOCATE"):
                    self.statements.pop(query.split()[-1].encode(), None)
                self.conn.sendall(self._run(_answer(query), describe=True) + _ready(self.in_transaction))
            elif kind == b"P":
                name, rest = body.split(b"\0", 1)
                query = rest.split(b"\0", 1)[0].decode()
                if name and name in self.statements:
                    self.failed = True
                    self.conn.sendall(_error(f'prepared statement "{name.decode()}" already exists', "42P05"))
                    continue
                self.statements[name] = query
                self.conn.sendall(_message(b"1", b""))
            elif kind == b"B":
                portal, rest = body.split(b"\0", 1)
                statement = rest.split(b"\0", 1)[0]
                if statement not in self.statements:
                    self.failed = True
                    self.conn.sendall(
                        _error(f'prepared statement "{statement.decode()}" does not exist', "26000")
                    )
                    continue
                self.portals[portal] = self.statements[statement]
                self.conn.sendall(_message(b"2", b""))
            elif kind == b"D":
                which, name = body[:1], body[1:].rstrip(b"\0")
                query = self.portals.get(name) if which == b"P" else self.statements.get(name)
                result = _answer(query or "")
                out = b"" if which == b"P" else _message(b"t", struct.pack("!h", 0))
                out += _row_description(result.columns) if result.columns else _message(b"n", b"")
                self.conn.sendall(out)
            elif kind == b"E":
                portal = body.split(b"\0", 1)[0]
                self.conn.sendall(self._run(_answer(self.portals.get(portal, "")), describe=False))
            elif kind == b"C":
                which, name = body[:1], body[1:].rstrip(b"\0")
                (self.statements if which == b"S" else self.portals).pop(name, None)
                self.conn.sendall(_message(b"3", b""))


@contextlib.contextmanager
def modern_pgbouncer() -> Iterator[ModernPgBouncer]:
    """The fake on a free port of 127.0.0.1; connect with sslmode=disable (trust, any user)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    fake = ModernPgBouncer(listener.getsockname()[1])
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def handle(conn: socket.socket, index: int) -> None:
        conn.settimeout(20)
        with contextlib.suppress(OSError, ConnectionError, struct.error, UnicodeDecodeError):
            _Client(conn, index).serve()
        with contextlib.suppress(OSError):
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with fake.lock:
                fake.connections += 1
                index = fake.connections
            accepted.append(conn)
            threading.Thread(target=handle, args=(conn, index), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for conn in accepted:
            with contextlib.suppress(OSError):
                conn.close()
        thread.join(5)
