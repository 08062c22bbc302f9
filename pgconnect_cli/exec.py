"""`pgc exec`: run psql, pg_dump, migrations or any command through the direct URL.

`plan()` is pure: it picks the URL and computes what the child's environment must hold.
`run()` does the I/O: a private directory with the temporary password (and service) file, the
version check before a dump tool, the child process with signals forwarded, and cleanup
whatever happens (normal exit, error, SIGINT, SIGTERM, SIGHUP, SIGQUIT).

How a tool gets the connection:

* every child gets the `PG*` variables (so psql, pg_dump and any script that calls them connect
  without arguments), the password through a temporary `PGPASSFILE`, and `DATABASE_URL` /
  `DIRECT_URL` (plus any other known URL variable the project defines) set to the direct URL;
* settings libpq has no variable for (keepalives, sslpassword, …) go to a temporary service file;
* tools whose drivers reject Prisma's parameters (psycopg, asyncpg, node-postgres, pgx: alembic,
  django, drizzle-kit, …) get a `DATABASE_URL` without them, `schema=X` turned into
  `options=-c search_path=X`; everything else (Prisma, unknown commands) gets the URL as written.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from pgconnect_cli.conninfo.build import ENV_VARS, MASK, masked_uri, to_uri
from pgconnect_cli.conninfo.convert import libpq_keywords
from pgconnect_cli.conninfo.model import LIBPQ_KEYWORDS, PRISMA_ONLY_PARAMS, ConnInfo, Form
from pgconnect_cli.conninfo.params import merge_options, search_path_option
from pgconnect_cli.conninfo.parse import ParseError, parse
from pgconnect_cli.conninfo.redact import scrub
from pgconnect_cli.errors import FindingError, PgcError, UsageError
from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.providers import DerivationError, Endpoint, PoolMode, classify, derive_direct
from pgconnect_cli.targets import DIRECT_NAMES, POOLED_NAMES, Source, Target, looks_like_postgres_url, pick

# Client programs of PostgreSQL that connect through libpq (matched on the program's base name).
LIBPQ_TOOLS: frozenset[str] = frozenset(
    """
    psql pg_dump pg_dumpall pg_restore pgbench vacuumdb reindexdb clusterdb createdb dropdb
    createuser dropuser pg_isready pg_basebackup pg_receivewal pg_recvlogical pg_amcheck vacuumlo
    oid2name
    """.split()
)
# These abort against a server of a newer major version ("server version mismatch").
DUMP_TOOLS: frozenset[str] = frozenset({"pg_dump", "pg_dumpall", "pg_restore"})

# Migration tools and runtimes whose drivers (psycopg, asyncpg, node-postgres, postgres.js, pgx,
# lib/pq, Ruby pg) reject Prisma's URL parameters or send them to the server as settings.
DRIVER_TOOLS: frozenset[str] = frozenset(
    """
    alembic django-admin manage.py flask drizzle-kit knex node-pg-migrate typeorm sequelize
    sequelize-cli dbmate goose migrate sqlx diesel atlas rails rake yoyo
    """.split()
)
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")

# Launchers run another program; that program decides how the URL is handed over. The tuple lists
# the subcommand that launches (`uv run X`); pnpm and yarn also run a package's binary directly.
_LAUNCHERS: dict[str, tuple[str, ...]] = {
    "npx": (),
    "pnpx": (),
    "bunx": (),
    "uvx": (),
    "npm": ("exec", "x"),
    "pnpm": ("exec", "dlx"),
    "yarn": ("exec", "dlx"),
    "bun": ("x", "run"),
    "uv": ("run",),
    "poetry": ("run",),
    "pipenv": ("run",),
    "pdm": ("run",),
    "hatch": ("run",),
    "rye": ("run",),
    "pipx": ("run",),
    "bundle": ("exec",),
}
_BARE_LAUNCHERS = frozenset({"pnpm", "yarn"})

# Variables that choose the server or the credentials: cleared in the child unless the chosen
# URL sets them, so nothing inherited redirects the connection. PGCLUSTER is Debian's pg_wrapper.
CONNECTION_VARS = (
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGREQUIRESSL",
    "PGCLUSTER",
)
URL_VARS = ("DATABASE_URL", "DIRECT_URL")
SERVICE_NAME = "pgc"
TEMPORARY = "<temporary file, 0600, removed afterwards>"
_VERSION_CHECK_TIMEOUT_S = "15"


class ToolKind(str, Enum):
    LIBPQ = "libpq"  # psql, pg_dump, …: PG* variables, Prisma's parameters cannot be passed
    DRIVER = "driver"  # reads DATABASE_URL through a driver that rejects Prisma's parameters
    OTHER = "other"  # Prisma and anything unknown: the URL as written


@dataclass(frozen=True)
class Note:
    """A line for stderr: which URL was used, what was dropped or translated, and why."""

    severity: Severity
    text: str


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str = field(repr=False)
    shown: str  # what --dry-run prints: secrets masked


@dataclass(frozen=True)
class Choice:
    source: str  # the variable the URL came from, or "--url"
    ci: ConnInfo = field(repr=False)
    text: str = field(repr=False)  # the URL handed to tools that take it as written
    notes: tuple[Note, ...] = ()
    pooled: bool = False  # only with --allow-pooled, or a pooled --url / DIRECT_URL


@dataclass(frozen=True)
class LibpqSettings:
    """The chosen URL as libpq keywords; what libpq cannot take is listed, schema is translated."""

    values: tuple[tuple[str, str], ...] = field(repr=False)
    prisma_dropped: tuple[str, ...] = ()
    unknown_dropped: tuple[str, ...] = ()
    schema: str | None = None
    schema_passed: bool = True  # False through a pooler: `schema` is dropped, not translated

    def get(self, key: str) -> str | None:
        return dict(self.values).get(key)


@dataclass(frozen=True)
class ExecPlan:
    argv: tuple[str, ...]
    tool: str  # the program that reads the connection (after launchers such as npx or uv run)
    kind: ToolKind
    source: str
    env: tuple[EnvVar, ...]  # set in the child (PGPASSFILE/PGSERVICEFILE are added by run())
    unset: tuple[str, ...]  # removed from the inherited environment
    settings: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # for the version check
    password: str | None = field(default=None, repr=False)
    passfile: tuple[str, ...] = field(default=(), repr=False)  # lines, one per host
    service: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    notes: tuple[Note, ...] = ()
    version_check: bool = False


# --------------------------------------------------------------------------- choosing the URL


def _where(t: Target) -> str:
    return f"from {t.path}" if t.source is Source.DOTENV else "from the environment"


def _parse_target(name: str, value: str, where: str | None) -> ConnInfo:
    label = f"{name} ({where})" if where else name
    try:
        ci = parse(value)
    except ParseError as exc:
        raise UsageError(
            f"{label} is not a valid connection URL: {exc.message} (`pgc url check` says more)"
        ) from None
    if ci.form is Form.URI and "prisma" in ci.scheme.lower():
        raise UsageError(
            f"{label} is a Prisma Accelerate URL ({ci.scheme}://), which no PostgreSQL "
            "client can connect to; set DIRECT_URL to the database's postgresql:// URL"
        )
    if ci.form is Form.URI and not looks_like_postgres_url(f"{ci.scheme}://"):
        raise UsageError(f"{label} is not a PostgreSQL URL ({ci.scheme}://)")
    return ci


def _is_pooled(ci: ConnInfo) -> bool:
    return classify(ci).endpoint is Endpoint.POOLED or (ci.get("pgbouncer") or "").lower() == "true"


def _info(text: str) -> Note:
    return Note(Severity.INFO, text)


def _warning(text: str) -> Note:
    return Note(Severity.WARNING, text)


def choose_url(targets: Sequence[Target], *, url: str | None = None, allow_pooled: bool = False) -> Choice:
    """The direct URL: a direct variable, else derived, else DATABASE_URL if direct."""
    if url is not None:
        ci = _parse_target("--url", url, None)
        notes = [_info(f"using --url ({masked_uri(ci)})")]
        c = classify(ci)
        if _is_pooled(ci) and c.pool_mode is not PoolMode.SESSION:
            notes.append(
                _warning(f"--url looks pooled ({c.reason}); migrations and pg_dump need a direct one")
            )
        return Choice("--url", ci, url, tuple(notes), pooled=_is_pooled(ci))

    direct = pick(targets, DIRECT_NAMES)
    app = pick(targets, POOLED_NAMES)
    if direct is not None:
        return _choose_direct_variable(direct, app)
    if app is None:
        raise UsageError(
            "no database URL found: set DIRECT_URL (or DATABASE_URL) in the environment or in .env, "
            "or pass --url (or --env-file FILE)"
        )
    ci = _parse_target(app.name, app.value, _where(app))
    c = classify(ci)
    if c.endpoint is Endpoint.DIRECT:
        note = _info(f"using {app.name} {_where(app)}: {c.reason} ({masked_uri(ci)})")
        return Choice(app.name, ci, app.value, (note,))
    if not _is_pooled(ci):
        note = _info(
            f"using {app.name} {_where(app)} as the direct URL: nothing marks it as pooled "
            f"({c.reason}) ({masked_uri(ci)})"
        )
        return Choice(app.name, ci, app.value, (note,))
    try:
        derived = derive_direct(ci)
    except DerivationError as exc:
        if not allow_pooled:
            raise UsageError(
                f"{app.name} is pooled and no direct URL can be derived from it: {exc.reason}. "
                "Set DIRECT_URL to the direct connection URL (or pass --url; --allow-pooled uses the "
                "pooler anyway)"
            ) from None
        note = _warning(
            f"using the pooled {app.name} {_where(app)} because of --allow-pooled ({masked_uri(ci)}): "
            "through a transaction pooler migrations, dumps and session settings can fail"
        )
        return Choice(app.name, ci, app.value, (note,), pooled=True)
    note = _info(f"using the direct URL derived from {app.name} {_where(app)}: {masked_uri(derived)}")
    return Choice(app.name, derived, to_uri(derived, scheme=ci.scheme or None), (note,))


def _choose_direct_variable(direct: Target, app: Target | None) -> Choice:
    ci = _parse_target(direct.name, direct.value, _where(direct))
    text = direct.value
    notes = [_info(f"using {direct.name} {_where(direct)} ({masked_uri(ci)})")]
    c = classify(ci)
    if _is_pooled(ci) and c.pool_mode is not PoolMode.SESSION:
        notes.append(
            _warning(
                f"{direct.name} looks pooled ({c.reason}): migrations and pg_dump need the direct "
                "endpoint (`pgc doctor` checks it live)"
            )
        )
    schema = _app_schema(app)
    if schema and not ci.get("schema") and app is not None:
        app_ci = parse(app.value)
        if (app_ci.dbname or "") == (ci.dbname or ""):
            ci = ci.replace(schema=schema)
            text = to_uri(ci, scheme=ci.scheme or None)
            notes.append(
                _warning(
                    f"{app.name} sets schema={schema} but {direct.name} does not: using schema={schema}; "
                    f"add it to {direct.name}, or Prisma Migrate run without pgc uses the default schema"
                )
            )
    return Choice(direct.name, ci, text, tuple(notes), pooled=_is_pooled(ci))


def _app_schema(app: Target | None) -> str | None:
    if app is None:
        return None
    try:
        return parse(app.value).get("schema") or None
    except ParseError:
        return None


# --------------------------------------------------------------------------- the tool


def _program_name(word: str) -> str:
    name = os.path.basename(word.rstrip("/"))
    at = name.find("@", 1)  # prisma@6, drizzle-kit@latest (a leading @ is an npm scope)
    return name[:at] if at > 0 else name


def _skip_options(words: Sequence[str]) -> list[str]:
    rest = list(words)
    while rest and rest[0].startswith("-"):
        rest.pop(0)
    return rest


def effective_tool(argv: Sequence[str]) -> str:
    """The program that will read the connection: `npx prisma migrate deploy` → `prisma`."""
    words = list(argv)
    while words:
        name = _program_name(words[0])
        launches = _LAUNCHERS.get(name)
        if launches is None:
            return name
        rest = _skip_options(words[1:])
        if rest and rest[0] in launches:
            rest = _skip_options(rest[1:])
        elif launches and name not in _BARE_LAUNCHERS:
            return name  # `npm run script`: what runs is not known
        if not rest:
            return name
        words = rest
    return ""


def tool_kind(tool: str) -> ToolKind:
    if tool in LIBPQ_TOOLS:
        return ToolKind.LIBPQ
    if tool in DRIVER_TOOLS or _PYTHON.match(tool):
        return ToolKind.DRIVER
    return ToolKind.OTHER


def _runs_a_connection(tool: str, args: Sequence[str]) -> bool:
    """Whether a dump tool connects at all: not for --help/--version, pg_restore only with -d."""
    if any(a in ("--help", "-?", "--version", "-V") for a in args):
        return False
    if tool == "pg_restore":
        return any(a in ("-d", "--dbname") or a.startswith(("-d", "--dbname=")) for a in args)
    return True


# --------------------------------------------------------------------------- libpq settings


def libpq_settings(ci: ConnInfo, *, pooled: bool = False) -> LibpqSettings:
    """libpq's keywords for `ci`. Through a pooler `schema` is not translated: PgBouncer rejects
    `options` (1.18: `unsupported startup parameter: options`; 1.20+ only for settings it tracks)."""
    written = ci.libpq_dict()
    prisma = tuple(k for k in written if k in PRISMA_ONLY_PARAMS and k != "schema")
    unknown = tuple(k for k in written if k not in LIBPQ_KEYWORDS and k not in PRISMA_ONLY_PARAMS)
    schema = written.get("schema") or None
    values = libpq_keywords(ci)  # Prisma's sslcert is the server's CA, as for the doctor
    if schema and pooled:
        return LibpqSettings(tuple(values.items()), prisma, unknown, schema, schema_passed=False)
    if schema:
        values["options"] = merge_options(values.get("options"), search_path_option(schema))
    return LibpqSettings(tuple(values.items()), prisma, unknown, schema)


def _passfile_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def passfile_lines(settings: LibpqSettings, password: str) -> tuple[str, ...]:
    """`host:port:*:user:password`, one line per host of the list (two for a socket directory),
    escaped as libpq reads it."""
    hosts = (settings.get("host") or settings.get("hostaddr") or "").split(",")
    ports = (settings.get("port") or "").split(",")
    if len(ports) == 1:
        ports = ports * len(hosts)
    user = settings.get("user")
    user_field = _passfile_escape(user) if user else "*"
    lines = []
    for host, port in zip(hosts, ports, strict=False):
        port_field = _passfile_escape(port) if port else "*"
        # libpq looks up "localhost" when no host is given, and when the host is its compiled-in
        # default socket directory (passwordFromFile): which directory that is depends on the
        # libpq build (/var/run/postgresql on Debian, /tmp upstream), so every socket path gets both
        names = [host, "localhost"] if host.startswith(("/", "@")) else [host or "localhost"]
        for name in names:
            lines.append(f"{_passfile_escape(name)}:{port_field}:*:{user_field}:{_passfile_escape(password)}")
    return tuple(dict.fromkeys(lines))


def service_file_text(entries: Sequence[tuple[str, str]]) -> str:
    return f"[{SERVICE_NAME}]\n" + "".join(f"{k}={v}\n" for k, v in entries)


# --------------------------------------------------------------------------- the plan


def _url_for(kind: ToolKind, choice: Choice, settings: LibpqSettings) -> str:
    if kind is not ToolKind.DRIVER or not (settings.prisma_dropped or settings.schema):
        return choice.text
    changes: dict[str, str | None] = {k: None for k in settings.prisma_dropped}
    changes["schema"] = None
    if settings.schema and settings.schema_passed:
        changes["options"] = settings.get("options")
    ci = choice.ci
    return to_uri(ci.replace(**changes), scheme=ci.scheme or None)


def _dropped_notes(tool: str, kind: ToolKind, settings: LibpqSettings) -> list[Note]:
    if kind is ToolKind.OTHER:
        return []
    what = f"{tool} gets" if kind is ToolKind.LIBPQ else f"DATABASE_URL for {tool} has"
    notes = []
    if settings.prisma_dropped:
        notes.append(
            _info(
                f"{what} no Prisma-only parameters ({', '.join(settings.prisma_dropped)}): libpq rejects them"
            )
        )
    if settings.schema and not settings.schema_passed:
        notes.append(
            _warning(
                f"schema={settings.schema} is not passed: a pooler rejects the options startup parameter "
                f"(run SET search_path TO {settings.schema} first)"
            )
        )
    elif settings.schema:
        where = "PGOPTIONS" if kind is ToolKind.LIBPQ else "options in DATABASE_URL"
        notes.append(
            _info(f"schema={settings.schema} becomes {where}: {search_path_option(settings.schema)}")
        )
    if settings.unknown_dropped and kind is ToolKind.LIBPQ:
        notes.append(
            _warning(
                f"dropped {', '.join(settings.unknown_dropped)}: unknown to libpq "
                "(`pgc url check` suggests the right spelling)"
            )
        )
    return notes


def plan(
    targets: Sequence[Target],
    argv: Sequence[str],
    *,
    url: str | None = None,
    allow_pooled: bool = False,
    version_check: bool = True,
) -> ExecPlan:
    """What `pgc exec` will run and with which environment. Raises UsageError (exit 2)."""
    if not argv or not argv[0]:
        raise UsageError("missing TOOL: pgc exec [OPTIONS] [--] TOOL [ARGS]...")
    choice = choose_url(targets, url=url, allow_pooled=allow_pooled)
    tool = effective_tool(argv)
    kind = tool_kind(tool)
    settings = libpq_settings(choice.ci, pooled=choice.pooled)
    notes = list(choice.notes) + _dropped_notes(tool, kind, settings)

    env: list[EnvVar] = []
    service: list[tuple[str, str]] = []
    password = settings.get("password")
    for key, value in settings.values:
        if key == "password" or (key == "passfile" and password):
            continue
        var = ENV_VARS.get(key)
        if var is not None:
            env.append(EnvVar(var, value, value))
        else:
            service.append((key, value))
    if service and settings.get("service"):
        notes.append(
            _warning(
                f"{', '.join(k for k, _ in service)} cannot be passed: libpq has no variable for "
                "them and the URL already names a service"
            )
        )
        service = []
    if service:
        env.append(EnvVar("PGSERVICE", SERVICE_NAME, SERVICE_NAME))

    lines: tuple[str, ...] = ()
    if password and ("\n" in password or "\r" in password):
        env.append(EnvVar("PGPASSWORD", password, MASK))
        notes.append(
            _warning("the password holds a line break, which a password file cannot: using PGPASSWORD")
        )
    elif password:
        lines = passfile_lines(settings, password)

    url_text = _url_for(kind, choice, settings)
    shown = scrub(url_text, [password])
    names = dict.fromkeys([*URL_VARS, *(t.name for t in targets if t.name in POOLED_NAMES + DIRECT_NAMES)])
    env.extend(EnvVar(name, url_text, shown) for name in names)

    set_names = {v.name for v in env} | ({"PGPASSFILE"} if lines else set())
    if service:
        set_names.add("PGSERVICEFILE")
    keep = {"PGSERVICEFILE"} if settings.get("service") else set()
    if not password:  # the URL leaves the password to the user's own PGPASSWORD or password file
        keep |= {"PGPASSWORD", "PGPASSFILE"}
    unset = tuple(n for n in CONNECTION_VARS if n not in set_names and n not in keep)

    args = tuple(argv[1:])
    checks = version_check and tool in DUMP_TOOLS and _runs_a_connection(tool, args)
    if tool == "pg_restore" and not _runs_a_connection(tool, args) and "--help" not in args:
        dbname = settings.get("dbname") or settings.get("user") or "DBNAME"
        notes.append(_info(f"pg_restore connects only with -d: add -d {dbname} to restore into the database"))
    return ExecPlan(
        argv=tuple(argv),
        tool=tool,
        kind=kind,
        source=choice.source,
        env=tuple(env),
        unset=unset,
        settings=settings.values,
        password=password,
        passfile=lines,
        service=tuple(service),
        notes=tuple(notes),
        version_check=checks,
    )


def child_environment(
    plan: ExecPlan,
    environ: Mapping[str, str],
    *,
    passfile: Path | None = None,
    service_file: Path | None = None,
) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k not in plan.unset}
    env.update((v.name, v.value) for v in plan.env)
    if passfile is not None:
        env["PGPASSFILE"] = str(passfile)
    if service_file is not None:
        env["PGSERVICEFILE"] = str(service_file)
    return env


def dry_run_text(plan: ExecPlan, environ: Mapping[str, str]) -> str:
    """What would run, masked: the variables removed and set, then the command line."""
    lines = [f"# {plan.tool}: {_kind_text(plan.kind)}; inherited variables not shown"]
    if plan.version_check:
        lines.append(f"# first, {plan.tool}'s major version is compared with the server's")
    present = [n for n in plan.unset if n in environ]
    if present:
        lines.append("unset " + " ".join(present))
    lines.extend(f"{v.name}={shlex.quote(v.shown)}" for v in plan.env)
    if plan.passfile:
        lines.append(f"PGPASSFILE={TEMPORARY}")
    if plan.service:
        keys = ", ".join(k for k, _ in plan.service)
        lines.append(f"PGSERVICEFILE={TEMPORARY}  # holds {keys}")
    lines.append(shlex.join(plan.argv))
    return "\n".join(lines) + "\n"


def _kind_text(kind: ToolKind) -> str:
    return {
        ToolKind.LIBPQ: "a libpq tool, connects through the PG* variables",
        ToolKind.DRIVER: "reads DATABASE_URL, without Prisma-only parameters",
        ToolKind.OTHER: "gets DATABASE_URL as written, and the PG* variables",
    }[kind]


# --------------------------------------------------------------------------- version check


def tool_major(version_output: str) -> tuple[int, str] | None:
    """`pg_dump (PostgreSQL) 15.18 (Debian …)` → (15, "15.18")."""
    from pgconnect_cli.checks.tools import parse_version_output

    return parse_version_output(version_output)


def version_finding(tool: str, tool_version: tuple[int, str], server_version_num: int) -> Finding | None:
    """`client-tools-old`, as an error: the dump tool would abort against this server."""
    from pgconnect_cli.checks.tools import client_tools_old, server_version_text

    server_major = server_version_num // 10000
    if tool_version[0] >= server_major:
        return None
    return client_tools_old(
        [(tool, tool_version[1])],
        server_version_text(server_version_num),
        server_major,
        fix="or pass --no-version-check",
        severity=Severity.ERROR,
    )


def _tool_version(
    executable: str, argv0: str, env: Mapping[str, str], guard: _SignalGuard
) -> tuple[int, str] | None:
    process: subprocess.Popen[str] | None = None
    try:
        with guard.deferred():  # a signal now must not leave the process behind unrecorded
            process = subprocess.Popen(
                [argv0, "--version"],
                executable=executable,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        out, _ = process.communicate(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
    return tool_major(out)


@contextmanager
def _libpq_environment(env: Mapping[str, str]) -> Iterator[None]:
    """This process's PG* variables replaced by the child's while libpq connects in-process."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("PG")}
    try:
        for k in saved:
            del os.environ[k]
        os.environ.update({k: v for k, v in env.items() if k.startswith("PG")})
        yield
    finally:
        for k in [k for k in os.environ if k.startswith("PG")]:
            del os.environ[k]
        os.environ.update(saved)


