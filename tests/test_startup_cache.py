"""What pgc keeps compiled between runs (`pgconnect_cli.startup_cache`: dataclass methods, regular
expression programs) changes no class and no pattern: the same whether compiled now or read
back, a damaged file is no cache, and PYTHONDONTWRITEBYTECODE writes nothing. Each run is a child
process: installing the cache changes the dataclasses and re modules of its interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import dataclasses, json, re, sys
from pgconnect_cli import startup_cache
startup_cache.install(sys.argv[1])
PATTERNS = [
    (r"^(?P<scheme>postgres(?:ql)?)://(?P<rest>.*)$", 0),
    (r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.pooler\.supabase\.com", re.IGNORECASE),
    (rb"\x00+|(\d{2,})", 0),
    (r"(?x) a + (?# comment ) b", 0),
]
compiled = [re.compile(p, f) for p, f in PATTERNS]
texts = ("postgresql://h/db", "AWS-0.POOLER.supabase.com")
found = [[m.groupdict() if m else None for m in map(c.search, texts)] for c in compiled[:2]]
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
    "patterns": [[c.pattern if isinstance(c.pattern, str) else c.pattern.hex(), c.flags, c.groups,
                  dict(c.groupindex)] for c in compiled],
    "found": found,
    "compiled": sum(len(t) for t in startup_cache._new.values()),
    "read": len(startup_cache._methods) + len(startup_cache._patterns),
    "same": all(startup_cache._original[0](p, f) == startup_cache._compile_pattern(p, f)
                for p, f in startup_cache._patterns),
}
startup_cache.save()
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
    assert warm["same"]  # every pattern read back is the pattern re compiles
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


def test_the_patterns_and_methods_of_url_check_read_back_are_the_ones_python_makes(tmp_path: Path) -> None:
    code = (
        "import re, sys\n"
        "from pgconnect_cli import startup_cache as c\n"
        "c.install(sys.argv[1])\n"
        "from pgconnect_cli.checks.url import check_url\n"
        "from pgconnect_cli.render.emit import OutputFormat, render_text\n"
        "url = 'postgresql://u:pw@ep-x-pooler.us-east-2.aws.neon.tech/db'\n"
        "text = render_text(check_url(url), OutputFormat.json)\n"
        "assert all(c._original[0](p, f) == c._compile_pattern(p, f) for p, f in c._patterns)\n"
        "print(len(c._patterns), len(c._methods), len(text))\n"
        "c.save()\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cache = str(tmp_path / "startup.marshal")
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, cache], capture_output=True, text=True, env=environ, timeout=60
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    cold, warm = (r.stdout.split() for r in runs)
    assert cold[:2] == ["0", "0"] and int(warm[0]) > 20 and int(warm[1]) > 20
    assert cold[2] == warm[2]


def test_a_pattern_compiled_while_a_command_runs_is_never_written(tmp_path: Path) -> None:
    # module constants are kept; a pattern built from input (a password in re.escape) is not
    code = (
        "import re, sys\n"
        "from pgconnect_cli import startup_cache as c\n"
        "c.install(sys.argv[1])\n"
        "import pgconnect_cli.conninfo.redact\n"  # imported: its patterns are constants
        "re.compile(re.escape('Zq9-secret-pw') + '@')\n"
        "c.save()\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cache = tmp_path / "startup.marshal"
    done = subprocess.run(
        [sys.executable, "-c", code, str(cache)], capture_output=True, text=True, env=environ
    )
    assert done.returncode == 0, done.stderr
    data = cache.read_bytes()
    assert b"Zq9-secret-pw" not in data and b"Zq9\\-secret\\-pw" not in data
    assert b"://" in data  # the module's own patterns were kept
