"""`env init`: resolve DATABASE_URL (pooled) and DIRECT_URL (direct), check them, write `.env` (§7).

Plain Python, callable without typer. Questions go through an `Asker` the caller passes: the CLI
passes one that prompts on the terminal, tests pass a scripted one; `None` means nobody can be
asked (CI, a pipe), so whatever is missing becomes a usage error naming the flag.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from pgconnect_cli import dotenv_file as df
from pgconnect_cli.checks.envfile import PrismaAdvice, UrlLinter, lint_mode, lint_text, prisma_advice
from pgconnect_cli.conninfo import ConnInfo, Form, ParseError, masked_uri, parse, to_uri
from pgconnect_cli.errors import FindingError, PgcError, UsageError
from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.gitignore import IgnoreResult, ensure_ignored
from pgconnect_cli.project import Project, detect, prisma_texts
from pgconnect_cli.providers import (
    PROVIDERS,
    Classification,
    DerivationError,
    Endpoint,
    Provider,
    classify,
    derive_direct,
    derive_pooled,
    is_loopback,
)

POOLED_KEY = "DATABASE_URL"
DIRECT_KEY = "DIRECT_URL"
PROVIDER_CHOICES = ("neon", "supabase", "prisma-postgres", "azure", "generic", "local")


class Asker(Protocol):
    """Whoever answers `env init`'s questions."""

    def ask(self, prompt: str, *, default: str | None = None, secret: bool = False) -> str:
        """One answer; `default` is what an empty answer means (None: no default)."""

    def confirm(self, prompt: str, *, default: bool, preview: str = "") -> bool:
        """Yes or no, after showing `preview` (a masked diff)."""

    def tell(self, message: str) -> None:
        """A remark while asking (why a question comes)."""


@dataclass(frozen=True)
class InitRequest:
    database_url: str | None = None
    direct_url: str | None = None
    provider: str | None = None
    region: str | None = None
    file: Path = Path(".env")
    force: bool = False
    dry_run: bool = False
    yes: bool = False
    follow_symlinks: bool = False


@dataclass(frozen=True)
class ResolvedUrl:
    key: str
    ci: ConnInfo
    how: str  # "given", or how pgc got it: "derived from DATABASE_URL", "from your answers", …


@dataclass(frozen=True)
class InitResult:
    file: Path  # as named
    path: Path  # the file written: the symlink's target when following one
    symlink_to: str | None
    plan: df.EnvPlan = field(repr=False)
    urls: tuple[ResolvedUrl, ResolvedUrl]
    findings: tuple[Finding, ...]
    prisma: PrismaAdvice | None
    dry_run: bool
    diff: str = field(default="", repr=False)  # masked; shown in a dry run
    written: df.WriteResult | None = None
    ignored: tuple[IgnoreResult, ...] = ()
    ignore_error: str | None = None  # why .gitignore could not be updated


class InitRefused(FindingError):
    """The URLs (or the file) have errors: nothing was written; `findings` say why."""

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


def url_linter(project: Project) -> UrlLinter:
    """`pgc url check`'s static checks, in the Prisma context when the project uses Prisma."""
    from pgconnect_cli import known_clients
    from pgconnect_cli.checks.url import Context, check_url

    context = Context.PRISMA if project.uses_prisma else Context.APP
    major = project.prisma_major  # the one answer (project.prisma_version)
    answer = known_clients.detect(project)

    def lint(url: str) -> tuple[ConnInfo | None, Classification | None, Sequence[Finding]]:
        c = check_url(url, context=context, client=project.primary_client, prisma_major=major, answer=answer)
        return c.conninfo, c.classification, c.findings

    return lint


def project_prisma_advice(project: Project) -> PrismaAdvice | None:
    return prisma_advice(project, *prisma_texts(project))


