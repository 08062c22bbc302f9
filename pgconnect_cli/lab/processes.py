"""The lab's server processes: found by pid file, recognised by command line, stopped by signal."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from pgconnect_cli.lab.errors import LabError

STOP_TIMEOUT = 10.0


class Running(Protocol):
    """A lab server or pooler: the directory it runs in, its port, pid and version."""

    @property
    def directory(self) -> Path: ...
    @property
    def port(self) -> int: ...
    @property
    def pid(self) -> int: ...
    @property
    def version(self) -> str: ...


def process_json(process: Running) -> dict[str, Any]:
    """The first keys of a lab process's state in lab.json (`from_json` reads them back)."""
    return {
        "directory": str(process.directory),
        "port": process.port,
        "pid": process.pid,
        "version": process.version,
    }


def process_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """`process_json` read back: the keyword arguments a lab process's `from_json` starts with."""
    return {
        "directory": Path(data["directory"]),
        "port": int(data["port"]),
        "pid": int(data["pid"]),
        "version": str(data["version"]),
    }


def read_pid(pidfile: Path) -> int | None:
    try:
        first = pidfile.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None


def process_args(pid: int) -> list[str] | None:
    """The argv of a live (non-zombie) process, or None."""
    proc = Path(f"/proc/{pid}")
    if Path("/proc/self").exists():
        try:
            stat_line = (proc / "stat").read_text(encoding="utf-8", errors="replace")
            raw = (proc / "cmdline").read_bytes()
        except OSError:
            return None
        if stat_line.rpartition(")")[2].split()[:1] in (["Z"], ["X"]):
            return None
        return [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0") if a]
    try:
        out = subprocess.run(
            ["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not out or out.startswith("Z"):
        return None
    return out.split(None, 1)[1:] or [""]


def is_ours(pid: int | None, program: str, needle: str) -> bool:
    """True when `pid` is alive and is `program` started for `needle` (a data dir or config path).

    The check on the command line keeps us from signalling an unrelated process that happens
    to reuse a pid recorded by a lab that crashed.
    """
    if pid is None or pid <= 0:
        return False
    args = process_args(pid)
    if not args:
        return False
    if len(args) == 1:  # `ps` fallback: one string
        return program in args[0] and needle in args[0]
    return program in Path(args[0]).name and needle in args[1:]


def alive_check(pid: int, program: str, needle: str) -> Callable[[], bool]:
    return lambda: is_ours(pid, program, needle)


def wait_gone(pid: int, program: str, needle: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_ours(pid, program, needle):
            return True
        time.sleep(0.01)
    return not is_ours(pid, program, needle)


def terminate(pid: int | None, program: str, needle: str, steps: Sequence[tuple[int, float]]) -> None:
    if pid is None or not is_ours(pid, program, needle):
        return
    for sig, wait in steps:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if wait_gone(pid, program, needle, wait):
            return
    raise LabError(f"{program} (pid {pid}) did not stop")
