"""Client tools against the server: the one version parser and the one `client-tools-old` builder.

Pure. `pgc doctor` (the machine's pg_dump and psql) and `pgc exec` (the dump tool it is about to
run) both read `TOOL --version` with `parse_version_output` and word the finding with
`client_tools_old`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pgconnect_cli.findings import Finding, Severity, finding

_VERSION = re.compile(r"\(PostgreSQL\)\s+((\d+)(?:\.\d+)*)")


def parse_version_output(text: str) -> tuple[int, str] | None:
    """`pg_dump (PostgreSQL) 15.18 (Debian …)` → (15, "15.18"); None for anything else."""
    m = _VERSION.search(text)
    if m is None:
        return None
    return int(m.group(2)), m.group(1)


def major_of(version: str | None) -> int | None:
    """ "15.18" → 15 (the major of a version string `parse_version_output` returned)."""
    if not version:
        return None
    head = version.split(".")[0]
    return int(head) if head.isdigit() else None


def server_version_text(version_num: int) -> str:
    """server_version_num 170002 → "17.2" (PostgreSQL 10 and newer)."""
    return f"{version_num // 10000}.{version_num % 10000}"


def client_tools_old(
    tools: Sequence[tuple[str, str]],
    server_version: str,
    server_major: int,
    *,
    fix: str = "",
    severity: Severity | None = None,
) -> Finding:
    """`client-tools-old` for `tools` ((name, version) pairs older than the server's major).

    `fix`: what else the caller can do (exec: `--no-version-check`)."""
    names = ", ".join(f"{name} {version}" for name, version in tools)
    verb = "is" if len(tools) == 1 else "are"
    return finding(
        "client-tools-old",
        f"This machine's {names} {verb} older than the server (PostgreSQL {server_version}): pg_dump "
        "aborts with `server version mismatch`.",
        f"Install client tools of major version {server_major} or newer (e.g. apt-get install "
        f"postgresql-client-{server_major}), or run them from the postgres:{server_major} container image"
        + (f"; {fix}." if fix else "."),
        severity=severity,
    )
