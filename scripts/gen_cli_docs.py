"""Regenerate docs/cli.md from `--help` of every command (`make docs`; a test checks it is current).

The help is rendered in a fresh interpreter with a fixed width and no colour, so the file does
not depend on the terminal `make docs` runs in (typer reads the width when it first renders).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WIDTH = 100
DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
# what the help is rendered under; everything else that styles output is removed
FIXED_ENV = {
    "NO_COLOR": "1",
    "TERMINAL_WIDTH": str(WIDTH),
    "COLUMNS": str(WIDTH),
    "_TYPER_FORCE_DISABLE_TERMINAL": "1",
}
DROPPED_ENV = ("FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS", "TTY_COMPATIBLE", "TTY_INTERACTIVE")

HEADER = """# CLI reference

Every `pgc` command and its `--help`, as printed at {width} columns. The finding ids are in
[findings.md](findings.md), the JSON documents in [json.md](json.md).

This file is generated from the command tree by `make docs` (`scripts/gen_cli_docs.py`); a test
fails when it is out of date.

"""


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """`group` and every command below it (typer's click objects), depth first in the order `--help`
    lists them; hidden ones left out."""
    yield path, group
    for name, sub in getattr(group, "commands", {}).items():
        if not sub.hidden:
            yield from commands(sub, (*path, name))


def _anchor(title: str) -> str:
    return title.replace(" ", "-").lower()


def render_app(app: Any) -> str:
    """The reference of a typer app, rendered in this interpreter (its width as typer found it)."""
    import typer
    from typer.testing import CliRunner

    root = typer.main.get_command(app)
    runner = CliRunner()
    toc, sections = [], []
    for path, _ in commands(root):
        title = " ".join(("pgc", *path))
        result = runner.invoke(app, [*path, "--help"], prog_name="pgc", catch_exceptions=False)
        if result.exit_code != 0:
            raise SystemExit(f"{title} --help exited {result.exit_code}: {result.output}")
        lines = [line.rstrip() for line in result.stdout.splitlines()]
        text = "\n".join(lines).strip("\n")
        toc.append(f"{'  ' * max(len(path) - 1, 0)}- [`{title}`](#{_anchor(title)})")
        sections.append(f"## {title}\n\n```text\n{text}\n```\n")
    return HEADER.format(width=WIDTH) + "\n".join(toc[1:]) + "\n\n" + "\n".join(sections)


def render() -> str:
    """docs/cli.md as it should be: `pgc`'s own app, rendered in a child with the fixed settings."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV} | FIXED_ENV
    child = subprocess.run(
        [sys.executable, __file__, "--stdout"], env=env, capture_output=True, text=True, timeout=120
    )
    if child.returncode != 0:
        raise SystemExit(f"rendering the CLI reference failed:\n{child.stderr}")
    return child.stdout


if __name__ == "__main__":
    if sys.argv[1:] == ["--stdout"]:
        from pgconnect_cli.cli import app

        sys.stdout.write(render_app(app))
    else:
        DOC.write_text(render(), encoding="utf-8")
        print(f"wrote {DOC.name}")
