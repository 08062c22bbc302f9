"""`pgc env check --json`: the `pgc.env/v1` envelope (PRODUCT.md §4). Additive changes only within v1."""

from __future__ import annotations

import json

from pgconnect_cli.report import summary
from pgconnect_cli.usecases.env_check import EnvCheck

SCHEMA = "pgc.env/v1"


def payload(check: EnvCheck, ok: bool) -> dict[str, object]:
    report = check.report
    out: dict[str, object] = {
        "schema": SCHEMA,
        "file": str(check.file),
        "ok": ok,
        "summary": summary(check.findings),
        "findings": [f.to_dict() for f in report.file_findings + report.pair_findings],
        "urls": [u.to_dict() for u in report.urls],
    }
    if check.examples:
        out["examples"] = [
            {"file": str(e.file), "findings": [f.to_dict() for f in e.findings]} for e in check.examples
        ]
    return out


def render(check: EnvCheck, ok: bool) -> str:
    return json.dumps(payload(check, ok), indent=2, ensure_ascii=False)
