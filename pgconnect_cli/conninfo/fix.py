"""Read a URL the way its author meant it, and repair what can be repaired mechanically.

libpq ends the user and password at the first `@` before any `/`. A password with a raw `@`
or `/` therefore moves the split: `postgresql://u:p@ss@h/db` is host `ss@h` to libpq, and
`postgresql://u:p/ss@h/db` is host `u`, port `p`. People mean something else: the userinfo ends
at the `@` that is followed by the host list. `split_as_meant` finds that `@`;
`read_as_meant` parses the URL with the userinfo re-encoded; `fix` produces the URL the
author meant, with every repair listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pgconnect_cli.conninfo.build import pct, to_keyvalue, to_uri
from pgconnect_cli.conninfo.invisible import find_invisible, strip_invisible
from pgconnect_cli.conninfo.model import LIBPQ_SCHEMES, ConnInfo, Form
from pgconnect_cli.conninfo.params import (
    SCHEMA_ALIASES,
    corrected_value,
    is_known,
    merge_options,
    normalize,
    search_path_option,
    shown_name,
    ssl_flag_meaning,
    suggest,
)
from pgconnect_cli.conninfo.parse import ParseError, as_text, looks_like_adonet, parse, split_scheme

_HEX = "0123456789abcdefABCDEF"
_QUERY_KEY = re.compile(r"\?[A-Za-z_][A-Za-z0-9_]*=")
_SCHEME_TYPOS = re.compile(r"^(?:postgress|postgresq|postgre|postgressql|postgesql|postgrsql|pgsql|pg|psql)$")


@dataclass(frozen=True)
class MeantSplit:
    """A URI cut where its author meant: scheme, raw userinfo (None when absent), the rest."""

    scheme: str
    userinfo: str | None = field(repr=False)  # holds the password
    rest: str = field(repr=False)  # where libpq misreads, it holds part of the password
    libpq_userinfo: str | None = field(repr=False)  # where libpq cuts it, for comparison

    @property
    def misread(self) -> bool:
        """libpq ends the userinfo somewhere else than the author meant."""
        return self.userinfo != self.libpq_userinfo

    @property
    def raw_user(self) -> str | None:
        if self.userinfo is None:
            return None
        return self.userinfo.split(":", 1)[0]

    @property
    def raw_password(self) -> str | None:
        if self.userinfo is None or ":" not in self.userinfo:
            return None
        return self.userinfo.split(":", 1)[1]


_PLAUSIBLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def _plausible_query(query: str) -> bool:
    """`key=value` pairs with identifier keys, as people write query strings."""
    for pair in query.split("&"):
        key, eq, _ = pair.partition("=")
        if pair and (not eq or not _PLAUSIBLE_KEY.fullmatch(key)):
            return False
    return True


def _next_index(text: str, chars: str) -> list[int]:
    """For every position, the index of the next character out of `chars` (len(text) if none)."""
    n = len(text)
    out = [n] * (n + 1)
    for j in range(n - 1, -1, -1):
        out[j] = j if text[j] in chars else out[j + 1]
    return out


def split_as_meant(raw: str) -> MeantSplit | None:
    """Cut `scheme://userinfo@rest` at the `@` followed by the host list; None if not `x://` form.

    The meant `@` is the first one after which come a host list (no further `@`, `#` or space),
    an optional database name without `@` and a query of `key=value` pairs with identifier keys,
    and before which no `/…?key=` already started a path and query. The positions of the next
    separators are computed once, so a long string with many `@` stays linear.
    """
    scheme = split_scheme(raw)
    if scheme is None:
        return None
    name, rest = scheme
    ats = [i for i, c in enumerate(rest) if c == "@"]
    slash = rest.find("/")
    libpq_at = ats[0] if ats and (slash < 0 or ats[0] < slash) else None
    meant_at = libpq_at
    if ats:
        n = len(rest)
        next_stop, next_q = _next_index(rest, "/?"), _next_index(rest, "?")
        next_at, next_odd = _next_index(rest, "@"), _next_index(rest, "@# ")
        path_query = _QUERY_KEY.search(rest, slash) if slash >= 0 else None
        queries: dict[int, bool] = {}
        for i in ats:
            if path_query is not None and path_query.end() <= i:
                break  # this @ and every later one stand in the query string
            end = next_stop[i + 1]
            if next_odd[i + 1] < end:
                continue  # the would-be host list holds an @, # or space
            q = next_q[end]
            if end < n and rest[end] == "/" and next_at[end + 1] < q:
                continue  # the would-be database name holds an @
            if q < n and not queries.setdefault(q, _plausible_query(rest[q + 1 :])):
                continue
            meant_at = i
            break
    return MeantSplit(
        scheme=name,
        userinfo=None if meant_at is None else rest[:meant_at],
        rest=rest if meant_at is None else rest[meant_at + 1 :],
        libpq_userinfo=None if libpq_at is None else rest[:libpq_at],
    )


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


def meant_credentials(split: MeantSplit) -> tuple[str | None, str | None]:
    """The user and password as meant (decoded when they were encoded, literal otherwise)."""
    user = split.raw_user
    password = split.raw_password
    return (
        decode_lenient(user) if user else None,
        decode_lenient(password) if password is not None else None,
    )


def _encode_userinfo(user: str | None, password: str | None) -> str:
    out = pct(user, safe="") if user else ""
    if password is not None:
        out += ":" + pct(password, safe="")
    return out + "@"


@dataclass(frozen=True)
class Reading:
    """A URL parsed as its author meant it."""

    conninfo: ConnInfo
    misread: bool  # libpq would split the userinfo elsewhere, or cannot decode it
    split: MeantSplit | None


def read_as_meant(raw: str) -> Reading:
    """Parse `raw`; when libpq would misread the user or password, parse what the author meant.

    Raises ParseError when the rest of the string cannot be parsed either.
    """
    raw = as_text(raw)
    split = split_as_meant(raw)
    libpq_error: ParseError | None = None
    try:
        ci = parse(raw)
    except ParseError as exc:
        libpq_error = exc
    userinfo_failed = libpq_error is not None and libpq_error.part in ("user name", "password")
    if split is None or split.userinfo is None or not (split.misread or userinfo_failed):
        if libpq_error is not None:
            raise libpq_error
        return Reading(ci, False, split)
    user, password = meant_credentials(split)
    rebuilt = f"{split.scheme}://{_encode_userinfo(user, password)}{split.rest}"
    meant = parse(rebuilt)  # a ParseError here is about the host, database or query
    return Reading(meant, True, split)


# --- url fix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FixResult:
    text: str = field(repr=False)  # the repaired string (the input itself when nothing needed repair)
    changes: tuple[str, ...]  # one line per repair, free of secrets
    remaining: tuple[str, ...] = ()  # unknown parameters left in place

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def apply_param_fixes(ci: ConnInfo) -> tuple[ConnInfo, list[str], list[str]]:
    """Known typos and aliases → libpq's keywords; `ssl=` / `requiressl` → sslmode; schema aliases.

    Returns the new ConnInfo, the changes made, and the unknown names left alone.
    """
    out: list[tuple[str, str]] = []
    changes: list[str] = []
    remaining: list[str] = []
    present = {k for k, _ in ci.options}

    index: dict[str, int] = {}  # key → position in `out`

    def put(key: str, value: str) -> None:
        if key in index:
            out[index[key]] = (key, value)
            return
        index[key] = len(out)
        out.append((key, value))

    for key, value in ci.options:
        if key == "ssl":
            mode = ssl_flag_meaning(value)
            if "sslmode" in present:
                changes.append("removed ssl= (sslmode is already set)")
            elif mode is None:
                remaining.append(key)
                put(key, value)
            else:
                put("sslmode", mode)
                changes.append(f"ssl={value} → sslmode={mode}")
            continue
        if key == "requiressl":
            if "sslmode" in present:
                changes.append("removed requiressl (sslmode is already set)")
            elif value.startswith("1"):
                put("sslmode", "require")
                changes.append("requiressl=1 → sslmode=require")
            else:
                changes.append("removed requiressl=0 (prefer is libpq's default)")
            continue
        if is_known(key):
            put(key, value)
            continue
        s = suggest(key)
        if s is None or not s.automatic:
            remaining.append(key)
            put(key, value)
            continue
        if s.replacement is None:
            changes.append("removed a parameter with an empty name")
            continue
        if s.replacement == "options" and normalize(key) in SCHEMA_ALIASES:
            current = next((v for k, v in out if k == "options"), ci.get("options"))
            put("options", merge_options(current, search_path_option(value)))
            changes.append(f"{shown_name(key)}= → options=-c search_path=…")
            continue
        if s.replacement in present or s.replacement in index:
            changes.append(f"removed {shown_name(key)} ({s.replacement} is already set)")
            continue
        put(s.replacement, value)
        changes.append(f"{shown_name(key)} → {s.replacement}")
    for idx, (key, value) in enumerate(out):
        meant = corrected_value(key, value)
        if meant is not None and meant != value:
            out[idx] = (key, meant)
            changes.append(f"{key}={value} → {key}={meant}")
    fixed = ConnInfo(raw="", form=ci.form, scheme=ci.scheme, options=tuple(out))
    return fixed, changes, remaining


def _fix_scheme(s: str) -> tuple[str, list[str]]:
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):(/{0,2})", s)
    if not m:
        return s, []
    name, slashes = m.group(1), m.group(2)
    lower = name.lower()
    if lower == "jdbc":
        inner, notes = _fix_scheme(s[m.end(1) + 1 :])
        return inner, ["removed the jdbc: prefix", *notes]
    if lower in LIBPQ_SCHEMES:
        target = lower
    elif _SCHEME_TYPOS.match(lower):
        target = "postgresql"
    else:
        return s, []
    rest = s[m.end() :]
    notes = []
    if name != target:
        notes.append(f"scheme {name}:// → {target}://")
    if slashes != "//":
        notes.append("the scheme needs two slashes: " + target + "://")
    return f"{target}://{rest}", notes


def _fix_rest(rest: str) -> tuple[str, list[str]]:
    """Repairs after the userinfo: a second `?`, empty parameters, stray `%` and spaces."""
    changes: list[str] = []
    stray = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", rest)
    if stray != rest:
        changes.append("a lone % → %25")
        rest = stray
    q = rest.find("?")
    head, query = (rest, None) if q < 0 else (rest[:q], rest[q + 1 :])
    slash = head.find("/")
    hosts, path = (head, None) if slash < 0 else (head[:slash], head[slash + 1 :])
    spaces = " " in rest
    hosts = hosts.replace(" ", "")
    hosts, bracketed = _bracket_hosts(hosts)
    changes += bracketed
    if path is not None and _SEMICOLON_SETTINGS.search(path):
        path, _, settings = path.partition(";")
        moved = "&".join(p.strip() for p in settings.split(";") if p.strip())
        query = moved if query is None else f"{moved}&{query}"
        changes.append("settings after ; → query parameters after ?")
    if path is not None and query is None and _AMPERSAND_SETTINGS.search(path):
        path, _, query = path.partition("&")
        changes.append("settings after & → query parameters after ?")
    if path is not None:
        path = _encode_spaces(path)
    if query is not None:
        fixed_query = re.sub(r"\?(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)", "&", query)
        if fixed_query != query:
            changes.append("a second ? in the query → &")
        pairs = []
        for pair in fixed_query.split("&"):
            if not pair.strip():
                continue
            key, eq, value = pair.partition("=")
            pairs.append(key.strip() + eq + _encode_spaces(value))
        if len(pairs) != len([p for p in fixed_query.split("&")]):
            changes.append("removed empty parameters (&&)")
        query = "&".join(pairs)
    if spaces:
        changes.append("removed or encoded raw spaces (%20)")
    out = hosts + ("" if path is None else "/" + path)
    if query:
        out += "?" + query
    return out, changes


# `/db&sslmode=require`: `&` typed for the `?` before the first setting
_AMPERSAND_SETTINGS = re.compile(r"&[A-Za-z_][A-Za-z0-9_]*=")
# `/db;sslmode=require`: the JDBC/ADO.NET habit of `;` before settings
_SEMICOLON_SETTINGS = re.compile(r";\s*[A-Za-z_][A-Za-z0-9_]*\s*=")


def unbracketed_ipv6(item: str) -> tuple[str, str | None] | None:
    """(address, port or None) when a host-list item is an IPv6 address written without brackets.

    `2001:db8::1:5432` is itself a valid address, but people write the port after it: a last
    group of decimal digits that leaves a valid address in front is read as the port.
    """
    if item.startswith("[") or item.count(":") < 2:
        return None
    address, _, port = item.rpartition(":")
    if port.isdigit() and 1 <= int(port) <= 65535 and _is_ipv6(address):
        return address, port
    if _is_ipv6(item):
        return item, None
    return None


def _is_ipv6(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _bracket_hosts(hosts: str) -> tuple[str, list[str]]:
    out: list[str] = []
    changes: list[str] = []
    for item in hosts.split(","):
        found = unbracketed_ipv6(item)
        if found is None:
            out.append(item)
            continue
        address, port = found
        out.append(f"[{address}]" + (f":{port}" if port else ""))
        changes.append(
            f"bracketed the IPv6 address {address}" + (f" and read :{port} as the port" if port else "")
        )
    return ",".join(out), changes


def _encode_spaces(value: str) -> str:
    return value.strip(" ").replace(" ", "%20")


def _strip_wrapping(s: str) -> tuple[str, list[str]]:
    changes: list[str] = []
    # an environment assignment (upper-case name, like DATABASE_URL=…), not a key=value setting
    m = re.match(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$", s, re.DOTALL)
    if m and re.match(r"^[\"'“‘„«]?(?:jdbc:)?[A-Za-z][A-Za-z0-9+.\-]*:/", m.group(2).strip()):
        s = m.group(2).strip()
        changes.append(f"removed the {m.group(1)}= assignment")
    inner = unwrap_quotes(s)
    if inner is not None:
        s = inner.strip()
        changes.append("removed the surrounding quotes")
    return s, changes


# Straight quotes, and the typographic ones word processors and chat apps substitute for them.
_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "”": "”", "‘": "’", "’": "’", "„": "“", "«": "»", "»": "«"}


def unwrap_quotes(s: str) -> str | None:
    """The text inside a pair of quotes wrapping all of `s`; None when it is not wrapped."""
    if len(s) >= 2 and _QUOTE_PAIRS.get(s[0]) == s[-1]:
        return s[1:-1]
    return None


# ADO.NET / Npgsql keywords (lowercase, spaces removed) → libpq's.
_ADONET_KEYWORDS: dict[str, str] = {
    "server": "host",
    "host": "host",
    "datasource": "host",
    "address": "host",
    "port": "port",
    "database": "dbname",
    "initialcatalog": "dbname",
    "db": "dbname",
    "userid": "user",
    "username": "user",
    "user": "user",
    "uid": "user",
    "password": "password",
    "pwd": "password",
    "psw": "password",
    "sslmode": "sslmode",
    "timeout": "connect_timeout",
    "applicationname": "application_name",
    "rootcertificate": "sslrootcert",
    "sslcertificate": "sslcert",
    "sslkey": "sslkey",
    "sslpassword": "sslpassword",
    "targetsessionattributes": "target_session_attrs",
    "searchpath": "options",
}
_NPGSQL_SSLMODES = {"verifyca": "verify-ca", "verifyfull": "verify-full"}


def _adonet_pairs(s: str) -> list[tuple[str, str]]:
    """`Key=Value;` pairs as DbConnectionStringBuilder reads them: values may be quoted ('…' or
    "…", the quote doubled inside), keys are case-insensitive."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(s)
    while i < n:
        eq = s.find("=", i)
        if eq < 0:
            break
        key = s[i:eq].strip().strip(";").strip()
        j = eq + 1
        while j < n and s[j] == " ":
            j += 1
        if j < n and s[j] in "\"'":
            quote, j = s[j], j + 1
            value_chars: list[str] = []
            while j < n:
                if s[j] == quote:
                    if s[j + 1 : j + 2] == quote:
                        value_chars.append(quote)
                        j += 2
                        continue
                    j += 1
                    break
                value_chars.append(s[j])
                j += 1
            value = "".join(value_chars)
            end = s.find(";", j)
        else:
            end = s.find(";", j)
            value = (s[j:] if end < 0 else s[j:end]).strip()
        pairs.append((key, value))
        i = n if end < 0 else end + 1
    return pairs


