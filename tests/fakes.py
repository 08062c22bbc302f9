"""Loopback stand-ins for the parts of the network that cannot run here.

Only what cannot run here for real: a DNS server (dnspython), a port that drops SYNs, a port that
answers HTTP, a TCP proxy that delays, and two cold-start proxies (a serverless compute waking
up: the whole connection waits, or TLS at once and the login waits). Everything binds and
dials 127.0.0.1 or ::1 only. Each fake is a context manager; on exit its threads are joined
and its sockets closed. The fakes never print.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dns.message
    import dns.name
    import dns.rdata
    import dns.resolver
    import dns.rrset

__all__ = [
    "HTTP_RESPONSE",
    "LOOPBACK_V4",
    "LOOPBACK_V6",
    "DnsServer",
    "closed_port",
    "cold_start_proxy",
    "delay_proxy",
    "dns_server",
    "http_listener",
    "syn_drop_port",
    "tls_then_wait_proxy",
]

LOOPBACK_V4 = "127.0.0.1"
LOOPBACK_V6 = "::1"

_JOIN_SECONDS = 5.0
# A client that connects but says nothing is dropped after this long (HTTP, DNS over TCP).
_IDLE_SECONDS = 5.0
_CHUNK = 65536


def _loopback_host(family: socket.AddressFamily) -> str:
    if family == socket.AF_INET:
        return LOOPBACK_V4
    if family == socket.AF_INET6:
        return LOOPBACK_V6
    raise ValueError(f"unsupported address family {family!r}: use AF_INET or AF_INET6")


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"{host!r} is not a loopback address: the fakes dial only 127.0.0.0/8 and ::1")


def _listener(family: socket.AddressFamily = socket.AF_INET, *, backlog: int = 64) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((_loopback_host(family), 0))
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


class _Service:
    """Threads and sockets of one fake, stopped together.

    Workers wait through `readable`, which also watches a wake-up socket that is written once
    on stop and never drained, so every waiting worker returns at once. Sockets a worker may
    be blocked on are tracked and shut down on stop, which unblocks a pending send or recv.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.add(sock)
        return sock

    def release(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        sock.close()

    def spawn(self, target: Callable[[socket.socket], None], sock: socket.socket) -> None:
        """Run `target(sock)` in a worker thread that owns `sock` (released when it returns)."""

        def run() -> None:
            try:
                if not self.stopping:
                    target(sock)
            except OSError:
                pass  # the peer went away or the fake is stopping: nothing to report
            finally:
                self.release(sock)

        self.track(sock)
        thread = threading.Thread(target=run, name=f"pgc-fake-{self._name}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def readable(self, socks: Sequence[socket.socket], timeout: float | None) -> list[socket.socket] | None:
        """The sockets of `socks` ready to read within `timeout`; None once the fake is stopping."""
        poller = select.poll()
        by_fd = {s.fileno(): s for s in socks}
        for fd in by_fd:
            poller.register(fd, select.POLLIN)
        poller.register(self._wake_r.fileno(), select.POLLIN)
        events = poller.poll(None if timeout is None else max(0, int(timeout * 1000)))
        if self.stopping:
            return None
        return [by_fd[fd] for fd, _ in events if fd in by_fd]

    def sleep(self, seconds: float) -> bool:
        """Wait `seconds`; False when the fake stopped meanwhile."""
        return not self._stop.wait(seconds)

    def serve(self, listener: socket.socket, handler: Callable[[socket.socket, int], None]) -> None:
        """Accept on `listener` in a background thread; `handler(conn, n)` runs in a worker
        thread per connection, `n` counting connections in the order they were accepted."""

        def accept_loop(sock: socket.socket) -> None:
            for index in itertools.count():
                if self.readable([sock], None) is None:
                    return
                try:
                    conn, _ = sock.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                self.spawn(_numbered(handler, index), conn)

        self.spawn(accept_loop, listener)

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + _JOIN_SECONDS
        while True:
            with self._lock:
                alive = [t for t in self._threads if t.is_alive()]
            if not alive or time.monotonic() >= deadline:
                break
            alive[0].join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            leftovers = list(self._sockets)
            self._sockets.clear()
        for sock in leftovers:
            sock.close()
        self._wake_r.close()
        self._wake_w.close()


def _numbered(handler: Callable[[socket.socket, int], None], index: int) -> Callable[[socket.socket], None]:
    return lambda conn: handler(conn, index)


@contextlib.contextmanager
def _running(name: str) -> Iterator[_Service]:
    service = _Service(name)
    try:
        yield service
    finally:
        service.close()


def closed_port(family: socket.AddressFamily = socket.AF_INET) -> int:
    """A loopback port nothing listens on (bound, then released): connecting is refused."""
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((_loopback_host(family), 0))
        port: int = sock.getsockname()[1]
    return port


# ---------------------------------------------------------------- a port that drops SYNs

_TCP_LISTEN = 10  # TCP_LISTEN in the kernel's tcp_states.h
_FILL_LIMIT = 16  # with backlog 0 one queued connection fills the queue; leave room for slowness


def _accept_queue(listener: socket.socket) -> tuple[int, int] | None:
    """(queued, limit) of a listening socket, from Linux TCP_INFO; None where unavailable.

    For a socket in LISTEN state the kernel reports the accept-queue length in
    tcpi_unacked and the backlog in tcpi_sacked (tcp_get_info).
    """
    option = getattr(socket, "TCP_INFO", None)
    if option is None:
        return None
    try:
        raw = listener.getsockopt(socket.IPPROTO_TCP, option, 104)
    except OSError:
        return None
    fields = struct.unpack_from("=8B6I", raw)
    if fields[0] != _TCP_LISTEN:
        return None
    return fields[12], fields[13]


def _connect_pending(sock: socket.socket, address: tuple[str, int], wait_s: float) -> bool:
    """Start a non-blocking connect; True if it is still unanswered after `wait_s`."""
    sock.setblocking(False)
    sock.connect_ex(address)
    _, writable, _ = select.select([], [sock], [], wait_s)
    if not writable:
        return True
    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error:
        raise RuntimeError(f"syn_drop_port: connect to its own listener failed (errno {error})")
    return False


@contextlib.contextmanager
def syn_drop_port(family: socket.AddressFamily = socket.AF_INET) -> Iterator[int]:
    """A loopback port whose SYNs go unanswered, as behind a firewall: connect() times out.

    Recipe (Linux): listen with backlog 0 and never accept. The accept queue then holds one
    connection, and one connection is opened to fill it. With the queue full the kernel drops
    every new SYN (tcp_conn_request counts a "listen overflow"); that test follows the
    SYN-cookie decision, so tcp_syncookies does not change it (verified here with
    tcp_syncookies=1), and tcp_abort_on_overflow only concerns the final ACK, which never
    comes. The client retransmits its SYN and times out; it is never refused. Before yielding,
    TCP_INFO on the listener confirms the queue is full and a non-blocking probe confirms a
    fresh SYN stays unanswered. Listens on 127.0.0.1 (or ::1): dial that, not `localhost`.
    """
    host = _loopback_host(family)
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(_listener(family, backlog=0))
        address: tuple[str, int] = listener.getsockname()[:2]
        for _ in range(_FILL_LIMIT):
            probe = stack.enter_context(socket.socket(family, socket.SOCK_STREAM))
            if _connect_pending(probe, address, 0.1):
                probe.close()
                queue = _accept_queue(listener)
                if queue is None or queue[0] > queue[1]:
                    break
                continue  # the probe was merely slow: keep filling
            # Connected: it now waits in the accept queue. Wait until the kernel counts it
            # there (the final ACK may still be in flight) before the next probe.
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                queue = _accept_queue(listener)
                if queue is None or queue[0] > queue[1]:
                    break
                time.sleep(0.001)
        else:
            raise RuntimeError(f"syn_drop_port: could not fill the accept queue of {host}:{address[1]}")
        yield address[1]


# ---------------------------------------------------------------- a port that answers HTTP

_HTTP_BODY = (
    b"<html><head><title>400 Bad Request</title></head><body><h1>400 Bad Request</h1></body></html>\r\n"
)
HTTP_RESPONSE = (
    b"HTTP/1.1 400 Bad Request\r\n"
    b"Server: pgc-fake\r\n"
    b"Content-Type: text/html\r\n"
    b"Content-Length: " + str(len(_HTTP_BODY)).encode() + b"\r\n"
    b"Connection: close\r\n"
    b"\r\n" + _HTTP_BODY
)


def _close_gracefully(service: _Service, conn: socket.socket) -> None:
    """Send FIN and read until the peer closes, so unread input does not turn close() into RST."""
    conn.shutdown(socket.SHUT_WR)
    deadline = time.monotonic() + 1.0
    while (left := deadline - time.monotonic()) > 0:
        ready = service.readable([conn], left)
        if not ready or not conn.recv(_CHUNK):
            return


@contextlib.contextmanager
def http_listener() -> Iterator[int]:
    """A loopback port that answers like a web server: whatever arrives gets `400 Bad Request`.

    A PostgreSQL client's SSLRequest (or StartupMessage) is not HTTP, so it reads 'H' as the
    first byte of the reply, then the connection is closed.
    """
    with _running("http") as service:

        def handle(conn: socket.socket, index: int) -> None:
            if not service.readable([conn], _IDLE_SECONDS):
                return
            if not conn.recv(_CHUNK):
                return
            conn.sendall(HTTP_RESPONSE)
            _close_gracefully(service, conn)

        listener = _listener()
        service.serve(listener, handle)
        yield listener.getsockname()[1]


# ---------------------------------------------------------------- a TCP proxy that delays


def _pump(service: _Service, client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways; an EOF is passed on as a half-close; done when both sides closed."""
    peer = {client: upstream, upstream: client}
    while peer:
        ready = service.readable(list(peer), None)
        if ready is None:
            return
        for src in ready:
            data = src.recv(_CHUNK)
            dst = peer[src]
            if data:
                dst.sendall(data)
                continue
            del peer[src]
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def delay_proxy(
    target_host: str, target_port: int, delay_s: float, *, delay_first: int | None = None
) -> Iterator[int]:
    """A loopback TCP proxy to `target_host:target_port` that is `delay_s` slow to start.

    The client's TCP connect succeeds at once (the kernel completes it), but the proxy waits
    `delay_s` before it connects upstream, so nothing the client sent is forwarded and no
    reply arrives until then: a cold start as a serverless database shows it. Afterwards bytes
    flow both ways unchanged. With `delay_first=N` only the first N connections wait, like a
    compute that stays awake once woken. One thread per connection; connections may overlap.
    The proxy listens on 127.0.0.1 only: dial that address, not `localhost`.
    """
    _require_loopback(target_host)
    if delay_s < 0:
        raise ValueError(f"delay_s must not be negative, got {delay_s}")
    with _running("delay-proxy") as service:

        def handle(client: socket.socket, index: int) -> None:
            delayed = delay_first is None or index < delay_first
            if delayed and not service.sleep(delay_s):
                return
            try:
                upstream = socket.create_connection((target_host, target_port), timeout=_IDLE_SECONDS)
            except OSError:
                return  # upstream down: the client sees its connection closed
            service.track(upstream)
            try:
                upstream.settimeout(None)
                _pump(service, client, upstream)
            finally:
                service.release(upstream)

        listener = _listener()
        service.serve(listener, handle)
        yield listener.getsockname()[1]


@contextlib.contextmanager
def counting_proxy(target_host: str, target_port: int) -> Iterator[tuple[int, list[int]]]:
    """A loopback TCP proxy to `target_host:target_port` that counts what it accepts: its port,
    and the list it appends each connection's number to (so `len()` is how many came)."""
    _require_loopback(target_host)
    accepted: list[int] = []
    with _running("counting-proxy") as service:

        def handle(client: socket.socket, index: int) -> None:
            accepted.append(index)
            _forward(service, client, (target_host, target_port))

        listener = _listener()
        service.serve(listener, handle)
        yield listener.getsockname()[1], accepted


# ---------------------------------------------------------------- cold-start proxies

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


class _Wake:
    """A compute that starts waking at the first connection and is awake `wake_s` later."""

    def __init__(self, wake_s: float) -> None:
        if wake_s < 0:
            raise ValueError(f"wake_s must not be negative, got {wake_s}")
        self._wake_s = wake_s
        self._lock = threading.Lock()
        self._awake_at: float | None = None

    def wait(self, service: _Service) -> bool:
        """Wait until awake (the first caller starts the clock); False when the fake stopped."""
        with self._lock:
            if self._awake_at is None:
                self._awake_at = time.monotonic() + self._wake_s
            left = self._awake_at - time.monotonic()
        return left <= 0 or service.sleep(left)


def _forward(service: _Service, client: socket.socket, target: tuple[str, int], first: bytes = b"") -> None:
    try:
        upstream = socket.create_connection(target, timeout=_IDLE_SECONDS)
    except OSError:
        return  # upstream down: the client sees its connection closed
    service.track(upstream)
    try:
        upstream.settimeout(None)
        if first:
            upstream.sendall(first)
        if isinstance(client, ssl.SSLSocket):
            _pump_tls(service, client, upstream)
        else:
            _pump(service, client, upstream)
    finally:
        service.release(upstream)


def _pump_tls(service: _Service, client: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Like `_pump` with a TLS client side: decrypted bytes already buffered count as readable;
    either side's EOF ends both (the protocol never half-closes)."""
    peer: dict[socket.socket, socket.socket] = {client: upstream, upstream: client}
    while True:
        ready = [client] if client.pending() else service.readable(list(peer), None)
        if ready is None:
            return
        for src in ready:
            try:
                data = src.recv(_CHUNK)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except (ssl.SSLError, OSError):
                return
            if not data:
                return
            peer[src].sendall(data)


@contextlib.contextmanager
def cold_start_proxy(target_host: str, target_port: int, wake_s: float) -> Iterator[int]:
    """A loopback TCP proxy in front of a compute that sleeps until the first connection.

    The first connection starts the wake-up and is held `wake_s` (nothing it sent is
    forwarded, no reply comes); connections arriving meanwhile wait for the same moment; once
    awake every connection is forwarded at once, bytes unchanged both ways. This is a Neon
    compute waking, as a client with a bare SSLRequest probe (pgc's TLS check) meets it:
    the probe absorbs the wait and the login after it is fast. Listens on 127.0.0.1 only.
    """
    _require_loopback(target_host)
    wake = _Wake(wake_s)
    with _running("cold-start-proxy") as service:

        def handle(client: socket.socket, index: int) -> None:
            if wake.wait(service):
                _forward(service, client, (target_host, target_port))

        listener = _listener()
        service.serve(listener, handle)
        yield listener.getsockname()[1]


def _recv_exactly(service: _Service, conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        if not service.readable([conn], _IDLE_SECONDS):
            return None
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


@contextlib.contextmanager
def tls_then_wait_proxy(
    target_host: str, target_port: int, wake_s: float, *, cert_file: str, key_file: str
) -> Iterator[int]:
    """A proxy that, like Neon's, answers SSLRequest and completes TLS at once (with `cert_file`
    and `key_file`, e.g. the lab's server certificate), then holds the login until the compute
    behind it is awake (`wake_s` after the first connection, as `cold_start_proxy`).

    A client sees TLS succeed quickly and then its StartupMessage go unanswered: a login
    timeout after TLS, not a dead port. It forwards the decrypted protocol over plain TCP, so
    the upstream must accept connections without TLS (a lab server does: `host` lines).
    GSSENCRequest gets `N`; a client that starts without TLS is held and forwarded the same.
    Listens on 127.0.0.1 only.
    """
    _require_loopback(target_host)
    wake = _Wake(wake_s)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    with _running("tls-then-wait-proxy") as service:

        def negotiate(conn: socket.socket) -> tuple[socket.socket, bytes] | None:
            """(the client socket, TLS-wrapped when asked, and the bytes to forward first)."""
            while True:
                header = _recv_exactly(service, conn, 8)
                if header is None:
                    return None
                length, code = struct.unpack("!II", header)
                if length == 8 and code == _GSSENC_REQUEST:
                    conn.sendall(b"N")
                    continue
                if length == 8 and code == _SSL_REQUEST:
                    conn.sendall(b"S")
                    conn.settimeout(_IDLE_SECONDS)
                    tls = context.wrap_socket(conn, server_side=True)
                    service.track(tls)
                    tls.settimeout(None)
                    return tls, b""
                return conn, header

        def handle(client: socket.socket, index: int) -> None:
            negotiated = negotiate(client)
            if negotiated is None:
                return
            conn, first = negotiated
            try:
                if wake.wait(service):
                    _forward(service, conn, (target_host, target_port), first)
            finally:
                if conn is not client:
                    service.release(conn)

        listener = _listener()
        service.serve(listener, handle)
        yield listener.getsockname()[1]


# ---------------------------------------------------------------- a DNS server

Failure = str  # "timeout", or an rcode name: "SERVFAIL", "REFUSED", ...
_MAX_CHAIN = 8


@dataclass(frozen=True)
class DnsServer:
    """A running fake DNS server: point a resolver (or `pgc doctor --resolver`) at `address`."""

    host: str
    port: int
    # (name without the final dot, lower case; record type) for every query received, in order
    queries: list[tuple[str, str]] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def resolver(self, lifetime: float = 2.0) -> dns.resolver.Resolver:
        """A dnspython resolver that asks only this server (nothing read from /etc/resolv.conf)."""
        import dns.resolver

        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [self.host]
        resolver.port = self.port
        resolver.lifetime = lifetime
        resolver.timeout = lifetime
        return resolver


@dataclass(frozen=True)
class _Zone:
    nodes: dict[dns.name.Name, dict[int, dns.rrset.RRset]]
    failures: dict[dns.name.Name, Failure]


def _rdata_of(name: str, record: str) -> dns.rdata.Rdata:
    import dns.name
    import dns.rdata
    import dns.rdataclass

    text = record.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        rdtype_text, _, rdata_text = text.partition(" ")
        if not rdata_text.strip():
            raise ValueError(
                f"dns_server: record {record!r} for {name!r} is neither an IP address nor 'TYPE data'"
            ) from None
    else:
        rdtype_text, rdata_text = ("A" if address.version == 4 else "AAAA"), text
    try:
        return dns.rdata.from_text(
            dns.rdataclass.IN, rdtype_text.upper(), rdata_text.strip(), origin=dns.name.root, relativize=False
        )
    except Exception as exc:  # dnspython raises several unrelated types for bad text
        raise ValueError(f"dns_server: bad record {record!r} for {name!r}: {exc}") from None


def _zone(records: Mapping[str, Sequence[str] | str], fail: Mapping[str, Failure] | None, ttl: int) -> _Zone:
    import dns.name
    import dns.rcode
    import dns.rdatatype
    import dns.rrset

    nodes: dict[dns.name.Name, dict[int, dns.rrset.RRset]] = {}
    for name, values in records.items():
        owner = dns.name.from_text(name)
        by_type: dict[int, list[dns.rdata.Rdata]] = {}
        for record in [values] if isinstance(values, str) else values:
            rdata = _rdata_of(name, record)
            by_type.setdefault(rdata.rdtype, []).append(rdata)
        if dns.rdatatype.CNAME in by_type and (len(by_type) > 1 or len(by_type[dns.rdatatype.CNAME]) > 1):
            raise ValueError(f"dns_server: {name!r} has a CNAME, so it can have no other record")
        node = nodes.setdefault(owner, {})
        for rdtype, rdatas in by_type.items():
            node[rdtype] = dns.rrset.from_rdata_list(owner, ttl, rdatas)
    failures: dict[dns.name.Name, Failure] = {}
    for name, how in (fail or {}).items():
        if how != "timeout":
            try:
                dns.rcode.from_text(how)
            except Exception:
                raise ValueError(
                    f"dns_server: failure {how!r} for {name!r} is not 'timeout' or an rcode"
                ) from None
        failures[dns.name.from_text(name)] = how
    return _Zone(nodes, failures)


def _response(zone: _Zone, query: dns.message.Message) -> dns.message.Message | None:
    """The reply to `query`, or None to stay silent (a `timeout` failure)."""
    import dns.exception
    import dns.flags
    import dns.message
    import dns.rcode
    import dns.rdatatype

    try:
        response = dns.message.make_response(query)
    except dns.exception.DNSException:
        return None  # not a query (a response, say): a server ignores it
    if len(query.question) != 1:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    failure = zone.failures.get(question.name)
    if failure == "timeout":
        return None
    if failure is not None:
        response.set_rcode(dns.rcode.from_text(failure))
        return response
    response.flags |= dns.flags.AA
    name = question.name
    for _ in range(_MAX_CHAIN):
        node = zone.nodes.get(name)
        if node is None:
            # A name above existing ones (an empty non-terminal) exists, with no records.
            if not any(owner.is_subdomain(name) for owner in zone.nodes):
                response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        if question.rdtype in node:
            response.answer.append(node[question.rdtype])
            return response
        cname = node.get(dns.rdatatype.CNAME)
        if cname is None:
            return response
        response.answer.append(cname)
        name = cname[0].target
    response.set_rcode(dns.rcode.SERVFAIL)  # a CNAME loop or an absurdly long chain
    response.answer.clear()
    return response


def _udp_wire(query: dns.message.Message, response: dns.message.Message) -> bytes:
    """`response` as a datagram the client accepts: over its size limit, truncated (TC) so
    that the client retries over TCP, as a real server does."""
    import dns.exception
    import dns.flags

    limit = query.payload if query.edns >= 0 else 512
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        response.answer.clear()
        response.flags |= dns.flags.TC
        return response.to_wire(max_size=limit)


def _record_query(server: DnsServer, query: dns.message.Message) -> None:
    import dns.rdatatype

    for question in query.question:
        name = question.name.to_text(omit_final_dot=True).lower()
        server.queries.append((name, dns.rdatatype.to_text(question.rdtype)))


@contextlib.contextmanager
def dns_server(
    records: Mapping[str, Sequence[str] | str],
    *,
    port: int = 0,
    fail: Mapping[str, Failure] | None = None,
    ttl: int = 60,
) -> Iterator[DnsServer]:
    """A DNS server on 127.0.0.1 (UDP and TCP, same port) answering from `records`.

    `records` maps a name to its records: an IP address gives an A or AAAA record by family,
    "CNAME target" an alias (followed through the table like a recursive resolver does), and
    "TYPE data" any other record ("MX 10 mail.example.test", 'TXT "x"'). A name not in the
    table is NXDOMAIN; a name without a record of the asked type answers NOERROR with no
    records. `fail` maps a name to "timeout" (no reply at all) or an rcode ("SERVFAIL").
    """
    import dns.exception
    import dns.query

    zone = _zone(records, fail, ttl)
    udp, tcp = _dns_sockets(port)
    server = DnsServer(LOOPBACK_V4, udp.getsockname()[1])

    with _running("dns") as service:
        service.track(udp)
        service.track(tcp)

        def serve_udp(sock: socket.socket) -> None:
            while service.readable([sock], None) is not None:
                try:
                    query, _, source = dns.query.receive_udp(sock, expiration=time.time() + 1.0)
                except (dns.exception.DNSException, ValueError):
                    continue  # not a DNS query: a real server ignores it too
                _record_query(server, query)
                response = _response(zone, query)
                if response is not None:
                    dns.query.send_udp(sock, _udp_wire(query, response), source)

        def serve_tcp_connection(conn: socket.socket, index: int) -> None:
            while service.readable([conn], _IDLE_SECONDS):
                try:
                    query, _ = dns.query.receive_tcp(conn, expiration=time.time() + _IDLE_SECONDS)
                except (dns.exception.DNSException, ValueError, EOFError):
                    return
                _record_query(server, query)
                response = _response(zone, query)
                if response is not None:
                    dns.query.send_tcp(conn, response)

        service.spawn(serve_udp, udp)
        service.serve(tcp, serve_tcp_connection)
        yield server


def _dns_sockets(port: int) -> tuple[socket.socket, socket.socket]:
    """A UDP and a listening TCP socket on the same 127.0.0.1 port (`port`, or a free one)."""
    for _ in range(1 if port else 20):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            udp.bind((LOOPBACK_V4, port))
            tcp.bind((LOOPBACK_V4, udp.getsockname()[1]))
            tcp.listen(16)
        except OSError:
            udp.close()
            tcp.close()
            if port:
                raise
            continue
        return udp, tcp
    raise RuntimeError("dns_server: found no port free for both UDP and TCP on 127.0.0.1")
