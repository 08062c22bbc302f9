"""The consoles the human printers write to, and the styled `Text` they write.

A report for a terminal goes through rich: colours, bold and dim (NO_COLOR / --no-color keep bold
and dim, as rich does). A report for anything else (a pipe, a file, a CI log) carries no escape
code at all, so `Plain` writes it without loading rich (about a quarter of a `pgc url check`):
the very text rich would write. Rich strips five control codes from text (BEL, BS, VT, FF, CR);
so does `Plain`. A line with a tab, which rich expands by cell width, is handed to rich. Whether
a stream is a terminal follows rich's rules (TTY_COMPATIBLE, FORCE_COLOR, then isatty), and so
does the width (COLUMNS, then the size of the first standard stream that is a terminal, else 80).
`tests/render/test_plain_console.py` holds the two writers to the same bytes.

The consoles never wrap (the printers wrap with textwrap) and never read markup.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
from collections.abc import Iterable
from functools import cache
from typing import IO, Protocol

__all__ = ["Batch", "Lines", "Plain", "Text", "stderr", "stdout", "symbols"]

# rich.control.STRIP_CONTROL_CODES: bell, backspace, vertical tab, form feed, carriage return
_STRIPPED = dict.fromkeys((7, 8, 11, 12, 13))

# What the reports' own punctuation becomes on a stream that cannot encode it (an ASCII or
# Latin-1 stdout: PYTHONIOENCODING, a legacy locale); any other such character is escaped
_PLAINER = {
    "·": "-", "→": "->", "←": "<-", "…": "...", "—": "-", "–": "-", "×": "x", "÷": "/",
    "≤": "<=", "≥": ">=", "≈": "~", "“": '"', "”": '"', "‘": "'", "’": "'", "•": "*",
    "✓": "ok", "✗": "x", "⚠": "!",
}  # fmt: skip


def _plainer(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler `pgc-plainer`: each character the stream cannot encode becomes
    its ASCII stand-in, else its backslash escape (character by character: where a text is cut
    into styled runs does not change what is written)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if char in _PLAINER:
            out.append(_PLAINER[char])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        else:
            out.append(
                f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
            )
    return "".join(out), error.end


codecs.register_error("pgc-plainer", _plainer)


def encodable(text: str, file: object) -> str:
    """`text` as `file` can encode it: unchanged where it can (a UTF-8 stream, the common case);
    else with the characters it cannot encode in ASCII (`pgc-plainer`): never an encoding error."""
    encoding = getattr(file, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "pgc-plainer").decode(encoding)
    except LookupError:  # an encoding Python does not know: the stream says what it does
        pass
    return text


class Text:
    """Text in styled runs (`"bold"`, `"dim"`, `"red"` …): the part of rich's Text the printers
    use, without importing rich. `str()` is the text without styles."""

    __slots__ = ("spans",)

    def __init__(self, text: str = "", style: str = "") -> None:
        self.spans: list[tuple[str, str]] = [(text, style)] if text else []

    def append(self, text: str, style: str = "") -> Text:
        if text:
            self.spans.append((text, style))
        return self

    def join(self, items: Iterable[Text | str]) -> Text:
        """`items` with this text between each two, as rich's `Text.join`."""
        out = Text()
        for i, item in enumerate(items):
            if i:
                out.spans += self.spans
            out.spans += item.spans if isinstance(item, Text) else [(str(item), "")] if item else []
        return out

    def __str__(self) -> str:
        return "".join(text for text, _ in self.spans)

    def __rich__(self) -> object:
        """The same text as a rich Text (a rich Console prints this object as its text)."""
        from rich.text import Text as RichText

        out = RichText()
        for text, style in self.spans:
            out.append(text, style=style or None)
        return out


class Lines(Protocol):
    """What the printers write to: a console here, or a `Batch` in front of one."""

    @property
    def width(self) -> int: ...

    def print(self, *objects: object) -> None: ...


