"""The doctor: targets → static checks → live probes (concurrent, bounded) → checks → DoctorReport.

Every target runs its layers in a thread of its own: dns → tcp → tls (SSLRequest) → auth (one
psycopg attempt) → server facts, pooler fingerprint, prepared statements → latency. Each network
step gets at most `--timeout`, and the whole run ends within about one `--timeout`: a layer still
running when the budget ends is reported as timed out and the layers after it are skipped.
Targets that would send the same login to the same server are probed once, so a wrong password
costs one failed attempt, not one per variable.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgconnect_cli.checks.envfile import prisma_advice, prisma_migrations_findings
from pgconnect_cli.checks.pair import PairUrl, check_pair, login_identity
from pgconnect_cli.checks.url import Context, check_url
from pgconnect_cli.conninfo.convert import libpq_keywords
from pgconnect_cli.conninfo.model import PRISMA_ONLY_PARAMS, ConnInfo
from pgconnect_cli.errors import UsageError
from pgconnect_cli.findings import CATALOGUE, Finding, Severity, exit_code_for, finding
from pgconnect_cli.project import Client, Project, prisma_texts
from pgconnect_cli.providers import Classification, Endpoint, PoolMode
from pgconnect_cli.report import CheckResult, Section, Status, summary
from pgconnect_cli.targets import DIRECT_NAMES, Expected, Shadowed, Source, Target

if TYPE_CHECKING:
    import socket

    from pgconnect_cli.checks.live import LayerResult, LiveContext
    from pgconnect_cli.probes.dns import DnsObservation, ResolverConfig
    from pgconnect_cli.probes.local import ClientTool
    from pgconnect_cli.probes.pooler import PoolerObservation
    from pgconnect_cli.probes.postgres import AuthObservation, ServerFacts
    from pgconnect_cli.probes.prepared import PreparedObservation
    from pgconnect_cli.probes.tcp import TcpAttempt, TcpObservation
    from pgconnect_cli.probes.tls import TlsAnswer, TlsObservation, TlsPolicy

SCHEMA = "pgc.doctor/v1"
DEFAULT_TIMEOUT = 5.0
# The run ends this long after one --timeout at the latest; probes that are still running then
# are reported as timed out.
SLACK_S = 0.5
# Probes that open further connections start only with this much time left, so that none is cut
# off between preparing a statement and deallocating it.
MIN_LEFT_FOR_EXTRAS_S = 1.0
LIVE_LAYERS = ("dns", "tcp", "tls", "auth", "server", "pooler", "prepared", "latency")


@dataclass(frozen=True)
class ClientContext:
    client: Client | None
    source: str  # "--client", "prisma/schema.prisma", …; "" when no client is known

    @property
    def label(self) -> str:
        if self.client is None:
            return "unknown"
        return f"{self.client.value} ({self.source})" if self.source else self.client.value


def client_context(explicit: Client | None, project: Project | None) -> ClientContext:
    if explicit is not None:
        return ClientContext(explicit, "--client")
    if project is None or project.primary_client is None:
        return ClientContext(None, "")
    client = project.primary_client
    source = "the project files"
    if client is Client.PRISMA:
        path = project.prisma_schema or project.prisma_config
        source = _relative(path, project.root) if path is not None else "package.json"
    elif client in (Client.NODE_POSTGRES, Client.POSTGRES_JS):
        source = "package.json"
    elif client in (Client.PSYCOPG, Client.ASYNCPG):
        source = "the Python project files"
    return ClientContext(client, source)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class DoctorOptions:
    timeout: float = DEFAULT_TIMEOUT
    resolver: ResolverConfig | None = None  # None: the system's resolver
    offline: bool = False
    strict: bool = False
    client: Client | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    home: Path | None = None


@dataclass(frozen=True)
class Observed:
    addresses: tuple[str, ...] = ()
    tls: bool | None = None
    server_version: str | None = None
    pooler: str = "unknown"
    connect_ms: float | None = None


@dataclass(frozen=True)
class Observations:
    """The raw probe results of a target (timings, evidence); `cut` names a layer the budget ended."""

    dns: DnsObservation | None = None
    tcp: TcpObservation | None = None
    tls: TlsObservation | None = None
    policy: TlsPolicy | None = None
    auth: AuthObservation | None = None
    server: ServerFacts | None = None
    pooler: PoolerObservation | None = None
    prepared: PreparedObservation | None = None
    cut: str | None = None
    budget: float = 0.0
    error: tuple[str, str] | None = None  # (layer, message) of a probe that crashed
    # the SSLRequest answer as soon as it came: known even when the budget ended in the handshake
    tls_answer: TlsAnswer | None = None


@dataclass(frozen=True)
class TargetFinding:
    layer: str  # "url" for static checks, else one of LIVE_LAYERS
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

    def sections(self) -> list[Section]:
        """The report as generic sections (github, junit, markdown renderers)."""
        out = [
            Section(name=t.name, url=t.url, findings=t.finding_list, checks=t.checks) for t in self.targets
        ]
        pair = tuple(f for f in self.findings if CATALOGUE[f.id].layer == "pair")
        project = tuple(f for f in self.findings if CATALOGUE[f.id].layer != "pair")
        if pair:
            out.append(Section(name="pair", findings=pair))
        if project:
            out.append(Section(name="project", findings=project))
        return out


# --------------------------------------------------------------------------- static


@dataclass(frozen=True)
class _Static:
    url: str  # masked
    ci: ConnInfo | None
    classification: Classification | None
    findings: tuple[Finding, ...]


def _url_context(target: Target, client: ClientContext) -> Context:
    if client.client is Client.PRISMA:
        return Context.PRISMA
    return Context.MIGRATE if target.expected is Expected.DIRECT else Context.APP


def _static(target: Target, client: ClientContext, project: Project | None) -> _Static:
    checked = check_url(
        target.value,
        context=_url_context(target, client),
        client=client.client,
        prisma_major=project.prisma_major if project is not None else None,
    )
    findings = checked.findings
    if target.expected is Expected.DIRECT:
        # the pooled/direct question of the URL for migrations is the pair's, answered live
        findings = tuple(f for f in findings if f.id != "pgbouncer-flag-missing")
    return _Static(checked.url, checked.conninfo, checked.classification, findings)


# --------------------------------------------------------------------------- live


def _probeable(ci: ConnInfo) -> bool:
    """libpq URLs and key=value strings, and SQLAlchemy's postgresql+driver:// (same settings)."""
    return ci.is_libpq_scheme or ci.scheme.startswith(("postgresql+", "postgres+"))


