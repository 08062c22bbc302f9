"""Work a live doctor run needs later, started as soon as the command knows it will go live.

`start()` begins loading psycopg in a thread (the first login would otherwise wait for the whole
import) and starts the client tools' `--version` children (`tool_versions.Ask`), so that both
run while the command still reads its files and the probes wait on the network. The runner then
takes what was started (`take_tools`), or starts it itself when nothing was (a library call).

`start()` also notes when the `pgc` process started (`take_command_start`), when the process
runs pgc itself: the doctor's deadline counts from then, so that a slow start (a loaded machine)
shortens the probes' time instead of making the whole command overrun `--timeout` + 0.5 s.
Called in-process (tests, an application), the run's own start counts, as before.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from pgconnect_cli.probes.tool_versions import Ask

__all__ = ["process_started", "start", "start_psycopg", "take_command_start", "take_tools"]

# a start longer ago than this is not this command's (a clock oddity): the run's own start counts
MAX_START_AGE_S = 10.0

_lock = threading.Lock()
_psycopg: threading.Thread | None = None
_tools: Ask | None = None
_command_start: float | None = None


def process_started() -> float | None:
    """time.monotonic() when this process started (Linux: /proc/self/stat, in 10 ms ticks); None
    where that cannot be read."""
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # starttime, the 22nd field, in clock ticks after boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.monotonic() - age


def _runs_pgc() -> bool:
    """This process was started to run pgc (the `pgc` script, `python -m pgconnect_cli`), not a
    test runner or an application that calls the command in-process."""
    argv0 = sys.argv[0] if sys.argv else ""
    main = os.path.join("pgconnect_cli", "__main__.py")
    return os.path.basename(argv0) == "pgc" or argv0.endswith(main)


def _import_psycopg() -> None:
    import importlib

    try:
        importlib.import_module("psycopg")
    except ImportError:  # reported by the login that needs it
        pass


def start_psycopg() -> None:
    """Load psycopg in a thread, once per process. A login that needs it meanwhile waits on the
    import lock for this import to finish."""
    global _psycopg
    with _lock:
        if _psycopg is None:
            _psycopg = threading.Thread(target=_import_psycopg, daemon=True, name="pgc-import")
            _psycopg.start()


def start(*, tools: bool = True) -> None:
    """Start loading psycopg and, with `tools`, asking the client tools for their versions; note
    when the command started."""
    global _tools, _command_start
    if tools:
        with _lock:
            if _tools is None:
                _tools = Ask()
    start_psycopg()
    now = time.monotonic()
    began = process_started() if _runs_pgc() else None
    with _lock:
        _command_start = began if began is not None and 0 <= now - began <= MAX_START_AGE_S else None


def take_command_start() -> float | None:
    """When the pgc process whose command called `start` started (once; None when nothing called
    it, or it was not a pgc process)."""
    global _command_start
    with _lock:
        began, _command_start = _command_start, None
    return began


def take_tools() -> Ask:
    """The tools' versions started by `start` for this environment, else a fresh ask; each ask is
    taken once."""
    global _tools
    import os

    with _lock:
        started, _tools = _tools, None
    if started is not None and started.environ == dict(os.environ):
        return started
    return Ask()