def _server_version(plan: ExecPlan, env: Mapping[str, str]) -> int:
    import psycopg

    kwargs: dict[str, Any] = dict(plan.settings)
    if plan.password:
        kwargs["password"] = plan.password
    kwargs.setdefault("connect_timeout", _VERSION_CHECK_TIMEOUT_S)
    kwargs.setdefault("fallback_application_name", "pgc exec")
    from pgconnect_cli.probes.postgres import open_connection

    try:
        with _libpq_environment(env), open_connection({k: str(v) for k, v in kwargs.items()}) as conn:
            return conn.info.server_version
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        first = first.removeprefix("connection failed: ")
        raise FindingError(
            f"cannot connect to compare {plan.tool}'s version with the server's: "
            f"{scrub(first, [plan.password])} (`pgc doctor` diagnoses it; --no-version-check skips this)"
        ) from None


def _check_versions(
    plan: ExecPlan,
    executable: str,
    env: Mapping[str, str],
    notify: Callable[[Note], None],
    guard: _SignalGuard,
) -> None:
    version = _tool_version(executable, plan.argv[0], env, guard)
    if version is None:
        notify(_warning(f"cannot read `{plan.argv[0]} --version`; the version check is skipped"))
        return
    problem = version_finding(plan.tool, version, _server_version(plan, env))
    if problem is not None:
        raise FindingError(f"{problem.detail} [{problem.id}]; {problem.fix}")


