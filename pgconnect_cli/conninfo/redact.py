"""The one place that masks secrets: in free text (server messages, exceptions, usage errors,
strings that did not parse) with `mask_text`/`scrub`, and the one gatherer of the secrets a
connection string holds (`url_secrets`), however it is read.

Parsed URLs are written out by `conninfo.build` (`masked_uri`), which puts `MASK` where
`model.is_secret_keyword` says and passes every other value through `mask_text`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from pgconnect_cli.conninfo.meant import split_as_meant
from pgconnect_cli.conninfo.model import is_secret_keyword
from pgconnect_cli.conninfo.parse import ParseError, parse, split_scheme
from pgconnect_cli.conninfo.percent import decode_lenient

MASK = "****"

# Where a URL's credentials start: `scheme://user:`. A scheme is short (postgresql+asyncpg):
# bounded, so a long word is not rescanned from each letter.
_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]{0,40}"
_URL_USER = re.compile(_SCHEME + r"://[^:/@\s]*:")
# Whatever a malformed string means, what follows `user:` before an `@` is a password: a scheme
# with the wrong slashes (`postgresql:/`, `postgresql:://`, `postgresql//`) ...
_BROKEN_URL_USER = re.compile(r"\b" + _SCHEME + r"(?::{1,2}/{0,3}|/{2,3})[^:/@\s]*:")
# ... or none at all: `user:password@host` at the start of a word.
_BARE_USER = re.compile(r"(?<![^\s\"'`(<=,;])[^\s:\"'`<>()=,;]*:(?=[^\s/:])")
# A user name that itself held `:` (`user=app@:secret@h` built back into a URL) shows it
# percent-encoded: what follows that `%3A` is a password too.
_URL_USER_ENCODED_COLON = re.compile(_SCHEME + r"://[^:/@\s]*?%3[Aa]")
# ... or raw, right after an `@` or `/` typed into the user name (`postgresql://app@:secret@h`)
_URL_USER_AT_COLON = re.compile(_SCHEME + r"://[^:\s]*[@/]:")
# A user name holding `@` (Azure's `admin@server`) or `/`: `postgresql://admin@server:secret@host/db`
# is user `admin`, host `server`, port `secret@host` to libpq, but the password is meant
_URL_USER_WITH_AT = re.compile(_SCHEME + r"://[^:\s]*[@/][^:\s]*:")
# ... and after a broken scheme (`postgresql:/app@:secret@h`, `postgresql//a/b:secret@h`): any
# user name, `@` and `/` included; a well-formed `scheme://` is the rules' above
_BROKEN_URL_ANY_USER = re.compile(r"\b" + _SCHEME + r"(?:::/{0,3}|:/(?!/)|:///|/{2,3})[^:\s]*:")


@dataclass(frozen=True)
class _Credentials:
    """A password starts after `user` and runs to the LAST '@' before `ends` (or a space)."""

    user: re.Pattern[str]
    ends: str
    at_space: bool = False  # a whitespace character ends it too
    empty: bool = True  # `user:@host` counts (an empty password, nothing to hide but harmless)


# In order: a well-formed URL, whose password runs to the last '@' before the authority ends (at
# `/`, `?`, `#` or the end of the line), spaces included, as a URL parser reads it; one whose
# password holds `/`, `?` or `#` unencoded (to the last '@' of the word); a broken scheme (to the
# last '@' of the line: an unencoded `/ ` too); a bare `user:password@host` (likewise).
_CREDENTIALS = (
    _Credentials(_URL_USER, "/?#\r\n"),
    _Credentials(_URL_USER, "", at_space=True),
    _Credentials(_BROKEN_URL_USER, "\r\n", empty=False),
    _Credentials(_BARE_USER, "\r\n", empty=False),
    _Credentials(_URL_USER_ENCODED_COLON, "/?#\r\n", empty=False),
    _Credentials(_URL_USER_AT_COLON, "\r\n", empty=False),
    _Credentials(_URL_USER_WITH_AT, "/?#\r\n", empty=False),
    _Credentials(_BROKEN_URL_ANY_USER, "\r\n", empty=False),
)


def _last_at(text: str, rule: _Credentials) -> list[int]:
    """For every position, the last '@' at or after it before the password would end (-1: none).
    Computed once per text, so a long text with many `user:` starts stays linear."""
    out = [-1] * (len(text) + 1)
    last = -1
    for i in range(len(text) - 1, -1, -1):
        c = text[i]
        if c in rule.ends or (rule.at_space and c.isspace()):
            last = -1
        elif c == "@" and last < 0:
            last = i
        out[i] = last
    return out


def _mask_credentials(text: str, rule: _Credentials) -> str:
    last_at: list[int] | None = None
    masked = [m.start() for m in re.finditer(re.escape(MASK + "@"), text)]
    out: list[str] = []
    done = pos = 0
    while (m := rule.user.search(text, pos)) is not None:
        pos = m.start() + 1
        if last_at is None:
            last_at = _last_at(text, rule)
        start, at = m.end(), last_at[m.end()]
        if at < start or (at == start and not rule.empty) or m.start() < done:
            continue
        first_masked = bisect.bisect_left(masked, start)
        if first_masked < len(masked) and masked[first_masked] < at + 1 - len(MASK):
            continue  # it would run across a masked password: masking twice changes nothing
        out.append(text[done:start] + MASK + "@")
        done = pos = at + 1
    out.append(text[done:])
    return "".join(out)


# A setting `key=value`; whether its value is masked is `model.is_secret_keyword`'s call, the
# predicate every URL renderer uses too. A key starts after anything but a name character, or `--`.
_KV_KEY = re.compile(r"(?:(?<=--)|(?<![\w.\-]))(?P<key>[A-Za-z_][\w.\-]*)[ \t]*=[ \t]*")
# in a URL query (`?key=` / `&key=`) a value ends at the next parameter or the fragment
_QUERY_VALUE = re.compile(r"[^&#\s]+")
# in a key=value string: a quoted value (to the end when the quote is never closed), or a word
_KV_VALUE = re.compile(r"'(?:[^'\\]|\\.)*(?:'|$)|\S+")


def _mask_settings(text: str) -> str:
    out: list[str] = []
    done = pos = 0
    while (m := _KV_KEY.search(text, pos)) is not None:
        pos = m.end()
        if not is_secret_keyword(m.group("key")):
            continue
        in_query = m.start() > 0 and text[m.start() - 1] in "?&"
        value = (_QUERY_VALUE if in_query else _KV_VALUE).match(text, pos)
        if value is None:
            continue
        out.append(text[done:pos] + MASK)
        done = pos = value.end()
    out.append(text[done:])
    return "".join(out)


def mask_text(text: str) -> str:
    """Mask passwords in any URL or key=value fragment inside `text`, however malformed: the one
    masking function behind every shown URL part, finding, usage error and pasted message."""
    if "@" in text:
        for rule in _CREDENTIALS:
            text = _mask_credentials(text, rule)
    return _mask_settings(text) if "=" in text else text  # a setting needs its `=`


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove known secret values (raw and percent-encoded) and mask URL credentials."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(secret) < 3:
            continue
        forms = {secret, quote(secret, safe="", errors="surrogateescape")}
        forms.add(quote(secret, safe="@:/?#", errors="surrogateescape"))
        for form in forms:
            text = text.replace(form, MASK)
    return mask_text(text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Text any stream can print: bytes that were not UTF-8 (kept as surrogates) become \\xNN."""
    return _SURROGATE.sub(_escape_surrogate, text)


