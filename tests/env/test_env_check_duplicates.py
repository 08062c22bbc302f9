"""Duplicate keys in a .env: every value is checked, and the value loaders keep is the one named."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values
from typer.testing import CliRunner

from pgconnect_cli.cli import app
from tests.clients.real import NODE, NODE_CLIENTS

runner = CliRunner()

RAW_AT = "postgresql://app:p@ss@db.example.com/app?sslmode=require"
GOOD = "postgresql://app:pass-word-1@db.example.com/app?sslmode=require"
DUPLICATED = f"DATABASE_URL={RAW_AT}\nA=1\nDATABASE_URL={GOOD}\n"


def _check_json(tmp_path: Path, text: str) -> dict:  # type: ignore[type-arg]
    env = tmp_path / ".env"
    env.write_text(text)
    env.chmod(0o600)
    return json.loads(runner.invoke(app, ["env", "check", "--json"]).stdout)  # type: ignore[no-any-return]


def test_a_raw_at_in_an_earlier_duplicate_line_is_reported(tmp_path: Path) -> None:
    data = _check_json(tmp_path, DUPLICATED)
    earlier = next(u for u in data["urls"] if u["line"] == 1)
    assert [f["id"] for f in earlier["findings"]] == ["password-unencoded"]


def test_the_earlier_duplicate_names_the_line_loaders_keep(tmp_path: Path) -> None:
    data = _check_json(tmp_path, DUPLICATED)
    assert [u.get("shadowed_by") for u in data["urls"]] == [3, None]


def test_an_error_in_a_line_loaders_ignore_is_a_warning(tmp_path: Path) -> None:
    data = _check_json(tmp_path, DUPLICATED)
    assert data["urls"][0]["findings"][0]["severity"] == "warning"


def test_only_the_kept_value_takes_part_in_the_pair_checks(tmp_path: Path) -> None:
    pooled = "postgresql://app:pw-1-ab@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"
    direct = pooled.replace("-pooler", "")
    text = f'DIRECT_URL="{pooled}"\nDATABASE_URL="{pooled}"\nDIRECT_URL="{direct}"\n'
    data = _check_json(tmp_path, text)
    assert "direct-url-is-pooled" not in {f["id"] for f in data["findings"]}


def test_env_findings_carry_their_line_in_json(tmp_path: Path) -> None:
    data = _check_json(tmp_path, DUPLICATED)
    assert (data["findings"][0]["id"], data["findings"][0]["line"]) == ("env-duplicate-key", 1)


def test_env_findings_show_file_and_line_in_human_output(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\nB=x y\n")
    (tmp_path / ".env").chmod(0o600)
    result = runner.invoke(app, ["env", "check", "--no-color"])
    assert "env-shell-unsafe: `source .env` reads this line differently (.env:2)" in result.stdout


# --- what each loader really keeps: the claim in env-duplicate-key's detail -------------------

LOADERS_TEXT = "A=first\nA=second\n"


def test_python_dotenv_keeps_the_last_duplicate(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(LOADERS_TEXT)
    assert dotenv_values(tmp_path / ".env")["A"] == "second"


def test_bash_source_keeps_the_last_duplicate(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(LOADERS_TEXT)
    done = subprocess.run(
        ["bash", "-c", 'set -a; . ./.env; printf %s "$A"'], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.stdout == "second"


def _node() -> str:
    """The Node `make node-deps` put in .cache/ (the one the client tests run), else the system's."""
    if NODE.exists():
        return str(NODE)
    node = shutil.which("node")
    if node is None:
        pytest.fail("no node: run `make node-deps` (make test does)")
    return node


def test_node_env_file_keeps_the_last_duplicate(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(LOADERS_TEXT)
    code = "process.stdout.write(process.env.A)"
    done = subprocess.run(
        [_node(), "--env-file=.env", "-e", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "second", done.stderr


def node_dotenv(tmp_path: Path) -> Path:
    """Node's `dotenv` package (Prisma's config loader) from the clients `make node-deps` installed
    into .cache/node-clients, linked into `tmp_path/node_modules` (tests dial no registry)."""
    installed = NODE_CLIENTS / "node_modules" / "dotenv"
    if not (installed / "package.json").exists():
        pytest.fail("Node's dotenv is not in .cache/node-clients: run `make node-deps` (make test does)")
    (tmp_path / "node_modules").mkdir(exist_ok=True)
    (tmp_path / "node_modules" / "dotenv").symlink_to(installed, target_is_directory=True)
    return tmp_path


def test_node_dotenv_keeps_the_last_duplicate(tmp_path: Path) -> None:
    node_dotenv(tmp_path)
    (tmp_path / ".env").write_text(LOADERS_TEXT)
    code = "process.stdout.write(require('dotenv').parse(require('fs').readFileSync('.env')).A)"
    done = subprocess.run([_node(), "-e", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.stdout == "second", done.stderr
