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
from collections.abc import Callable
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
    that password is scrubbed from every string of the result in a second pass.

    Linear and cheap for a doctor report of 1,500 targets: each distinct string is cleaned once,
    and a container whose contents did not change is returned as it is (not rebuilt)."""
    stray: set[str] = set()
    clean = _Walker(_masked, stray).walk(value, 0)
    if stray:
        from pgconnect_cli.conninfo.redact import scrub

        clean = _Walker(lambda text: scrub(text, stray), None).walk(clean, 0)
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


_SCALARS = (int, float, bool, type(None))
_LEAVES = frozenset(_SCALARS)  # exact types returned as they are
_FIELDS: dict[type, tuple[str, ...]] = {}
_MISSING = object()


def _init_fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.init)
    return names


class _Walker:
    """One pass over a value: `clean` for each distinct string; parsed URLs' stray secrets into
    `stray` (None: not gathered)."""

    def __init__(self, clean: Callable[[str], str], stray: set[str] | None) -> None:
        self.clean = clean
        self.stray = stray
        self.memo: dict[str, str | None] = {}  # None: the string needs no change

    def text(self, value: str) -> str:
        try:
            got = self.memo[value]
        except KeyError:
            cleaned = self.clean(value)
            got = self.memo[value] = None if cleaned == value else cleaned
        # unchanged: this very object, so that the container around it is not rebuilt
        return value if got is None else got

    def walk(self, value: Any, depth: int) -> Any:
        kind = type(value)
        if kind is str:  # the common cases first, by exact type (a subclass takes the long way)
            return self.text(value)
        if kind in _LEAVES or depth > 40:
            return value
        if isinstance(value, str):
            return value if isinstance(value, Enum) else self.text(value)
        if isinstance(value, (_SCALARS, Enum)):
            return value
        if isinstance(value, tuple):
            items = tuple(self.walk(v, depth + 1) for v in value)
            if all(a is b for a, b in zip(items, value, strict=True)):
                return value
            if hasattr(value, "_fields"):  # a named tuple
                return kind(*items)
            return items
        if isinstance(value, list):
            walked = [self.walk(v, depth + 1) for v in value]
            return value if all(a is b for a, b in zip(walked, value, strict=True)) else walked
        if isinstance(value, dict):
            pairs = [(self.walk(k, depth + 1), self.walk(v, depth + 1), k, v) for k, v in value.items()]
            if all(a is k and b is v for a, b, k, v in pairs):
                return value
            return {a: b for a, b, _, _ in pairs}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self.dataclass(value, depth)
        return value

    def dataclass(self, value: Any, depth: int) -> Any:
        raw = getattr(value, "raw", None)
        if self.stray is not None and isinstance(raw, str) and type(value).__name__ == "ConnInfo":
            from pgconnect_cli.conninfo.redact import stray_secrets

            self.stray |= stray_secrets(raw)
        changes = {}
        for name in _init_fields(type(value)):
            before = getattr(value, name, _MISSING)
            if before is not _MISSING:
                after = self.walk(before, depth + 1)
                if after is not before:
                    changes[name] = after
        if not changes:
            return value
        try:
            return dataclasses.replace(value, **changes)
        except (TypeError, ValueError):  # a dataclass whose __post_init__ refuses: keep it
            return value
