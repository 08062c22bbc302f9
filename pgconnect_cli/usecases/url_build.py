"""`pgc url build` as plain Python: a URL from parts or a provider preset (a row of providers.py).

No prompts here: what is missing is asked through the `ask` callback (the CLI passes one on a
terminal) or returned in `BuildResult.missing`. Callable without typer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pgconnect_cli.conninfo.build import to_uri
from pgconnect_cli.conninfo.model import ConnInfo, Form
from pgconnect_cli.errors import UsageError
from pgconnect_cli.findings import Finding
from pgconnect_cli.providers import (
    PROVIDERS,
    BuildPreset,
    DerivationError,
    PoolMode,
    Provider,
    derive_direct,
    derive_pooled,
    is_loopback,
    neon_region_host,
)


@dataclass(frozen=True)
class Question:
    """One part the URL needs and the user did not give."""

    name: str  # host, port, endpoint, region, project_ref, cluster, user, password, database
    flag: str  # the option that gives it, named in the error without a terminal
    prompt: str
    default: str | None = None
    secret: bool = False  # the password: asked without echo; an empty answer means none


# An answer, or None when nobody can be asked (no terminal).
Asker = Callable[[Question], "str | None"]


@dataclass(frozen=True)
class BuildRequest:
    """What `pgc url build` was given; None where the user gave nothing."""

    provider: Provider = Provider.GENERIC
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    no_password: bool = False
    database: str | None = None
    pooled: bool | None = None  # None: not said (a given --host is kept as it is)
    mode: PoolMode = PoolMode.TRANSACTION
    region: str | None = None
    project_ref: str | None = None
    endpoint: str | None = None
    cluster: str | None = None
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BuildResult:
    conninfo: ConnInfo | None  # None when something is missing
    notes: tuple[str, ...] = ()
    missing: tuple[Question, ...] = ()
    errors: tuple[Finding, ...] = ()  # error findings of the built URL: it cannot work

    @property
    def url(self) -> str:
        return to_uri(self.conninfo) if self.conninfo is not None else ""

    def missing_message(self) -> str:
        return f"missing {', '.join(q.flag for q in self.missing)} (no terminal to ask on)"


_PROMPTS = {
    "host": "Host",
    "port": "Port",
    "endpoint": "Endpoint id (ep-…)",
    "region": "Region",
    "project_ref": "Project ref (the xxxx of db.xxxx.supabase.co)",
    "cluster": "Cluster id (the xxxx of direct.xxxx.flympg.net)",
}
_PROVIDER_PROMPTS = {
    (Provider.NEON, "endpoint"): "Neon endpoint id (ep-…)",
    (Provider.NEON, "region"): "Region (e.g. us-east-2, aws-us-east-2, azure-eastus2)",
    (Provider.SUPABASE, "region"): "Region (e.g. us-east-1, or aws-1-us-east-1)",
    (Provider.AZURE, "host"): "Server name (NAME or NAME.postgres.database.azure.com)",
    (Provider.NILE, "region"): "Region (e.g. us-west-2)",
}
_PASSWORD_FLAG = "--password-stdin (or --password, or --no-password)"


def split_host(host: str, port: int | None) -> tuple[str, int | None]:
    """--host as given, split when it carries a port (`db.example.com:6543`, `[::1]:5432`).

    The value is never echoed: people paste whole URLs (with the password) here.
    """
    value = host.strip()
    if not value:
        raise UsageError("--host is empty")
    if "://" in value or "@" in value:
        raise UsageError(
            "--host takes a host name, not a URL: give a whole URL to `pgc url check` or `pgc url fix`"
        )
    if value.startswith("/"):  # a Unix-socket directory
        return value, port
    if any(c.isspace() for c in value) or any(c in value for c in "/?#"):
        raise UsageError("--host takes a host name (the database goes in --database, parameters in --param)")
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(.*))?", value)
    if bracketed:
        value, written = bracketed.group(1), bracketed.group(2)
    elif value.count(":") == 1:
        value, _, written = value.partition(":")
    else:  # a bare IPv6 address, or a plain name
        written = None
    if written:
        if not (written.isdigit() and 1 <= int(written) <= 65535):
            raise UsageError("--host HOST:PORT: the port must be a number from 1 to 65535")
        if port is not None and port != int(written):
            raise UsageError(f"--host has port {written} and --port says {port}: give the port once")
        port = int(written)
    return value, port


class _Answers:
    """The request's values, else the asker's answers, else the defaults; what stays open is missing."""

    def __init__(self, ask: Asker | None) -> None:
        self.ask = ask
        self.missing: list[Question] = []

    def get(self, value: str | None, q: Question) -> str | None:
        if value is not None:
            return value
        answer = self.ask(q) if self.ask is not None else None
        if answer is not None:
            return answer
        if q.default is not None:
            return q.default
        self.missing.append(q)
        return None


def _question(provider: Provider, name: str, default: str | None = None) -> Question:
    prompt = _PROVIDER_PROMPTS.get((provider, name), _PROMPTS.get(name, name))
    return Question(name, f"--{name.replace('_', '-')}", prompt, default)


def build_url(req: BuildRequest, ask: Asker | None = None) -> BuildResult:
    """The URL the request describes. Raises UsageError for parts that cannot be right."""
    row = PROVIDERS[req.provider]
    preset = row.preset
    if preset is None:
        reason = row.shut_down.text if row.shut_down else f"{row.display} has no build preset"
        raise UsageError(f"--provider {req.provider.value}: {reason}")
    answers = _Answers(ask)
    notes: list[str] = []
    given_host = req.host is not None
    host: str | None
    if given_host and "host" not in preset.fields:  # a host given to a preset that forms its own
        host, port = split_host(req.host or "", req.port)
    else:
        host, port = _preset_host(req, preset, answers)
    if port is None and preset.port is None:
        text = answers.get(None, _question(req.provider, "port"))
        if text is not None and not (text.strip().isdigit() and 1 <= int(text) <= 65535):
            raise UsageError("--port must be a number from 1 to 65535")
        port = int(text) if text is not None else None
    user_default = preset.user
    user = req.user
    if user is None and not preset.ask_user:
        user = user_default
    user = answers.get(user, Question("user", "--user", "User", user_default))
    region = req.region
    if req.pooled and preset.session_needs_region and req.mode is PoolMode.SESSION:
        region = answers.get(region, _question(req.provider, "region"))
    password = _password(req, preset, answers, notes)
    database = answers.get(
        req.database, Question("database", "--database", "Database", preset.database or user)
    )
    if answers.missing or host is None or user is None or database is None:
        return BuildResult(None, tuple(notes), tuple(answers.missing))

    query = list(preset.params)
    tls_given = any(k in ("sslmode", "ssl") for k, _ in req.params)
    if preset.tls_for_remote and not is_loopback(host) and not tls_given:
        query.append(("sslmode", "require"))
        notes.append(
            "added sslmode=require for a remote host (--param sslmode=disable for a server without TLS)"
        )
    for key, value in req.params:
        query = [(k, v) for k, v in query if k != key] + [(key, value)]
    options: list[tuple[str, str]] = [("user", user)]
    if password is not None:
        options.append(("password", password))
    options += [("host", host), ("port", str(port or preset.port or 5432)), ("dbname", database), *query]
    ci = ConnInfo(raw="", form=Form.URI, scheme="postgresql", options=tuple(options))
    ci = _endpoint(ci, req, preset, region, given_host, notes)
    if req.port is not None and ci.port != req.port:
        ci = ci.replace(port=str(req.port))
    return BuildResult(ci, tuple(notes), (), _errors(ci))


def _preset_host(req: BuildRequest, preset: BuildPreset, answers: _Answers) -> tuple[str | None, int | None]:
    """The preset's host from the answers it needs (and a port typed with the host)."""
    given = {
        "host": req.host,
        "region": req.region,
        "project_ref": req.project_ref,
        "endpoint": req.endpoint,
        "cluster": req.cluster,
    }
    values: dict[str, str] = {}
    port = req.port
    for name in preset.fields:
        value = answers.get(given.get(name), _question(req.provider, name))
        if value is not None:
            values[name] = value.strip()
    if len(values) < len(preset.fields):
        return None, port
    if "host" in values:
        values["host"], port = split_host(values["host"], port)
    if "endpoint" in values:
        values["endpoint"] = values["endpoint"].removesuffix("-pooler")
    if "{neon_region}" in preset.host:
        values["neon_region"] = neon_region_host(values.get("region", ""))
    host = preset.host.format(**values)
    if preset.host_suffix and "." not in host and not host.startswith("/"):
        host += preset.host_suffix
    return host, port


