"""Work a live doctor run needs later, started as soon as the command knows it will go live.

`start()` begins loading psycopg in a thread (the first login would otherwise wait for the whole
import) and starts the client tools' `--version` children (`tool_versions.Ask`), so that both
run while the command still reads its files and the probes wait on the network. The runner then
takes what was started (`take_tools`), or starts it itself when nothing was (a library call).
"""

from __future__ import annotations

import threading

from pgconnect_cli.probes.tool_versions import Ask

__all__ = ["start", "start_psycopg", "take_tools"]

_lock = threading.Lock()
_psycopg: threading.Thread | None = None
_tools: Ask | None = None


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
    """Start loading psycopg and, with `tools`, asking the client tools for their versions."""
    global _tools
    if tools:
        with _lock:
            if _tools is None:
                _tools = Ask()
    start_psycopg()


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
