"""`pgc env init` and `pgc env check`: write DATABASE_URL/DIRECT_URL into .env safely, lint a .env."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pgconnect_cli.cli._common import (
    FormatOption,
    JsonOption,
    NoColorOption,
    OutputFormat,
    StrictOption,
    apply_no_color,
    fail,
    pick_format,
    read_stdin_line,
)
from pgconnect_cli.errors import FindingError, PgcError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from pgconnect_cli.checks.envfile import EnvReport, PrismaAdvice, UrlLinter
    from pgconnect_cli.conninfo import ConnInfo
    from pgconnect_cli.dotenv_file import EnvPlan
    from pgconnect_cli.findings import Finding
    from pgconnect_cli.gitignore import IgnoreResult
    from pgconnect_cli.project import Project
    from pgconnect_cli.providers import Classification
    from pgconnect_cli.report import Section

app = typer.Typer(help="Write and check .env files with DATABASE_URL and DIRECT_URL.", no_args_is_help=True)

POOLED_KEY = "DATABASE_URL"
DIRECT_KEY = "DIRECT_URL"
PROVIDER_CHOICES = ("neon", "supabase", "prisma-postgres", "azure", "generic", "local")

FileOption = Annotated[Path, typer.Option("--file", metavar="PATH", help="The .env file.", show_default=True)]


def _interactive() -> bool:
    """Prompts only on a terminal, never in CI or a pipe."""
    return sys.stdin.isatty() and sys.stdout.isatty()


# --- env init ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Url:
    key: str
    ci: ConnInfo
    how: str  # "given", or how pgc got it: "derived from DATABASE_URL", "from your answers", …


def _read_flag(value: str | None, flag: str) -> str | None:
    """The flag's URL; `-` reads one line from stdin (keeps the password out of history and `ps`)."""
    if value != "-":
        return value.strip() if value is not None else None
    return read_stdin_line(f"{flag} -: no URL on stdin")


def _url_linter(project: Project) -> UrlLinter:
    """`pgc url check`'s static checks, in the Prisma context when the project uses Prisma."""
    from pgconnect_cli.checks.url import Context, check_url

    context = Context.PRISMA if project.uses_prisma else Context.APP
    major = project.prisma_major if project.prisma_major is not None else (7 if project.prisma7 else None)

    def lint(url: str) -> tuple[ConnInfo | None, Classification | None, Sequence[Finding]]:
        c = check_url(url, context=context, client=project.primary_client, prisma_major=major)
        return c.conninfo, c.classification, c.findings

    return lint


def _lint(
    url: str, key: str, project: Project
) -> tuple[ConnInfo | None, Classification | None, list[Finding]]:
    ci, classification, found = _url_linter(project)(url)
    return ci, classification, [_tag(_encoded_on_write(f, ci), key) for f in found]


def _encoded_on_write(f: Finding, ci: ConnInfo | None) -> Finding:
    """A raw reserved character in the password is what `env init` repairs: it writes the URL
    percent-encoded, as its author meant it; the note shows how it was read (masked)."""
    from dataclasses import replace

    from pgconnect_cli.conninfo import masked_uri
    from pgconnect_cli.findings import Severity

    if f.id != "password-unencoded" or ci is None:
        return f
    what = f.detail.split(":", 1)[0]
    detail = f"{what}; written percent-encoded, read as {masked_uri(ci)}"
    return replace(f, severity=Severity.INFO, detail=detail, fix="Check that host and database are right.")


def _tag(f: Finding, key: str) -> Finding:
    from dataclasses import replace

    return replace(f, detail=f"{key}: {f.detail}" if f.detail else key)


def _errors(findings: Sequence[Finding]) -> list[Finding]:
    from pgconnect_cli.findings import Severity

    return [f for f in findings if f.severity is Severity.ERROR]


def _refuse(findings: Sequence[Finding], what: str) -> FindingError:
    _print_findings(findings, err=True)
    return FindingError(f"{what}; nothing was written")


