"""The lab's errors: one line each, with the exit code the CLI uses."""

from __future__ import annotations

from pgconnect_cli.errors import PgcError


class LabError(PgcError):
    """The lab cannot do what was asked (missing binaries, a directory it must not touch, …)."""

    exit_code = 2


class LabNotRunning(LabError):
    """There is no (healthy) lab where one was expected."""

    exit_code = 1