def from_adonet(s: str) -> tuple[ConnInfo, list[str]]:
    """An ADO.NET/Npgsql connection string as a libpq ConnInfo, and notes on what was dropped."""
    options: dict[str, str] = {}
    dropped: list[str] = []
    for key, value in _adonet_pairs(s):
        normal = re.sub(r"\s", "", key).lower()
        target = _ADONET_KEYWORDS.get(normal)
        if target is None:
            if key:
                dropped.append(key if re.fullmatch(r"[A-Za-z0-9 _.\-]{1,40}", key) else "(unusual name)")
            continue
        if target == "sslmode":
            value = _NPGSQL_SSLMODES.get(value.lower(), value.lower())
        elif target == "target_session_attrs":
            value = value.lower()
        elif target == "options":
            value = search_path_option(value)
        elif target == "host" and value.count(":") == 1 and "port" not in options:
            value, _, port = value.partition(":")
            if port.isdigit():
                options["port"] = port
        options[target] = value
    order = ("user", "password", "host", "port", "dbname")
    ordered = [(k, options[k]) for k in order if k in options]
    ordered += [(k, v) for k, v in options.items() if k not in order]
    notes = ["an ADO.NET/Npgsql connection string → a libpq URI"]
    if dropped:
        notes.append("dropped ADO.NET settings libpq has no equivalent for: " + ", ".join(dropped))
    return ConnInfo(raw="", form=Form.URI, scheme="postgresql", options=tuple(ordered)), notes