def _terminal(file: IO[str]) -> bool:
    """rich's `Console.is_terminal` for a console given only `file`."""
    environ = os.environ
    compatible = environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    isatty = getattr(file, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False


def _width() -> int:
    """rich's `Console.width` off a terminal: COLUMNS, else the first standard stream's size."""
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)  # 0 too, as rich (the printers keep a minimum)
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80


class Plain:
    """A console for a stream that is not a terminal: what rich would write there (no escape
    codes), written without rich."""

    def __init__(self, file: IO[str]) -> None:
        self.file = file
        self.width = _width()

    def print(self, *objects: object, end: str = "\n") -> None:
        line = " ".join(str(o) for o in objects)
        if "\t" in line:  # tabs expand to rich's cell-width tab stops: rich draws this one
            _rich_console(self.file, True).print(*(_encodable_object(o, self.file) for o in objects), end=end)
            return
        self.file.write(encodable(line.translate(_STRIPPED), self.file) + end)
        self.file.flush()

    def status(self, message: str) -> contextlib.AbstractContextManager[object]:
        """No spinner off a terminal."""
        return contextlib.nullcontext()


class Rich:
    """A console for a terminal: rich, with the printers' `Text` converted as it is printed."""

    def __init__(self, file: IO[str], no_color: bool) -> None:
        self.console = _rich_console(file, no_color)

    @property
    def width(self) -> int:
        return int(self.console.width)

    def print(self, *objects: object, end: str = "\n") -> None:
        file = self.console.file
        self.console.print(*(_encodable_object(o, file) for o in objects), end=end)

    def status(self, message: str) -> contextlib.AbstractContextManager[object]:
        """rich's spinner with `message` while the block runs."""
        return self.console.status(message)  # type: ignore[no-any-return]


def _encodable_object(value: object, file: object) -> object:
    if isinstance(value, Text):
        out = Text()
        out.spans = [(encodable(text, file), style) for text, style in value.spans]
        return out
    return encodable(value, file) if isinstance(value, str) else value


def _rich_console(file: IO[str], no_color: bool):  # type: ignore[no-untyped-def]  # rich loads late
    from rich.console import Console

    return Console(file=file, no_color=no_color, highlight=False, emoji=False, markup=False, soft_wrap=True)


@cache
def _console(stderr: bool, file_id: int, no_color: bool, terminal: bool) -> Plain | Rich:
    file = sys.stderr if stderr else sys.stdout
    return Rich(file, no_color) if terminal else Plain(file)


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def stdout() -> Plain | Rich:
    # keyed on the current sys.stdout so CliRunner's swapped streams get their own console
    return _console(False, id(sys.stdout), _no_color(), _terminal(sys.stdout))


def stderr() -> Plain | Rich:
    return _console(True, id(sys.stderr), _no_color(), _terminal(sys.stderr))


def symbols() -> dict[str, str]:
    """The status glyphs in brackets (`[✓]`), ASCII when the stream cannot encode them."""
    from pgconnect_cli.report import ASCII_GLYPHS, GLYPHS

    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    try:
        "".join(GLYPHS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return {k: f"[{v}]" for k, v in ASCII_GLYPHS.items()}
    return {k: f"[{v}]" for k, v in GLYPHS.items()}


class Batch:
    """Lines collected and written in one `print`: the consoles never wrap and never read
    markup, so one joined Text prints exactly what a print per line would, with one call (a
    100-target doctor report made 1,800 calls into rich)."""

    def __init__(self, console: Lines) -> None:
        self.console = console
        self.width = console.width
        self._lines: list[Text] = []

    def print(self, *objects: object) -> None:
        self._lines.append(Text(" ").join(o if isinstance(o, Text) else Text(str(o)) for o in objects))

    def flush(self) -> None:
        if self._lines:
            self.console.print(Text("\n").join(self._lines))
            self._lines.clear()
