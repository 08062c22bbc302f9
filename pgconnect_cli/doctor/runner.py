"""The doctor's I/O: targets → static results → live probes (concurrent, one deadline) → settle.

Every distinct login runs its layers in a thread of its own: dns → tcp → tls (SSLRequest) →
auth (one psycopg attempt) → server facts, pooler fingerprint, prepared statements. Each network
step gets at most `--timeout`, and every step gets at most what is left of the run's one
deadline (`--timeout` plus a little slack): the main thread stops waiting then, and a layer still
running is reported as cut by the deadline. Targets that would send the same login to the same
server are probed once, so a wrong password costs one failed attempt, not one per variable.
Then `settle` turns it all into the report, in one pure step.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pgconnect_cli import signals
from pgconnect_cli.doctor import settle as settling
from pgconnect_cli.doctor.observations import (
    AuthObservation,
    ClientTool,
    DescriptorLimit,
    HostAttempt,
    HostOutcome,
    Layer,
    Observations,
    PassFile,
    PoolerObservation,
    PreparedObservation,
    ProbeCrash,
    ResolverConfig,
    ServerFacts,
    TcpObservation,
    TlsAnswer,
    TlsObservation,
    TlsPolicy,
)
from pgconnect_cli.doctor.options import DoctorOptions
from pgconnect_cli.doctor.report import DoctorReport
from pgconnect_cli.findings import Finding
from pgconnect_cli.project import Project
from pgconnect_cli.targets import Shadowed, Target

if TYPE_CHECKING:
    import socket

    from pgconnect_cli.conninfo.model import ConnInfo, HostPort
    from pgconnect_cli.doctor.libpq_env import Effective
    from pgconnect_cli.probes import postgres
    from pgconnect_cli.project import Client

# The probes' deadline is this long after one --timeout; whatever still runs then is reported as
# cut by the deadline, and the report is written within --timeout + 0.5 s.
SLACK_S = 0.25
# The bound counts from the pgc process's start: the start-up before the run (interpreter,
# imports, reading the targets; ~0.25 s here) takes up to this much from the deadline. Less than
# SLACK_S, so that one target still gets its whole --timeout; a longer start-up (a loaded
# machine) is not taken from the probes.
START_UP_S = 0.2
# However late the run starts, the probes get at least this long (or --timeout, if shorter).
MIN_PROBE_S = 0.5
# Probes that open further connections start only with this much time left, so that none is cut
# off between preparing a statement and deallocating it.
MIN_LEFT_FOR_EXTRAS_S = 1.0
# Settling and writing the report take time per target after the deadline: the deadline comes
# that much earlier (at most SETTLE_RESERVE_MAX_S), so that many targets do not overrun it.
SETTLE_S_PER_TARGET = 0.001  # measured: ~1 ms per target (static checks, settle, JSON) on 2 cores
SETTLE_RESERVE_MAX_S = 0.6
# A login is not started with less than this left: it could not complete.
MIN_LEFT_FOR_LOGIN_S = 0.05
# Descriptors one login may hold at once (TLS probe and its reconnect, the login, the pooler
# fingerprint's extra clients, a DNS socket), and those kept for everything else.
FDS_PER_LOGIN = 6
RESERVED_FDS = 48
MAX_WORKERS = 512


class _Progress:
    """A login's observations as they arrive, readable by the main thread at any time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._obs = Observations()
        self._running: Layer | None = None
        self.started = threading.Event()
        self.finished = threading.Event()

    def start(self, layer: Layer) -> None:
        with self._lock:
            self._running = layer

    def put(self, change: Callable[[Observations], Observations], *, done: bool = True) -> None:
        """Record a result; `done` False: a partial result of the layer still running."""
        with self._lock:
            self._obs = change(self._obs)
            if done:
                self._running = None

    def crash(self, message: str) -> None:
        with self._lock:
            self._obs = replace(self._obs, crash=ProbeCrash(self._running or Layer.AUTH, message))
            self._running = None

    @property
    def current(self) -> Observations:
        with self._lock:
            return self._obs

    def snapshot(self, budget: float, limit: DescriptorLimit) -> Observations:
        with self._lock:
            if not self.started.is_set():
                return replace(self._obs, not_dialed=limit, budget=budget)
            cut = None if self.finished.is_set() else self._running
            return replace(self._obs, cut=cut, budget=budget)


