"""`pg_dump --version` and `psql --version`: asked side by side, as early as possible, and remembered.

Both children start at once (`Ask()`), before psycopg is loaded, and run while the doctor does
everything else; `Ask.wait` collects them. An answer is kept in the user's cache directory
(`$XDG_CACHE_HOME/pgconnect/client-tools.json`, else `~/.cache/pgconnect/client-tools.json`),
keyed by the path the tool was found at and the identity of the file it leads to (resolved path,
mtime, size, inode): a tool that is upgraded, replaced or found elsewhere on PATH is asked again.
A script (Debian's pg_wrapper, a docker wrapper) may pick the real binary from elsewhere: its key
also holds what pg_wrapper reads to choose one (the PG* variables it reads, the installed
versions and clusters), and its answer is kept for an hour only. An answer that could not be read
(no version in the output, a tool that did not finish) is never kept. The cache is a speed-up
only: a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pgconnect_cli import signals
from pgconnect_cli.probes import children

__all__ = ["TOOLS", "Ask", "ToolVersion", "cache_file"]

TOOLS = ("pg_dump", "psql")
# how long one `--version` may take (it is a perl script on Debian)
TOOL_TIMEOUT_S = 5.0
CACHE_NAME = "client-tools.json"
CACHE_FORMAT = 1
# a script chooses the binary it runs from more than its own file: its answer is kept this long
SCRIPT_MAX_AGE_S = 3600.0
MAX_ENTRIES = 64
# what Debian's pg_wrapper reads to pick the binary it runs (besides its own file)
_WRAPPER_VARIABLES = ("PGCLUSTER", "PGHOST", "PGPORT", "PGSERVICE", "PG_CLUSTER_CONF_ROOT", "HOME")
_WRAPPER_PATHS = (
    "/usr/lib/postgresql",
    "/etc/postgresql",
    "/etc/postgresql-common/user_clusters",
    "~/.postgresqlrc",
)


@dataclass(frozen=True)
class ToolVersion:
    """One tool: where PATH finds it (None: not found) and the version it reported (None: unknown)."""

    name: str
    path: str | None
    version: str | None


def cache_file(environ: Mapping[str, str]) -> str:
    """The cache file: under $XDG_CACHE_HOME when it is an absolute path (XDG), else ~/.cache."""
    base = environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pgconnect", CACHE_NAME)


def _mtime(path: str) -> int | None:
    try:
        return os.stat(os.path.expanduser(path)).st_mtime_ns
    except OSError:
        return None


def _is_script(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return True  # unreadable: treat it as the kind whose answer is kept briefly


def _wrapper_inputs(environ: Mapping[str, str]) -> list[object]:
    """What pg_wrapper's choice depends on: its variables, and the installed versions and clusters
    (adding a version or a cluster changes a directory's mtime)."""
    inputs: list[object] = [[name, environ.get(name)] for name in _WRAPPER_VARIABLES]
    inputs += [[path, _mtime(path)] for path in _WRAPPER_PATHS]
    with contextlib.suppress(OSError):
        for entry in sorted(os.listdir("/etc/postgresql")):
            inputs.append([entry, _mtime(os.path.join("/etc/postgresql", entry))])
    return inputs


def _key(name: str, path: str, environ: Mapping[str, str]) -> tuple[str, bool] | None:
    """The cache key of `name` found at `path`, and whether it is a script; None when it cannot be
    told apart from another file (it is then asked every time)."""
    try:
        st = os.stat(path)
        real = os.path.realpath(path)
    except OSError:
        return None
    script = _is_script(real)
    parts: list[object] = [name, path, real, st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev]
    if script:
        parts.append(_wrapper_inputs(environ))
    return json.dumps(parts, separators=(",", ":")), script


def _read_cache(file: str) -> dict[str, dict[str, object]]:
    try:
        with open(file, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return {}
    entries = data.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, dict)}


def _fresh(entry: dict[str, object], now: float) -> str | None:
    """The entry's version when it may still be used."""
    version, at, script = entry.get("version"), entry.get("at"), entry.get("script")
    if not isinstance(version, str) or not version or not isinstance(at, (int, float)):
        return None
    if script is not False and not 0 <= now - at <= SCRIPT_MAX_AGE_S:
        return None
    return version


def _write_cache(file: str, learned: dict[str, dict[str, object]]) -> None:
    """Merge `learned` into the cache file (atomically; at most MAX_ENTRIES, newest kept)."""
    with contextlib.suppress(OSError, ValueError):
        directory = os.path.dirname(file)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        entries = {**_read_cache(file), **learned}
        newest = sorted(entries.items(), key=lambda kv: _at(kv[1]), reverse=True)[:MAX_ENTRIES]
        text = json.dumps({"format": CACHE_FORMAT, "entries": dict(newest)}, indent=1, sort_keys=True)
        tmp = f"{file}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            os.replace(tmp, file)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _at(entry: dict[str, object]) -> float:
    at = entry.get("at")
    return float(at) if isinstance(at, (int, float)) else 0.0


def _parse(text: str) -> str | None:
    from pgconnect_cli.checks.tools import parse_version_output

    parsed = parse_version_output(text)
    return parsed[1] if parsed else None


class Ask:
    """The tools' versions: the cache's answers, and `TOOL --version` children for the others,
    all started by the constructor and read by one thread (`wait` for the result)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = dict(os.environ if environ is None else environ)
        self._file = cache_file(self.environ)
        self._known: dict[str, ToolVersion] = {}
        self._children: list[tuple[str, str, tuple[str, bool] | None, subprocess.Popen[bytes]]] = []
        cached = _read_cache(self._file)
        now = time.time()
        for name in TOOLS:
            path = shutil.which(name, path=self.environ.get("PATH"))
            if path is None:
                self._known[name] = ToolVersion(name, None, None)
                continue
            key = _key(name, path, self.environ)
            version = _fresh(cached[key[0]], now) if key is not None and key[0] in cached else None
            if version is not None:
                self._known[name] = ToolVersion(name, path, version)
                continue
            # its own process group, killed and reaped if pgc leaves first (probes.children)
            child = children.start([path, "--version"], env=self.environ)
            if child is None:
                self._known[name] = ToolVersion(name, path, None)
                continue
            self._children.append((name, path, key, child))
        self._done = threading.Event()
        if self._children:
            threading.Thread(target=self._collect, daemon=True, name="pgc-tools").start()
        else:
            self._done.set()

    def _collect(self) -> None:
        learned: dict[str, dict[str, object]] = {}
        deadline = time.monotonic() + TOOL_TIMEOUT_S
        try:
            for name, path, key, child in self._children:
                version = None
                try:
                    out, _ = child.communicate(timeout=max(deadline - time.monotonic(), 0.01))
                    version = _parse(out.decode("utf-8", "replace"))
                except (OSError, ValueError, subprocess.SubprocessError):  # TimeoutExpired too
                    children.end(child)
                children.forget(child)
                self._known[name] = ToolVersion(name, path, version)
                if version is not None and key is not None:
                    learned[key[0]] = {"version": version, "at": time.time(), "script": key[1]}
            if learned:
                _write_cache(self._file, learned)
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> tuple[ToolVersion, ...] | None:
        """Every tool's answer, in TOOLS order; None when they are not all in within `timeout` s."""
        done = self._done.wait() if timeout is None else signals.wait(self._done, timeout)
        if not done:  # `signals.wait`: in slices, so a signal's handler runs meanwhile
            return None
        return tuple(self._known[name] for name in TOOLS)
