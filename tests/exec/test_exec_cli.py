"""`pgc exec` and its short forms on the command line, without a server: options, errors, exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pgconnect_cli.cli import app
from tests.helpers import pgc, write_env

runner = CliRunner()
SECRET = "s3cr3t-Pw"
DIRECT = f"postgresql://app:{SECRET}@127.0.0.1:5432/app?sslmode=require"
POOLED = f"postgresql://app:{SECRET}@127.0.0.1:6432/app?sslmode=require&pgbouncer=true"
NEON_POOLED = f"postgresql://app:{SECRET}@ep-cool-tree-123456-pooler.us-east-2.aws.neon.tech/neondb"


def test_dry_run_prints_the_environment_and_the_command_masked(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=POOLED, DIRECT_URL=DIRECT)
    result = runner.invoke(app, ["exec", "--dry-run", "psql", "-c", "select 1"])
    assert result.exit_code == 0, result.output
    assert "PGPORT=5432" in result.stdout
    assert "PGPASSFILE=<temporary" in result.stdout
    assert "DATABASE_URL='postgresql://app:****@127.0.0.1:5432/app?sslmode=require'" in result.stdout
    assert result.stdout.rstrip().endswith("psql -c 'select 1'")
    assert SECRET not in result.output


def test_the_variable_used_is_named_on_stderr(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=POOLED, DIRECT_URL=DIRECT)
    result = runner.invoke(app, ["exec", "--dry-run", "psql"])
    assert result.stderr.startswith("pgc: using DIRECT_URL from .env (postgresql://app:****@127.0.0.1")


def test_dry_run_lists_inherited_connection_variables_it_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    monkeypatch.setenv("PGSERVICE", "elsewhere")
    monkeypatch.setenv("PGPASSWORD", "stale")
    result = runner.invoke(app, ["exec", "--dry-run", "psql"])
    assert "unset PGPASSWORD PGSERVICE" in result.stdout


def test_process_environment_is_read_as_well_as_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECT_URL", DIRECT)
    result = runner.invoke(app, ["exec", "--dry-run", "psql"])
    assert result.exit_code == 0
    assert "using DIRECT_URL from the environment" in result.stderr


def test_env_file_option_picks_the_file(tmp_path: Path) -> None:
    write_env(tmp_path / "prod.env", DIRECT_URL=DIRECT.replace("5432", "5999"))
    result = runner.invoke(app, ["exec", "--env-file", "prod.env", "--dry-run", "psql"])
    assert "PGPORT=5999" in result.stdout


def test_missing_env_file_is_a_usage_error() -> None:
    result = runner.invoke(app, ["exec", "--env-file", "nope.env", "psql"])
    assert result.exit_code == 2
    assert result.stderr.startswith("pgc: error: nope.env")


def test_url_option_overrides_discovery(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = runner.invoke(app, ["exec", "--url", DIRECT.replace("5432", "5777"), "--dry-run", "psql"])
    assert "PGPORT=5777" in result.stdout


def test_pooled_only_database_url_exits_2_naming_direct_url(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=POOLED)
    result = runner.invoke(app, ["exec", "psql"])
    assert result.exit_code == 2
    assert "DIRECT_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert SECRET not in result.stderr


def test_allow_pooled_runs_through_the_pooler_with_a_warning(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=POOLED)
    result = runner.invoke(app, ["exec", "--allow-pooled", "--dry-run", "psql"])
    assert result.exit_code == 0
    assert "PGPORT=6432" in result.stdout
    assert "pgc: warning: using the pooled DATABASE_URL" in result.stderr


def test_no_tool_is_a_usage_error(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = runner.invoke(app, ["exec"])
    assert result.exit_code == 2
    assert "missing TOOL" in result.stderr


def test_unknown_option_before_the_tool_is_a_usage_error() -> None:
    result = runner.invoke(app, ["exec", "--frobnicate", "psql"])
    assert result.exit_code == 2
    assert "--frobnicate" in result.stderr


def test_options_after_the_tool_belong_to_the_tool(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = runner.invoke(app, ["exec", "--dry-run", "psql", "-h", "other", "--dry-run"])
    assert result.stdout.rstrip().endswith("psql -h other --dry-run")


def test_double_dash_separates_pgc_options_from_the_tool(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = runner.invoke(app, ["exec", "--dry-run", "--", "npx", "prisma", "migrate", "deploy"])
    assert result.exit_code == 0
    assert result.stdout.rstrip().endswith("npx prisma migrate deploy")


def test_short_form_runs_the_tool_and_leaves_dash_h_to_it(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = runner.invoke(app, ["psql", "--dry-run", "-h", "localhost", "-c", "select 1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("psql -h localhost -c 'select 1'")


@pytest.mark.parametrize("tool", ["psql", "pg_dump", "pg_restore"])
def test_short_forms_have_help(tool: str) -> None:
    result = runner.invoke(app, [tool, "--help"])
    assert result.exit_code == 0
    assert f"pgc exec {tool}" in result.stdout


def test_missing_libpq_tool_exits_127_with_an_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(app, ["exec", "psql"])
    assert result.exit_code == 127
    assert result.stderr == "pgc: error: psql: command not found (install postgresql-client)\n"


def test_missing_tool_exits_127_with_one_line(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = pgc("exec", "no-such-tool-xyz")
    assert result.returncode == 127
    assert result.stderr == "pgc: error: no-such-tool-xyz: command not found\n"


def test_file_that_is_not_executable_exits_126(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    (tmp_path / "script.sh").write_text("exit 0\n")
    result = runner.invoke(app, ["exec", "./script.sh"])
    assert result.exit_code == 126


def test_exit_code_of_the_child_comes_back_unchanged(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = pgc("exec", "sh", "-c", "exit 3")
    assert result.returncode == 3


def test_child_killed_by_a_signal_gives_128_plus_the_signal(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = pgc("exec", "sh", "-c", "kill -TERM $$")
    assert result.returncode == 128 + 15


def test_generic_tool_sees_the_derived_direct_url_in_database_url(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DATABASE_URL=NEON_POOLED)
    result = pgc("exec", "sh", "-c", 'printf %s "$DATABASE_URL"')
    assert result.returncode == 0, result.stderr
    assert result.stdout == NEON_POOLED.replace("-pooler.", ".")


def test_child_inherits_the_terminal_streams(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    result = pgc("exec", "sh", "-c", "echo out; echo err >&2")
    assert result.stdout == "out\n"
    assert result.stderr.endswith("err\n")


def test_passfile_exists_while_the_child_runs_and_is_removed_after(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    temp = tmp_path / "tmp"
    temp.mkdir()
    script = 'stat -c %a "$PGPASSFILE" "$(dirname "$PGPASSFILE")"; cat "$PGPASSFILE"'
    result = pgc("exec", "sh", "-c", script, env={"TMPDIR": str(temp)})
    mode_file, mode_dir, line = result.stdout.splitlines()
    assert (mode_file, mode_dir) == ("600", "700")
    assert line == f"127.0.0.1:5432:*:app:{SECRET}"
    assert list(temp.iterdir()) == []


def test_exec_help_does_not_load_psycopg() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from pgconnect_cli.cli import app\n"
        "CliRunner().invoke(app, ['exec', '--help'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'psycopg', 'dns', 'dotenv'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]"


def test_sigterm_before_the_tool_starts_still_removes_the_passfile(tmp_path: Path) -> None:
    # pg_dump's version is read before it runs: a stand-in whose `--version` hangs
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "pg_dump"
    fake.write_text(f"#!/bin/sh\ntouch {tmp_path}/asked\nexec sleep 600\n")
    fake.chmod(0o755)
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "pgconnect_cli", "exec", "pg_dump"],
        env={**os.environ, "TMPDIR": str(temp), "PATH": f"{bindir}:{os.environ['PATH']}"},
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "asked").exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        assert len(list(temp.iterdir())) == 1  # the passfile's directory
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert code == 128 + signal.SIGTERM
    assert list(temp.iterdir()) == []


def test_a_dotenv_value_hidden_by_the_environment_is_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    monkeypatch.setenv("DIRECT_URL", DIRECT.replace("5432", "5999"))
    result = runner.invoke(app, ["exec", "--dry-run", "psql"])
    assert "PGPORT=5999" in result.stdout
    assert "pgc: .env:1 sets DIRECT_URL to another URL, ignored: the environment wins" in result.stderr
    assert SECRET not in result.stderr


def test_an_empty_url_is_a_usage_error_not_the_local_socket() -> None:
    from tests.helpers import cli

    result = cli("exec", "--url", "", "--dry-run", "psql")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("pgc: error: --url is empty")