def _password(req: BuildRequest, preset: BuildPreset, answers: _Answers, notes: list[str]) -> str | None:
    if req.password is not None or req.no_password:
        return req.password
    q = Question("password", _PASSWORD_FLAG, "Password", secret=True)
    answer = answers.ask(q) if answers.ask is not None else None
    if answer is not None:
        return answer or None  # an empty answer: no password in the URL
    if preset.needs_password:
        answers.missing.append(q)
    else:
        notes.append(
            "no password set: libpq takes it from .pgpass or PGPASSWORD "
            "(--no-password says so on purpose, --password-stdin adds one)"
        )
    return None


def _endpoint(
    ci: ConnInfo,
    req: BuildRequest,
    preset: BuildPreset,
    region: str | None,
    given_host: bool,
    notes: list[str],
) -> ConnInfo:
    """The endpoint --pooled/--direct asks for, derived by the provider's rules.

    The preset's host is the direct endpoint; a given --host is kept unless --pooled/--direct says
    otherwise.
    """
    if req.pooled is None or (not req.pooled and not given_host):
        return ci
    try:
        if req.pooled:
            derived = derive_pooled(ci, mode=req.mode, region=region)
        else:
            derived = derive_direct(ci)
    except DerivationError as exc:
        if not req.pooled:
            return ci  # nothing marks it pooled: it is the direct endpoint as given
        if preset.pooled_port is None:
            raise UsageError(f"--pooled: {exc.reason}; {exc.hint}") from None
        derived = ci.replace(port=str(preset.pooled_port))
    if derived.host != ci.host and given_host:
        notes.append(f"--{'pooled' if req.pooled else 'direct'}: used the host {derived.host}")
    if req.pooled and preset.pooled_note and derived.host == ci.host and derived is not ci:
        notes.append(preset.pooled_note)
    return derived


def _errors(ci: ConnInfo) -> tuple[Finding, ...]:
    from pgconnect_cli.checks.url import check_url
    from pgconnect_cli.findings import Severity

    return tuple(f for f in check_url(to_uri(ci)).findings if f.severity is Severity.ERROR)
