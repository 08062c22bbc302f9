"""The one human finding printer, the one tally and the one set of status glyphs.

Every human report (url check, env check, doctor, env init's refusals) draws a finding the same
way: `[✗] id: title`, then its detail and `fix: …` indented under it, wrapped to the terminal.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.render.console import Lines, Text, symbols
from pgconnect_cli.report import SEVERITY_GLYPH, Status, ignored_note, plural, tally

__all__ = ["plural", "print_finding", "print_findings", "print_ignored", "tally"]

STATUS_STYLE = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "red", Status.SKIP: "dim"}
SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def clean(findings: Iterable[Finding]) -> bool:
    """No error and no warning that counts: the report says "no problems found"."""
    return not any(f.severity is not Severity.INFO and not f.ignored for f in findings)


def problem(f: Finding) -> bool:
    """An error or warning that counts: what `--quiet` still shows."""
    return f.severity is not Severity.INFO and not f.ignored


def print_ignored(console: Lines, findings: Iterable[Finding], *, indent: int = 0) -> None:
    """The dimmed line under the tally naming the ignored findings (nothing when there are none)."""
    note = ignored_note(findings)
    if note:
        console.print(Text(" " * indent + note, style="dim"))


def glyph(severity: Severity) -> str:
    return symbols()[SEVERITY_GLYPH[severity]]


def _wrapped(console: Lines, text: str, indent: int, *, first: str = "", style: str = "") -> None:
    width = max(console.width, indent + 40)
    lines = textwrap.wrap(
        first + text,
        width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + len(first)),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [" " * indent + first]
    for i, chunk in enumerate(lines):
        line = Text()
        if i == 0 and first:
            line.append(chunk[: indent + len(first)], style="bold")
            line.append(chunk[indent + len(first) :], style=style)
        else:
            line.append(chunk, style=style)
        console.print(line)


def print_finding(
    console: Lines, f: Finding, *, indent: int = 0, brief: bool = False, file: str = ""
) -> None:
    """`[✗] id: title (file:line)`, then detail and fix 4 columns in; `brief` prints the first
    line only; `(file:line)` when the finding is about a line of `file`. An ignored finding is
    not drawn here: `print_ignored` names it under the tally."""
    if f.ignored:
        return
    head = Text(" " * indent)
    head.append(glyph(f.severity), style=SEVERITY_STYLE[f.severity])
    head.append(" ")
    head.append(f.id, style="bold")
    head.append(f": {f.title}")
    if file and f.line is not None:
        head.append(f" ({file}:{f.line})")
    console.print(head)
    if brief:
        return
    if f.detail:
        _wrapped(console, f.detail, indent + 4)
    if f.fix:
        _wrapped(console, f.fix, indent + 4, first="fix: ")


def print_findings(
    console: Lines,
    findings: Sequence[Finding],
    *,
    indent: int = 0,
    brief_info: bool = False,
    ordered: bool = False,
    file: str = "",
) -> None:
    """Each finding with `print_finding`; `ordered` puts errors first; `brief_info` gives infos one line."""
    items = sorted(findings, key=lambda f: f.severity.rank, reverse=True) if ordered else list(findings)
    for f in items:
        brief = brief_info and f.severity is Severity.INFO
        print_finding(console, f, indent=indent, brief=brief, file=file)


def status_of(findings: Iterable[Finding]) -> Status:
    severities = {f.severity for f in findings if not f.ignored}
    if Severity.ERROR in severities:
        return Status.FAIL
    if Severity.WARNING in severities:
        return Status.WARN
    return Status.PASS
