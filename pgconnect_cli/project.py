"""What the project in a directory is made of: its manifests, Prisma (and which major), the
config and source texts the client checks search.

`detect` is the one place that reads the project's files (once, before any check runs); the
`Project` it returns carries the texts the pure checks need (`checks.prisma`, `checks.pair`,
`known_clients.detect`, `known_clients.switch_seen`). `prisma_version` is the one place Prisma's major
version is decided; everything reads `Project.prisma_major`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Client(str, Enum):
    PRISMA = "prisma"
    PSYCOPG = "psycopg"
    ASYNCPG = "asyncpg"
    NODE_POSTGRES = "node-postgres"
    POSTGRES_JS = "postgres.js"
    OTHER = "other"


# The one-line change that turns named prepared statements off, per client.
PREPARED_FIX: dict[Client, str] = {
    Client.PRISMA: "add pgbouncer=true to the pooled URL",
    Client.PSYCOPG: "connect with prepare_threshold=None",
    Client.ASYNCPG: "connect with statement_cache_size=0",
    Client.NODE_POSTGRES: "do not use named queries ({name: …}) through the pooler",
    Client.POSTGRES_JS: "pass prepare: false to postgres()",
    Client.OTHER: "turn off named prepared statements in the driver (or use session mode)",
}


@dataclass(frozen=True)
class Manifest:
    """A file that names the project's dependencies, as read."""

    ecosystem: str  # clients.Ecosystem's value: node, python, go, ruby, java, dotnet, rust
    file: str  # relative to the project root
    text: str = field(repr=False)


@dataclass(frozen=True)
class Project:
    root: Path
    clients: tuple[Client, ...] = ()
    prisma_schema: Path | None = None
    prisma_config: Path | None = None
    prisma_major: int | None = None  # `prisma_version`'s answer: None when nothing says
    prisma_schema_text: str | None = None  # None when absent or unreadable
    prisma_config_text: str | None = None
    prisma_major_source: str = ""  # which signal decided prisma_major
    node_packages: Mapping[str, str] = field(default_factory=dict)  # package.json: name → range
    # installed (node_modules/<pkg>/package.json) or locked version of a package.json dependency,
    # and the file that said it: name → (version, file)
    node_versions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    manifests: tuple[Manifest, ...] = ()
    sources: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # (file, text), bounded
    # Why no client was taken from a file that names one (pgc's own source tree), for the report
    note: str = ""

    @property
    def uses_prisma(self) -> bool:
        return Client.PRISMA in self.clients

    @property
    def prisma_evidence(self) -> str:
        """The file that says the project uses Prisma."""
        for path in (self.prisma_schema, self.prisma_config):
            if path is not None:
                return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)
        return "package.json"

    @property
    def primary_client(self) -> Client | None:
        return self.clients[0] if self.clients else None

    @property
    def prisma7(self) -> bool:
        return (self.prisma_major or 0) >= 7


# `name = "pgconnect-cli"` in a pyproject.toml's [project] table: pgc's own source tree
OWN_PROJECT = re.compile(r'(?m)^\s*name\s*=\s*["\']pgconnect-cli["\']')
_PSYCOPG = re.compile(r"\bpsycopg(?!2)")
_ASYNCPG = re.compile(r"\basyncpg\b")


def _read(path: Path, limit: int = 1 << 20) -> str | None:
    """The file's text, or None when absent, unreadable or larger than `limit`."""
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


# --- Prisma's major version: one answer ------------------------------------------------------------

CURRENT_PRISMA_MAJOR = 7  # what `latest` installs today
_PRISMA_PACKAGES = ("prisma", "@prisma/client")
# pnpm-lock.yaml (`prisma@6.19.0:`, `/prisma@5.0.0:`), bun.lock (`"prisma@6.19.0"`)
_LOCK_ENTRY = re.compile(r"(?<![\w/@.\-])/?(?:prisma|@prisma/client)@(\d+)\.\d")
# yarn.lock: `prisma@^6.2.0:` (or `"prisma@npm:^6", …:`) then `  version "6.19.0"`
_YARN_ENTRY = re.compile(r'(?m)^"?(?:prisma|@prisma/client)@[^\n]*:\n\s+version:?\s+"?(\d+)\.')


def _version_major(version: object) -> int | None:
    m = re.match(r"\s*v?(\d+)\.", version) if isinstance(version, str) else None
    return int(m.group(1)) if m else None


def _json(text: str | None) -> object:
    if not text:
        return None
    import json  # only with a package.json: start-up

    try:
        return json.loads(text)
    except ValueError:
        return None


