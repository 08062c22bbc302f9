"""The `pgc` command tree. Command modules import typer only; heavy libraries load inside commands."""

from __future__ import annotations

import os
import sys
from contextlib import suppress

import typer

from pgconnect_cli import __version__
from pgconnect_cli.cli import completion, doctor, env, exec_, explain, lab, url

EPILOG = (
    "Exit codes: 0 fine (warnings allowed), 1 an error finding (or any warning with --strict), "
    "2 usage or input error, 3 internal error, 130 interrupted; `pgc exec` returns the tool's code."
)

app = typer.Typer(
    name="pgc",
    help="pgconnect: the PostgreSQL connection doctor. Diagnose, build and fix pooled and direct URLs.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pgc {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """pgconnect: the PostgreSQL connection doctor."""


app.command("doctor", context_settings={"help_option_names": ["-h", "--help"]})(doctor.doctor)
app.add_typer(url.app, name="url")
app.add_typer(env.app, name="env")
exec_.register(app)
app.command("explain")(explain.explain)
app.add_typer(lab.app, name="lab")
app.command("completion")(completion.completion)


def _env_files(argv: list[str]) -> list[str]:
    """./.env and every `--env-file FILE` of the command line."""
    files = [".env"]
    for i, arg in enumerate(argv):
        if arg == "--env-file" and i + 1 < len(argv):
            files.append(argv[i + 1])
        elif arg.startswith("--env-file="):
            files.append(arg.split("=", 1)[1])
    return files


def _url_secrets() -> set[str]:
    """The passwords of the PostgreSQL URLs in the environment and the .env files, for scrubbing
    an internal error's message (read only when one happens; never fails)."""
    from pathlib import Path

    from pgconnect_cli.conninfo.redact import url_secrets
    from pgconnect_cli.targets import discover

    targets = []
    with suppress(Exception):
        targets.extend(discover(os.environ, []))
    for name in _env_files(sys.argv[1:]):
        with suppress(Exception):
            if Path(name).is_file():
                targets.extend(discover({}, [Path(name)], include_environment=False))
    secrets: set[str] = set()
    for target in targets:
        with suppress(Exception):
            secrets |= url_secrets(target.value)
    return secrets


def main() -> None:
    """Console entry point: one line for known errors, exit 3 for bugs, 130 for Ctrl-C."""
    if "_PGC_COMPLETE" in os.environ:  # TAB completion: register typer's shell classes
        from typer._completion_classes import completion_init

        completion_init()
    try:
        app(prog_name="pgc")
    except KeyboardInterrupt:
        sys.stderr.write("pgc: interrupted\n")
        sys.exit(130)
    except SystemExit as exc:
        # typer turns Ctrl-C into a silent exit 130: an Exit raised from the KeyboardInterrupt
        if exc.code == 130 and isinstance(getattr(exc.__context__, "__cause__", None), KeyboardInterrupt):
            sys.stderr.write("pgc: interrupted\n")
        raise
    except BaseException as exc:
        if os.environ.get("PGC_DEBUG") == "1":
            raise
        from pgconnect_cli.conninfo.redact import scrub_exception

        sys.stderr.write(
            f"pgc: internal error ({scrub_exception(exc, _url_secrets())}); please report it "
            "(run with PGC_DEBUG=1 for the traceback)\n"
        )
        sys.exit(3)
