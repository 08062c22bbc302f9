"""`pgc doctor --json`: the `pgc.doctor/v1` document (schemas/doctor.v1.json). Additive changes only."""

from __future__ import annotations

import json
from typing import Any

from pgconnect_cli.doctor import SCHEMA, DoctorReport, TargetReport


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
        "client": report.client.client.value if report.client.client else None,
        "elapsed_ms": round(report.elapsed_ms, 1),
        "targets": [_target(t) for t in report.targets],
        "findings": [f.to_dict() for f in report.findings],
    }


def render(report: DoctorReport) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
