"""The doctor's one pure step: static results + observations → layer checks, findings, the report.

Every check runs once, here, with everything it needs as input: a target's live layers read its
own observations and the facts other targets established (the server's answer to a sibling login,
which target reports old client tools). Nothing rewrites a finding after it was made. The runner
(`doctor.runner`) does the I/O before: probes, the tool versions, the project's files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pgconnect_cli.checks import live
from pgconnect_cli.checks.pair import PairUrl, check_pair, login_identity, prisma_migrations_findings
from pgconnect_cli.checks.prisma import prisma_advice
from pgconnect_cli.checks.url import Context, check_url
from pgconnect_cli.conninfo.convert import libpq_keywords
from pgconnect_cli.conninfo.model import PRISMA_ONLY_PARAMS, ConnInfo
from pgconnect_cli.doctor.libpq_env import Effective
from pgconnect_cli.doctor.observations import (
    LIVE_LAYERS,
    ClientTool,
    Layer,
    Observations,
    PassFile,
    PoolerKind,
)
from pgconnect_cli.doctor.options import DoctorOptions
from pgconnect_cli.doctor.report import (
    ClientContext,
    DoctorReport,
    Observed,
    ShadowNote,
    TargetFinding,
    TargetReport,
)
from pgconnect_cli.findings import Finding, Severity
from pgconnect_cli.project import Client, Project
from pgconnect_cli.providers import Classification, Endpoint, PoolMode
from pgconnect_cli.report import CheckResult, Status
from pgconnect_cli.targets import DIRECT_NAMES, Expected, Shadowed, Source, Target

# --------------------------------------------------------------------------- client


def client_context(
    explicit: Client | str | None, project: Project | None, explicit_source: str = "--client"
) -> ClientContext:
    """The client the report names: `--client` (a row id of the client table, or a first-tranche
    name), else the client table's answer for the project (`known_clients.detect`)."""
    from pgconnect_cli import known_clients

    value = explicit.value if isinstance(explicit, Client) else explicit
    answer = known_clients.detect(project, explicit=value)
    if value is not None and explicit_source != "--client":  # set in [tool.pgc] / .pgc.toml
        found = tuple(replace(d, how=explicit_source) if d.how == "--client" else d for d in answer.found)
        answer = replace(answer, found=found)
    if answer.client is not None:
        row = answer.client
        kind = known_clients.coarse_kind(row)
        assert answer.primary is not None
        how = explicit_source if value is not None else answer.primary.how
        return ClientContext(kind, how, answer)
    if value is not None:
        return ClientContext(Client(value), explicit_source, answer)
    legacy = _legacy_context(project)
    return ClientContext(legacy.client, legacy.source, answer)


def _legacy_context(project: Project | None) -> ClientContext:
    if project is None or project.primary_client is None:
        return ClientContext(None, project.note if project is not None else "")
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


# --------------------------------------------------------------------------- static


@dataclass(frozen=True)
class StaticResult:
    url: str  # masked
    ci: ConnInfo | None
    classification: Classification | None
    findings: tuple[Finding, ...]


def _url_context(target: Target, client: ClientContext) -> Context:
    if client.client is Client.PRISMA:
        return Context.PRISMA
    return Context.MIGRATE if target.expected is Expected.DIRECT else Context.APP


def static_result(target: Target, client: ClientContext, project: Project | None) -> StaticResult:
    checked = check_url(
        target.value,
        context=_url_context(target, client),
        client=client.client,
        prisma_major=project.prisma_major if project is not None else None,
        answer=client.answer,
    )
    return StaticResult(checked.url, checked.conninfo, checked.classification, checked.findings)


def _probeable(ci: ConnInfo) -> bool:
    """libpq URLs and key=value strings, and SQLAlchemy's postgresql+driver:// (same settings)."""
    return ci.is_libpq_scheme or ci.scheme.startswith(("postgresql+", "postgres+"))


def _refused_by_libpq(static: StaticResult) -> str | None:
    """The id of an error finding that makes libpq refuse the URL before any network traffic.

    A bad value of a Prisma-only parameter does not count: the probe leaves those out."""
    for f in static.findings:
        if f.severity is not Severity.ERROR:
            continue
        if f.id in ("url-invalid", "url-trailing-whitespace", "url-ampersand-for-query"):
            return f.id
        if f.id == "param-value-invalid" and f.detail.partition("=")[0] not in PRISMA_ONLY_PARAMS:
            return f.id
    return None


