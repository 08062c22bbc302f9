"""Errors that become one line and an exit code at the CLI edge."""

from __future__ import annotations


class PgcError(Exception):
    """A failure the user can act on: printed as one line, never as a traceback."""

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(PgcError):
    """Bad flag, bad input, unreadable file: exit 2."""

    exit_code = 2


class FindingError(PgcError):
    """The command cannot do what was asked and says why as a finding: exit 1."""

    exit_code = 1
