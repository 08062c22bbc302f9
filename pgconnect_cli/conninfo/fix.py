"""Repair what can be repaired mechanically: `fix` produces the URL the author meant (as
`conninfo.meant` reads it), with every repair listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pgconnect_cli.conninfo.build import to_keyvalue, to_uri
from pgconnect_cli.conninfo.invisible import find_invisible, strip_invisible
from pgconnect_cli.conninfo.meant import Reading as Reading  # re-exported: its home until the redesign
from pgconnect_cli.conninfo.meant import has_raw_reserved, meant_credentials, split_as_meant
from pgconnect_cli.conninfo.meant import read_as_meant as read_as_meant
from pgconnect_cli.conninfo.model import LIBPQ_SCHEMES, ConnInfo, Form, normalize
from pgconnect_cli.conninfo.params import (
    SCHEMA_ALIASES,
    corrected_value,
    is_known,
    merge_options,
    search_path_option,
    shown_name,
    ssl_flag_meaning,
    suggest,
)
from pgconnect_cli.conninfo.parse import as_text, looks_like_adonet, parse
from pgconnect_cli.conninfo.percent import encode_userinfo, is_ipv6

_SCHEME_TYPOS = re.compile(r"^(?:postgress|postgresq|postgre|postgressql|postgesql|postgrsql|pgsql|pg|psql)$")


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
    if port.isdigit() and 1 <= int(port) <= 65535 and is_ipv6(address):
        return address, port
    if is_ipv6(item):
        return item, None
    return None


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
        split.misread or has_raw_reserved(split.raw_user or "", split.raw_password)
    )
    if needs_encoding:
        changes.append("percent-encoded the user and password")
    userinfo = "" if split.userinfo is None else encode_userinfo(user, password)
    ci = parse(f"{split.scheme}://{userinfo}{rest}")
    fixed, param_changes, remaining = apply_param_fixes(ci)
    changes += param_changes
    if not changes:
        return FixResult(raw, (), tuple(remaining))
    return FixResult(to_uri(fixed, scheme=split.scheme), tuple(changes), tuple(remaining))
