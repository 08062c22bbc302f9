"""The options several commands share, each declared once (typer and stdlib only at import time).

Commands import the module, `from pgconnect_cli.cli import options as opts`, and write
`fmt: opts.FormatOption = OutputFormat.human`: a parameter typed `opts.…` is a shared option.
"""

from __future__ import annotations

from typing import Annotated

import typer

# emit.py imports the standard library only: the one place OutputFormat lives (rich loads later)
from pgconnect_cli.render.emit import OutputFormat  # noqa: TID253

FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Output format: human, json, github, junit or markdown.",
        case_sensitive=False,
        show_default=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Short for --format json.")]
NoColorOption = Annotated[
    bool, typer.Option("--no-color", help="No colour (also when NO_COLOR is set).", show_default=False)
]
StrictOption = Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")]


def _complete_ids(incomplete: str) -> list[str]:
    from pgconnect_cli.findings import CATALOGUE

    return [i for i in CATALOGUE if i.startswith(incomplete)]


IgnoreOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="ID",
        help="Accept this finding: shown as ignored, it fails nothing (repeatable; also `ignore` in "
        "\\[tool.pgc] of pyproject.toml or .pgc.toml).",
        autocompletion=_complete_ids,
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Human output: only the problems and the tally.")
]
SupabaseRegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="REGION",
        help="Supabase region, to derive the shared pooler's host (us-east-1, or aws-1-us-east-1).",
    ),
]
