"""Pure connection-string work: parse, build, convert, redact. No I/O."""

from pgconnect_cli.conninfo.build import MASK, to_env, to_keyvalue, to_uri
from pgconnect_cli.conninfo.model import ConnInfo, Form, HostPort
from pgconnect_cli.conninfo.parse import ParseError, parse

__all__ = [
    "MASK",
    "ConnInfo",
    "Form",
    "HostPort",
    "ParseError",
    "parse",
    "to_env",
    "to_keyvalue",
    "to_uri",
]
