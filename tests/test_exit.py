"""pgc leaves without the interpreter's teardown (`pgconnect_cli.cli.leave`), and that skips no
cleanup: temporary passfiles and `.env` copies are gone, atexit callbacks and non-daemon threads
still run, output to a closed pipe or a full disk is still reported as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import write_env

DIRECT = "postgresql://app:s3cr3t-Pw@127.0.0.1:5432/app?sslmode=require"
POOLED = "postgresql://app:s3cr3t-Pw@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"
UNPOOLED = "postgresql://app:s3cr3t-Pw@ep-cool-1.us-east-2.aws.neon.tech/app?sslmode=require"
URL = "postgresql://app:pw@db.example.com/app?sslmode=require"


def _pgc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_passfile_of_pgc_exec_is_removed_before_pgc_exits(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", DIRECT_URL=DIRECT)
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = _pgc(
        "exec", "sh", "-c", 'test -s "$PGPASSFILE" && echo seen', cwd=tmp_path, env={"TMPDIR": str(temp)}
    )
    assert (result.returncode, result.stdout) == (0, "seen\n"), result.stderr
    assert list(temp.iterdir()) == []


def test_env_init_leaves_no_temporary_copy_of_env(tmp_path: Path) -> None:
    result = _pgc("env", "init", "--database-url", POOLED, "--direct-url", UNPOOLED, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".env").is_file()
    assert sorted(p.name for p in tmp_path.glob(".*.pgc-*.tmp")) == []


def test_output_to_a_closed_pipe_is_exit_1_without_a_message(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pgconnect_cli", "url", "check", URL],
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, "")


def test_output_to_a_full_disk_is_one_line_exit_2(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "pgconnect_cli", "url", "check", URL],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert (result.returncode, result.stderr) == (
        2,
        "pgc: error: cannot write the output: No space left on device\n",
    )


def test_leaving_runs_atexit_callbacks_and_waits_for_threads_then_exits_with_the_code(tmp_path: Path) -> None:
    program = (
        "import atexit, sys, threading, time\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        "t = threading.Thread(target=lambda: (time.sleep(0.2), print('thread done')))\n"
        "t.start()\n"
        "sys.stdout.write('buffered ')\n"
        "from pgconnect_cli.cli import leave\n"
        "leave(7)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout) == (7, "buffered thread done\natexit ran\n")
