"""The `pgc` command tree. Command modules import typer only; heavy libraries load inside commands."""

from __future__ import annotations

import os
import sys

import typer

from pgconnect_cli import __version__
from pgconnect_cli.cli import completion, doctor, env, exec_, explain, lab, pool, url
from pgconnect_cli.edge import INTERRUPTED, guard, leave
from pgconnect_cli.messages import say_error

__all__ = ["app", "leave", "main", "run"]

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
app.add_typer(pool.app, name="pool")
app.command("completion")(completion.completion)


def _usage_message(exc: Exception) -> str:
    """One line for a click usage error: the problem, then where help is."""
    from typer._click.exceptions import BadParameter
    from typer._click.types import FloatRange, IntRange

    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    param = getattr(exc, "param", None) if isinstance(exc, BadParameter) else None
    kind = getattr(param, "type", None)
    if param is not None and isinstance(kind, (IntRange, FloatRange)) and "is not a valid" in message:
        what = "a whole number" if isinstance(kind, IntRange) else "a number"
        bounds = f" from {kind.min} to {kind.max}" if kind.min is not None and kind.max is not None else ""
        name = (getattr(param, "opts", None) or [param.name])[0]
        message = f"{name}: {exc.message.split(' is not', 1)[0]} is not {what}{bounds}"  # type: ignore[attr-defined]
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message = message.rstrip(".") + f" (see `{ctx.command_path} --help`)"
    return message


def run(argv: list[str]) -> int:
    """Run pgc on `argv` through the command tree and return the exit code: the one edge every
    message leaves through (`edge.guard`, plus what click raises).

    Usage errors (typer's and click's too) become one `pgc: error:` line with every URL's
    password masked (and the `pgc.error/v1` document under --json); Ctrl-C is `pgc: interrupted`,
    130; SIGTERM 143 and SIGHUP 129 after cleanup; a failed write to stdout one line, exit 2; a
    bug one line, exit 3.
    """
    return guard(argv, _invoke)


def _invoke(argv: list[str], machine: bool) -> int:
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
    from typer._click.exceptions import UsageError as ClickUsageError
    from typer.exceptions import Abort

    try:
        code = app(args=argv, prog_name="pgc", standalone_mode=False)
    except NoArgsIsHelpError:
        return 2  # typer printed the help
    except ClickUsageError as exc:
        say_error(_usage_message(exc), machine=machine, code="usage-error")
        return 2
    except ClickException as exc:  # a file click could not open, and the like: bad input too
        say_error(exc.format_message(), machine=machine, code="usage-error")
        return 2
    except Abort as exc:
        if not INTERRUPTED and isinstance(exc.__context__, EOFError):
            sys.stderr.write("\n")  # the prompt's line is still open
            say_error("no answer: the input ended", machine=machine, code="usage-error")
            return 2
        sys.stderr.write("pgc: interrupted\n")
        return 130
    return code if isinstance(code, int) else 0


def main() -> None:
    """`run(sys.argv[1:])`, its code as the process's exit status (`entry.main` comes here for
    everything its fast paths do not answer)."""
    if "_PGC_COMPLETE" in os.environ:  # TAB completion: register typer's shell classes
        from typer._completion_classes import completion_init

        completion_init()
    leave(run(sys.argv[1:]))