def _prompt_parts(provider: str | None) -> ConnInfo:
    from pgconnect_cli.conninfo import ConnInfo, Form
    from pgconnect_cli.providers import PROVIDERS, Provider, is_loopback

    while provider not in PROVIDER_CHOICES:
        provider = typer.prompt(f"Provider ({'/'.join(PROVIDER_CHOICES)})", default="generic")
    host = typer.prompt("Host").strip()
    port = typer.prompt("Port", default="5432").strip()
    user = typer.prompt("User").strip()
    password = typer.prompt("Password", hide_input=True, default="", show_default=False)
    dbname = typer.prompt("Database", default="postgres").strip()
    sslmode = PROVIDERS[Provider(provider)].default_sslmode
    if sslmode is None and not is_loopback(host):
        sslmode = "require"
    options = [("user", user), ("password", password), ("host", host), ("port", port), ("dbname", dbname)]
    if sslmode:
        options.append(("sslmode", sslmode))
    return ConnInfo(
        raw="",
        form=Form.URI,
        scheme="postgresql",
        options=tuple((k, v) for k, v in options if v),
    )


def _prompt_url(key: str, same: ConnInfo | None) -> ConnInfo:
    from pgconnect_cli.conninfo import ParseError, parse

    hint = " (Enter: the same URL)" if same is not None else ""
    while True:
        value = typer.prompt(f"{key}{hint}", hide_input=True, default="", show_default=False).strip()
        if not value and same is not None:
            return same
        try:
            return parse(value)
        except ParseError as exc:
            typer.echo(f"  not a connection URL: {exc.message}", err=True)


def _add_pgbouncer_flag(ci: ConnInfo, project: Project) -> ConnInfo:
    """Prisma ≤6 needs pgbouncer=true through a transaction pooler (prepared statements)."""
    from pgconnect_cli.providers import classify

    if project.uses_prisma and not project.prisma7 and classify(ci).is_transaction_pooler:
        if ci.get("pgbouncer") is None:
            return ci.replace(pgbouncer="true")
    return ci


def _resolve_pair(
    database_url: str | None,
    direct_url: str | None,
    provider: str | None,
    region: str | None,
    project: Project,
    interactive: bool,
) -> tuple[_Url, _Url, list[Finding]]:
    """Both URLs: as given, derived from the other (§5), or asked for on a terminal."""
    from pgconnect_cli.providers import DerivationError, Endpoint, classify, derive_direct, derive_pooled

    given: dict[str, tuple[str, ConnInfo]] = {}
    findings: list[Finding] = []
    for key, value in ((POOLED_KEY, database_url), (DIRECT_KEY, direct_url)):
        if value is None:
            continue
        ci, _, found = _lint(value, key, project)
        findings += found
        if ci is not None:
            given[key] = ("given", ci)
    if _errors(findings):
        raise _refuse(findings, "the URLs have errors")
    if not given:
        if not interactive:
            raise UsageError("missing --database-url (or --direct-url): no terminal to ask on")
        built = _prompt_parts(provider)
        key = DIRECT_KEY if classify(built).endpoint is Endpoint.DIRECT else POOLED_KEY
        given[key] = ("from your answers", built)
    if POOLED_KEY not in given:
        direct = given[DIRECT_KEY][1]
        try:
            derived = derive_pooled(direct, region=region)
            flagged = _add_pgbouncer_flag(derived, project)
            how = f"derived from {DIRECT_KEY}"
            if flagged is not derived:
                how += ", pgbouncer=true added for Prisma"
            given[POOLED_KEY] = (how, flagged)
        except DerivationError as exc:
            if not interactive:
                raise UsageError(
                    f"missing --database-url: the pooled URL cannot be derived ({exc.reason})"
                ) from None
            typer.echo(f"The pooled URL cannot be derived: {exc.reason}.", err=True)
            entered = _prompt_url(POOLED_KEY, direct)
            given[POOLED_KEY] = (f"same as {DIRECT_KEY}" if entered is direct else "entered", entered)
    if DIRECT_KEY not in given:
        pooled = given[POOLED_KEY][1]
        try:
            given[DIRECT_KEY] = (f"derived from {POOLED_KEY}", derive_direct(pooled))
        except DerivationError as exc:
            if not interactive:
                raise UsageError(
                    f"missing --direct-url: the direct URL cannot be derived ({exc.reason})"
                ) from None
            typer.echo(f"The direct URL cannot be derived: {exc.reason}.", err=True)
            entered = _prompt_url(DIRECT_KEY, pooled)
            given[DIRECT_KEY] = (f"same as {POOLED_KEY}" if entered is pooled else "entered", entered)
    pooled_url = _Url(POOLED_KEY, given[POOLED_KEY][1], given[POOLED_KEY][0])
    direct_url_ = _Url(DIRECT_KEY, given[DIRECT_KEY][1], given[DIRECT_KEY][0])
    return pooled_url, direct_url_, findings