@dataclass(frozen=True)
class _Probe:
    """One login to probe, shared by every target with the same identity."""

    ci: ConnInfo = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False)


class _Warmup:
    """Work the probes will need, done while they wait on the network: loading psycopg, and
    asking the local pg_dump and psql for their versions (for `client-tools-old`). Both may have
    been started earlier by the command (`probes.warmup.start`); this takes them over."""

    def __init__(self, *, need_tools: bool) -> None:
        from pgconnect_cli.probes import warmup

        self._ask = warmup.take_tools() if need_tools else None
        warmup.start_psycopg()

    def tools(self, deadline: float) -> tuple[ClientTool, ...] | None:
        """The versions, or None when they are not known by `deadline` (time.monotonic())."""
        if self._ask is None:
            return None
        answers = self._ask.wait(max(deadline - time.monotonic(), 0.0))
        if answers is None:
            return None
        return tuple(ClientTool(a.name, a.path, a.version) for a in answers)


class _Endpoint:
    """The pooler fingerprint and prepared-statement probe of one endpoint (host, port, database,
    user), run by the first login to get there and shared with every other login to it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.pooler: PoolerObservation | None = None
        self.prepared: PreparedObservation | None = None


@dataclass(frozen=True)
class _PathSeen:
    """What the TCP dial and the TLS probe toward one address, port and policy saw."""

    tcp: TcpObservation
    answer: TlsAnswer | None = None
    tls: TlsObservation | None = None  # None: TCP reached no address


class _Path:
    """The TCP dial and TLS probe of one (host, port, addresses, TLS policy), made by the first
    login to go there and shared with every other login to it (each still logs in itself)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.seen: _PathSeen | None = None  # None when the first one's probe did not finish


