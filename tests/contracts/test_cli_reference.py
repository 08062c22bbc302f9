"""docs/cli.md is `--help` of every command, current; every command and option has help text."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer

from pgconnect_cli.cli import app

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cli.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_cli_docs = _generator()
COMMANDS = list(gen_cli_docs.commands(typer.main.get_command(app)))


def _label(path: tuple[str, ...]) -> str:
    return " ".join(("pgc", *path))


def _section(doc: str, path: tuple[str, ...]) -> str:
    match = re.search(rf"^## {re.escape(_label(path))}\n(.*?)(?=^## |\Z)", doc, re.M | re.S)
    assert match, f"docs/cli.md has no section for `{_label(path)}`: run `make docs`"
    return match.group(1)


def _visible_params(cmd: Any) -> list[Any]:
    return [p for p in cmd.params if not getattr(p, "hidden", False) and p.name != "help"]


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == gen_cli_docs.render(), "run `make docs`"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[_label(p) for p, _ in COMMANDS])
def test_cli_reference_names_every_option_of_every_command(path: tuple[str, ...], cmd: Any) -> None:
    section = _section(DOC.read_text(encoding="utf-8"), path)
    options = [o for p in _visible_params(cmd) for o in p.opts if o.startswith("--")]
    assert [o for o in options if not re.search(rf"{re.escape(o)}\b", section)] == [], "run `make docs`"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[_label(p) for p, _ in COMMANDS])
def test_every_command_has_help_text(path: tuple[str, ...], cmd: Any) -> None:
    assert (cmd.help or "").strip(), f"`{_label(path)}` has no help text"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[_label(p) for p, _ in COMMANDS])
def test_every_option_and_argument_has_help_text(path: tuple[str, ...], cmd: Any) -> None:
    missing = [p.name for p in _visible_params(cmd) if not (getattr(p, "help", None) or "").strip()]
    assert missing == [], f"`{_label(path)}`: no help for {missing}"


def test_generator_documents_a_new_option() -> None:
    extra = typer.Typer()

    @extra.command()
    def probe(wait: float = typer.Option(0.0, "--wait", help="Retry TCP until the server answers.")) -> None:
        """Probe once."""

    @extra.command()
    def other() -> None:
        """Something else."""

    text = gen_cli_docs.render_app(extra)
    assert "## pgc probe\n" in text
    assert "--wait" in _section(text, ("probe",))
    assert "- [`pgc other`](#pgc-other)" in text
