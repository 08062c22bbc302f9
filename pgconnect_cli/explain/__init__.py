"""Explain an error paste, a Prisma error code, a SQLSTATE or a finding id. Pure data and lookup.

`signatures` holds the data (codes, message signatures, context clues); `match` finds them in a
paste and ranks them: the primary error first, everything else as "also seen".
"""

from __future__ import annotations

from pgconnect_cli.explain.match import Explanation, Hit, check_command, explain, normalise
from pgconnect_cli.explain.signatures import CLUES, PRISMA, SIGNATURES, SQLSTATES, Clue, Known, Signature

__all__ = [
    "CLUES",
    "PRISMA",
    "SIGNATURES",
    "SQLSTATES",
    "Clue",
    "Explanation",
    "Hit",
    "Known",
    "Signature",
    "check_command",
    "explain",
    "normalise",
]
