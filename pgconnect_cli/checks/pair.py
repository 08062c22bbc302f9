"""Checks on the pair: the app's pooled URL and the direct URL for migrations.

Pure. The endpoint of each URL is what is known about it: from its name (providers.classify) or,
in the doctor, from the live pooler fingerprint — the same ids either way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pgconnect_cli.checks.prisma import PrismaAdvice, project_advice
from pgconnect_cli.conninfo.build import masked_uri
from pgconnect_cli.conninfo.model import ConnInfo
from pgconnect_cli.findings import Finding, Severity, finding
from pgconnect_cli.project import Project
from pgconnect_cli.providers import (
    DerivationError,
    Endpoint,
    PoolMode,
    Provider,
    classify,
    derive_direct,
    derive_pooled,
)
from pgconnect_cli.targets import DIRECT_NAMES, POOLED_NAMES, Expected


@dataclass(frozen=True)
class PairUrl:
    name: str
    ci: ConnInfo
    endpoint: Endpoint
    pool_mode: PoolMode | None
    expected: Expected | None
    observed: bool = False  # True when the endpoint was confirmed live, not just by name
    reason: str = ""  # the classification's reason: which signal in the URL decided the endpoint


def _first(urls: Sequence[PairUrl], names: Sequence[str]) -> PairUrl | None:
    by_name = {u.name: u for u in urls}
    return next((by_name[n] for n in names if n in by_name), None)


def how_known(u: PairUrl) -> str:
    """How the endpoint of `u` is known, for a finding's detail: live, or which signal of the URL."""
    if u.observed:
        return "confirmed live"
    if not u.reason:
        return "by its host and port"
    return f"by name: {u.reason}"


# A DerivationError's hint names flags of `pgc url direct`/`pgc url pooled`; the fixes put them on
# that command, with the hint's example value or a placeholder.
_HINT_FLAG = re.compile(
    r"(--(?:direct|pooler)-(?:host|port)|--region)(?:\s+(?!with\b|and\b|of\b)([^\s,;)]+))?"
)
_METAVAR = {"host": "HOST", "port": "PORT", "region": "REGION"}


def _command(verb: str, u: PairUrl, hint: str = "") -> str:
    """`pgc url direct "$NAME" --direct-host HOST …`: the command that prints the counterpart."""
    words = [f'pgc url {verb} "${u.name}"']
    for m in _HINT_FLAG.finditer(hint):
        flag = m.group(1)
        words.append(f"{flag} {m.group(2) or _METAVAR[flag.rsplit('-', 1)[-1]]}")
    return " ".join(words)


def _missing_direct_fix(app: PairUrl) -> str:
    """Add DIRECT_URL (never: change the pooled app URL)."""
    # `pgc env init` writes DATABASE_URL and DIRECT_URL; for another app variable it would add one
    write = '`pgc env init --database-url "$DATABASE_URL"' if app.name == "DATABASE_URL" else ""
    try:
        derived = derive_direct(app.ci)
    except DerivationError as exc:
        command = _command("direct", app, exc.hint)
        then = f", then {write} --direct-url URL` writes it to .env" if write else ""
        return f"Add DIRECT_URL with the PostgreSQL server behind the pooler: `{command}` prints it{then}."
    then = f"; {write}` writes it to .env" if write else ""
    return f"Add DIRECT_URL={masked_uri(derived)}  (`{_command('direct', app)}` prints it{then})."


def _direct_fix(u: PairUrl) -> str:
    """Point the direct variable `u` (found pooled) at the server itself."""
    try:
        derived = derive_direct(u.ci)
    except DerivationError as exc:
        command = _command("direct", u, exc.hint)
        return (
            f"Point {u.name} at the PostgreSQL server behind the pooler: `{command}` prints that URL; put "
            f"it in {u.name} (`pgc env init --direct-url URL --force` replaces it in .env)."
        )
    if derived is u.ci:
        return (
            f"Point {u.name} at the PostgreSQL server itself: the host and port in {u.name} reach a pooler."
        )
    return (
        f"Set {u.name} to the direct endpoint: {masked_uri(derived)}  (`{_command('direct', u)}` prints it)."
    )


