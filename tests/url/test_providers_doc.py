"""docs/providers.md is generated from the provider table and kept current."""

from __future__ import annotations

import sys
from pathlib import Path

from pgconnect_cli.providers import PROVIDER_ROWS

ROOT = Path(__file__).resolve().parents[2]


def _render() -> str:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import providers_doc
    finally:
        sys.path.pop(0)
    return providers_doc.render()


def test_docs_providers_md_matches_the_provider_table() -> None:
    assert (ROOT / "docs" / "providers.md").read_text() == _render(), "run `make docs`"


def test_every_row_has_a_section_and_every_fact_a_source() -> None:
    text = _render()
    for row in PROVIDER_ROWS:
        assert f'<a id="{row.id.value}"></a>' in text
        for fact in (row.ports, row.pool_mode, row.tls):
            assert fact.source.url
