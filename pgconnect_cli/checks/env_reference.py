"""`${NAME}` references in a .env value: which loader expands them, and what the client then sees.

Pure. A `.env` is read by a loader, not by the client: python-dotenv (Python apps), docker
compose and dotenv-expand (the Prisma ≤ 6 CLI and Client) expand `${NAME}`; Node's `dotenv`
(Prisma 7 through `import 'dotenv/config'`, node-postgres, postgres.js) and `node --env-file`
pass it on as text. The check judges the value the detected client's loader gives it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgconnect_cli.dotenv_file import EnvDocument, Statement
from pgconnect_cli.findings import Finding, Severity, finding
from pgconnect_cli.project import Client, Project


@dataclass(frozen=True)
class Loader:
    name: str  # as the finding names it
    expands: bool


PYTHON_DOTENV = Loader("python-dotenv", True)
DOTENV_EXPAND = Loader("dotenv-expand (Prisma ≤ 6 loads .env with it)", True)
NODE_DOTENV = Loader("Node's dotenv (or `node --env-file`)", False)

EXPANDING = "python-dotenv, docker compose and dotenv-expand (the Prisma ≤ 6 CLI)"
LITERAL = "Node's dotenv and `node --env-file`"

# How each client's app gets its .env (a client fact: belongs in the client table once there is one)
_LOADER_OF: dict[Client, Loader] = {
    Client.PSYCOPG: PYTHON_DOTENV,
    Client.ASYNCPG: PYTHON_DOTENV,
    Client.NODE_POSTGRES: NODE_DOTENV,
    Client.POSTGRES_JS: NODE_DOTENV,
}


def loader_for(project: Project | None) -> tuple[Client, Loader] | None:
    """The loader of the project's primary client, when pgc knows it."""
    client = project.primary_client if project is not None else None
    if client is None:
        return None
    if client is Client.PRISMA:
        assert project is not None
        return client, (NODE_DOTENV if project.prisma7 else DOTENV_EXPAND)
    loader = _LOADER_OF.get(client)
    return (client, loader) if loader is not None else None


def expanded_values(doc: EnvDocument) -> dict[int, str]:
    """Each binding's value (by line) as python-dotenv's interpolation reads it, from the bindings
    above it only (the process environment is not the file's: pgc does not guess it)."""
    from dotenv.variables import parse_variables

    seen: dict[str, str | None] = {}
    out: dict[int, str] = {}
    for s in doc.bindings:
        assert s.key is not None
        if s.value is None:
            seen[s.key] = None
            continue
        value = "".join(atom.resolve(seen) for atom in parse_variables(s.value))
        seen[s.key] = value
        out[s.line] = value
    return out


def reference_findings(s: Statement, project: Project | None) -> list[Finding]:
    """`env-reference-not-expanded` for a value holding `${…}`: an error when the project's loader
    passes it on literally, a warning when pgc does not know the loader, nothing when it expands."""
    assert s.key is not None and s.value is not None
    known = loader_for(project)
    if known is not None and known[1].expands:
        return []
    shown = s.value if "://" not in s.value else "the URL"
    head = f"line {s.line} ({s.key}={shown})" if shown != "the URL" else f"line {s.line} ({s.key})"
    if known is None:
        detail = (
            f"{head}: {EXPANDING} expand it; {LITERAL} pass the text on literally. pgc does not know "
            "which loader this project's app uses."
        )
        return [finding("env-reference-not-expanded", detail, line=s.line)]
    client, loader = known
    detail = (
        f"{head}: the project uses {client.value}, whose .env loader, {loader.name}, passes the "
        f"${{…}} text on: {s.key} reaches the app as written, not as a URL ({EXPANDING} would "
        "expand it)."
    )
    return [finding("env-reference-not-expanded", detail, severity=Severity.ERROR, line=s.line)]
