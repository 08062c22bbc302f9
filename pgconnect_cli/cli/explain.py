"""`pgc explain`: what an error text, a Prisma code, a SQLSTATE or a finding id means."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any

import typer

from pgconnect_cli.cli._common import (
    JsonOption,
    NoColorOption,
    OutputFormat,
    apply_no_color,
    report_error,
    set_format,
)


class ExplainFormat(str, Enum):
    human = "human"
    json = "json"


def explain(
    text: Annotated[
        str | None,
        typer.Argument(help="An error message, a Prisma code (P1001), a SQLSTATE (28P01) or a finding id."),
    ] = None,
    list_ids: Annotated[bool, typer.Option("--list", help="List every finding id.")] = False,
    fmt: Annotated[
        ExplainFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
    ] = ExplainFormat.human,
    json_option: JsonOption = False,
    no_color: NoColorOption = False,
) -> None:
    """Explain an error message, Prisma code, SQLSTATE or finding id: cause, layer, fix."""
    from pgconnect_cli.conninfo.redact import printable, scrub
    from pgconnect_cli.explain import check_command
    from pgconnect_cli.explain import explain as lookup
    from pgconnect_cli.findings import CATALOGUE
    from pgconnect_cli.render.emit import json_text

    apply_no_color(no_color)
    json_flag = json_option or fmt is ExplainFormat.json
    set_format(OutputFormat.json if json_flag else OutputFormat.human)
    if list_ids:
        if json_flag:
            typer.echo(json.dumps([_spec_dict(i) for i in CATALOGUE], indent=2))
        else:
            width = max(map(len, CATALOGUE))
            for spec in CATALOGUE.values():
                typer.echo(f"{spec.id:<{width}}  {spec.severity.value:<7}  {spec.title}")
        return
    if not text or not text.strip():
        report_error("give an error message, a code or a finding id (or --list)")
        raise typer.Exit(2)
    result = lookup(text)
    if json_flag:
        payload = {
            "schema": "pgc.explain/v1",
            "query": printable(scrub(result.query)),  # the user's text: its passwords masked
            "matches": [
                {"kind": m.kind, "key": m.key, "title": m.title, "note": m.note} for m in result.matches
            ],
            "findings": [_spec_dict(i) for i in result.finding_ids],
        }
        typer.echo(json_text(_envelope(payload, list(result.finding_ids), bool(result.matches))), nl=False)
        raise typer.Exit(0 if result.matches else 1)
    if not result.matches:
        typer.echo("pgc: nothing known about that text; `pgc explain --list` shows the finding ids", err=True)
        raise typer.Exit(1)
    for m in result.matches:
        if m.kind != "finding":
            typer.echo(f"{m.key if m.kind != 'message' else 'message'}: {m.title}")
            if m.note:
                typer.echo(f"  {m.note}")
    for fid in result.finding_ids:
        spec = CATALOGUE[fid]
        typer.echo(f"\n{fid} ({spec.severity.value}, {spec.layer}): {spec.title}")
        typer.echo(f"  cause: {spec.cause}")
        typer.echo(f"  fix:   {spec.fix}")
        typer.echo(f"  check: {check_command(fid)}")


def _envelope(payload: dict[str, Any], ids: list[str], ok: bool) -> dict[str, Any]:
    """The keys every JSON output has: `ok` (something matched) and `summary` (the explained
    findings by severity), after the document's own."""
    from pgconnect_cli.findings import CATALOGUE, Finding
    from pgconnect_cli.render.emit import envelope

    specs = [CATALOGUE[i] for i in ids]
    return {**envelope(payload, [Finding(s.id, s.severity, s.title) for s in specs]), "ok": ok}


def _spec_dict(fid: str) -> dict[str, str]:
    from pgconnect_cli.findings import CATALOGUE

    s = CATALOGUE[fid]
    return {
        "id": s.id,
        "severity": s.severity.value,
        "layer": s.layer,
        "title": s.title,
        "cause": s.cause,
        "fix": s.fix,
    }
