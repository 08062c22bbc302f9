"""The corpus: real messages from public issue threads, each with the finding named first.

Every entry was pasted by a user into a public issue (the `source`); hosts, project refs,
addresses and secrets are replaced by placeholders. `expected` is the finding that names the
cause the thread found (or, where the thread found none, the cause the message states).

Misses: none at present. An entry that `explain` gets wrong goes into KNOWN_MISSES with the
reason, and stays an expected failure until the signatures learn it; the score must stay >= 95 %.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pgconnect_cli.explain import explain
from pgconnect_cli.findings import CATALOGUE

CORPUS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "corpus.json").read_text())["entries"]

# source -> why explain names another finding first
KNOWN_MISSES: dict[str, str] = {}


def _id(entry: dict[str, Any]) -> str:
    return f"{entry['driver']}:{entry['source'].rsplit('github.com/', 1)[-1]}"


def test_the_corpus_holds_at_least_100_real_messages_with_their_sources() -> None:
    assert len(CORPUS) >= 100
    assert all(e["source"].startswith("https://") and e["text"].strip() for e in CORPUS)


def test_every_expected_finding_is_in_the_catalogue() -> None:
    assert {e["expected"] for e in CORPUS} <= set(CATALOGUE)


def test_the_corpus_spans_the_drivers_the_issue_names() -> None:
    drivers = {e["driver"] for e in CORPUS}
    wanted = {
        "prisma",
        "psql",
        "libpq",
        "psycopg2",
        "asyncpg",
        "node-postgres",
        "postgres.js",
        "pgx",
        "ecto",
        "rails",
    }
    assert wanted <= drivers


def test_no_corpus_entry_carries_a_password_in_a_url() -> None:
    credentials = re.compile(r"://[^/\s:@]+:(?!<|\{|\[|\*)[^@\s/]+@")
    assert [e["source"] for e in CORPUS if credentials.search(e["text"])] == []


@pytest.mark.parametrize("entry", CORPUS, ids=_id)
def test_the_expected_finding_comes_first(entry: dict[str, Any]) -> None:
    if entry["source"] in KNOWN_MISSES:
        pytest.xfail(KNOWN_MISSES[entry["source"]])
    assert explain(entry["text"]).first == entry["expected"]


def test_at_least_95_percent_of_the_corpus_is_right_first() -> None:
    right = sum(explain(e["text"]).first == e["expected"] for e in CORPUS)
    assert right / len(CORPUS) >= 0.95, f"{right}/{len(CORPUS)}"
