"""`pgc doctor` for people: flutter-doctor style, one line per layer per target.

Problems get their evidence and the exact fix underneath; info findings get one line (all of
it with -v); `-v` also shows every layer's evidence and timing. A tally closes the report.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from pgconnect_cli.doctor import DoctorReport, TargetReport
from pgconnect_cli.findings import CATALOGUE, Finding, Severity
from pgconnect_cli.render import findings as printer
from pgconnect_cli.render.console import Batch, Text, stdout, symbols
from pgconnect_cli.render.doctor_json import url_check
from pgconnect_cli.report import CheckResult, Status

_STYLE = printer.STATUS_STYLE
_LAYER_WIDTH = 9


_plural = printer.plural


def _ms(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"  [{ms:.1f} ms]" if ms < 100 else f"  [{ms:.0f} ms]"


class _Writer:
    def __init__(self, verbose: bool, quiet: bool = False) -> None:
        self.console = Batch(stdout())
        self.verbose = verbose
        self.quiet = quiet  # only problems: no passing rows, no info findings
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
        if self.quiet and status in (Status.PASS, Status.SKIP):
            return
        text = Text("  ")
        text.append(self.sym[status.value], style=_STYLE[status])
        text.append(f" {layer:<{_LAYER_WIDTH}} ")
        text.append(summary)
        if self.verbose and ms is not None:
            text.append(_ms(ms), style="dim")
        self.console.print(text)

    def finding(self, f: Finding, indent: int) -> None:
        if self.quiet and not printer.problem(f):
            return
        printer.print_finding(
            self.console, f, indent=indent, brief=f.severity is Severity.INFO and not self.verbose
        )


def _target(w: _Writer, t: TargetReport) -> None:
    if w.quiet and not any(printer.problem(f) for f in t.finding_list):
        return
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
    row = url_check(t)
    counted = [tf.finding for tf in static if not tf.finding.ignored]
    summary = row.summary + ("; " + printer.tally(counted) if counted else "")
    w.status_line(row.status, "url", summary, None)
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
    findings = report.all_findings()
    checks = sum(len(t.checks) for t in report.targets)
    seconds = f"{report.elapsed_ms / 1000:.1f} s"
    scope = f"{_plural(len(report.targets), 'target')}, {_plural(checks, 'check')}, {seconds}"
    if not printer.clean(findings):
        counts = report.summary
        text = Text(
            f"Doctor found {printer.tally(findings)} in {scope}.",
            style="red" if counts["errors"] else "yellow",
        )
        if report.strict and counts["warnings"] and not counts["errors"]:
            text.append(" --strict: warnings fail the run.")
        return text
    return Text(f"No problems found ({printer.tally(findings)}) in {scope}.", style="green")


def render(report: DoctorReport, *, verbose: bool = False, quiet: bool = False) -> None:
    """Print the report to stdout; `quiet`: only the problems and the tally."""
    w = _Writer(verbose, quiet)
    mode = "static checks only (--offline)" if report.offline else f"timeout {report.timeout:g} s"
    if report.waited_ms is not None:
        mode += f" · waited {report.waited_ms / 1000:.1f} s for the servers"
    if not quiet:
        w.line(Text(f"pgc doctor · client: {report.client.label} · {mode}", style="bold"))
        w.line()
    for t in report.targets:
        _target(w, t)
    if any(printer.problem(f) for f in report.findings) or (report.findings and not quiet):
        about_pair = all(CATALOGUE[f.id].layer == "pair" for f in report.findings)
        w.line(Text("Pair" if about_pair else "Pair and project", style="bold"))
        for f in report.findings:
            w.finding(f, 2)
        w.line()
    w.line(_tally(report))
    printer.print_ignored(w.console, report.all_findings())
    w.console.flush()
