"""The one place that masks secrets in free text (server messages, exceptions, foreign URLs).

Parsed URLs are masked by `conninfo.build` (`ConnInfo.masked()`); this module handles text that
was never parsed: anything that may echo a URL or a key=value string, and known secret values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from pgconnect_cli.conninfo.build import MASK

# scheme://user:password@  — password runs to the LAST '@' before the host part, like a human reads it
_URL_CREDENTIALS = re.compile(r"(?P<prefix>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^\s]*)@")
# password=, sslpassword=, and the aliases people use (Password=, PWD=, passwd=, db_pass=, api_key=)
_KV_PASSWORD = re.compile(
    r"(?P<key>\b(?:\w*pass(?:word|wd|phrase)?|\w*pwd|\w*secret|api_?key|token)\s*=\s*)"
    r"(?P<val>'(?:[^'\\]|\\.)*'|\S+)",
    re.IGNORECASE,
)


def mask_text(text: str) -> str:
    """Mask passwords in any URL or key=value fragment inside `text`."""

    # the greedy password group runs to the token's last '@': what follows is the host part
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('prefix')}{MASK}@", text)
    return _KV_PASSWORD.sub(lambda m: f"{m.group('key')}{MASK}", text)


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
