"""GitHub-flavoured Markdown for any report made of sections (also the GitHub step summary)."""

from __future__ import annotations

from collections.abc import Sequence

from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.report import Section, Status, summary

_STATUS = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "–"}
_SEVERITY = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "ℹ"}


def _cell(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def tally(findings: Sequence[Finding]) -> str:
    counts = summary(findings)
    if not findings:
        return "no findings"
    parts = [_plural(counts["errors"], "error"), _plural(counts["warnings"], "warning")]
    return ", ".join(parts) + f", {counts['infos']} info"


def _finding(f: Finding) -> list[str]:
    lines = [f"- {_SEVERITY[f.severity]} **{f.id}** ({f.severity.value}): {_cell(f.title)}"]
    if f.detail:
        lines.append(f"  <br>{_cell(f.detail)}")
    if f.fix:
        lines.append(f"  <br>Fix: {_cell(f.fix)}")
    return lines


def render(sections: Sequence[Section], title: str) -> str:
    findings = [f for s in sections for f in s.findings]
    worst = (
        "✗"
        if any(f.severity is Severity.ERROR for f in findings)
        else ("!" if any(f.severity is Severity.WARNING for f in findings) else "✓")
    )
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