class _Runner:
    def __init__(
        self, options: DoctorOptions, started: float, targets: int, *, head_start: float = 0.0
    ) -> None:
        """`started`: where the deadline counts from; `head_start`: how much of that was the process's
        start-up before the run (it does not count toward the time the extras need)."""
        from pgconnect_cli.probes.local import has_ipv6_route

        self._endpoints: dict[tuple[str, ...], _Endpoint] = {}
        self._paths: dict[tuple[object, ...], _Path] = {}
        self._endpoints_lock = threading.Lock()
        self.options = options
        self.head_start = head_start
        reserve = min(targets * SETTLE_S_PER_TARGET, SETTLE_RESERVE_MAX_S)
        self.end = max(
            started + options.timeout + SLACK_S - reserve,
            time.monotonic() + min(options.timeout, MIN_PROBE_S),
        )
        self.ipv6 = has_ipv6_route()
        base = options.resolver or ResolverConfig()
        self.resolver = replace(base, prefer_ipv6=self.ipv6)

    def left(self) -> float:
        return self.end - time.monotonic()

    def _claim(self, key: tuple[str, ...]) -> tuple[_Endpoint, bool]:
        """The endpoint's shared results, and whether this login is the one to probe it."""
        with self._endpoints_lock:
            endpoint = self._endpoints.get(key)
            if endpoint is not None:
                return endpoint, False
            endpoint = self._endpoints[key] = _Endpoint()
            return endpoint, True

    def _claim_path(self, key: tuple[object, ...]) -> tuple[_Path, bool]:
        """The shared TCP dial and TLS probe toward one address, port and TLS policy, and whether
        this login is the one to make them."""
        with self._endpoints_lock:
            path = self._paths.get(key)
            if path is not None:
                return path, False
            path = self._paths[key] = _Path()
            return path, True

    def room_for_extras(self) -> bool:
        return self.left() + self.head_start >= MIN_LEFT_FOR_EXTRAS_S

    def budget(self) -> float:
        return max(min(self.options.timeout, self.left()), 0.0)

    def work(self, queue: list[tuple[_Probe, _Progress]], lock: threading.Lock) -> None:
        """Probe logins from `queue` one after the other until it is empty or the deadline is near."""
        while self.left() > MIN_LEFT_FOR_LOGIN_S:
            with lock:
                if not queue:
                    return
                probe, progress = queue.pop(0)
            self.run(probe, progress)

    def run(self, probe: _Probe, progress: _Progress) -> None:
        progress.started.set()
        try:
            self._run(probe, progress)
        except Exception as exc:  # a probe bug must not hide the other layers' results
            from pgconnect_cli.conninfo.redact import scrub_exception

            progress.crash(scrub_exception(exc, probe.secrets))
            if self.options.environ.get("PGC_DEBUG") == "1":
                import traceback

                traceback.print_exc()
        finally:
            progress.finished.set()

    def _run(self, probe: _Probe, progress: _Progress) -> None:
        """libpq's walk of the host list: each host in order until one takes the login and is what
        target_session_attrs asks for. An unreachable host, or a session of the wrong kind, sends it
        to the next; a refused login ends the walk (libpq does not try the others then)."""
        from pgconnect_cli.conninfo.convert import libpq_keywords

        ci = probe.ci
        params = libpq_keywords(ci)
        attrs = (
            params.get("target_session_attrs") or self.options.environ.get("PGTARGETSESSIONATTRS") or "any"
        ).strip()
        progress.put(lambda o: replace(o, session_attrs=attrs), done=False)
        hosts: list[HostPort | None] = [*ci.hosts] or [None]
        wanted = "standby" if attrs == "prefer-standby" else attrs
        attempts: list[HostAttempt] = []
        fallback: int | None = None  # prefer-standby: the first host that would do without a standby
        for i, hp in enumerate(hosts):
            if i:
                progress.put(
                    lambda o: replace(
                        o, dns=None, tcp=None, policy=None, tls_answer=None, tls=None, auth=None, server=None
                    ),
                    done=False,
                )
            if self.left() < MIN_LEFT_FOR_LOGIN_S:
                break
            attempt = self._host(probe, progress, params, hp, ci, wanted, last=i == len(hosts) - 1)
            attempts.append(attempt)
            progress.put(functools.partial(replace, hosts=tuple(attempts)), done=False)
            if attempt.outcome is HostOutcome.WRONG_SESSION and fallback is None:
                fallback = i
            if attempt.outcome in (HostOutcome.LANDED, HostOutcome.REFUSED_LOGIN):
                break
        else:
            if attrs == "prefer-standby" and fallback is not None and self.left() > MIN_LEFT_FOR_LOGIN_S:
                # no standby anywhere: libpq goes round again and takes any server
                again = self._host(probe, progress, params, hosts[fallback], ci, "any", last=True)
                attempts[fallback] = again
        tried = len(attempts)
        for hp in hosts[tried:]:
            attempts.append(
                HostAttempt(
                    hp.host if hp else "", _port(hp, ci.port), HostOutcome.NOT_TRIED, "libpq stops before it"
                )
            )
        progress.put(functools.partial(replace, hosts=tuple(attempts)), done=False)

    def _host(
        self,
        probe: _Probe,
        progress: _Progress,
        params: dict[str, str],
        hp: HostPort | None,
        ci: ConnInfo,
        attrs: str,
        *,
        last: bool,
    ) -> HostAttempt:
        """One host of the walk: dns → tcp → tls → login → (target_session_attrs) → the rest."""
        from pgconnect_cli.checks import tls_policy
        from pgconnect_cli.probes import dns, tls

        host = hp.host if hp is not None else ci.host
        port = _port(hp, ci.port)
        progress.start(Layer.DNS)
        dns_obs = dns.resolve(host, self.resolver, self.budget())
        progress.put(functools.partial(replace, dns=dns_obs))
        if not dns_obs.usable:
            return HostAttempt(host, port, HostOutcome.UNREACHABLE, f"DNS: {dns_obs.outcome.value}")
        if dns_obs.is_socket:
            sslmode = params.get("sslmode") or self.options.environ.get("PGSSLMODE") or "prefer"
            return self._connect(probe, progress, params, host, None, port, sslmode, attrs=attrs)
        pol = tls.policy(params, host, self.options.environ, self.options.home)
        # the same address, port and TLS policy: one TCP dial and TLS probe for all the logins
        # that go there (a dozen URLs of one app differing in application_name), shared
        key = (host, port, dns_obs.addresses, pol)
        shared, first = self._claim_path(key)
        seen: _PathSeen | None = None
        if not first:
            progress.start(Layer.TCP)  # a deadline that comes while it waits cuts this layer
            shared.done.wait(self.budget())
            seen = shared.seen
        if seen is None:  # the first one to go there, or its probe did not finish
            try:
                seen = self._dial_and_probe(progress, dns_obs.addresses, port, pol, host)
            finally:
                if first:
                    shared.seen = seen
                    shared.done.set()
        else:
            progress.put(lambda o: replace(o, tcp=seen.tcp))
            if seen.tcp.connected is not None:
                progress.put(lambda o: replace(o, policy=pol, tls_answer=seen.answer, tls=seen.tls))
        if seen.tls is None:
            return HostAttempt(host, port, HostOutcome.UNREACHABLE, f"TCP: {seen.tcp.outcome.value}")
        hostaddr = seen.tcp.connected.address if seen.tcp.connected else None
        if not tls_policy.admits_login(seen.tls, pol):
            return HostAttempt(host, port, HostOutcome.UNREACHABLE, "TLS failed", hostaddr)
        sslmode = tls_policy.dial_sslmode(pol.sslmode, progress.current.answer)
        return self._connect(probe, progress, params, host, hostaddr, port, sslmode, attrs=attrs)

    def _dial_and_probe(
        self, progress: _Progress, addresses: Sequence[str], port: int, pol: TlsPolicy, host: str
    ) -> _PathSeen:
        """TCP to the first address that answers, then the TLS probe on that socket."""
        from pgconnect_cli.probes import tcp, tls

        progress.start(Layer.TCP)
        tcp_obs, sock = tcp.dial(addresses, port, self.budget())
        progress.put(functools.partial(replace, tcp=tcp_obs))
        if sock is None:
            return _PathSeen(tcp_obs)
        connected = tcp_obs.connected
        hostaddr = connected.address if connected else ""
        progress.put(lambda o: replace(o, policy=pol))
        progress.start(Layer.TLS)

        def reconnect(budget: float, address: str = hostaddr, port: int = port) -> socket.socket | None:
            return tcp.dial([address], port, budget, side_port=None)[1]

        tls_obs = tls.probe(
            sock,
            pol,
            self.budget(),
            reconnect,
            host,
            on_answer=lambda a: progress.put(lambda o: replace(o, tls_answer=a), done=False),
        )
        progress.put(lambda o: replace(o, tls=tls_obs))
        return _PathSeen(tcp_obs, progress.current.tls_answer, tls_obs)

    def _connect(
        self,
        probe: _Probe,
        progress: _Progress,
        params: dict[str, str],
        host: str,
        hostaddr: str | None,
        port: int,
        sslmode: str,
        *,
        attrs: str = "any",
    ) -> HostAttempt:
        from pgconnect_cli.checks.live import (
            LIBPQ_MIN_CONNECT_TIMEOUT,
            auth_guard,
            is_loopback_host,
            session_attrs_mismatch,
        )
        from pgconnect_cli.probes import postgres

        progress.start(Layer.AUTH)
        limit = self.budget()
        url_timeout = params.get("connect_timeout", "").strip()
        try:
            if url_timeout and int(float(url_timeout)) > 0:
                limit = min(limit, float(max(int(float(url_timeout)), LIBPQ_MIN_CONNECT_TIMEOUT)))
        except ValueError:
            pass
        if limit < MIN_LEFT_FOR_LOGIN_S:
            # the deadline ends the login before it could start: reported as cut
            return HostAttempt(host, port, HostOutcome.NOT_TRIED, "out of time", hostaddr)
        connect_timeout = max(LIBPQ_MIN_CONNECT_TIMEOUT, math.floor(limit))
        guard, require_auth = auth_guard(
            url_require_auth=params.get("require_auth") or self.options.environ.get("PGREQUIREAUTH"),
            dial_sslmode=sslmode,
            loopback=is_loopback_host(host),
            libpq_version=postgres.libpq_version(),
        )
        plan = postgres.ConnectPlan(
            params=postgres.plan_params(
                params,
                host=host,
                hostaddr=hostaddr,
                port=port,
                sslmode=sslmode,
                connect_timeout=connect_timeout,
                require_auth=require_auth,
            ),
            host=host,
            hostaddr=hostaddr,
            port=port,
            sslmode=sslmode,
            connect_timeout=connect_timeout,
            secrets=probe.secrets,
            budget=limit,
            guard=guard,
        )
        auth, conn = postgres.connect_once(plan)
        progress.put(lambda o: replace(o, auth=auth))
        if conn is None:
            kind = live_failure(auth)
            outcome = HostOutcome.UNREACHABLE if kind else HostOutcome.REFUSED_LOGIN
            return HostAttempt(
                host, port, outcome, auth.message.splitlines()[0] if auth.message else "", hostaddr
            )
        session = postgres.Session(plan, conn)
        try:
            progress.start(Layer.SERVER)
            facts = postgres.server_facts(conn, probe.secrets, prisma_schema=probe.ci.get("schema"))
            progress.put(lambda o: replace(o, server=facts))
            mismatch = session_attrs_mismatch(attrs, facts)
            if mismatch:
                return HostAttempt(host, port, HostOutcome.WRONG_SESSION, mismatch, hostaddr)
            landed = HostAttempt(host, port, HostOutcome.LANDED, "", hostaddr)
            endpoint_params = dict(plan.params)
            user = endpoint_params.get("user", "")
            key = (host, str(port), endpoint_params.get("dbname") or user, user)
            endpoint, owner = self._claim(key)
            progress.start(Layer.POOLER)
            if owner:
                try:
                    self._fingerprint(probe, progress, session, auth, facts, endpoint)
                finally:
                    endpoint.done.set()
                return landed
            # a session pooler gives each client a server connection of its own: let this one go
            # back to the pool, where the fingerprint's second client may need it
            session.close()
            endpoint.done.wait(max(self.left(), 0.0))
            shared_pooler, shared_prepared = endpoint.pooler, endpoint.prepared
            if shared_pooler is None:
                return landed  # the login that fingerprints the endpoint ran out of time: cut
            progress.put(lambda o: replace(o, pooler=shared_pooler))
            if shared_prepared is not None:
                progress.put(lambda o: replace(o, prepared=shared_prepared))
            return landed
        finally:
            session.close()

    def _fingerprint(
        self,
        probe: _Probe,
        progress: _Progress,
        session: postgres.Session,
        auth: AuthObservation,
        facts: ServerFacts,
        endpoint: _Endpoint,
    ) -> None:
        from pgconnect_cli.probes import pooler, prepared

        if not self.room_for_extras():
            return
        pooler_obs, extras = pooler.fingerprint(session, auth, facts, left=self.left)
        endpoint.pooler = pooler_obs
        progress.put(lambda o: replace(o, pooler=pooler_obs))
        if not pooler_obs.kind.pooled or not self.room_for_extras():
            return
        progress.start(Layer.PREPARED)
        second = extras[0] if extras else session.extra(timeout=max(self.left() - 0.1, 0.01))
        prepared_obs = prepared.probe(session.main, second, probe.secrets)
        endpoint.prepared = prepared_obs
        progress.put(lambda o: replace(o, prepared=prepared_obs))


