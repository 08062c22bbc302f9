"""`pgc url …`: check, build, derive, convert and fix one connection string, offline.

Thin: each command reads its options, calls one function of usecases/ (url_tools, url_build) or
checks/, and hands the result to a renderer. Heavy modules are imported inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from pgconnect_cli.cli._common import (
    FormatOption,
    JsonOption,
    NoColorOption,
    OutputFormat,
    StrictOption,
    apply_no_color,
    fail,
    pick_format,
    read_url_argument,
)
from pgconnect_cli.errors import PgcError, UsageError

if TYPE_CHECKING:
    from pgconnect_cli.providers import PoolMode
    from pgconnect_cli.report import Section
    from pgconnect_cli.usecases.url_build import Asker, Question
    from pgconnect_cli.usecases.url_tools import UrlProduct

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


def _emit(product: str) -> None:
    """A URL (or PG* lines) on stdout, byte for byte: values that were not UTF-8 stay as they were."""
    try:
        data = product.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = _printable(product).encode("utf-8")
    typer.echo(data)


_MAX_URL = 65536  # real connection strings are a few hundred characters; this is garbage or an attack


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


def _product(make: Callable[[], UrlProduct]) -> NoReturn:
    """Run one use case: its notes on stderr, its text on stdout; a refusal is one finding line, exit 1."""
    from pgconnect_cli.usecases.url_tools import UrlRefused

    try:
        product = make()
    except UrlRefused as exc:
        for n in exc.notes:
            _note(n.text, n.kind)
        sys.stderr.write(_printable(f"pgc: error: {exc.id}: {exc.detail}\n"))
        raise typer.Exit(1) from None
    except PgcError as exc:
        fail(exc)
    _emit(product.text)
    for n in product.notes:
        _note(n.text, n.kind)
    raise typer.Exit(product.exit_code)


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
) -> None:
    """Parse and lint one URL: its parts (password masked), provider, pooled or direct, findings.

    Exit 0 when fine (warnings allowed), 1 with an error finding (or any warning with --strict).
    """
    apply_no_color(no_color)
    raw = _raw(url, env)
    from pgconnect_cli.checks.url import Context, check_url

    result = check_url(raw, context=Context(for_.value))
    chosen = pick_format(fmt, json_)
    if chosen is OutputFormat.json:
        from pgconnect_cli.render import url_json

        typer.echo(url_json.render(result))
    elif chosen is OutputFormat.human:
        from pgconnect_cli.render import url_human

        url_human.render(result)
    else:
        typer.echo(_report(chosen, result.section(), "pgc url check"), nl=False)
    raise typer.Exit(result.exit_code(strict=strict))


def _report(fmt: OutputFormat, section: Section, title: str) -> str:
    if fmt is OutputFormat.github:
        from pgconnect_cli.render import github

        text = github.publish([section], title)  # also writes $GITHUB_STEP_SUMMARY when set
    elif fmt is OutputFormat.junit:
        from pgconnect_cli.render import junit

        text = junit.render([section], title)
    else:
        from pgconnect_cli.render import markdown

        text = markdown.render([section], title)
    return text if text.endswith("\n") else text + "\n"


# --- direct / pooled / convert / fix ------------------------------------------------------------


def _mode_names() -> list[str]:
    return ["transaction", "session"]


def _pool_mode(value: str) -> PoolMode:
    """--mode as the product's PoolMode; exit 2 for anything but transaction or session."""
    from pgconnect_cli.providers import PoolMode

    if value.lower() not in _mode_names():
        fail(UsageError(f"--mode must be one of {', '.join(_mode_names())}"))
    return PoolMode(value.lower())


def _provider_ids() -> list[str]:
    from pgconnect_cli.providers import build_provider_ids

    return list(build_provider_ids())