def _installed(texts: Mapping[str, str]) -> tuple[int, str] | None:
    for package in _PRISMA_PACKAGES:
        file = f"node_modules/{package}/package.json"
        data = _json(texts.get(file))
        major = _version_major(data.get("version")) if isinstance(data, dict) else None
        if major is not None:
            return major, f"{file} (installed)"
    return None


def _locked(texts: Mapping[str, str]) -> tuple[int, str] | None:
    lock = _json(texts.get("package-lock.json"))
    if isinstance(lock, dict):
        packages, legacy = lock.get("packages"), lock.get("dependencies")
        for package in _PRISMA_PACKAGES:
            for table, key in ((packages, f"node_modules/{package}"), (legacy, package)):
                entry = table.get(key) if isinstance(table, dict) else None
                major = _version_major(entry.get("version")) if isinstance(entry, dict) else None
                if major is not None:
                    return major, "package-lock.json"
    for file, pattern in (
        ("pnpm-lock.yaml", _LOCK_ENTRY),
        ("bun.lock", _LOCK_ENTRY),
        ("yarn.lock", _YARN_ENTRY),
    ):
        m = pattern.search(texts.get(file) or "")
        if m:
            return int(m.group(1)), file
    return None


def node_versions(
    root: Path, texts: Mapping[str, str], packages: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """The installed, else locked (package-lock.json, pnpm-lock.yaml, bun.lock) version of each
    package.json dependency: name → (version, the file that said it)."""
    out: dict[str, tuple[str, str]] = {}
    lock = _json(texts.get("package-lock.json"))
    table = lock.get("packages") if isinstance(lock, dict) else None
    legacy = lock.get("dependencies") if isinstance(lock, dict) else None
    for package in sorted(packages)[:200]:
        file = f"node_modules/{package}/package.json"
        data = _json(texts.get(file) if file in texts else _read(root / file, 64 * 1024))
        version = data.get("version") if isinstance(data, dict) else None
        if isinstance(version, str):
            out[package] = (version, f"{file} (installed)")
            continue
        for entries, key in ((table, f"node_modules/{package}"), (legacy, package)):
            entry = entries.get(key) if isinstance(entries, dict) else None
            version = entry.get("version") if isinstance(entry, dict) else None
            if isinstance(version, str):
                out[package] = (version, "package-lock.json")
                break
        if package in out:
            continue
        entry_re = re.compile(rf"(?<![\w/@.\-])/?{re.escape(package)}@(\d+\.[\w.\-+]+)")
        for file in ("pnpm-lock.yaml", "bun.lock"):
            m = entry_re.search(texts.get(file) or "")
            if m:
                out[package] = (m.group(1), file)
                break
    return out


def range_major(spec: str) -> int | None:
    """The major a package.json range asks for at least: `^6.2.0` and `>=6.19 <8` → 6, `latest` →
    the current major; None for what says nothing here (`catalog:`, `workspace:*`, a path)."""
    spec = spec.strip()
    if spec in ("latest", "next", "*", "x", ""):
        return CURRENT_PRISMA_MAJOR if spec else None
    if re.match(r"^(?:catalog|workspace|file|link|portal|git\+|https?|github):", spec):
        return None
    m = re.search(r"(\d+)", spec)
    return int(m.group(1)) if m else None


def prisma_version(
    texts: Mapping[str, str], packages: Mapping[str, str], has_config: bool
) -> tuple[int | None, str]:
    """Prisma's major version and the signal that decided it: the installed package, then the
    lockfile, then package.json's range (its lower bound), then prisma.config.ts (Prisma 7's)."""
    for answer in (_installed(texts), _locked(texts)):
        if answer is not None:
            return answer
    for package in _PRISMA_PACKAGES:
        spec = packages.get(package)
        major = range_major(spec) if spec is not None else None
        if major is not None:
            return major, f'package.json ("{package}": "{spec}")'
    if has_config:
        return CURRENT_PRISMA_MAJOR, "prisma.config.ts (Prisma 7 reads it)"
    return None, ""


# --- reading the project ---------------------------------------------------------------------------

_NODE_FILES = (
    "package.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock",
    "node_modules/prisma/package.json", "node_modules/@prisma/client/package.json",
)  # fmt: skip
_MANIFESTS = {
    "node": ("package.json",),
    "python": ("pyproject.toml", "requirements.txt", "requirements-dev.txt", "Pipfile", "poetry.lock",
               "uv.lock", "setup.cfg", "setup.py"),
    "go": ("go.mod",),
    "ruby": ("Gemfile", "Gemfile.lock"),
    "java": ("pom.xml", "build.gradle", "build.gradle.kts"),
    "rust": ("Cargo.toml",),
}  # fmt: skip
# Where a client's switch may be written: config files and source, searched by the setting's name.
_SOURCE_SUFFIXES = frozenset(
    ".ts .mts .cts .js .mjs .cjs .py .go .rb .yml .yaml .java .kt .cs .rs .properties .json .toml".split()
)
_SKIP_DIRS = frozenset(
    "node_modules .git .venv venv env __pycache__ dist build target vendor .next .cache coverage".split()
)
MAX_SOURCES = 400  # files
MAX_SOURCE_BYTES = 256 * 1024  # per file
MAX_DEPTH = 5


def _sources(root: Path) -> tuple[tuple[str, str], ...]:
    """A bounded set of the project's config and source files, for `clients.switch_seen`."""
    out: list[tuple[str, str]] = []
    for directory, dirs, files in os.walk(root):
        depth = len(Path(directory).relative_to(root).parts)
        dirs[:] = sorted(
            d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".") and depth < MAX_DEPTH
        )
        for name in sorted(files):
            if Path(name).suffix not in _SOURCE_SUFFIXES or name.endswith("lock.json"):
                continue
            path = Path(directory) / name
            text = _read(path, MAX_SOURCE_BYTES)
            if text is not None:
                out.append((str(path.relative_to(root)), text))
            if len(out) >= MAX_SOURCES:
                return tuple(out)
    return tuple(out)


