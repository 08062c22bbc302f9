"""Regenerate docs/findings.md from the finding catalogue and docs/clients.md from the client table
(`make docs`; tests check both are current)."""

from __future__ import annotations

from pathlib import Path

from pgconnect_cli.findings import CATALOGUE

HEADER = """# Finding ids

Every check in `pgc` reports findings with a stable id. Ids are public API: they are never
renamed, and `pgc explain ID` prints the same text. Severity is the default; some checks raise or
lower it with the context (for example `pgbouncer-flag-missing` is an error for Prisma).

This file is generated from `pgconnect_cli/findings.py` by `make docs`.

| id | severity | layer | title |
|---|---|---|---|
"""


def render() -> str:
    rows = [
        f"| [`{s.id}`](#{s.id}) | {s.severity.value} | {s.layer} | {s.title} |" for s in CATALOGUE.values()
    ]
    sections = [
        f"## {s.id}\n\n**{s.title}** ({s.severity.value}, layer `{s.layer}`)\n\n"
        f"- Cause: {s.cause}\n- Fix: {s.fix}\n"
        for s in CATALOGUE.values()
    ]
    return HEADER + "\n".join(rows) + "\n\n" + "\n".join(sections)


if __name__ == "__main__":
    import providers_doc  # scripts/providers_doc.py: docs/providers.md from the provider table

    from pgconnect_cli import known_clients

    docs = Path(__file__).resolve().parent.parent / "docs"
    pages = (
        (docs / "findings.md", render()),
        (docs / "providers.md", providers_doc.render()),
        (docs / "clients.md", known_clients.markdown()),
    )
    for path, text in pages:
        path.write_text(text)
        print(f"wrote {path.name}")
