"""The one place that masks secrets in free text (server messages, exceptions, foreign URLs).

Parsed URLs are masked by `conninfo.build` (`ConnInfo.masked()`); this module handles text that
was never parsed: anything that may echo a URL or a key=value string, and known secret values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from pgconnect_cli.conninfo.build import MASK
from pgconnect_cli.conninfo.model import is_secret_keyword

# A scheme is short (postgresql+asyncpg): bounded, a long word is not rescanned from each letter.
_SCHEME_USER = r"(?P<prefix>[A-Za-z][A-Za-z0-9+.\-]{0,40}://[^:/@\s]*:)"
# scheme://user:password@host — the password runs to the LAST '@' before the authority ends (at
# `/`, `?`, `#` or the end of the line), like a URL parser reads it: spaces included.
_URL_CREDENTIALS = re.compile(_SCHEME_USER + r"(?P<pw>[^/?#\r\n]*)@")
# ... and a password holding `/`, `?` or `#` unencoded: to the last '@' of the whitespace-free token.
_URL_CREDENTIALS_TOKEN = re.compile(_SCHEME_USER + r"(?P<pw>\S*)@")
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


def _masked_credentials(m: re.Match[str]) -> str:
    return f"{m.group('prefix')}{MASK}@"


def mask_text(text: str) -> str:
    """Mask passwords in any URL or key=value fragment inside `text`."""
    text = _URL_CREDENTIALS.sub(_masked_credentials, text)
    text = _URL_CREDENTIALS_TOKEN.sub(_masked_credentials, text)
    return _mask_settings(text)


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


def url_secrets(value: str) -> set[str]:
    """Every string in a connection URL that is a secret or part of one, however the URL is read:
    the password as libpq reads it and as its author meant it (raw, decoded, and the pieces libpq
    cuts it into at `/ ? # @ :` when it is not encoded), and the values of secret settings.
    For `scrub`: free text (an exception) may quote any of them."""
    from pgconnect_cli.conninfo.fix import decode_lenient, split_as_meant
    from pgconnect_cli.conninfo.parse import ParseError, parse

    out: set[str] = set()
    split = split_as_meant(value)
    if split is not None and split.raw_password:
        for password in (split.raw_password, decode_lenient(split.raw_password)):
            out.add(password)
            out.update(re.split(r"[/?#@:]", password))
    try:
        ci = parse(value)
    except ParseError:
        pass
    else:
        out.update(v for k, v in ci.options if k == "password" or is_secret_keyword(k))
    return {s for s in out if len(s) >= 3}
