"""`pgc exec TOOL ARGS…` and the short forms `pgc psql`, `pgc pg_dump`, `pgc pg_restore`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from pgconnect_cli.cli._common import error_line, fail, redact, remember_urls
from pgconnect_cli.errors import PgcError, UsageError

EnvFileOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--env-file",
        metavar="FILE",
        help="Read URLs from this .env file (repeatable; default: ./.env when it exists).",
    ),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        metavar="URL",
        help="Use this URL as is instead of DIRECT_URL/DATABASE_URL (visible in `ps`: prefer .env).",
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print the command and the environment it would get, masked.")
]
AllowPooledOption = Annotated[
    bool,
    typer.Option("--allow-pooled", help="Run through a pooled URL when no direct one exists (a warning)."),
]
NoVersionCheckOption = Annotated[
    bool,
    typer.Option(
        "--no-version-check",
        help="Do not compare pg_dump/pg_restore/pg_dumpall's major version with the server's.",
    ),
]

USAGE = "[OPTIONS] [--] TOOL [ARGS]..."
HELP = (
    "Run TOOL through the direct URL: psql, pg_dump, pg_restore, migrations, anything.\n\n"
    "The URL is DIRECT_URL (or DIRECT_DATABASE_URL, DATABASE_URL_UNPOOLED, POSTGRES_URL_NON_POOLING), "
    "else one derived from a pooled DATABASE_URL, else DATABASE_URL itself when nothing marks it as "
    "pooled.\n\n"
    "libpq tools (psql, pg_dump, …) connect through PG* variables, without Prisma-only parameters, "
    "schema=X as search_path, the password in a temporary PGPASSFILE, never on a command line. "
    "Every tool also gets DATABASE_URL and DIRECT_URL set to the direct URL."
)
EPILOG = (
    "pgc's options go before TOOL; everything from TOOL on is the tool's. "
    "Exit code: the tool's own; 127 when it is not found, 2 when no direct URL can be chosen."
)


def _say(severity: str, text: str) -> None:
    prefix = "pgc: warning: " if severity == "warning" else "pgc: "
    sys.stderr.write(prefix + error_line(text) + "\n")


def _execute(
    argv: list[str],
    env_file: list[Path] | None,
    url: str | None,
    dry_run: bool,
    allow_pooled: bool,
    no_version_check: bool,
) -> None:
    from pgconnect_cli import exec as pgc_exec
    from pgconnect_cli.checks.envfile import syntax_findings
    from pgconnect_cli.targets import discover_env

    try:
        if argv and argv[0].startswith("-"):
            raise UsageError(f"no such option: {argv[0]} (the tool's own options go after the tool's name)")
        if not argv:
            raise UsageError(f"missing TOOL: pgc exec {USAGE}")
        if url is None:
            files = env_file if env_file is not None else [p for p in (Path(".env"),) if p.is_file()]
            discovery = discover_env(os.environ, files)
            targets = list(discovery.targets)
            remember_urls(t.value for t in targets)
            for path, doc in discovery.documents:
                for problem in syntax_findings(doc, str(path)):
                    _say("warning", problem.detail)
            for hidden in discovery.shadowed:
                where = f"{hidden.path}:{hidden.line}"
                _say("info", f"{where} sets {hidden.name} to another URL, ignored: {hidden.by} wins")
        else:
            targets = []
        plan = pgc_exec.plan(
            targets, argv, url=url, allow_pooled=allow_pooled, version_check=not no_version_check
        )
        if dry_run:
            for note in plan.notes:
                _say(note.severity.value, note.text)
            sys.stdout.write(redact(pgc_exec.dry_run_text(plan, os.environ)))
            return
        executable = pgc_exec.resolve(argv[0], os.environ.get("PATH"))
        for note in plan.notes:
            _say(note.severity.value, note.text)
        sys.stdout.flush()
        sys.stderr.flush()
        code = pgc_exec.run(plan, executable, notify=lambda n: _say(n.severity.value, n.text))
    except PgcError as err:
        fail(err)
    raise typer.Exit(code)


def exec_command(
    ctx: typer.Context,
    env_file: EnvFileOption = None,
    url: UrlOption = None,
    dry_run: DryRunOption = False,
    allow_pooled: AllowPooledOption = False,
    no_version_check: NoVersionCheckOption = False,
) -> None:
    """Run TOOL through the direct URL: psql, pg_dump, pg_restore, migrations, anything."""
    _execute(list(ctx.args), env_file, url, dry_run, allow_pooled, no_version_check)


def _short_form(tool: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        env_file: EnvFileOption = None,
        url: UrlOption = None,
        dry_run: DryRunOption = False,
        allow_pooled: AllowPooledOption = False,
        no_version_check: NoVersionCheckOption = False,
    ) -> None:
        _execute([tool, *ctx.args], env_file, url, dry_run, allow_pooled, no_version_check)

    command.__name__ = f"{tool}_command"
    command.__doc__ = f"Run {tool} through the direct URL (short for `pgc exec {tool}`)."
    return command


def _settings(help_names: list[str]) -> dict[str, Any]:
    # Everything from the first word that is not one of pgc's options on belongs to the tool.
    return {
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        "allow_interspersed_args": False,
        "help_option_names": help_names,
    }


def register(app: typer.Typer) -> None:
    """Attach `pgc exec` and its short forms to the root command."""
    app.command(
        "exec", context_settings=_settings(["-h", "--help"]), options_metavar=USAGE, help=HELP, epilog=EPILOG
    )(exec_command)
    # `-h` is psql's and pg_dump's --host: the short forms keep it for the tool
    for tool in ("psql", "pg_dump", "pg_restore"):
        app.command(tool, context_settings=_settings(["--help"]), options_metavar="[OPTIONS] [ARGS]...")(
            _short_form(tool)
        )
