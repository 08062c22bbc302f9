"""Writing the lab's URLs into a .env file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pgconnect_cli.errors import PgcError
from pgconnect_cli.lab.errors import LabError

if TYPE_CHECKING:
    pass


def write_env(path: Path | str, values: Mapping[str, str]) -> list[str]:
    """Set `values` in a .env file with the same writer as `pgc env init` (python-dotenv aware).

    Our keys are replaced in place or appended, every other byte is kept; atomic; a new file is
    0600, an existing one keeps its mode and gets a `.env.bak`; a symbolic link is refused.
    Returns the keys that were replaced.
    """
    from pgconnect_cli import dotenv_file

    target = Path(path)
    for key, value in values.items():
        try:
            dotenv_file.quote_value(value)
        except dotenv_file.UnsafeValueError as exc:
            raise LabError(f"cannot write {key} safely into {target}: {exc}") from None
    try:
        current = dotenv_file.read_env_file(target)
        plan = dotenv_file.plan_update(current.text, values, force=True, header=None)
        if plan.changed:
            dotenv_file.write_env(current, plan.text)
    except PgcError as exc:
        raise LabError(exc.message) from None
    return [c.key for c in plan.changes if c.action is dotenv_file.Action.REPLACE]
