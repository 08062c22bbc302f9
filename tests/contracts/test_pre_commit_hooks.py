""".pre-commit-hooks.yaml: each hook's files and entry, run the way pre-commit runs them."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pgconnect_cli.cli import app
from tests.helpers import write_env

ROOT = Path(__file__).resolve().parents[2]
HOOKS: dict[str, dict[str, Any]] = {
    h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
}
GOOD = "postgresql://app:s3cret@localhost:5432/app"
UNENCODED = "postgresql://app:p@ss@localhost:5432/app"


def _selects(hook: dict[str, Any], path: str) -> bool:
    """pre-commit's rule: `files` searched in the path, `exclude` not."""
    return bool(re.search(hook["files"], path)) and not (
        "exclude" in hook and re.search(hook["exclude"], path)
    )


def _run(hook_id: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The entry plus args and file names, with the hook environment's bin first on PATH."""
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    command = [*shlex.split(HOOKS[hook_id]["entry"]), *argv]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_hooks_are_the_env_check_and_the_url_check() -> None:
    assert set(HOOKS) == {"pgc-env-check", "pgc-url-check"}


@pytest.mark.parametrize("hook_id", ["pgc-env-check", "pgc-url-check"])
def test_hook_has_what_pre_commit_requires(hook_id: str) -> None:
    hook = HOOKS[hook_id]
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["language"] == "python"  # pre-commit installs this repository, so `pgc` is on PATH


@pytest.mark.parametrize(("command", "option"), [(["env", "check"], "--file"), (["url", "check"], "--env")])
def test_the_pgc_commands_the_hooks_run_exist(command: list[str], option: str) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert option in result.stdout
    assert all(f"'{word}'" in HOOKS[f"pgc-{command[0]}-check"]["entry"] for word in ("pgc", *command, option))


@pytest.mark.parametrize("path", [".env", "app/.env", ".env.local", "deploy/.env.production"])
def test_env_check_hook_selects_env_files(path: str) -> None:
    assert _selects(HOOKS["pgc-env-check"], path)
    assert not _selects(HOOKS["pgc-url-check"], path)


@pytest.mark.parametrize("path", [".env.example", "web/.env.sample", ".env.template", ".env.dist"])
def test_url_check_hook_selects_env_templates(path: str) -> None:
    assert _selects(HOOKS["pgc-url-check"], path)
    assert not _selects(HOOKS["pgc-env-check"], path)


@pytest.mark.parametrize("path", ["env.py", ".envrc", "docs/.env.md/x", ".environment"])
def test_hooks_leave_other_files_alone(path: str) -> None:
    assert not any(_selects(h, path) for h in HOOKS.values())


def test_env_check_hook_passes_a_clean_file(isolation: Path) -> None:
    (isolation / ".gitignore").write_text(".env\n")
    path = write_env(isolation / ".env", DATABASE_URL=GOOD)
    path.chmod(0o600)
    result = _run("pgc-env-check", ".env")
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_check_hook_fails_when_any_file_fails(isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=GOOD).chmod(0o600)
    (isolation / "app").mkdir()
    write_env(isolation / "app" / ".env", DATABASE_URL=UNENCODED).chmod(0o600)
    result = _run("pgc-env-check", ".env", "app/.env")
    assert result.returncode == 1
    assert "password-unencoded" in result.stdout
    assert "p@ss" not in result.stdout + result.stderr


def test_env_check_hook_passes_args_to_pgc(isolation: Path) -> None:
    write_env(isolation / ".env", DATABASE_URL=GOOD)  # mode 0644: a warning
    assert _run("pgc-env-check", ".env").returncode == 0
    assert _run("pgc-env-check", "--strict", ".env").returncode == 1


def test_url_check_hook_checks_every_postgres_url_of_a_template(isolation: Path) -> None:
    (isolation / ".env.example").write_text(f"APP_NAME=demo\nDATABASE_URL={GOOD}\nDIRECT_URL='{UNENCODED}'\n")
    result = _run("pgc-url-check", ".env.example")
    assert result.returncode == 1
    assert ".env.example: DATABASE_URL" in result.stdout and ".env.example: DIRECT_URL" in result.stdout
    assert "password-unencoded" in result.stdout
    assert "s3cret" not in result.stdout + result.stderr


def test_url_check_hook_passes_a_template_of_sound_urls(isolation: Path) -> None:
    (isolation / ".env.example").write_text(f"DATABASE_URL={GOOD}\nREDIS_URL=redis://localhost:6379\n")
    result = _run("pgc-url-check", ".env.example")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "REDIS_URL" not in result.stdout
