"""Reading .env files, the same way in every command: a size cap, one message per problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pgconnect_cli.cli import app
from pgconnect_cli.dotenv_file import MAX_ENV_BYTES, read_env_file
from pgconnect_cli.errors import UsageError
from pgconnect_cli.targets import read_dotenv_document

runner = CliRunner()
DIRECT = "postgresql://app:pw@127.0.0.1:5432/app?sslmode=disable"

COMMANDS = {
    "env check": ["env", "check"],
    "doctor": ["doctor", "--offline"],
    "exec": ["exec", "--dry-run", "psql"],
}


def _huge(path: Path) -> None:
    path.write_text(f"DIRECT_URL={DIRECT}\n# " + "x" * MAX_ENV_BYTES + "\n")


def test_the_size_cap_is_one_mebibyte() -> None:
    assert MAX_ENV_BYTES == 1 << 20


@pytest.mark.parametrize("command", COMMANDS)
def test_a_dotenv_over_the_size_cap_is_refused_in_one_line_with_exit_2(tmp_path: Path, command: str) -> None:
    _huge(tmp_path / ".env")
    result = runner.invoke(app, COMMANDS[command])
    assert result.exit_code == 2
    assert result.stderr.startswith("pgc: error: .env: ")
    assert "1 MiB" in result.stderr
    assert result.stderr.count("\n") == 1


def test_read_env_file_refuses_a_file_over_the_cap(tmp_path: Path) -> None:
    _huge(tmp_path / ".env")
    with pytest.raises(UsageError, match="1 MiB"):
        read_env_file(tmp_path / ".env")


def test_read_dotenv_refuses_a_file_over_the_cap(tmp_path: Path) -> None:
    _huge(tmp_path / ".env")
    with pytest.raises(UsageError, match="1 MiB"):
        read_dotenv_document(tmp_path / ".env")


def test_a_dotenv_at_the_cap_is_read(tmp_path: Path) -> None:
    line = f"DIRECT_URL={DIRECT}\n"
    (tmp_path / ".env").write_text(line + "#" * (MAX_ENV_BYTES - len(line) - 1) + "\n")
    assert dict(read_dotenv_document(tmp_path / ".env").values()) == {"DIRECT_URL": DIRECT}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_binary_dotenv_gets_the_same_message_from_every_command(tmp_path: Path, command: str) -> None:
    (tmp_path / ".env").write_bytes(b"DIRECT_URL=\xff\xfe\x00garbage\n")
    result = runner.invoke(app, COMMANDS[command])
    assert result.exit_code == 2
    assert result.stderr == "pgc: error: .env: not UTF-8 text (python-dotenv reads .env files as UTF-8)\n"


@pytest.mark.parametrize("command", ["doctor", "exec"])
def test_unparseable_dotenv_lines_do_not_print_python_dotenvs_own_warning(
    tmp_path: Path, command: str, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text(f"DIRECT_URL={DIRECT}\nB='broken\n")
    result = runner.invoke(app, COMMANDS[command])
    assert "python-dotenv could not parse" not in result.stderr + capfd.readouterr().err


def test_doctor_reports_unparseable_dotenv_lines_as_env_syntax(tmp_path: Path) -> None:
    import json

    (tmp_path / ".env").write_text(f"DIRECT_URL={DIRECT}\nB='broken\n")
    result = runner.invoke(app, ["doctor", "--offline", "--json"])
    found = [f for f in json.loads(result.stdout)["findings"] if f["id"] == "env-syntax"]
    assert [f["detail"].split(":")[0] for f in found] == [".env line 2"]
    assert result.exit_code == 1


def test_exec_warns_about_unparseable_dotenv_lines(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DIRECT_URL={DIRECT}\nB='broken\n")
    result = runner.invoke(app, COMMANDS["exec"])
    assert result.exit_code == 0
    assert "pgc: warning: .env line 2: python-dotenv cannot parse it" in result.stderr