def _port(hp: HostPort | None, default: int) -> int:
    try:
        return hp.port_number if hp is not None else default
    except ValueError:
        return default


def live_failure(auth: AuthObservation) -> bool:
    """A failed login that libpq treats as a failure to reach the host (it tries the next one):
    a timeout, a refused or reset connection; not the server's own refusal of the login."""
    from pgconnect_cli.checks.live import ConnectFailure, classify_connect_error

    kind = classify_connect_error(auth.sqlstate, auth.message, auth.timed_out)
    return kind in (ConnectFailure.TIMEOUT, ConnectFailure.REFUSED) and auth.sqlstate is None


def _effective(
    static: settling.StaticResult, options: DoctorOptions, client: Client | None
) -> Effective | None:
    """The URL as the app's libpq reads it (service file, PG* variables); the file read happens here."""
    from pgconnect_cli.doctor import libpq_env
    from pgconnect_cli.probes import libpq_files

    ci = static.ci
    if ci is None or not ci.is_libpq_scheme:
        return None
    name = libpq_env.service_name(ci, options.environ, client)
    service = libpq_files.find_service(name, options.environ, options.home) if name else None
    return libpq_env.effective(ci, options.environ, client, service)


def _began(started: float) -> float:
    """Where the run's deadline counts from: the pgc process's start, at most START_UP_S before
    the run's own `started` (in-process: `started`)."""
    from pgconnect_cli.probes.local import pgc_started

    process = pgc_started()
    return started if process is None else min(started, max(process, started - START_UP_S))