def _refused_by_libpq(static: _Static) -> str | None:
    """The id of an error finding that makes libpq refuse the URL before any network traffic.

    Such a URL is not probed: its address or settings are not what anyone would connect with. A
    bad value of a Prisma-only parameter does not count: the probe leaves those out.
    """
    for f in static.findings:
        if f.severity is not Severity.ERROR:
            continue
        if f.id == "url-invalid":
            return f.id
        if f.id == "param-value-invalid" and f.detail.partition("=")[0] not in PRISMA_ONLY_PARAMS:
            return f.id
    return None


def _identity(ci: ConnInfo) -> tuple[tuple[str, str], ...]:
    """What the server sees of a login: targets with the same identity are probed once."""
    return tuple(sorted(libpq_keywords(ci).items()))


class _Progress:
    """A target's probe results as they arrive, readable by the main thread at any time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, Any] = {}
        self.running: str | None = None
        self.finished = threading.Event()

    def start(self, layer: str) -> None:
        with self.lock:
            self.running = layer

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.values[key] = value
            self.running = None

    def note(self, key: str, value: Any) -> None:
        """A partial result of the layer still running (which stays the running one)."""
        with self.lock:
            self.values[key] = value

    def fail(self, error: str) -> None:
        with self.lock:
            self.values["error"] = (self.running or "auth", error)
            self.running = None

    def snapshot(self, budget: float) -> Observations:
        with self.lock:
            v = dict(self.values)
            cut = None if self.finished.is_set() else self.running
        return Observations(
            dns=v.get("dns"),
            tcp=v.get("tcp"),
            tls=v.get("tls"),
            policy=v.get("policy"),
            auth=v.get("auth"),
            server=v.get("server"),
            pooler=v.get("pooler"),
            prepared=v.get("prepared"),
            tls_answer=v.get("tls_answer"),
            cut=cut,
            budget=budget,
            error=v.get("error"),
        )


@dataclass(frozen=True)
class _Probe:
    """One login to probe, shared by every target with the same identity."""

    ci: ConnInfo = field(repr=False)
    ctx: LiveContext
    secrets: tuple[str, ...] = field(repr=False)


class _Warmup:
    """Work the probes will need, done while they wait on the network: loading psycopg, and
    asking the local pg_dump and psql for their versions (for `client-tools-old`)."""

    def __init__(self, *, need_tools: bool) -> None:
        self._tools: tuple[ClientTool, ...] | None = None
        self._thread = threading.Thread(target=self._run, args=(need_tools,), daemon=True, name="pgc-warmup")
        self._thread.start()

    def _run(self, need_tools: bool) -> None:
        import importlib

        importlib.import_module("psycopg")  # the first auth step would otherwise load it on the clock
        if need_tools:
            from pgconnect_cli.probes.local import client_tools

            self._tools = client_tools()

    def tools(self, deadline: float) -> tuple[ClientTool, ...] | None:
        """The versions, or None when they are not known by `deadline` (time.monotonic()): the run's
        time budget also bounds this wait, and `client-tools-old` is then not checked."""
        self._thread.join(max(deadline - time.monotonic(), 0.0))
        return None if self._thread.is_alive() else self._tools


class _Runner:
    def __init__(self, options: DoctorOptions, started: float) -> None:
        from pgconnect_cli.probes.dns import ResolverConfig
        from pgconnect_cli.probes.local import has_ipv6_route

        self.options = options
        self.started = started
        self.end = started + options.timeout + SLACK_S
        self.ipv6 = has_ipv6_route()
        base = options.resolver or ResolverConfig()
        self.resolver = replace(base, prefer_ipv6=self.ipv6)

    def left(self) -> float:
        return self.end - time.monotonic()

    def budget(self) -> float:
        return max(min(self.options.timeout, self.left()), 0.0)

    def run(self, probe: _Probe, progress: _Progress) -> None:
        try:
            self._run(probe, progress)
        except Exception as exc:  # a probe bug must not hide the other layers' results
            from pgconnect_cli.conninfo.redact import scrub_exception

            progress.fail(scrub_exception(exc, probe.secrets))
            if self.options.environ.get("PGC_DEBUG") == "1":
                import traceback

                traceback.print_exc()
        finally:
            progress.finished.set()

    def _run(self, probe: _Probe, progress: _Progress) -> None:
        from pgconnect_cli.checks import live
        from pgconnect_cli.probes import dns, tcp, tls

        ci, ctx = probe.ci, probe.ctx
        params = libpq_keywords(ci)
        host = ctx.host
        port = ctx.port
        sock: socket.socket | None = None
        connected: TcpAttempt | None = None
        for hp in ci.hosts:
            progress.start("dns")
            dns_obs = dns.resolve(hp.host, self.resolver, self.budget())
            progress.put("dns", dns_obs)
            if not live.dns_layer(dns_obs, ctx).proceed:
                continue
            host = hp.host
            try:
                port = hp.port_number
            except ValueError:
                port = ctx.port
            if dns_obs.method is dns.DnsMethod.SOCKET:
                break
            progress.start("tcp")
            tcp_obs, sock = tcp.dial(dns_obs.addresses, port, self.budget())
            progress.put("tcp", tcp_obs)
            if sock is not None:
                connected = tcp_obs.connected
                break
        if "dns" not in progress.values or (sock is None and not dns.is_socket_host(host)):
            return
        hostaddr: str | None = None
        if sock is not None:
            hostaddr = connected.address if connected else None
            pol = tls.policy(params, host, self.options.environ, self.options.home)
            progress.put("policy", pol)
            progress.start("tls")

            def reconnect(
                budget: float, address: str = hostaddr or "", port: int = port
            ) -> socket.socket | None:
                return tcp.dial([address], port, budget, side_port=None)[1]

            tls_obs = tls.probe(
                sock, pol, self.budget(), reconnect, host, on_answer=lambda a: progress.note("tls_answer", a)
            )
            progress.put("tls", tls_obs)
            if not live.tls_layer(tls_obs, pol, ctx).proceed:
                return
            sslmode = live.dial_sslmode(pol.sslmode, "direct" if pol.direct else tls_obs.answer.value)
        else:
            sslmode = params.get("sslmode") or self.options.environ.get("PGSSLMODE") or "prefer"
        self._connect(probe, progress, params, host, hostaddr, port, sslmode)

    def _connect(
        self,
        probe: _Probe,
        progress: _Progress,
        params: dict[str, str],
        host: str,
        hostaddr: str | None,
        port: int,
        sslmode: str,
    ) -> None:
        from pgconnect_cli.checks import live
        from pgconnect_cli.probes import pooler, postgres, prepared

        limit = self.budget()
        url_timeout = params.get("connect_timeout", "").strip()
        try:
            if url_timeout and int(float(url_timeout)) > 0:
                limit = min(limit, float(int(float(url_timeout))))
        except ValueError:
            pass
        connect_timeout = max(live.LIBPQ_MIN_CONNECT_TIMEOUT, math.floor(limit))
        plan = postgres.ConnectPlan(
            params=postgres.plan_params(
                params,
                host=host,
                hostaddr=hostaddr,
                port=port,
                sslmode=sslmode,
                connect_timeout=connect_timeout,
            ),
            host=host,
            hostaddr=hostaddr,
            port=port,
            sslmode=sslmode,
            connect_timeout=connect_timeout,
            secrets=probe.secrets,
        )
        progress.start("auth")
        auth, conn = postgres.connect_once(plan)
        progress.put("auth", auth)
        if conn is None:
            return
        session = postgres.Session(plan, conn)
        try:
            progress.start("server")
            facts = postgres.server_facts(conn, probe.secrets)
            progress.put("server", facts)
            if self.left() < MIN_LEFT_FOR_EXTRAS_S:
                return
            progress.start("pooler")
            pooler_obs, extras = pooler.fingerprint(session, auth, facts)
            progress.put("pooler", pooler_obs)
            if pooler_obs.kind not in (pooler.PoolerKind.TRANSACTION, pooler.PoolerKind.SESSION):
                return
            if self.left() < MIN_LEFT_FOR_EXTRAS_S:
                return
            progress.start("prepared")
            second = extras[0] if extras else session.extra()
            progress.put("prepared", prepared.probe(conn, second, probe.secrets))
        finally:
            session.close()


def _layers(
    obs: Observations, ctx: LiveContext, tools: Sequence[ClientTool] | None, suspected_pooled: bool
) -> list[LayerResult]:
    """The checks for every live layer, in order; after a failure the rest are skipped.

    `tools` None: the local client tools' versions were not known in time."""
    from pgconnect_cli.checks import live

    results: list[LayerResult] = []
    stop: str | None = None

    def add(layer: str, result: LayerResult | None, reason_if_missing: str) -> None:
        nonlocal stop
        if stop is not None:
            results.append(live.LayerResult(live.skipped(layer, stop), proceed=False))
            return
        if result is None:
            if obs.error is not None and obs.error[0] == layer:
                results.append(live.LayerResult(live.skipped(layer, "the probe failed (probe-error)")))
                stop = f"skipped: the {layer} probe failed"
                return
            if obs.cut == layer:
                result = live.out_of_time(layer, ctx, obs.budget, tls_answer=_tls_answer(obs))
            else:
                results.append(live.LayerResult(live.skipped(layer, reason_if_missing)))
                return
        results.append(result)
        if not result.proceed:
            stop = f"skipped: {layer} failed" if result.check.status is Status.FAIL else result.check.summary

    add("dns", live.dns_layer(obs.dns, ctx) if obs.dns else None, "not run")
    socket_host = obs.dns is not None and obs.dns.method.value == "socket"
    if socket_host:
        add("tcp", None, "Unix-domain socket: no TCP")
        add("tls", None, "Unix-domain socket: libpq does not use TLS")
    else:
        add("tcp", live.tcp_layer(obs.tcp, ctx) if obs.tcp else None, "not run")
        tls_result = live.tls_layer(obs.tls, obs.policy, ctx) if obs.tls and obs.policy else None
        add("tls", tls_result, "not run")
    add("auth", live.auth_layer(obs.auth, ctx) if obs.auth else None, "not run")
    out_of_time = "skipped: the run's time budget ended first"
    add("server", live.server_layer(obs.server, tools, ctx) if obs.server else None, out_of_time)
    pooler_result = live.pooler_layer(obs.pooler, suspected_pooled) if obs.pooler else None
    add("pooler", pooler_result, out_of_time)
    kind = obs.pooler.kind.value if obs.pooler else None
    if obs.prepared is not None:
        add("prepared", live.prepared_layer(obs.prepared, ctx), out_of_time)
    elif kind in ("none", "proxy"):
        add("prepared", None, "not needed: no pooler in the path")
    else:
        add("prepared", None, out_of_time if kind is None or obs.cut else "not run: the pooler is unknown")
    if obs.auth is not None and obs.auth.ok:
        stop = None  # the connect time depends on the login alone, measured whatever came after it
    add("latency", live.latency_layer(obs.auth, ctx) if obs.auth and obs.auth.ok else None, "not run")
    return results


