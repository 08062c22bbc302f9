"""What the project's Prisma config must say for the pair pgc writes (DATABASE_URL for the app,
DIRECT_URL for migrations), and which variable `prisma migrate` really reads.

Pure: the project model carries the schema's and prisma.config.ts's texts (read once by
`project.detect`); pgc never edits them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pgconnect_cli.project import Project

PRISMA6_SNIPPET = """datasource {name} {{
  provider  = "postgresql"
  url       = env("DATABASE_URL")
  directUrl = env("DIRECT_URL")
}}"""

PRISMA7_SNIPPET = """import 'dotenv/config'
import {{ defineConfig, env }} from 'prisma/config'

export default defineConfig({{
  schema: '{schema}',
  datasource: {{
    url: env('DIRECT_URL'),
  }},
}})"""

PRISMA7_RUNTIME = "new PrismaPg({ connectionString: process.env.DATABASE_URL })"

_DATASOURCE = re.compile(r"datasource\s+(\w+)\s*\{([^}]*)\}")
# `url: env('X')`, `url: process.env.X`, `url: process.env['X']` in prisma.config.ts
_CONFIG_URL = re.compile(
    r"(?<![\w.$])url\s*:\s*(?:env\(\s*[\"'](?P<a>\w+)[\"']\s*\)|process\.env\.(?P<b>\w+)\b"
    r"|process\.env\[\s*[\"'](?P<c>\w+)[\"']\s*\])"
)
_CONFIG_DATASOURCE = re.compile(r"(?<![\w.$])datasource\s*:\s*\{")
# `url = env("X")` / `directUrl = env("X")` in a schema's datasource block
_SCHEMA_ENV = r"\b{key}\s*=\s*env\(\s*[\"'](\w+)[\"']\s*\)"
# `import 'dotenv/config'`, `require("dotenv").config()`, `import { config } from "dotenv"`, Node's loader
_LOADS_DOTENV = re.compile(r"""dotenv/config|["']dotenv["']|process\.loadEnvFile""")


@dataclass(frozen=True)
class PrismaAdvice:
    """What the Prisma config must contain for DATABASE_URL/DIRECT_URL to be used; pgc never edits it."""

    major: str  # "7" or "6 or older"
    file: str  # the file that must say it (relative to the project)
    missing: tuple[str, ...]  # what it lacks; none: the config is fine
    snippet: str
    notes: tuple[str, ...] = ()
    migrations_env: str | None = None  # the variable `prisma migrate` reads, when the config says
    change: str = ""  # the one change that makes migrations read DIRECT_URL

    @property
    def ok(self) -> bool:
        return not self.missing


def _rel(project: Project, p: Path) -> str:
    return str(p.relative_to(project.root)) if p.is_relative_to(project.root) else str(p)


def _config_url_env(text: str) -> str | None:
    """The variable `datasource.url` of a prisma.config.ts reads (the CLI and migrations use it)."""
    datasource = _CONFIG_DATASOURCE.search(text)
    m = _CONFIG_URL.search(text, datasource.end() if datasource else 0)
    return (m.group("a") or m.group("b") or m.group("c")) if m else None


def prisma_advice(project: Project, schema_text: str | None, config_text: str | None) -> PrismaAdvice | None:
    """Check the Prisma schema (≤6) or prisma.config.ts (7) against the pair pgc writes."""
    if not project.uses_prisma:
        return None
    schema = _rel(project, project.prisma_schema) if project.prisma_schema else "prisma/schema.prisma"
    block = _DATASOURCE.search(schema_text or "")
    if project.prisma7:
        config = _rel(project, project.prisma_config) if project.prisma_config else "prisma.config.ts"
        missing = []
        text = config_text or ""
        migrations_env = _config_url_env(text) if config_text is not None else None
        if config_text is None:
            missing.append(f"{config} does not exist")
        else:
            if migrations_env != "DIRECT_URL":
                missing.append("datasource.url does not read DIRECT_URL (the CLI and migrations use it)")
            if not _LOADS_DOTENV.search(text):
                missing.append("nothing loads .env (Prisma 7 does not): import 'dotenv/config'")
        notes = [f"The app's client takes the pooled URL through the adapter: {PRISMA7_RUNTIME}"]
        if block and re.search(r"^\s*(url|directUrl)\s*=", block.group(2), re.MULTILINE):
            notes.append(f"Prisma 7 rejects url/directUrl in {schema}: remove them from the datasource block")
        return PrismaAdvice(
            major="7",
            file=config,
            missing=tuple(missing),
            snippet=PRISMA7_SNIPPET.format(schema=schema),
            notes=tuple(notes),
            migrations_env=migrations_env,
            change=f"in {config}, set datasource: {{ url: env('DIRECT_URL') }} (the app keeps the pooled URL "
            f"through its adapter: {PRISMA7_RUNTIME})",
        )
    missing = []
    name = "db"
    migrations_env = None
    if schema_text is None:
        missing.append(f"{schema} does not exist")
    elif block is None:
        missing.append(f"{schema} has no datasource block")
    else:
        name = block.group(1)
        body = block.group(2)
        url = re.search(_SCHEMA_ENV.format(key="url"), body)
        direct = re.search(_SCHEMA_ENV.format(key="directUrl"), body)
        decides = direct or url
        migrations_env = decides.group(1) if decides else None
        if not (url and url.group(1) == "DATABASE_URL"):
            missing.append('url = env("DATABASE_URL") (the pooled URL, for the app)')
        if not (direct and direct.group(1) == "DIRECT_URL"):
            missing.append('directUrl = env("DIRECT_URL") (migrations and introspection use it)')
    return PrismaAdvice(
        major="6 or older",
        file=schema,
        missing=tuple(missing),
        snippet=PRISMA6_SNIPPET.format(name=name),
        migrations_env=migrations_env,
        change=f'in {schema}, add directUrl = env("DIRECT_URL") to the datasource {name} block',
    )


def project_advice(project: Project | None) -> PrismaAdvice | None:
    """`prisma_advice` on the texts the project model read."""
    if project is None:
        return None
    return prisma_advice(project, project.prisma_schema_text, project.prisma_config_text)
