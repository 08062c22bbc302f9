"""Render a ConnInfo back to text: libpq URI, key=value, PG* environment.

The one place secrets are formatted: `mask=True` puts `****` where the password goes.
"""

from __future__ import annotations

from urllib.parse import quote

from pgconnect_cli.conninfo.model import CORE_KEYWORDS, SECRET_KEYWORDS, ConnInfo

MASK = "****"

# Everything but RFC 3986 unreserved characters is encoded in user and password, so the value
# survives every URL parser and every .env dialect ($, quotes, #, spaces never appear raw).
_USERINFO_SAFE = ""
_DBNAME_SAFE = ""
_VALUE_SAFE = "/:,@"

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


def _encode_host(host: str) -> str:
    if ":" in host:  # IPv6 literal (a zone id's % must be encoded)
        return "[" + host.replace("%", "%25") + "]"
    return quote(host, safe="")


def to_uri(ci: ConnInfo, *, mask: bool = False, scheme: str | None = None) -> str:
    """A URI with everything encoded that must be; other settings go to the query string."""
    if scheme is None:
        scheme = ci.scheme or "postgresql"
    out = [scheme, "://"]
    user, password = ci.user, ci.password
    if user is not None or password is not None:
        if user:
            out.append(quote(user, safe=_USERINFO_SAFE))
        if password is not None:
            out.append(":" + (MASK if mask else quote(password, safe=_USERINFO_SAFE)))
        out.append("@")
    hosts = ci.get("host")
    ports = ci.get("port")
    if hosts is not None or ports is not None:
        hl = (hosts or "").split(",")
        pl = (ports or "").split(",")
        if len(pl) == len(hl):
            pairs = zip(hl, pl, strict=True)
            out.append(",".join(_encode_host(h) + (":" + p if p else "") for h, p in pairs))
        else:  # mismatched lists: keep them as parameters, libpq reports the mismatch itself
            out.append(",".join(_encode_host(h) for h in hl))
    dbname = ci.dbname
    if dbname:
        out.append("/" + quote(dbname, safe=_DBNAME_SAFE))
    query = []
    for k, v in ci.options:
        if k in CORE_KEYWORDS:
            if (
                k == "port"
                and ports is not None
                and len((ports or "").split(",")) == len((hosts or "").split(","))
            ):
                continue
            if k != "port":
                continue
        if mask and k in SECRET_KEYWORDS:
            v = MASK
        query.append(f"{quote(k, safe='')}={v if mask and v == MASK else quote(v, safe=_VALUE_SAFE)}")
    if query:
        if not dbname:
            out.append("/")
        out.append("?" + "&".join(query))
    return "".join(out)


def _kv_quote(value: str) -> str:
    if value and not any(c in value for c in " \t\n\v\f\r'\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def to_keyvalue(ci: ConnInfo, *, mask: bool = False) -> str:
    parts = []
    for k, v in ci.options:
        if mask and k in SECRET_KEYWORDS:
            parts.append(f"{k}={MASK}")
        else:
            parts.append(f"{k}={_kv_quote(v)}")
    return " ".join(parts)


def to_env(ci: ConnInfo, *, mask: bool = False) -> dict[str, str]:
    """PG* variables for the settings that have one (the caller handles the rest)."""
    env: dict[str, str] = {}
    for k, v in ci.options:
        var = ENV_VARS.get(k)
        if var is None:
            continue
        env[var] = MASK if (mask and k in SECRET_KEYWORDS) else v
    return env
