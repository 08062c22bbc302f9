"""`python -m pgconnect_cli`: the console entry point `pgc` (`entry.main`)."""

from __future__ import annotations

from pgconnect_cli.entry import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
