"""TAB completion in bash without the command tree: subcommand and option names come from a
table generated from it (`completion_table.py`, written by `make completions`; a test keeps it
equal to what typer answers). Anything the table cannot answer exactly as typer would (a word
after an option or an argument, quoting, zsh/fish/powershell, whose help text typer renders for
the terminal's width) answers None and the caller asks typer.

This module imports nothing heavy: it runs before typer, click and rich are loaded.
"""

from __future__ import annotations

import os
import sys

_QUOTING = frozenset("\"'\\")


def _words() -> tuple[list[str], str] | None:
    """The completed words after `pgc` and the incomplete one, as typer's bash class reads them."""
    line = os.environ.get("COMP_WORDS", "")
    if _QUOTING & set(line):  # click splits with shlex: leave quoting to it
        return None
    words = line.split()
    try:
        cword = int(os.environ.get("COMP_CWORD", ""))
    except ValueError:
        return None
    if cword < 1:
        return None
    return words[1:cword], (words[cword] if cword < len(words) else "")


def answer() -> int | None:
    """Write the completions and return the exit status, or None (ask typer)."""
    if os.environ.get("_PGC_COMPLETE") != "complete_bash":
        return None
    read = _words()
    if read is None:
        return None
    args, incomplete = read
    if "=" in incomplete or any(not a or a[0] == "-" for a in args):
        return None
    from pgconnect_cli.completion_table import TABLE

    entry = TABLE.get(" ".join(args))
    if entry is None:
        return None
    subcommands, options = entry
    if incomplete[:1] == "-":
        names = options
    elif incomplete[:1].isalnum() or not incomplete:
        if subcommands is None:  # a command's arguments: their types complete them (typer)
            return None
        names = subcommands
    else:
        return None
    sys.stdout.write("\n".join(n for n in names if n.startswith(incomplete)) + "\n")
    return 0