def _tls_answer(obs: Observations) -> TlsAnswer | None:
    """What the server answered SSLRequest, even if the budget ended in the handshake after it."""
    if obs.policy is not None and obs.policy.direct:  # sslnegotiation=direct: TLS from the first byte
        from pgconnect_cli.probes.tls import TlsAnswer

        return TlsAnswer.DIRECT
    return obs.tls.answer if obs.tls is not None else obs.tls_answer


def _observed(obs: Observations) -> Observed:
    tls: bool | None = None
    if obs.auth is not None and obs.auth.ok:
        tls = obs.auth.ssl_in_use
    elif obs.tls is not None and obs.tls.answer.value in ("N", "E"):
        tls = False
    return Observed(
        addresses=obs.dns.addresses if obs.dns else (),
        tls=tls,
        server_version=obs.server.version if obs.server else None,
        pooler=obs.pooler.kind.value if obs.pooler else "unknown",
        connect_ms=round(obs.auth.ms, 1) if obs.auth is not None and obs.auth.ok else None,
    )


def _context(
    target: Target, ci: ConnInfo, client: ClientContext, options: DoctorOptions, ipv6: bool
) -> LiveContext:
    from pgconnect_cli.checks.live import LiveContext

    return LiveContext(
        name=target.name,
        host=ci.host,
        port=ci.port,
        timeout=options.timeout,
        client=client.client,
        client_source=client.source,
        pgbouncer_flag=(ci.get("pgbouncer") or "").lower() == "true",
        url_connect_timeout=ci.get("connect_timeout"),
        has_ipv6_route=ipv6,
        expected_direct=target.expected is Expected.DIRECT,
        prisma_tls=ci.get("sslaccept") is not None or ci.get("sslidentity") is not None,
    )


