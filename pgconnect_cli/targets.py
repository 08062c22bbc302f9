"""Find the PostgreSQL URLs a project uses: process environment and .env files.

Known variable names set the role each URL is expected to play (DATABASE_URL pooled, DIRECT_URL direct, …).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from pgconnect_cli.conninfo.model import LIBPQ_KEYWORDS
from pgconnect_cli.errors import UsageError

if TYPE_CHECKING:
    from pgconnect_cli.dotenv_file import EnvDocument

POOLED_NAMES = ("DATABASE_URL", "POSTGRES_PRISMA_URL")
DIRECT_NAMES = ("DIRECT_URL", "DIRECT_DATABASE_URL", "DATABASE_URL_UNPOOLED", "POSTGRES_URL_NON_POOLING")
_PG_SCHEME = re.compile(r"^(postgres(ql)?(\+[a-z0-9_]+)?|prisma\+postgres)://", re.IGNORECASE)


class Expected(str, Enum):
    POOLED = "pooled"
    DIRECT = "direct"


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

    @property
    def expected(self) -> Expected | None:
        if self.name in POOLED_NAMES:
            return Expected.POOLED
        if self.name in DIRECT_NAMES:
            return Expected.DIRECT
        return None


def _trim(value: str) -> str:
    """Strip ASCII whitespace only: a no-break space is part of the value for libpq (and reported)."""
    return value.strip(" \t\n\r\v\f")


def looks_like_postgres_url(value: str) -> bool:
    return bool(_PG_SCHEME.match(_trim(value)))


def _is_candidate(name: str, value: str) -> bool:
    if name in POOLED_NAMES or name in DIRECT_NAMES:
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


def read_dotenv(path: Path) -> list[tuple[str, str, int]]:
    """(key, value, line) for every binding python-dotenv reads, without interpolation (last one wins)."""
    doc = read_dotenv_document(path)
    out = []
    for key, value in doc.values().items():
        last = doc.last(key)
        if value is not None and last is not None:
            out.append((key, value, last.line))
    return out


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
            if value is None or last is None or not _is_candidate(key, value):
                continue
            earlier = found.get(key)
            if earlier is None:
                found[key] = Target(key, _trim(value), Source.DOTENV, str(path), last.line)
            elif earlier.value != _trim(value):
                shadowed.append(Shadowed(key, str(path), last.line, _trim(value), earlier.path or ""))
    if include_environment:
        for key, value in environ.items():
            if not _is_candidate(key, value):
                continue
            earlier = found.get(key)
            if earlier is not None and earlier.path and earlier.value != _trim(value):
                shadowed.append(
                    Shadowed(key, earlier.path, earlier.line or 0, earlier.value, "the environment")
                )
            # the app reads the variable as it is: a trailing \r is reported, never stripped
            found[key] = Target(key, value, Source.ENVIRONMENT)
    order = {n: i for i, n in enumerate(POOLED_NAMES + DIRECT_NAMES)}
    targets = sorted(found.values(), key=lambda t: (order.get(t.name, 99), t.name))
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