def skip_reason(static: StaticResult, *, offline: bool) -> str:
    """Why the target is not probed live ("" when it is)."""
    ci = static.ci
    if offline:
        return "skipped: --offline (static checks only)"
    if ci is None:
        return "skipped: the URL cannot be parsed"
    if not _probeable(ci):
        return f"skipped: a {ci.scheme}:// URL has no PostgreSQL connection to probe"
    if refused := _refused_by_libpq(static):
        return f"skipped: URL invalid: {refused}"
    return ""


def probe_identity(ci: ConnInfo) -> tuple[tuple[str, str], ...]:
    """What the server sees of a login: targets with the same identity are probed once. Prisma's
    `schema=` is no libpq setting, but it picks the schema the migration checks read."""
    schema = ci.get("schema")
    return tuple(sorted(libpq_keywords(ci).items())) + ((("prisma:schema", schema),) if schema else ())


# What live evidence settles of a static finding that the URL could only suggest.
def _url_finding_stands(f: Finding, target: Target, obs: Observations | None) -> bool:
    if f.id == "pgbouncer-flag-missing":
        # the pooled/direct question of the URL for migrations is the pair's, answered live; and a
        # prepared-statement probe that ran says what the name could only suggest
        ran = obs is not None and obs.prepared is not None and not obs.prepared.error
        return target.expected is not Expected.DIRECT and not ran
    if f.id == "direct-url-is-pooled":
        # the pair check decides it for the direct variables, with the live fingerprint
        refuted = obs is not None and obs.pooler is not None and obs.pooler.kind.direct
        return target.name not in DIRECT_NAMES and not refuted
    return True


# --------------------------------------------------------------------------- live


def live_context(
    target: Target,
    ci: ConnInfo,
    client: ClientContext,
    timeout: float,
    ipv6: bool,
    *,
    shadow_database_url: bool = False,
    project: Project | None = None,
    instances: int | None = None,
    cpus: int | None = None,
) -> live.LiveContext:
    answer = client.answer
    pool = None
    if instances:  # the pool module loads only for --instances
        from pgconnect_cli.pool import configured_pool

        pool = configured_pool(answer.client, dict(ci.options), target=target.name, cpus=cpus)
    prepared = None
    if answer.client:
        from pgconnect_cli.checks.client import prepared_verdict

        prepared = prepared_verdict(answer, project, dict(ci.options))
    return live.LiveContext(
        name=target.name,
        host=ci.host,
        port=ci.port,
        timeout=timeout,
        client=client.client,
        client_source=client.source,
        pgbouncer_flag=(ci.get("pgbouncer") or "").lower() == "true",
        url_connect_timeout=ci.get("connect_timeout"),
        has_ipv6_route=ipv6,
        expected_direct=target.expected is Expected.DIRECT,
        prisma_tls=ci.get("sslaccept") is not None or ci.get("sslidentity") is not None,
        loopback=live.is_loopback_host(ci.host),
        shadow_database_url=shadow_database_url,
        client_row=answer.client,
        client_label=answer.describe(),
        prepared=prepared,
        instances=instances,
        pool=pool,
    )


@dataclass(frozen=True)
class LiveInput:
    """One probed target: its observations and the facts of the run it is judged with."""

    obs: Observations
    ctx: live.LiveContext
    tools: Sequence[ClientTool] | None  # None: the versions were not known in time
    report_old_tools: bool  # this target carries the run's one `client-tools-old`
    suspected_pooled: bool
    cause: live.LoginCause | None = None
    accepted_by: str | None = None  # a target of the same user, password and database that logged in


