"""What Python compiles at each start of pgc beyond its bytecode, compiled once and kept like it.

Two things Python redoes at every start, from text, in Python code, are most of `pgc url check`'s
time after the imports themselves:

- `@dataclass` writes the source of `__init__`, `__repr__`, `__eq__`, `__hash__` (and for frozen
  classes `__setattr__`, `__delattr__`) of every class and compiles it with `exec`: 201 compiles
  for the classes `pgc url check` loads, a quarter of its instructions;
- every regular expression is parsed and translated to its matching program by the `re` module,
  in Python: 109 patterns, another sixth.

`install()` gives the dataclasses module an `exec` that takes a text's code object from a table,
and the `re` module a compiler that takes a pattern's program from a table; what is not in a
table is compiled as Python does, and `save()` (from `edge.leave`) adds it to the file. The file
lives in pgc's `__pycache__` beside the `.pyc` files, under their rules (`PYTHONDONTWRITEBYTECODE`,
`PYTHONPYCACHEPREFIX`, the optimization level in its name), stamped with the bytecode magic.
The keys are the exact inputs (the source text; the pattern and its flags) and the values what
Python makes of them (the code object `exec` compiles: file `<string>`, no inherited flags; the
arguments `re` gives `_sre.compile`), so every class and every pattern is the one Python would
have made. A missing, foreign, unreadable or damaged file is an empty table.

Plain Python, stdlib only; nothing happens at import time.
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_NAME = "startup"
_MAX_BYTES = 4 << 20  # bigger (entries of old versions piling up): start again from this run's

_methods: dict[str, bytes] = {}  # source text -> marshalled code object
_patterns: dict[tuple[str | bytes, int], tuple[Any, ...]] = {}  # (pattern, flags) -> _sre.compile args
_new: dict[str, dict[Any, Any]] = {"methods": {}, "patterns": {}}  # compiled in this run
_used: set[Any] = set()
_state: list[str] = []  # the file ("" for none) once installed; then "write" when it can be written
_original: list[Any] = []  # re's own compiler, and its module


def _path() -> str:
    from importlib.util import cache_from_source

    here = os.path.dirname(os.path.abspath(__file__))
    return cache_from_source(os.path.join(here, _NAME + ".py")).removesuffix(".pyc") + ".marshal"


def _magic() -> bytes:
    from importlib.util import MAGIC_NUMBER

    return MAGIC_NUMBER


def install(path: str | None = None) -> None:
    """From now on, compile each dataclass method and each pattern at most once per interpreter
    and cache file; `path`: the file (default: in pgc's `__pycache__`)."""
    import dataclasses

    if _state or getattr(dataclasses, "exec", builtins.exec) is not builtins.exec:
        return
    try:
        path = path or _path()
    except Exception:  # no file for this package (a zip, a frozen build): no cache
        path = ""
    methods, patterns = _read(path) if path else ({}, {})
    write = bool(path) and not sys.dont_write_bytecode and _writable(path)
    if not (methods or patterns or write):
        return  # nothing to take, nothing to keep: Python as it is
    _methods.update(methods)
    _patterns.update(patterns)
    _state.extend([path, "write"] if write else [path])
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    import re

    compiler = getattr(re, "_compiler", None)
    # the internals _compile_pattern repeats, as Python 3.11 to 3.13 have them
    if (3, 11) <= sys.version_info[:2] <= (3, 13) and all(
        hasattr(compiler, name) for name in ("compile", "_code", "_parser", "_sre", "SRE_FLAG_DEBUG")
    ):
        _original.extend((compiler.compile, compiler))  # type: ignore[union-attr]
        compiler.compile = _compile_pattern  # type: ignore[union-attr]


def _writable(path: str) -> bool:
    folder = os.path.dirname(path)
    while folder and not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    return bool(folder) and os.access(folder, os.W_OK)


def _read(path: str) -> tuple[dict[str, bytes], dict[tuple[str | bytes, int], tuple[Any, ...]]]:
    try:
        with open(path, "rb") as file:
            data = file.read()
        magic = _magic()
        table = marshal.loads(data[len(magic) :]) if data.startswith(magic) else {}
        methods, patterns = table.get("methods", {}), table.get("patterns", {})
        if isinstance(methods, dict) and isinstance(patterns, dict):
            return methods, patterns
    except Exception:
        pass
    return {}, {}


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **kwargs: Any) -> None:
    """`exec(source, globals, locals)`, with a source text's code object from the table."""
    if isinstance(source, str):
        code = None
        blob = _methods.get(source)
        if isinstance(blob, bytes):
            try:
                code = marshal.loads(blob)
            except Exception:
                code = None
        if code is None:
            # what exec(source) compiles: the dataclasses module's flags (none), not this module's
            code = compile(source, "<string>", "exec", dont_inherit=True)
            if len(_state) > 1:
                _new["methods"][source] = marshal.dumps(code)
        _used.add(source)
        source = code
    builtins.exec(source, globals, locals, **kwargs)


def _importing() -> bool:
    """Whether a module is being imported: its patterns are the code's constants. A pattern
    compiled while a command runs may hold what the user gave (a package name, a URL part, a
    password in `re.escape`): it is compiled, never written to the file."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _compile_pattern(p: Any, flags: int = 0) -> Any:
    """`re._compiler.compile(p, flags)`, with a pattern's program from the table."""
    original, compiler = _original
    if not isinstance(p, (str, bytes)) or flags & compiler.SRE_FLAG_DEBUG:
        return original(p, flags)
    key = (p, int(flags))
    args = _patterns.get(key)
    if not (isinstance(args, tuple) and len(args) == 5):
        parsed = compiler._parser.parse(p, flags)  # the steps of re._compiler.compile, in order
        program = compiler._code(parsed, flags)
        state = parsed.state
        names: list[str | None] = [None] * state.groups
        for name, i in state.groupdict.items():
            names[i] = name
        # plain ints: the opcodes are an int subclass, which marshal does not write
        code = [int(op) for op in program]
        args = (int(flags | state.flags), code, int(state.groups - 1), dict(state.groupdict), tuple(names))
        if len(_state) > 1 and _importing():  # module constants only: never a pattern built from input
            _new["patterns"][key] = args
    _used.add(key)
    final_flags, code, groups, groupindex, indexgroup = args
    try:
        return compiler._sre.compile(p, final_flags, list(code), groups, dict(groupindex), tuple(indexgroup))
    except Exception:  # a damaged entry: compile as Python does
        return original(p, flags)


def save() -> None:
    """Add what was compiled anew in this run to the file (atomically; never fails)."""
    if not any(_new.values()) or len(_state) < 2:
        return
    path = _state[0]
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        methods = {**_methods, **_new["methods"]}
        patterns = {**_patterns, **_new["patterns"]}
        data = marshal.dumps({"methods": methods, "patterns": patterns})
        if len(data) > _MAX_BYTES:
            methods = {k: v for k, v in methods.items() if k in _used}
            patterns = {k: v for k, v in patterns.items() if k in _used}
            data = marshal.dumps({"methods": methods, "patterns": patterns})
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as file:
            file.write(_magic() + data)
        os.replace(tmp, path)
    except Exception:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return
    _methods.update(_new["methods"])
    _patterns.update(_new["patterns"])
    for table in _new.values():
        table.clear()
