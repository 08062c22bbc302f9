"""The parser against libpq itself (psycopg's `conninfo_to_dict` is `PQconninfoParse`).

Generated strings are biased towards what breaks URL parsers: reserved characters, percent
escapes (valid, truncated, %00), brackets, commas, empty parts, stray `?&=` and spaces.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from pgconnect_cli.conninfo import ConnInfo, ParseError, parse, to_keyvalue, to_uri

SETTINGS = settings(
    max_examples=600,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_atoms = [
    *"abXZ09-._~",
    *"@:/?#[]%&=,",
    " ",
    "\t",
    "'",
    "\\",
    "%20",
    "%40",
    "%2F",
    "%3A",
    "%25",
    "%4",
    "%zz",
    "%00",
]
_atoms += ["%e2%82%ac", "é", "+"]
piece = st.lists(st.sampled_from(_atoms), max_size=6).map("".join)

_keys = [
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "ssl",
    "requiressl",
    "application_name",
    "options",
    "schema",
    "pgbouncer",
    "connectTimeout",
    "connect_timeout",
    "service",
    "",
    " sslmode",
    "sslmode ",
    "target_session_attrs",
    "sslrootcert",
    "hostaddr",
]
_values = ["true", "false", "1", "0", "require", "disable", "", " x ", "a b"]
key = st.sampled_from(_keys) | piece
value = st.sampled_from(_values) | piece
param = st.builds(lambda k, sep, v: k + sep + v, key, st.sampled_from(["=", "=", "=", "", "=="]), value)
query = st.lists(param, max_size=4).map("&".join)

hostname = (
    st.sampled_from(["h", "localhost", "db.example.com", "127.0.0.1", "", "%2Ftmp", "/tmp", " h "]) | piece
)
ipv6 = st.sampled_from(["[::1]", "[fe80::1%25eth0]", "[]", "[::1", "[::1]x", "[2001:db8::1]"])
port = st.sampled_from(["", ":", ":5432", ":abc", ":1:2", ": 5432"]) | piece.map(lambda p: ":" + p)
hostport = st.builds(lambda h, p: h + p, hostname | ipv6, port)
hosts = st.lists(hostport, min_size=1, max_size=3).map(",".join)
userinfo = st.none() | st.builds(
    lambda u, p: u + ("" if p is None else ":" + p) + "@", piece, st.none() | piece
)
path = st.sampled_from(["", "/", "/db"]) | piece.map(lambda p: "/" + p)
qpart = st.sampled_from(["", "?"]) | query.map(lambda q: "?" + q)
uri = st.builds(
    lambda scheme, ui, h, pth, q: scheme + (ui or "") + h + pth + q,
    st.sampled_from(["postgresql://", "postgres://"]),
    userinfo,
    hosts,
    path,
    qpart,
)
free_uri = st.builds(
    lambda t: "postgresql://" + t, st.lists(st.sampled_from(_atoms), max_size=12).map("".join)
)

_good_keys = st.sampled_from([k for k in _keys if k.strip() == k and k not in ("", "schema", "pgbouncer")])
bare = st.lists(st.sampled_from([a for a in _atoms if a not in (" ", "\t", "'")]), max_size=6).map("".join)
kv_value = st.one_of(
    bare,
    bare,
    piece,
    piece.map(lambda v: "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"),
    piece.map(lambda v: "'" + v),
)
kv_pair = st.builds(
    lambda k, a, sep, b, v: k + a + sep + b + v,
    st.one_of(_good_keys, _good_keys, _good_keys, key),
    st.sampled_from(["", " "]),
    st.sampled_from(["=", "=", "=", "=", ""]),
    st.sampled_from(["", " ", "\t"]),
    kv_value,
)
keyvalue = st.lists(kv_pair, max_size=4).map(" ".join)


def _libpq(s: str) -> dict[str, str] | None:
    try:
        return conninfo_to_dict(s)
    except psycopg.ProgrammingError:
        return None
    except UnicodeDecodeError:  # psycopg decodes values strictly; nothing to compare
        assume(False)
        raise


def _agrees_with_libpq(s: str) -> None:
    expected = _libpq(s)
    try:
        ours = parse(s)
    except ParseError:
        assert expected is None, f"libpq accepts {s!r} as {expected}"
        return
    if expected is None:
        # libpq rejects: we may keep unknown keywords on purpose, but nothing else
        assert ours.libpq_rejects() is not None, f"libpq rejects {s!r}; we parsed {ours.options}"
    else:
        assert ours.libpq_rejects() is None
        assert ours.libpq_dict() == expected


@SETTINGS
@given(uri)
@example("postgresql://u:p@ss@h/db")
@example("postgresql://u:p/ss@h/db")
@example("postgresql://h/db?sslmode=disable&requiressl=1&sslmode=allow")
@example("postgresql://h/db?ssl=false&ssl=true")
@example("postgresql://h/db?application_name= %20 x")
@example("postgresql:// h /db")
def test_uri_parse_matches_libpq(s: str) -> None:
    _agrees_with_libpq(s)


@SETTINGS
@given(free_uri)
def test_arbitrary_text_after_the_scheme_parses_like_libpq(s: str) -> None:
    _agrees_with_libpq(s)


@SETTINGS
@given(keyvalue)
@example("host=h ssl=true")
@example("a='x'b=c")
@example("host='h")
def test_keyvalue_parse_matches_libpq(s: str) -> None:
    _agrees_with_libpq(s)


# Two in three generated strings are ones libpq rejects and are skipped here: fewer examples.
ROUNDTRIP = settings(SETTINGS, max_examples=150)


def _roundtrip(s: str, render: Callable[[ConnInfo], str]) -> None:
    expected = _libpq(s)
    assume(expected is not None)
    again = render(parse(s))
    assert _same_settings(conninfo_to_dict(again), expected), again


def _same_settings(a: dict[str, str], b: dict[str, str]) -> bool:
    """Equal, except that a port list of empty items (",") means the same as no port at all."""

    def norm(d: dict[str, str]) -> dict[str, str]:
        port = d.get("port")
        return {k: v for k, v in d.items() if not (k == "port" and port and not port.strip(","))}

    return norm(a) == norm(b)


@ROUNDTRIP
@given(uri | keyvalue)
def test_to_uri_reads_back_as_the_same_settings_in_libpq(s: str) -> None:
    _roundtrip(s, to_uri)


@ROUNDTRIP
@given(uri | keyvalue)
def test_to_keyvalue_reads_back_as_the_same_settings_in_libpq(s: str) -> None:
    _roundtrip(s, to_keyvalue)
