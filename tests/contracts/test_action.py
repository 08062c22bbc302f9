"""The composite GitHub Action (action.yml), its steps run by scripts/run_action.py as the runner would."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.fakes import closed_port
from tests.helpers import write_env

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


run_action = _script("run_action")
SPEC: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
STEPS = {step.get("id"): step for step in SPEC["runs"]["steps"]}


@pytest.fixture
def action() -> Path:
    return ACTION


def _run(action: Path, workdir: Path, **inputs: str) -> Any:
    """The action's steps in `workdir`, this test's pgc standing in for the install step."""
    return run_action.run_action(
        inputs, action=action, skip={"install"}, links={"pgc-venv": Path(sys.prefix)}, cwd=workdir
    )


def _ids(run: Any, command: str) -> set[str]:
    return {
        a.properties.get("title", "").rpartition(": ")[2] for a in run.annotations if a.command == command
    }


# --- the action file --------------------------------------------------------------------------


def test_action_takes_args_python_version_strict_and_env_file() -> None:
    assert set(SPEC["inputs"]) == {"args", "python-version", "strict", "env-file"}
    assert all(not i.get("required", False) for i in SPEC["inputs"].values())


def test_action_is_a_composite_action_setting_up_the_chosen_python() -> None:
    setup = SPEC["runs"]["steps"][0]
    assert SPEC["runs"]["using"] == "composite"
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"


def test_action_installs_pgc_from_its_own_checkout() -> None:
    assert 'pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in STEPS["install"]["run"]


def test_action_runs_the_doctor_in_ci_mode() -> None:
    assert '"$venv/bin/pgc" doctor --ci "${args[@]}"' in STEPS["doctor"]["run"]


def test_action_never_splices_an_input_into_a_script() -> None:
    assert [s.get("id") for s in SPEC["runs"]["steps"] if "${{" in s.get("run", "")] == []


def test_action_reports_the_doctors_exit_code_as_an_output() -> None:
    assert SPEC["outputs"]["exit-code"]["value"] == "${{ steps.doctor.outputs.exit-code }}"


# --- inputs the action refuses ------------------------------------------------------------------


def test_strict_input_other_than_true_or_false_exits_2_with_an_annotation(
    action: Path, tmp_path: Path
) -> None:
    run = _run(action, tmp_path, strict="yes")
    assert run.exit_code == 2
    assert [(a.command, a.message) for a in run.annotations] == [
        ("error", "input strict must be true or false, not 'yes'")
    ]
    assert run.outputs == {"exit-code": "2"}


def test_args_with_an_unbalanced_quote_exit_2_with_an_annotation(action: Path, tmp_path: Path) -> None:
    run = _run(action, tmp_path, args="--url 'DATABASE_URL=postgresql://h/db")
    assert run.exit_code == 2
    assert [a.message for a in run.annotations] == ["input args cannot be split: No closing quotation"]


def test_no_url_anywhere_exits_2(action: Path, tmp_path: Path) -> None:
    run = _run(action, tmp_path, args="--no-environment")
    assert run.exit_code == 2
    assert run.outputs == {"exit-code": "2"}


# --- against the lab's servers ----------------------------------------------------------------


def test_healthy_pair_passes_and_writes_the_step_summary(
    action: Path, tmp_path: Path, pooled_url: str, direct_url: str
) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=f"{pooled_url}&pgbouncer=true", DIRECT_URL=direct_url)
    run = _run(action, tmp_path, args="--no-environment --client prisma")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.outputs == {"exit-code": "0"}
    assert _ids(run, "error") == set()
    assert "DATABASE_URL" in run.summary and "DIRECT_URL" in run.summary


def test_refused_app_url_fails_with_an_error_annotation(
    action: Path, tmp_path: Path, direct_url: str
) -> None:
    refused = f"postgresql://app:pw@127.0.0.1:{closed_port()}/app?sslmode=disable"
    write_env(tmp_path / ".env", DATABASE_URL=refused, DIRECT_URL=direct_url)
    run = _run(action, tmp_path, args="--no-environment")
    assert run.exit_code == 1
    assert run.outputs == {"exit-code": "1"}
    assert "tcp-refused" in _ids(run, "error")
    assert "tcp-refused" in run.summary


def test_annotations_name_a_file_only_with_a_line(action: Path, tmp_path: Path, direct_url: str) -> None:
    write_env(
        tmp_path / ".env", DATABASE_URL=f"postgresql://a:b@127.0.0.1:{closed_port()}/x", DIRECT_URL=direct_url
    )
    run = _run(action, tmp_path, args="--no-environment")
    assert run.annotations
    for a in run.annotations:
        assert a.command in ("error", "warning", "notice")
        assert a.message and "title" in a.properties
        if "file" in a.properties:
            assert int(a.properties["line"]) >= 1


def test_warnings_pass_unless_strict_is_true(action: Path, tmp_path: Path, pooled_url: str) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=pooled_url)  # pooled, no direct URL, the client unknown
    args = "--no-environment"
    relaxed, strict = _run(action, tmp_path, args=args), _run(action, tmp_path, args=args, strict="true")
    assert _ids(relaxed, "warning") and not _ids(relaxed, "error")
    assert (relaxed.exit_code, strict.exit_code) == (0, 1)
    assert strict.outputs == {"exit-code": "1"}


def test_env_file_input_names_the_file_to_read(
    action: Path, tmp_path: Path, pooled_url: str, direct_url: str
) -> None:
    (tmp_path / "deploy").mkdir()
    pooled = f"{pooled_url}&pgbouncer=true"
    write_env(tmp_path / "deploy" / "production.env", DATABASE_URL=pooled, DIRECT_URL=direct_url)
    run = _run(
        action,
        tmp_path,
        args="--no-environment --client prisma",
        **{"env-file": "deploy/production.env"},
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "DIRECT_URL" in run.summary


def test_args_keep_a_quoted_word_whole(action: Path, tmp_path: Path, direct_url: str) -> None:
    run = _run(action, tmp_path, args=f"--no-environment --url 'DIRECT_URL={direct_url}'")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "DIRECT_URL" in run.summary


def test_annotations_point_at_the_env_line_the_url_came_from(action: Path, tmp_path: Path) -> None:
    refused = f"postgresql://app:pw@127.0.0.1:{closed_port()}/app?sslmode=disable"
    (tmp_path / ".env").write_text(f'# the app\nAPP_NAME=shop\nDATABASE_URL="{refused}"\n')
    run = _run(action, tmp_path, args="--no-environment")
    refusals = [a for a in run.annotations if a.properties.get("title", "").endswith("tcp-refused")]
    assert [(a.properties["file"], a.properties["line"]) for a in refusals] == [(".env", "3")]


def test_url_given_on_the_command_line_names_no_file(action: Path, tmp_path: Path) -> None:
    refused = f"postgresql://app:pw@127.0.0.1:{closed_port()}/app?sslmode=disable"
    run = _run(action, tmp_path, args=f"--no-environment --url DATABASE_URL={refused}")
    assert run.annotations and all("file" not in a.properties for a in run.annotations)


def test_ignore_in_args_accepts_a_failing_finding(action: Path, tmp_path: Path, direct_url: str) -> None:
    refused = f"postgresql://app:pw@127.0.0.1:{closed_port()}/app?sslmode=disable"
    write_env(tmp_path / ".env", DATABASE_URL=refused, DIRECT_URL=direct_url)
    run = _run(action, tmp_path, args="--no-environment --ignore tcp-refused")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "tcp-refused" not in _ids(run, "error")
    assert "1 ignored: tcp-refused" in run.stdout
    assert "ignored" in run.summary


def test_ignore_in_a_pgc_toml_is_honoured(action: Path, tmp_path: Path, direct_url: str) -> None:
    refused = f"postgresql://app:pw@127.0.0.1:{closed_port()}/app?sslmode=disable"
    write_env(tmp_path / ".env", DATABASE_URL=refused, DIRECT_URL=direct_url)
    (tmp_path / ".pgc.toml").write_text('ignore = ["tcp-refused"]\n')
    run = _run(action, tmp_path, args="--no-environment")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "tcp-refused" not in _ids(run, "error")
