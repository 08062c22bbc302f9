"""`env check`: read a `.env`, the project around it and git's view of it; lint it all (pure checks)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pgconnect_cli import dotenv_file as df
from pgconnect_cli.checks.envfile import EnvReport, check_env
from pgconnect_cli.errors import UsageError
from pgconnect_cli.gitignore import status
from pgconnect_cli.project import detect
from pgconnect_cli.report import Section
from pgconnect_cli.usecases.env_init import project_prisma_advice, url_linter


@dataclass(frozen=True)
class EnvCheck:
    file: Path
    report: EnvReport

    @property
    def title(self) -> str:
        return f"pgc env check {self.file}"

    def sections(self) -> list[Section]:
        """The file's findings, each URL's, then the pair's: the shape the generic renderers read."""
        report = self.report
        sections = [Section(str(self.file), None, report.file_findings)]
        sections += [Section(u.name, u.url, u.findings) for u in report.urls]
        if report.pair_findings:
            sections.append(Section("pair", None, report.pair_findings))
        return sections


def run_check(file: Path) -> EnvCheck:
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
    report = check_env(
        current.text,
        url_linter(project),
        mode=stat.S_IMODE(st.st_mode),
        git=status(file),
        project=project,
        label=str(file),
        prisma=project_prisma_advice(project),
    )
    return EnvCheck(file, report)
