"""scripts/run_action.py: runs a composite action's steps like GitHub's runner, reads its commands."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_action", ROOT / "scripts" / "run_action.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_action"] = module
    spec.loader.exec_module(module)
    return module


ra = _load()

ACTION = """\
name: t
description: t
inputs:
  who: {description: w, default: world}
outputs:
  greeting: {description: g, value: "${{ steps.say.outputs.greeting }}"}
runs:
  using: composite
  steps:
    - uses: actions/checkout@v4
    - id: say
      shell: bash
      env: {WHO: "${{ inputs.who }}"}
      run: |
        echo "greeting=hello $WHO" >> "$GITHUB_OUTPUT"
        { echo "note<<EOF"; echo "two"; echo "lines"; echo "EOF"; } >> "$GITHUB_OUTPUT"
        echo "FROM_STEP=1" >> "$GITHUB_ENV"
        echo "# summary" >> "$GITHUB_STEP_SUMMARY"
        echo "::warning file=.env,line=3,title=a%3A b%2C c::x%25y%0Az"
    - id: after
      shell: bash
      run: |
        test "$FROM_STEP" = 1 && test "$GITHUB_ACTIONS" = true
        exit 7
    - id: never
      shell: bash
      run: echo never
"""


@pytest.fixture
def action(tmp_path: Path) -> Path:
    path = tmp_path / "action.yml"
    path.write_text(ACTION)
    return path


def test_steps_run_in_order_until_one_fails(action: Path) -> None:
    run = ra.run_action({"who": "pgc"}, action=action)
    assert (run.ran, run.skipped, run.exit_code) == (["say", "after"], ["step0"], 7)


def test_outputs_env_and_summary_files_work_like_on_github(action: Path) -> None:
    run = ra.run_action({"who": "pgc"}, action=action)
    assert run.outputs == {"greeting": "hello pgc"}
    assert run.step_outputs["say"]["note"] == "two\nlines"
    assert run.summary == "# summary\n"


def test_input_defaults_fill_what_is_not_given(action: Path) -> None:
    assert ra.run_action(action=action).outputs == {"greeting": "hello world"}


def test_an_undeclared_input_is_refused(action: Path) -> None:
    with pytest.raises(ValueError, match="no input named whom"):
        ra.run_action({"whom": "x"}, action=action)


def test_an_unsupported_expression_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "action.yml"
    path.write_text(ACTION.replace("${{ inputs.who }}", "${{ secrets.TOKEN }}"))
    with pytest.raises(ValueError, match=r"secrets\.TOKEN"):
        ra.run_action(action=path)


def test_annotation_properties_and_message_are_unescaped(action: Path) -> None:
    (annotation,) = ra.run_action(action=action).annotations
    assert annotation.command == "warning"
    assert annotation.properties == {"file": ".env", "line": "3", "title": "a: b, c"}
    assert annotation.message == "x%y\nz"


def test_a_malformed_workflow_command_is_an_error() -> None:
    with pytest.raises(ValueError, match="bad property"):
        ra.annotations("::error file::message")
