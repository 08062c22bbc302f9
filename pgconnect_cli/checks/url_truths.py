"""What the app will see of a connection string that looks right: pure checks, never a repair.

The URL is judged as given: trailing whitespace, a settings list typed after `&` instead of `?`,
a percent escape that is no UTF-8. `pgc url fix` repairs them; the report never does so silently.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from pgconnect_cli.conninfo.model import KNOWN_PARAMS, ConnInfo, Form
from pgconnect_cli.findings import Finding, Severity, finding
from pgconnect_cli.project import Client

_EDGE_SPACE = " \t\r\n\v\f"
_NAMES = {"\r": "\\r (carriage return)", "\n": "\\n (newline)", "\t": "\\t (tab)", " ": "space"}


def _describe(chars: str) -> str:
    return " + ".join(_NAMES.get(c, repr(c)) for c in chars)


def edge_whitespace(raw: str, form: Form | None) -> Finding | None:
    """Whitespace before or after the string: libpq reads a URI's trailing bytes as part of its last
    value (`invalid sslmode value: "require\\r"`, a database `app\\n`) and a leading space turns the
    URI into a key=value string; between key=value pairs libpq skips whitespace."""
    tail = raw[len(raw.rstrip(_EDGE_SPACE)) :]
    head = raw[: len(raw) - len(raw.lstrip(_EDGE_SPACE))]
    if not tail and not head:
        return None
    where = " and ".join(
        part
        for part in (
            f"starts with {_describe(head)}" if head else "",
            f"ends with {_describe(tail)}" if tail else "",
        )
        if part
    )
    if form is Form.KEYVALUE:
        return finding(
            "url-trailing-whitespace",
            f"The key=value string {where}: libpq skips whitespace between settings, but a client that "
            "reads the string as a URL does not.",
            severity=Severity.INFO,
        )
    return finding(
        "url-trailing-whitespace",
        f"The connection string {where}. libpq and psycopg keep it as part of the last value (`invalid "
        'sslmode value: "require\\r"`, a port or database name that does not exist); a .env saved with '
        "Windows line endings or a copied secret does this. pgc reports the URL as the app sees it.",
    )


_AMPERSAND = re.compile(r"&([A-Za-z_][A-Za-z0-9_]*)=")


def ampersand_for_query(ci: ConnInfo, raw: str) -> tuple[Finding, ConnInfo] | None:
    """`…/app&sslmode=require`: without `?` the settings are part of the database name. The
    finding, and the URL as meant (the database cut at `&`, the settings as settings)."""
    db = ci.dbname or ""
    if ci.form is not Form.URI or "?" in raw or "&" not in db:
        return None
    name, _, rest = db.partition("&")
    keys = _AMPERSAND.findall("&" + rest)
    if not keys or not all(k in KNOWN_PARAMS for k in keys):
        return None
    settings: dict[str, str | None] = {}
    for pair in rest.split("&"):
        key, _, value = pair.partition("=")
        settings[key] = value
    meant = ci.replace(dbname=name, **settings)
    f = finding(
        "url-ampersand-for-query",
        f"The settings after the database name start with `&` instead of `?`: libpq reads the database "
        f"as {db!r} and none of the settings ({', '.join(keys)}).",
        f"Write `{name}?{rest}` (a `?` before the first setting, `&` between the others); `pgc url fix` "
        "does it.",
    )
    return f, meant


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_STRICT_CLIENTS = (Client.PSYCOPG, Client.ASYNCPG, Client.NODE_POSTGRES, Client.POSTGRES_JS, Client.PRISMA)


def percent_escape_not_utf8(raw: str, client: Client | None) -> Finding | None:
    """A percent escape whose bytes are no UTF-8 (`application_name=%ff`): libpq passes the bytes
    on, but psycopg (and node's decodeURIComponent, Prisma's URL parser) fail on the string."""
    for m in _ESCAPES.finditer(raw):
        try:
            unquote_to_bytes(m.group(0)).decode("utf-8")
        except UnicodeDecodeError:
            escape = m.group(0)
            break
    else:
        return None
    if client in _STRICT_CLIENTS:
        assert client is not None
        severity, who = Severity.ERROR, f"{client.value} fails on it before connecting"
    elif client is None:
        severity, who = Severity.WARNING, "psycopg and most drivers fail on it before connecting"
    else:
        severity, who = Severity.INFO, "libpq tools (psql, pg_dump) pass the bytes on as they are"
    return finding(
        "percent-escape-not-utf8",
        f"The percent escape {escape} decodes to bytes that are not UTF-8: {who}; psql and pg_dump "
        "accept it.",
        "Percent-encode the UTF-8 bytes of the character meant (é is %C3%A9), or drop the escape.",
        severity=severity,
    )
