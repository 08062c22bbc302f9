"""`pgc pool plan`: the per-instance pool and the connection budget (thin: options → one call →
render.emit → exit)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from pgconnect_cli.cli import options as opts
from pgconnect_cli.cli._common import OutputFormat, apply_no_color, fail, ignore_ids, pick_format
from pgconnect_cli.errors import PgcError

app = typer.Typer(
    help="Plan connection pools against the server's, pooler's or plan's limits.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _complete_client(incomplete: str) -> list[str]:
    from pgconnect_cli.usecases.pool_plan import CLIENT_CHOICES

    return [name for name in CLIENT_CHOICES if name.startswith(incomplete.lower())]


class EndpointChoice(str, Enum):
    pooled = "pooled"
    direct = "direct"


@app.command("plan")
def plan(
    cpus: Annotated[
        int | None,
        typer.Option(min=1, help="Physical cores of one production instance (default: this machine's)."),
    ] = None,
    instances: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="App instances (processes) sharing the limit. Default: `instances` in \\[tool.pgc], else 1.",
        ),
    ] = None,
    serverless: Annotated[
        bool, typer.Option("--serverless", help="The app runs as serverless functions.")
    ] = False,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Concurrent serverless functions (with --serverless).")
    ] = None,
    pool_size: Annotated[
        int | None,
        typer.Option(
            min=1, help="The per-instance pool the app has now (default: from the URL or the client)."
        ),
    ] = None,
    client: Annotated[
        str | None,
        typer.Option(
            metavar="CLIENT",
            autocompletion=_complete_client,
            help="The app's client, a row of the client table (docs/clients.md) with a pool: prisma6, "
            "prisma7-pg, node-postgres, postgres.js, psycopg, sqlalchemy-psycopg2, asyncpg, pgx, rails, "
            "…; `prisma` by the project's version. Default: detected in the project.",
        ),
    ] = None,
    provider: Annotated[
        str | None, typer.Option(metavar="P", help="Provider whose plan limits apply (e.g. prisma-postgres).")
    ] = None,
    plan_name: Annotated[
        str | None, typer.Option("--plan", metavar="NAME", help="The provider plan.")
    ] = None,
    endpoint: Annotated[
        EndpointChoice | None,
        typer.Option(case_sensitive=False, help="The endpoint the app connects to (default: from the URL)."),
    ] = None,
    max_connections: Annotated[
        int | None, typer.Option(min=0, metavar="N", help="Check against this limit instead.")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="Read the live limits here (default: DATABASE_URL, environment or .env)."
        ),
    ] = None,
    fmt: opts.FormatOption = OutputFormat.human,
    json_: opts.JsonOption = False,
    no_color: opts.NoColorOption = False,
    strict: opts.StrictOption = False,
    ignore: opts.IgnoreOption = None,
) -> None:
    """Recommend the per-instance pool and check the total against the limit.

    Exit 0 within budget (warnings allowed), 1 over it (connection-budget), 2 for bad input.
    """
    apply_no_color(no_color)
    chosen = pick_format(fmt, json_)
    import os
    from pathlib import Path

    from pgconnect_cli.config import load
    from pgconnect_cli.findings import ignore as accept
    from pgconnect_cli.probes.limits import physical_cpus, read_limits
    from pgconnect_cli.render.emit import emit
    from pgconnect_cli.usecases.pool_plan import PoolRequest, run

    try:
        settings = load()
        ids = ignore_ids(ignore, settings.ignore)
        strict = strict or bool(settings.strict)
        request = PoolRequest(
            cpus=cpus,
            instances=instances if instances is not None else (settings.instances or 1),
            serverless=serverless,
            concurrency=concurrency,
            pool_size=pool_size,
            client=client,
            provider=provider,
            plan=plan_name,
            endpoint=endpoint,  # a str Enum: the use case reads it as the text typed
            max_connections=max_connections,
            url=url,
        )
        result = accept(
            run(
                request,
                environ=os.environ,
                cwd=Path.cwd(),
                read_limits=read_limits,
                machine_cpus=physical_cpus,
            ),
            ids,
        )
    except PgcError as exc:
        fail(exc)
    emit(result, chosen, strict=strict)
    raise typer.Exit(result.exit_code(strict=strict))
