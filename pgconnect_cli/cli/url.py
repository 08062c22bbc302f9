"""`pgc url …`: check, build, derive, convert and fix one connection string, offline.

Thin: each command reads its options, calls one function of usecases/ (url_tools, url_build) or
checks/, and hands the result to a renderer. Heavy modules are imported inside the commands.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from pgconnect_cli.cli import options as opts
from pgconnect_cli.cli._common import (
    OutputFormat,
    apply_no_color,
    command_group,
    pick_format,
    report_settings,
)
from pgconnect_cli.cli._url_io import EnvOption, ModeOption, UrlArgument, pairs, pool_mode, product, raw_url
from pgconnect_cli.cli.url_build import build

app = command_group("Check, build, convert and fix connection URLs (offline: nothing is dialed).")


class ConvertTo(str, Enum):
    uri = "uri"
    keyvalue = "keyvalue"
    env = "env"
    prisma = "prisma"
    sqlalchemy = "sqlalchemy"
    jdbc = "jdbc"


# --- check -----------------------------------------------------------------------------------------


def _complete_for(incomplete: str) -> list[str]:
    from pgconnect_cli.usecases.url_check import for_names

    return [name for name in for_names() if name.startswith(incomplete.lower())]


@app.command("check")
def check(
    url: UrlArgument = None,
    env: EnvOption = None,
    for_: Annotated[
        str,
        typer.Option(
            "--for",
            metavar="WHO",
            autocompletion=_complete_for,
            help="Who uses the URL: app (runtime), migrate (migrations), psql (libpq tools), prisma, "
            "or a client of the client table (docs/clients.md: psycopg, asyncpg, postgres.js, pgx, …). "
            "With app, migrate or prisma the client is detected from the project in the current "
            "directory, like pgc doctor.",
        ),
    ] = "app",
    fmt: opts.FormatOption = OutputFormat.human,
    json_: opts.JsonOption = False,
    no_color: opts.NoColorOption = False,
    strict: opts.StrictOption = False,
    ignore: opts.IgnoreOption = None,
    quiet: opts.QuietOption = False,
) -> None:
    """Parse and lint one URL: its parts (password masked), provider, pooled or direct, findings.

    Exit 0 when fine (warnings allowed), 1 with an error finding (or any warning with --strict).
    """
    apply_no_color(no_color)
    chosen = pick_format(fmt, json_)
    raw = raw_url(url, env)
    ids, strict = report_settings(ignore, strict)
    from pgconnect_cli.render.emit import emit
    from pgconnect_cli.usecases.url_check import UnknownWho, check

    try:
        result = check(raw, for_, ids)
    except UnknownWho as exc:
        raise typer.BadParameter(str(exc), param_hint="'--for'") from None
    emit(result, chosen, strict=strict, quiet=quiet)
    raise typer.Exit(result.exit_code(strict=strict))


# --- direct / pooled / convert / fix ------------------------------------------------------------


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

    raw = raw_url(url, env)
    product(lambda: url_tools.direct(raw, direct_host=direct_host, direct_port=direct_port))


@app.command("pooled")
def pooled(
    url: UrlArgument = None,
    env: EnvOption = None,
    mode: ModeOption = "transaction",
    region: opts.SupabaseRegionOption = None,
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

    raw = raw_url(url, env)
    product(
        lambda: url_tools.pooled(
            raw,
            mode=pool_mode(mode),
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

    edits = pairs(set_, "--set")
    raw = raw_url(url, env)
    product(lambda: url_tools.convert(raw, to.value, set_=edits, unset=unset or []))


@app.command("fix")
def fix(url: UrlArgument = None, env: EnvOption = None) -> None:
    """Repair what can be repaired mechanically and print the result.

    Percent-encodes the user and password (also when a raw @ or / made libpq split the URL
    elsewhere), turns a second ? into &, corrects known parameter names (connectTimeout →
    connect_timeout, ssl=true → sslmode=require), lowercases the scheme, drops surrounding quotes.
    Each repair is listed on stderr. Exit 1 when the result still has an error finding.
    """
    from pgconnect_cli.usecases import url_tools

    raw = raw_url(url, env)
    product(lambda: url_tools.fix(raw))


app.command("build")(build)