ModeOption = Annotated[
    str,
    typer.Option(
        "--mode",
        metavar="[transaction|session]",
        autocompletion=_mode_names,
        help="Pool mode of the endpoint.",
    ),
]


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

    Derives it where the provider's rule allows (docs/providers.md); else exits 1 with
    url-not-derivable and what to pass (--direct-host/--direct-port). The output holds the password.
    """
    from pgconnect_cli.usecases import url_tools

    raw = _raw(url, env)
    _product(lambda: url_tools.direct(raw, direct_host=direct_host, direct_port=direct_port))


@app.command("pooled")
def pooled(
    url: UrlArgument = None,
    env: EnvOption = None,
    mode: ModeOption = "transaction",
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
    from pgconnect_cli.usecases import url_tools

    raw = _raw(url, env)
    _product(
        lambda: url_tools.pooled(
            raw,
            mode=_pool_mode(mode),
            region=region,
            pooler_host=pooler_host,
            pooler_port=pooler_port,
            pgbouncer_flag=pgbouncer_flag,
        )
    )


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
    from pgconnect_cli.usecases import url_tools

    edits = _pairs(set_, "--set")
    raw = _raw(url, env)
    _product(lambda: url_tools.convert(raw, to.value, set_=edits, unset=unset or []))


@app.command("fix")
def fix(url: UrlArgument = None, env: EnvOption = None) -> None:
    """Repair what can be repaired mechanically and print the result.

    Percent-encodes the user and password (also when a raw @ or / made libpq split the URL
    elsewhere), turns a second ? into &, corrects known parameter names (connectTimeout →
    connect_timeout, ssl=true → sslmode=require), lowercases the scheme, drops surrounding quotes.
    Each repair is listed on stderr. Exit 1 when the result still has an error finding.
    """
    from pgconnect_cli.usecases import url_tools

    raw = _raw(url, env)
    _product(lambda: url_tools.fix(raw))


# --- build -------------------------------------------------------------------------------------


def _terminal_asker() -> Asker | None:
    """Prompts only when a person can answer them (stdin is a terminal)."""
    if not sys.stdin.isatty():
        return None

    def ask(q: Question) -> str:
        if q.secret:
            answer: str = typer.prompt(q.prompt, hide_input=True, err=True, default="", show_default=False)
        else:
            answer = typer.prompt(q.prompt, default=q.default, err=True)
        return answer

    return ask


@app.command("build")
def build(
    provider: Annotated[
        str,
        typer.Option(
            "--provider",
            metavar="ID",
            autocompletion=_provider_ids,
            help="A preset with the provider's hosts, ports and TLS settings: an id of docs/providers.md "
            "(generic, local, neon, supabase, prisma-postgres, aws-rds, fly-mpg, …).",
        ),
    ] = "generic",
    host: Annotated[str | None, typer.Option(help="Host name or address (HOST or HOST:PORT).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port.")] = None,
    user: Annotated[str | None, typer.Option(help="Role name.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password", help="Discouraged (shell history, ps): prefer the prompt or --password-stdin."
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password in the URL (.pgpass or PGPASSWORD supply it).")
    ] = False,
    database: Annotated[str | None, typer.Option("--database", "-d", help="Database name.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", metavar="KEY=VALUE", help="A query parameter (repeatable).")
    ] = None,
    pooled: Annotated[
        bool | None,
        typer.Option(
            "--pooled/--direct",
            help="The pooled or the direct endpoint (default: direct; a given --host is kept as it is).",
            show_default=False,
        ),
    ] = None,
    mode: ModeOption = "transaction",
    region: Annotated[
        str | None, typer.Option(help="Neon: us-east-2 (or c-2.us-east-2); Supabase: us-east-1; Nile.")
    ] = None,
    project_ref: Annotated[str | None, typer.Option(help="Supabase project ref.")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Neon or Vercel Postgres endpoint id (ep-…).")] = None,
    cluster: Annotated[str | None, typer.Option(help="Fly Managed Postgres cluster id.")] = None,
) -> None:
    """Build a URL from parts or a provider preset, percent-encoding what must be encoded.

    On a terminal, asks for what is missing (the password hidden); without one, a missing
    part is an error naming its flag. The URL goes to stdout.
    """
    from pgconnect_cli.providers import Provider
    from pgconnect_cli.usecases.url_build import BuildRequest, build_url

    if provider.lower() not in _provider_ids():
        fail(UsageError(f"--provider must be one of {', '.join(_provider_ids())}"))
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
    request = BuildRequest(
        Provider(provider.lower()), host, port, user, password, no_password, database, pooled,
        _pool_mode(mode), region, project_ref, endpoint, cluster, tuple(params),
    )  # fmt: skip
    try:
        result = build_url(request, _terminal_asker())
    except PgcError as exc:
        fail(exc)
    if result.missing:
        fail(UsageError(result.missing_message()))
    for f in result.errors:
        _note(f"{f.id}: {f.detail}", "error")
    if result.errors:  # a URL that cannot work is no product: nothing on stdout for a script to pick up
        raise typer.Exit(1)
    _emit(result.url)
    for note in result.notes:
        _note(note)
