"""SIGINT, SIGTERM and SIGHUP in the middle of the three commands that hold something open: the
doctor waiting on a silent server, `pgc exec` running a real child, `env init` writing `.env`.

Each test runs pgc as a real process, waits for an event that says it is in the waiting state (a
byte the silent server received, a pid file the child wrote, the pause line of the write hook),
signals pgc only, and asserts the exit code PRODUCT.md §4 lists (130 SIGINT, 143 SIGTERM, 129
SIGHUP, or the child's own code), that no temporary file is left (the exec passfile's directory,
`.env`'s temporary copy), that `.env` and its backup hold the old bytes, and that no process pgc
started is still alive (checked by pid). No sleeping blindly, no timed assertions.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PASSWORD = "Intr-Secret-4417"
SIGNALS = [
    pytest.param(signal.SIGINT, 130, "pgc: interrupted\n", id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, "pgc: terminated\n", id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, "pgc: hung up\n", id="SIGHUP"),
]
_WAIT_S = 60.0  # an upper bound on waiting for an event, never a measured duration


def _spawn(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pgconnect_cli", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        stdin=subprocess.DEVNULL,  # never a terminal: the signal goes to pgc alone
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (children of children too), from /proc."""
    out: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            with contextlib.suppress(OSError):
                kids = [int(p) for p in (task / "children").read_text().split()]
                out.extend(kids)
                todo.extend(kids)
    return out


def _alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie nobody reaped counts as left behind too)."""
    return Path(f"/proc/{pid}").exists()


@contextlib.contextmanager
def _ended(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


# --------------------------------------------------------------------------- the doctor


@dataclass
class SilentServer:
    """Accepts, reads, never answers: the doctor's SSLRequest waits for a byte that never comes."""

    port: int
    received: bytearray = field(default_factory=bytearray)
    asked: threading.Event = field(default_factory=threading.Event)  # the 8-byte SSLRequest arrived


