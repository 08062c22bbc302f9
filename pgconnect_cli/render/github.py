"""GitHub Actions workflow commands: one annotation per finding, and the job's step summary.

Annotations are escaped like @actions/core does; GitHub shows at most 10 errors and 10 warnings
per step, so after 10 of a kind one notice says how many more there are. Passwords never reach
this renderer (reports hold masked URLs only), so no `::add-mask::` is needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.render import markdown
from pgconnect_cli.render.sanitize import escape_controls
from pgconnect_cli.report import Section

MAX_PER_KIND = 10
SUMMARY_LIMIT = 1024 * 1024  # GitHub refuses larger step summaries
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF encoded (the runner decodes them)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,`, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _where(section: Section, f: Finding) -> str:
    """`file=.env,line=3,` when the finding is about a line of a file (its own line, else the line
    the section's URL came from); GitHub then shows it on that line. Nothing without a line."""
    line = f.line if f.line is not None else section.line
    if not section.file or line is None:
        return ""
    return f"file={escape_property(escape_controls(section.file))},line={line},"


def render(sections: Sequence[Section], title: str) -> str:
    lines: list[str] = []
    shown = dict.fromkeys(Severity, 0)
    hidden = dict.fromkeys(Severity, 0)
    for section in sections:
        for f in section.findings:
            if f.ignored:  # accepted: named in the tally line, never an annotation
                continue
            if shown[f.severity] >= MAX_PER_KIND:
                hidden[f.severity] += 1
                continue
            shown[f.severity] += 1
            # server text is shown, never obeyed: the job log renders ANSI escapes
            head, detail, fix = escape_controls(f.title), escape_controls(f.detail), escape_controls(f.fix)
            message = head + (f": {detail}" if detail else "") + (f"\nFix: {fix}" if fix else "")
            annotation_title = escape_property(escape_controls(f"{section.name}: {f.id}"))
            where = _where(section, f)
            lines.append(f"::{_COMMAND[f.severity]} {where}title={annotation_title}::{escape_data(message)}")
    for severity, count in hidden.items():
        if count:
            word = _COMMAND[severity] + ("s" if count > 1 else "")
            lines.append(
                f"::notice title={escape_property(title)}::{count} more {word} not annotated; "
                "see the job summary or the report"
            )
    findings = [f for s in sections for f in s.findings]
    lines.append(f"{title}: {markdown.tally(findings)}")
    return "\n".join(lines) + "\n"


def write_step_summary(
    sections: Sequence[Section], title: str, environ: Mapping[str, str] | None = None
) -> Path | None:
    """Append the Markdown report to $GITHUB_STEP_SUMMARY when it is set; the path written, or None."""
    environ = os.environ if environ is None else environ
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    text = markdown.render(sections, title)
    data = text.encode("utf-8")
    if len(data) > SUMMARY_LIMIT - 1024:
        data = data[: SUMMARY_LIMIT - 1024].decode("utf-8", "ignore").encode("utf-8") + b"\n\n(truncated)\n"
    path = Path(target)
    with path.open("ab") as fh:
        fh.write(data)
    return path


def publish(sections: Sequence[Section], title: str, environ: Mapping[str, str] | None = None) -> str:
    """The annotations to print, after writing the step summary (what `--format github` does)."""
    write_step_summary(sections, title, environ)
    return render(sections, title)