def _layers(inp: LiveInput) -> list[live.LayerResult]:
    """The checks for every live layer, in order; after a failure the rest are skipped."""
    obs, ctx = inp.obs, inp.ctx
    results: list[live.LayerResult] = []
    stop: str | None = None

    def add(layer: Layer, result: live.LayerResult | None, reason_if_missing: str) -> None:
        nonlocal stop
        if stop is not None:
            results.append(live.LayerResult(live.skipped(layer.value, stop), proceed=False))
            return
        if result is None:
            if obs.crash is not None and obs.crash.layer is layer:
                results.append(live.probe_crashed(layer.value, obs.crash.message))
                stop = f"skipped: the {layer.value} probe failed"
                return
            if obs.cut is layer:
                result = live.out_of_time(
                    layer.value, ctx, obs.budget, tls_answer=obs.answer, cause=inp.cause
                )
            else:
                results.append(live.LayerResult(live.skipped(layer.value, reason_if_missing)))
                return
        results.append(result)
        if not result.proceed:
            stop = (
                f"skipped: {layer.value} failed"
                if result.check.status is Status.FAIL
                else result.check.summary
            )

    if obs.not_dialed is not None:
        add(Layer.DNS, None, "not run: never dialed")
        add(Layer.TCP, live.not_dialed(obs.not_dialed, ctx), "")
        add(Layer.TLS, None, "not run")
    elif obs.dns is not None and obs.dns.is_socket:
        add(Layer.DNS, live.dns_layer(obs.dns, ctx), "not run")
        add(Layer.TCP, None, "Unix-domain socket: no TCP")
        add(Layer.TLS, None, "Unix-domain socket: libpq does not use TLS")
    else:
        add(Layer.DNS, live.dns_layer(obs.dns, ctx) if obs.dns else None, "not run")
        tcp = live.tcp_layer(obs.tcp, ctx) if obs.tcp else None
        if tcp is not None:
            walk = live.host_list_findings(obs.hosts, obs.session_attrs, ctx)
            tcp = live.with_findings(tcp, walk, live.hosts_evidence(obs.hosts, obs.session_attrs))
        add(Layer.TCP, tcp, "not run")
        tls_result = live.tls_layer(obs.tls, obs.policy, ctx) if obs.tls and obs.policy else None
        add(Layer.TLS, tls_result, "not run")
    auth = live.auth_layer(obs.auth, ctx, inp.cause, accepted_by=inp.accepted_by) if obs.auth else None
    add(Layer.AUTH, auth, "not run")
    out_of_time = "skipped: the run's time budget ended first"
    server = (
        live.server_layer(obs.server, inp.tools, ctx, report_old=inp.report_old_tools) if obs.server else None
    )
    if server is not None and obs.server is not None:
        server = live.with_findings(server, *live.budget_findings(obs.server, obs.pooler, ctx))
    add(Layer.SERVER, server, out_of_time)
    add(
        Layer.POOLER,
        live.pooler_layer(obs.pooler, inp.suspected_pooled, ctx) if obs.pooler else None,
        out_of_time,
    )
    kind = obs.pooler.kind if obs.pooler else None
    if obs.prepared is not None:
        add(Layer.PREPARED, live.prepared_layer(obs.prepared, ctx), out_of_time)
    elif kind is not None and kind.direct:
        add(Layer.PREPARED, None, "not needed: no pooler in the path")
    else:
        add(
            Layer.PREPARED,
            None,
            out_of_time if kind is None or obs.cut else "not run: the pooler is unknown",
        )
    if obs.auth is not None and obs.auth.ok:
        stop = None  # the connect time depends on the login alone, measured whatever came after it
    latency = live.latency_layer(obs.auth, ctx, obs.tls) if obs.auth and obs.auth.ok else None
    add(Layer.LATENCY, latency, "not run")
    return results


def _observed(obs: Observations) -> Observed:
    tls: bool | None = None
    if obs.auth is not None and obs.auth.ok:
        tls = obs.auth.ssl_in_use
    elif obs.tls is not None and obs.tls.answer.refused_tls:
        tls = False
    return Observed(
        addresses=obs.dns.addresses if obs.dns else (),
        tls=tls,
        server_version=obs.server.version if obs.server else None,
        pooler=obs.pooler.kind.value if obs.pooler else PoolerKind.UNKNOWN.value,
        connect_ms=round(obs.auth.ms, 1) if obs.auth is not None and obs.auth.ok else None,
        hosts=obs.hosts,
    )


