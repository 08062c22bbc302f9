"""The compiled dataclass methods kept between runs (`pgconnect_cli.dataclass_cache`) change no
class: the same methods whether compiled now or read back, a damaged file is no cache, and
PYTHONDONTWRITEBYTECODE writes nothing. Each run is a child process: installing the cache
changes the dataclasses module of the interpreter it runs in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = """
import dataclasses, json, sys
from pgconnect_cli import dataclass_cache
dataclass_cache.install(sys.argv[1])
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Row:
    name: str
    port: int = 5432
    tags: tuple[str, ...] = field(default=())

@dataclass(order=True)
class Loose:
    a: int
    b: list[int] = field(default_factory=list)

r = Row("db", tags=("x",))
try:
    r.name = "other"
    frozen = "no"
except dataclasses.FrozenInstanceError as exc:
    frozen = type(exc).__name__
try:
    Row()
    missing = "no"
except TypeError as exc:
    missing = str(exc)
out = {
    "repr": [repr(r), repr(Loose(1))],
    "eq": [r == Row("db", 5432, ("x",)), r == Row("db", 1)],
    "hash": hash(r) == hash(Row("db", tags=("x",))),
    "order": Loose(1) < Loose(2),
    "frozen": frozen,
    "missing": missing,
    "doc": Row.__doc__,
    "init": dataclasses.fields(Row)[1].default,
    "annotations": str(Row.__init__.__annotations__),
    "compiled": len(dataclass_cache._new),
    "read": len(dataclass_cache._cached),
}
dataclass_cache.save()
print(json.dumps(out))
"""


def _child(cache: Path, **env: str) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | env
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(cache)], capture_output=True, text=True, env=environ, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    keep = lambda d: {k: v for k, v in d.items() if k not in ("compiled", "read")}  # noqa: E731
    return keep(a) == keep(b)


def test_methods_read_back_are_the_methods_compiled(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__" / "methods.marshal"
    cold = _child(cache)
    warm = _child(cache)
    assert cold["compiled"] and not cold["read"]
    assert warm["read"] and not warm["compiled"]
    assert _same(cold, warm)
    assert cold["frozen"] == "FrozenInstanceError"
    assert "missing 1 required positional argument: 'name'" in str(cold["missing"])


def test_a_damaged_cache_file_is_no_cache(tmp_path: Path) -> None:
    cache = tmp_path / "methods.marshal"
    good = _child(cache)
    for junk in (b"", b"\x00" * 7, cache.read_bytes()[:-40], b"not marshal at all"):
        cache.write_bytes(junk)
        assert _same(_child(cache), good)


def test_no_cache_file_without_bytecode_writing(tmp_path: Path) -> None:
    cache = tmp_path / "methods.marshal"
    _child(cache, PYTHONDONTWRITEBYTECODE="1")
    assert not cache.exists()