@contextlib.contextmanager
def silent_server() -> Iterator[SilentServer]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    server = SilentServer(listener.getsockname()[1])
    conns: list[socket.socket] = []
    lock = threading.Lock()

    def read(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := conn.recv(65536):
                with lock:
                    server.received += chunk
                    if len(server.received) >= 8:
                        server.asked.set()

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=read, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()
        thread.join(5)


@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
@pytest.mark.parametrize("fmt", ["human", "json"])
def test_a_signal_while_the_doctor_waits_on_a_silent_server_ends_it_with_its_code(
    tmp_path: Path, signum: int, code: int, line: str, fmt: str
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with silent_server() as server:
        url = f"DATABASE_URL=postgresql://app:{PASSWORD}@127.0.0.1:{server.port}/app"
        args = ["doctor", "--no-environment", "--timeout", "60", "--url", url, "--format", fmt]
        with _ended(_spawn(args, tmp_path, {"TMPDIR": str(temp)})) as proc:
            assert server.asked.wait(_WAIT_S), "the doctor never dialed the silent server"
            assert proc.poll() is None
            started = _descendants(proc.pid)
            proc.send_signal(signum)
            out, err = proc.communicate(timeout=_WAIT_S)
    assert proc.returncode == code, err
    assert err == line
    assert out == ""
    assert PASSWORD not in err
    assert [pid for pid in started if _alive(pid)] == []
    assert list(temp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
def test_a_signal_while_the_doctor_asks_a_hanging_psql_its_version_leaves_no_child(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    """The doctor asks the local psql and pg_dump for their versions while it probes; a tool that
    hangs (a broken wrapper) is not left running when pgc is interrupted."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("psql", "pg_dump"):
        fake = bindir / tool
        fake.write_text(
            f"#!/bin/sh\necho $$ > {tmp_path}/{tool}.new\n"
            f"mv {tmp_path}/{tool}.new {tmp_path}/{tool}.pid\nexec sleep 600\n"
        )
        fake.chmod(0o755)
    with silent_server() as server:
        url = f"DATABASE_URL=postgresql://app:{PASSWORD}@127.0.0.1:{server.port}/app"
        args = ["doctor", "--no-environment", "--timeout", "60", "--url", url]
        env = {"PATH": f"{bindir}:{os.environ['PATH']}"}
        with _ended(_spawn(args, tmp_path, env)) as proc:
            assert server.asked.wait(_WAIT_S), "the doctor never dialed the silent server"
            _wait_for_file(tmp_path / "pg_dump.pid", proc)  # the first tool asked, hanging
            tool = int((tmp_path / "pg_dump.pid").read_text())
            try:
                proc.send_signal(signum)
                _, err = proc.communicate(timeout=_WAIT_S)
                left = _alive(tool)
            finally:
                with contextlib.suppress(OSError):
                    os.kill(tool, signal.SIGKILL)
    assert (proc.returncode, err) == (code, line)
    assert not left, "pg_dump --version was left running"


# --------------------------------------------------------------------------- pgc exec

_CHILD = """
import os, signal, sys
how, ready = sys.argv[1], sys.argv[2]
def handled(signum, frame):
    with open(ready + ".got", "w") as f:
        f.write(str(signum))
    os._exit(7)
for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(signum, handled if how == "handle" else signal.SIG_DFL)
with open(ready + ".new", "w") as f:
    f.write(str(os.getpid()))
os.replace(ready + ".new", ready)  # the handlers are in place: pgc may be signalled now
while True:
    signal.pause()
"""


@dataclass
class RunningChild:
    process: subprocess.Popen[str]
    child: int  # the child's pid, as it wrote it
    ready: Path
    temp: Path  # pgc's TMPDIR: the passfile's private directory lives there while the child runs


@contextlib.contextmanager
def running_child(tmp_path: Path, how: str) -> Iterator[RunningChild]:
    """`pgc exec -- python child.py HOW READY` through a URL with a password, once the child waits."""
    (tmp_path / ".env").write_text(f"DIRECT_URL=postgresql://app:{PASSWORD}@127.0.0.1:5432/app\n")
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    ready = tmp_path / "ready"
    temp = tmp_path / "tmp"
    temp.mkdir()
    args = ["exec", "--", sys.executable, str(script), how, str(ready)]
    child: int | None = None
    with _ended(_spawn(args, tmp_path, {"TMPDIR": str(temp)})) as proc:
        try:
            _wait_for_file(ready, proc)
            child = int(ready.read_text())
            assert child in _descendants(proc.pid)
            yield RunningChild(proc, child, ready, temp)
        finally:
            if child is not None and _alive(child) and proc.poll() is None:
                with contextlib.suppress(OSError):
                    os.kill(child, signal.SIGKILL)


def _wait_for_file(path: Path, proc: subprocess.Popen[str]) -> None:
    """Until `path` exists (the child renames it into place once its handlers are installed)."""
    import select

    for _ in range(int(_WAIT_S / 0.01)):
        if path.exists():
            return
        assert proc.poll() is None, proc.communicate()
        select.select([], [], [], 0.01)
    pytest.fail(f"{path.name} never appeared")


@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
def test_a_signal_to_pgc_exec_reaches_the_child_and_its_death_is_the_exit_code(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    with running_child(tmp_path, "default") as run:
        assert len(list(run.temp.iterdir())) == 1  # the passfile's private directory
        run.process.send_signal(signum)
        out, err = run.process.communicate(timeout=_WAIT_S)
    assert run.process.returncode == code, err  # the child died of the forwarded signal: 128 + N
    assert not _alive(run.child)
    assert list(run.temp.iterdir()) == []
    assert PASSWORD not in out + err


@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
def test_a_child_that_handles_the_signal_gives_its_own_exit_code(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    with running_child(tmp_path, "handle") as run:
        run.process.send_signal(signum)
        _, err = run.process.communicate(timeout=_WAIT_S)
    assert run.process.returncode == 7, err  # the child's code, not pgc's 128 + N
    assert Path(str(run.ready) + ".got").read_text() == str(int(signum))  # forwarded once, as sent
    assert not _alive(run.child)
    assert list(run.temp.iterdir()) == []


def _hanging_pg_dump(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A project whose DIRECT_URL has a password and a `pg_dump` on PATH that writes its pid and
    hangs on `--version`: (its pid file, the TMPDIR pgc gets, the environment to run pgc in)."""
    (tmp_path / ".env").write_text(f"DIRECT_URL=postgresql://app:{PASSWORD}@127.0.0.1:5432/app\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    pidfile = tmp_path / "pg_dump.pid"
    fake = bindir / "pg_dump"
    fake.write_text(f"#!/bin/sh\necho $$ > {pidfile}.new\nmv {pidfile}.new {pidfile}\nexec sleep 600\n")
    fake.chmod(0o755)
    temp = tmp_path / "tmp"
    temp.mkdir()
    return pidfile, temp, {"TMPDIR": str(temp), "PATH": f"{bindir}:{os.environ['PATH']}"}


@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
def test_a_signal_while_pgc_exec_reads_the_dump_tools_version_leaves_no_child_and_no_passfile(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    """Before pg_dump runs, pgc asks it `--version`; a signal then ends pgc with 128 + N, and the
    asked tool and the passfile are gone."""
    pidfile, temp, env = _hanging_pg_dump(tmp_path)
    with _ended(_spawn(["exec", "pg_dump"], tmp_path, env)) as proc:
        _wait_for_file(pidfile, proc)
        asked = int(pidfile.read_text())
        assert len(list(temp.iterdir())) == 1  # the passfile's private directory
        try:
            proc.send_signal(signum)
            _, err = proc.communicate(timeout=_WAIT_S)
            left = _alive(asked)
        finally:
            with contextlib.suppress(OSError):
                os.kill(asked, signal.SIGKILL)
    assert proc.returncode == code, err
    assert not left, "pg_dump --version was left running"
    assert list(temp.iterdir()) == []
    assert PASSWORD not in err


# --------------------------------------------------------------------------- env init

POOLED = f"postgresql://app:{PASSWORD}@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"
DIRECT = f"postgresql://app:{PASSWORD}@ep-cool-1.us-east-2.aws.neon.tech/app?sslmode=require"
BEFORE = "# mine\nOTHER=1\nDATABASE_URL=postgresql://old@h/app\n"


@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
@pytest.mark.parametrize("paused", [".env", ".env.bak"])
def test_a_signal_while_env_init_writes_leaves_the_old_env_its_backup_and_no_temporary_file(
    tmp_path: Path, signum: int, code: int, line: str, paused: str
) -> None:
    env = tmp_path / ".env"
    env.write_text(BEFORE)
    env.chmod(0o640)
    args = ["env", "init", "--database-url", POOLED, "--direct-url", DIRECT, "--force"]
    with _ended(_spawn(args, tmp_path, {"PGC_TEST_PAUSE_WRITE": paused})) as proc:
        assert proc.stderr is not None
        assert proc.stderr.readline() == f"pgc-test: paused writing {paused}\n"
        temporary = [p.name for p in tmp_path.glob(".*.pgc-*.tmp")]
        assert len(temporary) == 1  # the copy being written, 0600, holding the password
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=_WAIT_S)
    assert proc.returncode == code, err
    assert err == line
    assert PASSWORD not in out + err
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ([".env"] if paused == ".env.bak" else [".env", ".env.bak"])
    assert env.read_text() == BEFORE  # not half-written: the old bytes, the old mode
    assert env.stat().st_mode & 0o777 == 0o640
    backup = tmp_path / ".env.bak"
    if backup.exists():  # written whole before `.env` was started
        assert backup.read_text() == BEFORE and backup.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
def test_a_signal_while_env_init_creates_a_new_env_leaves_nothing(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    args = ["env", "init", "--database-url", POOLED, "--direct-url", DIRECT]
    with _ended(_spawn(args, tmp_path, {"PGC_TEST_PAUSE_WRITE": ".env"})) as proc:
        assert proc.stderr is not None
        assert proc.stderr.readline() == "pgc-test: paused writing .env\n"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=_WAIT_S)
    assert (proc.returncode, err) == (code, line)
    assert list(tmp_path.iterdir()) == []


def test_a_side_child_still_running_when_pgc_exits_is_killed_and_its_output_read_otherwise(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "pid"
    script = (
        "import sys, threading, time\n"
        "from pathlib import Path\n"
        "from pgconnect_cli.probes import children\n"
        "assert children.output(['sh', '-c', 'echo 16.4'], timeout=30) == '16.4\\n'\n"
        f"argv = ['sh', '-c', 'echo $$ > {pidfile}.new; mv {pidfile}.new {pidfile}; exec sleep 600']\n"
        "hang = threading.Thread(target=children.output, args=(argv,), kwargs={'timeout': 600})\n"
        "hang.daemon = True\n"
        "hang.start()\n"
        f"while not Path('{pidfile}').exists(): time.sleep(0.01)\n"
        "sys.exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=_WAIT_S)
    assert done.returncode == 0, done.stderr
    pid = int(pidfile.read_text())
    left = _alive(pid)
    if left:
        os.kill(pid, signal.SIGKILL)
    assert not left


# --------------------------------------------------------------------------- bursts of signals

BURST = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)  # a terminal closing, a supervisor, Ctrl-C
ENDINGS = {129: "pgc: hung up\n", 130: "pgc: interrupted\n", 143: "pgc: terminated\n"}


def _burst(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """All three signals at once: Python runs one handler per bytecode, so the second and third
    land inside the cleanup the first one started, unless they are held off."""
    for signum in BURST:
        os.kill(proc.pid, signum)
    return proc.communicate(timeout=_WAIT_S)


@pytest.mark.parametrize("paused", [".env", ".env.bak"])
def test_a_burst_of_signals_while_env_init_writes_still_removes_the_temporary_file(
    tmp_path: Path, paused: str
) -> None:
    env = tmp_path / ".env"
    env.write_text(BEFORE)
    args = ["env", "init", "--database-url", POOLED, "--direct-url", DIRECT, "--force"]
    with _ended(_spawn(args, tmp_path, {"PGC_TEST_PAUSE_WRITE": paused})) as proc:
        assert proc.stderr is not None
        assert proc.stderr.readline() == f"pgc-test: paused writing {paused}\n"
        _, err = _burst(proc)
    assert proc.returncode in ENDINGS, err
    assert err == ENDINGS[proc.returncode]  # one line: no traceback, no "Exception ignored"
    assert [p.name for p in tmp_path.glob(".*.pgc-*.tmp")] == []
    assert env.read_text() == BEFORE


def test_a_burst_of_signals_while_pgc_exec_reads_the_dump_tools_version_leaves_nothing(
    tmp_path: Path,
) -> None:
    pidfile, temp, env = _hanging_pg_dump(tmp_path)
    with _ended(_spawn(["exec", "pg_dump"], tmp_path, env)) as proc:
        _wait_for_file(pidfile, proc)
        asked = int(pidfile.read_text())
        try:
            _, err = _burst(proc)
            left = _alive(asked)
        finally:
            with contextlib.suppress(OSError):
                os.kill(asked, signal.SIGKILL)
    assert proc.returncode in ENDINGS, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert not left, "pg_dump --version was left running"
    assert list(temp.iterdir()) == []


def test_a_burst_of_signals_to_pgc_exec_ends_the_child_and_removes_the_passfile(tmp_path: Path) -> None:
    with running_child(tmp_path, "default") as run:
        _, err = _burst(run.process)
    assert run.process.returncode in ENDINGS, err  # the child died of the first one forwarded
    assert "Traceback" not in err
    assert not _alive(run.child)
    assert list(run.temp.iterdir()) == []


def test_a_burst_of_signals_while_the_doctor_waits_ends_it_with_one_line(tmp_path: Path) -> None:
    with silent_server() as server:
        url = f"DATABASE_URL=postgresql://app:{PASSWORD}@127.0.0.1:{server.port}/app"
        args = ["doctor", "--no-environment", "--timeout", "60", "--url", url]
        with _ended(_spawn(args, tmp_path)) as proc:
            assert server.asked.wait(_WAIT_S), "the doctor never dialed the silent server"
            out, err = _burst(proc)
    assert proc.returncode in ENDINGS, err
    assert (out, err) == ("", ENDINGS[proc.returncode])
