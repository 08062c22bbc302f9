"""`pgc doctor` for people: flutter-doctor style, one line per layer per target.

Problems get their evidence and the exact fix underneath; info findings get one line (all of
it with -v); `-v` also shows every layer's evidence and timing. A tally closes the report.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.text import Text

from pgconnect_cli.doctor import DoctorReport, TargetFinding, TargetReport
from pgconnect_cli.findings import CATALOGUE, Finding, Severity
from pgconnect_cli.render.console import stdout, symbols
from pgconnect_cli.report import CheckResult, Status

_STYLE = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "red", Status.SKIP: "dim"}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_LAYER_WIDTH = 9


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _ms(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"  [{ms:.1f} ms]" if ms < 100 else f"  [{ms:.0f} ms]"


class _Writer:
    def __init__(self, verbose: bool) -> None:
        self.console = stdout()
        self.verbose = verbose
        self.sym = symbols()
        self.width = max(self.console.width, 60)

    def line(self, text: str | Text = "") -> None:
        self.console.print(text)

    def wrapped(self, text: str, indent: int, style: str = "", first: str = "") -> None:
        """`first` + `text`, wrapped to the terminal with a hanging indent."""
        lines = textwrap.wrap(
            first + text,
            max(self.width, indent + 30),
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent + len(first)),
            break_long_words=False,
            break_on_hyphens=False,
        )
        for chunk in lines:
            self.console.print(Text(chunk, style=style))

    def status_line(self, status: Status, layer: str, summary: str, ms: float | None) -> None:
        text = Text("  ")
        text.append(self.sym[status.value], style=_STYLE[status])
        text.append(f" {layer:<{_LAYER_WIDTH}} ")
        text.append(summary)
        if self.verbose and ms is not None:
            text.append(_ms(ms), style="dim")
        self.console.print(text)

    def finding(self, f: Finding, indent: int) -> None:
        mark = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "•"}[f.severity]
        if self.sym["pass"].startswith("[OK"):
            mark = {Severity.ERROR: "x", Severity.WARNING: "!", Severity.INFO: "*"}[f.severity]
        head = Text(" " * indent)
        head.append(f"{mark} {f.id}", style=_SEVERITY_STYLE[f.severity])
        head.append(f" ({f.severity.value}): {f.title}")
        self.console.print(head)
        if f.severity is Severity.INFO and not self.verbose:
            return
        if f.detail:
            self.wrapped(f.detail, indent + 2)
        if f.fix:
            self.wrapped(f.fix, indent + 2, style="bold", first="Fix: ")


def _url_status(findings: Sequence[TargetFinding]) -> Status:
    severities = {tf.finding.severity for tf in findings}
    if Severity.ERROR in severities:
        return Status.FAIL
    if Severity.WARNING in severities:
        return Status.WARN
    return Status.PASS


def _target(w: _Writer, t: TargetReport) -> None:
    head = Text(t.name, style="bold")
    head.append(f"  ({t.origin})", style="dim")
    w.line(head)
    w.line(Text(f"  {t.url}", style="dim"))
    for note in t.shadowed:
        w.wrapped(
            f"{note.path}:{note.line} sets {t.name} to another URL, ignored: {note.by} wins ({note.url})",
            2,
            style="yellow",
            first="note: ",
        )
    static = [tf for tf in t.findings if tf.layer == "url"]
    expected = f"expected {t.expected.value}" if t.expected else "no expected role"
    mode = f" ({t.pool_mode})" if t.pool_mode and t.pool_mode != "unknown" else ""
    summary = f"{t.provider or 'unknown provider'}, {t.endpoint} endpoint{mode} by name; {expected}"
    if static:
        counts = [tf.finding.severity for tf in static]
        summary += "; " + ", ".join(_plural(counts.count(s), s.value) for s in Severity if counts.count(s))
    w.status_line(_url_status(static), "url", summary, None)
    for tf in static:
        w.finding(tf.finding, 6)
    by_layer: dict[str, list[Finding]] = {}
    for tf in t.findings:
        if tf.layer != "url":
            by_layer.setdefault(tf.layer, []).append(tf.finding)
    reasons = {c.summary for c in t.checks}
    if t.checks and all(c.status is Status.SKIP for c in t.checks) and len(reasons) == 1 and not by_layer:
        w.status_line(Status.SKIP, "live", reasons.pop(), None)
    else:
        for check in t.checks:
            _check(w, check, by_layer.get(check.layer, []))
    w.line()


def _check(w: _Writer, check: CheckResult, findings: Sequence[Finding]) -> None:
    w.status_line(check.status, check.layer, check.summary, check.ms)
    if w.verbose:
        for item in check.evidence:
            w.wrapped(item, 6, style="dim", first="· ")
    for f in findings:
        w.finding(f, 6)


def _tally(report: DoctorReport) -> Text:
    counts = report.summary
    checks = sum(len(t.checks) for t in report.targets)
    seconds = f"{report.elapsed_ms / 1000:.1f} s"
    scope = f"{_plural(len(report.targets), 'target')}, {_plural(checks, 'check')}, {seconds}"
    if counts["errors"] + counts["warnings"]:
        style = "red" if counts["errors"] else "yellow"
        kinds = (("errors", "error"), ("warnings", "warning"), ("infos", "info"))
        found = ", ".join(
            _plural(counts[k], word) if word != "info" else f"{counts[k]} info"
            for k, word in kinds
            if counts[k]
        )
        text = Text(f"Doctor found {found} in {scope}.", style=style)
        if report.strict and counts["warnings"] and not counts["errors"]:
            text.append(" --strict: warnings fail the run.")
        return text
    noted = f" ({counts['infos']} info)" if counts["infos"] else ""
    return Text(f"No problems found{noted} in {scope}.", style="green")


def render(report: DoctorReport, *, verbose: bool = False) -> None:
    """Print the report to stdout."""
    w = _Writer(verbose)
    mode = "static checks only (--offline)" if report.offline else f"timeout {report.timeout:g} s"
    w.line(Text(f"pgc doctor · client: {report.client.label} · {mode}", style="bold"))
    w.line()
    for t in report.targets:
        _target(w, t)
    if report.findings:
        about_pair = all(CATALOGUE[f.id].layer == "pair" for f in report.findings)
        w.line(Text("Pair" if about_pair else "Pair and project", style="bold"))
        for f in report.findings:
            status = {Severity.ERROR: Status.FAIL, Severity.WARNING: Status.WARN, Severity.INFO: Status.PASS}[
                f.severity
            ]
            text = Text("  ")
            text.append(w.sym[status.value], style=_STYLE[status])
            text.append(f" {f.id}: {f.title}")
            w.line(text)
            if f.detail and (f.severity is not Severity.INFO or w.verbose):
                w.wrapped(f.detail, 6)
            if f.fix and (f.severity is not Severity.INFO or w.verbose):
                w.wrapped(f.fix, 6, style="bold", first="Fix: ")
        w.line()
    w.line(_tally(report))
