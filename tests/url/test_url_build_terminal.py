"""`pgc url build` on a real terminal (a pty): it asks for what is missing, the password hidden."""

from __future__ import annotations

import os
import pty
import select
import sys

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


def _run_on_a_terminal(args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run `pgc` with a pty as its terminal, typing each answer after its prompt; all output, exit code."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the pty
        os.execv(sys.executable, [sys.executable, "-m", "pgconnect_cli", *args])
    out = b""
    mark = 0  # where the output stood when the last answer was typed
    pending = list(answers)
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
        # a new prompt (getpass flushes what is typed before it turns echo off or back on)
        # The prompt is there and the terminal quiet: the child now reads (typing ahead races with
        # readline and getpass, which flush pending input when they change the terminal's mode).
        prompt = out[mark:].rstrip().endswith(b":") and out[mark:].strip(b"\r\n :")
        if pending and prompt and not select.select([fd], [], [], 0.5)[0]:
            os.write(fd, pending.pop(0).encode() + b"\n")
            mark = len(out)
    if pending:  # a prompt did not come: do not wait for the child forever
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def test_build_on_a_terminal_asks_and_hides_the_password() -> None:
    code, out = _run_on_a_terminal(["url", "build"], ["db.example.com", "app", "secret pw", "appdb"])
    assert code == 0, out
    assert "Password:" in out
    assert "secret pw" not in out  # not echoed
    url = "postgresql://app:secret%20pw@db.example.com:5432/appdb?sslmode=require"
    assert url in out  # typed-ahead echo may share its line with a prompt
