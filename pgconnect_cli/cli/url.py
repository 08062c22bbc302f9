"""`pgc url …`: check, build, derive, convert and fix one connection string, offline.

Thin: each command reads its input, calls one function of conninfo/, providers or checks/, and
hands the result to a renderer. Heavy modules are imported inside the commands.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from pgconnect_cli.cli._common import (
    FormatOption,
    IgnoreOption,
    JsonOption,
    NoColorOption,
    OutputFormat,
    QuietOption,
    StrictOption,
    apply_no_color,
    fail,
    pick_format,
    read_url_argument,
    report_settings,
)
from pgconnect_cli.errors import PgcError, UsageError

if TYPE_CHECKING:
    from pgconnect_cli.conninfo.fix import Reading
    from pgconnect_cli.conninfo.model import ConnInfo

app = typer.Typer(
    help="Check, build, convert and fix connection URLs (offline: nothing is dialed).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ForContext(str, Enum):
    app = "app"
    migrate = "migrate"
    psql = "psql"
    prisma = "prisma"


class ConvertTo(str, Enum):
    uri = "uri"
    keyvalue = "keyvalue"
    env = "env"
    prisma = "prisma"
    sqlalchemy = "sqlalchemy"
    jdbc = "jdbc"


class Mode(str, Enum):
    transaction = "transaction"
    session = "session"


class BuildProvider(str, Enum):
    generic = "generic"
    local = "local"
    neon = "neon"
    supabase = "supabase"
    prisma_postgres = "prisma-postgres"
    azure = "azure"


UrlArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="URL",
        help="The connection string; `-` reads it from stdin (keeps the password out of shell history).",
        show_default=False,
    ),
]
EnvOption = Annotated[
    str | None,
    typer.Option("--env", metavar="NAME", help="Read the URL from this environment variable instead."),
]


def _printable(text: str) -> str:
    from pgconnect_cli.conninfo.redact import printable

    return printable(text)


def _note(text: str, kind: str = "note") -> None:
    sys.stderr.write(_printable(f"pgc: {kind}: {text}\n"))


def _finding_exit(id: str, detail: str) -> NoReturn:
    """A finding as one line on stderr, exit 1 (the command cannot do what was asked)."""
    sys.stderr.write(_printable(f"pgc: error: {id}: {detail}\n"))
    raise typer.Exit(1)


def _emit(product: str) -> None:
    """A URL (or PG* lines) on stdout, byte for byte: values that were not UTF-8 stay as they were."""
    try:
        data = product.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = _printable(product).encode("utf-8")
    typer.echo(data)


def _raw(url: str | None, env: str | None) -> str:
    from pgconnect_cli.conninfo.parse import as_text

    try:
        text = as_text(read_url_argument(url, env))
    except PgcError as exc:
        fail(exc)
    if not text.strip():  # libpq would read "" as "all defaults": a local socket, not the database meant
        fail(UsageError("empty URL" + (f": {env} is set but empty" if env else "")))
    if len(text) > _MAX_URL:
        fail(
            UsageError(
                f"the URL is {len(text)} characters long; pgc reads connection strings up to {_MAX_URL}"
            )
        )
    return text


_MAX_URL = 65536  # real connection strings are a few hundred characters; this is garbage or an attack


def _visible(raw: str) -> str:
    """`raw` without invisible characters (a no-break space, a zero-width space), each one noted:
    a URL printed for a tool must not carry them on."""
    from pgconnect_cli.conninfo.invisible import find_invisible, strip_invisible

    found = find_invisible(raw)
    for invisible in found:
        _note(f"removed an invisible {invisible.describe()}")
    return strip_invisible(raw) if found else raw


def _read(raw: str) -> Reading:
    """The URL as meant, or exit 1 with the finding that says why it cannot be used."""
    from pgconnect_cli.checks.url import check_url
    from pgconnect_cli.conninfo.fix import read_as_meant
    from pgconnect_cli.conninfo.parse import ParseError

    text = raw.strip()
    body = text[5:] if text.lower().startswith("jdbc:") else text
    try:
        reading = read_as_meant(body)
    except ParseError as exc:
        invalid = [f for f in check_url(text).findings if f.id == "url-invalid"]
        _finding_exit("url-invalid", (invalid[0].detail if invalid else exc.message) + " Try `pgc url fix`.")
    scheme = reading.conninfo.scheme.lower()
    usable = reading.conninfo.scheme in ("postgresql", "postgres", "") or scheme.startswith(
        ("postgresql+", "postgres+")
    )
    if not usable:
        found = [f for f in check_url(text).findings if f.id == "scheme-unsupported"]
        detail = found[0].detail if found else f"{reading.conninfo.scheme}:// is not a PostgreSQL URL."
        _finding_exit("scheme-unsupported", detail)
    if reading.misread:
        _note("the user or password was not percent-encoded; read it up to the @ before the host")
    return reading


def _render_like(ci: ConnInfo, original: ConnInfo) -> str:
    from pgconnect_cli.conninfo.build import to_keyvalue, to_uri
    from pgconnect_cli.conninfo.model import Form

    if original.form is Form.KEYVALUE:
        return to_keyvalue(ci)
    return to_uri(ci, scheme=original.scheme or "postgresql")


def _pairs(values: list[str] | None, flag: str) -> list[tuple[str, str]]:
    out = []
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(UsageError(f"{flag} takes KEY=VALUE"))
        out.append((key.strip(), value))
    return out


# --- check -----------------------------------------------------------------------------------------


@app.command("check")
def check(
    url: UrlArgument = None,
    env: EnvOption = None,
    for_: Annotated[
        ForContext,
        typer.Option(
            "--for",
            case_sensitive=False,
            help="Who uses the URL: app (runtime), migrate (migrations), psql (libpq tools), prisma.",
        ),
    ] = ForContext.app,
    fmt: FormatOption = OutputFormat.human,
    json_: JsonOption = False,
    no_color: NoColorOption = False,
    strict: StrictOption = False,
    ignore: IgnoreOption = None,
    quiet: QuietOption = False,
) -> None:
    """Parse and lint one URL: its parts (password masked), provider, pooled or direct, findings.

    Exit 0 when fine (warnings allowed), 1 with an error finding (or any warning with --strict).
    """
    apply_no_color(no_color)
    chosen = pick_format(fmt, json_)
    raw = _raw(url, env)
    ids, strict = report_settings(ignore, strict)
    from pgconnect_cli.checks.url import Context, check_url
    from pgconnect_cli.findings import ignore as accept
    from pgconnect_cli.render.emit import emit

    result = accept(check_url(raw, context=Context(for_.value)), ids)
    emit(result, chosen, strict=strict, quiet=quiet)
    raise typer.Exit(result.exit_code(strict=strict))


# --- direct / pooled ----------------------------------------------------------------------------


@app.command("direct")
def direct(
    url: UrlArgument = None,
    env: EnvOption = None,
    direct_host: Annotated[
        str | None,
        typer.Option("--direct-host", metavar="HOST", help="The PostgreSQL server behind the pooler."),
    ] = None,
    direct_port: Annotated[
        int | None, typer.Option("--direct-port", metavar="PORT", min=1, max=65535, help="Its port.")
    ] = None,
) -> None:
    """Print the direct (unpooled) URL for a pooled one: for migrations, pg_dump, psql.

    Knows Prisma Postgres, Neon, Supabase and Azure; for RDS Proxy and self-hosted PgBouncer pass
    --direct-host/--direct-port. The output is a URL, so it holds the password.
    """
    from pgconnect_cli.providers import DerivationError, Endpoint, classify, derive_direct

    raw = _visible(_raw(url, env))
    reading = _read(raw)
    ci = reading.conninfo
    try:
        derived = derive_direct(ci, direct_host=direct_host, direct_port=direct_port)
    except DerivationError as exc:
        _finding_exit("url-not-derivable", f"{exc.reason}; {exc.hint}.")
    if derived is ci:
        if classify(ci).endpoint is Endpoint.DIRECT:
            _note("this is already a direct endpoint")
        _emit(_render_like(ci, ci) if reading.misread else raw.strip())
        return
    _emit(_render_like(derived, ci))


@app.command("pooled")
def pooled(
    url: UrlArgument = None,
    env: EnvOption = None,
    mode: Annotated[
        Mode, typer.Option("--mode", case_sensitive=False, help="Pool mode of the endpoint to derive.")
    ] = Mode.transaction,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="Supabase region for the shared pooler (us-east-1, or aws-1-us-east-1)."
        ),
    ] = None,
    pooler_host: Annotated[
        str | None, typer.Option("--pooler-host", metavar="HOST", help="Your pooler's host.")
    ] = None,
    pooler_port: Annotated[
        int | None, typer.Option("--pooler-port", metavar="PORT", min=1, max=65535, help="Its port.")
    ] = None,
    pgbouncer_flag: Annotated[
        bool,
        typer.Option(
            "--pgbouncer-flag",
            help="Add pgbouncer=true (Prisma ≤ 6) when the result is a transaction pooler.",
        ),
    ] = False,
) -> None:
    """Print the pooled URL for a direct one: for application traffic.

    The output is a URL, so it holds the password.
    """
    from pgconnect_cli.providers import DerivationError, Endpoint, PoolMode, classify, derive_pooled

    raw = _visible(_raw(url, env))
    reading = _read(raw)
    ci = reading.conninfo
    try:
        derived = derive_pooled(
            ci, mode=PoolMode(mode.value), region=region, pooler_host=pooler_host, pooler_port=pooler_port
        )
    except DerivationError as exc:
        _finding_exit("url-not-derivable", f"{exc.reason}; {exc.hint}.")
    c = classify(derived)
    if pgbouncer_flag and c.is_transaction_pooler and (derived.get("pgbouncer") or "").lower() != "true":
        derived = derived.replace(pgbouncer="true")
    if derived is ci:
        if c.endpoint is Endpoint.POOLED:
            _note("this is already a pooled endpoint")
        _emit(_render_like(ci, ci) if reading.misread else raw.strip())
        return
    _emit(_render_like(derived, ci))


# --- convert / fix ------------------------------------------------------------------------------


@app.command("convert")
def convert(
    to: Annotated[
        ConvertTo,
        typer.Option(
            "--to",
            case_sensitive=False,
            help="uri or keyvalue (clean libpq), env (PG* lines), prisma, sqlalchemy, jdbc.",
            show_default=False,
        ),
    ],
    url: UrlArgument = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", metavar="KEY=VALUE", help="Set a parameter (repeatable).")
    ] = None,
    unset: Annotated[
        list[str] | None, typer.Option("--unset", metavar="KEY", help="Remove a parameter (repeatable).")
    ] = None,
    env: EnvOption = None,
) -> None:
    """Rewrite a URL for a tool; what was dropped or translated is noted on stderr.

    `uri`/`keyvalue` give strings psql and pg_dump accept: Prisma-only parameters go, schema=X
    becomes options=-c search_path=X. The output holds the password.
    """
    from pgconnect_cli.conninfo.convert import Target, apply_edits
    from pgconnect_cli.conninfo.convert import convert as do_convert
    from pgconnect_cli.providers import Endpoint, classify

    edits = _pairs(set_, "--set")
    raw = _visible(_raw(url, env))
    ci = apply_edits(_read(raw).conninfo, edits, [k.strip() for k in unset or []])
    c = classify(ci)
    result = do_convert(
        ci,
        Target(to.value),
        pooled=c.endpoint is Endpoint.POOLED,
        transaction_pooler=c.is_transaction_pooler,
        direct=c.endpoint is Endpoint.DIRECT,
    )
    _emit(result.text)
    for note in result.notes:
        _note(note)


@app.command("fix")
def fix(url: UrlArgument = None, env: EnvOption = None) -> None:
    """Repair what can be repaired mechanically and print the result.

    Percent-encodes the user and password (also when a raw @ or / made libpq split the URL
    elsewhere), turns a second ? into &, corrects known parameter names (connectTimeout →
    connect_timeout, ssl=true → sslmode=require), lowercases the scheme, drops surrounding quotes.
    Each repair is listed on stderr. Exit 1 when the result still has an error finding.
    """
    from pgconnect_cli.checks.url import check_url
    from pgconnect_cli.conninfo.fix import fix as do_fix
    from pgconnect_cli.conninfo.parse import ParseError
    from pgconnect_cli.findings import Severity

    raw = _raw(url, env)
    try:
        result = do_fix(raw)
    except ParseError as exc:
        _finding_exit("url-invalid", _printable(exc.message) + " (no mechanical repair applies)")
    after = check_url(result.text)
    unusable = [
        f
        for f in after.findings
        if f.id in ("url-invalid", "scheme-unsupported") and f.severity is Severity.ERROR
    ]
    if unusable:
        _finding_exit(unusable[0].id, unusable[0].detail)
    _emit(result.text)
    for change in result.changes:
        _note(change, "fixed")
    if not result.changes:
        _note("nothing to fix")
    errors = [f for f in after.findings if f.severity is Severity.ERROR]
    for f in errors:
        _note(f"{f.id}: {f.detail}", "still")
    raise typer.Exit(1 if errors else 0)


# --- build -------------------------------------------------------------------------------------


def _interactive() -> bool:
    """Prompts only when a person can answer them."""
    return sys.stdin.isatty()


def _ask(value: str | None, flag: str, prompt: str, *, default: str | None = None) -> str:
    """The flag's value; else a prompt on a terminal; else the default; else exit 2 naming the flag."""
    if value is not None:
        return value
    if not _interactive():
        if default is not None:
            return default
        raise UsageError(f"missing {flag} (no terminal to ask on)")
    answer: str = typer.prompt(prompt, default=default, err=True)
    return answer


