"""Programs pgc runs on the side (`psql --version` while the doctor probes), never left behind.

The doctor asks the local tools for their versions in a background thread. When pgc leaves
before they answer (Ctrl-C, SIGTERM, SIGHUP, the deadline), Python's exit would not wait for
them, and a tool that hangs (a broken wrapper script) would keep running with nobody to reap it.
Every child started here runs in its own process group and is recorded while it runs; at exit
(`cli.leave` runs the atexit functions before `os._exit`) each one still running is killed,
group and all, and reaped.

`pgc exec`'s own child is another matter: it is waited for, and signals are forwarded to it
(`pgconnect_cli.exec`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from typing import Any

_live: set[subprocess.Popen[Any]] = set()
_lock = threading.Lock()
_leaving = False


def output(argv: Sequence[str], *, timeout: float) -> str | None:
    """The stdout of `argv` (stdin and stderr closed), or None when it fails, takes longer than
    `timeout` seconds, or pgc is leaving."""
    process: subprocess.Popen[str] | None = _spawn(argv, env=None, text=True)
    if process is None:
        return None
    try:
        out, _ = process.communicate(timeout=timeout)
    except (OSError, ValueError, subprocess.SubprocessError):
        _end(process)
        return None
    finally:
        with _lock:
            _live.discard(process)
    return out


def start(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes] | None:
    """`argv` started in its own process group (stdin and stderr closed, stdout a pipe) and
    recorded until `forget`; None when it cannot start or pgc is leaving."""
    process: subprocess.Popen[bytes] | None = _spawn(argv, env=env, text=False)
    return process


def _spawn(argv: Sequence[str], *, env: Mapping[str, str] | None, text: bool) -> subprocess.Popen[Any] | None:
    """`argv` started (stdin and stderr closed, stdout a pipe) and recorded, or None."""
    with _lock:  # started and recorded as one step: the exit cannot miss it
        if _leaving:
            return None
        try:
            process = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=None if env is None else dict(env),
                text=text,
                start_new_session=True,  # its own group: killed with whatever it started
            )
        except (OSError, ValueError, subprocess.SubprocessError):
            return None
        _live.add(process)
    return process


def forget(process: subprocess.Popen[Any]) -> None:
    """`process` has been waited for (or killed and reaped): nothing to end at exit."""
    with _lock:
        _live.discard(process)


def end(process: subprocess.Popen[Any]) -> None:
    """Kill `process` and its group, reap it, and forget it."""
    _end(process)
    forget(process)


def _end(process: subprocess.Popen[Any]) -> None:
    if process.poll() is not None:  # ended and reaped: its pid may belong to another process now
        return
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        process.kill()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        process.wait(timeout=1)


def end_all() -> None:
    """Kill and reap every child still running; later calls of `output` start none."""
    global _leaving
    got = _lock.acquire(timeout=1)  # a thread holds it only while starting one child
    try:
        _leaving = True
        running = list(_live)
        _live.clear()
    finally:
        if got:
            _lock.release()
    for process in running:
        _end(process)


atexit.register(end_all)
