"""`pgc lab`: a local PostgreSQL with TLS and a transaction-mode PgBouncer on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pgconnect_cli.cli._common import command_group, fail
from pgconnect_cli.errors import PgcError

app = command_group(
    "Run a local PostgreSQL (TLS, SCRAM) with a PgBouncer in transaction mode in front of it, "
    "on free loopback ports: production pooling on a laptop."
)

# A string, not a Path: typer turns `--dir ''` into Path('.'), the current directory.
DirOption = Annotated[
    str | None,
    typer.Option(
        "--dir",
        help="Lab directory (default: $PGC_LAB_DIR, else $XDG_STATE_HOME/pgconnect/lab; "
        "as root /var/tmp/pgconnect-lab-0).",
        metavar="<directory>",
        show_default=False,
    ),
]


def _lab_dir(value: str | None) -> Path | None:
    from pgconnect_cli.errors import UsageError

    if value is not None and not value.strip():
        raise UsageError("--dir is empty: give a lab directory, or leave --dir out for the default")
    return None if value is None else Path(value)


@app.command()
def up(directory: DirOption = None) -> None:
    """Start the lab (or report the one already running) and show where it listens."""
    from pgconnect_cli import lab

    try:
        result = lab.up(_lab_dir(directory))
    except PgcError as exc:
        fail(exc)
    current = result.lab
    if result.outcome is lab.UpOutcome.ALREADY_RUNNING:
        typer.echo(f"A lab is already running in {current.directory}.", err=True)
    elif result.outcome is lab.UpOutcome.RECOVERED and result.changes:
        typer.echo(
            f"Found a lab in {current.directory} that was not running ({result.reason}): "
            f"cleaned it up and started a new one ({', '.join(result.changes)}). A .env written "
            "for the old one is stale: rewrite it with 'pgc lab env --write'.",
            err=True,
        )
    elif result.outcome is lab.UpOutcome.RECOVERED:
        typer.echo(
            f"Found a lab in {current.directory} that was not running ({result.reason}): "
            "cleaned it up and started a new one on the same ports with the same password.",
            err=True,
        )
    else:
        typer.echo(f"Started a lab in {current.directory}.", err=True)
    pg, bouncer = current.postgres, current.pgbouncer
    typer.echo(
        f"  PostgreSQL {pg.version}  {pg.host}:{pg.port}  TLS, scram-sha-256 (log: {pg.log_file})\n"
        f"  PgBouncer {bouncer.version}  {bouncer.host}:{bouncer.port}  "
        f"{bouncer.spec.pool_mode.value} mode, TLS\n"
        f"  DATABASE_URL  {current.masked_pooled_url}\n"
        f"  DIRECT_URL    {current.masked_direct_url}\n"
        "Print the URLs with 'pgc lab env', or write them to .env with 'pgc lab env --write'.",
        err=True,
    )


@app.command()
def down(directory: DirOption = None) -> None:
    """Stop the lab's servers and remove its directory."""
    from pgconnect_cli import lab

    try:
        path = _lab_dir(directory)
        stopped = lab.down(path)
    except PgcError as exc:
        fail(exc)
    where = lab.resolve_directory(path)
    typer.echo(
        f"Stopped the lab and removed {where}." if stopped else f"No lab running in {where}.", err=True
    )


@app.command()
def status(
    directory: DirOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON document (schema pgc.lab/v1).")
    ] = False,
) -> None:
    """Show what runs in the lab (passwords masked). Exit 1 when it is not running."""
    from pgconnect_cli import lab

    try:
        current = lab.status(_lab_dir(directory), dotenv=Path(".env"))
    except PgcError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(_status_document(current), indent=2))
    elif not current.exists:
        typer.echo(f"No lab running in {current.directory}.")
    else:
        typer.echo(f"Lab in {current.directory}: {'running' if current.running else 'NOT running'}")
        for proc in (current.postgres, current.pgbouncer):
            if proc is not None:
                state = "running" if proc.alive else "not running"
                typer.echo(
                    f"  {proc.name:<9} {proc.version or '?':<8} port {proc.port}  pid {proc.pid}  {state}"
                )
        if current.lab is not None:
            typer.echo(f"  DATABASE_URL  {current.lab.masked_pooled_url}")
            typer.echo(f"  DIRECT_URL    {current.lab.masked_direct_url}")
        if current.problem:
            typer.echo(f"  problem: {current.problem}: run 'pgc lab up' to start a new lab")
        checked = current.env_file
        if checked is not None and checked.stale:
            typer.echo(
                f"  {checked.path} points at an older lab ({'; '.join(checked.differences)}): "
                f"rewrite it with 'pgc lab env --write {checked.path}'"
            )
        elif checked is not None:
            typer.echo(f"  {checked.path} holds this lab's URLs")
    if not current.running:
        raise typer.Exit(1)


def _status_document(current: object) -> dict[str, object]:
    from pgconnect_cli.lab import LabStatus

    assert isinstance(current, LabStatus)
    processes = {
        proc.name: {"pid": proc.pid, "port": proc.port, "version": proc.version, "alive": proc.alive}
        for proc in (current.postgres, current.pgbouncer)
        if proc is not None
    }
    urls = None
    env_file = None
    if current.env_file is not None:
        checked = current.env_file
        env_file = {
            "path": str(checked.path),
            "stale": checked.stale,
            "differences": list(checked.differences),
        }
    if current.lab is not None:
        urls = {"DATABASE_URL": current.lab.masked_pooled_url, "DIRECT_URL": current.lab.masked_direct_url}
    return {
        "schema": "pgc.lab/v1",
        "directory": str(current.directory),
        "running": current.running,
        "postgres": processes.get("postgres"),
        "pgbouncer": processes.get("pgbouncer"),
        "urls": urls,
        "problem": current.problem,
        "env_file": env_file,
    }


@app.command()
def env(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="The file --write writes to.", metavar="PATH", dir_okay=False, show_default=".env"
        ),
    ] = None,
    directory: DirOption = None,
    write: Annotated[
        bool,
        typer.Option("--write", help="Write DATABASE_URL and DIRECT_URL into PATH instead of printing them."),
    ] = False,
) -> None:
    """Print the lab's DATABASE_URL (pooled) and DIRECT_URL, password included, as .env lines."""
    from pgconnect_cli import lab
    from pgconnect_cli.errors import UsageError

    try:
        if path is not None and not write:
            raise UsageError(f"add --write to write the URLs into {path}")
        urls = lab.env(_lab_dir(directory))
        if write:
            target = path or Path(".env")
            replaced = lab.write_env(target, urls.as_env())
    except PgcError as exc:
        fail(exc)
    if not write:
        for key, value in urls.as_env().items():
            typer.echo(f'{key}="{value}"')
        return
    if replaced:
        typer.echo(f"Updated {', '.join(replaced)} in {target}.", err=True)
    else:
        typer.echo(f"Wrote DATABASE_URL and DIRECT_URL to {target}.", err=True)
