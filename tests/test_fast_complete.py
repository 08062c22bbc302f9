"""TAB completion from the generated table (`pgconnect_cli.fast_complete`) answers exactly what
typer answers from the command tree, and the committed table is the tree's (`make completions`)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from pgconnect_cli import fast_complete
from pgconnect_cli.completion_table import TABLE

ROOT = Path(__file__).resolve().parent.parent
LINES = [
    "pgc ",
    "pgc ur",
    "pgc url ",
    "pgc url c",
    "pgc url check ",
    "pgc url check --",
    "pgc url check --f",
    "pgc doctor -",
    "pgc doctor --t",
    "pgc --",
    "pgc -",
    "pgc env ",
    "pgc env i",
    "pgc lab ",
    "pgc lab up --",
    "pgc completion ",
    "pgc completion b",
    "pgc nosuch ",
    "pgc url check --json ",
    "pgc doctor --url ",
    "pgc url check --format=",
    "pgc 'url' ",
    "pgc x",
]


def _environ(line: str) -> dict[str, str]:
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    return {"_PGC_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword)}


def _typer_answer() -> str:
    from typer._click.shell_completion import get_completion_class
    from typer._completion_classes import completion_init
    from typer.main import get_command

    from pgconnect_cli.cli import app

    completion_init()
    bash = get_completion_class("bash")
    assert bash is not None
    return bash(get_command(app), {}, "pgc", "_PGC_COMPLETE").complete() + "\n"


def _fast_answer() -> tuple[int | None, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = fast_complete.answer()
    return code, out.getvalue()


@pytest.mark.parametrize("line", LINES)
def test_the_table_answers_what_typer_answers_or_leaves_it_to_typer(
    monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    for name, value in _environ(line).items():
        monkeypatch.setenv(name, value)
    code, out = _fast_answer()
    if code is not None:  # in any order: bash sorts what it shows (click's -h/--help order varies)
        assert (code, sorted(out.splitlines())) == (0, sorted(_typer_answer().splitlines()))


def test_subcommand_and_option_names_are_answered_from_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    answered = []
    for line in ("pgc ", "pgc ur", "pgc url ", "pgc url check --", "pgc doctor -"):
        for name, value in _environ(line).items():
            monkeypatch.setenv(name, value)
        answered.append(_fast_answer()[0] is not None)
    assert answered == [True] * 5


@pytest.mark.parametrize("shell", ["zsh", "fish", "powershell"])
def test_other_shells_are_left_to_typer(monkeypatch: pytest.MonkeyPatch, shell: str) -> None:
    monkeypatch.setenv("_PGC_COMPLETE", f"complete_{shell}")
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", "pgc ur")
    assert _fast_answer() == (None, "")


def test_the_committed_table_is_the_command_trees() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_completions
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert gen_completions.table() == TABLE, "run `make completions`"


def test_tab_completion_answers_without_importing_typer() -> None:
    env = {**os.environ, "_PGC_COMPLETE": "complete_bash", "COMP_WORDS": "pgc ur", "COMP_CWORD": "1"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pgconnect_cli"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines()}
    assert (result.stdout, imported & {"typer", "click", "rich"}) == ("url\n", set())
