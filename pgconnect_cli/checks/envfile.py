"""Checks on a .env file: syntax, duplicates, quoting hazards, mode, git, and its PostgreSQL URLs.

Pure: the text, the file's mode and git's answer come in, findings go out. What python-dotenv
reads (without interpolation) is the reference; the hazards are the places where bash `source`,
docker compose or Node's dotenv read another string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pgconnect_cli.checks.pair import PairUrl, check_pair
from pgconnect_cli.checks.pair import prisma_migrations_findings as prisma_migrations_findings  # re-export
from pgconnect_cli.checks.prisma import PrismaAdvice as PrismaAdvice  # re-exported (moved in the redesign)
from pgconnect_cli.checks.prisma import prisma_advice as prisma_advice  # re-exported (moved in the redesign)
from pgconnect_cli.conninfo import MASK, ConnInfo, ParseError, masked_uri, parse
from pgconnect_cli.findings import Finding, Severity, finding
from pgconnect_cli.project import Project
from pgconnect_cli.providers import Classification, classify
from pgconnect_cli.targets import (
    Expected,
    expected_for,
    is_candidate,
    looks_like_postgres_url,
)

if TYPE_CHECKING:  # the .env parser and git's status load with the first file checked: the doctor
    # imports this module for syntax_findings, and usually reads no .env (its --url flags)
    from pgconnect_cli.dotenv_file import EnvDocument, Statement
    from pgconnect_cli.gitignore import GitStatus

_SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# In an unquoted bash word these split the line, start another command or quote: `a=b&c=d` runs
# `a=b` in the background and assigns c.
_SHELL_METACHARACTERS = {
    "&": "&",
    ";": ";",
    "|": "|",
    "<": "<",
    ">": ">",
    "(": "(",
    ")": ")",
    "`": "a backtick",
    '"': 'a "',
    "'": "a '",
    "\\": "a backslash",
}
_DOLLAR_WITHOUT_BRACE = re.compile(r"\$(?!\{)")


def _key_label(s: Statement) -> str:
    return f"line {s.line} ({s.key})"


def _shell_hazard(s: Statement) -> str | None:
    """Why `source .env` reads this binding differently from python-dotenv, if it does."""
    from pgconnect_cli.dotenv_file import Quote

    assert s.key is not None
    if not _SHELL_NAME.fullmatch(s.raw_key):
        return f"{s.raw_key} is not a name bash can assign: `source` runs it as a command"
    if s.value is None:
        return "a key without `=`: `source` runs it as a command"
    if s.before_eq or (s.eq != "=" and s.raw_value):
        return "spaces around `=`: `source` runs the value as a command"
    inner = s.raw_value[1:-1] if s.quote is not Quote.NONE else s.raw_value
    if s.quote is Quote.NONE:
        if any(c.isspace() for c in inner):
            return "an unquoted space: `source` runs the rest of the line as a command"
        for c, name in _SHELL_METACHARACTERS.items():
            if c in inner:
                return f"{name} in an unquoted value: bash reads it as shell syntax"
        if _DOLLAR_WITHOUT_BRACE.search(inner):
            return "a $ in an unquoted value: bash and docker compose expand it"
    elif s.quote is Quote.DOUBLE:
        if "`" in inner:
            return "a backtick inside double quotes: bash runs it as a command"
        if _DOLLAR_WITHOUT_BRACE.search(inner):
            return "a $ inside double quotes: bash and docker compose expand it"
        if "\\" in inner:
            return "a backslash inside double quotes: each dialect decodes escapes differently"
    elif "\\" in inner:
        return "a backslash inside single quotes: python-dotenv decodes \\\\ and \\' and bash does not"
    return None


def syntax_findings(doc: EnvDocument, label: str | None = None) -> list[Finding]:
    """`env-syntax` for each line python-dotenv skips; `label` (the file) starts each detail."""
    where = f"{label} line" if label else "line"
    return [
        finding(
            "env-syntax",
            f"{where} {s.line}: python-dotenv cannot parse it and skips it "
            "(and everything up to the end of that line).",
            line=s.line,
        )
        for s in doc.errors
    ]


def lint_text(text: str) -> list[Finding]:
    """Findings on the text alone: syntax, duplicates, shell hazards, interpolation, line endings."""
    from pgconnect_cli.dotenv_file import parse_document

    doc = parse_document(text)
    out: list[Finding] = syntax_findings(doc)
    lines: dict[str, list[int]] = {}
    for s in doc.bindings:
        assert s.key is not None
        lines.setdefault(s.key, []).append(s.line)
    for key, where in lines.items():
        if len(where) > 1:
            out.append(
                finding(
                    "env-duplicate-key",
                    f"{key} is set on lines {', '.join(map(str, where))}; python-dotenv, Node's dotenv, "
                    f"`node --env-file` and bash `source` all keep the last, line {where[-1]}.",
                    f"Delete {key} on line{'s' if len(where) > 2 else ''} "
                    f"{', '.join(map(str, where[:-1]))} and keep line {where[-1]}.",
                    line=where[0],
                )
            )
    if doc.bom:
        out.append(
            finding(
                "env-shell-unsafe",
                "line 1: the file starts with a UTF-8 byte-order mark; bash reads it as part of the first "
                "key and runs that line as a command.",
                "Save the file as UTF-8 without a byte-order mark.",
                line=1,
            )
        )
    for s in doc.bindings:
        hazard = _shell_hazard(s)
        if hazard:
            out.append(finding("env-shell-unsafe", f"{_key_label(s)}: {hazard}.", line=s.line))
        if s.value and "${" in s.value:
            out.append(
                finding(
                    "env-interpolation",
                    f"{_key_label(s)}: the value holds ${{…}}; python-dotenv and docker compose substitute "
                    "another variable there, Node's dotenv keeps it literally.",
                    line=s.line,
                )
            )
    crlf = [i for i, line in enumerate(text.splitlines(keepends=True), 1) if line.endswith("\r\n")]
    if crlf:
        out.append(
            finding(
                "env-crlf",
                f"{len(crlf)} line{'s' if len(crlf) > 1 else ''} end{'' if len(crlf) > 1 else 's'} with "
                f"CRLF (first: line {crlf[0]}); `source .env` keeps the \\r in each value.",
                line=crlf[0],
            )
        )
    return out


def lint_mode(mode: int | None, label: str = ".env") -> list[Finding]:
    if mode is None or not mode & 0o077:
        return []
    who = " and ".join(w for w, bits in (("its group", 0o070), ("every user", 0o007)) if mode & bits)
    return [
        finding(
            "env-file-mode",
            f"{label} has mode {mode:04o}: {who} on this machine can access it.",
            f"chmod 600 {label}",
        )
    ]


def lint_git(status: GitStatus, label: str = ".env") -> list[Finding]:
    from pgconnect_cli.gitignore import GitStatus

    if status is GitStatus.NOT_IGNORED:
        return [
            finding(
                "env-not-ignored",
                f"{label} is inside a git repository and no .gitignore rule covers it.",
                f"Add {label} to .gitignore (`pgc env init` does it).",
            )
        ]
    if status is GitStatus.TRACKED:
        return [
            finding(
                "env-not-ignored",
                f"{label} is committed to git: its values are in the repository's history.",
                f"git rm --cached {label}; add it to .gitignore; change the passwords it held.",
            )
        ]
    return []


# --- the PostgreSQL URLs in the file ------------------------------------------------------------

# Lints one URL string: (parsed or None, classification or None, findings). `checks.url` provides it.
UrlLinter = Callable[[str], tuple[ConnInfo | None, Classification | None, Sequence[Finding]]]


@dataclass(frozen=True)
class UrlReport:
    name: str
    line: int
    url: str  # masked
    ci: ConnInfo | None
    classification: Classification | None
    findings: tuple[Finding, ...]
    expected: Expected | None
    shadowed_by: int | None = None  # a later line sets the same key: loaders keep that one

    def to_dict(self) -> dict[str, object]:
        c = self.classification
        out: dict[str, object] = {
            "name": self.name,
            "line": self.line,
            "url": self.url,
            "expected": self.expected.value if self.expected else None,
            "provider": c.provider.value if c else None,
            "endpoint": c.endpoint.value if c else None,
            "pool_mode": c.pool_mode.value if c and c.pool_mode else None,
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.shadowed_by is not None:
            out["shadowed_by"] = self.shadowed_by
        return out


@dataclass(frozen=True)
class EnvReport:
    keys: int
    file_findings: tuple[Finding, ...]
    urls: tuple[UrlReport, ...]
    pair_findings: tuple[Finding, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding: the file's, each URL's, the pair's."""
        return self.file_findings + tuple(f for u in self.urls for f in u.findings) + self.pair_findings


