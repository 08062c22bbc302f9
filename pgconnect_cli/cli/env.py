"""`pgc env init` and `pgc env check`: options → one call → render → exit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pgconnect_cli.cli import options as opts
from pgconnect_cli.cli._common import (
    OutputFormat,
    apply_no_color,
    command_group,
    fail,
    pick_format,
    read_stdin_line,
    report_settings,
)
from pgconnect_cli.errors import PgcError, UsageError

app = command_group("Write and check .env files with DATABASE_URL and DIRECT_URL.")

# kept in step with usecases.env_init.PROVIDER_CHOICES (a test checks it); here for --help only
PROVIDERS_HELP = "neon, supabase, prisma-postgres, azure, generic, local"


def _complete_provider(incomplete: str) -> list[str]:
    """`env init --provider <TAB>`: the preset names (nothing imported: completion stays fast)."""
    return [p for p in PROVIDERS_HELP.split(", ") if p.startswith(incomplete)]


FileOption = Annotated[
    str, typer.Option("--file", metavar="PATH", help="The .env file (`/dev/stdin` reads a stream).")
]


class TerminalAsker:
    """`env init`'s questions on the terminal: secrets without echo, the diff before the confirmation."""

    def __init__(self) -> None:
        from pgconnect_cli.prompt_input import install

        install()  # Ctrl-C interrupts a prompt at any moment

    def ask(self, prompt: str, *, default: str | None = None, secret: bool = False) -> str:
        shown = default is not None and default != "" and not secret
        answer: str = typer.prompt(prompt, default=default, hide_input=secret, show_default=shown)
        return answer

    def confirm(self, prompt: str, *, default: bool, preview: str = "") -> bool:
        if preview:
            from pgconnect_cli.render.console import stdout

            stdout().print(preview, end="")
        return typer.confirm(prompt, default=default)

    def tell(self, message: str) -> None:
        typer.echo(message, err=True)


def _on_terminal() -> bool:
    """Questions only on a terminal, never in CI or a pipe."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _read_flag(value: str | None, flag: str) -> str | None:
    """The flag's URL; `-` reads one line from stdin (keeps the password out of history and `ps`)."""
    if value != "-":
        return value.strip() if value is not None else None
    return read_stdin_line(f"{flag} -: no URL on stdin")


def _path(file: str) -> Path:
    if not file:
        raise UsageError("--file: the path is empty")
    return Path(file)


@app.command()
def init(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", metavar="URL", help="The pooled URL for the app (`-` reads it from stdin)."
        ),
    ] = None,
    direct_url: Annotated[
        str | None,
        typer.Option(
            "--direct-url", metavar="URL", help="The direct URL for migrations (`-` reads it from stdin)."
        ),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            metavar="PROVIDER",
            help=f"Provider preset when asking for parts: {PROVIDERS_HELP}.",
            autocompletion=_complete_provider,
        ),
    ] = None,
    region: opts.SupabaseRegionOption = None,
    file: FileOption = ".env",
    force: Annotated[
        bool, typer.Option("--force", help="Replace keys that already hold other values.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the change (masked); write nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="If the file is a symlink, write its target.")
    ] = False,
    no_color: opts.NoColorOption = False,
) -> None:
    """Write DATABASE_URL (pooled) and DIRECT_URL (direct) into .env, keeping everything else."""
    from pgconnect_cli.render import env_human
    from pgconnect_cli.usecases.env_init import InitRefused, InitRequest, run_init

    apply_no_color(no_color)
    try:
        if database_url == "-" and direct_url == "-":
            raise UsageError("only one of --database-url and --direct-url can read stdin (`-`)")
        asker = TerminalAsker() if _on_terminal() else None
        request = InitRequest(
            database_url=_read_flag(database_url, "--database-url"),
            direct_url=_read_flag(direct_url, "--direct-url"),
            provider=provider,
            region=region,
            file=_path(file),
            force=force,
            dry_run=dry_run,
            yes=yes,
            follow_symlinks=follow_symlinks,
        )
        result = run_init(request, asker)
    except InitRefused as refused:
        env_human.print_refusal(refused.findings)
        fail(refused)
    except PgcError as err:
        fail(err)
    env_human.render_init(result)


@app.command()
def check(
    file: FileOption = ".env",
    fmt: opts.FormatOption = OutputFormat.human,
    json_flag: opts.JsonOption = False,
    strict: opts.StrictOption = False,
    ignore: opts.IgnoreOption = None,
    quiet: opts.QuietOption = False,
    no_color: opts.NoColorOption = False,
) -> None:
    """Lint a .env: syntax, duplicates, quoting hazards, mode, git-ignore, and its PostgreSQL URLs."""
    from pgconnect_cli.findings import ignore as accept
    from pgconnect_cli.render.emit import emit
    from pgconnect_cli.usecases.env_check import run_check

    apply_no_color(no_color)
    output = pick_format(fmt, json_flag)
    ids, strict = report_settings(ignore, strict)
    try:
        result = accept(run_check(_path(file), strict=strict), ids)
    except PgcError as err:
        fail(err)
    emit(result, output, strict=strict, quiet=quiet, title=result.title)
    raise typer.Exit(result.exit_code)
