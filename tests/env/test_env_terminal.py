"""`pgc env init` on a real terminal (a pseudo-terminal): what the prompts offer and what Enter means."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

LOCAL_POOLED = "postgresql://app:s3cret@localhost:6432/app?pgbouncer=true"
LOCAL_DIRECT = "postgresql://app:s3cret@localhost:5432/app"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


class Terminal:
    """A child process on a pseudo-terminal; `expect` reads until a pattern shows up."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        master, slave = pty.openpty()
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pgconnect_cli", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.fd = master
        self.seen = ""

    def expect(self, *patterns: str) -> str:
        """The first of `patterns` to appear after what was already matched (a safety bound of 60 s
        fails the test; it is not a timing assertion)."""
        rx = re.compile("|".join(f"({p})" for p in patterns))
        while True:
            m = rx.search(self.seen)
            if m:
                self.seen = self.seen[m.end() :]
                return m.group(0)
            ready, _, _ = select.select([self.fd], [], [], 60)
            assert ready, f"no {patterns} on the terminal; it shows: {self.seen!r}"
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                chunk = b""
            assert chunk, f"the program ended before {patterns}; it showed: {self.seen!r}"
            self.seen += chunk.decode("utf-8", "replace")

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def close(self) -> int:
        """Read to the end (closing the terminal early would hang the child up), then reap it."""
        while select.select([self.fd], [], [], 60)[0]:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk.decode("utf-8", "replace")
        os.close(self.fd)
        return self.proc.wait(timeout=60)


def test_enter_at_the_direct_url_question_never_writes_the_pooled_url(tmp_path: Path) -> None:
    term = Terminal(["env", "init", "--database-url", LOCAL_POOLED], tmp_path)
    try:
        term.expect(r"DIRECT_URL[^\n]*: ")
        term.send("")
        assert term.expect(r"DIRECT_URL[^\n]*: ", r"Write \S+\?") != "Write .env?"
        term.send(LOCAL_DIRECT)
        term.expect(r"Write \S+\?")
        term.send("y")
        term.expect("updated|created")
    finally:
        code = term.close()
    assert code == 0
    assert dotenv_values(tmp_path / ".env")["DIRECT_URL"] == LOCAL_DIRECT
