"""The rich consoles: created on first use, honouring NO_COLOR / --no-color, never markup."""

from __future__ import annotations

import os
import sys
from functools import cache

from rich.console import Console


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
    """Status glyphs with an ASCII fallback when the stream cannot encode them."""
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    try:
        "✓✗·".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return {"pass": "[OK]", "warn": "[!!]", "fail": "[XX]", "skip": "[--]", "info": "[i]"}
    return {"pass": "[✓]", "warn": "[!]", "fail": "[✗]", "skip": "[-]", "info": "[i]"}