def scrub_exception(exc: BaseException, secrets: Iterable[str | None] = ()) -> str:
    message = str(exc).strip().splitlines()
    first = message[0] if message else ""
    return f"{type(exc).__name__}: {scrub(first, secrets)}" if first else type(exc).__name__


# Every `name=value` in a query or key=value string (quoted or not); `is_secret_keyword` decides
_SETTING = re.compile(r"\b(\w+)\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s&]+)")


def _password_forms(password: str) -> set[str]:
    """The password raw and decoded, and the pieces libpq cuts it into at `/ ? # @ :` when unencoded
    (as libpq decodes them too: without the spaces around)."""
    out: set[str] = set()
    for form in (password, decode_lenient(password)):
        out.add(form)
        for piece in re.split(r"[/?#@:]", form):
            out.update((piece, piece.strip(" ")))
    return out


_AUTHORITY_END = re.compile(r"[/?#\r\n]")


def stray_secrets(raw: str) -> set[str]:
    """The password as the one masking rule reads a URL (everything after the user's `:` up to the
    LAST raw `@` before the authority ends), where no reading of the URL calls it a password:
    `postgresql://app@:secret@h /` is user `app`, host ``, port `secret@h ` to libpq (and the
    meant split refuses the host `h `), so the builder re-encodes the last `@` and the rule would
    find no end. Empty for every URL whose password a reading finds. Cheap: one scan."""
    if "@" not in raw or "://" not in raw:
        return set()
    scheme = split_scheme(raw[5:] if raw[:5].lower() == "jdbc:" else raw)
    if scheme is None:
        return set()
    rest = scheme[1]
    end = _AUTHORITY_END.search(rest)
    authority = rest if end is None else rest[: end.start()]
    userinfo = authority.rpartition("@")[0]
    if ":" not in userinfo:
        return set()
    password = userinfo.partition(":")[2]
    split = split_as_meant(raw[5:] if raw[:5].lower() == "jdbc:" else raw)
    if split is not None and split.raw_password == password:
        return set()  # the meant reading has it: masked as the password already
    return {s for s in _password_forms(password) if len(s) >= 3 and s != MASK}


