"""Invisible characters in a connection string: where they are, and the string without them.

A no-break space, a zero-width space or a byte-order mark copied from a web page, a chat or an
editor is part of the value to libpq (`invalid sslmode value: "require\\xa0"`, a host that does
not resolve, a password that does not match) while every terminal shows the string as correct.
Descriptions name the character and the part it sits in, never the text around it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pgconnect_cli.conninfo.meant import split_as_meant
from pgconnect_cli.conninfo.model import LIBPQ_KEYWORDS, PRISMA_ONLY_PARAMS, is_secret_keyword
from pgconnect_cli.conninfo.parse import split_scheme

_ASCII_SPACE = " \t\n\r\v\f"


def is_invisible(c: str) -> bool:
    """Format characters (zero-width, BOM, bidi marks), non-ASCII spaces and control characters."""
    if c in _ASCII_SPACE:
        return False
    category = unicodedata.category(c)
    return category in ("Cf", "Zs", "Zl", "Zp", "Cc")


@dataclass(frozen=True)
class Invisible:
    char: str
    where: str  # "at the end of the sslmode value", "in the password", …

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"

    @property
    def label(self) -> str:
        """`U+00A0 (no-break space)`."""
        name = _NAMES.get(self.char) or unicodedata.name(self.char, "").lower()
        return f"{self.code} ({name})" if name else self.code

    def describe(self) -> str:
        return f"{self.label} {self.where}"


_NAMES = {"\ufeff": "byte-order mark", "\u00ad": "soft hyphen"}


def _plain_ascii(text: str) -> bool:
    """No invisible character can be in `text`: printable ASCII has none (its one space is
    ASCII whitespace), the common case, decided in C instead of a category per character."""
    return text.isascii() and text.isprintable()


def strip_invisible(text: str) -> str:
    if _plain_ascii(text):
        return text
    return "".join(c for c in text if not is_invisible(c))


def find_invisible(text: str) -> list[Invisible]:
    """Every invisible character of `text` (surrounding ASCII whitespace aside), with its place."""
    text = text.strip(_ASCII_SPACE)
    if _plain_ascii(text):
        return []
    found: list[Invisible] = []
    visible = 0  # visible characters before the current position
    clean = strip_invisible(text)
    for c in text:
        if not is_invisible(c):
            visible += 1
            continue
        found.append(Invisible(c, _where(clean, visible)))
    return found


def _where(clean: str, position: int) -> str:
    """Where a character that stood before `clean[position]` was."""
    if position == 0:
        return "at the start of the string"
    part = _part(clean, position - 1)
    if position == len(clean):
        return f"at the end of the {part}"
    if _part(clean, position) != part:
        return f"at the end of the {part}"
    return f"in the {part}"


def _part(clean: str, i: int) -> str:
    """The part of the connection string that `clean[i]` belongs to, named without its content."""
    offset = 5 if clean[:5].lower() == "jdbc:" else 0
    scheme = split_scheme(clean[offset:])
    if scheme is None:
        return _keyvalue_part(clean, i)
    head = offset + len(clean[offset:]) - len(scheme[1])
    if i < head:
        return "scheme"
    return _uri_part(clean[head:], i - head)


def _uri_part(rest: str, i: int) -> str:
    split = split_as_meant("postgresql://" + rest)
    start = 0
    if split is not None and split.userinfo is not None:
        at = len(split.userinfo)
        if i < at:
            colon = split.userinfo.find(":")
            return "user name" if colon < 0 or i < colon else "password"
        if i == at:
            return "user name and password"
        start = at + 1
    cut = len(rest)
    for j in range(start, len(rest)):
        if rest[j] in "/?":
            cut = j
            break
    if i < cut:
        colon = rest.rfind(":", start, i + 1)
        comma = rest.rfind(",", start, i + 1)
        return "port" if colon > comma else "host"
    q = rest.find("?", cut)
    if q < 0 or i < q:
        return "database name"
    return _pair_part(rest, q + 1, i, "&")


def _pair_part(text: str, start: int, i: int, separator: str) -> str:
    pos = start
    for pair in text[start:].split(separator):
        end = pos + len(pair)
        if i <= end:
            key, eq, _ = pair.partition("=")
            if not eq or i < pos + len(key):
                return "name of a parameter"
            return _value_of(key.strip())
        pos = end + 1
    return "query string"


def _value_of(key: str) -> str:
    if key == "password" or is_secret_keyword(key):
        return "password"
    if key in LIBPQ_KEYWORDS or key in PRISMA_ONLY_PARAMS:
        return f"{key} value"
    return "value of a parameter"


_KV_SETTING = re.compile(r"([^\s=]*)\s*=\s*('(?:[^'\\]|\\.)*'?|\S*)")


def _keyvalue_part(clean: str, i: int) -> str:
    for m in _KV_SETTING.finditer(clean):
        if m.start() <= i < m.end():
            return "name of a setting" if i < m.end(1) else _value_of(m.group(1))
    return "string"
