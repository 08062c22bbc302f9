"""The edge every run leaves through (`pgconnect_cli.cli.run`): interrupts and signals, a full
disk, files that cannot be read, one error style."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cli, pgc

URL = "postgresql://app:pw@db.example.com/app?sslmode=require"


def _child(*args: str) -> subprocess.Popen[str]:
    """pgc waiting on a stdin pipe that never ends (it reads the URL from `-`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "pgconnect_cli", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PGC_TEST_READY": "1"},
    )


def _wait_until_reading(process: subprocess.Popen[str]) -> None:
    """Until the child blocks in read(2) on stdin: its kernel wait channel says so."""
    wchan = Path(f"/proc/{process.pid}/wchan")
    stat = Path(f"/proc/{process.pid}/stat")
    for _ in range(6000):
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
        if state == "S" and "pipe" in wchan.read_text():  # pipe_read, anon_pipe_read, pipe_wait
            return
        select.select([], [], [], 0.01)
    pytest.fail("pgc never blocked on stdin")


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGINT, 130, "pgc: interrupted\n"),
        (signal.SIGTERM, 143, "pgc: terminated\n"),
        (signal.SIGHUP, 129, "pgc: hung up\n"),
    ],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_signal_while_waiting_ends_with_its_code_and_one_line(signum: int, code: int, line: str) -> None:
    process = _child("url", "check", "-")
    _wait_until_reading(process)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (code, "", line)


def _prompt_then(key: bytes, *args: str) -> tuple[int, str]:
    """Run pgc on a terminal, answer its first prompt with `key`; (exit code, what it printed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: pgc on the pty, as on a person's terminal
        os.execv(sys.executable, [sys.executable, "-m", "pgconnect_cli", *args])
    seen = b""
    try:
        while b"Host" not in seen:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, f"no prompt: {seen!r}"
            seen += os.read(fd, 4096)
        os.write(fd, key)  # Ctrl-C: the terminal sends SIGINT; Ctrl-D: the input ends
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, f"no exit: {seen!r}"
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        status = _reap(pid)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


def _reap(pid: int) -> int:
    """The child's wait status; a child still running after 10 s is killed (a failed test must not
    hang the suite)."""
    import signal
    import time

    end = time.monotonic() + 10
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def test_ctrl_c_at_a_prompt_is_interrupted_130_not_aborted() -> None:
    code, text = _prompt_then(b"\x03", "url", "build")
    assert code == 130
    assert "pgc: interrupted" in text and "Aborted" not in text


def test_end_of_input_at_a_prompt_is_a_usage_error_not_aborted() -> None:
    code, text = _prompt_then(b"\x04", "url", "build")
    assert code == 2
    assert "pgc: error: no answer: the input ended" in text and "Aborted" not in text


def test_writing_to_a_full_disk_is_one_line_exit_2() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "pgconnect_cli", "url", "check", URL],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert (result.returncode, result.stderr) == (
        2,
        "pgc: error: cannot write the output: No space left on device\n",
    )


def test_a_json_report_to_a_full_disk_is_one_line_exit_2() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "pgconnect_cli", "doctor", "--json", "--offline", "--url", URL],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "internal error" not in result.stderr


def test_a_step_summary_on_a_full_disk_is_one_line_exit_2() -> None:
    result = pgc("url", "check", "--format", "github", URL, env={"GITHUB_STEP_SUMMARY": "/dev/full"})
    assert result.returncode == 2 and result.stderr.startswith("pgc: error: ")
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("doctor", "--offline", "--env-file", "missing.env"),
        ("doctor", "--offline", "--env-file", "."),
        ("exec", "--env-file", "missing.env", "psql"),
        ("env", "check", "--file", "missing.env"),
        ("env", "check", "--file", "."),
        ("url", "build", "--port", "abc"),
        ("doctor", "--timeout", "soon"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("pgc: error: ") and result.stderr.count("\n") == 1


def test_an_os_error_naming_a_file_is_bad_input_not_an_internal_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pgconnect_cli.targets as targets

    def unreadable(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", "secret.env")

    monkeypatch.setattr(targets, "discover_env", unreadable)
    result = cli("doctor", "--offline", "--env-file", "secret.env")
    assert (result.exit_code, result.stderr) == (2, "pgc: error: secret.env: Permission denied\n")


def test_markdown_of_the_doctor_has_the_url_layer_row() -> None:
    result = cli("doctor", "--offline", "--format", "markdown", "--url", URL)
    assert "| ✓ | url | generic, unknown endpoint by name; no expected role |" in result.stdout.splitlines()


def test_step_summary_of_the_doctor_has_the_url_layer_row(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    cli("doctor", "--offline", "--format", "github", "--url", URL, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert (
        "| ✓ | url | generic, unknown endpoint by name; no expected role |"
        in summary.read_text().splitlines()
    )