def _endpoint(static: _Static, obs: Observations | None) -> tuple[Endpoint, PoolMode | None, bool]:
    kind = obs.pooler.kind.value if obs is not None and obs.pooler is not None else None
    if kind == "transaction":
        return Endpoint.POOLED, PoolMode.TRANSACTION, True
    if kind == "session":
        return Endpoint.POOLED, PoolMode.SESSION, True
    if kind in ("none", "proxy"):
        return Endpoint.DIRECT, None, True
    c = static.classification
    if c is None:
        return Endpoint.UNKNOWN, None, False
    return c.endpoint, c.pool_mode, False


def run(
    targets: Sequence[Target],
    options: DoctorOptions,
    project: Project | None = None,
    *,
    tools: Sequence[ClientTool] | None = None,
    file_findings: Sequence[Finding] = (),
    shadowed: Sequence[Shadowed] = (),
) -> DoctorReport:
    """Diagnose `targets`. Never raises for a network or server problem: those are findings.

    `file_findings` are about the files the targets came from (`env-syntax`); they join the pair's
    and the project's findings. `shadowed` lists .env values the targets hide from loaders."""
    started = time.monotonic()
    client = client_context(options.client, project)
    statics = [_static(t, client, project) for t in targets]
    observations: list[Observations | None] = [None] * len(targets)
    ipv6 = True
    contexts: list[LiveContext | None] = [None] * len(targets)
    known: Sequence[ClientTool] | None = tools
    if not options.offline:
        warmup = _Warmup(need_tools=tools is None)
        runner = _Runner(options, started)
        ipv6 = runner.ipv6
        groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for i, (target, static) in enumerate(zip(targets, statics, strict=True)):
            if static.ci is not None and _probeable(static.ci) and _refused_by_libpq(static) is None:
                contexts[i] = _context(target, static.ci, client, options, ipv6)
                groups.setdefault(_identity(static.ci), []).append(i)
        progresses: dict[int, _Progress] = {}
        for indexes in groups.values():
            first = indexes[0]
            ci, ctx = statics[first].ci, contexts[first]
            assert ci is not None and ctx is not None
            secrets = tuple(s for s in (ci.password, options.environ.get("PGPASSWORD")) if s)
            progress = _Progress()
            thread = threading.Thread(
                target=runner.run, args=(_Probe(ci, ctx, secrets), progress), daemon=True, name="pgc-doctor"
            )
            thread.start()
            for i in indexes:
                progresses[i] = progress
        hard_stop = runner.end + 0.25
        for progress in {id(p): p for p in progresses.values()}.values():
            progress.finished.wait(max(hard_stop - time.monotonic(), 0.0))
        for i, progress in progresses.items():
            observations[i] = progress.snapshot(runner.end - started)
        if tools is None and any(o is not None and o.server is not None for o in observations):
            known = warmup.tools(hard_stop)
    reports = [
        _target_report(t, s, o, c, options, known)
        for t, s, o, c in zip(targets, statics, observations, contexts, strict=True)
    ]
    reports = _one_tools_finding(reports)
    reports = _with_shadowed(reports, shadowed)
    reports = _link_login_timeouts(reports, statics)
    pair_urls = []
    for target, static, obs in zip(targets, statics, observations, strict=True):
        if static.ci is None:
            continue
        endpoint, mode, observed = _endpoint(static, obs)
        reason = static.classification.reason if static.classification else ""
        pair_urls.append(PairUrl(target.name, static.ci, endpoint, mode, target.expected, observed, reason))
    pair = (*check_pair(pair_urls, project), *_project_findings(project, pair_urls), *file_findings)
    reports = _settle_direct_url(reports, observations)
    return DoctorReport(
        targets=tuple(reports),
        findings=pair,
        client=client,
        strict=options.strict,
        offline=options.offline,
        timeout=options.timeout,
        elapsed_ms=(time.monotonic() - started) * 1000,
    )


