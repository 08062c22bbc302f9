"""A hostile PostgreSQL server on loopback, for the doctor's tests: it records every byte it receives.

It answers N to SSLRequest (and GSSENCRequest), then, by `mode`:
- "cleartext": asks for the password in cleartext (AuthenticationCleartextPassword);
- "md5": asks for an MD5 password (AuthenticationMD5Password);
- "trust": logs the client in without a password;
- "late-then-silent": answers SSLRequest only after `delay` seconds, then says nothing more;
- "ssh": greets with an SSH banner at once, as an SSH server does (it starts with S);
- "silent": accepts and reads, never answers (not even the SSLRequest);
- "garbage": greets with bytes that are no protocol at all (terminal escapes, HTML) at once;
- "garbage-login": answers N, then bytes that are no protocol message to the startup message;
- "trickle": answers N, then an ErrorResponse one byte every 50 ms, too slowly to ever end;
- "tls-only": a front end that speaks only TLS: a TLS alert record to the SSLRequest, then closes;
- "big-error": answers N, then a FATAL ErrorResponse of 1 MB of hostile text (HOSTILE repeated);
- "unknown-auth": answers N, then an authentication request of a kind no client knows (42);
- "hostile-login": logs the client in with hostile ParameterStatus values; queries fail with
  hostile text;
- "big-query-error": logs the client in; every query fails with 1 MB of hostile text (libpq
  takes a large ErrorResponse after the login, not during it).
A client that sends a password (or was trusted) is logged in; every query then fails.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


def _message(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("!i", len(payload) + 4) + payload


def _error(text: str) -> bytes:
    fields = b"SERROR\0VERROR\0CXX000\0M" + text.encode() + b"\0\0"
    return _message(b"E", fields)


# Server-controlled text that must reach no output raw: terminal escapes (clear screen, an OSC
# title, an OSC 8 link, ESC[6n that makes a terminal type into stdin, the C1 CSI), HTML that hides
# what follows in Markdown, a workflow command, XML's non-characters.
HOSTILE = (
    "\x1b[2J\x1b]0;owned\x07\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\\x1b[6n\x9b6n"
    " <!-- </table> <a href='http://evil.example/'>x</a> ![i](http://evil.example/p.png)"
    " ]]> &amp; \r\n::error::fake \u202e \ufffe"
)
GARBAGE = HOSTILE.encode() + bytes(range(256))
TLS_ALERT = b"\x15\x03\x03\x00\x02\x02\x46"  # fatal protocol_version: what a TLS server says to 8 odd bytes
BIG = 1 << 20
# 1 MB of it on one line: what the doctor shows of it must stay bounded however long the line is
BIG_TEXT = (HOSTILE.replace("\r\n", " ") * (BIG // len(HOSTILE) + 1))[:BIG]


def _fatal(text: str, code: str = "28000") -> bytes:
    fields = b"SFATAL\0VFATAL\0C" + code.encode() + b"\0M" + text.encode() + b"\0D" + text[:2000].encode()
    return _message(b"E", fields + b"\0\0")


_READY = _message(b"Z", b"I")
_LOGGED_IN = (
    _message(b"R", struct.pack("!i", 0))
    + _message(b"S", b"server_version\x0015.0\0")
    + _message(b"S", b"client_encoding\0UTF8\0")
    + _message(b"K", struct.pack("!ii", 4242, 1))
    + _READY
)


@dataclass
class FakeServer:
    port: int
    mode: str
    delay: float = 0.0
    received: bytearray = field(default_factory=bytearray)
    connections: int = 0
    password_messages: int = 0  # PasswordMessages received (cleartext, or an MD5 hash)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def got(self, data: bytes) -> None:
        with self.lock:
            self.received += data


def _read(conn: socket.socket, n: int, server: FakeServer) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        server.got(chunk)
        data += chunk
    return data


def _hostile_login() -> bytes:
    return (
        _message(b"R", struct.pack("!i", 0))
        + _message(b"S", b"server_version\x00" + ("15.0 " + HOSTILE).encode() + b"\0")
        + _message(b"S", b"application_name\x00" + HOSTILE.encode() + b"\0")
        + _message(b"S", b"client_encoding\0UTF8\0")
        + _message(b"K", struct.pack("!ii", 4242, 1))
        + _READY
    )


def _serve(conn: socket.socket, server: FakeServer) -> None:
    conn.settimeout(10)
    if server.mode == "ssh":
        conn.sendall(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
        _read(conn, 1 << 20, server)  # until the client gives up
        return
    if server.mode == "garbage":
        conn.sendall(GARBAGE)
        _read(conn, 1 << 20, server)
        return
    if server.mode == "silent":
        _read(conn, 1 << 20, server)
        return
    while True:  # SSLRequest / GSSENCRequest, then the startup message
        length = struct.unpack("!i", _read(conn, 4, server))[0]
        body = _read(conn, length - 4, server)
        code = struct.unpack("!i", body[:4])[0]
        if code in (_SSL_REQUEST, _GSSENC_REQUEST):
            if server.mode == "late-then-silent":
                time.sleep(server.delay)
            if server.mode == "tls-only":
                conn.sendall(TLS_ALERT)
                return
            conn.sendall(b"N")
            continue
        break
    if server.mode == "garbage-login":
        conn.sendall(GARBAGE)
        _read(conn, 1 << 20, server)
        return
    if server.mode == "trickle":
        for byte in _fatal(HOSTILE * 40):  # ~10 kB: under libpq's 30,000-byte limit, it waits for it all
            conn.sendall(bytes([byte]))
            time.sleep(0.05)
        return
    if server.mode == "big-error":
        conn.sendall(_fatal(BIG_TEXT))
        return
    if server.mode == "unknown-auth":
        conn.sendall(_message(b"R", struct.pack("!i", 42)))
        _read(conn, 1 << 20, server)
        return
    if server.mode == "late-then-silent":
        _read(conn, 1 << 20, server)  # silence until the client gives up
        return
    if server.mode == "cleartext":
        conn.sendall(_message(b"R", struct.pack("!i", 3)))
    elif server.mode == "md5":
        conn.sendall(_message(b"R", struct.pack("!i", 5) + b"salt"))
    elif server.mode == "hostile-login":
        conn.sendall(_hostile_login())
    else:
        conn.sendall(_LOGGED_IN)
    while True:
        kind = _read(conn, 1, server)
        length = struct.unpack("!i", _read(conn, 4, server))[0]
        _read(conn, length - 4, server)
        if kind == b"X":
            return
        if kind == b"p":
            with server.lock:
                server.password_messages += 1
            conn.sendall(_LOGGED_IN)
        elif kind in (b"Q", b"S"):
            text = {"hostile-login": HOSTILE, "big-query-error": BIG_TEXT}.get(
                server.mode, "every query fails here"
            )
            conn.sendall(_error(text) + _READY)


@contextlib.contextmanager
def fake_postgres(mode: str, *, delay: float = 0.0) -> Iterator[FakeServer]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    server = FakeServer(listener.getsockname()[1], mode, delay)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ConnectionError, struct.error):
            _serve(conn, server)
        with contextlib.suppress(OSError):
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with server.lock:
                server.connections += 1
            accepted.append(conn)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for conn in accepted:
            with contextlib.suppress(OSError):
                conn.close()
        thread.join(5)
