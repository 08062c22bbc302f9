"""TLS: the 8-byte SSLRequest, one answer byte, then a handshake the way libpq would do it.

SNI carries the URL's host name while the socket is connected to the resolved address. The
certificate is verified the way the URL's sslmode asks (libpq: verify-ca/verify-full, or
`require` when a root certificate file exists); the host name check follows libpq's rules.
After the handshake the TLS session is closed cleanly (close_notify, not waiting for the server's
reply), so the server logs nothing. The policy
itself (which sslmode, which CA) is pure: `checks.tls_policy`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pgconnect_cli.checks import tls_policy
from pgconnect_cli.checks.x509 import Certificate, DerError, matches_host, parse_certificate
from pgconnect_cli.doctor.observations import TlsAnswer, TlsObservation, TlsPolicy, Verification

__all__ = ["SSL_REQUEST", "TlsAnswer", "TlsObservation", "TlsPolicy", "Verification", "policy", "probe"]

SSL_REQUEST = struct.pack("!ii", 8, 80877103)
_PREVIEW_BYTES = 48


def policy(
    params: Mapping[str, str], host: str, environ: Mapping[str, str], home: Path | None = None
) -> TlsPolicy:
    """The URL's TLS policy toward `host`, reading which certificate files exist (libpq 16+ rules)."""
    return tls_policy.policy(params, host, environ, home, os.path.isfile)


def _preview(data: bytes) -> str:
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in data[:_PREVIEW_BYTES])
    return text.strip(".")


def _read_more(sock: socket.socket, first: bytes) -> bytes:
    sock.settimeout(0.2)
    data = first
    with contextlib.suppress(OSError):
        while len(data) < _PREVIEW_BYTES:
            chunk = sock.recv(_PREVIEW_BYTES - len(data))
            if not chunk:
                break
            data += chunk
    return data


