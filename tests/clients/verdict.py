"""pgc's verdict on a project, end to end: `pgc doctor --json` run inside a copy of a project of
tests/clients/projects/ (the client is detected from its files, or forced with `--client`), in
this process (typer's runner: no interpreter start and imports per run) and once per project and
URL per session (the `verdict` fixture of conftest.py caches).

One adapter, so the client tests read pgc's answer in one place whatever shape it takes
(`client` in the doctor document was a string before issue 10; a mapping after it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECTS = Path(__file__).resolve().parent / "projects"
PREPARED = "prepared-statements-break"


def project(name: str, into: Path) -> Path:
    """A copy of tests/clients/projects/NAME in `into` (the doctor may read but never writes it)."""
    target = into / name
    shutil.copytree(PROJECTS / name, target)
    return target


@dataclass(frozen=True)
class Verdict:
    document: dict[str, Any]
    exit_code: int
    stdout: str

    @property
    def client(self) -> str | None:
        """The client the report names (the row's key)."""
        client = self.document.get("client")
        if isinstance(client, dict):
            return client.get("name") or client.get("id")
        return client

    def findings(self, finding_id: str | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = list(self.document.get("findings", []))
        for target in self.document.get("targets", []):
            out += target.get("findings", [])
        return [f for f in out if finding_id is None or f["id"] == finding_id]

    def severity(self, finding_id: str) -> str | None:
        """The finding's severity, or None when pgc does not report it."""
        found = self.findings(finding_id)
        assert len(found) <= 1, [f["id"] for f in self.findings()]
        return found[0]["severity"] if found else None

    def text(self, finding_id: str) -> str:
        """Title, detail and fix of a finding, as one string (for 'names X' assertions)."""
        found = self.findings(finding_id)
        assert found, (finding_id, [(f["id"], f["severity"]) for f in self.findings()])
        f = found[0]
        return " ".join(str(f.get(k) or "") for k in ("title", "detail", "fix"))

    def errors_naming(self, words: str) -> list[str]:
        """Ids of the error findings whose title, detail or fix contain `words`."""
        return [
            f["id"]
            for f in self.findings()
            if f["severity"] == "error"
            and words in " ".join(str(f.get(k) or "") for k in ("title", "detail", "fix"))
        ]

    def all_text(self) -> str:
        return " ".join(
            " ".join(str(f.get(k) or "") for k in ("title", "detail", "fix")) for f in self.findings()
        )


def pgc(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pgconnect_cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )


def invoke(cwd: Path, *args: str) -> tuple[int, str, str]:
    """`pgc ARGS` in this process with `cwd` as the working directory: (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from pgconnect_cli.cli import app

    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(before)
    return result.exit_code, result.stdout, result.stderr


def doctor(cwd: Path, url: str, *extra: str, name: str = "DATABASE_URL") -> Verdict:
    """`pgc doctor --no-environment --url NAME=URL --json` in `cwd`."""
    code, out, err = invoke(cwd, "doctor", "--no-environment", "--url", f"{name}={url}", "--json", *extra)
    assert code in (0, 1), (code, err[-2000:])
    return Verdict(json.loads(out), code, out)


# --- pgc's verdict from the pure API (the client table and its checks), without a doctor run ---


@dataclass(frozen=True)
class ApiVerdict:
    client: str | None  # the row id that set the severity
    severity: str  # of prepared-statements-break, were the live probe to confirm the break
    fix: str
    reason: str
    url_findings: tuple[
        tuple[str, str, str], ...
    ]  # (id, severity, detail) for the URL as the client reads it

    def url_errors_naming(self, words: str) -> list[str]:
        return [i for i, severity, detail in self.url_findings if severity == "error" and words in detail]


def api_verdict(name: str, url: str, *, pooled: bool = True) -> ApiVerdict:
    """What `known_clients.detect` + `checks.client` say about tests/clients/projects/NAME and `url`."""
    from pgconnect_cli import known_clients, project
    from pgconnect_cli.checks.client import check_url_for_client, prepared_verdict
    from pgconnect_cli.conninfo import parse

    model = project.detect(PROJECTS / name)
    answer = known_clients.detect(model)
    ci = parse(url)
    prepared = prepared_verdict(answer, model, dict(ci.options))
    found = check_url_for_client(ci, answer, pooled=pooled)
    return ApiVerdict(
        client=answer.client.id if answer.client else None,
        severity=prepared.severity.value,
        fix=prepared.fix,
        reason=prepared.reason,
        url_findings=tuple((f.id, f.severity.value, f.detail) for f in found),
    )
