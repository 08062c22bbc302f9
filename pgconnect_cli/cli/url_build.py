"""`pgc url build`: a URL from parts or a provider preset (usecases/url_build.py does the work)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from pgconnect_cli.cli._common import fail
from pgconnect_cli.cli._url_io import ModeOption, emit, note, pairs, pool_mode, provider_ids
from pgconnect_cli.errors import PgcError, UsageError

if TYPE_CHECKING:
    from pgconnect_cli.usecases.url_build import Asker, Question


def _terminal_asker() -> Asker | None:
    """Prompts only when a person can answer them (stdin is a terminal)."""
    if not sys.stdin.isatty():
        return None
    from pgconnect_cli.prompt_input import install

    install()  # Ctrl-C interrupts a prompt at any moment

    def ask(q: Question) -> str:
        if q.secret:
            answer: str = typer.prompt(q.prompt, hide_input=True, err=True, default="", show_default=False)
        else:
            answer = typer.prompt(q.prompt, default=q.default, err=True)
        return answer

    return ask


def build(
    provider: Annotated[
        str,
        typer.Option(
            "--provider",
            metavar="ID",
            autocompletion=provider_ids,
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

    if provider.lower() not in provider_ids():
        fail(UsageError(f"--provider must be one of {', '.join(provider_ids())}"))
    params = pairs(param, "--param")
    if sum([password is not None, password_stdin, no_password]) > 1:
        fail(UsageError("give only one of --password, --password-stdin and --no-password"))
    if password is not None:
        note(
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
        pool_mode(mode), region, project_ref, endpoint, cluster, tuple(params),
    )  # fmt: skip
    try:
        result = build_url(request, _terminal_asker())
    except PgcError as exc:
        fail(exc)
    if result.missing:
        fail(UsageError(result.missing_message()))
    for f in result.errors:
        note(f"{f.id}: {f.detail}", "error")
    if result.errors:  # a URL that cannot work is no product: nothing on stdout for a script to pick up
        raise typer.Exit(1)
    emit(result.url)
    for text in result.notes:
        note(text)
