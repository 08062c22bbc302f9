"""The lab's URLs in a .env file: writing them, and telling when a file holds an older lab's."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from pgconnect_cli.errors import PgcError
from pgconnect_cli.lab.errors import LabError


class _Server(Protocol):
    @property
    def port(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def database(self) -> str: ...


class _Bouncer(Protocol):
    @property
    def port(self) -> int: ...


class Lab(Protocol):
    """What the comparison reads of a running lab (lab.state.Lab), without importing it."""

    @property
    def password(self) -> str: ...
    @property
    def directory(self) -> Path: ...
    @property
    def postgres(self) -> _Server: ...
    @property
    def pgbouncer(self) -> _Bouncer: ...


_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class EnvFileCheck:
    """A .env file that points at a lab in this directory, compared with the lab running there."""

    path: Path
    differences: tuple[str, ...]  # e.g. "DIRECT_URL port 5433 (the lab's is 5501)"; empty: up to date

    @property
    def stale(self) -> bool:
        return bool(self.differences)


def compare_env(values: Mapping[str, str | None], lab: Lab) -> tuple[str, ...] | None:
    """How the lab URLs in `values` differ from `lab`'s; None when none of them points at a lab."""
    expected = {"DATABASE_URL": lab.pgbouncer.port, "DIRECT_URL": lab.postgres.port}
    found = False
    differences: list[str] = []
    for key, port in expected.items():
        parts = _lab_url_parts(values.get(key), lab)
        if parts is None:
            continue
        found = True
        their_port, password = parts
        if their_port != port:
            differences.append(f"{key} port {their_port} (the lab's is {port})")
        if not _same_secret(password, lab.password):
            differences.append(f"{key} password (not the lab's)")
    return tuple(differences) if found else None


def _lab_url_parts(value: str | None, lab: Lab) -> tuple[int | None, str] | None:
    """(port, password) of a URL meant for a lab: loopback, and the lab's CA file or role and database."""
    if not value:
        return None
    try:
        url = urlsplit(value.strip())
        port = url.port
    except ValueError:
        return None
    if url.scheme not in ("postgres", "postgresql") or (url.hostname or "") not in _LOOPBACK_HOSTS:
        return None
    rootcert = (parse_qs(url.query).get("sslrootcert") or [""])[0]
    ours = rootcert.startswith(f"{lab.directory}/")
    named = (unquote(url.username or ""), unquote(url.path.lstrip("/"))) == (
        lab.postgres.role,
        lab.postgres.database,
    )
    if not (ours or named):
        return None
    return port, unquote(url.password or "")


def _same_secret(a: str, b: str) -> bool:
    # Compared as digests: equal-length inputs, no early exit on the first differing character.
    return hmac.compare_digest(hashlib.sha256(a.encode()).digest(), hashlib.sha256(b.encode()).digest())


def check_env_file(path: Path, lab: Lab) -> EnvFileCheck | None:
    """`path` compared with `lab`; None when it is missing, unreadable or holds no lab URL."""
    from pgconnect_cli import dotenv_file

    try:
        current = dotenv_file.read_env_file(path, follow_symlinks=True)
    except PgcError:
        return None
    if not current.exists:
        return None
    differences = compare_env(dotenv_file.parse_document(current.text).values(), lab)
    return None if differences is None else EnvFileCheck(path, differences)


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
