"""The written .env against the real readers: python-dotenv, bash `source`, Node, and the lab server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from dotenv import dotenv_values
from typer.testing import CliRunner

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.cli import app
from pgconnect_cli.conninfo import parse
from pgconnect_cli.usecases.env_init import InitRequest, run_init
from tests.conftest import MakeRole
from tests.env.scripted import ScriptedAsker
from tests.env.test_env_check_duplicates import _node as node_binary

pytestmark = pytest.mark.live

runner = CliRunner()
NASTY = "p@ss:w/o?r#d $HOME `id` 'q' \"dq\" \\back ${X} %41 ~!&;|<> end"
KEYS = ("DATABASE_URL", "DIRECT_URL")


def _bash(env_dir: Path, key: str) -> str:
    script = f'set -a; . ./.env; printf %s "${key}"'
    done = subprocess.run(["bash", "-c", script], cwd=env_dir, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _node(env_dir: Path, key: str) -> str:
    code = f"process.stdout.write(process.env.{key})"
    done = subprocess.run(
        [node_binary(), "--env-file=.env", "-e", code],
        cwd=env_dir,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _login(url: str) -> str:
    with psycopg.connect(url, connect_timeout=10) as conn:
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture
def nasty_role(make_role: MakeRole) -> pgc_lab.Role:
    return make_role("pgc_env_nasty", NASTY)


def test_a_password_full_of_specials_reads_back_the_same_everywhere_and_logs_in(
    tmp_path: Path, lab: pgc_lab.Lab, nasty_role: pgc_lab.Role
) -> None:
    given = {"DATABASE_URL": nasty_role.url(via=lab.pgbouncer), "DIRECT_URL": nasty_role.url()}
    result = runner.invoke(
        app, ["env", "init", "--database-url", given["DATABASE_URL"], "--direct-url", given["DIRECT_URL"]]
    )
    assert result.exit_code == 0, result.stderr
    assert "p@ss" not in result.stdout + result.stderr
    read = dotenv_values(tmp_path / ".env")
    for key in KEYS:
        value = read[key]
        assert value is not None
        assert parse(value).libpq_dict() == parse(given[key]).libpq_dict()
        assert parse(value).password == NASTY
        assert _bash(tmp_path, key) == value
        assert _login(value) == "pgc_env_nasty"


def test_node_reads_the_same_urls_as_python_dotenv(
    tmp_path: Path, lab: pgc_lab.Lab, nasty_role: pgc_lab.Role
) -> None:
    result = runner.invoke(
        app,
        [
            "env",
            "init",
            "--database-url",
            nasty_role.url(via=lab.pgbouncer),
            "--direct-url",
            nasty_role.url(),
        ],
    )
    assert result.exit_code == 0, result.stderr
    read = dotenv_values(tmp_path / ".env")
    assert [_node(tmp_path, k) for k in KEYS] == [read[k] for k in KEYS]


def test_a_url_built_from_typed_parts_logs_in(
    tmp_path: Path, lab: pgc_lab.Lab, nasty_role: pgc_lab.Role
) -> None:
    server = lab.postgres
    answers = ["local", server.host, str(server.port), "pgc_env_nasty", NASTY, server.database, ""]
    run_init(InitRequest(file=tmp_path / ".env"), ScriptedAsker(answers, [True]))
    value = dotenv_values(tmp_path / ".env")["DIRECT_URL"]
    assert value is not None
    assert _bash(tmp_path, "DIRECT_URL") == value
    assert _login(value) == "pgc_env_nasty"