def postgres_bindings(doc: EnvDocument) -> list[tuple[Statement, int | None]]:
    """Every binding that holds a PostgreSQL URL, with the line of the later binding of the same key
    that loaders keep instead (None for the one they keep): deleting a duplicate line can leave an
    earlier value in force, so each is checked."""
    out = []
    for s in doc.bindings:
        if s.key is None or not s.value:
            continue
        if is_candidate(s.key, s.value) or looks_like_postgres_url(s.value):
            kept = doc.last(s.key)
            out.append((s, kept.line if kept is not None and kept is not s else None))
    return out


def _shadowed(f: Finding, line: int, kept: int | None) -> Finding:
    """A finding on the URL of `line`; on a value loaders ignore today (a later line wins) an error
    is a warning: nothing reads it now, but deleting the later line brings it back."""
    if kept is None:
        return replace(f, line=line)
    severity = Severity.WARNING if f.severity is Severity.ERROR else f.severity
    detail = f"line {line}, ignored while line {kept} sets it: {f.detail}"
    return replace(f, line=line, detail=detail, severity=severity)


def _masked(value: str) -> str:
    try:
        return masked_uri(parse(value))
    except ParseError:
        return MASK


def check_env(
    text: str,
    lint_url: UrlLinter,
    *,
    mode: int | None = None,
    git: GitStatus | None = None,  # None: not in a git repository
    project: Project | None = None,
    label: str = ".env",
    prisma: PrismaAdvice | None = None,
) -> EnvReport:
    from pgconnect_cli.checks.env_reference import expanded_values, reference_findings
    from pgconnect_cli.dotenv_file import parse_document
    from pgconnect_cli.gitignore import GitStatus

    doc = parse_document(text)
    status = GitStatus.NO_REPO if git is None else git
    file_findings = lint_text(text) + lint_mode(mode, label) + lint_git(status, label)
    urls: list[UrlReport] = []
    for s, kept in postgres_bindings(doc):
        assert s.key is not None and s.value is not None
        target_expected = expected_for(s.key, doc.values())
        value, extra = s.value, []
        if "${" in s.value:  # the value the project's .env loader gives the app
            extra = reference_findings(s, project)
            if any(f.severity is Severity.ERROR for f in extra):
                urls.append(
                    UrlReport(
                        s.key, s.line, _masked(s.value), None, None, tuple(extra), target_expected, kept
                    )
                )
                continue
            value = expanded_values(doc)[s.line]
        ci, classification, found = lint_url(value.strip())
        if ci is not None and classification is None:
            classification = classify(ci)
        urls.append(
            UrlReport(
                s.key,
                s.line,
                masked_uri(ci) if ci is not None else _masked(s.value),
                ci,
                classification,
                tuple(extra) + tuple(_shadowed(f, s.line, kept) for f in found),
                target_expected,
                kept,
            )
        )
    pair = [
        PairUrl(
            u.name,
            u.ci,
            u.classification.endpoint,
            u.classification.pool_mode,
            u.expected,
            reason=u.classification.reason,
        )
        for u in urls
        if u.ci is not None and u.classification is not None and u.shadowed_by is None
    ]
    pair_findings = check_pair(pair, project) + prisma_migrations_findings(prisma, pair)
    return EnvReport(len(doc.values()), tuple(file_findings), tuple(urls), tuple(pair_findings))
