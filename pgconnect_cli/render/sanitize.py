"""The one sanitizer of text pgc did not write: control characters are shown, never obeyed.

Server-controlled strings (ErrorResponse fields, ParameterStatus values, certificate names) and
anything else that reaches a report pass `sanitize()` in `render.emit` before any renderer runs;
one-line messages on stderr pass `escape_controls()` at the CLI edge. A terminal then never sees
an escape sequence from the network (clear screen, OSC window titles and links, `ESC[6n`, which
makes the terminal type into stdin), and JSON never carries a raw C1 control (U+009B is CSI).

Escaped: C0 (U+0000–U+001F, newline and tab too), DEL, C1 (U+0080–U+009F), the bidirectional
overrides and isolates (which reorder what is shown), U+2028/U+2029 (line breaks for some
readers), U+FFFE/U+FFFF (not characters; invalid XML), and lone surrogates (bytes that were not
UTF-8). `\\n` and `\\t` read as such; everything else as `\\xNN` or `\\uNNNN`. One string shows
at most MAX_TEXT characters (a server's 1 MB error message is cut, saying how much).
"""

from __future__ import annotations

import dataclasses
import re
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufffe\uffff\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(m: re.Match[str]) -> str:
    char = m.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every control character shown escaped: safe on a terminal, in one line."""
    return _UNSAFE.sub(_escape, text)


def is_clean(text: str) -> bool:
    return _UNSAFE.search(text) is None


def sanitize(value: T) -> T:
    """`value` with every string in it escaped, however deep: strings, tuples, lists, dicts and
    dataclasses (rebuilt with `dataclasses.replace`); anything else is returned as it is.

    Every string passes the one masking rule too; and where a parsed connection string holds a
    password that no reading of it calls one (`redact.stray_secrets`: libpq put it in the port),
    that password is scrubbed from every string of the result in a second pass."""
    stray: set[str] = set()
    clean = _walk(value, 0, stray)
    if stray:
        from pgconnect_cli.conninfo.redact import scrub

        clean = _walk(clean, 0, None, lambda text: scrub(text, stray))
    return clean  # type: ignore[no-any-return]


# The most of one string a report shows: a server can send a 1 MB error message (libpq takes
# one after the login), and every format would repeat it. Cut after masking and escaping, so the
# bound holds for what is printed and no half of a password is ever shown.
MAX_TEXT = 8192


def bounded(text: str) -> str:
    """`text`, or its first MAX_TEXT characters and how many more there were."""
    if len(text) <= MAX_TEXT:
        return text
    cut = text[:MAX_TEXT]
    escape = cut.rfind("\\", MAX_TEXT - 6)  # never half of an escape such as \u202e
    if escape >= 0:
        cut = cut[:escape]
    return f"{cut}… ({len(text) - len(cut):,} more characters)"


def _masked(text: str) -> str:
    # the last guard of the one masking rule: a password that some finding quoted inside a
    # misread user name, host or database never reaches a renderer
    from pgconnect_cli.conninfo.redact import mask_text

    return bounded(escape_controls(mask_text(text)))


def _walk(value: Any, depth: int, stray: set[str] | None, clean: Any = _masked) -> Any:
    if depth > 40:
        return value
    if isinstance(value, str):
        if isinstance(value, Enum):
            return value
        return clean(value)
    if isinstance(value, (int, float, bool, Enum)) or value is None:
        return value
    if isinstance(value, tuple):
        items = tuple(_walk(v, depth + 1, stray, clean) for v in value)
        if hasattr(value, "_fields"):  # a named tuple
            return type(value)(*items)
        return items
    if isinstance(value, list):
        return [_walk(v, depth + 1, stray, clean) for v in value]
    if isinstance(value, dict):
        return {
            _walk(k, depth + 1, stray, clean): _walk(v, depth + 1, stray, clean) for k, v in value.items()
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        raw = getattr(value, "raw", None)
        if stray is not None and isinstance(raw, str) and type(value).__name__ == "ConnInfo":
            from pgconnect_cli.conninfo.redact import stray_secrets

            stray |= stray_secrets(raw)
        changes = {
            f.name: _walk(getattr(value, f.name), depth + 1, stray, clean)
            for f in dataclasses.fields(value)
            if f.init and hasattr(value, f.name)
        }
        try:
            return dataclasses.replace(value, **changes)
        except (TypeError, ValueError):  # a dataclass whose __post_init__ refuses: keep it
            return value
    return value
