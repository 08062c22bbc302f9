"""What a query parameter name means: libpq's, Prisma's, a typo of one of them, or nothing.

Used by the URL lints (`param-unknown` and its suggestion), by `pgc url fix` (which applies the
suggestions marked `automatic`) and by the conversions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pgconnect_cli.conninfo.model import KNOWN_PARAMS, closest_keyword, normalize, spelled_keyword

# Values libpq checks when it connects (conninfo-facts §1.6); anything else fails before any I/O.
ENUM_VALUES: dict[str, frozenset[str]] = {
    "sslmode": frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}),
    "channel_binding": frozenset({"disable", "prefer", "require"}),
    "gssencmode": frozenset({"disable", "prefer", "require"}),
    "target_session_attrs": frozenset(
        {"any", "read-write", "read-only", "primary", "standby", "prefer-standby"}
    ),
    "load_balance_hosts": frozenset({"disable", "random"}),
    "sslnegotiation": frozenset({"postgres", "direct"}),
    "sslcertmode": frozenset({"disable", "allow", "require"}),
}
INTEGER_PARAMS: frozenset[str] = frozenset(
    {
        "connect_timeout",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        # Prisma's, which its engine parses as unsigned integers
        "connection_limit",
        "pool_timeout",
        "socket_timeout",
        "statement_cache_size",
        "max_connection_lifetime",
        "max_idle_connection_lifetime",
    }
)

# Names people use for a libpq keyword (JDBC, SQLAlchemy, node-postgres, habits), normalized
# with `normalize()`. `options` means: set the schema through `options=-c search_path=X`.
_ALIASES: dict[str, str] = {
    "database": "dbname",
    "db": "dbname",
    "dbnam": "dbname",
    "username": "user",
    "pass": "password",
    "passwd": "password",
    "pwd": "password",
    "sslca": "sslrootcert",
    "sslrootcertificate": "sslrootcert",
    "sslcacert": "sslrootcert",
    "logintimeout": "connect_timeout",
    "connectiontimeout": "connect_timeout",
    "tcpkeepalive": "keepalives",
    "searchpath": "options",
    "currentschema": "options",
    "appname": "application_name",
}
SCHEMA_ALIASES: frozenset[str] = frozenset({"searchpath", "currentschema"})

# Parameters that have no libpq meaning at all: what to say instead of a suggestion.
_NOTES: dict[str, str] = {
    "supa": "added by the Supabase integration for Vercel; no client uses it: remove it",
    "pooled": "an early Prisma Postgres form; use the host pooled.db.prisma.io instead",
    "uselibpqcompat": "a node-postgres setting; libpq and Prisma reject or ignore it",
    "preparethreshold": "a JDBC setting; for Prisma use pgbouncer=true, for psycopg prepare_threshold=None",
    "targetservertype": "a JDBC setting; libpq's is target_session_attrs (read-write, read-only, …)",
    "sslfactory": "a JDBC setting; libpq verifies with sslmode=verify-full and sslrootcert",
}


@dataclass(frozen=True)
class Suggestion:
    """What to write instead of an unknown parameter."""

    replacement: str | None  # the keyword to use; None when the parameter should simply go
    reason: str  # one line for a finding detail or a `url fix` note
    automatic: bool  # `pgc url fix` applies it on its own


def shown_name(name: str) -> str:
    """A parameter name safe to print: a mangled URL can put part of a password where a name goes."""
    if re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", name):
        return name
    return "(a parameter with an unusual name)"


def is_known(name: str) -> bool:
    return name in KNOWN_PARAMS or name in ("ssl", "requiressl")


def suggest(name: str) -> Suggestion | None:
    """The closest known parameter for an unknown one, with why; None when nothing is close."""
    n = normalize(name)
    if not n:
        return Suggestion(None, "an empty parameter name", True)
    canonical = spelled_keyword(name)
    if canonical is not None:
        return Suggestion(canonical, f"the spelling libpq and Prisma use is {canonical}", True)
    if n in SCHEMA_ALIASES:
        return Suggestion("options", "libpq sets the schema with options=-c search_path=NAME", True)
    if n in _ALIASES:
        target = _ALIASES[n]
        return Suggestion(target, f"libpq calls it {target}", True)
    if n in _NOTES:
        return Suggestion(None, _NOTES[n], False)
    close = closest_keyword(name)
    if close is not None:
        canonical, ratio = close
        return Suggestion(canonical, f"did you mean {canonical}?", ratio >= 0.85)
    return None


def ssl_flag_meaning(value: str) -> str | None:
    """The sslmode a JDBC-style `ssl=` value asks for, or None when it is not a boolean."""
    v = value.strip().lower()
    if v in ("true", "1", "yes", "on"):
        return "require"
    if v in ("false", "0", "no", "off"):
        return "disable"
    return None


# What people write for an sslmode, after lowercasing and `_` → `-`.
_SSLMODE_SYNONYMS: dict[str, str] = {
    "required": "require",
    "true": "require",
    "1": "require",
    "on": "require",
    "yes": "require",
    "disabled": "disable",
    "false": "disable",
    "0": "disable",
    "off": "disable",
    "no": "disable",
    "preferred": "prefer",
    "verifyfull": "verify-full",
    "verifyca": "verify-ca",
}


def corrected_value(key: str, value: str) -> str | None:
    """The value libpq (or Prisma, for pgbouncer) accepts for an obvious misspelling, else None.

    Case (`Require`), `_` for `-` (`verify_full`), booleans for sslmode (`true` → require) and for
    Prisma's pgbouncer (`1` → true, which Prisma's parser refuses).
    """
    if key == "pgbouncer":
        meaning = ssl_flag_meaning(value)
        return None if meaning is None else ("true" if meaning == "require" else "false")
    allowed = ENUM_VALUES.get(key)
    if allowed is None or value in allowed:
        return None
    v = value.strip().lower().replace("_", "-")
    if key == "sslmode":
        v = _SSLMODE_SYNONYMS.get(v, _SSLMODE_SYNONYMS.get(v.replace("-", ""), v))
    return v if v in allowed else None


def search_path_option(schema: str) -> str:
    """`-c search_path=X` for libpq's options, quoting the schema when its case or characters need it.

    Prisma quotes the schema (it runs `SET search_path = "X"`), so mixed-case names keep their case.
    Spaces are backslash-escaped: libpq splits `options` at unescaped spaces.
    """
    value = schema if re.fullmatch(r"[a-z_][a-z0-9_$]*", schema) else '"' + schema.replace('"', '""') + '"'
    # libpq splits `options` at unescaped whitespace and reads backslash escapes
    return "-c search_path=" + re.sub(r"([\\\s])", r"\\\1", value)


def search_path_from_options(options: str) -> tuple[str | None, str]:
    """(schema, remaining options) when `options` sets search_path with -c; else (None, options)."""
    m = re.search(r"(?:^|\s)(-c\s*|--)search_path=((?:\\.|[^\s\\])+)", options)
    if not m:
        return None, options
    value = re.sub(r"\\(.)", r"\1", m.group(2))
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('""', '"')
    rest = (options[: m.start()] + options[m.end() :]).strip()
    return value, rest


def merge_options(existing: str | None, addition: str) -> str:
    return addition if not existing else f"{existing} {addition}"
