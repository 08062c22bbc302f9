"""Plain helpers for the doctor's tests: rewrite lab URLs, pick findings out of a JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pgconnect_cli.conninfo import parse, to_uri


def rewrite(url: str, **changes: str | None) -> str:
    """The URL with libpq settings changed (value) or removed (None), e.g. host, port, sslmode."""
    return to_uri(parse(url).replace(**changes))


def findings(document: dict[str, Any], target: str | None = None) -> list[dict[str, Any]]:
    """All findings of a doctor document (of one target, or everywhere)."""
    out: list[dict[str, Any]] = []
    for t in document["targets"]:
        if target is None or t["name"] == target:
            out += t["findings"]
    if target is None:
        out += document["findings"]
    return out


def ids(document: dict[str, Any], target: str | None = None, severity: str | None = None) -> list[str]:
    return [f["id"] for f in findings(document, target) if severity is None or f["severity"] == severity]


def problems(document: dict[str, Any]) -> list[str]:
    """Ids of the error and warning findings."""
    return [f["id"] for f in findings(document) if f["severity"] in ("error", "warning")]


def target(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in document["targets"] if t["name"] == name)


def check(document: dict[str, Any], name: str, layer: str) -> dict[str, Any]:
    return next(c for c in target(document, name)["checks"] if c["layer"] == layer)


def one(document: dict[str, Any], finding_id: str) -> dict[str, Any]:
    matches = [f for f in findings(document) if f["id"] == finding_id]
    assert len(matches) == 1, (finding_id, [f["id"] for f in findings(document)])
    return matches[0]


def url_args(**urls: str) -> Sequence[str]:
    """`--url NAME=URL` for each keyword."""
    out: list[str] = []
    for name, url in urls.items():
        out += ["--url", f"{name}={url}"]
    return out