def run_init(request: InitRequest, asker: Asker | None = None) -> InitResult:
    """Resolve, check and (unless a dry run) write the pair; raises PgcError when it cannot."""
    if request.provider is not None and request.provider not in PROVIDER_CHOICES:
        raise UsageError(f"--provider must be one of {', '.join(PROVIDER_CHOICES)}")
    file = request.file
    current = df.read_env_file(file, follow_symlinks=request.follow_symlinks)
    if current.stream:
        raise UsageError(f"{file}: a stream (pipe or device); env init writes a file, give its path")
    project = detect(current.path.parent.resolve())
    syntax = [f for f in lint_text(current.text) if f.id == "env-syntax"]
    if syntax:
        raise InitRefused(
            f"{file} has lines python-dotenv cannot parse; fix them first; nothing was written", syntax
        )

    pooled, direct, known = _resolve_pair(request, project, asker)
    findings = _validate((pooled, direct), project, known)
    try:
        values = {u.key: df.encode_url(u.ci) for u in (pooled, direct)}
    except df.UnsafeValueError as exc:
        raise UsageError(f"cannot write the URL safely: {exc}") from None

    plan = df.plan_update(current.text, values, force=request.force)
    if plan.conflicts:
        keys = " and ".join(plan.conflicts)
        verb = "holds" if len(plan.conflicts) == 1 else "hold"
        raise FindingError(
            f"{keys} already {verb} another value in {file}; nothing was written "
            "(pass --force to replace; with --force the current file is saved as "
            f"{df.backup_path(file).name})"
        )

    findings += lint_mode(current.mode, str(file))
    # the file as named, the symlink's target when following one, and the backup: all secret
    secret_files = [file, *([current.path] if current.symlink_to else []), df.backup_path(current.path)]
    result = InitResult(
        file=file,
        path=current.path,
        symlink_to=current.symlink_to,
        plan=plan,
        urls=(pooled, direct),
        findings=tuple(findings),
        prisma=project_prisma_advice(project),
        dry_run=request.dry_run,
    )
    if request.dry_run:
        diff = df.render_diff(plan, str(file)) if plan.changed else ""
        return replace(
            result, diff=diff, ignored=tuple(_ensure_ignored(secret_files, current.path, dry_run=True))
        )

    if plan.changed and asker is not None and not request.yes:
        if not asker.confirm(f"Write {file}?", default=True, preview=df.render_diff(plan, str(file))):
            raise FindingError("nothing was written")

    ignore_error = None
    try:
        ignored = _ensure_ignored(secret_files, current.path, dry_run=False)
    except (PgcError, OSError) as exc:
        ignore_error = exc.message if isinstance(exc, PgcError) else str(exc)
        ignored = []
    written = df.write_env(current, plan.text) if plan.changed else None
    return replace(result, written=written, ignored=tuple(ignored), ignore_error=ignore_error)


# --- resolving the pair -----------------------------------------------------------------------


def _lint(url: str, key: str, project: Project) -> tuple[ConnInfo | None, list[Finding]]:
    ci, _, found = url_linter(project)(url)
    return ci, [_tag(_encoded_on_write(f, ci), key) for f in found]


def _encoded_on_write(f: Finding, ci: ConnInfo | None) -> Finding:
    """A raw reserved character in the password is what `env init` repairs: it writes the URL
    percent-encoded, as its author meant it; the note shows how it was read (masked)."""
    if f.id != "password-unencoded" or ci is None:
        return f
    what = f.detail.split(":", 1)[0]
    detail = f"{what}; written percent-encoded, read as {masked_uri(ci)}"
    return replace(f, severity=Severity.INFO, detail=detail, fix="Check that host and database are right.")


def _tag(f: Finding, key: str) -> Finding:
    return replace(f, detail=f"{key}: {f.detail}" if f.detail else key)


