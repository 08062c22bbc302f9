"""The console entry point: `pgc` and `python -m pgconnect_cli` (`main`).

Start-up is a budget: `pgc --version` 2x a bare Python start, TAB completion 3x, `pgc url check`
6x, and a share of every doctor run. So `main` answers `--version` here, TAB completion of names
from the generated table (`fast_complete`), and `pgc url check` and `pgc doctor` without typer
when the command line is one they read exactly as typer would (`fast_url`, `fast_doctor`);
everything else goes to the typer command tree (`cli.main`).
Nothing but os and sys at import time.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # mypy reads any constant of this name as typing's (typing costs start-up)
if TYPE_CHECKING:
    from collections.abc import Callable


def main() -> None:
    """`pgc ARGS`: its exit code as the process's exit status."""
    argv = sys.argv[1:]
    _never_unencodable()
    if argv in (["--version"], ["-V"]):
        _exit(_version)
    if "_PGC_COMPLETE" in os.environ:  # TAB: subcommand and option names from a generated table
        from pgconnect_cli.fast_complete import answer

        _exit(answer)  # returns when the table cannot answer
    from pgconnect_cli import startup_cache

    if argv[:2] == ["url", "check"] and "_PGC_COMPLETE" not in os.environ:
        import gc

        gc.disable()  # a few hundred objects of cyclic garbage: cheaper kept until the exit than collected
        startup_cache.install()
        from pgconnect_cli import fast_url
        from pgconnect_cli.edge import guard, leave

        fast = guard(argv, fast_url.check)
        if fast is not None:
            leave(fast)
        gc.enable()
    if argv[:1] == ["doctor"]:
        startup_cache.install()
        from pgconnect_cli import fast_doctor
        from pgconnect_cli.edge import guard, leave

        fast = guard(argv, fast_doctor.check)
        if fast is not None:
            leave(fast)
    startup_cache.install()
    from pgconnect_cli.cli import main as cli_main

    cli_main()


def _never_unencodable() -> None:
    """On a stdout that is not UTF-8 (PYTHONIOENCODING=ascii, a Latin-1 locale), a character it
    cannot encode is written as a backslash escape, as Python does on stderr, instead of ending
    the run with an encoding error (help texts hold `…` and `→`; the reports' own punctuation is
    put in ASCII by render.console first)."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding not in ("utf8", "utf8sig"):
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a stream that cannot: left as it is
                pass


def _version() -> int:
    from pgconnect_cli import __version__

    sys.stdout.write(f"pgc {__version__}\n")
    return 0


def _exit(write: Callable[[], int | None]) -> None:
    """`write()` the answer; exit with its code, without the interpreter's teardown (nothing else
    was started). A reader that went away (`pgc --version | true`) is exit 1, nothing said."""
    try:
        code = write()
        if code is None:
            return
        sys.stdout.flush()
    except OSError:
        code = 1
    os._exit(code)
