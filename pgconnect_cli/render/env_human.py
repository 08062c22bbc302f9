"""`pgc env init` and `pgc env check` for people: one line per key, finding and change."""

from __future__ import annotations

from collections.abc import Sequence

from pgconnect_cli.checks.envfile import PrismaAdvice
from pgconnect_cli.dotenv_file import masked_value
from pgconnect_cli.findings import Finding
from pgconnect_cli.gitignore import IgnoreResult
from pgconnect_cli.providers import classify
from pgconnect_cli.render.console import Lines, stderr, stdout, symbols
from pgconnect_cli.report import tally
from pgconnect_cli.usecases.env_check import EnvCheck
from pgconnect_cli.usecases.env_init import DIRECT_KEY, InitResult


def print_findings(
    findings: Sequence[Finding], console: Lines | None = None, *, indent: str = "", file: str = ""
) -> None:
    """One line per finding (with `file:line` when it is about a line), its detail and fix below:
    the shared printer (`render.findings`)."""
    from pgconnect_cli.render.findings import print_findings as shared

    shared(console or stdout(), findings, indent=len(indent), file=file)


def print_refusal(findings: Sequence[Finding]) -> None:
    """Why `env init` wrote nothing, on stderr (the one-line error follows)."""
    print_findings(findings, stderr())


# --- env init ---------------------------------------------------------------------------------


def render_init(result: InitResult) -> None:
    out = stdout()
    if result.dry_run:
        if result.diff:
            out.print(result.diff, end="")
    else:
        if result.ignore_error is not None:
            stderr().print(f"warning: .gitignore not updated: {result.ignore_error}")
        if result.written is not None:
            through = f" through the symlink {result.file}" if result.symlink_to else ""
            shown = result.path if result.symlink_to else result.file
            verb = "created" if result.written.created else "updated"
            out.print(f"{verb} {shown}{through} (mode {result.written.mode:04o})")
    _print_keys(result, out)
    if result.written is not None and result.written.backup is not None:
        out.print(f"previous content kept in {result.written.backup} (mode 0600)")
    for ignore in result.ignored:
        _print_ignore(ignore, out, dry_run=result.dry_run)
    print_findings(result.findings, out)
    print_prisma(result.prisma, out)
    if result.dry_run:
        out.print("dry run: nothing was written")


def _print_keys(result: InitResult, out: Lines) -> None:
    plan = result.plan
    by_key = {u.key: u for u in result.urls}
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


def _print_ignore(ignore: IgnoreResult, out: Lines, *, dry_run: bool) -> None:
    if ignore.added and ignore.gitignore is not None:
        verb = "would add" if dry_run else "added"
        out.print(f"{verb} {', '.join(ignore.added)} to {ignore.gitignore}")
    for name in ignore.tracked:
        out.print(
            f"warning: {name} is committed to git; run `git rm --cached {name}` and change the passwords"
        )


def print_prisma(advice: PrismaAdvice | None, out: Lines) -> None:
    if advice is None:
        return
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


def render(check: EnvCheck, *, verbose: bool = False, quiet: bool = False) -> None:
    """`pgc env check` for people (the human view `render.emit` calls); `quiet`: only the
    problems and the tally."""
    from pgconnect_cli.render.findings import print_ignored, problem

    out = stdout()
    report = check.report
    sym = symbols()
    n_urls = len(report.urls)
    label = str(check.file)
    if quiet:
        print_findings([f for f in report.file_findings if problem(f)], out, file=label)
        for u in report.urls:
            if any(problem(f) for f in u.findings):
                out.print(f"{u.name} (line {u.line})  {u.url}")
                print_findings([f for f in u.findings if problem(f)], out, indent="  ", file=label)
        print_findings([f for f in report.pair_findings if problem(f)], out)
        for e in check.examples:
            if any(problem(f) for f in e.findings):
                out.print(f"{e.file}: committed example")
                print_findings([f for f in e.findings if problem(f)], out, indent="  ", file=str(e.file))
        _tally(check, sym)
        print_ignored(out, check.findings)
        return
    out.print(
        f"{check.file}: {report.keys} key{'s' * (report.keys != 1)}, "
        f"{n_urls} PostgreSQL URL{'s' * (n_urls != 1)}"
    )
    print_findings(report.file_findings, out, file=label)
    for u in report.urls:
        c = u.classification
        about = ""
        if c is not None:
            mode = f" ({c.pool_mode.value})" if c.pool_mode and c.pool_mode.value != "unknown" else ""
            about = f"  {c.provider.value}, {c.endpoint.value}{mode}"
        ignored = f", ignored: line {u.shadowed_by} wins" if u.shadowed_by is not None else ""
        out.print(f"{u.name} (line {u.line}{ignored})  {u.url}{about}")
        if u.findings:
            print_findings(u.findings, out, indent="  ", file=label)
    print_findings(report.pair_findings, out)
    for e in check.examples:
        out.print(f"{e.file}: committed example")
        print_findings(e.findings, out, indent="  ", file=str(e.file))
    _tally(check, sym)
    print_ignored(out, check.findings)


def _tally(check: EnvCheck, sym: dict[str, str]) -> None:
    from pgconnect_cli.render.findings import clean

    counts = tally(check.findings)
    stdout().print(f"{sym['pass']} no problems found; {counts}" if clean(check.findings) else counts)