def _ask_password() -> str | None:
    """The password, not echoed; an empty answer means no password in the URL."""
    answer: str = typer.prompt("Password", hide_input=True, err=True, default="", show_default=False)
    return answer or None


ProviderOption = Annotated[
    BuildProvider,
    typer.Option(
        "--provider", case_sensitive=False, help="A preset with the provider's hosts and TLS settings."
    ),
]
PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password", help="Discouraged (shell history, ps): prefer the prompt or --password-stdin."
    ),
]
NoPasswordOption = Annotated[
    bool, typer.Option("--no-password", help="No password in the URL (.pgpass or PGPASSWORD supply it).")
]
ParamOption = Annotated[
    list[str] | None, typer.Option("--param", metavar="KEY=VALUE", help="A query parameter (repeatable).")
]
PooledOption = Annotated[
    bool | None,
    typer.Option(
        "--pooled/--direct",
        help="The pooled or the direct endpoint (default: direct; a given --host is kept as it is).",
        show_default=False,
    ),
]


@app.command("build")
def build(
    provider: ProviderOption = BuildProvider.generic,
    host: Annotated[str | None, typer.Option(help="Host name or address (generic, local, azure).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port.")] = None,
    user: Annotated[str | None, typer.Option(help="Role name.")] = None,
    password: PasswordOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    no_password: NoPasswordOption = False,
    database: Annotated[str | None, typer.Option("--database", "-d", help="Database name.")] = None,
    param: ParamOption = None,
    pooled: PooledOption = None,
    mode: Annotated[
        Mode, typer.Option(case_sensitive=False, help="Pool mode (Supabase).")
    ] = Mode.transaction,
    region: Annotated[
        str | None, typer.Option(help="Neon: us-east-2 (or c-2.us-east-2); Supabase: us-east-1.")
    ] = None,
    project_ref: Annotated[str | None, typer.Option(help="Supabase project ref.")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Neon endpoint id (ep-…).")] = None,
) -> None:
    """Build a URL from parts or a provider preset, percent-encoding what must be encoded.

    On a terminal, asks for what is missing (the password hidden); without one, a missing
    part is an error naming its flag. The URL goes to stdout.
    """
    params = _pairs(param, "--param")
    if sum([password is not None, password_stdin, no_password]) > 1:
        fail(UsageError("give only one of --password, --password-stdin and --no-password"))
    if password is not None:
        _note(
            "--password is visible in shell history and to other users (ps); prefer --password-stdin",
            "warning",
        )
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            fail(UsageError("--password-stdin: nothing on stdin"))
        password = line.rstrip("\r\n")
    try:
        host, port = _host_and_port(host, port)
        request = BuildRequest(
            provider,
            host,
            port,
            user,
            password,
            no_password,
            database,
            pooled,
            mode,
            region,
            project_ref,
            endpoint,
        )
        ci, notes = _preset(request, params)
    except PgcError as exc:
        fail(exc)
    from pgconnect_cli.checks.url import check_url
    from pgconnect_cli.conninfo.build import to_uri
    from pgconnect_cli.findings import Severity

    text = to_uri(ci)
    errors = [f for f in check_url(text).findings if f.severity is Severity.ERROR]
    for f in errors:
        _note(f"{f.id}: {f.detail}", "error")
    if errors:  # a URL that cannot work is no product: nothing on stdout for a script to pick up
        raise typer.Exit(1)
    _emit(text)
    for note in notes:
        _note(note)


def _host_and_port(host: str | None, port: int | None) -> tuple[str | None, int | None]:
    """--host as given, split when it carries a port (`db.example.com:6543`, `[::1]:5432`).

    The value is never echoed: people paste whole URLs (with the password) here.
    """
    if host is None:
        return None, port
    return _split_host(host, port)


def _split_host(host: str, port: int | None) -> tuple[str, int | None]:
    import re

    value = host.strip()
    if not value:
        raise UsageError("--host is empty")
    if "://" in value or "@" in value:
        raise UsageError(
            "--host takes a host name, not a URL: give a whole URL to `pgc url check` or `pgc url fix`"
        )
    if value.startswith("/"):  # a Unix-socket directory
        return value, port
    if any(c.isspace() for c in value) or any(c in value for c in "/?#"):
        raise UsageError("--host takes a host name (the database goes in --database, parameters in --param)")
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(.*))?", value)
    if bracketed:
        value, written = bracketed.group(1), bracketed.group(2)
    elif value.count(":") == 1:
        value, _, written = value.partition(":")
    else:  # a bare IPv6 address, or a plain name
        written = None
    if written:
        if not (written.isdigit() and 1 <= int(written) <= 65535):
            raise UsageError("--host HOST:PORT: the port must be a number from 1 to 65535")
        if port is not None and port != int(written):
            raise UsageError(f"--host has port {written} and --port says {port}: give the port once")
        port = int(written)
    return value, port