def _endpoint(static: StaticResult, obs: Observations | None) -> tuple[Endpoint, PoolMode | None, bool]:
    kind = obs.pooler.kind if obs is not None and obs.pooler is not None else None
    if kind is PoolerKind.TRANSACTION:
        return Endpoint.POOLED, PoolMode.TRANSACTION, True
    if kind is PoolerKind.STATEMENT:
        return Endpoint.POOLED, PoolMode.STATEMENT, True
    if kind is PoolerKind.SESSION:
        return Endpoint.POOLED, PoolMode.SESSION, True
    if kind is not None and kind.direct:
        return Endpoint.DIRECT, None, True
    c = static.classification
    if c is None:
        return Endpoint.UNKNOWN, None, False
    return c.endpoint, c.pool_mode, False


def _old_tools_target(
    targets: Sequence[Target], observations: Sequence[Observations | None], tools: Sequence[ClientTool] | None
) -> int | None:
    """The one target that reports `client-tools-old`: the direct URL (what pg_dump uses), else the first."""
    if not tools:
        return None
    having = [
        i
        for i, obs in enumerate(observations)
        if obs is not None and obs.server is not None and live.old_tools(tools, obs.server)
    ]
    return next((i for i in having if targets[i].expected is Expected.DIRECT), having[0] if having else None)


def _login_cause(
    i: int, inputs: Sequence[TargetInput], done: dict[int, list[live.LayerResult]]
) -> live.LoginCause | None:
    """What the server told another target of the same database and role (a login that timed out
    through a pooler is explained by it)."""
    ci = inputs[i].static.ci
    if ci is None:
        return None
    for j, results in done.items():
        other = inputs[j].static.ci
        if j == i or other is None or login_identity(other) != login_identity(ci):
            continue
        for result in results:
            if result.check.layer == Layer.AUTH.value:
                for f in result.findings:
                    if f.id in live.LOGIN_CAUSES:
                        return live.LoginCause(inputs[j].target.name, f)
    return None


def _accepted_by(i: int, inputs: Sequence[TargetInput]) -> str | None:
    """Another target with the same user, password and database whose login worked, when this
    one's failed: the server accepts what this path (a pooler) refused."""
    inp = inputs[i]
    ci = inp.static.ci
    if ci is None or inp.obs is None or inp.obs.auth is None or inp.obs.auth.ok:
        return None
    for j, other in enumerate(inputs):
        oci = other.static.ci
        if j == i or oci is None or other.obs is None or other.obs.auth is None or not other.obs.auth.ok:
            continue
        if login_identity(oci) == login_identity(ci) and oci.password == ci.password:
            return other.target.name
    return None


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class TargetInput:
    target: Target
    static: StaticResult
    obs: Observations | None = None  # None: not probed (see skip_reason)
    skip: str = ""
    effective: Effective | None = None  # the URL as libpq reads it (service file, PG* variables)


@dataclass(frozen=True)
class RunFacts:
    """What the run knows besides the targets: all read before settling (I/O is the runner's)."""

    client: ClientContext
    options: DoctorOptions  # the run's timeout, strict, offline and instances
    project: Project | None = None
    prisma_texts: tuple[str | None, str | None] = (None, None)
    tools: Sequence[ClientTool] | None = None
    ipv6: bool = True
    file_findings: Sequence[Finding] = ()
    shadowed: Sequence[Shadowed] = field(default=())
    passfile: PassFile | None = None  # the password file libpq would read, when there is one
    cpus: int | None = None  # this machine's physical cores (a per-CPU default pool), with instances