def _pooled_fix(u: PairUrl) -> str:
    """Point the app variable `u` (found direct) at the pooler."""
    try:
        derived = derive_pooled(u.ci)
    except DerivationError as exc:
        return (
            f"Point {u.name} at a pooler in front of the server: `{_command('pooled', u, exc.hint)}` prints "
            f"that URL from your pooler's host and port; put it in {u.name}."
        )
    if derived is u.ci:
        return (
            f"Point {u.name} at the pooled endpoint: the host and port in {u.name} reach the server itself."
        )
    return (
        f"Set {u.name} to the pooled endpoint: {masked_uri(derived)}  (`{_command('pooled', u)}` prints it)."
    )


def login_identity(ci: ConnInfo) -> tuple[str, str]:
    """(user, database) as the server sees them; Supavisor's user.<ref> is the same role."""
    user = ci.user or ""
    host = ci.host.lower()
    if host.endswith(".pooler.supabase.com") and "." in user:
        user = user.rsplit(".", 1)[0]
    return user, ci.dbname or user


def _migration_config_needs_direct(project: Project | None) -> str | None:
    """Which project file makes migrations read a direct variable (DIRECT_URL), if any."""
    advice = project_advice(project)
    return advice.file if advice is not None and advice.migrations_env in DIRECT_NAMES else None


def _direct_is_pooled(direct: PairUrl) -> Finding:
    mode = direct.pool_mode or PoolMode.UNKNOWN
    severity = {
        PoolMode.TRANSACTION: Severity.ERROR,
        PoolMode.STATEMENT: Severity.ERROR,
        PoolMode.SESSION: Severity.INFO,
        PoolMode.UNKNOWN: Severity.WARNING,
    }[mode]
    detail = f"{direct.name} goes through a {mode.value}-mode pooler ({how_known(direct)})."
    if mode is PoolMode.SESSION:
        detail += " Migrations and pg_dump tolerate a session pooler."
    return finding("direct-url-is-pooled", detail, _direct_fix(direct), severity=severity)


def _hosts(ci: ConnInfo) -> str:
    return ",".join(hp.host.lower().rstrip(".") for hp in ci.hosts)


def _other_instance(app: PairUrl, direct: PairUrl) -> str | None:
    """How the pair points at two instances of one provider, where §5 makes one derivable from the
    other: another Neon endpoint, another Supabase project, another Azure server."""
    a, d = classify(app.ci), classify(direct.ci)
    if a.provider is not d.provider or a.provider not in (Provider.NEON, Provider.SUPABASE, Provider.AZURE):
        return None
    if a.provider is Provider.SUPABASE:
        if a.supabase_ref and d.supabase_ref and a.supabase_ref != d.supabase_ref:
            return f"Supabase project {a.supabase_ref} vs {d.supabase_ref}"
        return None
    if d.endpoint is not Endpoint.DIRECT:
        return None
    try:
        expected = derive_direct(app.ci)
    except DerivationError:
        return None
    if _hosts(expected) == _hosts(direct.ci):
        return None
    return f"instance {_hosts(expected)} (the direct endpoint of {app.name}) vs {_hosts(direct.ci)}"


