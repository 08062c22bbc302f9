"""Rewrite a connection string for a target: libpq (URI, key=value, PG* variables), Prisma,
SQLAlchemy, JDBC. Pure: every conversion returns the text and the notes that explain what
changed or was dropped (notes never contain secrets).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from pgconnect_cli.conninfo.build import ENV_VARS, to_env, to_keyvalue, to_uri
from pgconnect_cli.conninfo.fix import apply_param_fixes
from pgconnect_cli.conninfo.model import (
    CORE_KEYWORDS,
    LIBPQ_KEYWORD_SINCE,
    LIBPQ_KEYWORDS,
    LIBPQ_SCHEMES,
    PRISMA_ONLY_PARAMS,
    PRISMA_SHARED_PARAMS,
    ConnInfo,
    Form,
)
from pgconnect_cli.conninfo.params import (
    merge_options,
    search_path_from_options,
    search_path_option,
    shown_name,
    ssl_flag_meaning,
)
from pgconnect_cli.conninfo.percent import encode_host, encode_userinfo, pct


class Target(str, Enum):
    URI = "uri"
    KEYVALUE = "keyvalue"
    ENV = "env"
    PRISMA = "prisma"
    SQLALCHEMY = "sqlalchemy"
    JDBC = "jdbc"


@dataclass(frozen=True)
class Conversion:
    text: str = field(repr=False)  # a full URL or environment, password included
    notes: tuple[str, ...] = ()


def _rebuild(ci: ConnInfo, options: Iterable[tuple[str, str]], *, scheme: str | None = None) -> ConnInfo:
    return ConnInfo(
        raw="", form=ci.form, scheme=ci.scheme if scheme is None else scheme, options=tuple(options)
    )


def apply_edits(ci: ConnInfo, set_: Sequence[tuple[str, str]] = (), unset: Sequence[str] = ()) -> ConnInfo:
    """`--set k=v` (replace in place, or append) and `--unset k`, in that order."""
    options = [(k, v) for k, v in ci.options if k not in unset]
    for key, value in set_:
        for i, (k, _) in enumerate(options):
            if k == key:
                options[i] = (key, value)
                break
        else:
            options.append((key, value))
    return _rebuild(ci, options)


def prisma_tls_to_libpq(
    options: Iterable[tuple[str, str]],
) -> tuple[list[tuple[str, str]], list[str]]:
    """Prisma's TLS settings in libpq's words, and notes on what changed.

    With `sslaccept`/`sslidentity` present the URL speaks Prisma's dialect: its `sslcert` is the
    server's CA (libpq's `sslrootcert`; libpq's `sslcert` is a client certificate), and
    `sslaccept=strict` asks for verification (`verify-full`). The PKCS#12 identity has no libpq form.
    """
    options = list(options)
    values = dict(options)
    if "sslaccept" not in values and "sslidentity" not in values:
        return options, []
    notes: list[str] = []
    # Prisma's default is accept_invalid_certs: the CA is then not used to verify anything.
    strict = values.get("sslaccept") == "strict"
    # only prefer/require (or none) become verify-full; disable, verify-ca, verify-full stay as written
    upgrade = strict and values.get("sslmode", "prefer") in ("prefer", "require")
    out: list[tuple[str, str]] = []
    for key, value in options:
        if key == "sslaccept":
            if upgrade:
                out.append(("sslmode", "verify-full"))
                notes.append("sslaccept=strict → sslmode=verify-full")
        elif key == "sslcert":
            if strict:
                out.append(("sslrootcert", value))
                notes.append("Prisma's sslcert (the server's CA) → sslrootcert")
            else:
                # with a root certificate, libpq's require verifies the chain; Prisma would not
                notes.append("Prisma's sslcert is not used: sslaccept=accept_invalid_certs verifies nothing")
        elif key == "sslmode" and upgrade:
            continue  # replaced by sslaccept's verify-full
        elif key in ("sslidentity", "sslpassword"):
            continue
        else:
            out.append((key, value))
    return out, notes


def libpq_keywords(ci: ConnInfo) -> dict[str, str]:
    """The settings libpq itself takes from `ci`, as a connection to the server uses them.

    Prisma's TLS settings are translated (`prisma_tls_to_libpq`); everything libpq does not know
    (Prisma-only parameters, `schema`, typos) is left out. The doctor connects with this and
    `pgc exec` hands it to libpq tools, so both read a URL the same way.
    """
    tls_options, _ = prisma_tls_to_libpq(ci.options)
    translated = ConnInfo(raw="", form=ci.form, scheme=ci.scheme, options=tuple(tls_options))
    return {k: v for k, v in translated.libpq_dict().items() if k in LIBPQ_KEYWORDS}


def clean_for_libpq(ci: ConnInfo, *, pooled: bool = False) -> tuple[ConnInfo, tuple[str, ...]]:
    """A ConnInfo that libpq (psql, pg_dump, psycopg) accepts, and what was changed to get there.

    Prisma-only parameters go (`schema=X` becomes `options=-c search_path=X`), Prisma's TLS
    settings become libpq's, known typos are corrected, and what libpq would reject is dropped.
    """
    tls_options, notes = prisma_tls_to_libpq(ci.options)
    out: list[tuple[str, str]] = []
    dropped: list[str] = [
        k for k, _ in ci.options if k in ("sslidentity", "sslpassword") and (k, _) not in tls_options
    ]
    schema: str | None = None
    for key, value in tls_options:
        if key == "schema":
            schema = value
        elif key in PRISMA_ONLY_PARAMS:
            dropped.append(key)
        else:
            out.append((key, value))
    if dropped:
        notes.append("dropped Prisma-only parameters libpq rejects: " + ", ".join(dropped))
    fixed, changes, remaining = apply_param_fixes(_rebuild(ci, out))
    notes += changes
    options = [(k, v) for k, v in fixed.options if k not in remaining]
    if remaining:
        notes.append("dropped parameters libpq does not know: " + ", ".join(map(shown_name, remaining)))
    if schema:
        current = next((v for k, v in options if k == "options"), None)
        merged = merge_options(current, search_path_option(schema))
        options = [(k, v) for k, v in options if k != "options"] + [("options", merged)]
        notes.append(f"schema={schema} → options=-c search_path={schema}")
        if pooled:
            notes.append(
                "PgBouncer before 1.20 rejects the options startup parameter "
                "(`unsupported startup parameter: options`); use the direct URL for libpq tools"
            )
    for key, _ in options:
        since = LIBPQ_KEYWORD_SINCE.get(key)
        if since:
            notes.append(f"{key} needs libpq {since} or newer; older psql and pg_dump reject it")
    scheme = ci.scheme if ci.scheme in LIBPQ_SCHEMES else "postgresql"
    return _rebuild(ci, options, scheme=scheme), tuple(notes)


def to_env_lines(ci: ConnInfo) -> tuple[list[str], list[str]]:
    """Shell-quoted `PGVAR=value` lines, and the keywords that have no PG* variable."""
    env = to_env(ci)
    lines = [f"{name}={shlex.quote(value)}" for name, value in env.items()]
    missing = [k for k, _ in ci.options if k not in ENV_VARS and k in LIBPQ_KEYWORDS]
    return lines, missing


def _to_prisma(ci: ConnInfo, *, transaction_pooler: bool, direct: bool) -> Conversion:
    ci, changes, _ = apply_param_fixes(ci)
    notes: list[str] = list(changes)
    values = dict(ci.options)
    hosts = ci.hosts
    host_opts: list[tuple[str, str]] = []
    if len(hosts) > 1:
        notes.append(f"Prisma takes a single host: kept the first of {len(hosts)}")
    first = hosts[0]
    socket_dir: str | None = None
    if first.is_socket:  # Prisma: host localhost, the socket directory in ?host= (its docs' form)
        host_opts.append(("host", "localhost"))
        if first.host:
            socket_dir = first.host
        else:
            notes.append(
                "no host: libpq uses its default Unix socket, whose directory Prisma does not know; "
                "it connects to localhost over TCP (add ?host=/var/run/postgresql for the socket)"
            )
    elif first.host:
        host_opts.append(("host", first.host))
    if first.port:
        host_opts.append(("port", first.port))
    out: list[tuple[str, str]] = [(k, v) for k, v in ci.options if k in ("user", "password")] + host_opts
    if "dbname" in values:
        out.append(("dbname", values["dbname"]))
    dropped: list[str] = []
    sslmode = ci.libpq_dict().get("sslmode")  # with ssl=true / requiressl resolved as libpq does
    if sslmode is None and "ssl" in values:
        sslmode = ssl_flag_meaning(values["ssl"])
    schema = values.get("schema")
    for key, value in ci.options:
        if key in CORE_KEYWORDS or key in ("ssl", "requiressl"):
            continue
        if key == "sslmode":
            continue
        if key == "options":
            found, rest = search_path_from_options(value)
            if found and not schema:
                schema = found
                notes.append(f"options=-c search_path={found} → schema={found}")
            if rest:
                out.append(("options", rest))
            continue
        if key == "sslrootcert":
            out.append(("sslcert", value))
            notes.append("sslrootcert → sslcert (Prisma's name for the server's CA)")
            continue
        if key in ("sslcert", "sslkey") and "sslidentity" not in values:
            dropped.append(key)
            continue
        if key == "pgbouncer" and direct and value.lower() == "true":
            notes.append("removed pgbouncer=true: this is a direct endpoint")
            continue
        if key == "schema":
            continue
        if key in PRISMA_ONLY_PARAMS or key in PRISMA_SHARED_PARAMS:
            out.append((key, value))
        else:
            dropped.append(key)
    if sslmode in ("verify-ca", "verify-full"):
        out.append(("sslmode", "require"))
        if "sslaccept" not in values:
            out.append(("sslaccept", "strict"))
        notes.append(f"sslmode={sslmode} → sslmode=require&sslaccept=strict (Prisma 6 and older)")
    elif sslmode == "allow":
        out.append(("sslmode", "prefer"))
        notes.append("sslmode=allow → prefer (Prisma knows disable, prefer and require)")
    elif sslmode is not None:
        out.append(("sslmode", sslmode))
    if schema:
        out.append(("schema", schema))
    if transaction_pooler and values.get("pgbouncer", "").lower() != "true":
        out = [(k, v) for k, v in out if k != "pgbouncer"] + [("pgbouncer", "true")]
        notes.append("added pgbouncer=true: this endpoint is a transaction pooler")
    if dropped:
        notes.append("dropped parameters Prisma ignores: " + ", ".join(map(shown_name, dropped)))
    result = ConnInfo(raw="", form=Form.URI, scheme="postgresql", options=tuple(out))
    text = to_uri(result, scheme="postgresql")
    if socket_dir is not None:
        separator = "&" if "?" in text else ("?" if values.get("dbname") else "/?")
        text += f"{separator}host={pct(socket_dir, safe='/')}"
    return Conversion(text, tuple(notes))


def _netloc(ci: ConnInfo) -> str:
    first = ci.hosts[0]
    return encode_host(first.host) + (":" + pct(first.port, safe="") if first.port else "")


def _to_sqlalchemy(ci: ConnInfo, notes: list[str]) -> Conversion:
    query: list[tuple[str, str]] = []
    hosts = ci.hosts
    single_tcp = len(hosts) == 1 and not hosts[0].is_socket
    if not single_tcp:
        if ci.get("host") is not None:
            query += [("host", hp.host + (":" + hp.port if hp.port else "")) for hp in hosts]
        elif ci.get("port"):
            query.append(("port", ci.get("port") or ""))
    query += [(k, v) for k, v in ci.options if k not in CORE_KEYWORDS]
    text = (
        "postgresql+psycopg://" + encode_userinfo(ci.user, ci.password) + (_netloc(ci) if single_tcp else "")
    )
    text += "/" + pct(ci.dbname or "", safe="")
    if query:
        text += "?" + "&".join(f"{pct(k, safe='')}={pct(v, safe='/:,')}" for k, v in query)
    if "%" in text:
        notes.append("in alembic.ini (configparser) write every % as %% in sqlalchemy.url")
    return Conversion(text, tuple(notes))


_JDBC_NAMES = {
    "sslmode": "sslmode",
    "sslrootcert": "sslrootcert",
    "sslcert": "sslcert",
    "sslkey": "sslkey",
    "sslpassword": "sslpassword",
    "connect_timeout": "connectTimeout",
    "application_name": "ApplicationName",
    "options": "options",
    "keepalives": "tcpKeepAlive",
    "channel_binding": "channelBinding",
    "gssencmode": "gssEncMode",
}
_JDBC_TARGET = {
    "any": "any",
    "read-write": "primary",
    "primary": "primary",
    "read-only": "secondary",
    "standby": "secondary",
    "prefer-standby": "preferSecondary",
}


def _to_jdbc(ci: ConnInfo, notes: list[str], *, schema: str | None, pgbouncer: bool) -> Conversion:
    hosts = []
    for hp in ci.hosts:
        if hp.is_socket:
            notes.append("JDBC cannot use a Unix socket: used localhost")
            hosts.append("localhost" + (":" + hp.port if hp.port else ""))
        else:
            hosts.append(encode_host(hp.host) + (":" + hp.port if hp.port else ""))
    props: list[tuple[str, str]] = []
    if ci.user:
        props.append(("user", ci.user))
    if ci.password is not None:
        props.append(("password", ci.password))
    dropped: list[str] = []
    for key, value in ci.options:
        if key in CORE_KEYWORDS:
            continue
        if key == "options":
            found, rest = search_path_from_options(value)
            if found and not schema:
                schema = found
            if rest:
                props.append(("options", rest))
        elif key == "keepalives":
            props.append(("tcpKeepAlive", "false" if value == "0" else "true"))
        elif key == "target_session_attrs" and value in _JDBC_TARGET:
            props.append(("targetServerType", _JDBC_TARGET[value]))
        elif key in _JDBC_NAMES:
            props.append((_JDBC_NAMES[key], value))
        else:
            dropped.append(key)
    if schema:
        props.append(("currentSchema", schema))
    if pgbouncer:
        props.append(("prepareThreshold", "0"))
        notes.append("pgbouncer=true → prepareThreshold=0 (no server-side prepared statements)")
    if dropped:
        notes.append(
            "dropped parameters pgJDBC has no equivalent for: " + ", ".join(map(shown_name, dropped))
        )
    text = "jdbc:postgresql://" + ",".join(hosts) + "/" + pct(ci.dbname or "", safe="")
    if props:
        text += "?" + "&".join(f"{k}={pct(v, safe='')}" for k, v in props)
    return Conversion(text, tuple(notes))


def convert(
    ci: ConnInfo,
    target: Target,
    *,
    pooled: bool = False,
    transaction_pooler: bool = False,
    direct: bool = False,
) -> Conversion:
    """Rewrite `ci` for `target`. `pooled`/`transaction_pooler`/`direct` come from the provider
    classification and decide pgbouncer=true (Prisma) and the PgBouncer `options` warning.
    """
    if target is Target.PRISMA:
        return _to_prisma(ci, transaction_pooler=transaction_pooler, direct=direct)
    if target is Target.JDBC:
        schema = ci.get("schema")
        pgbouncer = (ci.get("pgbouncer") or "").lower() == "true"
        clean, notes = clean_for_libpq(ci.replace(schema=None), pooled=pooled)
        return _to_jdbc(
            clean, [n for n in notes if "Prisma-only" not in n], schema=schema, pgbouncer=pgbouncer
        )
    clean, notes = clean_for_libpq(ci, pooled=pooled)
    if target is Target.URI:
        return Conversion(to_uri(clean), notes)
    if target is Target.KEYVALUE:
        return Conversion(to_keyvalue(clean), notes)
    if target is Target.SQLALCHEMY:
        return _to_sqlalchemy(clean, list(notes))
    lines, missing = to_env_lines(clean)
    extra = [f"no PG* variable exists for {', '.join(missing)}: dropped"] if missing else []
    return Conversion("\n".join(lines), (*notes, *extra))
