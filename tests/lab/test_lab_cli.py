"""`pgc lab up|down|status|env`: what the user sees, exit codes, and no password where it must not be."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import dotenv
import psycopg.conninfo
import pytest
from typer.testing import CliRunner

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.cli import lab as lab_cli
from tests.cluster_template import ClusterTemplate

pytestmark = pytest.mark.live


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(lab_cli.app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def pgc(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


@pytest.fixture
def empty_bin(tmp_path: Path) -> Path:
    path = tmp_path / "empty-bin"
    path.mkdir()
    return path


def test_up_without_postgresql_binaries_exits_2_naming_what_to_install(
    empty_bin: Path, reachable_tmp_path: Path
) -> None:
    env = {
        "PGC_PG_BINDIR": str(empty_bin),
        "PATH": str(empty_bin),
        "PGC_LAB_DIR": str(reachable_tmp_path / "lab"),
    }

    result = pgc("lab", "up", env=env)

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("pgc: error: PostgreSQL server binaries not found")
    assert "install" in result.stderr and "postgresql" in result.stderr
    assert not (reachable_tmp_path / "lab").exists()


def test_up_without_pgbouncer_exits_2_naming_pgbouncer(tmp_path: Path, reachable_tmp_path: Path) -> None:
    code, _, err = invoke(
        "up", "--dir", str(reachable_tmp_path / "lab"), env={"PGC_PGBOUNCER": str(tmp_path / "nowhere")}
    )

    assert code == 2
    assert err.startswith("pgc: error: PgBouncer not found") and "install it" in err
    assert len(err.splitlines()) == 1
    assert not (reachable_tmp_path / "lab").exists()


def test_up_on_a_running_lab_says_so_without_showing_the_password(lab: pgc_lab.Lab) -> None:
    code, out, err = invoke("up", "--dir", str(lab.directory))

    assert code == 0
    assert "already running" in err
    assert lab.masked_pooled_url in err and lab.masked_direct_url in err
    assert lab.password not in out + err


def test_status_shows_both_servers_without_the_password(lab: pgc_lab.Lab) -> None:
    code, out, err = invoke("status", "--dir", str(lab.directory))

    assert code == 0
    assert f"port {lab.postgres.port}" in out and f"port {lab.pgbouncer.port}" in out
    assert "****" in out
    assert lab.password not in out + err


def test_status_json_reports_the_running_servers_without_the_password(lab: pgc_lab.Lab) -> None:
    code, out, _ = invoke("status", "--dir", str(lab.directory), "--json")
    document = json.loads(out)

    assert code == 0
    assert (document["schema"], document["running"]) == ("pgc.lab/v1", True)
    assert document["postgres"]["port"] == lab.postgres.port
    assert document["pgbouncer"]["port"] == lab.pgbouncer.port
    assert lab.password not in out


def test_status_without_a_lab_exits_1(reachable_tmp_path: Path) -> None:
    code, out, _ = invoke("status", "--dir", str(reachable_tmp_path / "lab"))

    assert code == 1
    assert "No lab running" in out


def test_env_prints_both_urls_as_env_lines(lab: pgc_lab.Lab) -> None:
    code, out, _ = invoke("env", "--dir", str(lab.directory))

    assert code == 0
    assert out.splitlines() == [f'DATABASE_URL="{lab.pooled_url}"', f'DIRECT_URL="{lab.direct_url}"']


def test_env_without_a_lab_exits_1_with_one_line(reachable_tmp_path: Path) -> None:
    code, out, err = invoke("env", "--dir", str(reachable_tmp_path / "lab"))

    assert code == 1
    assert out == ""
    assert err.startswith("pgc: error: no lab running") and len(err.splitlines()) == 1


def test_env_write_creates_a_private_env_file_with_both_keys(lab: pgc_lab.Lab, tmp_path: Path) -> None:
    code, out, _ = invoke("env", "--dir", str(lab.directory), "--write")

    env_file = tmp_path / ".env"
    assert code == 0
    assert out == ""
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert dotenv.dotenv_values(env_file) == {"DATABASE_URL": lab.pooled_url, "DIRECT_URL": lab.direct_url}


def test_env_write_to_a_path_keeps_the_other_lines(lab: pgc_lab.Lab, tmp_path: Path) -> None:
    target = tmp_path / "app.env"
    target.write_bytes(b"# mine\nDIRECT_URL=old\nOTHER=1\n")

    code, _, err = invoke("env", "--dir", str(lab.directory), "--write", str(target))

    assert code == 0
    assert "Updated DIRECT_URL" in err
    assert target.read_bytes().splitlines()[0::2] == [b"# mine", b"OTHER=1"]
    assert dotenv.dotenv_values(target)["DATABASE_URL"] == lab.pooled_url


def test_env_path_without_write_is_a_usage_error(lab: pgc_lab.Lab, tmp_path: Path) -> None:
    code, _, err = invoke("env", "--dir", str(lab.directory), "app.env")

    assert code == 2
    assert "--write" in err
    assert not (tmp_path / "app.env").exists()


def test_down_twice_exits_0_and_says_no_lab_is_running(reachable_tmp_path: Path) -> None:
    directory = reachable_tmp_path / "nothing-here"

    code, _, err = invoke("down", "--dir", str(directory))

    assert code == 0
    assert "No lab running" in err


def test_lab_commands_end_to_end_start_print_and_remove_a_lab(reachable_tmp_path: Path) -> None:
    env = {"PGC_LAB_DIR": str(reachable_tmp_path / "lab")}

    started = pgc("lab", "up", env=env)
    printed = pgc("lab", "env", env=env)
    status = pgc("lab", "status", env=env)
    stopped = pgc("lab", "down", env=env)
    again = pgc("lab", "down", env=env)

    assert [p.returncode for p in (started, printed, status, stopped, again)] == [0, 0, 0, 0, 0]
    urls = dict(line.split("=", 1) for line in printed.stdout.splitlines())
    password = psycopg.conninfo.conninfo_to_dict(urls["DIRECT_URL"].strip('"'))["password"]
    assert "Started a lab" in started.stderr
    assert password not in started.stdout + started.stderr + status.stdout + status.stderr
    assert "No lab running" in again.stderr
    assert not (reachable_tmp_path / "lab").exists()


@pytest.fixture
def crashed_pgbouncer(reachable_tmp_path: Path, lab_template: ClusterTemplate) -> pgc_lab.Lab:
    """A lab whose PgBouncer was killed with SIGKILL."""
    started = pgc_lab.up(reachable_tmp_path / "lab", cluster=lab_template).lab
    os.kill(started.pgbouncer.pid, signal.SIGKILL)
    while started.pgbouncer.is_running():
        time.sleep(0.01)
    return started


def test_status_of_a_half_dead_lab_names_the_dead_server_and_exits_1(crashed_pgbouncer: pgc_lab.Lab) -> None:
    code, out, _ = invoke("status", "--dir", str(crashed_pgbouncer.directory))

    assert code == 1
    assert f"pgbouncer (pid {crashed_pgbouncer.pgbouncer.pid}) is not running" in out


def test_up_on_a_half_dead_lab_says_it_cleaned_up_and_started_a_new_one(
    crashed_pgbouncer: pgc_lab.Lab,
) -> None:
    code, _, err = invoke("up", "--dir", str(crashed_pgbouncer.directory))

    assert code == 0
    assert f"pgbouncer (pid {crashed_pgbouncer.pgbouncer.pid}) is not running" in err
    assert "cleaned it up and started a new one on the same ports with the same password" in err
    assert not crashed_pgbouncer.postgres.is_running()
    assert pgc_lab.status(crashed_pgbouncer.directory).running


@pytest.mark.parametrize("command", ["up", "down", "status", "env"])
def test_an_empty_dir_is_a_usage_error_not_the_current_directory(command: str, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")

    code, out, err = invoke(command, "--dir", "")

    assert (code, out) == (2, "")
    assert err == "pgc: error: --dir is empty: give a lab directory, or leave --dir out for the default\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def _env_file(path: Path, database_url: str, direct_url: str) -> None:
    path.write_text(f'DATABASE_URL="{database_url}"\nDIRECT_URL="{direct_url}"\n')


def test_status_says_a_dotenv_written_for_this_lab_holds_its_urls(lab: pgc_lab.Lab, tmp_path: Path) -> None:
    _env_file(tmp_path / ".env", lab.pooled_url, lab.direct_url)

    code, out, _ = invoke("status", "--dir", str(lab.directory))

    assert code == 0
    assert "  .env holds this lab's URLs" in out.splitlines()


def test_status_says_a_dotenv_with_an_older_labs_port_is_stale(lab: pgc_lab.Lab, tmp_path: Path) -> None:
    old_port = lab.postgres.port + 1
    old_direct = lab.direct_url.replace(f":{lab.postgres.port}/", f":{old_port}/")
    _env_file(tmp_path / ".env", lab.pooled_url, old_direct)

    code, out, _ = invoke("status", "--dir", str(lab.directory))

    assert code == 0
    assert (
        f"  .env points at an older lab (DIRECT_URL port {old_port} (the lab's is {lab.postgres.port})): "
        "rewrite it with 'pgc lab env --write .env'"
    ) in out.splitlines()


def test_status_says_a_dotenv_with_an_older_labs_password_is_stale_without_showing_either(
    lab: pgc_lab.Lab, tmp_path: Path
) -> None:
    old_password = "an-older-labs-password"
    _env_file(
        tmp_path / ".env",
        lab.postgres.url(password=old_password).replace(f":{lab.postgres.port}/", f":{lab.pgbouncer.port}/"),
        lab.postgres.url(password=old_password),
    )

    _, out, err = invoke("status", "--dir", str(lab.directory))

    assert "DATABASE_URL password (not the lab's); DIRECT_URL password (not the lab's)" in out
    assert old_password not in out + err and lab.password not in out + err


def test_status_ignores_a_dotenv_that_points_elsewhere(lab: pgc_lab.Lab, tmp_path: Path) -> None:
    _env_file(
        tmp_path / ".env",
        "postgresql://app:secret@db.internal:6543/app",
        "postgresql://app:secret@localhost:5432/app",
    )

    _, out, _ = invoke("status", "--dir", str(lab.directory))

    assert ".env" not in out


def test_status_json_reports_a_stale_dotenv(lab: pgc_lab.Lab, tmp_path: Path) -> None:
    old_port = lab.pgbouncer.port + 1
    old_pooled = lab.pooled_url.replace(f":{lab.pgbouncer.port}/", f":{old_port}/")
    _env_file(tmp_path / ".env", old_pooled, lab.direct_url)

    _, out, _ = invoke("status", "--dir", str(lab.directory), "--json")

    assert json.loads(out)["env_file"] == {
        "path": ".env",
        "stale": True,
        "differences": [f"DATABASE_URL port {old_port} (the lab's is {lab.pgbouncer.port})"],
    }