_contexts: dict[tuple[object, ...], ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def _context(pol: TlsPolicy, verify: bool) -> ssl.SSLContext:
    """The context for `pol`, made once per process and policy: the targets of one run usually
    share one (the system trust store alone takes ~50 ms to load here). A context resumes no TLS
    session by itself, so every probe still makes a full handshake; one that fails to load is not
    kept (each probe reports it)."""
    files = (pol.cafile, pol.certfile, pol.keyfile)
    # a file changed on disk (a test, a renewed certificate) or another default store: a new context
    stores = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    key = (verify, pol.direct, *files, *(_identity(f) for f in files), *stores)
    with _contexts_lock:
        ctx = _contexts.get(key)
        if ctx is None:
            ctx = _contexts[key] = _new_context(pol, verify)
    return ctx


def _identity(path: str | None) -> tuple[int, ...] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _new_context(pol: TlsPolicy, verify: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # libpq's host check is done on the parsed certificate
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # libpq's default ssl_min_protocol_version
    if pol.direct:
        ctx.set_alpn_protocols(["postgresql"])
    if verify:
        ctx.verify_mode = ssl.CERT_REQUIRED
        if pol.cafile is None:
            ctx.load_default_certs()
        else:
            ctx.load_verify_locations(cafile=pol.cafile)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    if pol.certfile and pol.keyfile:
        with contextlib.suppress(ssl.SSLError, OSError):
            ctx.load_cert_chain(pol.certfile, pol.keyfile)
    return ctx


@dataclass(frozen=True)
class _Handshake:
    ok: bool
    version: str | None = None
    cipher: str | None = None
    der: bytes | None = None
    verify_error: ssl.SSLCertVerificationError | None = None
    error: str = ""


def _handshake(sock: socket.socket, pol: TlsPolicy, verify: bool, budget: float) -> _Handshake:
    sock.settimeout(max(budget, 0.05))
    try:
        ctx = _context(pol, verify)
    except (ssl.SSLError, OSError) as exc:
        return _Handshake(False, error=f"cannot load the CA file ({exc.__class__.__name__})")
    try:
        tls = ctx.wrap_socket(sock, server_hostname=pol.sni_host, do_handshake_on_connect=False)
    except (ssl.SSLError, OSError, ValueError) as exc:
        return _Handshake(False, error=str(exc))
    try:
        tls.do_handshake()
    except ssl.SSLCertVerificationError as exc:
        return _Handshake(False, verify_error=exc, error=exc.verify_message or str(exc))
    except TimeoutError:
        return _Handshake(False, error=f"no TLS handshake within {budget:.1f} s")
    except (ssl.SSLError, OSError) as exc:
        return _Handshake(False, error=getattr(exc, "reason", None) or str(exc) or type(exc).__name__)
    cipher = tls.cipher()
    result = _Handshake(True, tls.version(), cipher[0] if cipher else None, tls.getpeercert(binary_form=True))
    _goodbye(tls)
    return result


def _goodbye(tls: ssl.SSLSocket) -> None:
    """Send close_notify, so the server sees an orderly goodbye and logs nothing, without waiting
    for the server's own (a PostgreSQL backend sends it only as it exits, tens of ms later); then
    read what has already arrived, so that closing the socket sends a FIN, not a reset."""
    with contextlib.suppress(OSError, ValueError):
        tls.setblocking(False)
        try:
            tls.unwrap()  # sends close_notify; non-blocking, it raises instead of waiting for the reply
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError:
            return
        for _ in range(16):
            # the TCP bytes under TLS (SSLSocket.recv would decrypt, or fail after close_notify)
            if not socket.socket.recv(tls, 4096):
                break


def _buffered(sock: socket.socket) -> bytes:
    """Bytes already received after the answer byte, without waiting for more."""
    timeout = sock.gettimeout()
    sock.setblocking(False)  # with a timeout set, recv would wait for data first
    try:
        return sock.recv(_PREVIEW_BYTES)
    except OSError:  # BlockingIOError: nothing there, as from a PostgreSQL server
        return b""
    finally:
        sock.settimeout(timeout)


def _ask(sock: socket.socket, budget: float) -> tuple[TlsAnswer, bytes, str]:
    sock.settimeout(max(budget, 0.05))
    try:
        sock.sendall(SSL_REQUEST)
        first = sock.recv(1)
    except TimeoutError:
        return TlsAnswer.NO_ANSWER, b"", f"no answer to SSLRequest within {budget:.1f} s"
    except OSError as exc:
        return TlsAnswer.CLOSED, b"", exc.strerror or type(exc).__name__
    if not first:
        return TlsAnswer.CLOSED, b"", "the server closed the connection without answering SSLRequest"
    if first == b"S":
        extra = _buffered(sock)
        if not extra:
            return TlsAnswer.SUPPORTED, first, ""
        # a PostgreSQL server sends nothing after S before the ClientHello (libpq refuses such
        # bytes too): `SSH-2.0-…` is an SSH banner that happens to start with S
        return TlsAnswer.OTHER, _read_more(sock, first + extra), ""
    if first == b"N":
        return TlsAnswer.NOT_SUPPORTED, first, ""
    data = _read_more(sock, first)
    if first == b"E" and len(data) >= 5 and b"\x00" in data[5:]:
        return TlsAnswer.ERROR_RESPONSE, data, ""
    return TlsAnswer.OTHER, data, ""


def _verification(pol: TlsPolicy, hs: _Handshake) -> tuple[Verification, str]:
    if not pol.verify_chain:
        return Verification.NOT_REQUESTED, ""
    if hs.verify_error is None:
        return Verification.OK, ""
    message = hs.verify_error.verify_message or "certificate verify failed"
    if hs.verify_error.verify_code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        return Verification.EXPIRED, message
    return Verification.UNKNOWN_CA, message


def probe(
    sock: socket.socket,
    pol: TlsPolicy,
    budget: float,
    reconnect: Callable[[float], socket.socket | None],
    host: str,
    *,
    on_answer: Callable[[TlsAnswer], None] | None = None,
) -> TlsObservation:
    """SSLRequest (or direct TLS) on the connected `sock`, which this function closes.

    `reconnect(budget)` opens a fresh TCP connection to the same address; it is used only to
    read the certificate of a server whose chain failed verification. `on_answer(answer)` is
    called as soon as the server answered SSLRequest, before the handshake: a caller that stops
    waiting during the handshake still knows the server agreed to TLS.
    """
    started = time.monotonic()
    deadline = started + budget

    def left() -> float:
        return max(deadline - time.monotonic(), 0.05)

    base = TlsObservation(answer=TlsAnswer.DIRECT, budget=budget, started=started)
    try:
        if not pol.direct:
            answer, data, error = _ask(sock, left())
            base = replace(base, answer=answer, answered=time.monotonic())
            if on_answer is not None:
                on_answer(answer)
            if answer is not TlsAnswer.SUPPORTED:
                preview = _preview(data) if answer is TlsAnswer.OTHER else ""
                # a TLS record (content type 21 alert or 22 handshake, version 3.x): a port that
                # speaks TLS from the first byte, as a TLS-terminating proxy does
                record = answer is TlsAnswer.OTHER and len(data) >= 2 and data[0] in (21, 22) and data[1] == 3
                return replace(
                    base, preview=preview, tls_record=record, error=error, finished=time.monotonic()
                )
        if pol.verify_chain and pol.cafile is not None and not pol.cafile_exists:
            hs = _handshake(sock, pol, False, left())
            return replace(
                base,
                handshake=hs.ok,
                version=hs.version,
                cipher=hs.cipher,
                certificate=_certificate(hs.der),
                verification=Verification.ROOTCERT_MISSING,
                verify_detail=f"root certificate file {pol.cafile} ({pol.cafile_source}) does not exist",
                error=hs.error,
                finished=time.monotonic(),
            )
        hs = _handshake(sock, pol, pol.verify_chain, left())
        if hs.verify_error is None and not hs.ok:
            return replace(base, error=hs.error, finished=time.monotonic())
        cert = _certificate(hs.der) if hs.ok else _certificate_again(reconnect, pol, left)
        verification, detail = _verification(pol, hs)
        if verification is Verification.OK and pol.verify_host and cert is not None:
            if not matches_host(cert, host):
                verification = Verification.HOSTNAME_MISMATCH
                names = ", ".join(cert.names) or "no names"
                detail = f'the certificate is for {names}, not for "{host}"'
        return replace(
            base,
            handshake=hs.ok,
            version=hs.version,
            cipher=hs.cipher,
            certificate=cert,
            verification=verification,
            verify_detail=detail,
            finished=time.monotonic(),
        )
    finally:
        with contextlib.suppress(OSError):
            sock.close()


def _certificate(der: bytes | None) -> Certificate | None:
    if not der:
        return None
    try:
        return parse_certificate(der)
    except DerError:
        return None


def _certificate_again(
    reconnect: Callable[[float], socket.socket | None], pol: TlsPolicy, left: Callable[[], float]
) -> Certificate | None:
    """The certificate, read over a new connection; every step gets only what is `left()` of the
    probe's budget, so the three of them together stay within it."""
    sock = reconnect(left())
    if sock is None:
        return None
    try:
        if not pol.direct:
            answer, _, _ = _ask(sock, left())
            if answer is not TlsAnswer.SUPPORTED:
                return None
        return _certificate(_handshake(sock, pol, False, left()).der)
    finally:
        with contextlib.suppress(OSError):
            sock.close()