# --------------------------------------------------------------------------- running


def resolve(program: str, path: str | None) -> str:
    """The executable for `program` on PATH; PgcError with exit 127 (missing) or 126 (not runnable)."""
    if os.sep in program:
        if not os.path.exists(program):
            raise PgcError(f"{program}: no such file", exit_code=127)
        if os.path.isdir(program) or not os.access(program, os.X_OK):
            raise PgcError(f"{program}: not an executable file", exit_code=126)
        return program
    found = shutil.which(program, path=path)
    if found is None:
        hint = " (install postgresql-client)" if _program_name(program) in LIBPQ_TOOLS else ""
        raise PgcError(f"{program}: command not found{hint}", exit_code=127)
    return found


def _private_dir(environ: Mapping[str, str]) -> Path:
    """A fresh 0700 directory: TMPDIR if set, else the per-user tmpfs XDG_RUNTIME_DIR, else /tmp."""
    base = environ.get("TMPDIR") or environ.get("XDG_RUNTIME_DIR")
    if base and not os.path.isdir(base):
        base = None
    return Path(tempfile.mkdtemp(prefix="pgc-exec-", dir=base))


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


class _Interrupted(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminal_signals_reach_child() -> bool:
    """Ctrl-C and Ctrl-\\ go to the terminal's foreground process group: the child has it already."""
    if not hasattr(os, "tcgetpgrp"):
        return False
    for fd in (0, 1, 2):
        with suppress(OSError):
            if os.isatty(fd):
                return os.tcgetpgrp(fd) == os.getpgrp()
    return False


class _SignalGuard:
    """Forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to the child; before it runs, they end pgc cleanly."""

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.deferring = False
        self.finishing = False
        self.pending: list[int] = []
        self._previous: dict[
            int, signal.Handlers | Callable[[int, FrameType | None], object] | int | None
        ] = {}

    def __enter__(self) -> _SignalGuard:
        for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"):
            signum = getattr(signal, name, None)
            # an ignored signal (nohup, a background job) stays ignored, for the child too
            if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.finishing:
            return
        if self.deferring:
            self.pending.append(signum)
            return
        self._dispatch(signum)

    def _dispatch(self, signum: int) -> None:
        child = self.child
        if child is None:
            # pgc ends here: a further signal (SIGHUP and SIGTERM as a terminal closes, a second
            # Ctrl-C) must not interrupt the cleanup this one starts (passfile, `--version` child)
            self.finishing = True
            raise _Interrupted(signum)
        if child.returncode is not None:
            return
        if signum in (signal.SIGINT, getattr(signal, "SIGQUIT", None)) and _terminal_signals_reach_child():
            return
        with suppress(ProcessLookupError):
            os.kill(child.pid, signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Signals wait until the block is done (a temp dir made, a child started and recorded)."""
        self.deferring = True
        try:
            yield
        finally:
            self.deferring = False
            pending, self.pending = self.pending, []
            for signum in pending:
                self._dispatch(signum)

    def run_child(self, argv: Sequence[str], executable: str, env: Mapping[str, str]) -> int:
        program = argv[0]
        with self.deferred():
            try:
                self.child = subprocess.Popen(list(argv), executable=executable, env=dict(env))
            except FileNotFoundError:
                raise PgcError(f"{program}: command not found", exit_code=127) from None
            except OSError as exc:  # not executable, bad interpreter line, …
                raise PgcError(f"{program}: cannot execute ({exc.strerror or exc})", exit_code=126) from None
        code = self.child.wait()
        return 128 - code if code < 0 else code


def run(
    plan: ExecPlan,
    executable: str,
    *,
    environ: Mapping[str, str] | None = None,
    notify: Callable[[Note], None] = lambda note: None,
) -> int:
    """Run the tool; return its exit code (128+N when a signal N ended it or pgc before it started)."""
    environ = dict(os.environ if environ is None else environ)
    workdir: Path | None = None
    with _SignalGuard() as guard:
        try:
            with guard.deferred():
                workdir = _private_dir(environ)
            passfile = service_file = None
            if plan.passfile:
                passfile = workdir / "pgpass"
                _write_private(passfile, "".join(line + "\n" for line in plan.passfile))
            if plan.service:
                service_file = workdir / "pg_service.conf"
                _write_private(service_file, service_file_text(plan.service))
            env = child_environment(plan, environ, passfile=passfile, service_file=service_file)
            if plan.version_check:
                _check_versions(plan, executable, env, notify, guard)
            return guard.run_child(plan.argv, executable, env)
        except _Interrupted as stop:
            return 128 + stop.signum
        finally:
            guard.finishing = True
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)
