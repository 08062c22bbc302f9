"""Report pieces shared by every command's output: layer checks and named sections of findings.

Renderers for github/junit/markdown work on `Section`s, so `pgc url check`, `pgc env check` and
`pgc doctor` share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from pgconnect_cli.findings import Finding, Severity

# The status glyphs of every format: human output draws them in brackets (`[✓]`), Markdown bare.
# An info finding has its own glyph: it is never drawn as a pass.
GLYPHS = {"pass": "✓", "warn": "!", "fail": "✗", "skip": "-", "info": "i"}
ASCII_GLYPHS = {"pass": "OK", "warn": "!!", "fail": "XX", "skip": "--", "info": "i"}
SEVERITY_GLYPH = {Severity.ERROR: "fail", Severity.WARNING: "warn", Severity.INFO: "info"}


class Status(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class CheckResult:
    """One layer of one target: dns, tcp, tls, auth, server, pooler, prepared, latency."""

    layer: str
    status: Status
    summary: str
    ms: float | None = None
    evidence: tuple[str, ...] = ()  # shown with -v; already free of secrets

    def to_dict(self) -> dict[str, object]:
        return {
            "layer": self.layer,
            "status": self.status.value,
            "summary": self.summary,
            "ms": None if self.ms is None else round(self.ms, 1),
        }


@dataclass(frozen=True)
class Section:
    """A named group of findings (a URL, a .env file, the pair) for the generic renderers."""

    name: str
    url: str | None = None  # masked
    findings: tuple[Finding, ...] = ()
    checks: tuple[CheckResult, ...] = field(default=())
    file: str | None = None  # the file the section's URL came from (a .env), as given
    line: int | None = None  # its line in `file`: annotations point there


def summary(findings: Sequence[Finding]) -> dict[str, int]:
    """Counts of the findings that count, by severity, and (`ignored`, when there are any) of those
    accepted with `--ignore` (`Finding.ignored`)."""
    counted = [f for f in findings if not f.ignored]
    out = {
        "errors": sum(f.severity is Severity.ERROR for f in counted),
        "warnings": sum(f.severity is Severity.WARNING for f in counted),
        "infos": sum(f.severity is Severity.INFO for f in counted),
    }
    if len(counted) < len(findings):  # the key is there when something was ignored (additive)
        out["ignored"] = len(findings) - len(counted)
    return out


def ignored_ids(findings: Iterable[Finding]) -> list[str]:
    """The ids of the ignored findings, each once, in order of appearance."""
    return list(dict.fromkeys(f.id for f in findings if f.ignored))


def ignored_note(findings: Iterable[Finding]) -> str:
    """`2 ignored: env-syntax, sslmode-missing` (empty when none is): what the tally leaves out."""
    items = [f for f in findings if f.ignored]
    if not items:
        return ""
    return f"{len(items)} ignored: {', '.join(ignored_ids(items))}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def tally(findings: Iterable[Finding]) -> str:
    """`1 error, 2 warnings, 3 info`: the one count of findings, in every report and format."""
    counts = summary(list(findings))
    errors, warnings = plural(counts["errors"], "error"), plural(counts["warnings"], "warning")
    return f"{errors}, {warnings}, {counts['infos']} info"
