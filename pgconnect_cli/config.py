"""The project's pgc settings: `[tool.pgc]` in `pyproject.toml`, or a `.pgc.toml`.

Looked up from the current directory through its parents, up to the git root (the directory
holding `.git`) or the filesystem root: the nearest directory with either file wins, `.pgc.toml`
before `pyproject.toml` in the same directory (a pyproject.toml without `[tool.pgc]` does not
count). Keys: `ignore` (finding ids), `strict`, `client`, `timeout`, `instances`. A wrong type
or an unknown key is a usage error naming the file and the key. Flags given on the command line
win over the file; `ignore` adds to `--ignore`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgconnect_cli.errors import UsageError

KEYS = ("ignore", "strict", "client", "timeout", "instances")


@dataclass(frozen=True)
class Settings:
    path: Path | None = None  # the file they came from; None: no file
    ignore: tuple[str, ...] = ()
    strict: bool | None = None
    client: str | None = None
    timeout: float | None = None
    instances: int | None = None


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _table(path: Path) -> Mapping[str, Any] | None:
    """The pgc table of `path`, or None when the file has none."""
    data = _toml(path)
    if path.name == ".pgc.toml":
        return data
    tool = data.get("tool")
    table = tool.get("pgc") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.pgc] must be a table")
    return table


def find(start: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The nearest settings file at or above `start` (up to the git root) and its pgc table."""
    for directory in (start, *start.parents):
        for name in (".pgc.toml", "pyproject.toml"):
            path = directory / name
            if path.is_file():
                table = _table(path)
                if table is not None:
                    return path, table
        if (directory / ".git").exists():
            return None
    return None


def _where(path: Path, key: str) -> str:
    return f"{path}: [tool.pgc] {key}" if path.name == "pyproject.toml" else f"{path}: {key}"


def parse(path: Path, table: Mapping[str, Any]) -> Settings:
    """The settings of one pgc table; a usage error names the file and the first bad key."""
    from pgconnect_cli.project import Client

    for key in table:
        if key not in KEYS:
            raise UsageError(f"{_where(path, key)}: unknown key (known: {', '.join(KEYS)})")
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
        example = '["sslmode-missing"]'
        raise UsageError(f"{_where(path, 'ignore')}: expected a list of finding ids, e.g. {example}")
    check_ids(ignore, what=f"{_where(path, 'ignore')}:")
    strict = table.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise UsageError(f"{_where(path, 'strict')}: expected true or false")
    client = table.get("client")
    from pgconnect_cli.known_clients import BY_ID

    clients = [*BY_ID, *(c.value for c in Client if c.value not in BY_ID)]
    if client is not None and (not isinstance(client, str) or client.lower() not in clients):
        raise UsageError(f"{_where(path, 'client')}: expected one of {', '.join(clients)}")
    timeout = table.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300
    ):
        raise UsageError(f"{_where(path, 'timeout')}: expected a number of seconds above 0, at most 300")
    instances = table.get("instances")
    whole = isinstance(instances, int) and not isinstance(instances, bool)
    if instances is not None and (not whole or instances < 1):
        raise UsageError(f"{_where(path, 'instances')}: expected a whole number of app instances, 1 or more")
    return Settings(
        path=path,
        ignore=tuple(ignore),
        strict=strict,
        client=client.lower() if isinstance(client, str) else None,
        timeout=float(timeout) if timeout is not None else None,
        instances=instances,
    )


def load(start: Path | None = None) -> Settings:
    """The settings that apply in `start` (default: the current directory); empty without a file."""
    found = find((start or Path.cwd()).absolute())
    return parse(*found) if found else Settings()


def check_ids(ids: Iterable[str], *, what: str = "--ignore") -> None:
    """A usage error for the first id the catalogue does not know, naming the closest one."""
    from pgconnect_cli.findings import closest_id, unknown_ids

    for bad in unknown_ids(ids):
        near = closest_id(bad)
        hint = f"; did you mean {near}?" if near else "; `pgc explain --list` lists the ids"
        raise UsageError(f"{what} {bad}: no such finding id{hint}")
