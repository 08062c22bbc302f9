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
from dataclasses import dataclass

from pgconnect_cli.conninfo.build import pct, to_keyvalue, to_uri
from pgconnect_cli.conninfo.model import LIBPQ_SCHEMES, ConnInfo, Form
from pgconnect_cli.conninfo.params import (
    SCHEMA_ALIASES,
    is_known,
    merge_options,
    normalize,
    search_path_option,
    shown_name,
    ssl_flag_meaning,
    suggest,
)
from pgconnect_cli.conninfo.parse import ParseError, as_text, parse, split_scheme

_HEX = "0123456789abcdefABCDEF"
_QUERY_KEY = re.compile(r"\?[A-Za-z_][A-Za-z0-9_]*=")
_SCHEME_TYPOS = re.compile(r"^(?:postgress|postgresq|postgre|postgressql|postgesql|postgrsql|pgsql|pg|psql)$")


@dataclass(frozen=True)
class MeantSplit:
    """A URI cut where its author meant: scheme, raw userinfo (None when absent), the rest."""

    scheme: str
    userinfo: str | None
    rest: str
    libpq_userinfo: str | None  # where libpq cuts it, for comparison

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


def _plausible_tail(tail: str) -> bool:
    """After a candidate `@`: a host list, database and query string as people write them.

    No further `@` in the host list or the database name, no `#` or space in the host list,
    and a query made of `key=value` pairs with identifier keys.
    """
    end = len(tail)
    for i, c in enumerate(tail):
        if c in "/?":
            end = i
            break
    hosts = tail[:end]
    if "@" in hosts or "#" in hosts or " " in hosts:
        return False
    q = tail.find("?", end)
    if tail[end : end + 1] == "/":
        dbname = tail[end + 1 : q if q >= 0 else len(tail)]
        if "@" in dbname:
            return False
    if q >= 0:
        for pair in tail[q + 1 :].split("&"):
            key, eq, _ = pair.partition("=")
            if pair and (not eq or not _PLAUSIBLE_KEY.fullmatch(key)):
                return False
    return True


def _looks_like_path_and_query(userinfo: str) -> bool:
    """`…/db?key=` inside a would-be userinfo means the `@` we look at is in the query string."""
    slash = userinfo.find("/")
    return slash >= 0 and bool(_QUERY_KEY.search(userinfo, slash))


def split_as_meant(raw: str) -> MeantSplit | None:
    """Cut `scheme://userinfo@rest` at the `@` followed by the host list; None if not `x://` form."""
    scheme = split_scheme(raw)
    if scheme is None:
        return None
    name, rest = scheme
    ats = [i for i, c in enumerate(rest) if c == "@"]
    slash = rest.find("/")
    libpq_at = ats[0] if ats and (slash < 0 or ats[0] < slash) else None
    meant_at = libpq_at
    for i in ats:
        if _plausible_tail(rest[i + 1 :]) and not _looks_like_path_and_query(rest[:i]):
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
    text: str  # the repaired string (the input itself when nothing needed repair)
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

    def put(key: str, value: str) -> None:
        for idx, (k, _) in enumerate(out):
            if k == key:
                out[idx] = (key, value)
                return
        out.append((key, value))

    for key, value in ci.options:
        if key == "ssl":
            mode = ssl_flag_meaning(value)
            if "sslmode" in present:
                changes.append("removed ssl= (sslmode is already set)")
            elif mode is None:
                remaining.append(key)
                out.append((key, value))
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
            out.append((key, value))
            continue
        if s.replacement is None:
            changes.append("removed a parameter with an empty name")
            continue
        if s.replacement == "options" and normalize(key) in SCHEMA_ALIASES:
            current = next((v for k, v in out if k == "options"), ci.get("options"))
            put("options", merge_options(current, search_path_option(value)))
            changes.append(f"{shown_name(key)}= → options=-c search_path=…")
            continue
        if s.replacement in present or any(k == s.replacement for k, _ in out):
            changes.append(f"removed {shown_name(key)} ({s.replacement} is already set)")
            continue
        put(s.replacement, value)
        changes.append(f"{shown_name(key)} → {s.replacement}")
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


def _encode_spaces(value: str) -> str:
    return value.strip(" ").replace(" ", "%20")


def _strip_wrapping(s: str) -> tuple[str, list[str]]:
    changes: list[str] = []
    # an environment assignment (upper-case name, like DATABASE_URL=…), not a key=value setting
    m = re.match(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$", s, re.DOTALL)
    if m and re.match(r"^[\"']?(?:jdbc:)?[A-Za-z][A-Za-z0-9+.\-]*:/", m.group(2).strip()):
        s = m.group(2).strip()
        changes.append(f"removed the {m.group(1)}= assignment")
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        s = s[1:-1].strip()
        changes.append("removed the surrounding quotes")
    return s, changes


def fix(raw: str) -> FixResult:
    """The URL its author meant, libpq-valid where a mechanical repair can make it so.

    Raises ParseError when the string cannot be read even after the repairs.
    """
    s, changes = _strip_wrapping(as_text(raw).strip())
    s, scheme_notes = _fix_scheme(s)
    changes += scheme_notes
    split = split_as_meant(s)
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