def _node_packages(text: str | None) -> dict[str, str]:
    data = _json(text)
    packages: dict[str, str] = {}
    if isinstance(data, dict):
        for section in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
            value = data.get(section)
            if isinstance(value, dict):
                packages.update({str(k): str(v) for k, v in value.items()})
    return packages


def detect(root: Path) -> Project:
    """Read the project at `root` once: manifests, Prisma files, a bounded set of sources."""
    schema = next(
        (p for p in (root / "prisma" / "schema.prisma", root / "schema.prisma") if p.is_file()), None
    )
    config = next(
        (
            root / n
            for n in ("prisma.config.ts", "prisma.config.js", "prisma.config.mjs")
            if (root / n).is_file()
        ),
        None,
    )
    node_texts = {name: text for name in _NODE_FILES if (text := _read(root / name)) is not None}
    packages = _node_packages(node_texts.get("package.json"))
    manifests = [
        Manifest(ecosystem, name, text)
        for ecosystem, names in _MANIFESTS.items()
        for name in names
        if (text := _read(root / name)) is not None
    ]
    manifests += [
        Manifest(ecosystem, path.name, text)
        for ecosystem, pattern in (("dotnet", "*.csproj"), ("python", "requirements*.txt"))
        for path in sorted(root.glob(pattern))[:10]
        if path.name not in ("requirements.txt", "requirements-dev.txt") and (text := _read(path)) is not None
    ]
    note = ""
    own = [m for m in manifests if m.file == "pyproject.toml" and OWN_PROJECT.search(m.text)]
    if own:
        # pgc's own checkout (the README tour run in it): its dependencies are not an app's client
        manifests = [m for m in manifests if m not in own]
        note = "pyproject.toml is pgc's own source tree, not an app; pass --client"
    clients: list[Client] = []
    if schema is not None or config is not None or any(p in packages for p in _PRISMA_PACKAGES):
        clients.append(Client.PRISMA)
    if "postgres" in packages:
        clients.append(Client.POSTGRES_JS)
    if "pg" in packages:
        clients.append(Client.NODE_POSTGRES)
    py = " ".join(m.text for m in manifests if m.ecosystem == "python")
    if _PSYCOPG.search(py):
        clients.append(Client.PSYCOPG)
    if _ASYNCPG.search(py):
        clients.append(Client.ASYNCPG)
    major, source = (
        prisma_version(node_texts, packages, config is not None)
        if clients[:1] == [Client.PRISMA]
        else (None, "")
    )
    is_project = bool(manifests or schema or config)
    return Project(
        root=root,
        clients=tuple(clients),
        prisma_schema=schema,
        prisma_config=config,
        prisma_major=major,
        prisma_schema_text=_read(schema) if schema else None,
        prisma_config_text=_read(config) if config else None,
        prisma_major_source=source,
        node_packages=packages,
        node_versions=node_versions(root, node_texts, packages),
        manifests=tuple(manifests),
        sources=_sources(root) if is_project else (),
        note=note if not clients else "",
    )


def prisma_texts(project: Project) -> tuple[str | None, str | None]:
    """The text of the Prisma schema and of prisma.config.ts, as `detect` read them."""
    return project.prisma_schema_text, project.prisma_config_text
