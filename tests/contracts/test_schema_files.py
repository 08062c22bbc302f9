"""The schema files themselves: well-formed, shipped, consistent, their keys frozen."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pgconnect_cli import schemas
from pgconnect_cli.findings import CATALOGUE
from tests.contracts.validate import errors

SCHEMA_DIR = Path(schemas.__file__).parent

# Public API: a key may be added (here and in the schema), never renamed or removed.
FROZEN: dict[str, tuple[set[str], set[str]]] = {
    "pgc.url/v1": (
        {
            "schema",
            "ok",
            "summary",
            "url",
            "valid",
            "parts",
            "provider",
            "endpoint",
            "pool_mode",
            "context",
            "misread",
            "findings",
        },
        {"schema", "url", "valid", "parts", "provider", "endpoint", "pool_mode", "findings"},
    ),
    "pgc.doctor/v1": (
        {"schema", "ok", "summary", "client", "elapsed_ms", "targets", "findings"},
        {"schema", "ok", "summary", "targets", "findings"},
    ),
    "pgc.env/v1": (
        {"schema", "file", "ok", "summary", "findings", "urls", "examples"},
        {"schema", "file", "ok", "summary", "findings", "urls"},
    ),
    "pgc.explain/v1": (
        {"schema", "ok", "summary", "query", "matches", "findings", "first", "also_seen", "context"},
        {"schema", "query", "matches", "findings"},
    ),
    "pgc.pool/v1": (
        {
            "schema",
            "ok",
            "summary",
            "inputs",
            "per_instance",
            "total",
            "in_use",
            "sources",
            "limit",
            "headroom",
            "max_instances",
            "plan_limits",
            "live",
            "direct",
            "settings",
            "notes",
            "findings",
        },
        {
            "schema",
            "inputs",
            "per_instance",
            "total",
            "limit",
            "headroom",
            "max_instances",
            "settings",
            "findings",
        },
    ),
    "pgc.lab/v1": (
        {"schema", "directory", "running", "postgres", "pgbouncer", "urls", "problem", "env_file"},
        {"schema", "directory", "running", "postgres", "pgbouncer", "urls", "problem"},
    ),
    "pgc.error/v1": ({"schema", "ok", "errors"}, {"schema", "ok", "errors"}),
}
FINDING_KEYS = {"id", "severity", "title", "detail", "fix"}


def _finding_defs() -> dict[str, Any]:
    loaded = {n: schemas.load(n) for n in schemas.NAMES}
    return {n: s["$defs"]["finding"] for n, s in loaded.items() if "finding" in s.get("$defs", {})}


@pytest.mark.parametrize("name", schemas.NAMES)
def test_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = schemas.load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", schemas.NAMES)
def test_schema_pins_the_schema_key_to_its_own_name(name: str) -> None:
    schema = schemas.load(name)
    assert schema["title"] == name
    assert schema["properties"]["schema"] == {"const": name}


@pytest.mark.parametrize("name", schemas.NAMES)
def test_top_level_keys_of_each_contract_are_frozen(name: str) -> None:
    schema = schemas.load(name)
    properties, required = FROZEN[name]
    assert set(schema["properties"]) == properties
    assert set(schema["required"]) == required


def test_every_contract_is_frozen_by_this_test() -> None:
    assert set(FROZEN) == set(schemas.NAMES)


def test_every_schema_file_in_the_package_is_listed() -> None:
    on_disk = {p.name for p in SCHEMA_DIR.glob("*.json")}
    assert on_disk == {schemas.file_name(n) for n in schemas.NAMES}


def test_schema_files_are_formatted_json_with_a_final_newline() -> None:
    for path in SCHEMA_DIR.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n", path.name


def test_every_report_describes_a_finding_the_same_way() -> None:
    defs = _finding_defs()
    assert set(defs) == {"pgc.url/v1", "pgc.doctor/v1", "pgc.env/v1", "pgc.pool/v1"}
    first = next(iter(defs.values()))
    assert all(d == first for d in defs.values())
    assert set(first["required"]) == FINDING_KEYS


def test_every_catalogue_id_fits_the_finding_id_pattern() -> None:
    pattern = re.compile(_finding_defs()["pgc.url/v1"]["properties"]["id"]["pattern"])
    assert [i for i in CATALOGUE if not pattern.fullmatch(i)] == []


def test_a_document_is_checked_against_the_contract_it_names() -> None:
    assert schemas.for_document({"schema": "pgc.error/v1"})["title"] == "pgc.error/v1"


def test_a_document_without_a_schema_key_has_no_contract() -> None:
    with pytest.raises(KeyError):
        schemas.for_document([])


def test_an_unknown_contract_name_is_refused() -> None:
    with pytest.raises(KeyError, match=r"pgc\.url/v1"):
        schemas.load("pgc.url/v9")


def test_error_envelope_is_valid_as_specified() -> None:
    envelope = {"schema": "pgc.error/v1", "ok": False, "errors": [{"code": "usage", "message": "bad flag"}]}
    assert errors(envelope) == []


def test_error_envelope_must_say_it_is_not_ok() -> None:
    envelope = {"schema": "pgc.error/v1", "ok": True, "errors": [{"code": "usage", "message": "bad flag"}]}
    assert errors(envelope) != []


def test_strict_validation_refuses_a_key_the_schema_does_not_describe() -> None:
    envelope = {"schema": "pgc.error/v1", "ok": False, "errors": [{"code": "usage", "message": "m"}], "x": 1}
    assert errors(envelope, strict_keys=False) == []
    assert errors(envelope) == ["<root>: Additional properties are not allowed ('x' was unexpected)"]


def test_pool_plan_example_from_the_issue_is_valid() -> None:
    plan = {
        "schema": "pgc.pool/v1",
        "inputs": {"cpus": 4, "instances": 2, "serverless": False, "client": "prisma"},
        "per_instance": 4,
        "total": 8,
        "limit": {"connections": 9, "source": "server", "endpoint": "direct"},
        "headroom": 1,
        "max_instances": 2,
        "settings": [
            {"client": "prisma", "where": "DATABASE_URL", "set": "connection_limit=4&pool_timeout=10"}
        ],
        "findings": [],
    }
    assert errors(plan) == []
