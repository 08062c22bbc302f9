"""The `pgc` command tree. Command modules import typer only; heavy libraries load inside commands."""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from typing import Any, NoReturn

import typer

from pgconnect_cli import __version__
from pgconnect_cli import signals as _signals
from pgconnect_cli.cli import completion, doctor, env, exec_, explain, lab, pool, url

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


class Terminated(BaseException):
    """SIGTERM or SIGHUP: raised where the program is, so `finally` blocks and cleanup run."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_INTERRUPTED: list[bool] = []  # set by the SIGINT handler: typer turns Ctrl-C into a bare Exit(130)


def _on_sigint(signum: int, frame: object) -> None:
    if _signals.unwinding():  # a burst of signals: the first one's cleanup runs to its end
        return
    _INTERRUPTED.append(True)
    raise KeyboardInterrupt


def _on_terminate(signum: int, frame: object) -> None:
    if _signals.unwinding():
        return
    raise Terminated(signum)


def _install_signals() -> dict[int, Any]:
    import signal

    previous: dict[int, Any] = {}
    handlers: dict[int, Any] = {signal.SIGINT: _on_sigint, signal.SIGTERM: _on_terminate}
    if hasattr(signal, "SIGHUP"):
        handlers[signal.SIGHUP] = _on_terminate
    for signum, handler in handlers.items():
        with suppress(ValueError, OSError):  # not the main thread: leave the handlers alone
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, handler)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    import signal

    for signum, handler in previous.items():
        with suppress(ValueError, OSError):
            signal.signal(signum, handler)


def _machine_format(argv: list[str]) -> bool:
    """Whether the command line asks for JSON (read before, or without, typer's parsing)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--json" or arg in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1].lower() == "json":
            return True
    return False


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


def _say_error(message: str, *, machine: bool, code: str) -> None:
    from pgconnect_cli.cli._common import error_line

    text = error_line(message)
    if machine:
        from pgconnect_cli.render.emit import emit_error

        with suppress(OSError):
            emit_error(code, text)
    sys.stderr.write(f"pgc: error: {text}\n")


def _output_failed(exc: OSError) -> int:
    """stdout could not be written (a full disk, a closed pipe): one line, exit 2; stdout is
    pointed at /dev/null so that the interpreter's last flush does not fail again."""
    import errno

    with suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    if exc.errno == errno.EPIPE:  # the reader went away (`pgc … | head`): nothing to tell it
        return 1
    with suppress(Exception):
        sys.stderr.write(f"pgc: error: cannot write the output: {exc.strerror or exc}\n")
        sys.stderr.flush()
    return 2


def run(argv: list[str]) -> int:
    """Run pgc on `argv` and return the exit code: the one edge every message leaves through.

    Usage errors (typer's and click's too) become one `pgc: error:` line with every URL's
    password masked (and the `pgc.error/v1` document under --json); Ctrl-C is `pgc: interrupted`,
    130; SIGTERM 143 and SIGHUP 129 after cleanup; a failed write to stdout one line, exit 2; a
    bug one line, exit 3.
    """
    import errno

    from typer._click.exceptions import ClickException, NoArgsIsHelpError
    from typer._click.exceptions import UsageError as ClickUsageError
    from typer.exceptions import Abort

    from pgconnect_cli.cli._common import set_argv

    _INTERRUPTED.clear()
    _signals.start_run()
    set_argv(argv)
    machine = _machine_format(argv)
    previous = _install_signals()
    try:
        try:
            code = app(args=argv, prog_name="pgc", standalone_mode=False)
            sys.stdout.flush()
        finally:
            _restore_signals(previous)
    except NoArgsIsHelpError:
        return 2  # typer printed the help
    except ClickUsageError as exc:
        _say_error(_usage_message(exc), machine=machine, code="usage-error")
        return 2
    except ClickException as exc:  # a file click could not open, and the like: bad input too
        _say_error(exc.format_message(), machine=machine, code="usage-error")
        return 2
    except (KeyboardInterrupt, Abort) as exc:
        if isinstance(exc, Abort) and not _INTERRUPTED and isinstance(exc.__context__, EOFError):
            sys.stderr.write("\n")  # the prompt's line is still open
            _say_error("no answer: the input ended", machine=machine, code="usage-error")
            return 2
        sys.stderr.write("pgc: interrupted\n")
        return 130
    except Terminated as exc:
        import signal

        name = "terminated" if exc.signum == signal.SIGTERM else "hung up"
        with suppress(OSError):
            sys.stderr.write(f"pgc: {name}\n")
        return 128 + exc.signum
    except OSError as exc:
        if exc.filename is not None:  # a file pgc was told to read or write: bad input, one line
            _say_error(f"{exc.filename}: {exc.strerror or exc}", machine=machine, code="usage-error")
            return 2
        if exc.errno in (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EFBIG, errno.EDQUOT):
            return _output_failed(exc)
        return _internal_error(exc)
    except Exception as exc:
        return _internal_error(exc)
    if _INTERRUPTED and code == 130:
        sys.stderr.write("pgc: interrupted\n")
    return code if isinstance(code, int) else 0


def _internal_error(exc: BaseException) -> int:
    if os.environ.get("PGC_DEBUG") == "1":
        raise exc
    from pgconnect_cli.conninfo.redact import scrub_exception

    sys.stderr.write(
        f"pgc: internal error ({scrub_exception(exc, _url_secrets())}); please report it "
        "(run with PGC_DEBUG=1 for the traceback)\n"
    )
    return 3


def main() -> None:
    """Console entry point: `run(sys.argv[1:])`, its code as the process's exit status."""
    if "_PGC_COMPLETE" in os.environ:  # TAB completion: register typer's shell classes
        from typer._completion_classes import completion_init

        completion_init()
    leave(run(sys.argv[1:]))


def leave(code: int) -> NoReturn:
    """Exit with `code` without the interpreter's teardown (freeing every object: tens of ms).

    Safe because nothing is left for it to do: every cleanup of pgc (temporary passfiles and
    `.env` copies, children) runs in `finally` blocks inside `run`; what others registered with
    atexit runs here explicitly, non-daemon threads are joined, and stdout and stderr are flushed
    (a failed flush is reported as `run` reports a failed write).
    """
    import atexit

    if "threading" in sys.modules:
        import threading

        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except OSError as exc:
        code = _output_failed(exc)
    with suppress(Exception):
        sys.stderr.flush()
    os._exit(code)
