"""The methods Python writes for pgc's dataclasses, compiled once and kept like bytecode.

`@dataclass` writes the source of `__init__`, `__repr__`, `__eq__`, `__hash__` (and for frozen
classes `__setattr__`, `__delattr__`) of every class as text and compiles it with `exec`, at each
start: for the ~35 classes `pgc url check` loads, that compiling is a quarter of the command's
instructions, more than the rest of its own code. `install()` gives the dataclasses module an
`exec` that compiles each text once and then takes the code object from a file in pgc's
`__pycache__` (beside the `.pyc` files, under the same rules: `PYTHONDONTWRITEBYTECODE` and
`PYTHONPYCACHEPREFIX` apply), keyed by the exact text and the interpreter's bytecode magic. The
code object is the one `exec(text)` would compile (the same text, file name `<string>`, flags
and optimization level), so every class behaves exactly as without the cache; an unreadable or
damaged file is an empty cache. `save()` (from `edge.leave`) writes what was compiled anew.

Plain Python, stdlib only; nothing is done at import time.
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_NAME = "dataclass_methods"
_MAX_BYTES = 4 << 20  # more than this (texts of old versions piling up): start again from this run's

_cached: dict[str, bytes] = {}  # source text -> marshalled code, as read from the file
_new: dict[str, bytes] = {}  # compiled in this run
_used: set[str] = set()
_state: list[str] = []  # the file, once installed


def _path() -> str:
    from importlib.util import cache_from_source

    here = os.path.dirname(os.path.abspath(__file__))
    return cache_from_source(os.path.join(here, _NAME + ".py")).removesuffix(".pyc") + ".marshal"


def _magic() -> bytes:
    from importlib.util import MAGIC_NUMBER

    return MAGIC_NUMBER


def install(path: str | None = None) -> None:
    """From now on, `@dataclass` compiles each method's source at most once per interpreter;
    `path`: the cache file (default: in pgc's `__pycache__`)."""
    import dataclasses

    if _state or getattr(dataclasses, "exec", builtins.exec) is not builtins.exec:
        return
    try:
        path = path or _path()
    except Exception:  # no file for this package (a zip, a frozen build): no cache
        path = ""
    if path:
        _cached.update(_read(path))
    _state.append(path)
    dataclasses.exec = _exec  # type: ignore[attr-defined]


def _read(path: str) -> dict[str, bytes]:
    """The cache file's table; empty when there is none, or it is of another interpreter, or
    unreadable, or damaged: then every text is compiled as Python does."""
    try:
        with open(path, "rb") as file:
            data = file.read()
        magic = _magic()
        table = marshal.loads(data[len(magic) :]) if data.startswith(magic) else {}
    except Exception:
        return {}
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(k, str) and isinstance(v, bytes)}


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **kwargs: Any) -> None:
    """`exec(source, globals, locals)`, with a source text's code object from the cache."""
    if isinstance(source, str):
        code = None
        blob = _cached.get(source)
        if blob is not None:
            try:
                code = marshal.loads(blob)
            except Exception:
                code = None
        if code is None:
            # what exec(source) compiles: the dataclasses module's flags (none), not this module's
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _new[source] = marshal.dumps(code)
        _used.add(source)
        source = code
    builtins.exec(source, globals, locals, **kwargs)


def save() -> None:
    """Write the methods compiled anew in this run to the file (atomically; never fails)."""
    if not _new or not _state or not _state[0] or sys.dont_write_bytecode:
        return
    path = _state[0]
    table = {**_cached, **_new}
    if sum(len(k) + len(v) for k, v in table.items()) > _MAX_BYTES:
        table = {k: v for k, v in table.items() if k in _used}
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as file:
            file.write(_magic() + marshal.dumps(table))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    else:
        _cached.update(_new)
        _new.clear()
