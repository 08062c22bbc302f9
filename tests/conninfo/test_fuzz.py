"""Fuzzing every parser in conninfo: nothing raises but the documented ParseError, and whatever a
malformed string means, its password shows up in nothing derived for display."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgconnect_cli.checks.url import Context, check_url
from pgconnect_cli.conninfo import ParseError, masked_uri, parse, to_env, to_keyvalue
from pgconnect_cli.conninfo.convert import Target, clean_for_libpq, convert
from pgconnect_cli.conninfo.fix import apply_param_fixes, fix, from_adonet
from pgconnect_cli.conninfo.invisible import find_invisible
from pgconnect_cli.conninfo.meant import read_as_meant, split_as_meant
from pgconnect_cli.conninfo.model import ConnInfo
from pgconnect_cli.conninfo.params import suggest
from pgconnect_cli.conninfo.redact import mask_text, mask_unparsed, url_secrets
from pgconnect_cli.render import url_human, url_json

FUZZ = settings(
    max_examples=120, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- no exception but ParseError --------------------------------------------------------------------

_ATOMS = [
    *"@:/?#[]%&=,;' \"\\+-.\t",
    *["%20", "%zz", "%00", "%4", "é", "\u00a0", "\u200b", "[::1]", ":6543", "ep-x-pooler.neon.tech"],
    *["password=", "user=", "host=", "sslmode=", "schema=", "Server=", "Password=", "ssl=", "options="],
]
_SCHEMES = [
    "postgresql://",
    "postgres://",
    "postgresql:",
    "postgresql:/",
    "postgresql//",
    "jdbc:",
    "",
    "x://",
]
url_like = st.builds(
    lambda s, parts: s + "".join(parts),
    st.sampled_from(_SCHEMES),
    st.lists(st.sampled_from(_ATOMS), max_size=14),
)
anything = url_like | st.text(max_size=60)


def _parsed(text: str) -> ConnInfo | None:
    try:
        return parse(text)
    except ParseError:
        return None


PARSERS: dict[str, Callable[[str], object]] = {
    "parse": parse,
    "read_as_meant": read_as_meant,
    "fix": fix,
    "split_as_meant": split_as_meant,
    "from_adonet": from_adonet,
    "find_invisible": find_invisible,
    "suggest": suggest,
    "mask_text": mask_text,
    "mask_unparsed": mask_unparsed,
    "url_secrets": url_secrets,
}


@pytest.mark.parametrize("name", PARSERS)
@FUZZ
@given(text=anything)
def test_a_conninfo_parser_raises_nothing_but_parse_error(name: str, text: str) -> None:
    try:
        PARSERS[name](text)
    except ParseError as exc:
        assert exc.part and exc.message


@FUZZ
@given(text=anything)
def test_every_conversion_of_a_parsed_string_raises_nothing(text: str) -> None:
    ci = _parsed(text)
    if ci is None:
        return
    apply_param_fixes(ci)
    clean_for_libpq(ci, pooled=True)
    for target in Target:
        convert(ci, target, transaction_pooler=True)


@FUZZ
@given(text=anything)
def test_the_url_check_raises_nothing(text: str) -> None:
    for context in Context:
        check_url(text, context=context)


# --- no password echo ------------------------------------------------------------------------------

# The password opens with a distinctive core; the rest may hold any character but a line break.
CORE = "Qz7Kw9Xv"
_TAIL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=12
)
_SHAPES = [
    "postgresql://app:{pw}@db.example.com/app",
    "postgresql:://app:{pw}@db.example.com/app",
    "postgresql:/app:{pw}@db.example.com/app",
    "postgresql//app:{pw}@db.example.com/app",
    "postgresql://app:{pw}/ x@db.example.com/app",
    "postgres://app:{pw}@db.example.com:5432/app?sslmode=require",
    "jdbc:postgresql://app:{pw}@db.example.com/app",
    "postgresql+asyncpg://app:{pw}@db.example.com/app",
    "app:{pw}@db.example.com/app",
    "postgresql://app@db.example.com&password={pw}",
    "postgresql://app@db.example.com:5432&password={pw}/app",
    "postgresql://app@db.example.com/app?password={pw}",
    "postgresql://app@db.example.com/app;password={pw}",
    "user= password={pw} host=db.example.com",
    "user=app password={pw} host=db.example.com",
    "host=db.example.com password='{pw}'",
    "Server=db.example.com;User Id=app;Password={pw};Database=app",
    "DATABASE_URL=postgresql://app:{pw}@db.example.com/app",
]


def _shown(text: str) -> Iterator[str]:
    """Everything pgc derives from `text` for a person or a machine to read."""
    yield mask_text(text)
    yield mask_unparsed(text, url_secrets(text))
    for context in Context:
        check = check_url(text, context=context)
        yield check.url
        for f in check.findings:
            yield from (f.title, f.detail, f.fix or "")
        yield url_json.render(check)
        if check.conninfo is not None:
            yield from (
                label + value for label, value in url_human.parts(check.conninfo, check.classification)
            )
    try:
        repaired = fix(text)
    except ParseError as exc:
        yield exc.message
    else:
        yield from repaired.changes
        yield from repaired.remaining
    for parser in (parse, read_as_meant):
        try:
            result = parser(text)
        except ParseError as exc:
            yield exc.message
            continue
        ci = result if isinstance(result, ConnInfo) else result.conninfo
        yield masked_uri(ci)
        yield to_keyvalue(ci, mask=True)
        yield from to_env(ci, mask=True).values()
        for target in Target:
            yield from convert(ci, target).notes
    yield from (i.describe() for i in find_invisible(text))


@settings(FUZZ, max_examples=200)
@given(shape=st.sampled_from(_SHAPES), tail=_TAIL)
def test_a_password_is_in_nothing_derived_for_display(shape: str, tail: str) -> None:
    password = CORE + tail
    text = shape.format(pw=password)
    for shown in _shown(text):
        assert CORE not in shown, (text, shown)
        assert quote(password, safe="") not in shown


@pytest.mark.parametrize(
    "text",
    [
        "postgresql:://u:Qz7Kw9Xv@h/db",
        "postgresql:/u:Qz7Kw9Xv@h/db",
        "postgresql//u:Qz7Kw9Xv@h/db",
        "postgresql://u:Qz7 Kw9Xv/x@h/db",
    ],
)
def test_a_broken_scheme_or_an_unencoded_slash_and_space_still_masks_the_password(text: str) -> None:
    assert mask_text(text).count("****") == 1
    assert "Kw9Xv" not in mask_text(text)


def test_a_key_value_password_read_as_the_user_name_is_masked() -> None:
    check = check_url("user= password=Qz7Kw9Xv host=h")
    assert check.conninfo is not None and check.conninfo.user == "password=Qz7Kw9Xv"  # as libpq reads it
    assert check.url == "postgresql://password%3D****@h"


def test_a_password_setting_read_as_part_of_the_host_is_masked() -> None:
    check = check_url("postgresql://u@h&password=Qz7Kw9Xv")
    assert check.url == "postgresql://u@h%26password%3D****"


@pytest.mark.parametrize(
    "text", ["postgresql:://u:Qz7Kw9Xv@h/db", "see postgresql://u:pw@h/db?application_name=me@laptop"]
)
def test_masking_twice_changes_nothing(text: str) -> None:
    assert mask_text(mask_text(text)) == mask_text(text)


def test_masking_stays_linear_on_many_credential_starts_without_an_at_sign() -> None:
    text = "x://u:" * 20_000 + "p" + " x:u:" * 20_000
    assert mask_text(text) == text


def test_printable_ascii_holds_no_invisible_character_so_the_short_cut_finds_what_the_scan_finds() -> None:
    """find_invisible and strip_invisible skip the per-character scan for printable ASCII: sound
    only while no such character is invisible."""
    from pgconnect_cli.conninfo.invisible import find_invisible, is_invisible, strip_invisible

    printable = [chr(c) for c in range(128) if chr(c).isprintable()]
    assert [c for c in printable if is_invisible(c)] == []
    assert find_invisible("".join(printable)) == []
    assert strip_invisible("a\u200bb") == "ab" and [i.code for i in find_invisible("a\u00a0b")] == ["U+00A0"]