def _pass_file(options: DoctorOptions) -> PassFile | None:
    from pgconnect_cli.probes import libpq_files

    return libpq_files.pass_file(options.environ, options.home)


def _cpus() -> int:
    """This machine's physical cores: a per-CPU default pool (Prisma 6's) for the budget check."""
    from pgconnect_cli.probes.limits import physical_cpus

    return physical_cpus()


def _start_workers(runner: _Runner, queue: list[tuple[_Probe, _Progress]]) -> DescriptorLimit:
    """Threads that probe the queued logins, as many at once as the open-file limit allows (raised
    toward what the run needs where the hard limit lets it)."""
    from pgconnect_cli.probes.local import descriptor_limit

    if not queue:
        return DescriptorLimit(0, 0)
    limit = descriptor_limit(len(queue) * FDS_PER_LOGIN + RESERVED_FDS)
    slots = max(1, min(len(queue), (limit.soft - RESERVED_FDS) // FDS_PER_LOGIN, MAX_WORKERS))
    lock = threading.Lock()
    for _ in range(slots):
        worker = threading.Thread(target=runner.work, args=(queue, lock), daemon=True, name="pgc-doctor")
        try:
            worker.start()
        except RuntimeError:  # no thread left to start: the queued logins are reported as not dialed
            break
    return replace(limit, slots=slots)


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
    client = settling.client_context(options.client, project, options.client_source)
    statics = [settling.static_result(t, client, project) for t in targets]
    skips = [settling.skip_reason(s, offline=options.offline) for s in statics]
    effs = [_effective(s, options, client.client) for s in statics]
    for i, eff in enumerate(effs):
        if not skips[i] and eff is not None and eff.service is not None and eff.service.path is None:
            skips[i] = f"skipped: service {eff.service.name} is in no service file (service-not-found)"
    passfile = None if options.offline else _pass_file(options)
    observations: list[Observations | None] = [None] * len(targets)
    waited = 0.0
    if options.wait > 0 and not options.offline:  # --wait: until the servers answer on TCP
        from pgconnect_cli.doctor.wait import wait

        cis = [s.ci for s, skip in zip(statics, skips, strict=True) if not skip and s.ci is not None]
        waited = wait(cis, options.wait, options.resolver)
    ipv6 = True
    known: Sequence[ClientTool] | None = tools
    if not options.offline:
        warmup = _Warmup(need_tools=tools is None)
        began = _began(started)
        runner = _Runner(options, began + waited, len(targets), head_start=started - began)
        ipv6 = runner.ipv6
        groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for i, (static, skip) in enumerate(zip(statics, skips, strict=True)):
            if not skip and static.ci is not None:
                eff = effs[i]
                groups.setdefault(settling.probe_identity(eff.ci if eff else static.ci), []).append(i)
        progresses: dict[int, _Progress] = {}
        queue: list[tuple[_Probe, _Progress]] = []
        for indexes in groups.values():
            first = effs[indexes[0]]
            ci = first.ci if first is not None else statics[indexes[0]].ci
            assert ci is not None
            secrets = tuple(s for s in (ci.password, options.environ.get("PGPASSWORD")) if s)
            progress = _Progress()
            queue.append((_Probe(ci, secrets), progress))
            for i in indexes:
                progresses[i] = progress
        limit = _start_workers(runner, queue)
        for progress in {id(p): p for p in progresses.values()}.values():
            signals.wait(progress.finished, runner.end - time.monotonic())  # in slices: signals are handled
        for i, progress in progresses.items():
            observations[i] = progress.snapshot(runner.end - started - waited, limit)
        if tools is None and any(o is not None and o.server is not None for o in observations):
            known = warmup.tools(runner.end)
    texts: tuple[str | None, str | None] = (None, None)
    if project is not None and project.uses_prisma:
        from pgconnect_cli.project import prisma_texts

        texts = prisma_texts(project)
    inputs = [
        settling.TargetInput(t, s, o, skip, effective=e)
        for t, s, o, skip, e in zip(targets, statics, observations, skips, effs, strict=True)
    ]
    facts = settling.RunFacts(
        client=client,
        options=options,
        project=project,
        prisma_texts=texts,
        tools=known,
        ipv6=ipv6,
        file_findings=file_findings,
        shadowed=shadowed,
        passfile=passfile,
        cpus=_cpus() if options.instances else None,
    )
    report = settling.settle(inputs, facts)
    return replace(
        report,
        elapsed_ms=(time.monotonic() - started) * 1000,
        waited_ms=waited * 1000 if options.wait > 0 and not options.offline else None,
    )
