"""The one output seam: `emit(result, fmt)` prints a finished result in the chosen format.

Commands call nothing else to print a report. This module imports only the standard library at
import time (typer commands import it for `OutputFormat`); each renderer is imported when chosen,
and rich only for the human format.

A result type is a row of `_VIEWS`, keyed by its class name (no import needed to dispatch):

- `human`: a module with `render(result, *, verbose: bool) -> None` (prints through rich);
- `machine`: a module with `document(result) -> dict` (the JSON body, its `schema` id first)
  and `sections(result) -> list[report.Section]` (what github, junit and markdown draw).

Every string of the result passes `render.sanitize` first: control characters from the network
are shown escaped in every format. Every JSON document gets the same top-level keys, `schema`,
`ok`, `summary`, `findings`, added here when the renderer's document lacks them (additive within
each v1 schema). An error before a result, under `--format json`, is `emit_error`'s
`pgc.error/v1` document on stdout.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgconnect_cli.findings import Finding
    from pgconnect_cli.report import Section

ERROR_SCHEMA = "pgc.error/v1"


class OutputFormat(str, Enum):
    human = "human"
    json = "json"
    github = "github"
    junit = "junit"
    markdown = "markdown"

    @property
    def machine(self) -> bool:
        """A format a program reads: errors before a result are a document on stdout too."""
        return self is OutputFormat.json


@dataclass(frozen=True)
class _View:
    human: str
    machine: str
    title: str


_VIEWS: dict[str, _View] = {
    "UrlCheck": _View("pgconnect_cli.render.url_human", "pgconnect_cli.render.url_json", "pgc url check"),
    "PoolPlan": _View("pgconnect_cli.render.pool_human", "pgconnect_cli.render.pool_json", "pgc pool plan"),
    "DoctorReport": _View(
        "pgconnect_cli.render.doctor_human", "pgconnect_cli.render.doctor_json", "pgc doctor"
    ),
    "EnvCheck": _View("pgconnect_cli.render.env_human", "pgconnect_cli.render.env_json", "pgc env check"),
}


def _view(result: object) -> _View:
    name = type(result).__name__
    if name not in _VIEWS:
        raise TypeError(f"emit: no renderers for {name}")
    return _VIEWS[name]


def renderer_module(result_type: str, fmt: OutputFormat) -> str:
    """The module that renders `result_type` in `fmt` (to preload it while probes run)."""
    view = _VIEWS[result_type]
    if fmt is OutputFormat.human:
        return view.human
    if fmt is OutputFormat.json:
        return view.machine
    return f"pgconnect_cli.render.{fmt.value}"


def _module(path: str) -> Any:
    import importlib

    return importlib.import_module(path)


def _all_findings(sections: list[Section]) -> list[Finding]:
    return [f for s in sections for f in s.findings]


def envelope(doc: dict[str, Any], findings: list[Finding], *, strict: bool = False) -> dict[str, Any]:
    """`doc` with the keys every output has: `schema`, `ok`, `summary`, `findings`. The document's
    own keys keep their order; those it lacks are added after them (additive within v1)."""
    from pgconnect_cli.findings import exit_code_for
    from pgconnect_cli.report import summary

    out = dict(doc)
    out.setdefault("ok", exit_code_for(findings, strict=strict) == 0)
    out.setdefault("summary", summary(findings))
    out.setdefault("findings", [f.to_dict() for f in findings])
    return out


def json_text(doc: object) -> str:
    import json

    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_text(result: object, fmt: OutputFormat, *, strict: bool = False, title: str | None = None) -> str:
    """The text of a machine or report format (everything but human) for `result`, which
    `emit` has sanitized (`render.sanitize`)."""
    view = _view(result)
    machine = _module(view.machine)
    sections: list[Section] = machine.sections(result)
    heading = title or view.title
    if fmt is OutputFormat.json:
        return json_text(envelope(machine.document(result), _all_findings(sections), strict=strict))
    if fmt is OutputFormat.github:
        from pgconnect_cli.render import github

        return github.publish(sections, heading)  # also appends $GITHUB_STEP_SUMMARY when set
    if fmt is OutputFormat.junit:
        from pgconnect_cli.render import junit

        return junit.render(sections, heading)
    if fmt is OutputFormat.markdown:
        from pgconnect_cli.render import markdown

        return markdown.render(sections, heading)
    raise ValueError(f"render_text: {fmt.value} is printed by emit()")


def emit(
    result: object,
    fmt: OutputFormat,
    *,
    strict: bool = False,
    verbose: bool = False,
    title: str | None = None,
) -> None:
    """Print `result` on stdout in `fmt`: the one dispatch of every report.

    `strict` makes warnings count against `ok` (JSON); `verbose` shows evidence (human);
    `title` names the run in github/junit/markdown (default: the command, e.g. `pgc doctor`).
    """
    from pgconnect_cli.render.sanitize import sanitize

    view = _view(result)
    result = sanitize(result)  # the one point: no control character reaches a renderer
    if fmt is OutputFormat.human:
        _module(view.human).render(result, verbose=verbose)
        return
    text = render_text(result, fmt, strict=strict, title=title)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def error_document(code: str, message: str) -> dict[str, Any]:
    return {"schema": ERROR_SCHEMA, "ok": False, "errors": [{"code": code, "message": message}]}


def emit_error(code: str, message: str) -> None:
    """An error before any result, for a program reading stdout: the `pgc.error/v1` document.
    `message` must already be free of secrets and printable (the CLI edge makes it so)."""
    sys.stdout.write(json_text(error_document(code, message)))
    sys.stdout.flush()
