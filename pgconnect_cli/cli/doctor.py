"""`pgc doctor`: find the app's PostgreSQL URLs, check them layer by layer, live, and say what to change."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pgconnect_cli.cli import options as opts
from pgconnect_cli.cli._common import OutputFormat, apply_no_color, fail, ignore_ids, pick_format
from pgconnect_cli.errors import PgcError, UsageError


def _complete_client(incomplete: str) -> list[str]:
    from pgconnect_cli.doctor.options import client_names

    return [name for name in client_names() if name.startswith(incomplete.lower())]


if TYPE_CHECKING:
    from pgconnect_cli.doctor import DoctorOptions, DoctorReport

TITLE = "pgc doctor"


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
    apply_no_color(no_color)
    if fmt is None:
        in_actions = ci and os.environ.get("GITHUB_ACTIONS") == "true"
        fmt = OutputFormat.github if in_actions and not json_flag else OutputFormat.human
    output = pick_format(fmt, json_flag)
    preload = _preload(output, live=not offline)
    try:
        from pgconnect_cli import config
        from pgconnect_cli.doctor.options import from_flags
        from pgconnect_cli.findings import ignore as accept

        settings = config.load()
        options = from_flags(
            settings,
            timeout=timeout,
            wait=wait,
            client=client,
            strict=strict,
            offline=offline,
            instances=instances,
            resolver=resolver,
            resolve=resolve or [],
        )
        show_progress = output is OutputFormat.human and not ci
        report = _diagnose(
            url or [], env_file, options, no_environment=no_environment, progress=show_progress
        )
        report = accept(report, ignore_ids(ignore, settings.ignore))
    except PgcError as err:
        preload.join()
        fail(err)
    from pgconnect_cli.render.emit import emit

    preload.join()
    emit(report, output, verbose=verbose, quiet=quiet, title=TITLE)
    raise typer.Exit(report.exit_code)


def _diagnose(
    urls: list[str],
    env_files: list[Path] | None,
    options: DoctorOptions,
    *,
    no_environment: bool,
    progress: bool,
) -> DoctorReport:
    from pgconnect_cli import doctor, project, targets
    from pgconnect_cli.checks.envfile import syntax_findings

    files = list(env_files or [])
    if not files and not urls and Path(".env").is_file():
        files = [Path(".env")]
    discovery = targets.discover_env(os.environ, files, include_environment=not (no_environment or urls))
    found = list(discovery.targets)
    file_findings = [f for path, doc in discovery.documents for f in syntax_findings(doc, str(path))]
    given = targets.parse_url_flag(urls)
    named = {t.name for t in given}
    chosen = [t for t in found if t.name not in named] + given
    for t in given:
        if not t.value:
            raise UsageError(f"--url {t.name}=: the URL is empty")
    if not chosen:
        where = ", ".join(str(f) for f in files) if files else "the environment or ./.env"
        raise UsageError(f"no PostgreSQL URL found in {where}: set DATABASE_URL, or pass --url or --env-file")
    detected = project.detect(Path.cwd())
    if progress and not options.offline and sys.stderr.isatty():
        from pgconnect_cli.render.console import stderr

        with stderr().status(f"checking {len(chosen)} URL{'s' if len(chosen) > 1 else ''}…"):
            return doctor.run(
                chosen, options, detected, file_findings=file_findings, shadowed=discovery.shadowed
            )
    return doctor.run(chosen, options, detected, file_findings=file_findings, shadowed=discovery.shadowed)


def _preload(output: OutputFormat, *, live: bool) -> threading.Thread:
    """Start what the run needs later while it reads its files and the probes wait on the network:
    live, the client tools' versions and the psycopg import (`probes.warmup`); and the renderer
    (rich, for people), joined before anything is printed: two threads importing one module at
    once can see it half-initialised."""
    import importlib

    from pgconnect_cli.render.emit import renderer_module

    if live:
        from pgconnect_cli.probes import warmup

        warmup.start()
    module = renderer_module("DoctorReport", output)
    thread = threading.Thread(target=importlib.import_module, args=(module,), daemon=True)
    thread.start()
    return thread
