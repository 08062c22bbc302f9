"""`pgc explain`: what an error paste, a Prisma code, a SQLSTATE or a finding id means."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, Any

import typer

from pgconnect_cli.cli import options as opts
from pgconnect_cli.cli._common import OutputFormat, apply_no_color, report_error, set_format


class ExplainFormat(str, Enum):
    human = "human"
    json = "json"


def explain(
    text: Annotated[
        list[str] | None,
        typer.Argument(
            help="An error message (several words are one text), a Prisma code (P1001), a SQLSTATE "
            "(28P01) or a finding id; `-` or no argument with a pipe reads the whole paste from stdin.",
            show_default=False,
        ),
    ] = None,
    list_ids: Annotated[bool, typer.Option("--list", help="List every finding id.")] = False,
    fmt: Annotated[
        ExplainFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
    ] = ExplainFormat.human,
    json_option: opts.JsonOption = False,
    no_color: opts.NoColorOption = False,
) -> None:
    """Explain an error message, Prisma code, SQLSTATE or finding id: cause, layer, fix."""
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
    paste = _read_paste(text)
    if not paste.strip():
        report_error("give an error message, a code or a finding id (or --list)")
        raise typer.Exit(2)
    result = lookup(paste)
    if json_flag:
        payload = _payload(result)
        ids = list(result.finding_ids)
        typer.echo(json_text(_envelope(payload, ids, bool(result.matches))), nl=False)
        raise typer.Exit(0 if result.matches else 1)
    if not result.matches:
        typer.echo("pgc: nothing known about that text; `pgc explain --list` shows the finding ids", err=True)
        raise typer.Exit(1)
    _print_human(result)


def _read_paste(words: list[str] | None) -> str:
    """The text to explain: the words joined, or all of stdin for `-` (or a pipe and no words)."""
    if words == ["-"] or (not words and not sys.stdin.isatty()):
        try:
            return sys.stdin.read()
        except UnicodeDecodeError:
            report_error("the input on stdin is not UTF-8 text")
            raise typer.Exit(2) from None
    return " ".join(words or ())


def _payload(result: object) -> dict[str, object]:
    from pgconnect_cli.explain import Explanation

    assert isinstance(result, Explanation)
    return {
        "schema": "pgc.explain/v1",
        "query": result.query,  # the user's text: its passwords masked
        "matches": [
            {
                "kind": m.kind,
                "key": m.key,
                "title": m.title,
                "note": m.note,
                "finding_ids": list(m.finding_ids),
                "evidence": m.evidence,
                "fields": dict(m.fields),
                "clues": list(m.clues),
            }
            for m in result.matches
        ],
        "findings": [_spec_dict(i) for i in result.finding_ids],
        "first": result.first,
        "also_seen": list(result.also_seen),
        "context": dict(result.context),
    }


def _print_human(result: object) -> None:
    from pgconnect_cli.explain import Explanation, check_command
    from pgconnect_cli.findings import CATALOGUE

    assert isinstance(result, Explanation)
    best = result.matches[0]
    if best.kind != "finding":
        typer.echo(f"{best.key if best.kind != 'message' else 'message'}: {best.title}")
        if best.evidence and best.kind == "message":
            typer.echo(f"  seen:  {best.evidence}")
        if best.note:
            typer.echo(f"  {best.note}")
        for why in best.clues:
            typer.echo(f"  why first: {why}")
    first = result.first
    assert first is not None
    spec = CATALOGUE[first]
    typer.echo(f"\n{first} ({spec.severity.value}, {spec.layer}): {spec.title}")
    typer.echo(f"  cause: {spec.cause}")
    typer.echo(f"  fix:   {spec.fix}")
    typer.echo(f"  check: {check_command(first)}")
    if result.also_seen:
        typer.echo("\nalso seen:")
        width = max(map(len, result.also_seen))
        for fid in result.also_seen:
            typer.echo(f"  {fid:<{width}}  {CATALOGUE[fid].title}")
        typer.echo("  (`pgc explain ID` for any of them)")


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