@dataclass(frozen=True)
class BuildRequest:
    """What `pgc url build` was given; None where the user gave nothing."""

    provider: BuildProvider
    host: str | None
    port: int | None
    user: str | None
    password: str | None = field(repr=False)
    no_password: bool
    database: str | None
    pooled: bool | None  # None: not said (a given --host is kept as it is)
    mode: Mode
    region: str | None
    project_ref: str | None
    endpoint: str | None


def _neon_host(endpoint: str, region: str, *, pooled: bool) -> str:
    """`ep-x[-pooler].[c-N.]REGION.aws.neon.tech`, or `….azure.neon.tech` for Azure regions.

    Neon's region ids carry the cloud (`aws-us-east-2`, `azure-eastus2`); the host has it last.
    """
    import re

    m = re.fullmatch(r"(?P<cell>c-\d+\.)?(?:(?P<cloud>aws|azure)-)?(?P<region>.+)", region.strip().lower())
    cell, cloud, name = (
        (m.group("cell") or "", m.group("cloud") or "aws", m.group("region")) if m else ("", "aws", region)
    )
    return f"{endpoint}{'-pooler' if pooled else ''}.{cell}{name}.{cloud}.neon.tech"


def _neon_endpoint(host: str, pooled: bool | None) -> tuple[str, str | None]:
    """A given Neon host turned into the endpoint asked for with --pooled/--direct (and why)."""
    from pgconnect_cli.providers import NEON_HOST

    m = NEON_HOST.match(host.lower())
    if m is None or pooled is None or pooled == bool(m.group("pooler")):
        return host, None
    if pooled:
        return f"{m.group('ep')}-pooler" + host[len(m.group("ep")) :], "--pooled: used the -pooler host"
    return host.replace("-pooler.", ".", 1), "--direct: used the host without -pooler"


