"""The edge every run of pgc leaves through, with no typer and no click: signals, a failed
write to stdout, a file that cannot be read, internal errors (`guard`), and the exit without the
interpreter's teardown (`leave`). `cli.run` adds what click raises; the start-up fast paths of
`entry.main` go through `guard` alone.

Nothing but os and sys at import time: this module is part of pgc's start-up.
"""

from __future__ import annotations

# the signal module's C half, loaded by every interpreter: signal itself builds its enums (a
# start-up cost) around the same calls
import _signal as signal  # type: ignore[import-not-found]
import os
import sys

from pgconnect_cli import signals as _signals

TYPE_CHECKING = False  # mypy reads any constant of this name as typing's (typing costs start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, NoReturn, TypeVar

    Answer = TypeVar("Answer")  # int; `int | None` for a fast path that may decline


class Terminated(BaseException):
    """SIGTERM or SIGHUP: raised where the program is, so `finally` blocks and cleanup run."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


INTERRUPTED: list[bool] = []  # set by the SIGINT handler: typer turns Ctrl-C into a bare Exit(130)


def _on_sigint(signum: int, frame: object) -> None:
    if _signals.unwinding():  # a burst of signals: the first one's cleanup runs to its end
        return
    INTERRUPTED.append(True)
    raise KeyboardInterrupt


def _on_terminate(signum: int, frame: object) -> None:
    if _signals.unwinding():
        return
    raise Terminated(signum)


def _install_signals() -> dict[int, Any]:
    from contextlib import suppress

    previous: dict[int, Any] = {}
    handlers: dict[int, Any] = {signal.SIGINT: _on_sigint, signal.SIGTERM: _on_terminate}
    if hasattr(signal, "SIGHUP"):
        handlers[signal.SIGHUP] = _on_terminate
    for signum, handler in handlers.items():
        with suppress(ValueError, OSError):  # not the main thread: leave the handlers alone
            if signal.getsignal(signum) != signal.SIG_IGN:
                previous[signum] = signal.signal(signum, handler)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    from contextlib import suppress

    for signum, handler in previous.items():
        with suppress(ValueError, OSError):
            signal.signal(signum, handler)


def machine_format(argv: list[str]) -> bool:
    """Whether the command line asks for JSON (read before, or without, typer's parsing)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--json" or arg in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1].lower() == "json":
            return True
    return False


def guard(argv: list[str], invoke: Callable[[list[str], bool], Answer]) -> Answer | int:
    """`invoke(argv, machine)` under pgc's signal handlers; its exit code, or the one of what
    ended it: Ctrl-C `pgc: interrupted`, 130; SIGTERM 143 and SIGHUP 129 after cleanup; a failed
    write to stdout one line, exit 2; a file that cannot be read one line, exit 2; a bug one
    line, exit 3. `machine`: the command line asks for JSON (errors are a document on stdout too).
    None when `invoke` answers None (the fast path declined: nothing was written)."""
    import errno
    from contextlib import suppress

    from pgconnect_cli.messages import say_error, set_argv

    INTERRUPTED.clear()
    _signals.start_run()
    set_argv(argv)
    machine = machine_format(argv)
    previous = _install_signals()
    try:
        try:
            code = invoke(argv, machine)
            sys.stdout.flush()
        finally:
            _restore_signals(previous)
    except KeyboardInterrupt:
        sys.stderr.write("pgc: interrupted\n")
        return 130
    except Terminated as exc:
        name = "terminated" if exc.signum == signal.SIGTERM else "hung up"
        with suppress(OSError):
            sys.stderr.write(f"pgc: {name}\n")
        return 128 + exc.signum
    except OSError as exc:
        if exc.filename is not None:  # a file pgc was told to read or write: bad input, one line
            say_error(f"{exc.filename}: {exc.strerror or exc}", machine=machine, code="usage-error")
            return 2
        if exc.errno in (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EFBIG, errno.EDQUOT):
            return output_failed(exc)
        return internal_error(exc)
    except Exception as exc:
        return internal_error(exc)
    if INTERRUPTED and code == 130:
        sys.stderr.write("pgc: interrupted\n")
    return code


def output_failed(exc: OSError) -> int:
    """stdout could not be written (a full disk, a closed pipe): one line, exit 2; stdout is
    pointed at /dev/null so that the interpreter's last flush does not fail again."""
    import errno
    from contextlib import suppress

    with suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    if exc.errno == errno.EPIPE:  # the reader went away (`pgc … | head`): nothing to tell it
        return 1
    with suppress(Exception):
        sys.stderr.write(f"pgc: error: cannot write the output: {exc.strerror or exc}\n")
        sys.stderr.flush()
    return 2


def internal_error(exc: BaseException) -> int:
    if os.environ.get("PGC_DEBUG") == "1":
        raise exc
    from pgconnect_cli.conninfo.redact import scrub_exception

    sys.stderr.write(
        f"pgc: internal error ({scrub_exception(exc, _url_secrets())}); please report it "
        "(run with PGC_DEBUG=1 for the traceback)\n"
    )
    return 3


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
    from contextlib import suppress
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


def leave(code: int) -> NoReturn:
    """Exit with `code` without the interpreter's teardown (freeing every object: tens of ms).

    Safe because nothing is left for it to do: every cleanup of pgc (temporary passfiles and
    `.env` copies, children) runs in `finally` blocks inside `run`; what others registered with
    atexit runs here explicitly, non-daemon threads are joined, and stdout and stderr are flushed
    (a failed flush is reported as `run` reports a failed write).
    """
    import atexit
    from contextlib import suppress

    if "threading" in sys.modules:
        import threading

        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except OSError as exc:
        code = output_failed(exc)
    with suppress(Exception):
        sys.stderr.flush()
    if "pgconnect_cli.startup_cache" in sys.modules:  # after the output: nobody waits for it
        with suppress(Exception):
            sys.modules["pgconnect_cli.startup_cache"].save()
    os._exit(code)