def _with_shadowed(reports: list[TargetReport], shadowed: Sequence[Shadowed]) -> list[TargetReport]:
    from pgconnect_cli.dotenv_file import masked_value

    out = []
    for r in reports:
        notes = tuple(
            ShadowNote(s.path, s.line, masked_value(s.value), s.by)
            for s in shadowed
            if s.name == r.name and r.source is not Source.FLAG
        )
        out.append(replace(r, shadowed=notes) if notes else r)
    return out


def _project_findings(project: Project | None, pair_urls: Sequence[PairUrl]) -> list[Finding]:
    """What the project's files make of the URLs: which one Prisma's migrations use."""
    if project is None or not project.uses_prisma:
        return []
    advice = prisma_advice(project, *prisma_texts(project))
    return prisma_migrations_findings(advice, pair_urls)


def _target_report(
    target: Target,
    static: _Static,
    obs: Observations | None,
    ctx: LiveContext | None,
    options: DoctorOptions,
    tools: Sequence[ClientTool] | None,
) -> TargetReport:
    ci = static.ci
    c = static.classification
    findings = [TargetFinding("url", f) for f in static.findings]
    checks: list[CheckResult] = []
    if options.offline:
        reason = "skipped: --offline (static checks only)"
    elif ci is None:
        reason = "skipped: the URL cannot be parsed"
    elif not _probeable(ci):
        reason = f"skipped: a {ci.scheme}:// URL has no PostgreSQL connection to probe"
    elif refused := _refused_by_libpq(static):
        reason = f"skipped: URL invalid: {refused}"
    else:
        reason = ""
    if reason or obs is None or ctx is None:
        checks = [CheckResult(layer, Status.SKIP, reason or "skipped") for layer in LIVE_LAYERS]
    else:
        suspected_pooled = c is not None and c.endpoint is Endpoint.POOLED
        for result in _layers(obs, ctx, tools, suspected_pooled):
            checks.append(result.check)
            findings.extend(TargetFinding(result.check.layer, f) for f in result.findings)
        if obs.error is not None:
            layer, message = obs.error
            findings.append(
                TargetFinding(layer, finding("probe-error", f"The {layer} probe failed: {message}."))
            )
        if obs.prepared is not None and not obs.prepared.error:
            # the live probe settles what the name could only suggest
            findings = [tf for tf in findings if tf.finding.id != "pgbouncer-flag-missing"]
    return TargetReport(
        name=target.name,
        source=target.source,
        path=target.path,
        line=target.line,
        url=static.url,
        expected=target.expected,
        provider=c.provider.value if c else None,
        endpoint=c.endpoint.value if c else Endpoint.UNKNOWN.value,
        pool_mode=c.pool_mode.value if c and c.pool_mode else None,
        observed=_observed(obs) if obs is not None else Observed(),
        checks=tuple(checks),
        findings=tuple(findings),
        observations=obs or Observations(),
    )


