"""Find the PostgreSQL URLs a project uses: process environment and .env files.

Known variable names set the role each URL is expected to play (PRODUCT.md §6, §8).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from pgconnect_cli.conninfo.model import LIBPQ_KEYWORDS
from pgconnect_cli.errors import UsageError

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


def looks_like_postgres_url(value: str) -> bool:
    return bool(_PG_SCHEME.match(value.strip()))


def _is_candidate(name: str, value: str) -> bool:
    if name in POOLED_NAMES or name in DIRECT_NAMES:
        return bool(value.strip())
    return name.endswith("_URL") and looks_like_postgres_url(value)


def read_dotenv(path: Path) -> list[tuple[str, str, int]]:
    """(key, value, line) for every binding python-dotenv reads, without interpolation."""
    from dotenv.main import DotEnv
    from dotenv.parser import parse_stream

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    import io

    values = DotEnv(path, interpolate=False).dict()  # same reading apps get (last binding wins)
    lines: dict[str, int] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.key is not None:
            lines[binding.key] = binding.original.line
    return [(k, v, lines.get(k, 0)) for k, v in values.items() if v is not None]


def discover(
    environ: Mapping[str, str],
    env_files: Iterable[Path],
    *,
    include_environment: bool = True,
) -> list[Target]:
    """Every PostgreSQL URL in the environment and the .env files.

    Like python-dotenv's `load_dotenv` (override=False), the process environment wins over a
    file for the same name; each name is reported once.
    """
    found: dict[str, Target] = {}
    for path in env_files:
        for key, value, line in read_dotenv(path):
            if _is_candidate(key, value) and key not in found:
                found[key] = Target(key, value.strip(), Source.DOTENV, str(path), line)
    if include_environment:
        for key, value in environ.items():
            if _is_candidate(key, value):
                found[key] = Target(key, value.strip(), Source.ENVIRONMENT)
    order = {n: i for i, n in enumerate(POOLED_NAMES + DIRECT_NAMES)}
    return sorted(found.values(), key=lambda t: (order.get(t.name, 99), t.name))


def parse_url_flag(values: Iterable[str]) -> list[Target]:
    """`--url NAME=URL` or `--url URL` (repeatable)."""
    out: list[Target] = []
    for i, raw in enumerate(values, start=1):
        name, sep, url = raw.partition("=")
        named = sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and not looks_like_postgres_url(raw)
        if named and name not in LIBPQ_KEYWORDS:  # `host=h port=5432 …` is a key=value string
            out.append(Target(name, url.strip(), Source.FLAG))
        else:
            out.append(Target("URL" if i == 1 else f"URL{i}", raw.strip(), Source.FLAG))
    return out


def pick(targets: Iterable[Target], names: Iterable[str]) -> Target | None:
    by_name = {t.name: t for t in targets}
    for n in names:
        if n in by_name:
            return by_name[n]
    return None
