"""`up`, `down` and recovery: idempotent, never touching what the lab did not start, leaving nothing."""

from __future__ import annotations

import functools
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from pgconnect_cli import lab as pgc_lab
from tests.cluster_template import ClusterTemplate

pytestmark = pytest.mark.live

Up = Callable[[Path], pgc_lab.UpResult]


def _alive(pid: int) -> bool:
    """Running, as /proc sees it (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _gone(pids: set[int], patience: float = 10.0) -> bool:
    """Orphaned backends notice their postmaster's death on their own; give them a moment."""
    deadline = time.monotonic() + patience
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not any(_alive(p) for p in pids)


def _kill_hard(started: pgc_lab.Lab) -> None:
    for pid in (started.pgbouncer.pid, started.postgres.pid):
        os.kill(pid, signal.SIGKILL)
    assert _gone({started.pgbouncer.pid, started.postgres.pid})


def _works(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT 1").fetchone() == (1,)


@pytest.fixture
def lab_dir(reachable_tmp_path: Path) -> Path:
    return reachable_tmp_path / "lab"


@pytest.fixture
def up(lab_template: ClusterTemplate) -> Callable[[Path], pgc_lab.UpResult]:
    """`pgc_lab.up`, copying the session's cluster template instead of running initdb."""
    return functools.partial(pgc_lab.up, cluster=lab_template)


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process the lab did not start."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield proc
    proc.kill()
    proc.wait()


def test_up_twice_returns_the_running_lab(lab_dir: Path, up: Up) -> None:
    first = up(lab_dir)

    second = up(lab_dir)

    assert (first.outcome, second.outcome) == (pgc_lab.UpOutcome.STARTED, pgc_lab.UpOutcome.ALREADY_RUNNING)
    assert (second.lab.postgres.pid, second.lab.pgbouncer.pid) == (
        first.lab.postgres.pid,
        first.lab.pgbouncer.pid,
    )
    assert second.lab.pooled_url == first.lab.pooled_url


def test_down_twice_reports_that_no_lab_is_running(lab_dir: Path, up: Up) -> None:
    up(lab_dir)

    assert pgc_lab.down(lab_dir) is True
    assert pgc_lab.down(lab_dir) is False


def test_down_leaves_no_processes_and_no_files(lab_dir: Path, up: Up) -> None:
    started = up(lab_dir).lab
    with psycopg.connect(started.pooled_url), psycopg.connect(started.direct_url):
        pids = {started.postgres.pid, started.pgbouncer.pid, *_children(started.postgres.pid)}

        pgc_lab.down(lab_dir)

        assert _gone(pids, patience=0)
    assert not lab_dir.exists()


def test_up_after_the_servers_were_killed_starts_a_fresh_lab(lab_dir: Path, up: Up) -> None:
    crashed = up(lab_dir).lab
    _kill_hard(crashed)

    result = up(lab_dir)

    assert result.outcome is pgc_lab.UpOutcome.RECOVERED
    assert "not running" in (result.reason or "")
    assert _works(result.lab.pooled_url) and _works(result.lab.direct_url)


def test_up_after_a_crash_keeps_the_ports_and_the_password(lab_dir: Path, up: Up) -> None:
    crashed = up(lab_dir).lab
    _kill_hard(crashed)

    result = up(lab_dir)

    assert result.outcome is pgc_lab.UpOutcome.RECOVERED
    assert (result.lab.postgres.port, result.lab.pgbouncer.port) == (
        crashed.postgres.port,
        crashed.pgbouncer.port,
    )
    assert result.lab.password == crashed.password
    assert result.changes == ()


def test_the_urls_of_a_crashed_lab_work_with_its_replacement(lab_dir: Path, up: Up) -> None:
    crashed = up(lab_dir).lab
    _kill_hard(crashed)

    up(lab_dir)

    assert _works(crashed.pooled_url) and _works(crashed.direct_url)


def test_up_after_a_crash_never_signals_a_process_it_did_not_start(
    lab_dir: Path, up: Up, bystander: subprocess.Popen[bytes]
) -> None:
    crashed = up(lab_dir).lab
    _kill_hard(crashed)
    # The pid files now name a live process that merely reuses a recorded pid.
    for pidfile in (
        crashed.postgres.data_dir / "postmaster.pid",
        crashed.pgbouncer.directory / "pgbouncer.pid",
    ):
        rest = pidfile.read_text().split("\n", 1)[1]
        pidfile.write_text(f"{bystander.pid}\n{rest}")

    result = up(lab_dir)

    assert result.outcome is pgc_lab.UpOutcome.RECOVERED
    assert bystander.poll() is None


def _squat(port: int, patience: float = 10.0) -> socket.socket:
    """Listen on `port`; a killed server's socket may take a moment to be released."""
    deadline = time.monotonic() + patience
    while True:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the old server's TIME_WAITs
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
            continue
        sock.listen()
        return sock


def test_up_after_a_crash_moves_to_new_ports_when_the_old_ones_are_taken(lab_dir: Path, up: Up) -> None:
    crashed = up(lab_dir).lab
    _kill_hard(crashed)
    taken = {crashed.postgres.port, crashed.pgbouncer.port}
    squatters = [_squat(port) for port in taken]

    try:
        result = up(lab_dir)
        assert {result.lab.postgres.port, result.lab.pgbouncer.port}.isdisjoint(taken)
        assert _works(result.lab.pooled_url)
        assert result.changes == (
            f"PostgreSQL port {crashed.postgres.port} → {result.lab.postgres.port}",
            f"PgBouncer port {crashed.pgbouncer.port} → {result.lab.pgbouncer.port}",
        )
    finally:
        for sock in squatters:
            sock.close()


def test_down_refuses_a_directory_the_lab_did_not_create(reachable_tmp_path: Path) -> None:
    precious = reachable_tmp_path / "project"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")

    with pytest.raises(pgc_lab.LabError, match="not a pgc lab directory"):
        pgc_lab.down(precious)

    assert (precious / "keep.txt").read_text() == "mine"


def test_up_refuses_a_non_empty_directory_the_lab_did_not_create(reachable_tmp_path: Path) -> None:
    precious = reachable_tmp_path / "project"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")

    with pytest.raises(pgc_lab.LabError, match="not empty"):
        pgc_lab.up(precious)

    assert sorted(p.name for p in precious.iterdir()) == ["keep.txt"]


def test_up_refuses_a_directory_the_server_user_cannot_enter(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    nobody = pwd.getpwnam("nobody")
    as_nobody = pgc_lab.RunAs("nobody", nobody.pw_uid, nobody.pw_gid)

    with pytest.raises(pgc_lab.LabError, match="cannot be entered by user nobody"):
        pgc_lab.up(closed / "lab", run_as=as_nobody)

    assert not (closed / "lab").exists()


def test_default_directory_follows_pgc_lab_dir(tmp_path: Path) -> None:
    assert pgc_lab.default_directory({"PGC_LAB_DIR": str(tmp_path / "x" / ".." / "lab")}) == tmp_path / "lab"


def test_default_directory_is_under_xdg_state_home(tmp_path: Path) -> None:
    directory = pgc_lab.default_directory({"XDG_STATE_HOME": str(tmp_path)}, as_root=False)

    assert directory == tmp_path / "pgconnect" / "lab"


def test_default_directory_for_root_is_one_the_server_user_can_enter() -> None:
    assert pgc_lab.default_directory({}, as_root=True) == Path("/var/tmp/pgconnect-lab-0")


def test_a_killed_lab_leaves_no_shared_memory_segment_behind_once_replaced(lab_dir: Path, up: Up) -> None:
    crashed = up(lab_dir).lab
    key, shmid = (crashed.postgres.data_dir / "postmaster.pid").read_text().splitlines()[6].split()
    _kill_hard(crashed)

    up(lab_dir)

    segments = {tuple(row.split()[:2]) for row in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]}
    assert (key, shmid) not in segments


def test_the_server_keeps_its_dynamic_shared_memory_inside_the_lab_directory(lab: pgc_lab.Lab) -> None:
    maps = Path(f"/proc/{lab.postgres.pid}/maps").read_text()

    assert "/dev/shm/PostgreSQL." not in maps
