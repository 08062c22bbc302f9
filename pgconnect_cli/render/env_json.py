"""`pgc env check --json`: the `pgc.env/v1` envelope (schemas/env.v1.json). Additive changes only within v1.

`document` and `sections` are the machine view `render.emit` reads (the JSON body; the sections
github, junit and markdown draw)."""

from __future__ import annotations

import json

from pgconnect_cli.findings import exit_code_for
from pgconnect_cli.report import Section, summary
from pgconnect_cli.usecases.env_check import EnvCheck

SCHEMA = "pgc.env/v1"


def document(check: EnvCheck) -> dict[str, object]:
    report = check.report
    ok = exit_code_for(check.findings, strict=check.strict) == 0
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


def sections(check: EnvCheck) -> list[Section]:
    return check.sections()


def render(check: EnvCheck) -> str:
    return json.dumps(document(check), indent=2, ensure_ascii=False)
