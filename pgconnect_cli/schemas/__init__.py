"""The JSON Schema (draft 2020-12) of every JSON document pgc prints, shipped in the wheel.

`load("pgc.doctor/v1")` returns one schema as a dict; `NAMES` lists them. A document names its
own contract in its `schema` key, so `for_document(doc)` picks the schema that validates it.
Only the standard library is used: validating needs the `jsonschema` package, which pgc itself
does not depend on (the test suite does).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

NAMES: tuple[str, ...] = (
    "pgc.url/v1",
    "pgc.doctor/v1",
    "pgc.env/v1",
    "pgc.explain/v1",
    "pgc.pool/v1",
    "pgc.lab/v1",
    "pgc.error/v1",
)


def file_name(name: str) -> str:
    """`pgc.url/v1` → `url.v1.json`, the file in this package."""
    if name not in NAMES:
        raise KeyError(f"no schema named {name!r}; known: {', '.join(NAMES)}")
    kind, version = name.removeprefix("pgc.").split("/")
    return f"{kind}.{version}.json"


def load(name: str) -> dict[str, Any]:
    """The schema of contract `name` (`pgc.url/v1`, …)."""
    text = resources.files(__name__).joinpath(file_name(name)).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def for_document(document: object) -> dict[str, Any]:
    """The schema a document declares with its `schema` key."""
    name = document.get("schema") if isinstance(document, dict) else None
    if not isinstance(name, str):
        raise KeyError("not a pgc JSON document: no `schema` key")
    return load(name)
