"""Validate pgc's JSON documents against the schemas shipped in `pgconnect_cli/schemas`.

The shipped schemas let consumers meet keys they do not know (additive changes within a
version). The suite is stricter: `validate` also refuses a key the schema does not describe,
so a new key cannot ship without its line in the schema.

`validate_cli_output(args, stdout)` is the hook for CLI helpers: it validates stdout when the
arguments ask for JSON and does nothing otherwise.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import jsonschema

from pgconnect_cli import schemas

# `pgc explain --list --json` prints a bare array of catalogue entries: no `schema` key.
EXPLAIN_LIST = "pgc.explain/v1#finding_list"


def strict(schema: Any) -> Any:
    """`schema` with `additionalProperties: false` on every object that lists its properties."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


@cache
def _validator(name: str, strict_keys: bool) -> jsonschema.protocols.Validator:
    base, _, definition = name.partition("#")
    schema = schemas.load(base)
    if definition:
        schema = {**schema, "$ref": f"#/$defs/{definition}"}
        for key in ("required", "properties", "type", "title"):
            schema.pop(key, None)
    if strict_keys:
        schema = strict(schema)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)  # type: ignore[no-any-return]


def errors(document: Any, name: str | None = None, *, strict_keys: bool = True) -> list[str]:
    """Every way `document` breaks its contract (its own `schema` key, or `name`), one line each."""
    if name is None:
        declared = document.get("schema") if isinstance(document, dict) else None
        if not isinstance(declared, str):
            return ["the document has no `schema` key naming its contract"]
        if declared not in schemas.NAMES:
            return [f"the document declares {declared!r}, which has no schema file"]
        name = declared
    found = _validator(name, strict_keys).iter_errors(document)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found)


def validate(document: Any, name: str | None = None, *, strict_keys: bool = True) -> None:
    """Fail (AssertionError) with every violation when `document` breaks its contract."""
    problems = errors(document, name, strict_keys=strict_keys)
    assert not problems, f"{name or 'document'} breaks its schema:\n  " + "\n  ".join(problems)


def validate_json(text: str, name: str | None = None) -> Any:
    """Parse a command's stdout (exactly one JSON document), validate it, return it."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"stdout is not one JSON document ({exc}): {text[:200]!r}") from None
    validate(document, name)
    return document


def asks_for_json(args: Sequence[str]) -> bool:
    """Whether `pgc ARGS` prints JSON: `--json`, `--format json`, `--format=json`, `-f json`."""
    args = list(args)
    if "--" in args:
        args = args[: args.index("--")]  # `pgc exec -- tool --json`: the child's flag
    if args[:1] == ["exec"]:
        return False
    for i, arg in enumerate(args):
        if arg == "--json" or arg in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and args[i + 1 : i + 2] == ["json"]:
            return True
    return False


def validate_cli_output(args: Sequence[str], stdout: str) -> Any:
    """Validate `stdout` of `pgc ARGS` when ARGS ask for JSON and stdout holds a document; return it."""
    if not asks_for_json(args) or not stdout.strip():
        return None  # usage errors print nothing on stdout (until they print a pgc.error/v1 envelope)
    name = EXPLAIN_LIST if list(args[:1]) == ["explain"] and "--list" in args else None
    return validate_json(stdout, name)
