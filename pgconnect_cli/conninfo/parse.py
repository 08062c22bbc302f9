"""Parse libpq connection strings exactly as libpq does, plus the forms users paste anyway.

libpq (fe-connect.c: conninfo_uri_parse_options, conninfo_uri_parse_params, conninfo_parse) is the
reference; the test suite compares this parser with `psycopg.conninfo.conninfo_to_dict` on generated
input. Differences on purpose:

* unknown query parameters (Prisma's `schema`, `pgbouncer`, typos) are kept, not rejected: the
  checks report them (`param-not-libpq`, `param-unknown`);
* `postgresql+driver://` (SQLAlchemy), `prisma+postgres://` and other `scheme://` prefixes are
  parsed with the URI grammar so they can be explained and converted;
* error messages never quote the input: it may hold a password.
"""

from __future__ import annotations

import re

from pgconnect_cli.conninfo.model import LIBPQ_KEYWORDS, PRISMA_ONLY_PARAMS, ConnInfo, Form

_URI_PREFIXES = ("postgresql://", "postgres://")
_OTHER_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_KV_START = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_SPACE = " \t\n\v\f\r"
# ADO.NET / Npgsql connection strings (`Server=h;Port=5432;User Id=u;Password=…;`, what Azure's
# portal shows): keywords libpq does not know, separated by `;`.
_ADO_KEY = re.compile(
    r"(?:^|;)\s*(?:server|host|data\s*source|database|initial\s*catalog|user\s*id|user\s*name|uid|"
    r"port|password|pwd|ssl\s*mode)\s*=",
    re.IGNORECASE,
)
ADONET_MESSAGE = (
    "an ADO.NET/Npgsql connection string (Key=Value;…), not libpq's: libpq reads neither its "
    "keywords nor the ; separators"
)


class ParseError(ValueError):
    """The string cannot be parsed. `part` names where: scheme, userinfo, host, port, dbname, query."""

    def __init__(self, message: str, part: str) -> None:
        super().__init__(message)
        self.message = message
        self.part = part


def _decode(value: str, part: str) -> str:
    """libpq's conninfo_uri_decode (libpq 18): %XX only, '+' stays '+', %00 is forbidden.

    Leading and trailing raw spaces are dropped; a raw space inside the value is an error
    (libpq 18: "unexpected spaces found …, use percent-encoded spaces (%20) instead"; libpq 15
    kept them, which is why the URL lints treat a raw space as unencoded).
    """
    if "%" not in value and " " not in value:
        return value
    out = bytearray()
    raw = value.encode("utf-8", "surrogateescape")
    i = 0
    n = len(raw)
    while i < n and raw[i] == 0x20:
        i += 1
    while i < n:
        c = raw[i]
        if c == 0x20:
            break
        if c != 0x25:  # '%'
            out.append(c)
            i += 1
            continue
        hexpair = raw[i + 1 : i + 3]
        if len(hexpair) != 2 or not all(chr(b) in "0123456789abcdefABCDEF" for b in hexpair):
            raise ParseError(f"invalid percent-encoded token in the {part}", part)
        byte = int(hexpair, 16)
        if byte == 0:
            raise ParseError(f"forbidden value %00 in percent-encoded {part}", part)
        out.append(byte)
        i += 3
    while i < n and raw[i] == 0x20:
        i += 1
    if i < n:
        raise ParseError(f"unexpected space in the {part}: percent-encode spaces as %20", part)
    return out.decode("utf-8", "surrogateescape")


_NOT_BYTES = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def as_text(s: str) -> str:
    """`s` with lone surrogates that stand for no byte replaced (U+FFFD).

    Surrogates U+DC80–U+DCFF are bytes that were not UTF-8 (how Python reads argv, the
    environment and percent-decoded values) and are kept; any other lone surrogate cannot be
    sent to libpq at all.
    """
    return _NOT_BYTES.sub("\ufffd", s)