def url_secrets(value: str) -> set[str]:
    """Every string in a connection string that is a secret or part of one, however it is read:
    the password as libpq reads it and as its author meant it (raw, decoded, and its pieces),
    the whole userinfo, and the values of secret settings (`password=`, `sslpassword=`, ADO.NET's
    `Password=…;`, …). For `scrub`: free text (an exception, a usage error) may quote any of them.
    The one gatherer: the URL lints, the CLI's error paths and the doctor all call it."""
    out: set[str] = set()
    body = value[5:] if value[:5].lower() == "jdbc:" else value
    split = split_as_meant(body)
    if split is not None:
        for userinfo in (split.userinfo, split.libpq_userinfo):
            if userinfo:
                out.update((userinfo, decode_lenient(userinfo)))
        for info in (split.userinfo, split.libpq_userinfo):
            if info and ":" in info:
                out |= _password_forms(info.split(":", 1)[1])
    out |= stray_secrets(value)
    for m in _SETTING.finditer(value):
        if is_secret_keyword(m.group(1)):
            setting = m.group(2).strip("'")
            out.update((setting, setting.split(";", 1)[0]))  # ADO.NET: Password=…;Next Key=…
    try:
        ci = parse(value)
    except ParseError:
        pass
    else:
        out.update(v for k, v in ci.options if is_secret_keyword(k))
    return {s for s in out if len(s) >= 3 and s != MASK}


def mask_unparsed(text: str, secrets: Iterable[str | None] = ()) -> str:
    """A printable form of a string that did not parse: everything before the host is masked."""
    body = text[5:] if text.lower().startswith("jdbc:") else text
    split = split_as_meant(body)
    if split is not None:
        shown = text[: len(text) - len(body)] + f"{split.scheme}://"
        if split.userinfo is not None or "@" in split.rest:
            rest = split.rest.rsplit("@", 1)[-1]
            shown += f"{MASK}@{rest}"
        else:
            shown += split.rest
        return scrub(shown, secrets)
    # Not even a URI: it may be anything, the password itself included. Show its size only.
    return unparseable_placeholder(text)


def unparseable_placeholder(text: str) -> str:
    """What is shown for input that is not a URI: never the text, which may be a password."""
    return f"<unparseable input, {len(text)} characters>"