def fix(raw: str) -> FixResult:
    """The URL its author meant, libpq-valid where a mechanical repair can make it so.

    Raises ParseError when the string cannot be read even after the repairs.
    """
    text = as_text(raw).strip(" \t\n\r\v\f")
    changes = [f"removed an invisible {i.describe()}" for i in find_invisible(text)]
    if text != as_text(raw):
        changes.append("removed whitespace before or after the string (\\r, \\n, tab, space)")
    s, wrapping = _strip_wrapping(strip_invisible(text).strip())
    changes += wrapping
    s, scheme_notes = _fix_scheme(s)
    changes += scheme_notes
    split = split_as_meant(s)
    if split is None and looks_like_adonet(s):
        converted, notes = from_adonet(s)
        fixed, param_changes, remaining = apply_param_fixes(converted)
        return FixResult(to_uri(fixed), (*changes, *notes, *param_changes), tuple(remaining))
    if split is None:
        ci = parse(s)
        fixed, param_changes, remaining = apply_param_fixes(ci)
        changes += param_changes
        if not changes:
            return FixResult(raw, (), tuple(remaining))
        text = to_keyvalue(fixed) if ci.form is Form.KEYVALUE else s
        return FixResult(text, tuple(changes), tuple(remaining))

    rest, rest_changes = _fix_rest(split.rest)
    changes += rest_changes
    user, password = meant_credentials(split)
    needs_encoding = split.userinfo is not None and (
        split.misread or _has_raw_reserved(split.raw_user or "", split.raw_password)
    )
    if needs_encoding:
        changes.append("percent-encoded the user and password")
    userinfo = "" if split.userinfo is None else _encode_userinfo(user, password)
    ci = parse(f"{split.scheme}://{userinfo}{rest}")
    fixed, param_changes, remaining = apply_param_fixes(ci)
    changes += param_changes
    if not changes:
        return FixResult(raw, (), tuple(remaining))
    return FixResult(to_uri(fixed, scheme=split.scheme), tuple(changes), tuple(remaining))


_RESERVED_USER = set("@:/?#[] ")
_RESERVED_PASSWORD = set("@/?#[] :")


def _bad_percent(value: str) -> bool:
    return bool(re.search(r"%(?![0-9A-Fa-f]{2})|%00", value))


def _has_raw_reserved(user: str, password: str | None) -> bool:
    if any(c in _RESERVED_USER for c in user) or _bad_percent(user):
        return True
    if password is not None and (any(c in _RESERVED_PASSWORD for c in password) or _bad_percent(password)):
        return True
    return False


def raw_reserved_characters(split: MeantSplit) -> list[str]:
    """The reserved characters standing raw in the user or password (for the lint's detail)."""
    found: list[str] = []
    user = split.raw_user or ""
    password = split.raw_password
    for c in user:
        if c in _RESERVED_USER and c not in found:
            found.append(c)
    for c in password or "":
        if c in _RESERVED_PASSWORD and c not in found:
            found.append(c)
    if (_bad_percent(user) or (password is not None and _bad_percent(password))) and "%" not in found:
        found.append("%")
    return found