def _validate(urls: Sequence[_Url], project: Project, known: list[Finding]) -> list[Finding]:
    """Lint what was not linted yet and check the pair; errors stop the write."""
    from pgconnect_cli.checks.pair import PairUrl, check_pair
    from pgconnect_cli.conninfo import to_uri
    from pgconnect_cli.providers import classify
    from pgconnect_cli.targets import Expected

    findings = list(known)
    pair = []
    for u in urls:
        if u.how != "given":
            _, _, found = _lint(to_uri(u.ci), u.key, project)
            findings += found
        c = classify(u.ci)
        expected = Expected.POOLED if u.key == POOLED_KEY else Expected.DIRECT
        pair.append(PairUrl(u.key, u.ci, c.endpoint, c.pool_mode, expected, reason=c.reason))
    findings += check_pair(pair, project)
    if _errors(findings):
        raise _refuse(findings, "the URLs have errors")
    return findings


def _prisma_advice(project: Project) -> PrismaAdvice | None:
    from pgconnect_cli.checks.envfile import prisma_advice
    from pgconnect_cli.project import prisma_texts

    return prisma_advice(project, *prisma_texts(project))


@app.command()
def init(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", metavar="URL", help="The pooled URL for the app (`-` reads it from stdin)."
        ),
    ] = None,
    direct_url: Annotated[
        str | None,
        typer.Option(
            "--direct-url", metavar="URL", help="The direct URL for migrations (`-` reads it from stdin)."
        ),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            metavar="PROVIDER",
            help=f"Provider preset when asking for parts: {', '.join(PROVIDER_CHOICES)}.",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", metavar="REGION", help="Supabase region, to derive the shared pooler's host."
        ),
    ] = None,
    file: FileOption = Path(".env"),
    force: Annotated[
        bool, typer.Option("--force", help="Replace keys that already hold other values.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the change (masked); write nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="If the file is a symlink, write its target.")
    ] = False,
    no_color: NoColorOption = False,
) -> None:
    """Write DATABASE_URL (pooled) and DIRECT_URL (direct) into .env, keeping everything else."""
    apply_no_color(no_color)
    try:
        _init(database_url, direct_url, provider, region, file, force, dry_run, yes, follow_symlinks)
    except PgcError as err:
        fail(err)


def _init(
    database_url: str | None,
    direct_url: str | None,
    provider: str | None,
    region: str | None,
    file: Path,
    force: bool,
    dry_run: bool,
    yes: bool,
    follow_symlinks: bool,
) -> None:
    from pgconnect_cli import dotenv_file as df
    from pgconnect_cli.checks.envfile import lint_mode, lint_text
    from pgconnect_cli.project import detect

    if provider is not None and provider not in PROVIDER_CHOICES:
        raise UsageError(f"--provider must be one of {', '.join(PROVIDER_CHOICES)}")
    if database_url == "-" and direct_url == "-":
        raise UsageError("only one of --database-url and --direct-url can read stdin (`-`)")
    interactive = _interactive()
    database_url = _read_flag(database_url, "--database-url")
    direct_url = _read_flag(direct_url, "--direct-url")

    current = df.read_env_file(file, follow_symlinks=follow_symlinks)
    project = detect(current.path.parent.resolve())
    syntax = [f for f in lint_text(current.text) if f.id == "env-syntax"]
    if syntax:
        raise _refuse(syntax, f"{file} has lines python-dotenv cannot parse; fix them first")

    pooled, direct, known = _resolve_pair(database_url, direct_url, provider, region, project, interactive)
    findings = _validate((pooled, direct), project, known)
    try:
        values = {u.key: df.encode_url(u.ci) for u in (pooled, direct)}
    except df.UnsafeValueError as exc:
        raise UsageError(f"cannot write the URL safely: {exc}") from None

    plan = df.plan_update(current.text, values, force=force)
    if plan.conflicts:
        keys = " and ".join(plan.conflicts)
        verb = "holds" if len(plan.conflicts) == 1 else "hold"
        raise FindingError(
            f"{keys} already {verb} another value in {file}; nothing was written "
            "(pass --force to replace; with --force the current file is saved as "
            f"{df.backup_path(file).name})"
        )

    out = _stdout()
    # the file as named, the symlink's target when following one, and the backup: all secret
    targets = [file, *([current.path] if current.symlink_to else []), df.backup_path(current.path)]
    findings += lint_mode(current.mode, str(file))
    if dry_run:
        if plan.changed:
            out.print(df.render_diff(plan, str(file)), end="")
        _print_keys(plan, (pooled, direct))
        for ignore in _ensure_ignored(targets, dry_run=True):
            _print_ignore(ignore, dry_run=True)
        _print_findings(findings)
        _print_prisma(project)
        out.print("dry run: nothing was written")
        return

    if plan.changed and interactive and not yes:
        out.print(df.render_diff(plan, str(file)), end="")
        if not typer.confirm(f"Write {file}?", default=True):
            raise FindingError("nothing was written")

    try:
        ignored = _ensure_ignored(targets, dry_run=False)
    except (PgcError, OSError) as exc:
        message = exc.message if isinstance(exc, PgcError) else str(exc)
        _stderr().print(f"warning: .gitignore not updated: {message}")
        ignored = []
    result = df.write_env(current, plan.text) if plan.changed else None
    if result is not None:
        through = f" through the symlink {file}" if current.symlink_to else ""
        shown = current.path if current.symlink_to else file
        out.print(f"{'created' if result.created else 'updated'} {shown}{through} (mode {result.mode:04o})")
    _print_keys(plan, (pooled, direct))
    if result is not None and result.backup is not None:
        out.print(f"previous content kept in {result.backup} (mode 0600)")
    for ignore in ignored:
        _print_ignore(ignore, dry_run=False)
    _print_findings(findings)
    _print_prisma(project)


