"""`pgc doctor --json`: the `pgc.doctor/v1` document (schemas/doctor.v1.json). Additive changes only."""

from __future__ import annotations

import json
from typing import Any

from pgconnect_cli.doctor import SCHEMA, DoctorReport, TargetReport
from pgconnect_cli.findings import CATALOGUE, Severity
from pgconnect_cli.report import CheckResult, Section, Status


def _target(t: TargetReport) -> dict[str, Any]:
    return {
        "name": t.name,
        "source": t.source.value,
        "url": t.url,
        "expected": t.expected.value if t.expected else None,
        "provider": t.provider,
        "endpoint": t.endpoint,
        "observed": {
            "addresses": list(t.observed.addresses),
            "tls": t.observed.tls,
            "server_version": t.observed.server_version,
            "pooler": t.observed.pooler,
            "connect_ms": t.observed.connect_ms,
            "hosts": [
                {"host": h.host, "port": h.port, "outcome": h.outcome.value, "detail": h.detail}
                for h in t.observed.hosts
            ],
        },
        "checks": [c.to_dict() for c in t.checks],
        "findings": [f.to_dict() for f in t.finding_list],
        "shadowed": [n.to_dict() for n in t.shadowed],
    }


def document(report: DoctorReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "ok": report.ok,
        "summary": report.summary,
        "client": report.client.id,
        "elapsed_ms": round(report.elapsed_ms, 1),
        "waited_ms": None if report.waited_ms is None else round(report.waited_ms, 1),
        "targets": [_target(t) for t in report.targets],
        "findings": [f.to_dict() for f in report.findings],
    }


def render(report: DoctorReport) -> str:
    """Kept for callers of the first tranche: `render.emit(report, OutputFormat.json)` prints it."""
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def url_check(t: TargetReport) -> CheckResult:
    """The static layer of a target as a check row, like the live layers (markdown, junit)."""
    static = [tf.finding for tf in t.findings if tf.layer == "url" and not tf.finding.ignored]
    severities = {f.severity for f in static}
    status = Status.FAIL if Severity.ERROR in severities else Status.PASS
    if status is Status.PASS and Severity.WARNING in severities:
        status = Status.WARN
    expected = f"expected {t.expected.value}" if t.expected else "no expected role"
    mode = f" ({t.pool_mode})" if t.pool_mode and t.pool_mode != "unknown" else ""
    summary = f"{t.provider or 'unknown provider'}, {t.endpoint} endpoint{mode} by name; {expected}"
    return CheckResult("url", status, summary)


def sections(report: DoctorReport) -> list[Section]:
    """The report as generic sections (github, junit, markdown): the url layer first in each target."""
    out = [
        Section(
            name=t.name,
            url=t.url,
            findings=t.finding_list,
            checks=(url_check(t), *t.checks),
            file=t.path,
            line=t.line,
        )
        for t in report.targets
    ]
    pair = tuple(f for f in report.findings if CATALOGUE[f.id].layer == "pair")
    project = tuple(f for f in report.findings if CATALOGUE[f.id].layer != "pair")
    if pair:
        out.append(Section(name="pair", findings=pair))
    if project:
        out.append(Section(name="project", findings=project))
    return out
