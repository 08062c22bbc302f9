"""Find the PostgreSQL URLs a project uses: process environment and .env files.

Known variable names set the role each URL is expected to play (DATABASE_URL pooled, DIRECT_URL direct, …).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from pgconnect_cli.conninfo.model import LIBPQ_KEYWORDS
from pgconnect_cli.errors import UsageError
from pgconnect_cli.providers import Endpoint, integration_vars_of_all_rows

if TYPE_CHECKING:
    from pgconnect_cli.dotenv_file import EnvDocument

_PG_SCHEME = re.compile(r"^(postgres(ql)?(\+[a-z0-9_]+)?|prisma\+postgres)://", re.IGNORECASE)


class Expected(str, Enum):
    POOLED = "pooled"
    DIRECT = "direct"


def _integration_roles() -> tuple[dict[str, Expected], tuple[tuple[re.Pattern[str], Expected], ...]]:
    """Variable names with the endpoint they hold: pgc's own (DATABASE_URL pooled, DIRECT_URL direct)
    and those of the provider table whose role is the same for every provider that sets them."""
    roles: dict[str, set[Endpoint | None]] = {}
    for var in integration_vars_of_all_rows():
        roles.setdefault(var.name, set()).add(var.role)
    names = {n: Expected.POOLED for n in ("DATABASE_URL", "POSTGRES_PRISMA_URL")}
    names |= {n: Expected.DIRECT for n in ("DIRECT_URL", "DIRECT_DATABASE_URL", "DATABASE_URL_UNPOOLED")}
    names["POSTGRES_URL_NON_POOLING"] = Expected.DIRECT
    patterns: list[tuple[re.Pattern[str], Expected]] = []
    for name, seen in roles.items():
        role = next(iter(seen))
        if name in names or len(seen) != 1 or role is None:
            continue  # ambiguous (POSTGRES_URL is pooled on Vercel, direct for Prisma Postgres)
        expected = Expected(role.value)
        if "<" in name:
            patterns.append((re.compile(re.sub(r"<[A-Z]+>", "[A-Z0-9_]+", name)), expected))
        else:
            names[name] = expected
    return names, tuple(patterns)


_NAMES, _PATTERNS = _integration_roles()
POOLED_NAMES = tuple(n for n, e in _NAMES.items() if e is Expected.POOLED)
DIRECT_NAMES = tuple(n for n, e in _NAMES.items() if e is Expected.DIRECT)
# Prisma Postgres' Vercel Marketplace integration: beside DATABASE_URL_POOLED, DATABASE_URL is direct.
_POOLED_TWIN = {"DATABASE_URL": "DATABASE_URL_POOLED"}


def expected_for(name: str, names: Iterable[str] = ()) -> Expected | None:
    """The endpoint a variable is expected to hold, given the other variable names beside it."""
    if name in _POOLED_TWIN and _POOLED_TWIN[name] in set(names):
        return Expected.DIRECT
    if name in _NAMES:
        return _NAMES[name]
    for pattern, expected in _PATTERNS:
        if pattern.fullmatch(name):
            return expected
    return None


class Source(str, Enum):
    DOTENV = ".env"
    ENVIRONMENT = "environment"
    FLAG = "--url"


@dataclass(frozen=True)
class Target:
    name: str  # variable name, or "URL", "URL2", … for --url without a name
    value: str = field(default="", repr=False)  # the URL as given: secret, never print it
    source: Source = Source.FLAG
    path: str | None = None  # the .env file, when it came from one
    line: int | None = None
    role: Expected | None = None  # set by discovery when the names beside it decide (Prisma's pair)

    @property
    def expected(self) -> Expected | None:
        return self.role if self.role is not None else expected_for(self.name)


def _trim(value: str) -> str:
    """Strip ASCII whitespace only: a no-break space is part of the value for libpq (and reported)."""
    return value.strip(" \t\n\r\v\f")


def looks_like_postgres_url(value: str) -> bool:
    return bool(_PG_SCHEME.match(_trim(value)))


def is_candidate(name: str, value: str) -> bool:
    """A variable that holds (or is meant to hold) a PostgreSQL URL: a known name, or any *_URL
    whose value is one."""
    if expected_for(name) is not None:
        return bool(_trim(value))
    return name.endswith("_URL") and looks_like_postgres_url(value)


def read_dotenv_document(path: Path) -> EnvDocument:
    """The .env file as python-dotenv parses it (without interpolation), read like every command
    reads one: `dotenv_file.read_env_file`, with its size cap and messages; symlinks are followed."""
    from pgconnect_cli.dotenv_file import parse_document, read_env_file

    if not os.path.lexists(path):
        raise UsageError(f"{path}: no such file")
    current = read_env_file(path, follow_symlinks=True)
    if not current.exists:
        raise UsageError(f"{path}: no such file")
    return parse_document(current.text)


@dataclass(frozen=True)
class Shadowed:
    """A .env binding of a URL variable that loaders ignore: the environment (or an earlier file)
    sets the same name to another value."""

    name: str
    path: str
    line: int
    value: str = field(repr=False)  # the URL as written there: secret, never print it
    by: str  # what wins: "the environment" or the earlier file's path


@dataclass(frozen=True)
class Discovery:
    targets: tuple[Target, ...]
    shadowed: tuple[Shadowed, ...] = ()
    documents: tuple[tuple[Path, EnvDocument], ...] = ()  # each .env file read, as parsed


def discover_env(
    environ: Mapping[str, str],
    env_files: Iterable[Path],
    *,
    include_environment: bool = True,
) -> Discovery:
    """Every PostgreSQL URL in the environment and the .env files, and what each file held.

    Like python-dotenv's `load_dotenv` (override=False), the process environment wins over a
    file for the same name, and an earlier file over a later one; each name is reported once,
    the values that lose are listed in `shadowed`.
    """
    found: dict[str, Target] = {}
    shadowed: list[Shadowed] = []
    documents: list[tuple[Path, EnvDocument]] = []
    for path in env_files:
        doc = read_dotenv_document(path)
        documents.append((path, doc))
        for key, value in doc.values().items():
            last = doc.last(key)
            if value is None or last is None or not is_candidate(key, value):
                continue
            earlier = found.get(key)
            if earlier is None:
                found[key] = Target(key, _trim(value), Source.DOTENV, str(path), last.line)
            elif earlier.value != _trim(value):
                shadowed.append(Shadowed(key, str(path), last.line, _trim(value), earlier.path or ""))
    if include_environment:
        for key, value in environ.items():
            if not is_candidate(key, value):
                continue
            earlier = found.get(key)
            if earlier is not None and earlier.path and earlier.value != _trim(value):
                shadowed.append(
                    Shadowed(key, earlier.path, earlier.line or 0, earlier.value, "the environment")
                )
            # the app reads the variable as it is: a trailing \r is reported, never stripped
            found[key] = Target(key, value, Source.ENVIRONMENT)
    order = {n: i for i, n in enumerate(POOLED_NAMES + DIRECT_NAMES)}
    names = set(found)
    targets = sorted(
        (replace(t, role=expected_for(t.name, names)) for t in found.values()),
        key=lambda t: (order.get(t.name, 99), t.name),
    )
    return Discovery(tuple(targets), tuple(shadowed), tuple(documents))


def discover(
    environ: Mapping[str, str],
    env_files: Iterable[Path],
    *,
    include_environment: bool = True,
) -> list[Target]:
    """Every PostgreSQL URL in the environment and the .env files (see `discover_env`)."""
    return list(discover_env(environ, env_files, include_environment=include_environment).targets)


def parse_url_flag(values: Iterable[str]) -> list[Target]:
    """`--url NAME=URL` or `--url URL` (repeatable)."""
    out: list[Target] = []
    for i, raw in enumerate(values, start=1):
        name, sep, url = raw.partition("=")
        named = sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and not looks_like_postgres_url(raw)
        if named and name not in LIBPQ_KEYWORDS:  # `host=h port=5432 …` is a key=value string
            out.append(Target(name, url, Source.FLAG))
        else:
            out.append(Target("URL" if i == 1 else f"URL{i}", raw, Source.FLAG))
    return out


def pick(targets: Iterable[Target], names: Iterable[str]) -> Target | None:
    by_name = {t.name: t for t in targets}
    for n in names:
        if n in by_name:
            return by_name[n]
    return None
