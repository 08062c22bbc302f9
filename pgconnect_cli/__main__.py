"""Entry point of `pgc` and `python -m pgconnect_cli`.

`pgc --version` answers before the command tree (typer, rich) is imported: it is what scripts and
CI run most, and the start-up budget is 5x a bare Python start.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from pgconnect_cli import __version__

        sys.stdout.write(f"pgc {__version__}\n")
        return
    from pgconnect_cli.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