def _ensure_ignored(paths: Sequence[Path], *, dry_run: bool) -> list[IgnoreResult]:
    """Keep every file in `paths` out of git, one .gitignore per directory."""
    from pgconnect_cli.gitignore import ensure_ignored

    by_dir: dict[Path, list[Path]] = {}
    for p in paths:
        siblings = by_dir.setdefault(p.parent, [])
        if p not in siblings:
            siblings.append(p)
    return [ensure_ignored(siblings, dry_run=dry_run) for siblings in by_dir.values()]


def _print_ignore(ignore: IgnoreResult, *, dry_run: bool) -> None:
    out = _stdout()
    if ignore.added and ignore.gitignore is not None:
        verb = "would add" if dry_run else "added"
        out.print(f"{verb} {', '.join(ignore.added)} to {ignore.gitignore}")
    for name in ignore.tracked:
        out.print(
            f"warning: {name} is committed to git; run `git rm --cached {name}` and change the passwords"
        )


def _print_keys(plan: EnvPlan, urls: tuple[_Url, _Url]) -> None:
    from pgconnect_cli.dotenv_file import masked_value
    from pgconnect_cli.providers import classify

    out = _stdout()
    by_key = {u.key: u for u in urls}
    if not plan.changed:
        out.print("already up to date")
    for c in plan.changes:
        u = by_key[c.key]
        k = classify(u.ci)
        about = [k.endpoint.value if k.endpoint.value != "unknown" else "endpoint unknown"]
        if k.pool_mode is not None and k.pool_mode.value != "unknown":
            about.append(k.pool_mode.value)
        if u.how != "given":
            about.append(u.how)
        shown = f"{masked_value(c.new_value)}  [{', '.join(about)}]"
        out.print(f"  {c.key:<13} {c.action.value:<9} line {c.line:<3} {shown}")
        if c.duplicates:
            lines = ", ".join(map(str, c.duplicates))
            out.print(f"  note: {c.key} is also set on line {lines}; loaders ignore it, delete it")


def _print_prisma(project: Project) -> None:
    advice = _prisma_advice(project)
    if advice is None:
        return
    out = _stdout()
    if advice.ok:
        out.print(f"Prisma {advice.major}: {advice.file} already uses {DIRECT_KEY} for migrations")
    else:
        out.print(f"Prisma {advice.major}: {advice.file} must change (pgc does not edit it):")
        for m in advice.missing:
            out.print(f"  - {m}")
        out.print("  for example:")
        for line in advice.snippet.splitlines():
            out.print(f"    {line}")
    for note in advice.notes:
        out.print(f"  note: {note}")


# --- env check --------------------------------------------------------------------------------


@app.command()
def check(
    file: FileOption = Path(".env"),
    fmt: FormatOption = OutputFormat.human,
    json_flag: JsonOption = False,
    strict: StrictOption = False,
    no_color: NoColorOption = False,
) -> None:
    """Lint a .env: syntax, duplicates, quoting hazards, mode, git-ignore, and its PostgreSQL URLs."""
    apply_no_color(no_color)
    try:
        report = _check(file)
    except PgcError as err:
        fail(err)
    from pgconnect_cli.findings import exit_code_for

    chosen = pick_format(fmt, json_flag)
    code = exit_code_for(report.findings, strict=strict)
    if chosen is OutputFormat.json:
        typer.echo(json.dumps(_envelope(file, report, code == 0), indent=2, ensure_ascii=False))
    elif chosen is OutputFormat.human:
        _print_check(file, report)
    else:
        typer.echo(_render_machine(chosen, file, report), nl=False)
    raise typer.Exit(code)