def _settle_direct_url(
    reports: list[TargetReport], observations: Sequence[Observations | None]
) -> list[TargetReport]:
    """The static `direct-url-is-pooled` (by name) gives way to the pair check, which decides it for
    the direct variables with the live fingerprint, or to a live refutation."""
    out = []
    for r, obs in zip(reports, observations, strict=True):
        kind = obs.pooler.kind.value if obs is not None and obs.pooler is not None else None
        if r.name in DIRECT_NAMES or kind in ("none", "proxy"):
            r = replace(r, findings=tuple(tf for tf in r.findings if tf.finding.id != "direct-url-is-pooled"))
        out.append(r)
    return out


# What a login that timed out through a pooler can be explained by: another target with the same
# database and role that reached the server and was told why.
_LOGIN_CAUSES = ("database-missing", "auth-failed", "hba-rejected")


def _link_login_timeouts(reports: list[TargetReport], statics: Sequence[_Static]) -> list[TargetReport]:
    """A login that timed out (a pooler waiting for a server connection it cannot open) gets the
    cause another target of the same database and role was told by the server itself."""
    out = []
    for r, static in zip(reports, statics, strict=True):
        timed_out = next(
            (tf for tf in r.findings if tf.layer == "auth" and tf.finding.id == "connect-failed"), None
        )
        cause = None
        if timed_out is not None and static.ci is not None and _login_timed_out(r.observations):
            cause = next(
                (
                    (other, tf.finding)
                    for other, other_static in zip(reports, statics, strict=True)
                    if other is not r
                    and other_static.ci is not None
                    and login_identity(other_static.ci) == login_identity(static.ci)
                    for tf in other.findings
                    if tf.layer == "auth" and tf.finding.id in _LOGIN_CAUSES
                ),
                None,
            )
        if timed_out is not None and cause is not None:
            other, said = cause
            linked = replace(
                timed_out.finding,
                detail="The login did not complete: the pooler could not open a server connection. "
                f"{other.name}, with the same database and role, reached the server and got {said.id}: "
                f"{said.detail}",
                fix=f"{said.fix} The same change fixes {r.name}.",
            )
            findings = tuple(TargetFinding(tf.layer, linked) if tf is timed_out else tf for tf in r.findings)
            r = replace(r, findings=findings)
        out.append(r)
    return out


