"""`pgc url check --json`: the `pgc.url/v1` envelope (schemas/url.v1.json).

Additive changes only within v1. Keys beyond the contract: `form` in `parts`, `context` and
`misread` at the top level. The password never appears: only `password_set`.
"""

from __future__ import annotations

import json

from pgconnect_cli.checks.url import UrlCheck
from pgconnect_cli.conninfo.build import MASK
from pgconnect_cli.conninfo.model import CORE_KEYWORDS, ConnInfo, Form, is_secret_keyword
from pgconnect_cli.conninfo.redact import mask_text, printable
from pgconnect_cli.report import Section

SCHEMA = "pgc.url/v1"


def _port(value: str) -> int | None:
    return int(value) if value.isdigit() else (5432 if value == "" else None)


def parts(ci: ConnInfo) -> dict[str, object]:
    return {
        "scheme": ci.scheme if ci.form is Form.URI else None,
        "form": ci.form.value,
        "user": mask_text(ci.user) if ci.user else ci.user,
        "password_set": bool(ci.password),
        "hosts": [{"host": mask_text(hp.host) or None, "port": _port(hp.port)} for hp in ci.hosts],
        "dbname": mask_text(ci.dbname) if ci.dbname else ci.dbname,
        "params": {
            k: (MASK if is_secret_keyword(k) else mask_text(v))
            for k, v in ci.options
            if k not in CORE_KEYWORDS
        },
    }


def document(check: UrlCheck) -> dict[str, object]:
    """The body of the document; `render.emit` adds `ok` and `summary` (the keys every output has)."""
    c = check.classification
    doc = {
        "schema": SCHEMA,
        "url": check.url,
        "valid": check.valid,
        "parts": parts(check.conninfo) if check.conninfo is not None else None,
        "provider": c.provider.value if c else None,
        "endpoint": c.endpoint.value if c else None,
        "pool_mode": c.pool_mode.value if c and c.pool_mode else None,
        "context": check.context.value,
        "misread": check.misread,
        "findings": [f.to_dict() for f in check.findings],
    }
    return {k: _printable(v) for k, v in doc.items()}


def payload(check: UrlCheck) -> dict[str, object]:
    """The complete `pgc.url/v1` document, as `pgc url check --json` prints it."""
    from pgconnect_cli.render.emit import envelope

    return envelope(document(check), list(check.findings))


def sections(check: UrlCheck) -> list[Section]:
    return [check.section()]


def _printable(value: object) -> object:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def render(check: UrlCheck) -> str:
    """Kept for callers of the first tranche: `render.emit(check, OutputFormat.json)` prints it."""
    return json.dumps(payload(check), indent=2, ensure_ascii=False)