def _check(file: Path) -> EnvReport:
    import stat

    from pgconnect_cli import dotenv_file as df
    from pgconnect_cli.checks.envfile import check_env
    from pgconnect_cli.gitignore import status
    from pgconnect_cli.project import detect

    try:
        st = os.stat(file)
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file (create it with `pgc env init`)") from None
    except OSError as exc:
        raise UsageError(f"{file}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{file}: not a regular file")
    current = df.read_env_file(file, follow_symlinks=True)
    project = detect(file.parent.resolve())

    mode = stat.S_IMODE(st.st_mode)
    return check_env(
        current.text,
        _url_linter(project),
        mode=mode,
        git=status(file),
        project=project,
        label=str(file),
        prisma=_prisma_advice(project),
    )


def _envelope(file: Path, report: EnvReport, ok: bool) -> dict[str, object]:
    from pgconnect_cli.report import summary

    return {
        "schema": "pgc.env/v1",
        "file": str(file),
        "ok": ok,
        "summary": summary(report.findings),
        "findings": [f.to_dict() for f in report.file_findings + report.pair_findings],
        "urls": [u.to_dict() for u in report.urls],
    }


def _sections(file: Path, report: EnvReport) -> list[Section]:
    from pgconnect_cli.report import Section

    sections = [Section(str(file), None, report.file_findings)]
    sections += [Section(u.name, u.url, u.findings) for u in report.urls]
    if report.pair_findings:
        sections.append(Section("pair", None, report.pair_findings))
    return sections


def _render_machine(fmt: OutputFormat, file: Path, report: EnvReport) -> str:
    sections = _sections(file, report)
    title = f"pgc env check {file}"
    if fmt is OutputFormat.github:
        from pgconnect_cli.render import github

        return github.publish(sections, title)
    if fmt is OutputFormat.junit:
        from pgconnect_cli.render import junit

        return junit.render(sections, title)
    from pgconnect_cli.render import markdown

    return markdown.render(sections, title)


def _print_check(file: Path, report: EnvReport) -> None:
    from pgconnect_cli.render.console import symbols
    from pgconnect_cli.report import summary

    out = _stdout()
    sym = symbols()
    n_urls = len(report.urls)
    out.print(
        f"{file}: {report.keys} key{'s' * (report.keys != 1)}, {n_urls} PostgreSQL URL{'s' * (n_urls != 1)}"
    )
    _print_findings(report.file_findings)
    for u in report.urls:
        c = u.classification
        about = ""
        if c is not None:
            mode = f" ({c.pool_mode.value})" if c.pool_mode and c.pool_mode.value != "unknown" else ""
            about = f"  {c.provider.value}, {c.endpoint.value}{mode}"
        out.print(f"{u.name} (line {u.line})  {u.url}{about}")
        if u.findings:
            _print_findings(u.findings, indent="  ")
    _print_findings(report.pair_findings)
    counts = summary(report.findings)
    if not report.findings:
        out.print(f"{sym['pass']} no problems found")
    else:
        parts = [f"{counts[k]} {k[:-1] if counts[k] == 1 else k}" for k in ("errors", "warnings", "infos")]
        out.print(", ".join(p for p in parts if not p.startswith("0 ")))


# --- output helpers ---------------------------------------------------------------------------


def _stdout() -> Console:
    from pgconnect_cli.render.console import stdout

    return stdout()


def _stderr() -> Console:
    from pgconnect_cli.render.console import stderr

    return stderr()


def _print_findings(findings: Sequence[Finding], *, err: bool = False, indent: str = "") -> None:
    from pgconnect_cli.render.console import symbols

    console = _stderr() if err else _stdout()
    sym = symbols()
    glyph = {"error": sym["fail"], "warning": sym["warn"], "info": sym["info"]}
    for f in findings:
        console.print(f"{indent}{glyph[f.severity.value]} {f.id}: {f.title}")
        if f.detail:
            console.print(f"{indent}    {f.detail}")
        if f.fix:
            console.print(f"{indent}    fix: {f.fix}")
