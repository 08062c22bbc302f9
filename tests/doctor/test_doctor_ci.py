"""`pgc doctor --ci`: for CI jobs, never a spinner, the github format inside GitHub Actions."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.doctor.conftest import RunDoctor
from tests.fakes import closed_port
from tests.helpers import write_env

ACTIONS = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": ""}


def _refused() -> str:
    return f"postgresql://app:pw@127.0.0.1:{closed_port()}/app?sslmode=disable"


def test_ci_inside_github_actions_prints_annotations(run_doctor: RunDoctor, isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=_refused())
    result = run_doctor("--ci", "--no-environment", env=ACTIONS)
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=.env,line=1,title=DATABASE_URL%3A tcp-refused::")
    assert result.stdout.splitlines()[-1].startswith("pgc doctor: 1 error")


def test_ci_inside_github_actions_keeps_an_explicit_format(run_doctor: RunDoctor, isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=_refused())
    assert run_doctor("--ci", "--no-environment", "--json", env=ACTIONS).stdout.startswith("{")
    human = run_doctor("--ci", "--no-environment", "--format", "human", env=ACTIONS)
    assert human.stdout.startswith("pgc doctor · client:")


def test_ci_outside_github_actions_is_the_human_report(run_doctor: RunDoctor, isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=_refused())
    result = run_doctor("--ci", "--no-environment", env={"GITHUB_ACTIONS": None})  # type: ignore[dict-item]
    assert result.stdout.startswith("pgc doctor · client:")


def test_github_actions_without_ci_stays_human(run_doctor: RunDoctor, isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=_refused())
    assert run_doctor("--no-environment", env=ACTIONS).stdout.startswith("pgc doctor · client:")


def _stderr_on_a_terminal(*args: str, cwd: Path) -> str:
    """`pgc doctor ARGS` with stderr on a pseudo-terminal (where the spinner would show)."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    proc = subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", "doctor", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=cwd,
        env={**env, "TERM": "xterm", "COLUMNS": "100"},
        timeout=60,
        check=False,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.returncode == 1, proc.stdout
    return b"".join(chunks).decode("utf-8", "replace")


def test_ci_shows_no_spinner_on_a_terminal(isolation: Path) -> None:
    url = f"DATABASE_URL={_refused()}"
    assert "checking 1 URL" in _stderr_on_a_terminal("--url", url, cwd=isolation)
    assert "checking" not in _stderr_on_a_terminal("--ci", "--url", url, cwd=isolation)
