"""`env check`: read a `.env`, the project around it and git's view of it; lint it all (pure checks).

Beside the file, the committed examples (`.env.example`, `.env.sample`) are read too: a real
password in one is published with the code.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pgconnect_cli import dotenv_file as df
from pgconnect_cli.checks.env_example import EXAMPLE_NAMES, example_findings
from pgconnect_cli.checks.envfile import EnvReport, check_env
from pgconnect_cli.errors import UsageError
from pgconnect_cli.findings import Finding, exit_code_for
from pgconnect_cli.gitignore import GitStatus, status
from pgconnect_cli.project import detect
from pgconnect_cli.report import Section
from pgconnect_cli.usecases.env_init import project_prisma_advice, url_linter


@dataclass(frozen=True)
class ExampleFile:
    file: Path
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class EnvCheck:
    file: Path
    report: EnvReport
    examples: tuple[ExampleFile, ...] = field(default=())
    strict: bool = False  # warnings fail the check too (`--strict`)

    @property
    def exit_code(self) -> int:
        """0 fine (warnings allowed unless strict), 1 an error finding."""
        return exit_code_for(self.findings, strict=self.strict)

    @property
    def title(self) -> str:
        return f"pgc env check {self.file}"

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding: the file's, its URLs', the pair's, then the examples'."""
        return self.report.findings + tuple(f for e in self.examples for f in e.findings)

    def sections(self) -> list[Section]:
        """The file's findings, each URL's, the pair's, each example's: what the generic renderers read."""
        report = self.report
        path = str(self.file)  # annotations point at the line of the file a finding is about
        sections = [Section(path, None, report.file_findings, file=path)]
        sections += [Section(u.name, u.url, u.findings, file=path, line=u.line) for u in report.urls]
        if report.pair_findings:
            sections.append(Section("pair", None, report.pair_findings))
        sections += [Section(str(e.file), None, e.findings, file=str(e.file)) for e in self.examples]
        return sections


def run_check(file: Path, *, strict: bool = False) -> EnvCheck:
    try:
        st = os.stat(file)
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file (create it with `pgc env init`)") from None
    except OSError as exc:
        raise UsageError(f"{file}: cannot read ({exc.strerror})") from None
    stream = df.is_stream(file)
    if not stream and not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{file}: not a regular file")
    current = df.read_env_file(file, follow_symlinks=True)
    # a stream (`--file /dev/stdin`) belongs to the project it is checked in
    directory = Path(".") if stream else file.parent
    project = detect(directory.resolve())
    lint = url_linter(project)
    report = check_env(
        current.text,
        lint,
        mode=None if stream else stat.S_IMODE(st.st_mode),
        git=GitStatus.NO_REPO if stream else status(file),
        project=project,
        label=str(file),
        prisma=project_prisma_advice(project),
    )
    examples = []
    for name in EXAMPLE_NAMES:
        path = directory / name
        if path == file or not path.is_file():
            continue
        try:
            example = df.read_env_file(path, follow_symlinks=True)
        except UsageError:
            continue  # an unreadable example is not the file asked about
        doc = df.parse_document(example.text)
        examples.append(ExampleFile(path, tuple(example_findings(str(path), doc, lint))))
    return EnvCheck(file, report, tuple(examples), strict)
