"""SIGTERM and SIGHUP in the middle of writing `.env`: no temporary file with the password is left,
the old `.env` is intact, pgc exits 143 / 129. A real `pgc` child, paused by the tests-only hook
right after its temporary file is written, is signalled at that moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from pgconnect_cli.dotenv_file import TEMP_PATTERN, temp_path

POOLED = "postgresql://app:s3cret@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"
DIRECT = "postgresql://app:s3cret@ep-cool-1.us-east-2.aws.neon.tech/app?sslmode=require"
BEFORE = "# mine\nOTHER=1\n"


def _init_paused_at(tmp_path: Path, name: str) -> subprocess.Popen[str]:
    """`pgc env init` writing into tmp_path, stopped just before renaming `name` into place."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pgconnect_cli",
            "env",
            "init",
            "--database-url",
            POOLED,
            "--direct-url",
            DIRECT,
        ],
        cwd=tmp_path,
        env={**os.environ, "PGC_TEST_PAUSE_WRITE": name},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line == f"pgc-test: paused writing {name}\n", line
    return proc


def _leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob(".*.pgc-*.tmp"))


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_while_env_is_written_leaves_no_temporary_file_and_the_env_intact(
    tmp_path: Path, signum: int, code: int
) -> None:
    (tmp_path / ".env").write_text(BEFORE)
    proc = _init_paused_at(tmp_path, ".env")
    assert len(_leftovers(tmp_path)) == 1  # the temporary copy, 0600, holding the password
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert _leftovers(tmp_path) == []
    assert (tmp_path / ".env").read_text() == BEFORE


def test_a_signal_while_the_backup_is_written_leaves_the_env_and_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(BEFORE)
    proc = _init_paused_at(tmp_path, ".env.bak")
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert _leftovers(tmp_path) == [] and (tmp_path / ".env").read_text() == BEFORE


def test_ctrl_c_while_env_is_written_leaves_no_temporary_file(tmp_path: Path) -> None:
    """SIGINT unwinds as KeyboardInterrupt: `pgc: interrupted`, 130 (PRODUCT.md §4)."""
    proc = _init_paused_at(tmp_path, ".env")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (130, "pgc: interrupted\n")
    assert _leftovers(tmp_path) == [] and not (tmp_path / ".env").exists()


def test_the_temporary_file_of_env_is_covered_by_the_gitignore_line_pgc_adds(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pgconnect_cli",
            "env",
            "init",
            "--database-url",
            POOLED,
            "--direct-url",
            DIRECT,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert TEMP_PATTERN in (tmp_path / ".gitignore").read_text().splitlines()
    tmp = temp_path(tmp_path / ".env").name
    ignored = subprocess.run(["git", "check-ignore", "-q", tmp], cwd=tmp_path)
    assert ignored.returncode == 0


def test_env_stays_readable_by_python_dotenv_after_an_interrupted_run_and_a_rerun(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(BEFORE)
    proc = _init_paused_at(tmp_path, ".env")
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    rerun = subprocess.run(
        [
            sys.executable,
            "-m",
            "pgconnect_cli",
            "env",
            "init",
            "--database-url",
            POOLED,
            "--direct-url",
            DIRECT,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert dotenv_values(tmp_path / ".env") == {"OTHER": "1", "DATABASE_URL": POOLED, "DIRECT_URL": DIRECT}