def _preset(req: BuildRequest, params: list[tuple[str, str]]) -> tuple[ConnInfo, list[str]]:
    from pgconnect_cli.conninfo.model import ConnInfo, Form
    from pgconnect_cli.providers import (
        AZURE_DIRECT_PORT,
        AZURE_PGBOUNCER_PORT,
        PGBOUNCER_DEFAULT_PORT,
        POSTGRES_DEFAULT_PORT,
        PRISMA_DIRECT_HOST,
        PRISMA_POOLED_HOST,
        SUPABASE_DEDICATED_POOLER_PORT,
        SUPABASE_DIRECT_PORT,
        SUPAVISOR_SESSION_PORT,
        SUPAVISOR_TRANSACTION_PORT,
        is_loopback,
    )

    provider, host, port, user, password = req.provider, req.host, req.port, req.user, req.password
    pooled, mode, region = bool(req.pooled), req.mode, req.region
    notes: list[str] = []
    query: list[tuple[str, str]] = []
    default_db: str | None = None
    if provider is BuildProvider.prisma_postgres:
        host = PRISMA_POOLED_HOST if pooled else PRISMA_DIRECT_HOST
        port = port or POSTGRES_DEFAULT_PORT
        default_db = "postgres"
        query.append(("sslmode", "require"))
    elif provider is BuildProvider.neon:
        if host is None:
            ep = _ask(req.endpoint, "--endpoint", "Neon endpoint id (ep-…)")
            reg = _ask(region, "--region", "Region (e.g. us-east-2, aws-us-east-2, azure-eastus2)")
            host = _neon_host(ep.removesuffix("-pooler"), reg, pooled=pooled)
        else:
            host, note = _neon_endpoint(host, req.pooled)
            notes += [note] if note else []
        port = port or POSTGRES_DEFAULT_PORT
        default_db = "neondb"
        query += [("sslmode", "require"), ("channel_binding", "require")]
    elif provider is BuildProvider.supabase:
        ref = _ask(req.project_ref, "--project-ref", "Project ref (the xxxx of db.xxxx.supabase.co)")
        role = _ask(user, "--user", "User", default="postgres")
        if pooled and (region or mode is Mode.session):
            reg = _ask(region, "--region", "Region (e.g. us-east-1, or aws-1-us-east-1)")
            cluster = reg if reg.startswith("aws-") else f"aws-0-{reg}"
            host = f"{cluster}.pooler.supabase.com"
            port = SUPAVISOR_SESSION_PORT if mode is Mode.session else SUPAVISOR_TRANSACTION_PORT
            user = f"{role}.{ref}"
        else:
            host = f"db.{ref}.supabase.co"
            port = SUPABASE_DEDICATED_POOLER_PORT if pooled else SUPABASE_DIRECT_PORT
            user = role
            if pooled:
                notes.append("the dedicated pooler (port 6543, paid plans); pass --region for the shared one")
        default_db = "postgres"
        query.append(("sslmode", "require"))
    elif provider is BuildProvider.azure:
        server = _ask(host, "--host", "Server name (NAME or NAME.postgres.database.azure.com)")
        host = server if "." in server else f"{server}.postgres.database.azure.com"
        port = port or (AZURE_PGBOUNCER_PORT if pooled else AZURE_DIRECT_PORT)
        default_db = "postgres"
        query.append(("sslmode", "require"))
    elif provider is BuildProvider.local:
        host = host or "localhost"
        port = port or (PGBOUNCER_DEFAULT_PORT if pooled else POSTGRES_DEFAULT_PORT)
        user = user or "postgres"
    else:
        host, port = _split_host(_ask(host, "--host", "Host"), port)
        port = port or (PGBOUNCER_DEFAULT_PORT if pooled else POSTGRES_DEFAULT_PORT)
        if not is_loopback(host) and not any(k in ("sslmode", "ssl") for k, _ in params):
            query.append(("sslmode", "require"))
            notes.append(
                "added sslmode=require for a remote host (--param sslmode=disable for a server without TLS)"
            )
    user = _ask(user, "--user", "User")
    needs_password = provider not in (BuildProvider.generic, BuildProvider.local)
    if password is None and not req.no_password:
        if _interactive():
            password = _ask_password()
        elif needs_password:
            raise UsageError(
                "missing --password-stdin (or --password, or --no-password; no terminal to ask on)"
            )
        else:
            notes.append(
                "no password set: libpq takes it from .pgpass or PGPASSWORD "
                "(--no-password says so on purpose, --password-stdin adds one)"
            )
    database = _ask(req.database, "--database", "Database", default=default_db or user)
    for key, value in params:
        query = [(k, v) for k, v in query if k != key] + [(key, value)]
    options: list[tuple[str, str]] = [("user", user)]
    if password is not None:
        options.append(("password", password))
    options += [("host", host), ("port", str(port)), ("dbname", database), *query]
    return ConnInfo(raw="", form=Form.URI, scheme="postgresql", options=tuple(options)), notes
