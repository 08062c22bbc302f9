"""The `pgc` command tree. Command modules import typer only; heavy libraries load inside commands."""

from __future__ import annotations

import os
import sys

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
            f"pgc: internal error ({scrub_exception(exc)}); please report it "
            "(run with PGC_DEBUG=1 for the traceback)\n"
        )
        sys.exit(3)
