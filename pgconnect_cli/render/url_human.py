"""`pgc url check` for people: the URL (masked), its parts, the provider, findings with fixes."""

from __future__ import annotations

from collections.abc import Sequence

from pgconnect_cli.checks.url import UrlCheck
from pgconnect_cli.conninfo.build import MASK
from pgconnect_cli.conninfo.model import CORE_KEYWORDS, SECRET_KEYWORDS, ConnInfo, Form, is_secret_keyword
from pgconnect_cli.conninfo.redact import mask_text, printable
from pgconnect_cli.findings import Finding
from pgconnect_cli.providers import Classification, Endpoint
from pgconnect_cli.render import findings as printer
from pgconnect_cli.render.console import Lines, Text, stdout, symbols


def _hosts(ci: ConnInfo) -> str:
    shown = []
    for hp in ci.hosts:
        host = hp.host or "(default socket directory)"
        if ":" in host and not host.startswith("/"):
            host = f"[{host}]"
        shown.append(mask_text(f"{host}:{hp.port or 5432}"))
    return ", ".join(shown)


def _provider(c: Classification) -> str:
    where = c.endpoint.value
    if c.endpoint is Endpoint.POOLED and c.pool_mode is not None:
        where += f" ({c.pool_mode.value} mode)" if c.pool_mode.value != "unknown" else " (mode unknown)"
    guess = ", by name" if c.suspected and c.endpoint is not Endpoint.UNKNOWN else ""
    return f"{c.facts.display}: {where}{guess} — {c.reason}"


def _password(ci: ConnInfo) -> str:
    if ci.password:
        return f"{MASK} (set)"
    aliases = [k for k, _ in ci.options if is_secret_keyword(k) and k not in SECRET_KEYWORDS]
    if aliases:
        return f"(none for libpq: the password is in {aliases[0]}=, a name libpq does not read)"
    return "(none: .pgpass or PGPASSWORD)"


def postgres_scheme(ci: ConnInfo) -> bool:
    """libpq's schemes and key=value, SQLAlchemy's postgresql+driver://, Prisma's prisma+postgres://."""
    scheme = ci.scheme.lower()
    return (
        ci.is_libpq_scheme or scheme.startswith(("postgresql+", "postgres+")) or scheme == "prisma+postgres"
    )


def parts(ci: ConnInfo, classification: Classification | None) -> list[tuple[str, str]]:
    """(label, value) rows: the URL's parts with secrets masked, then the provider."""
    rows: list[tuple[str, str]] = []
    if not postgres_scheme(ci):
        # mysql://, https://: libpq's defaults (port 5432, the operating-system user) say nothing
        # about such a URL, so no part is guessed
        return [("scheme", f"{ci.scheme}: not PostgreSQL (no parts guessed)")]
    if ci.scheme == "prisma+postgres":
        return _prisma_http_parts(ci, classification)
    if ci.form is Form.URI:
        rows.append(("scheme", ci.scheme))
    else:
        rows.append(("form", "key=value"))
    rows.append(("user", mask_text(ci.user) if ci.user else "(none: libpq uses the operating-system user)"))
    rows.append(("password", _password(ci)))
    rows.append(("host" if len(ci.hosts) == 1 else "hosts", _hosts(ci)))
    rows.append(("database", mask_text(ci.dbname) if ci.dbname else "(default: the user name)"))
    return _with_options(rows, ci, classification)


def _prisma_http_parts(ci: ConnInfo, classification: Classification | None) -> list[tuple[str, str]]:
    """Accelerate / `prisma dev` URLs go over HTTP with an API key: libpq's defaults (the
    operating-system user, port 5432, the user's database) say nothing about them."""
    port = ci.hosts[0].port if ci.hosts else ""
    rows = [
        ("scheme", f"{ci.scheme} (HTTP, Prisma Client only)"),
        ("host", mask_text(ci.host + (f":{port}" if port else ""))),
    ]
    return _with_options(rows, ci, classification)


def _with_options(
    rows: list[tuple[str, str]], ci: ConnInfo, classification: Classification | None
) -> list[tuple[str, str]]:
    """`rows`, then every parameter but the core ones (secrets masked), then the provider."""
    for key, value in ci.options:
        if key not in CORE_KEYWORDS:
            rows.append((key, MASK if is_secret_keyword(key) else mask_text(value)))
    if classification is not None:
        rows.append(("provider", _provider(classification)))
    return [(printable(label), printable(value)) for label, value in rows]


def print_parts(rows: list[tuple[str, str]], console: Lines) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        line = Text(label.ljust(width), style="dim")
        line.append("  " + value, style="")
        console.print(line)


def print_findings(findings: Sequence[Finding], console: Lines, *, indent: int = 0) -> None:
    """Kept for callers of the first tranche: the shared printer, errors first."""
    printer.print_findings(console, findings, indent=indent, ordered=True)


def render(
    check: UrlCheck, console: Lines | None = None, *, verbose: bool = False, quiet: bool = False
) -> None:
    """The URL, its parts, the findings, the tally; `quiet`: only the problems and the tally."""
    out = console or stdout()
    context = f"(checked for: {check.context.value})"
    shown = [f for f in check.findings if printer.problem(f)] if quiet else list(check.findings)
    if not quiet:
        out.print(Text(check.url, style="bold"))
        if check.conninfo is not None:
            print_parts(parts(check.conninfo, check.classification), out)
        out.print()
    if any(not f.ignored for f in shown):
        printer.print_findings(out, shown, ordered=True)
        out.print()
    if printer.clean(check.findings):
        line = Text(symbols()["pass"], style="green")
        line.append(f" no problems found; {printer.tally(check.findings)} {context}")
        out.print(line)
    else:
        out.print(Text(f"{printer.tally(check.findings)} {context}"))
    printer.print_ignored(out, check.findings)
