"""What the project in a directory uses: Prisma (and which major), Python and Node drivers.

Read-only file inspection; the client context sets severities and the fixes shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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
class Project:
    root: Path
    clients: tuple[Client, ...] = ()
    prisma_schema: Path | None = None
    prisma_config: Path | None = None
    prisma_major: int | None = None  # from package.json, when pinned
    # Why no client was taken from a file that names one (pgc's own source tree), for the report
    note: str = ""

    @property
    def uses_prisma(self) -> bool:
        return Client.PRISMA in self.clients

    @property
    def primary_client(self) -> Client | None:
        return self.clients[0] if self.clients else None

    @property
    def prisma7(self) -> bool:
        return (self.prisma_major is not None and self.prisma_major >= 7) or (
            self.prisma_major is None and self.prisma_config is not None
        )


# `name = "pgconnect-cli"` in a pyproject.toml's [project] table: pgc's own source tree
OWN_PROJECT = re.compile(r'(?m)^\s*name\s*=\s*["\']pgconnect-cli["\']')


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _major(spec: str) -> int | None:
    m = re.search(r"(\d+)", spec)
    return int(m.group(1)) if m else None


def detect(root: Path) -> Project:
    clients: list[Client] = []
    schema = root / "prisma" / "schema.prisma"
    if not schema.is_file():
        schema = root / "schema.prisma"
    config = next(
        (
            root / n
            for n in ("prisma.config.ts", "prisma.config.js", "prisma.config.mjs")
            if (root / n).is_file()
        ),
        None,
    )
    prisma_major: int | None = None
    pkg = root / "package.json"
    deps: dict[str, str] = {}
    if pkg.is_file():
        try:
            data = json.loads(_read(pkg) or "{}")
            for section in ("dependencies", "devDependencies"):
                value = data.get(section) if isinstance(data, dict) else None
                if isinstance(value, dict):
                    deps.update({str(k): str(v) for k, v in value.items()})
        except ValueError:
            deps = {}
    if schema.is_file() or config is not None or "prisma" in deps or "@prisma/client" in deps:
        clients.append(Client.PRISMA)
        spec = deps.get("prisma") or deps.get("@prisma/client")
        prisma_major = _major(spec) if spec else None
    if "postgres" in deps:
        clients.append(Client.POSTGRES_JS)
    if "pg" in deps:
        clients.append(Client.NODE_POSTGRES)
    names = ["pyproject.toml", "requirements.txt", "setup.cfg", "Pipfile"]
    note = ""
    if OWN_PROJECT.search(_read(root / "pyproject.toml")):
        # pgc's own checkout (the README tour run in it): its dependencies are not an app's client
        names = ["requirements.txt", "setup.cfg", "Pipfile"]
        note = "pyproject.toml is pgc's own source tree, not an app; pass --client"
    py = " ".join(_read(root / n) for n in names)
    if re.search(r"\bpsycopg(?!2)", py):
        clients.append(Client.PSYCOPG)
    if re.search(r"\basyncpg\b", py):
        clients.append(Client.ASYNCPG)
    return Project(
        root=root,
        clients=tuple(clients),
        prisma_schema=schema if schema.is_file() else None,
        prisma_config=config,
        prisma_major=prisma_major,
        note=note if not clients else "",
    )


def prisma_texts(project: Project) -> tuple[str | None, str | None]:
    """The text of the Prisma schema and of prisma.config.ts (None when absent or unreadable)."""

    def read(path: Path | None) -> str | None:
        try:
            return path.read_text(encoding="utf-8", errors="replace") if path else None
        except OSError:
            return None

    return read(project.prisma_schema), read(project.prisma_config)