def settle(inputs: Sequence[TargetInput], facts: RunFacts) -> DoctorReport:
    """The report: every check run once over the static results and the observations."""
    targets = [inp.target for inp in inputs]
    observations = [inp.obs for inp in inputs]
    tools_at = _old_tools_target(targets, observations, facts.tools)
    timed_out = [inp.obs is not None and live.login_timed_out_obs(inp.obs) for inp in inputs]
    layers: dict[int, list[live.LayerResult]] = {}
    # logins that got the server's own answer first: a login that timed out through a pooler is
    # judged with what a sibling of the same database and role was told
    for i in sorted(range(len(inputs)), key=lambda i: timed_out[i]):
        inp = inputs[i]
        if inp.obs is None or inp.static.ci is None:
            continue
        c = inp.static.classification
        live_in = LiveInput(
            obs=inp.obs,
            ctx=live_context(
                inp.target,
                inp.static.ci,
                facts.client,
                facts.options.timeout,
                facts.ipv6,
                shadow_database_url=any("shadowDatabaseUrl" in (t or "") for t in facts.prisma_texts),
                project=facts.project,
                instances=facts.options.instances,
                cpus=facts.cpus,
            ),
            tools=facts.tools,
            report_old_tools=i == tools_at,
            suspected_pooled=c is not None and c.endpoint is Endpoint.POOLED,
            cause=_login_cause(i, inputs, layers) if timed_out[i] else None,
            accepted_by=_accepted_by(i, inputs),
        )
        layers[i] = _layers(live_in)
    reports = [_target_report(inp, layers.get(i), facts) for i, inp in enumerate(inputs)]
    pair_urls = []
    for inp in inputs:
        if inp.static.ci is None:
            continue
        endpoint, mode, observed = _endpoint(inp.static, inp.obs)
        reason = inp.static.classification.reason if inp.static.classification else ""
        pair_urls.append(
            PairUrl(inp.target.name, inp.static.ci, endpoint, mode, inp.target.expected, observed, reason)
        )
    pair = (
        *check_pair(pair_urls, facts.project),
        *_project_findings(facts, pair_urls),
        *_session_findings(facts, pair_urls),
        *facts.file_findings,
    )
    return DoctorReport(
        targets=tuple(reports),
        findings=tuple(pair),
        client=facts.client,
        strict=facts.options.strict,
        offline=facts.options.offline,
        timeout=facts.options.timeout,
    )


def _project_findings(facts: RunFacts, pair_urls: Sequence[PairUrl]) -> list[Finding]:
    """What the project's files make of the URLs: which one Prisma's migrations use."""
    project = facts.project
    if project is None or not project.uses_prisma:
        return []
    return prisma_migrations_findings(prisma_advice(project, *facts.prisma_texts), pair_urls)


def _session_findings(facts: RunFacts, pair_urls: Sequence[PairUrl]) -> list[Finding]:
    """The client's session features on the transaction-pooled URLs it would run them on: its
    migrations on the URL meant for them (else the app's), the rest on the app's."""
    from pgconnect_cli.checks.client import session_feature_findings

    answer = facts.client.answer
    direct = [u for u in pair_urls if u.expected is Expected.DIRECT]
    migrations = direct[0] if direct else next(iter(pair_urls), None)
    found: list[Finding] = []
    for u in pair_urls:
        if u.pool_mode is not PoolMode.TRANSACTION:
            continue
        found += session_feature_findings(
            answer,
            u.name,
            migrations=u is migrations,
            app=u.expected is not Expected.DIRECT,
            observed=u.observed,
        )
    return found


def _shadow_notes(target: Target, shadowed: Sequence[Shadowed]) -> tuple[ShadowNote, ...]:
    if target.source is Source.FLAG or not shadowed:
        return ()
    from pgconnect_cli.dotenv_file import masked_value

    return tuple(
        ShadowNote(s.path, s.line, masked_value(s.value), s.by) for s in shadowed if s.name == target.name
    )


def _target_report(inp: TargetInput, results: list[live.LayerResult] | None, facts: RunFacts) -> TargetReport:
    target, static, obs = inp.target, inp.static, inp.obs
    c = static.classification
    findings = [TargetFinding("url", f) for f in static.findings if _url_finding_stands(f, target, obs)]
    findings += [TargetFinding("url", f) for f in live.libpq_defaults_findings(inp.effective, target.name)]
    if inp.effective is not None and static.ci is not None:
        pf = live.passfile_finding(facts.passfile, inp.effective.ci, obs.auth if obs else None, target.name)
        if pf is not None:
            findings.append(TargetFinding("auth", pf))
    if results is None:
        reason = inp.skip or "skipped"
        checks = [CheckResult(layer.value, Status.SKIP, reason) for layer in LIVE_LAYERS]
    else:
        checks = [r.check for r in results]
        findings += [TargetFinding(r.check.layer, f) for r in results for f in r.findings]
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
        shadowed=_shadow_notes(target, facts.shadowed),
    )
