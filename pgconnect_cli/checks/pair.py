"""Checks on the pair: the app's pooled URL and the direct URL for migrations.

Pure. The endpoint of each URL is what is known about it: from its name (providers.classify) or,
in the doctor, from the live pooler fingerprint — the same ids either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pgconnect_cli.conninfo.model import ConnInfo
from pgconnect_cli.findings import Finding, Severity, finding
from pgconnect_cli.project import Project
from pgconnect_cli.providers import DerivationError, Endpoint, PoolMode, derive_direct, derive_pooled
from pgconnect_cli.targets import DIRECT_NAMES, POOLED_NAMES, Expected


@dataclass(frozen=True)
class PairUrl:
    name: str
    ci: ConnInfo
    endpoint: Endpoint
    pool_mode: PoolMode | None
    expected: Expected | None
    observed: bool = False  # True when the endpoint was confirmed live, not just by name


def _first(urls: Sequence[PairUrl], names: Sequence[str]) -> PairUrl | None:
    by_name = {u.name: u for u in urls}
    return next((by_name[n] for n in names if n in by_name), None)


def _how(u: PairUrl) -> str:
    return "confirmed live" if u.observed else "by its host and port"


def _direct_fix(u: PairUrl) -> str:
    try:
        derived = derive_direct(u.ci)
    except DerivationError as exc:
        return f"Point {u.name} at the PostgreSQL server itself ({exc.hint})."
    if derived is u.ci:
        return f"Point {u.name} at the direct endpoint."
    return f"Set {u.name} to the direct endpoint: {derived.masked()}  (`pgc url direct` prints it)"


def _pooled_fix(u: PairUrl) -> str:
    try:
        derived = derive_pooled(u.ci)
    except DerivationError as exc:
        return f"Point {u.name} at the pooler ({exc.hint})."
    if derived is u.ci:
        return f"Point {u.name} at the pooled endpoint."
    return f"Set {u.name} to the pooled endpoint: {derived.masked()}  (`pgc url pooled` prints it)"


def _identity(ci: ConnInfo) -> tuple[str, str]:
    """(user, database) as the server sees them; Supavisor's user.<ref> is the same role."""
    user = ci.user or ""
    host = ci.host.lower()
    if host.endswith(".pooler.supabase.com") and "." in user:
        user = user.rsplit(".", 1)[0]
    return user, ci.dbname or user


def _migration_config_needs_direct(project: Project | None) -> str | None:
    """Which project file makes DIRECT_URL mandatory, if any."""
    if project is None:
        return None
    for path in (project.prisma_schema, project.prisma_config):
        if path is None:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "DIRECT_URL" in text:
            return str(path.relative_to(project.root)) if path.is_relative_to(project.root) else str(path)
    return None


def _direct_is_pooled(direct: PairUrl) -> Finding:
    mode = direct.pool_mode or PoolMode.UNKNOWN
    severity = {
        PoolMode.TRANSACTION: Severity.ERROR,
        PoolMode.SESSION: Severity.INFO,
        PoolMode.UNKNOWN: Severity.WARNING,
    }[mode]
    detail = f"{direct.name} goes through a {mode.value}-mode pooler ({_how(direct)})."
    if mode is PoolMode.SESSION:
        detail += " Migrations and pg_dump tolerate a session pooler."
    return finding("direct-url-is-pooled", detail, _direct_fix(direct), severity=severity)


def check_pair(urls: Sequence[PairUrl], project: Project | None = None) -> list[Finding]:
    app = _first(urls, POOLED_NAMES)
    direct = _first(urls, DIRECT_NAMES)
    out: list[Finding] = []
    if app is None:
        return [_direct_is_pooled(direct)] if direct and direct.endpoint is Endpoint.POOLED else []
    if direct is None:
        if app.endpoint is Endpoint.POOLED:
            needed_by = _migration_config_needs_direct(project)
            detail = f"{app.name} is a pooled endpoint ({_how(app)}) and no direct URL is set."
            if needed_by:
                detail += f" {needed_by} reads DIRECT_URL."
            out.append(
                finding(
                    "direct-url-missing",
                    detail,
                    _direct_fix(app).replace(f"Set {app.name} to", "Add DIRECT_URL with"),
                    severity=Severity.ERROR if needed_by else Severity.WARNING,
                )
            )
        return out

    if app.endpoint is Endpoint.DIRECT and direct.endpoint is Endpoint.POOLED:
        out.append(
            finding(
                "urls-swapped",
                f"{app.name} is a direct endpoint and {direct.name} is pooled ({_how(direct)}).",
                f"Swap them: {app.name}={direct.ci.masked()} and {direct.name}={app.ci.masked()}",
            )
        )
        return out

    if direct.endpoint is Endpoint.POOLED:
        out.append(_direct_is_pooled(direct))

    if app.endpoint is Endpoint.DIRECT and direct.endpoint is Endpoint.DIRECT:
        out.append(
            finding(
                "database-url-is-direct",
                f"{app.name} is a direct endpoint ({_how(app)}); app traffic bypasses the pooler.",
                _pooled_fix(app),
            )
        )

    (app_user, app_db), (direct_user, direct_db) = _identity(app.ci), _identity(direct.ci)
    differences = []
    if app_db != direct_db:
        differences.append(f"database {app_db or '(default)'} vs {direct_db or '(default)'}")
    if app_user != direct_user:
        differences.append(f"user {app_user or '(default)'} vs {direct_user or '(default)'}")
    if differences:
        out.append(
            finding(
                "urls-different-database",
                f"{app.name} and {direct.name} differ: " + "; ".join(differences) + ".",
            )
        )
    return out