def split_scheme(s: str) -> tuple[str, str] | None:
    """('postgresql', rest) for libpq URIs; ('postgresql+psycopg', rest) etc. for other schemes."""
    for prefix in _URI_PREFIXES:
        if s.startswith(prefix):
            return prefix[:-3], s[len(prefix) :]
    m = _OTHER_SCHEME.match(s)
    if m:
        return m.group(1), s[m.end() :]
    return None


def looks_like_adonet(s: str) -> bool:
    """`Server=…;Database=…;` — two ADO.NET keywords separated by `;`."""
    return ";" in s and "://" not in s and len(_ADO_KEY.findall(s)) >= 2


def parse(s: str) -> ConnInfo:
    """Parse a URI or key=value string. Raises ParseError (never with the input in the message)."""
    if "\x00" in s:
        raise ParseError("the string contains a NUL byte", "scheme")
    if s != as_text(s):
        raise ParseError("the string holds characters that are not text", "scheme")
    scheme = split_scheme(s)
    if scheme is not None:
        return _parse_uri(s, scheme[0], scheme[1])
    if looks_like_adonet(s):
        try:
            ci = _parse_keyvalue(s)
        except ParseError:
            raise ParseError(ADONET_MESSAGE, "scheme") from None
        if ci.libpq_rejects() is not None:
            raise ParseError(ADONET_MESSAGE, "scheme")
        return ci
    if s.strip() == "" or _KV_START.match(s):
        return _parse_keyvalue(s)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", s):
        raise ParseError("a URI must start with postgresql:// or postgres:// (two slashes)", "scheme")
    raise ParseError("not a connection URI (postgresql://…) nor a key=value string", "scheme")


def _parse_uri(s: str, scheme: str, rest: str) -> ConnInfo:
    options: list[tuple[str, str]] = []
    p = 0
    n = len(rest)
    raw_userinfo: str | None = None

    # Credentials: look ahead for '@' before any '/'.
    q = p
    while q < n and rest[q] not in "@/":
        q += 1
    if q < n and rest[q] == "@":
        raw_userinfo = rest[p:q]
        colon = raw_userinfo.find(":")
        user = raw_userinfo if colon < 0 else raw_userinfo[:colon]
        if user:
            options.append(("user", _decode(user, "user name")))
        if colon >= 0:
            password = raw_userinfo[colon + 1 :]
            if password:
                options.append(("password", _decode(password, "password")))
        p = q + 1

    # Host list: host[:port][,host[:port]...]
    hostbuf: list[str] = []
    portbuf: list[str] = []
    prevchar = ""
    while True:
        if p < n and rest[p] == "[":
            start = p + 1
            end = rest.find("]", start)
            if end < 0:
                raise ParseError('end of string reached when looking for matching "]" in IPv6 host', "host")
            if end == start:
                raise ParseError("IPv6 host address may not be empty", "host")
            host = rest[start:end]
            p = end + 1
            if p < n and rest[p] not in ":/?,":
                raise ParseError(
                    f'unexpected character "{rest[p]}" after an IPv6 host (expected ":" or "/")', "host"
                )
        else:
            start, p = p, _scan(rest, p, ":/?,")
            host = rest[start:p]
        prevchar = rest[p] if p < n else ""
        hostbuf.append(host)
        port = ""
        if prevchar == ":":
            start, p = p + 1, _scan(rest, p + 1, "/?,")
            port = rest[start:p]
            prevchar = rest[p] if p < n else ""
        portbuf.append(port)
        if prevchar != ",":
            break
        p += 1

    host_str = ",".join(hostbuf)
    port_str = ",".join(portbuf)
    if host_str:
        options.append(("host", _decode(host_str, "host")))
    if port_str:
        options.append(("port", _decode(port_str, "port")))

    if prevchar and prevchar != "?":
        p += 1
        start = p
        while p < n and rest[p] != "?":
            p += 1
        dbname = rest[start:p]
        prevchar = rest[p] if p < n else ""
        if dbname:
            options.append(("dbname", _decode(dbname, "database name")))

    duplicates: list[str] = []
    if prevchar:
        params = rest[p + 1 :]
        seen: set[str] = set()  # query keys only: a query setting may override the hierarchical part
        for key, value in _parse_query(params):
            if key in seen:
                duplicates.append(key)
            seen.add(key)
            options.append((key, value))

    return ConnInfo(
        raw=s,
        form=Form.URI,
        scheme=scheme,
        options=_last_wins(options),
        duplicates=tuple(duplicates),
        raw_userinfo=raw_userinfo,
        sequence=tuple(options),
    )


