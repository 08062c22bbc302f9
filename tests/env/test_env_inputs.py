"""Where `.env` text comes from: a stream on stdin, an empty path, committed example files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from pgconnect_cli.checks.env_example import example_findings
from pgconnect_cli.cli import app
from pgconnect_cli.dotenv_file import parse_document
from pgconnect_cli.project import detect
from pgconnect_cli.usecases.env_init import url_linter

runner = CliRunner()
URL = "postgresql://app:s3cret-Xk93@127.0.0.1:1/app"


def _pgc(*args: str, stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


# --- /dev/stdin --------------------------------------------------------------------------------


def test_env_check_reads_dev_stdin_as_a_stream(tmp_path: Path) -> None:
    done = _pgc(
        "env", "check", "--file", "/dev/stdin", "--json", stdin=f'DATABASE_URL="{URL}"\n', cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert [u["name"] for u in json.loads(done.stdout)["urls"]] == ["DATABASE_URL"]


def test_doctor_reads_env_file_dev_stdin_as_a_stream(tmp_path: Path) -> None:
    done = _pgc(
        "doctor", "--offline", "--env-file", "/dev/stdin", stdin=f'DATABASE_URL="{URL}"\n', cwd=tmp_path
    )
    assert "no such file" not in done.stderr
    assert "DATABASE_URL" in done.stdout


def test_env_init_refuses_to_write_a_stream(tmp_path: Path) -> None:
    done = _pgc("env", "init", "--file", "/dev/stdin", "--database-url", URL, stdin="", cwd=tmp_path)
    assert done.returncode == 2
    assert "a stream" in done.stderr and "Traceback" not in done.stderr


# --- an empty path -----------------------------------------------------------------------------


def test_env_check_with_an_empty_file_path_is_a_usage_error() -> None:
    result = runner.invoke(app, ["env", "check", "--file", ""])
    assert result.exit_code == 2
    assert result.stderr == "pgc: error: --file: the path is empty\n"


def test_env_init_with_an_empty_file_path_is_a_usage_error() -> None:
    result = runner.invoke(app, ["env", "init", "--file", "", "--database-url", URL])
    assert result.exit_code == 2
    assert result.stderr == "pgc: error: --file: the path is empty\n"


# --- committed examples ------------------------------------------------------------------------


def _examples(tmp_path: Path, text: str) -> list[str]:
    lint = url_linter(detect(tmp_path))
    return [f.id for f in example_findings(".env.example", parse_document(text), lint)]


def test_a_real_password_for_a_remote_host_in_env_example_is_reported(tmp_path: Path) -> None:
    text = 'DATABASE_URL="postgresql://app:Xk93jd-real@db.example.com/app?sslmode=require"\n'
    assert _examples(tmp_path, text) == ["env-example-real-password"]


def test_a_placeholder_password_in_env_example_is_fine(tmp_path: Path) -> None:
    text = 'DATABASE_URL="postgresql://app:[YOUR-PASSWORD]@db.example.com/app?sslmode=require"\n'
    assert _examples(tmp_path, text) == []


def test_a_local_development_password_in_env_example_is_fine(tmp_path: Path) -> None:
    text = (
        'DATABASE_URL="postgresql://postgres:postgres@localhost:5432/app"\nB="postgresql://u:pw-1@db/app"\n'
    )
    assert _examples(tmp_path, text) == []


def test_env_check_reads_env_example_beside_the_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f'DATABASE_URL="{URL}"\n')
    (tmp_path / ".env").chmod(0o600)
    (tmp_path / ".env.sample").write_text('DATABASE_URL="postgresql://app:Xk93jd-real@db.example.com/app"\n')
    data = json.loads(runner.invoke(app, ["env", "check", "--json"]).stdout)
    assert data["examples"][0]["file"] == ".env.sample"
    assert [f["id"] for f in data["examples"][0]["findings"]] == ["env-example-real-password"]
    assert data["summary"]["warnings"] >= 1
