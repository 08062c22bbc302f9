"""libpq's TLS rules, pure: what a URL's settings ask of TLS, and whether a TLS probe lets libpq go on.

`policy` resolves sslmode, the root certificate (sslrootcert, PGSSLROOTCERT, ~/.postgresql/root.crt,
`system`), SNI and direct negotiation the way libpq 16+ does before it connects. The one fact it
needs from the file system (which files exist) comes in as `is_file`, so the caller does the I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from pathlib import Path

from pgconnect_cli.doctor.observations import TlsAnswer, TlsObservation, TlsPolicy


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def policy(
    params: Mapping[str, str],
    host: str,
    environ: Mapping[str, str],
    home: Path | None,
    is_file: Callable[[str], bool],
) -> TlsPolicy:
    """The TLS policy for `params` (libpq keywords) toward `host`. `is_file(path)`: does it exist."""
    sslmode = params.get("sslmode") or environ.get("PGSSLMODE") or "prefer"
    rootcert = params.get("sslrootcert") or environ.get("PGSSLROOTCERT")
    source = "sslrootcert" if params.get("sslrootcert") else ("PGSSLROOTCERT" if rootcert else "")
    if rootcert is None and home is not None:
        default = str(home / ".postgresql" / "root.crt")
        if sslmode in ("verify-ca", "verify-full") or is_file(default):
            rootcert, source = default, "~/.postgresql/root.crt"
    if rootcert == "system":
        if not params.get("sslmode"):
            sslmode = "verify-full"
        cafile, source = None, "system"
    else:
        cafile = rootcert
    exists = cafile is None or is_file(cafile)
    verify_chain = sslmode in ("verify-ca", "verify-full") or (
        sslmode == "require" and cafile is not None and exists
    )
    sni = (params.get("sslsni") or environ.get("PGSSLSNI") or "1") != "0"
    certfile, keyfile = params.get("sslcert"), params.get("sslkey")
    return TlsPolicy(
        sslmode=sslmode,
        sni_host=host if sni and host and not _is_ip(host) else None,
        verify_chain=verify_chain,
        verify_host=sslmode == "verify-full",
        cafile=cafile,
        cafile_source=source,
        certfile=certfile if certfile and keyfile and is_file(certfile) and is_file(keyfile) else None,
        keyfile=keyfile if certfile and keyfile and is_file(certfile) and is_file(keyfile) else None,
        direct=(params.get("sslnegotiation") or "") == "direct",
        cafile_exists=exists,
    )


def admits_login(obs: TlsObservation, pol: TlsPolicy) -> bool:
    """Whether libpq would go on to log in after this TLS outcome (the tls check passes)."""
    if obs.answer.refused_tls:
        return not pol.wants_tls
    if not obs.answer.agreed_to_tls:
        return False
    return obs.verification.passed and obs.handshake


def dial_sslmode(url_sslmode: str, tls_answer: TlsAnswer | None) -> str:
    """The sslmode for the one attempt, so libpq makes exactly one attempt.

    With `prefer` (or `allow`) libpq would try a second time with the other setting after a
    failure; the SSLRequest answer already says which of the two the server takes.
    """
    if url_sslmode not in ("prefer", "allow") or tls_answer is None:
        return url_sslmode
    if url_sslmode == "prefer" and tls_answer.agreed_to_tls:
        return "require"
    return "disable"
