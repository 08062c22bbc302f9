"""Who will use a URL (`url check --for`, the doctor's targets): a leaf, so the command line can
list the contexts without loading the checks."""

from __future__ import annotations

from enum import Enum


class Context(str, Enum):
    """Who will use the URL."""

    APP = "app"  # the application at runtime (any driver)
    MIGRATE = "migrate"  # migrations and schema tools: need a direct connection
    PSQL = "psql"  # libpq tools: psql, pg_dump, pg_restore
    PRISMA = "prisma"  # Prisma ORM (≤ 6 unless told otherwise)
