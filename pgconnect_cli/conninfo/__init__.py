"""Pure connection-string work: parse, build, convert, redact. No I/O.

Layers, each importing only those above it: `model` and `percent` (leaves) → `parse`, `params`
→ `meant` (the URL as its author meant it) → `redact` (the one gatherer and mask of secrets) →
`build` → `invisible` → `fix` → `convert`.
"""

from pgconnect_cli.conninfo.build import MASK, masked_uri, to_env, to_keyvalue, to_uri
from pgconnect_cli.conninfo.model import ConnInfo, Form, HostPort
from pgconnect_cli.conninfo.parse import ParseError, parse

__all__ = [
    "MASK",
    "ConnInfo",
    "Form",
    "HostPort",
    "ParseError",
    "masked_uri",
    "parse",
    "to_env",
    "to_keyvalue",
    "to_uri",
]
