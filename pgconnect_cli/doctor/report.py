"""The doctor's result: DoctorReport and its parts. A model only; `settle` builds it, renderers read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pgconnect_cli.doctor.observations import HostAttempt, Observations
from pgconnect_cli.doctor.options import DEFAULT_TIMEOUT
from pgconnect_cli.findings import Finding, exit_code_for
from pgconnect_cli.known_clients import ClientAnswer
from pgconnect_cli.project import Client
from pgconnect_cli.report import CheckResult, summary
from pgconnect_cli.targets import Expected, Source

SCHEMA = "pgc.doctor/v1"


@dataclass(frozen=True)
class ClientContext:
    client: Client | None  # the first tranche's coarse kind (URL context), derived from `answer`
    source: str  # "--client", "prisma/schema.prisma", …; "" when no client is known
    answer: ClientAnswer = field(default_factory=ClientAnswer)  # the client table's answer

    @property
    def id(self) -> str | None:
        """The client table's row id (`pgc.doctor/v1` `client`), else the coarse kind."""
        if self.answer.client is not None:
            return self.answer.client.id
        return self.client.value if self.client is not None else None

    @property
    def label(self) -> str:
        first = self.answer.primary
        if first is not None:  # `prisma7-pg (@prisma/adapter-pg in package.json)`
            others = self.answer.others()
            return f"{first.client.id} ({first.how})" + (f"; also found {others}" if others else "")
        if self.client is None:
            return f"unknown ({self.source})" if self.source else "unknown"
        return f"{self.client.value} ({self.source})" if self.source else self.client.value


@dataclass(frozen=True)
class Observed:
    """What `pgc.doctor/v1` shows under a target's `observed`."""

    addresses: tuple[str, ...] = ()
    tls: bool | None = None
    server_version: str | None = None
    pooler: str = "unknown"
    connect_ms: float | None = None
    hosts: tuple[HostAttempt, ...] = ()  # every host of a multi-host URL, in libpq's order


@dataclass(frozen=True)
class TargetFinding:
    layer: str  # "url" for static checks, else one of the live layers
    finding: Finding


@dataclass(frozen=True)
class ShadowNote:
    """A .env line setting this variable to another value, which loaders ignore."""

    path: str
    line: int
    url: str  # masked
    by: str  # what wins: "the environment" or an earlier file

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "url": self.url, "by": self.by}


@dataclass(frozen=True)
class TargetReport:
    name: str
    source: Source
    path: str | None
    line: int | None
    url: str  # masked
    expected: Expected | None
    provider: str | None
    endpoint: str
    pool_mode: str | None
    observed: Observed
    checks: tuple[CheckResult, ...]
    findings: tuple[TargetFinding, ...]
    observations: Observations = field(default_factory=Observations, repr=False)
    shadowed: tuple[ShadowNote, ...] = ()

    @property
    def finding_list(self) -> tuple[Finding, ...]:
        return tuple(tf.finding for tf in self.findings)

    @property
    def origin(self) -> str:
        if self.path:
            return f"{self.path}:{self.line}" if self.line else self.path
        return self.source.value


@dataclass(frozen=True)
class DoctorReport:
    targets: tuple[TargetReport, ...]
    findings: tuple[Finding, ...]  # the pair and the project
    client: ClientContext
    strict: bool = False
    offline: bool = False
    timeout: float = DEFAULT_TIMEOUT
    elapsed_ms: float = 0.0
    waited_ms: float | None = None  # --wait: how long the servers took to answer; None without it

    def all_findings(self) -> list[Finding]:
        return [f for t in self.targets for f in t.finding_list] + list(self.findings)

    @property
    def summary(self) -> dict[str, int]:
        return summary(self.all_findings())

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.all_findings(), strict=self.strict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0
