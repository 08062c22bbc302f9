"""Keeping .env out of git: git decides what is ignored; pgc appends to .gitignore, keeping it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pgconnect_cli.gitignore import GitStatus, ensure_ignored, plan_gitignore, status


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    return tmp_path


def test_outside_a_repository_there_is_nothing_to_do(tmp_path: Path) -> None:
    result = ensure_ignored([tmp_path / ".env"])
    assert not result.in_repo and result.added == ()
    assert not (tmp_path / ".gitignore").exists()


def test_a_new_gitignore_gets_env_and_its_backup(repo: Path) -> None:
    result = ensure_ignored([repo / ".env", repo / ".env.bak"])
    assert result.added == (".env", ".env.bak")
    assert (repo / ".gitignore").read_text() == ".env\n.env.bak\n"
    assert status(repo / ".env") is GitStatus.IGNORED


def test_an_existing_gitignore_keeps_every_byte_and_gains_a_line(repo: Path) -> None:
    (repo / ".gitignore").write_text("node_modules/\n# build\ndist")
    ensure_ignored([repo / ".env"])
    assert (repo / ".gitignore").read_text() == "node_modules/\n# build\ndist\n.env\n"


def test_names_already_ignored_are_not_added_again(repo: Path) -> None:
    (repo / ".gitignore").write_text(".env*\n")
    result = ensure_ignored([repo / ".env", repo / ".env.bak"])
    assert result.added == ()
    assert (repo / ".gitignore").read_text() == ".env*\n"


def test_a_committed_env_is_reported_as_tracked(repo: Path) -> None:
    (repo / ".env").write_text("A=1\n")
    _git(repo, "add", ".env")
    assert status(repo / ".env") is GitStatus.TRACKED
    assert ensure_ignored([repo / ".env"]).tracked == (".env",)


def test_a_gitignore_appended_after_a_negation_rule_wins(repo: Path) -> None:
    (repo / ".gitignore").write_text("*\n!.env\n!.gitignore\n")
    ensure_ignored([repo / ".env"])
    assert status(repo / ".env") is GitStatus.IGNORED


def test_a_dry_run_changes_nothing(repo: Path) -> None:
    result = ensure_ignored([repo / ".env"], dry_run=True)
    assert result.added == (".env",)
    assert not (repo / ".gitignore").exists()


def test_plan_gitignore_follows_crlf_files() -> None:
    assert plan_gitignore("a\r\nb", [".env"]) == "a\r\nb\r\n.env\r\n"