def _errors(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def _ask_parts(asker: Asker, provider: str | None) -> ConnInfo:
    while provider not in PROVIDER_CHOICES:
        provider = asker.ask(f"Provider ({'/'.join(PROVIDER_CHOICES)})", default="generic").strip()
    host = asker.ask("Host").strip()
    port = asker.ask("Port", default="5432").strip()
    user = asker.ask("User").strip()
    password = asker.ask("Password", default="", secret=True)
    dbname = asker.ask("Database", default="postgres").strip()
    sslmode = PROVIDERS[Provider(provider)].default_sslmode
    if sslmode is None and not is_loopback(host):
        sslmode = "require"
    options = [("user", user), ("password", password), ("host", host), ("port", port), ("dbname", dbname)]
    if sslmode:
        options.append(("sslmode", sslmode))
    return ConnInfo(
        raw="", form=Form.URI, scheme="postgresql", options=tuple((k, v) for k, v in options if v)
    )


def _ask_url(asker: Asker, key: str, same: ConnInfo | None, *, hint: str = "the same URL") -> ConnInfo:
    """A URL typed in; an empty answer means `same` when one is offered, else the question again."""
    prompt = f"{key} (Enter: {hint})" if same is not None else key
    while True:
        value = asker.ask(prompt, default="" if same is not None else None, secret=True).strip()
        if not value and same is not None:
            return same
        if not value:
            continue
        try:
            return parse(value)
        except ParseError as exc:
            asker.tell(f"  not a connection URL: {exc.message}")


def _ask_direct(asker: Asker, pooled: ConnInfo) -> ConnInfo:
    """The direct URL. A pooled URL in DIRECT_URL is the misconfiguration pgc exists to prevent:
    the same URL is offered only when nothing marks it as pooled, and a pooled answer is asked again."""
    same = None if classify(pooled).endpoint is Endpoint.POOLED else pooled
    while True:
        entered = _ask_url(asker, DIRECT_KEY, same, hint="the same URL, if no pooler is in its path")
        if classify(entered).endpoint is not Endpoint.POOLED:
            return entered
        asker.tell(f"  that URL goes through a pooler; {DIRECT_KEY} must reach the server directly")


def _ask_underived(
    asker: Asker | None,
    exc: DerivationError,
    what: str,
    flag: str,
    other_key: str,
    other: ConnInfo,
    ask: Callable[[Asker], ConnInfo],
) -> tuple[str, ConnInfo]:
    """The `what` URL that cannot be derived from `other`: asked for, or a usage error without a terminal."""
    if asker is None:
        raise UsageError(f"missing {flag}: the {what} URL cannot be derived ({exc.reason})") from None
    asker.tell(f"The {what} URL cannot be derived: {exc.reason}.")
    entered = ask(asker)
    return (f"same as {other_key}" if entered is other else "entered", entered)


def _add_pgbouncer_flag(ci: ConnInfo, project: Project) -> ConnInfo:
    """Prisma ≤6 needs pgbouncer=true through a transaction pooler (prepared statements)."""
    if project.uses_prisma and not project.prisma7 and classify(ci).is_transaction_pooler:
        if ci.get("pgbouncer") is None:
            return ci.replace(pgbouncer="true")
    return ci


def _resolve_pair(
    request: InitRequest, project: Project, asker: Asker | None
) -> tuple[ResolvedUrl, ResolvedUrl, list[Finding]]:
    """Both URLs: as given, derived from the other (§5), or asked for."""
    given: dict[str, tuple[str, ConnInfo]] = {}
    findings: list[Finding] = []
    for key, value in ((POOLED_KEY, request.database_url), (DIRECT_KEY, request.direct_url)):
        if value is None:
            continue
        ci, found = _lint(value, key, project)
        findings += found
        if ci is not None:
            given[key] = ("given", ci)
    if _errors(findings):
        raise InitRefused("the URLs have errors; nothing was written", findings)
    if not given:
        if asker is None:
            raise UsageError("missing --database-url (or --direct-url): no terminal to ask on")
        built = _ask_parts(asker, request.provider)
        key = DIRECT_KEY if classify(built).endpoint is Endpoint.DIRECT else POOLED_KEY
        given[key] = ("from your answers", built)
    if POOLED_KEY not in given:
        direct = given[DIRECT_KEY][1]
        try:
            derived = derive_pooled(direct, region=request.region)
            flagged = _add_pgbouncer_flag(derived, project)
            how = f"derived from {DIRECT_KEY}"
            if flagged is not derived:
                how += ", pgbouncer=true added for Prisma"
            given[POOLED_KEY] = (how, flagged)
        except DerivationError as exc:
            given[POOLED_KEY] = _ask_underived(
                asker,
                exc,
                "pooled",
                "--database-url",
                DIRECT_KEY,
                direct,
                lambda a: _ask_url(a, POOLED_KEY, direct),
            )
    if DIRECT_KEY not in given:
        pooled = given[POOLED_KEY][1]
        try:
            given[DIRECT_KEY] = (f"derived from {POOLED_KEY}", derive_direct(pooled))
        except DerivationError as exc:
            given[DIRECT_KEY] = _ask_underived(
                asker, exc, "direct", "--direct-url", POOLED_KEY, pooled, lambda a: _ask_direct(a, pooled)
            )
    pooled_url = ResolvedUrl(POOLED_KEY, given[POOLED_KEY][1], given[POOLED_KEY][0])
    direct_url = ResolvedUrl(DIRECT_KEY, given[DIRECT_KEY][1], given[DIRECT_KEY][0])
    return pooled_url, direct_url, findings


def _validate(urls: Sequence[ResolvedUrl], project: Project, known: list[Finding]) -> list[Finding]:
    """Lint what was not linted yet and check the pair; errors stop the write."""
    from pgconnect_cli.checks.pair import PairUrl, check_pair
    from pgconnect_cli.targets import Expected

    findings = list(known)
    pair = []
    for u in urls:
        if u.how != "given":
            _, found = _lint(to_uri(u.ci), u.key, project)
            findings += found
        c = classify(u.ci)
        expected = Expected.POOLED if u.key == POOLED_KEY else Expected.DIRECT
        pair.append(PairUrl(u.key, u.ci, c.endpoint, c.pool_mode, expected, reason=c.reason))
    findings += check_pair(pair, project)
    if _errors(findings):
        raise InitRefused("the URLs have errors; nothing was written", findings)
    return findings


def _ensure_ignored(paths: Sequence[Path], written: Path, *, dry_run: bool) -> list[IgnoreResult]:
    """Keep every file in `paths` out of git, one .gitignore per directory; in the directory of
    `written` also pgc's temporary files (they hold the password until the rename, or for good
    after a SIGKILL)."""
    by_dir: dict[Path, list[Path]] = {}
    for p in paths:
        siblings = by_dir.setdefault(p.parent, [])
        if p not in siblings:
            siblings.append(p)
    temp = [(df.TEMP_PATTERN, df.temp_path(written, "0" * 12).name)]
    return [
        ensure_ignored(siblings, patterns=temp if d == written.parent else (), dry_run=dry_run)
        for d, siblings in by_dir.items()
    ]
