"""Percent-encoding of URL pieces, both ways. A leaf: every writer and reader of URLs uses it.

libpq's strict decoder (`%00` and stray `%` are errors) lives in `parse`; here is the encoder and
the lenient decoder that reads a password the way its author meant it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote as _quote

_HEX = "0123456789abcdefABCDEF"


def pct(value: str, safe: str = "") -> str:
    """Percent-encode; bytes that were not UTF-8 (kept as surrogates by the parser) come back as-is."""
    return _quote(value, safe=safe, encoding="utf-8", errors="surrogateescape")


def is_ipv6(host: str) -> bool:
    """An IPv6 literal, a zone id (`fe80::1%eth0`) allowed."""
    try:
        ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def encode_host(host: str) -> str:
    """A host for a URI's host list: IPv6 literals bracketed, everything else percent-encoded."""
    if is_ipv6(host):  # bracketed; a zone id's % must be encoded
        return "[" + host.replace("%", "%25") + "]"
    return pct(host, safe="")


def encode_userinfo(user: str | None, password: str | None) -> str:
    """`user:password@` with both fully encoded; "" when neither is given."""
    if not user and password is None:
        return ""
    out = pct(user, safe="") if user else ""
    if password is not None:
        out += ":" + pct(password, safe="")
    return out + "@"


def decode_lenient(value: str) -> str:
    """Percent-decode when every `%` starts a valid escape; otherwise the text is taken literally."""
    if "%" not in value:
        return value
    i = 0
    while i < len(value):
        if value[i] == "%":
            pair = value[i + 1 : i + 3]
            if len(pair) != 2 or any(c not in _HEX for c in pair) or pair == "00":
                return value
            i += 3
        else:
            i += 1
    raw = value.encode("utf-8", "surrogateescape")
    out = bytearray()
    j = 0
    while j < len(raw):
        if raw[j] == 0x25:
            out.append(int(raw[j + 1 : j + 3], 16))
            j += 3
        else:
            out.append(raw[j])
            j += 1
    return out.decode("utf-8", "surrogateescape")
