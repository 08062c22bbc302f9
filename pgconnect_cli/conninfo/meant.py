"""Read a URL the way its author meant it.

libpq ends the user and password at the first `@` before any `/`. A password with a raw `@`
or `/` therefore moves the split: `postgresql://u:p@ss@h/db` is host `ss@h` to libpq, and
`postgresql://u:p/ss@h/db` is host `u`, port `p`. People mean something else: the userinfo ends
at the `@` that is followed by the host list. `split_as_meant` finds that `@`;
`read_as_meant` parses the URL with the userinfo re-encoded. The lints, `url fix`, the
invisible-character finder and the secret gatherer all read a URL through this one module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pgconnect_cli.conninfo.model import ConnInfo
from pgconnect_cli.conninfo.parse import ParseError, as_text, parse, split_scheme
from pgconnect_cli.conninfo.percent import decode_lenient, encode_userinfo

_QUERY_KEY = re.compile(r"\?[A-Za-z_][A-Za-z0-9_]*=")


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


@lru_cache(maxsize=512)  # pure, and asked of one URL by several checks (five times in a doctor run)
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


def meant_credentials(split: MeantSplit) -> tuple[str | None, str | None]:
    """The user and password as meant (decoded when they were encoded, literal otherwise)."""
    user = split.raw_user
    password = split.raw_password
    return (
        decode_lenient(user) if user else None,
        decode_lenient(password) if password is not None else None,
    )


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
    rebuilt = f"{split.scheme}://{encode_userinfo(user, password) or '@'}{split.rest}"
    meant = parse(rebuilt)  # a ParseError here is about the host, database or query
    return Reading(meant, True, split)


_RESERVED_USER = set("@:/?#[] ")
_RESERVED_PASSWORD = set("@/?#[] :")


def _bad_percent(value: str) -> bool:
    return bool(re.search(r"%(?![0-9A-Fa-f]{2})|%00", value))


def has_raw_reserved(user: str, password: str | None) -> bool:
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
