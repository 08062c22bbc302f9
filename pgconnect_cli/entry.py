"""The console entry point: `pgc` and `python -m pgconnect_cli` (`main`).

Start-up is a budget: `pgc --version` 2x a bare Python start, TAB completion 3x, `pgc url check`
6x. So `main` answers `--version` here, TAB completion of names from the generated table
(`fast_complete`), and `pgc url check` without typer when the command line is one it reads
exactly as typer would (`fast_url`); everything else goes to the typer command tree (`cli.main`).
Nothing but os and sys at import time.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """`pgc ARGS`: its exit code as the process's exit status."""
    argv = sys.argv[1:]
    if argv in (["--version"], ["-V"]):
        from pgconnect_cli import __version__

        sys.stdout.write(f"pgc {__version__}\n")
        return
    if "_PGC_COMPLETE" in os.environ:  # TAB: subcommand and option names from a generated table
        from pgconnect_cli.fast_complete import answer

        code = answer()
        if code is not None:
            try:
                sys.stdout.flush()
            except OSError:  # the shell stopped reading: nothing to tell it
                code = 1
            os._exit(code)
    from pgconnect_cli import dataclass_cache

    dataclass_cache.install()
    if argv[:2] == ["url", "check"] and "_PGC_COMPLETE" not in os.environ:
        import gc

        from pgconnect_cli import fast_url
        from pgconnect_cli.edge import guard, leave

        gc.disable()  # a few hundred objects of cyclic garbage: cheaper kept until the exit than collected
        fast = guard(argv, fast_url.check)
        if fast is not None:
            leave(fast)
        gc.enable()
    from pgconnect_cli.cli import main as cli_main

    cli_main()
