"""Render a ConnInfo back to text: libpq URI, key=value, PG* environment.

The one place a parsed URL is written out: `mask=True` puts `****` where a secret goes
(`conninfo.redact` decides which names are secret and masks the free text inside values).
"""

from __future__ import annotations

from pgconnect_cli.conninfo.meant import split_as_meant
from pgconnect_cli.conninfo.model import CORE_KEYWORDS, ConnInfo, is_secret_keyword
from pgconnect_cli.conninfo.percent import encode_host, pct
from pgconnect_cli.conninfo.redact import MASK, mask_text, scrub, stray_secrets, url_secrets

__all__ = ["ENV_VARS", "MASK", "encode_host", "masked_uri", "pct", "to_env", "to_keyvalue", "to_uri"]

# Everything but RFC 3986 unreserved characters is encoded in user and password, so the value
# survives every URL parser and every .env dialect ($, quotes, #, spaces never appear raw).
_USERINFO_SAFE = ""
_DBNAME_SAFE = ""
_VALUE_SAFE = "/:,@*"

# PG* environment variables, libpq 15+ (conninfo-facts §1.7); keywords without one are sent
# through a connection string instead.
ENV_VARS: dict[str, str] = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "channel_binding": "PGCHANNELBINDING",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "sslmode": "PGSSLMODE",
    "sslcompression": "PGSSLCOMPRESSION",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "requirepeer": "PGREQUIREPEER",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "gsslib": "PGGSSLIB",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "client_encoding": "PGCLIENTENCODING",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "sslcertmode": "PGSSLCERTMODE",
    "require_auth": "PGREQUIREAUTH",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "gssdelegation": "PGGSSDELEGATION",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "min_protocol_version": "PGMINPROTOCOLVERSION",
    "max_protocol_version": "PGMAXPROTOCOLVERSION",
}


_SSL_ALIASES = ("sslmode", "requiressl", "ssl")


def _resolved_options(ci: ConnInfo) -> list[tuple[str, str]]:
    """`ci.options`, with conflicting sslmode aliases collapsed to the one libpq would use."""
    options = list(ci.options)
    present = [k for k, _ in options if k in _SSL_ALIASES]
    if len(present) < 2:
        return options
    sslmode = ci.libpq_dict().get("sslmode")
    out: list[tuple[str, str]] = []
    for k, v in options:
        if k in _SSL_ALIASES:
            if k == present[0] and sslmode is not None:
                out.append(("sslmode", sslmode))
            continue
        out.append((k, v))
    return out


def _encoded(value: str, safe: str, *, mask: bool) -> str:
    """`value` percent-encoded; with `mask`, secrets inside it (a `password=…` libpq read as the user
    name or host of a malformed string) become MASK first, which stays readable."""
    if not mask:
        return pct(value, safe=safe)
    return MASK.join(pct(part, safe=safe) for part in mask_text(value).split(MASK))


def _encoded_host(host: str, *, mask: bool) -> str:
    shown = mask_text(host) if mask else host
    if shown == host:
        return encode_host(host)
    return MASK.join(pct(part, safe="") for part in shown.split(MASK))


def to_uri(ci: ConnInfo, *, mask: bool = False, scheme: str | None = None) -> str:
    """A URI with everything encoded that must be; other settings go to the query string.

    Values the URI's hierarchical part cannot express (an empty user, password, database or a
    lone empty host/port) go to the query string, so libpq reads back exactly the same settings.
    """
    if scheme is None:
        scheme = ci.scheme or "postgresql"
    options = _resolved_options(ci)
    values = dict(options)
    in_query: set[str] = set()
    out = [scheme, "://"]
    user, password = values.get("user"), values.get("password")
    if user == "":
        in_query.add("user")
        user = None
    if password == "":
        in_query.add("password")
        password = None
    if user is not None or password is not None:
        if user:
            out.append(_encoded(user, _USERINFO_SAFE, mask=mask))
        if password is not None:
            out.append(":" + (MASK if mask else pct(password, safe=_USERINFO_SAFE)))
        out.append("@")
    hosts = values.get("host")
    ports = values.get("port")
    hl = (hosts or "").split(",")
    pl = ports.split(",") if ports is not None else [""] * len(hl)
    if hosts == "":
        in_query.add("host")
    if ports is not None and (len(pl) != len(hl) or ports == ""):
        in_query.add("port")  # libpq reports a mismatch itself; an empty port is kept as written
    if hosts or (ports and "port" not in in_query):
        if "port" in in_query:
            out.append(",".join(_encoded_host(h, mask=mask) for h in hl))
        else:
            pairs = zip(hl, pl, strict=True)
            out.append(
                ",".join(
                    _encoded_host(h, mask=mask) + (":" + _encoded(p, "", mask=mask) if p else "")
                    for h, p in pairs
                )
            )
    dbname = values.get("dbname")
    if dbname == "":
        in_query.add("dbname")
    if dbname:
        # `/db;password=…`: settings pasted into the path are part of the name
        out.append("/" + _encoded(dbname, _DBNAME_SAFE, mask=mask))
    query = []
    for k, v in options:
        if k in CORE_KEYWORDS and k not in in_query:
            continue
        if mask and is_secret_keyword(k):
            query.append(f"{pct(k, safe='')}={MASK}")
        else:
            if mask:  # a value can hold a URL with credentials of its own
                v = mask_text(v)
            query.append(f"{pct(k, safe='')}={pct(v, safe=_VALUE_SAFE)}")
    if query:
        if not dbname:
            out.append("/")
        out.append("?" + "&".join(query))
    return _without_misread_password(ci, "".join(out)) if mask else "".join(out)


def _without_misread_password(ci: ConnInfo, shown: str) -> str:
    """Where libpq split the userinfo elsewhere than meant (a raw `/` or `@` in the password), the
    password's pieces stand in the host, port or database: mask them there too."""
    split = split_as_meant(ci.raw) if ci.raw else None
    if split is None:
        return shown
    if not split.misread:
        stray = stray_secrets(ci.raw)  # `app@:secret@h `: libpq reads the password as the port
        return scrub(shown, stray) if stray else shown
    return scrub(shown, url_secrets(ci.raw))


def masked_uri(ci: ConnInfo) -> str:
    """The URI with every secret replaced by ****: safe for reports, logs and JSON."""
    return to_uri(ci, mask=True)


def _kv_quote(value: str) -> str:
    if value and not any(c in value for c in " \t\n\v\f\r'\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def to_keyvalue(ci: ConnInfo, *, mask: bool = False) -> str:
    """A key=value string; `ssl=true` (a URI-only alias) becomes sslmode=require."""
    parts = []
    for k, v in _resolved_options(ci):
        if k == "ssl" and v == "true":
            k, v = "sslmode", "require"
        if mask and is_secret_keyword(k):
            parts.append(f"{k}={MASK}")
        else:
            parts.append(f"{k}={_kv_quote(mask_text(v) if mask else v)}")
    return _without_misread_password(ci, " ".join(parts)) if mask else " ".join(parts)


def to_env(ci: ConnInfo, *, mask: bool = False) -> dict[str, str]:
    """PG* variables for the settings that have one (the caller handles the rest)."""
    env: dict[str, str] = {}
    for k, v in ci.options:
        var = ENV_VARS.get(k)
        if var is None:
            continue
        if mask:
            v = MASK if is_secret_keyword(k) else _without_misread_password(ci, mask_text(v))
        env[var] = v
    return env