def _login_timed_out(obs: Observations) -> bool:
    """The login failed without the server's word: it timed out, or the pooler's own login failed."""
    from pgconnect_cli.checks.live import ConnectFailure, classify_connect_error

    if obs.cut == "auth":
        return True
    if obs.auth is None or obs.auth.ok:
        return False
    kind = classify_connect_error(obs.auth.sqlstate, obs.auth.message, obs.auth.timed_out)
    return kind in (ConnectFailure.TIMEOUT, ConnectFailure.POOLER_LOGIN)


def _one_tools_finding(reports: list[TargetReport]) -> list[TargetReport]:
    """`client-tools-old` once: on the direct URL (what pg_dump uses), else the first target."""
    having = [r for r in reports if any(tf.finding.id == "client-tools-old" for tf in r.findings)]
    if len(having) < 2:
        return reports
    keep = next((r for r in having if r.expected is Expected.DIRECT), having[0])
    out = []
    for r in reports:
        if r in having and r is not keep:
            kept = tuple(tf for tf in r.findings if tf.finding.id != "client-tools-old")
            r = replace(r, findings=kept)
        out.append(r)
    return out


# --------------------------------------------------------------------------- option parsing


def _ip(text: str) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return None


def parse_resolver(text: str) -> tuple[str, int]:
    """`--resolver IP[:PORT]` (`[v6]:PORT` for IPv6) → (ip, port)."""
    value = text.strip()
    whole = _ip(value)
    if whole is not None:
        return whole, 53
    host, sep, port = value.rpartition(":")
    ip = _ip(host) if sep else None
    if (
        ip is None
        or (":" in ip and not host.startswith("["))
        or not port.isdigit()
        or not 0 < int(port) < 65536
    ):
        raise UsageError(f"--resolver {value!r}: expected IP or IP:PORT (IPv6 as [ADDR]:PORT)")
    return ip, int(port)


def parse_pins(values: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """`--resolve HOST:ADDR[,ADDR…]` (curl's HOST:PORT:ADDR is accepted too) → {host: addresses}."""
    pins: dict[str, tuple[str, ...]] = {}
    for raw in values:
        host, sep, rest = raw.strip().partition(":")
        addresses = [_ip(a) for a in rest.split(",")] if sep else [None]
        if None in addresses:
            port, sep2, after = rest.partition(":")
            if sep2 and port.isdigit():
                addresses = [_ip(a) for a in after.split(",")]
        if not host or not sep or None in addresses:
            raise UsageError(f"--resolve {raw!r}: expected HOST:ADDR, e.g. db.example.com:127.0.0.1")
        pins[host.lower().rstrip(".")] = tuple(a for a in addresses if a is not None)
    return pins
