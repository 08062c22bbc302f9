"""The project's pgc settings: `[tool.pgc]` in pyproject.toml or a `.pgc.toml`, found from the
current directory up to the git root; flags win; bad types are one line naming file and key."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pgconnect_cli import config
from tests.helpers import cli

NO_SSL = "postgresql://u:pw@db.example.com/db"  # sslmode-missing (warning)


def test_no_settings_file_gives_empty_settings(isolation: Path) -> None:
    (isolation / ".git").mkdir()
    assert config.load(isolation) == config.Settings()


def test_pgc_toml_is_read(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text(
        'ignore = ["sslmode-missing"]\nstrict = true\nclient = "prisma"\ntimeout = 2\ninstances = 4\n'
    )
    assert config.load(isolation) == config.Settings(
        isolation / ".pgc.toml", ("sslmode-missing",), True, "prisma", 2.0, 4
    )


def test_tool_pgc_table_of_pyproject_is_read(isolation: Path) -> None:
    (isolation / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.pgc]\nstrict = true\n')
    assert config.load(isolation).strict is True


def test_pyproject_without_tool_pgc_is_passed_over_for_a_parent_pgc_toml(isolation: Path) -> None:
    (isolation / ".git").mkdir()
    (isolation / ".pgc.toml").write_text("timeout = 3\n")
    app = isolation / "services" / "app"
    app.mkdir(parents=True)
    (app / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert config.load(app).timeout == 3.0


def test_lookup_stops_at_the_git_root(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text("timeout = 3\n")
    repo = isolation / "repo"
    (repo / ".git").mkdir(parents=True)
    assert config.load(repo) == config.Settings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("strict = 1\n", ".pgc.toml: strict: expected true or false"),
        ('ignore = "sslmode-missing"\n', ".pgc.toml: ignore: expected a list of finding ids"),
        ('ignore = ["sslmode-mising"]\n', "no such finding id; did you mean sslmode-missing?"),
        ('client = "hibernate"\n', ".pgc.toml: client: expected one of prisma"),
        ("timeout = 0\n", ".pgc.toml: timeout: expected a number of seconds above 0"),
        ('timeout = "5"\n', ".pgc.toml: timeout: expected a number of seconds"),
        ("instances = 0\n", ".pgc.toml: instances: expected a whole number"),
        ("instances = true\n", ".pgc.toml: instances: expected a whole number"),
        ("colour = true\n", ".pgc.toml: colour: unknown key"),
        ("strict = \n", ".pgc.toml: not valid TOML"),
    ],
)
def test_bad_settings_are_one_usage_line_naming_file_and_key(
    isolation: Path, text: str, message: str
) -> None:
    (isolation / ".pgc.toml").write_text(text)
    result = cli("url", "check", NO_SSL)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert str(isolation / ".pgc.toml") in result.stderr


def test_bad_type_in_pyproject_names_the_table(isolation: Path) -> None:
    (isolation / "pyproject.toml").write_text("[tool.pgc]\nstrict = 'yes'\n")
    result = cli("doctor", "--offline", "--url", f"DATABASE_URL={NO_SSL}")
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"pgc: error: {isolation / 'pyproject.toml'}: [tool.pgc] strict: expected true or false\n"
    )


def test_ignore_in_settings_is_shown_as_ignored(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text('ignore = ["sslmode-missing"]\nstrict = true\n')
    result = cli("url", "check", NO_SSL, "--json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 0
    assert doc["findings"][0]["ignored"] is True


def test_strict_in_settings_fails_on_warnings(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text("strict = true\n")
    assert cli("url", "check", NO_SSL).exit_code == 1


def test_strict_in_settings_applies_to_env_check(isolation: Path) -> None:
    (isolation / ".env").write_text(f"DATABASE_URL={NO_SSL}\n")
    (isolation / ".env").chmod(0o600)
    assert cli("env", "check").exit_code == 0
    (isolation / ".pgc.toml").write_text("strict = true\n")
    assert cli("env", "check").exit_code == 1


def test_settings_in_a_parent_directory_apply(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text("strict = true\n")
    sub = isolation / "src"
    sub.mkdir()
    os.chdir(sub)
    assert cli("url", "check", NO_SSL).exit_code == 1


def test_doctor_takes_client_and_timeout_from_settings(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text('client = "prisma"\ntimeout = 2.5\n')
    out = cli(
        "doctor", "--url", f"DATABASE_URL={NO_SSL}", "--resolve", "db.example.com:127.0.0.1", "--offline"
    ).stdout
    assert out.splitlines()[0].startswith("pgc doctor · client: prisma")


def test_doctor_flags_win_over_settings(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text('client = "prisma"\n')
    out = cli("doctor", "--offline", "--client", "psycopg", "--url", f"DATABASE_URL={NO_SSL}").stdout
    assert out.splitlines()[0].startswith("pgc doctor · client: psycopg")


def test_doctor_names_the_settings_file_as_the_clients_source(isolation: Path) -> None:
    (isolation / ".pgc.toml").write_text('client = "prisma"\n')
    out = cli("doctor", "--offline", "--url", f"DATABASE_URL={NO_SSL}").stdout
    first = out.splitlines()[0]
    assert first.startswith("pgc doctor · client: prisma") and "(.pgc.toml)" in first


def test_the_doctor_header_names_the_row_and_where_it_was_found(isolation: Path) -> None:
    import shutil

    project = Path(__file__).parent / "clients" / "projects" / "prisma7-adapter-pg"
    shutil.copytree(project, isolation / "app")
    os.chdir(isolation / "app")
    out = cli("doctor", "--offline", "--no-environment", "--url", f"DATABASE_URL={NO_SSL}").stdout
    first = out.splitlines()[0]
    assert first.startswith("pgc doctor · client: prisma7-pg (@prisma/adapter-pg in package.json)")
    assert "also found node-postgres" in first