def _scan(text: str, p: int, stops: str) -> int:
    """The index of the first character out of `stops` at or after `p` (len(text) if none)."""
    n = len(text)
    while p < n and text[p] not in stops:
        p += 1
    return p


def _parse_query(params: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    n = len(params)
    while i < n:
        keyword_start = i
        eq = -1
        while True:
            c = params[i] if i < n else ""
            if c == "=":
                if eq >= 0:
                    key = params[keyword_start:eq]
                    raise ParseError(
                        f'extra "=" in {_named(key, "query parameter")} (write = in a value as %3D)', "query"
                    )
                eq = i
                i += 1
            elif c in ("&", ""):
                end = i
                if c == "&":
                    i += 1
                if eq < 0:
                    key = params[keyword_start:end]
                    raise ParseError(f'missing "=" in {_named(key, "query parameter")}', "query")
                key = _decode(params[keyword_start:eq], "query")
                value = _decode(params[eq + 1 : end], "query")
                out.append((key, value))
                break
            else:
                i += 1
    return out


def _named(key: str, what: str) -> str:
    """`query parameter "sslmode"` for known names; a mangled string can put part of a password
    where a name goes, so anything else stays unnamed."""
    if key in LIBPQ_KEYWORDS or key in PRISMA_ONLY_PARAMS:
        return f'{what} "{key}"'
    return f"a {what} with an unknown name" if key else f"a {what} with an empty name"


def _parse_keyvalue(s: str) -> ConnInfo:
    options: list[tuple[str, str]] = []
    duplicates: list[str] = []
    seen: set[str] = set()
    i = 0
    n = len(s)
    while i < n:
        if s[i] in _SPACE:
            i += 1
            continue
        start = i
        while i < n and s[i] != "=" and s[i] not in _SPACE:
            i += 1
        name = s[start:i]
        while i < n and s[i] in _SPACE:
            i += 1
        if i >= n or s[i] != "=":
            raise ParseError(
                (f'missing "=" after "{name}"' if name in LIBPQ_KEYWORDS else 'missing "=" after a word')
                + " in the key=value string (a value with spaces needs quotes: key='a b')",
                "keyvalue",
            )
        i += 1
        while i < n and s[i] in _SPACE:
            i += 1
        value_chars: list[str] = []
        if i < n and s[i] == "'":
            i += 1
            while True:
                if i >= n:
                    raise ParseError("unterminated quoted string in the key=value string", "keyvalue")
                c = s[i]
                if c == "\\":
                    i += 1
                    if i < n:
                        value_chars.append(s[i])
                        i += 1
                    continue
                if c == "'":
                    i += 1
                    break
                value_chars.append(c)
                i += 1
        else:
            while i < n:
                c = s[i]
                if c in _SPACE:
                    i += 1
                    break
                if c == "\\":
                    i += 1
                    if i < n:
                        value_chars.append(s[i])
                        i += 1
                else:
                    value_chars.append(c)
                    i += 1
        if name in seen:
            duplicates.append(name)
        seen.add(name)
        options.append((name, "".join(value_chars)))
    return ConnInfo(
        raw=s,
        form=Form.KEYVALUE,
        scheme="",
        options=_last_wins(options),
        duplicates=tuple(duplicates),
        sequence=tuple(options),
    )


def _last_wins(options: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    merged: dict[str, str] = {}
    for k, v in options:
        merged[k] = v
    return tuple(merged.items())