def check_pair(urls: Sequence[PairUrl], project: Project | None = None) -> list[Finding]:
    app = _first(urls, POOLED_NAMES)
    direct = _first(urls, DIRECT_NAMES)
    out: list[Finding] = []
    if app is None:
        return [_direct_is_pooled(direct)] if direct and direct.endpoint is Endpoint.POOLED else []
    if direct is None:
        if app.endpoint is Endpoint.POOLED:
            needed_by = _migration_config_needs_direct(project)
            detail = f"{app.name} is a pooled endpoint ({how_known(app)}) and no direct URL is set."
            if needed_by:
                detail += f" {needed_by} reads DIRECT_URL."
            out.append(
                finding(
                    "direct-url-missing",
                    detail,
                    _missing_direct_fix(app),
                    severity=Severity.ERROR if needed_by else Severity.WARNING,
                )
            )
        return out

    if app.endpoint is Endpoint.DIRECT and direct.endpoint is Endpoint.POOLED:
        out.append(
            finding(
                "urls-swapped",
                f"{app.name} is a direct endpoint and {direct.name} is pooled ({how_known(direct)}).",
                f"Swap them: {app.name}={masked_uri(direct.ci)} and {direct.name}={masked_uri(app.ci)}",
            )
        )
        return out

    if direct.endpoint is Endpoint.POOLED:
        out.append(_direct_is_pooled(direct))

    if app.endpoint is Endpoint.DIRECT and direct.endpoint is Endpoint.DIRECT:
        out.append(
            finding(
                "database-url-is-direct",
                f"{app.name} is a direct endpoint ({how_known(app)}); app traffic bypasses the pooler.",
                _pooled_fix(app),
            )
        )

    (app_user, app_db), (direct_user, direct_db) = login_identity(app.ci), login_identity(direct.ci)
    differences = []
    instance = _other_instance(app, direct)
    if instance:
        differences.append(instance)
    if app_db != direct_db:
        differences.append(f"database {app_db or '(default)'} vs {direct_db or '(default)'}")
    if app_user != direct_user:
        differences.append(f"user {app_user or '(default)'} vs {direct_user or '(default)'}")
    if differences:
        out.append(
            finding(
                "urls-different-database",
                f"{app.name} and {direct.name} differ: " + "; ".join(differences) + ".",
                (
                    f'Use one instance for both: `pgc url direct "${app.name}"` prints the direct URL of '
                    f"{app.name}'s instance."
                )
                if instance
                else None,
            )
        )
    return out


def prisma_migrations_findings(advice: PrismaAdvice | None, urls: Sequence[PairUrl]) -> list[Finding]:
    """`prisma-migrations-pooled`: the config makes `prisma migrate` read a pooled URL.

    A direct variable that is pooled is `direct-url-is-pooled`'s case, and a missing one
    `direct-url-missing`'s; this is the config that never reads the direct URL at all.
    """
    if advice is None or advice.migrations_env is None or advice.migrations_env in DIRECT_NAMES:
        return []
    by_name = {u.name: u for u in urls}
    used = by_name.get(advice.migrations_env)
    if used is None:
        return []
    direct = next((by_name[n] for n in DIRECT_NAMES if n in by_name), None)
    unused = f" {direct.name} is set, but nothing in the config reads it." if direct else ""
    why = (
        f"datasource.url in {advice.file} reads {used.name}"
        if advice.major == "7"
        else f"the datasource block in {advice.file} has no directUrl, so Prisma uses url ({used.name})"
    )
    if used.endpoint is Endpoint.POOLED:
        mode = used.pool_mode or PoolMode.UNKNOWN
        severity = Severity.INFO if mode is PoolMode.SESSION else Severity.ERROR
        what = f"a {mode.value}-mode pooler" if mode is not PoolMode.UNKNOWN else "a pooler"
        detail = (
            f"`prisma migrate` and introspection connect with {used.name}: {why}. {used.name} goes through "
            f"{what} ({how_known(used)}).{unused}"
        )
    elif used.endpoint is Endpoint.UNKNOWN and direct is not None:
        severity = Severity.WARNING
        detail = (
            f"`prisma migrate` and introspection connect with {used.name}, not {direct.name}: {why}. Its "
            f"host does not say whether it is pooled.{unused}"
        )
    else:
        return []
    then = "" if direct else "; then set DIRECT_URL to the direct URL (`pgc env init` writes it)"
    fix = f"Make migrations read DIRECT_URL: {advice.change}{then}."
    return [finding("prisma-migrations-pooled", detail, fix, severity=severity)]
