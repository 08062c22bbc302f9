"""`pgc doctor`: find the app's PostgreSQL URLs, check them layer by layer, live, and say what to change."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pgconnect_cli.cli import options as opts
from pgconnect_cli.cli._common import OutputFormat, fail, set_format
from pgconnect_cli.errors import PgcError
from pgconnect_cli.usecases.doctor_command import DoctorArgs, run


def _complete_client(incomplete: str) -> list[str]:
    from pgconnect_cli.doctor.options import client_names

    return [name for name in client_names() if name.startswith(incomplete.lower())]


def doctor(
    url: Annotated[
        list[str] | None,
        typer.Option(
            "--url",
            metavar="[NAME=]URL",
            help="Check this URL instead of the environment (repeatable). NAME sets its role: "
            "DATABASE_URL is pooled, DIRECT_URL direct.",
        ),
    ] = None,
    env_file: Annotated[
        list[Path] | None,
        typer.Option("--env-file", help="A .env file to read (repeatable). Default: ./.env when it exists."),
    ] = None,
    no_environment: Annotated[
        bool, typer.Option("--no-environment", help="Ignore URLs in the process environment.")
    ] = False,
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            metavar="CLIENT",
            autocompletion=_complete_client,
            help="The app's database client: a row id of the client table (docs/clients.md), such as "
            "prisma6, prisma7-pg, psycopg, asyncpg, node-postgres, postgres.js, pgx or rails (TAB lists "
            "all); `prisma` is prisma6 or prisma7-pg by the project's Prisma version. Sets severities "
            "and fixes. Default: `client` in \\[tool.pgc], else detected from the project's manifests "
            "(package.json, pyproject.toml, requirements, go.mod, Gemfile, pom.xml, *.csproj, Cargo.toml).",
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Time limit of each network step. Default: `timeout` in \\[tool.pgc], else 5.",
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            metavar="SECONDS",
            help="First wait up to SECONDS until each server answers on TCP (a database container "
            "still starting), like pg_isready -t; then check.",
        ),
    ] = 0.0,
    resolver: Annotated[
        str | None, typer.Option("--resolver", metavar="IP[:PORT]", help="Ask this DNS server.")
    ] = None,
    resolve: Annotated[
        list[str] | None,
        typer.Option("--resolve", metavar="HOST:ADDR", help="Use ADDR for HOST, like curl (repeatable)."),
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Static checks only: no network.")] = False,
    instances: Annotated[
        int | None,
        typer.Option(
            "--instances",
            metavar="N",
            help="App instances sharing the server: check the app's pool (the URL's, else the "
            "client's default) × N against the live limit (connection-budget). Default: `instances` "
            "in \\[tool.pgc], else not checked.",
        ),
    ] = None,
    strict: opts.StrictOption = False,
    ignore: opts.IgnoreOption = None,
    ci: Annotated[
        bool,
        typer.Option(
            "--ci",
            help="For CI jobs: never interactive, no spinner; the github format when GITHUB_ACTIONS=true "
            "and no --format is given.",
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show evidence and timings.")] = False,
    quiet: opts.QuietOption = False,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output format: human, json, github, junit or markdown. Default: human (github with "
            "--ci inside GitHub Actions).",
            case_sensitive=False,
        ),
    ] = None,
    json_flag: opts.JsonOption = False,
    no_color: opts.NoColorOption = False,
) -> None:
    """Check every PostgreSQL URL of the app, live, layer by layer: DNS, TCP, TLS, login, server, pooler.

    URLs come from the environment and ./.env, or from --url and --env-file.
    Exit 0 when nothing fails (warnings allowed), 1 on an error finding
    (or on a warning, with --strict), 2 on bad input.
    """
    args = DoctorArgs(**locals())  # the parameters are its fields (tests/test_fast_doctor.py)
    try:
        code = run(args, chose=set_format)
    except PgcError as err:
        fail(err)
    raise typer.Exit(code)
