"""Entry point of `pgc` and `python -m pgconnect_cli`.

`pgc --version` answers before the command tree (typer, rich) is imported: it is what scripts and
CI run most, and the start-up budget is 2x a bare Python start. TAB completion of subcommand and
option names answers from a table generated from the tree (`fast_complete`), 3x.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
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
    from pgconnect_cli.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
