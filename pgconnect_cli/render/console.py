"""The rich consoles: created on first use, honouring NO_COLOR / --no-color, never markup."""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import Protocol

from rich.console import Console
from rich.text import Text


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


@cache
def _console(stderr: bool, file_id: int, no_color: bool) -> Console:
    return Console(
        file=sys.stderr if stderr else sys.stdout,
        no_color=no_color,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=True,
    )


def stdout() -> Console:
    # keyed on the current sys.stdout so CliRunner's swapped streams get their own console
    return _console(False, id(sys.stdout), _no_color())


def stderr() -> Console:
    return _console(True, id(sys.stderr), _no_color())


def symbols() -> dict[str, str]:
    """The status glyphs in brackets (`[✓]`), ASCII when the stream cannot encode them."""
    from pgconnect_cli.report import ASCII_GLYPHS, GLYPHS

    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    try:
        "".join(GLYPHS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return {k: f"[{v}]" for k, v in ASCII_GLYPHS.items()}
    return {k: f"[{v}]" for k, v in GLYPHS.items()}


class Lines(Protocol):
    """What the printers write to: a rich Console, or a `Batch` in front of one."""

    @property
    def width(self) -> int: ...

    def print(self, *objects: object) -> None: ...


class Batch:
    """Lines collected and written in one `print`: the consoles here never wrap (soft_wrap) and
    never read markup, so one joined Text prints exactly what a print per line would, without
    rich's per-call cost (a 100-target doctor report made 1,800 calls)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.width = console.width
        self._lines: list[Text] = []

    def print(self, *objects: object) -> None:
        line = Text(" ").join(o if isinstance(o, Text) else Text(str(o)) for o in objects)
        self._lines.append(line)

    def flush(self) -> None:
        if self._lines:
            self.console.print(Text("\n").join(self._lines))
            self._lines.clear()
