"""`DIRECT_URL=${DATABASE_URL}`: judged as the project's .env loader reads it (issue 11)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from dotenv import dotenv_values
from typer.testing import CliRunner

from pgconnect_cli.cli import app
from tests.env.test_env_check_duplicates import _node, node_dotenv

runner = CliRunner()

POOLED = (
    "postgresql://app:pw-Xk93@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require&pgbouncer=true"
)
REFERENCE = f'DATABASE_URL="{POOLED}"\nDIRECT_URL=${{DATABASE_URL}}\n'


def _check(tmp_path: Path, **project: str) -> dict:  # type: ignore[type-arg]
    for name, text in project.items():
        (tmp_path / name.replace("_", ".")).write_text(text)
    (tmp_path / ".env").write_text(REFERENCE)
    (tmp_path / ".env").chmod(0o600)
    return json.loads(runner.invoke(app, ["env", "check", "--json"]).stdout)  # type: ignore[no-any-return]


def _direct(data: dict) -> dict:  # type: ignore[type-arg]
    return next(u for u in data["urls"] if u["name"] == "DIRECT_URL")  # type: ignore[no-any-return]


def _severity(data: dict) -> str | None:  # type: ignore[type-arg]
    found = [f for f in _direct(data)["findings"] if f["id"] == "env-reference-not-expanded"]
    return found[0]["severity"] if found else None


def test_a_reference_is_an_error_for_node_postgres_whose_loader_does_not_expand(tmp_path: Path) -> None:
    data = _check(tmp_path, package_json='{"dependencies": {"pg": "^8"}}')
    assert _severity(data) == "error"


def test_a_reference_is_an_error_for_prisma7_which_loads_env_with_node_dotenv(tmp_path: Path) -> None:
    data = _check(tmp_path, package_json='{"dependencies": {"prisma": "^7.0.0"}}')
    assert _severity(data) == "error"


def test_a_reference_is_a_warning_when_the_loader_is_unknown(tmp_path: Path) -> None:
    data = _check(tmp_path)
    assert _severity(data) == "warning"


def test_a_reference_is_no_finding_for_psycopg_whose_python_dotenv_expands_it(tmp_path: Path) -> None:
    data = _check(tmp_path, requirements_txt="psycopg[binary]\n")
    assert _severity(data) is None


def test_a_reference_is_no_finding_for_prisma6_whose_dotenv_expand_expands_it(tmp_path: Path) -> None:
    data = _check(tmp_path, package_json='{"dependencies": {"prisma": "^6.2.0"}}')
    assert _severity(data) is None


def test_the_expanded_value_is_judged_where_the_loader_expands(tmp_path: Path) -> None:
    data = _check(tmp_path, requirements_txt="psycopg[binary]\n")
    assert _direct(data)["endpoint"] == "pooled"
    assert "direct-url-is-pooled" in {f["id"] for f in data["findings"]}


# --- the loader facts, checked against the real loaders ---------------------------------------


def test_python_dotenv_expands_a_reference(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(REFERENCE)
    assert dotenv_values(tmp_path / ".env")["DIRECT_URL"] == POOLED


def test_node_env_file_passes_a_reference_on_literally(tmp_path: Path) -> None:
    node = _node()
    (tmp_path / ".env").write_text(REFERENCE)
    code = "process.stdout.write(process.env.DIRECT_URL)"
    done = subprocess.run([node, "--env-file=.env", "-e", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout == "${DATABASE_URL}", done.stderr


def test_node_dotenv_passes_a_reference_on_literally(tmp_path: Path) -> None:
    node_dotenv(tmp_path)
    (tmp_path / ".env").write_text(REFERENCE)
    code = "process.stdout.write(require('dotenv').parse(require('fs').readFileSync('.env')).DIRECT_URL)"
    done = subprocess.run(["node", "-e", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.stdout == "${DATABASE_URL}", done.stderr
