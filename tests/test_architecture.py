"""The package's import graph: no cycles, lazy imports inside functions counted too.

A cycle hidden behind a function-level import still ties the modules together: neither can be
read, tested or moved without the other. The walk reads the source (no module is imported).
Imports under `if TYPE_CHECKING:` never run and are left out (`shared/tools/arch.py` counts them).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pgconnect_cli

PACKAGE = Path(pgconnect_cli.__file__).parent
ROOT_NAME = "pgconnect_cli"


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = (ROOT_NAME, *path.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts).removesuffix(".__init__")
        out[name] = path
    return out


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` lives in (`a.b.func` → `a.b`)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every package module `name` imports, anywhere in its body (lazy imports included).

    Importing a parent package (`pgconnect_cli.conninfo` from inside it) is not an edge: Python
    has already imported it before any of its modules."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for imported in names:
            if not imported.startswith(ROOT_NAME):
                continue
            target = _owner(imported, modules)
            if target and target != name and not name.startswith(target + "."):
                targets.add(target)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_a_lazy_import_that_closes_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_walk_sees_imports_inside_functions() -> None:
    # conninfo.build imports redact at the top; explain imports conninfo lazily in places
    graph = import_graph()
    lazy = {
        name
        for name, path in _modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(ROOT_NAME)
    }
    assert lazy, "the package has lazy imports; the walk must see them"
    assert all(graph[name] for name in lazy)


def test_the_connection_model_is_a_leaf() -> None:
    graph = import_graph()
    assert graph["pgconnect_cli.conninfo.model"] == set()
    assert graph["pgconnect_cli.conninfo.percent"] == set()


def _imported(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a child Python imports for `code`, as `-X importtime` lists them (no timing
    is read), beyond those of a bare start."""
    import os
    import subprocess
    import sys

    def run(source: str) -> set[str]:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", source],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=60,
        )
        lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
        return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}

    return run(code) - run("pass")


HEAVY = {"typer", "click", "rich", "psycopg", "dns", "dotenv", "markdown_it", "pygments", "shellingham"}


def test_version_loads_nothing_but_the_entry_point() -> None:
    code = "import sys; sys.argv[1:] = ['--version']; from pgconnect_cli.entry import main; main()"
    assert _imported(code) <= {"__future__", "pgconnect_cli", "pgconnect_cli.entry"}


def test_tab_completion_from_the_table_loads_no_command_tree() -> None:
    env = {"_PGC_COMPLETE": "complete_bash", "COMP_WORDS": "pgc url ", "COMP_CWORD": "2"}
    loaded = _imported("from pgconnect_cli.entry import main; main()", env)
    assert "pgconnect_cli.completion_table" in loaded
    assert {m.split(".")[0] for m in loaded} & HEAVY == set()
    assert not any(m.startswith("pgconnect_cli.cli") for m in loaded)


def test_the_command_tree_loads_no_renderer_driver_or_help_library() -> None:
    loaded = {m.split(".")[0] for m in _imported("import pgconnect_cli.cli")}
    assert loaded & (HEAVY - {"typer", "shellingham"}) == set()
