"""GitHub-flavoured Markdown for any report made of sections (also the GitHub step summary)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.render.sanitize import escape_controls
from pgconnect_cli.report import GLYPHS, SEVERITY_GLYPH, Section, Status, ignored_note
from pgconnect_cli.report import tally as report_tally

_STATUS = {s: GLYPHS[s.value] for s in Status}
_SEVERITY = {s: GLYPHS[SEVERITY_GLYPH[s]] for s in Severity}


# Text from outside (a server's message, a file's key) must not become markup: HTML (`<!--`
# would hide the rest of the page, `</table>` break it, `<a>`/`<img>` link out), links and
# images (`[x](…)`, `![x](…)`), or table cells (`|`). Backticks stay: pgc's own texts quote
# commands with them.
_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "|": "\\|"})


def _cell(text: str) -> str:
    """One line of Markdown text that shows `text` as it is: markup escaped, controls shown."""
    return " ".join(escape_controls(text).replace("\\", "\\\\").translate(_MARKUP).split())


def _code(text: str) -> str:
    """`text` as an inline code span: no markup is read inside one; the fence is longer than any
    run of backticks in it."""
    text = " ".join(escape_controls(text).split())
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def tally(findings: Sequence[Finding]) -> str:
    """The one tally, then the ignored findings (`; 1 ignored: id`) when there are any."""
    note = ignored_note(findings)
    return report_tally(findings) + (f"; {note}" if note else "")


def _finding(f: Finding) -> list[str]:
    kind = f"{f.severity.value}, ignored" if f.ignored else f.severity.value
    lines = [f"- {_SEVERITY[f.severity]} **{f.id}** ({kind}): {_cell(f.title)}"]
    if f.detail:
        lines.append(f"  <br>{_cell(f.detail)}")
    if f.fix:
        lines.append(f"  <br>Fix: {_cell(f.fix)}")
    return lines


def render(sections: Sequence[Section], title: str) -> str:
    findings = [f for s in sections for f in s.findings]
    counted = [f for f in findings if not f.ignored]
    worst = GLYPHS["fail" if any(f.severity is Severity.ERROR for f in counted) else "pass"]
    if worst == GLYPHS["pass"] and any(f.severity is Severity.WARNING for f in counted):
        worst = GLYPHS["warn"]
    out = [f"### {worst} {_cell(title)}: {tally(findings)}", ""]
    for section in sections:
        out.append(f"#### {_cell(section.name)}")
        if section.url:
            out.append(_code(section.url))
        out.append("")
        if section.checks:
            out += ["| | Layer | Result |", "|---|---|---|"]
            out += [f"| {_STATUS[c.status]} | {c.layer} | {_cell(c.summary)} |" for c in section.checks]
            out.append("")
        for f in section.findings:
            out += _finding(f)
        if not section.findings:
            out.append("No findings.")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
