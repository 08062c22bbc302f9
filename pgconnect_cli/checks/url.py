"""Static checks on one connection string: no network, no files, no output.

`check_url(raw, context=...)` parses a URL as its author meant it, classifies the endpoint and
returns every finding that needs no network. `pgc url check`, `pgc env check` and `pgc doctor`
all use it, so a URL gets the same verdict everywhere.

The context says who will use the URL, which changes some severities:

==========================  =======  =======  =======  =======
finding                     app      migrate  psql     prisma
==========================  =======  =======  =======  =======
param-not-libpq             warning  warning  error    info
pgbouncer-flag-missing      warning  —        —        error
sslmode-prisma-downgrade    —        —        —        warning
direct-url-is-pooled        —        error¹   error¹   —
scheme-unsupported (SQLAlchemy, JDBC form)  info  info  error  error
scheme-unsupported (prisma+postgres://)     info  error error  info
==========================  =======  =======  =======  =======

¹ info for a session-mode pooler, warning when the pool mode is unknown.

`psql` stands for every libpq tool (psql, pg_dump, pg_restore): they fail on Prisma-only
parameters (`invalid URI query parameter`), so there that warning becomes an error.
`pgbouncer-flag-missing` is advice about Prisma; for other known clients it is an `info`
naming the client's own switch, and Prisma 7 (node-postgres) does not need the flag at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pgconnect_cli.checks import url_truths
from pgconnect_cli.checks.context import Context as Context  # re-exported: callers import it from here
from pgconnect_cli.checks.providers import provider_findings
from pgconnect_cli.conninfo.build import to_uri
from pgconnect_cli.conninfo.fix import unbracketed_ipv6, unwrap_quotes
from pgconnect_cli.conninfo.invisible import Invisible, find_invisible, strip_invisible
from pgconnect_cli.conninfo.meant import (
    MeantSplit,
    Reading,
    raw_reserved_characters,
    read_as_meant,
    split_as_meant,
)
from pgconnect_cli.conninfo.model import (
    LIBPQ_KEYWORD_SINCE,
    LIBPQ_KEYWORDS,
    LIBPQ_SCHEMES,
    PRISMA_ONLY_PARAMS,
    ConnInfo,
    Form,
)
from pgconnect_cli.conninfo.params import (
    ENUM_VALUES,
    INTEGER_PARAMS,
    corrected_value,
    shown_name,
    ssl_flag_meaning,
    suggest,
)
from pgconnect_cli.conninfo.parse import ADONET_MESSAGE, ParseError, as_text
from pgconnect_cli.conninfo.redact import MASK, mask_unparsed, printable, scrub, url_secrets
from pgconnect_cli.findings import Finding, Severity, exit_code_for, finding
from pgconnect_cli.providers import (
    SUPABASE_DB_HOST,
    SUPAVISOR_HOST,
    Classification,
    Endpoint,
    PoolMode,
    Provider,
    classify,
    is_loopback,
)
from pgconnect_cli.report import Section

if TYPE_CHECKING:
    from pgconnect_cli.known_clients import ClientAnswer
    from pgconnect_cli.project import Client


@dataclass(frozen=True)
class UrlCheck:
    """The verdict on one URL. Every string in it is free of secrets."""

    url: str  # masked: safe to print
    conninfo: ConnInfo | None  # None when the string cannot be parsed
    classification: Classification | None
    findings: tuple[Finding, ...]
    context: Context = Context.APP
    misread: bool = False  # libpq would split the user/password elsewhere than meant

    @property
    def valid(self) -> bool:
        """The string parses as a connection string (it may still have error findings)."""
        return self.conninfo is not None

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def exit_code(self, *, strict: bool = False) -> int:
        return exit_code_for(self.findings, strict=strict)

    def section(self, name: str = "URL") -> Section:
        return Section(name=name, url=self.url, findings=self.findings)


def check_url(
    raw: str,
    *,
    context: Context = Context.APP,
    client: Client | None = None,
    prisma_major: int | None = None,
    answer: ClientAnswer | None = None,
) -> UrlCheck:
    """Parse, classify and lint one connection string. Pure; never raises on bad input."""
    text = as_text(raw).strip(_ASCII_SPACE)
    invisible = find_invisible(text)
    if invisible:  # checked as if they were not there; the finding names each one
        text = strip_invisible(text)
    text = text.strip()
    found_first = [_invisible_finding(invisible)] if invisible else []
    if not text:
        detail = (
            "the connection string is empty: libpq would use its defaults (a local socket), "
            "not your database."
        )
        return UrlCheck("<empty input>", None, None, (*found_first, finding("url-invalid", detail)), context)
    secrets: set[str | None] = set(url_secrets(text))
    jdbc = text.lower().startswith("jdbc:")
    body = text[5:] if jdbc else text
    assignment = _ASSIGNMENT.match(body)
    if assignment:  # libpq reads `DATABASE_URL=postgres://…` as an unknown keyword: say what it is
        name = assignment.group(1)
        detail = f"this is a whole assignment ({name}=…): give only the value (`pgc url fix` strips it)."
        secrets = _distinctive(secrets | url_secrets(assignment.group(2)), None)
        shown = printable(mask_unparsed(assignment.group(2).strip("\"'"), secrets))
        found = [*found_first, finding("url-invalid", detail)]
        return UrlCheck(shown, None, None, _scrubbed(found, secrets), context)
    try:
        reading = read_as_meant(body)
    except ParseError as exc:
        found = found_first + _invalid(body, exc)
        secrets = _distinctive(secrets, None)
        shown = printable(mask_unparsed(text, secrets))
        return UrlCheck(shown, None, None, _scrubbed(found, secrets), context)

    ci = reading.conninfo
    secrets = _distinctive(secrets | {ci.password}, ci)
    found = found_first + _userinfo_findings(reading)
    found += _truths(as_text(raw), body, ci, client)
    ampersand = url_truths.ampersand_for_query(ci, body)
    if ampersand is not None:  # the rest of the report reads the settings as settings
        found.append(ampersand[0])
    scheme_finding, foreign = _scheme_finding(ci, jdbc=jdbc, context=context)
    if scheme_finding is not None:
        found.append(scheme_finding)
    classification = classify(ci)
    if not foreign:
        meant = ampersand[1] if ampersand is not None else ci
        found += lint(
            meant,
            classify(meant) if ampersand is not None else classification,
            context=context,
            client=client,
            prisma_major=prisma_major,
            answer=answer,
        )
    masked = to_uri(ci, mask=True, scheme=("jdbc:" + ci.scheme) if jdbc else None)
    return UrlCheck(
        printable(masked),
        ci,
        classification,
        _scrubbed(found, secrets),
        context,
        reading.misread,
    )


_ASCII_SPACE = " \t\n\r\v\f"


def _truths(raw: str, body: str, ci: ConnInfo, client: Client | None) -> list[Finding]:
    """What the app sees that the rest of the report reads past (issue 11: never silently repaired)."""
    out = [url_truths.edge_whitespace(raw, ci.form), url_truths.percent_escape_not_utf8(body, client)]
    return [f for f in out if f is not None]


def _invisible_finding(invisible: Sequence[Invisible]) -> Finding:
    places = "; ".join(dict.fromkeys(i.describe() for i in invisible))
    if len(invisible) == 1:
        detail = f"invisible character {places}. libpq reads it as part of the text"
    else:
        detail = f"invisible characters: {places}. libpq reads them as part of the text"
    detail += " (the rest of this report reads the string without it)."
    return finding("invisible-character", detail)


def lint(
    ci: ConnInfo,
    classification: Classification,
    *,
    context: Context = Context.APP,
    client: Client | None = None,
    prisma_major: int | None = None,
    answer: ClientAnswer | None = None,
) -> list[Finding]:
    """Every static finding for a parsed URL (user/password encoding and scheme aside). With the
    project's client `answer`, the parameters it reads are not unknown, and the client's own verdict
    on the URL (`checks.client`) is added."""
    found: list[Finding] = []
    found += _placeholders(ci)
    found += _semicolon_settings(ci)
    client_reads: frozenset[str] = frozenset()
    if answer is not None and answer.client is not None:
        from pgconnect_cli.checks.client import check_url_for_client, reads, wire_client

        client_reads = reads(answer.client) | reads(wire_client(answer))
    found += _param_findings(ci, context, client_reads)
    found += _tls_findings(ci, classification, context, prisma_major)
    prisma_client = answer is None or answer.client is None or answer.client.id == "prisma6"
    found += _provider_findings(ci, classification, context, client, prisma_major, prisma_client)
    if answer is not None and answer.client is not None:
        found += check_url_for_client(ci, answer, pooled=classification.endpoint is Endpoint.POOLED)
    found += provider_findings(ci, classification, migrations=context is Context.MIGRATE)
    return found


# --- secrets ---------------------------------------------------------------------------------


_ASSIGNMENT = re.compile(
    r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)=\s*([\"']?[A-Za-z][A-Za-z0-9+.\-]*:.*)$", re.DOTALL
)


def _distinctive(candidates: set[str | None], ci: ConnInfo | None) -> set[str | None]:
    """The candidates worth scrubbing from texts: a password that is also the user name, a
    template word or a very short string would mangle innocent words (`postgres`, `password`).
    Finding texts never embed the password; scrubbing is the second line of defence."""
    user = ci.user if ci is not None else None
    return {
        s
        for s in candidates
        if s and len(s) >= 6 and s != user and s != MASK and _placeholder_kind(s) is None
    }


def _scrubbed(findings: Iterable[Finding], secrets: set[str | None]) -> tuple[Finding, ...]:
    return tuple(
        replace(
            f,
            title=printable(scrub(f.title, secrets)),
            detail=printable(scrub(f.detail, secrets)),
            fix=printable(scrub(f.fix, secrets)),
        )
        for f in findings
    )


# --- parse failures and the user/password -------------------------------------------------------

_ENCODING_FIX = (
    "Percent-encode the user and password (@ %40, : %3A, / %2F, ? %3F, # %23, [ %5B, ] %5D, % %25, "
    "space %20): `pgc url fix -` reads the URL from stdin and prints it encoded."
)


def _invalid(body: str, exc: ParseError) -> list[Finding]:
    detail = exc.message
    if exc.part not in exc.message and exc.part != "scheme":
        detail += f" (in the {exc.part})"
    detail += "."
    fix = None
    if unwrap_quotes(body.strip()) is not None:
        detail += " The value is wrapped in quotes: remove them (`pgc url fix` does)."
    elif exc.message == ADONET_MESSAGE:
        fix = "Rewrite it as a URI: `pgc url fix -` reads it from stdin and prints postgresql://…"
    elif re.fullmatch(r"\S+", body) and "=" not in body and ":" not in body:
        detail += " It is a single word: a password or token on its own? Give the whole connection string."
    found = [finding("url-invalid", detail, fix)]
    split = split_as_meant(body)
    if split is not None and split.userinfo is not None and raw_reserved_characters(split):
        found.append(finding("password-unencoded", _reserved_detail(split), _ENCODING_FIX))
    return found


def _reserved_detail(split: MeantSplit) -> str:
    chars = " ".join("space" if c == " " else c for c in raw_reserved_characters(split))
    return f"raw {chars} in the user or password"


def _userinfo_findings(reading: Reading) -> list[Finding]:
    split = reading.split
    if split is None or split.userinfo is None:
        return []
    chars = raw_reserved_characters(split)
    if chars and set(chars) <= set("[]") and _placeholder_kind(reading.conninfo.password or "") == "wrapped":
        chars = []  # [YOUR-PASSWORD]: the placeholder finding says what to do
    if split.misread:
        detail = (
            "libpq ends the user and password at the first @ before any / and so reads another "
            "host, port or database than meant (psql, pg_dump and psycopg connect elsewhere or fail)"
        )
        if chars:
            detail = _reserved_detail(split) + ": " + detail
        return [finding("password-unencoded", detail + ".", _ENCODING_FIX)]
    if reading.misread:  # split where meant, but libpq cannot decode the user or password
        reasons = []
        if " " in chars:
            reasons.append(
                'libpq 18 refuses a raw space (`unexpected spaces found in "…", use percent-encoded '
                "spaces (%20) instead`; libpq 15 keeps it)"
            )
        if "%" in chars:
            reasons.append(
                "libpq refuses a % that does not start an escape like %40 (`invalid percent-encoded token`)"
            )
        detail = _reserved_detail(split) + ": " + ("; ".join(reasons) or "libpq cannot decode it")
        return [finding("password-unencoded", detail + ".", _ENCODING_FIX)]
    if chars:
        detail = (
            _reserved_detail(split) + ": libpq reads it, but Prisma, node-postgres and URL libraries "
            "split the URL at that character or reject it."
        )
        return [finding("password-unencoded", detail, _ENCODING_FIX)]
    return []


def _scheme_finding(ci: ConnInfo, *, jdbc: bool, context: Context) -> tuple[Finding | None, bool]:
    """(finding, foreign): foreign schemes are explained, not linted further."""
    scheme = ci.scheme
    lower = scheme.lower()
    tools_only = context in (Context.PSQL, Context.PRISMA)
    if jdbc:
        severity = Severity.ERROR if tools_only else Severity.INFO
        detail = "jdbc:postgresql:// is the JDBC form: Java drivers only; libpq tools and Prisma reject it."
        fix = (
            "`pgc url fix -` rewrites it as a libpq URL (user, password and ssl move where libpq wants them)."
        )
        return finding("scheme-unsupported", detail, fix, severity=severity), True
    if ci.form is Form.KEYVALUE or scheme in LIBPQ_SCHEMES:
        return None, False
    if lower in LIBPQ_SCHEMES:
        detail = f"{scheme}:// — libpq only accepts lowercase postgresql:// and postgres://."
        return finding("scheme-unsupported", detail, f"Write {lower}:// (`pgc url fix`)."), False
    if re.match(r"^postgres(?:ql)?\+", lower):
        driver = lower.split("+", 1)[1]
        severity = Severity.ERROR if tools_only else Severity.INFO
        detail = (
            f"{scheme}:// is SQLAlchemy's form (driver {driver}): SQLAlchemy and Alembic read it; "
            "psql, pg_dump and Prisma do not."
        )
        fix = "For libpq tools: `pgc url convert URL --to uri`; for SQLAlchemy: `--to sqlalchemy`."
        return finding("scheme-unsupported", detail, fix, severity=severity), False
    if lower in ("prisma+postgres", "prisma"):
        severity = Severity.INFO if context in (Context.APP, Context.PRISMA) else Severity.ERROR
        detail = (
            f"{scheme}:// is a Prisma Accelerate / Prisma Postgres URL: only Prisma Client reads it; "
            "migrations, psql and pg_dump need the direct TCP URL."
        )
        fix = "Use the direct connection string (postgres://…@db.prisma.io:5432/…) from the Prisma Console."
        return finding("scheme-unsupported", detail, fix, severity=severity), True
    detail = f"{scheme}:// is not a PostgreSQL URL: libpq accepts postgresql:// and postgres://."
    return finding("scheme-unsupported", detail, "Use the PostgreSQL connection string."), True


# --- placeholders ----------------------------------------------------------------------------

_PLACEHOLDER_WORDS = frozenset(
    """
    user username usr password passwd pass pwd secret host hostname region projectref ref
    project dbpassword databasepassword dbuser
    """.split()
)
_TEMPLATE_VALUES = frozenset({"johndoe", "randompassword"})  # `prisma init` writes these into .env
_MASKED = re.compile(r"\*{3,}|[xX]{3,}|•{3,}")
_SEPARATORS = re.compile(r"[_\-]")
_WRAPPED = re.compile(r"^(?:\[[^\]]*\]|<[^>]*>)$")
# ${VAR}, $VAR (upper case, as environment variables are named), {{ var }}: a template nobody rendered
_VARIABLE = re.compile(
    r"^(?:\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+\-][^}]*)?\}|\$[A-Z_][A-Z0-9_]*|\{\{[^}]*\}\})$"
)
_EMBEDDED = re.compile(r"\[[A-Za-z][A-Za-z0-9 _\-]*\]|<[A-Za-z][^>]*>|\{\{?[A-Za-z_][^}]*\}|\$\{[A-Za-z_]")
# A template word as a whole value: one case throughout (or Capitalized), words joined by _ or -.
_WORDS = re.compile(
    r"^(?:[a-z]+(?:[_\-][a-z]+)*|[A-Z]+(?:[_\-][A-Z]+)*|[A-Z][a-z]+(?:[_\-][A-Za-z][a-z]*)*)$"
)


def _placeholder_kind(value: str) -> str | None:
    """'wrapped' ([YOUR-PASSWORD], <password>), 'variable' (${DB_PASSWORD}, $DB_PASSWORD: never
    expanded), 'masked' (****), 'template' (Prisma's johndoe/randompassword), 'word' (PASSWORD,
    your-password), or None. Whole values only: `pa ss` or `pAss` are somebody's real password."""
    v = value.strip()
    if not v:
        return None
    if _VARIABLE.match(v):
        return "variable"
    if _WRAPPED.match(v):
        return "wrapped"
    if _MASKED.fullmatch(v):
        return "masked"
    if not _WORDS.match(v):
        return None
    word = _SEPARATORS.sub("", v).lower()
    if word in _TEMPLATE_VALUES:
        return "template"
    if word in _PLACEHOLDER_WORDS:
        return "word"
    rest = word.removeprefix("your")
    if rest != word and any(rest.endswith(w) for w in _PLACEHOLDER_WORDS if len(w) > 3):
        return "word"
    return None


def _local_name(host: str) -> bool:
    """Loopback, or a single-label name (a docker-compose service such as `db`): a setup on this
    machine or its private network, where a plain `password` may well be the real one."""
    if is_loopback(host):
        return True
    return "." not in host and ":" not in host and bool(re.fullmatch(r"[A-Za-z0-9_\-]+", host))


_UNEXPANDED_FIX = (
    "Set the variable where the URL is assembled and make sure it gets expanded: `export` it in the "
    "shell, use dotenv-expand (Node) or python-dotenv's interpolation, or docker compose's `environment:`; "
    "or write the value in full."
)


def _placeholders(ci: ConnInfo) -> list[Finding]:
    where: list[str] = []
    unexpanded: list[str] = []
    plain_words_only = True
    user_kind = _placeholder_kind(ci.user or "")
    if user_kind:
        where.append(f"user {ci.user!r}")
        plain_words_only &= user_kind == "word"
        if user_kind == "variable":
            unexpanded.append(f"user {ci.user!r}")
    pw_kind = _placeholder_kind(ci.password or "")
    if pw_kind:
        where.append("the password")
        plain_words_only &= pw_kind == "word"
        if pw_kind == "variable":
            unexpanded.append("the password")
    for hp in ci.hosts:
        if hp.host and (_EMBEDDED.search(hp.host) or _placeholder_kind(hp.host)):
            where.append(f"host {hp.host!r}")
            plain_words_only = False
            if _VARIABLE.match(hp.host) or "${" in hp.host:
                unexpanded.append(f"host {hp.host!r}")
    if ci.dbname and (_WRAPPED.match(ci.dbname) or _VARIABLE.match(ci.dbname)):
        where.append(f"database {ci.dbname!r}")
        plain_words_only = False
        if _VARIABLE.match(ci.dbname):
            unexpanded.append(f"database {ci.dbname!r}")
    if not where:
        return []
    if unexpanded:
        detail = (
            "a variable reference was never expanded in " + ", ".join(unexpanded) + ": the shell, "
            "dotenv or docker compose passed it on as text, so the client sends it literally."
        )
        return [finding("placeholder-credentials", detail, _UNEXPANDED_FIX)]
    local = all(_local_name(hp.host) for hp in ci.hosts)
    detail = "placeholder text left from a template in " + ", ".join(where) + "."
    if plain_words_only and local:
        detail += " Fine if it really is your local (or docker-compose) setup."
        return [finding("placeholder-credentials", detail, severity=Severity.INFO)]
    return [finding("placeholder-credentials", detail)]


# --- parameters ----------------------------------------------------------------------------

_PARAM_NOT_LIBPQ_SEVERITY = {
    Context.APP: Severity.WARNING,
    Context.MIGRATE: Severity.WARNING,
    Context.PSQL: Severity.ERROR,
    Context.PRISMA: Severity.INFO,
}


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


_UNKNOWN_SHOWN = 20  # one finding each; the rest are counted (a mangled string can hold thousands)


def _param_findings(
    ci: ConnInfo, context: Context, client_reads: frozenset[str] = frozenset()
) -> list[Finding]:
    found: list[Finding] = []
    prisma_only: list[str] = []
    unknown: list[str] = []
    for key, value in ci.options:
        if key in ("user", "password", "host", "port", "dbname", "requiressl") or key in client_reads:
            continue
        if key == "ssl":
            if ci.form is Form.URI and value == "true":
                continue
            mode = ssl_flag_meaning(value) or "require"
            detail = "ssl=" + _short(value) + ": libpq only accepts ssl=true, and only in a URI."
            fix = f"Use sslmode={mode} (`pgc url fix`)."
            found.append(finding("param-unknown", detail, fix))
        elif key in LIBPQ_KEYWORDS:
            since = LIBPQ_KEYWORD_SINCE.get(key)
            if since:
                severity = Severity.WARNING if context is Context.PSQL else Severity.INFO
                detail = f"{key} needs libpq {since} or newer; older psql and pg_dump reject the URL."
                found.append(finding("param-libpq-version", detail, severity=severity))
        elif key in PRISMA_ONLY_PARAMS:
            prisma_only.append(key)
        else:
            unknown.append(key)
    found += [_unknown_param(key) for key in unknown[:_UNKNOWN_SHOWN]]
    if len(unknown) > _UNKNOWN_SHOWN:
        more = len(unknown) - _UNKNOWN_SHOWN
        detail = f"and {more} more parameters neither libpq nor Prisma knows."
        found.append(finding("param-unknown", detail, "Remove them from the URL."))
    if prisma_only:
        names = ", ".join(prisma_only)
        severity = _PARAM_NOT_LIBPQ_SEVERITY[context]
        them = "them" if len(prisma_only) > 1 else "it"
        if context is Context.PRISMA:
            detail = f"{names}: Prisma reads {them}; psql and pg_dump would fail on this URL."
        else:
            detail = (
                f"{names}: Prisma reads {them}, libpq tools fail with "
                f'`invalid URI query parameter: "{prisma_only[0]}"`.'
            )
        found.append(finding("param-not-libpq", detail, severity=severity))
    for key in dict.fromkeys(ci.duplicates):
        found.append(finding("param-duplicate", f"{key} is given more than once; libpq uses the last value."))
    found += _value_findings(ci, context)
    return found


def _unknown_param(key: str) -> Finding:
    shown = shown_name(key)
    s = suggest(key)
    if s is None:
        return finding(
            "param-unknown",
            f"{shown}: neither libpq nor Prisma knows it (libpq: `invalid URI query parameter`).",
            f"Remove {shown} from the URL.",
        )
    if s.replacement is None:
        return finding("param-unknown", f"{shown}: {s.reason}.", f"Remove {shown} from the URL.")
    if s.replacement == "options":
        fix = f"Replace {shown}=X with options=-c%20search_path%3DX (`pgc url fix`)."
    else:
        fix = f"Write {s.replacement} instead of {shown} (`pgc url fix`)."
    return finding("param-unknown", f"{shown}: {s.reason}", fix)


def _value_findings(ci: ConnInfo, context: Context) -> list[Finding]:
    found: list[Finding] = []
    values = dict(ci.options)
    for key, allowed in ENUM_VALUES.items():
        value = values.get(key)
        if value is not None and value not in allowed:
            accepted = ", ".join(sorted(allowed))
            detail = f"{key}={_short(value)}: libpq refuses it (`invalid {key} value`)."
            meant = corrected_value(key, value)
            fix = f"Write {key}={meant} (`pgc url fix` does it)." if meant else f"Use one of: {accepted}."
            found.append(finding("param-value-invalid", f"{detail} Accepted: {accepted}.", fix))
    for key in INTEGER_PARAMS:
        value = values.get(key)
        if value is not None and value.strip() and not re.fullmatch(r"\s*-?\d+\s*", value):
            unit = " of seconds" if "timeout" in key or "lifetime" in key else ""
            detail = f"{key}={_short(value)}: must be a whole number{unit}."
            found.append(
                finding("param-value-invalid", detail, f"Write a whole number{unit}, e.g. {key}=10.")
            )
    found += _timeout_disabled(values.get("connect_timeout"))
    port = values.get("port")
    if port is not None:
        found += _port_findings(ci, port)
        hosts = (values.get("hostaddr") or values.get("host") or "").split(",")
        ports = port.split(",")
        if len(ports) > 1 and len(ports) != len(hosts):
            detail = (
                f"{len(ports)} ports for {len(hosts)} hosts: libpq refuses to connect (`could not match "
                f"{len(ports)} port numbers to {len(hosts)} hosts`)."
            )
            fix = "Give one port for all hosts, or one port per host in the same order."
            found.append(finding("param-value-invalid", detail, fix))
    found += _refused_before_connecting(ci)
    pgbouncer = values.get("pgbouncer")
    if pgbouncer is not None and pgbouncer.lower() not in ("true", "false"):
        detail = f"pgbouncer={_short(pgbouncer)}: Prisma accepts only true or false and refuses to connect."
        found.append(finding("param-value-invalid", detail, "Write pgbouncer=true."))
    return found


def _timeout_disabled(value: str | None) -> list[Finding]:
    """connect_timeout=0 (or negative): libpq and Prisma then wait without a limit."""
    if value is None or not re.fullmatch(r"\s*-?\d+\s*", value) or int(value) > 0:
        return []
    detail = f"connect_timeout={value.strip()}: no connection timeout; a dropped port hangs for minutes."
    return [finding("connect-timeout-disabled", detail)]


def _port_findings(ci: ConnInfo, port: str) -> list[Finding]:
    for hp in ci.hosts:
        if ":" in hp.port and ci.form is Form.URI:
            found = unbracketed_ipv6(f"{hp.host}:{hp.port}")
            if found is not None:
                address, written = found
                bracketed = f"[{address}]" + (f":{written}" if written else "")
                detail = (
                    f"port {_short(hp.port)}: {address} is an IPv6 address without brackets, so libpq "
                    f"ends the host at its first colon. Write {bracketed}."
                )
                fix = f"Put the IPv6 address in brackets: …@{bracketed}/… (`pgc url fix` does it)."
                return [finding("param-value-invalid", detail, fix)]
    bad = [p for p in port.split(",") if p and not (p.isdigit() and 1 <= int(p) <= 65535)]
    if not bad:
        return []
    detail = f"port {_short(bad[0])}: a port is a number from 1 to 65535 (libpq: `invalid port number`)."
    fix = "Write the port as a number (PostgreSQL's default is 5432, PgBouncer's 6432)."
    return [finding("param-value-invalid", detail, fix)]


def _semicolon_settings(ci: ConnInfo) -> list[Finding]:
    """`…/db;sslmode=require`: JDBC's and ADO.NET's `;` does not start settings in a libpq URI."""
    dbname = ci.dbname or ""
    if ci.form is not Form.URI or not _SEMICOLON_SETTING.search(dbname):
        return []
    name, _, rest = dbname.partition(";")
    keys = [shown_name(m.group(1)) for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*=", rest)]
    detail = (
        f"the database name {name!r} is followed by ;{'=…;'.join(keys)}=…: libpq takes settings after ?, "
        "not after ;, so it reads them as part of the database name and applies none of them."
    )
    fix = f"Write them as a query: /{name}?{'=…&'.join(keys)}=… (`pgc url fix` does it)."
    title = "Settings after ; are read as part of the database name"
    return [finding("url-invalid", detail, fix, title=title)]


_SEMICOLON_SETTING = re.compile(r";\s*[A-Za-z_][A-Za-z0-9_]*\s*=")


def _refused_before_connecting(ci: ConnInfo) -> list[Finding]:
    """Combinations libpq (16+ where noted) refuses before any network traffic, in its own words."""
    found: list[Finding] = []
    settings = ci.libpq_dict()
    explicit = settings.get("sslmode")
    system_roots = settings.get("sslrootcert") == "system"
    mode = explicit or ("verify-full" if system_roots else "prefer")
    if system_roots and explicit is not None and explicit != "verify-full":
        detail = (
            f"sslmode={explicit} with sslrootcert=system: libpq 16+ refuses to connect "
            f'(`weak sslmode "{explicit}" may not be used with sslrootcert=system (use "verify-full")`).'
        )
        fix = "Use sslmode=verify-full&sslrootcert=system (or remove sslrootcert=system)."
        found.append(finding("param-value-invalid", detail, fix))
    if settings.get("sslnegotiation") == "direct" and mode in ("disable", "allow", "prefer"):
        said = f"sslmode={mode}" if explicit else "no sslmode (libpq's default is prefer)"
        detail = (
            f'sslnegotiation=direct with {said}: libpq refuses to connect (`weak sslmode "{mode}" may not be '
            'used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")`).'
        )
        fix = "Add sslmode=require (or verify-full), or remove sslnegotiation=direct."
        found.append(finding("param-value-invalid", detail, fix))
    host, hostaddr = settings.get("host"), settings.get("hostaddr")
    if host is not None and hostaddr is not None:
        names, addrs = len(host.split(",")), len(hostaddr.split(","))
        if names != addrs:
            detail = (
                f"{names} host names and {addrs} hostaddr values: libpq refuses to connect "
                f"(`could not match {names} host names with {addrs} hostaddr values`)."
            )
            fix = "Give one hostaddr per host (in the same order), or remove hostaddr."
            found.append(finding("param-value-invalid", detail, fix))
    if settings.get("channel_binding") == "require" and mode == "disable":
        detail = (
            "channel_binding=require with sslmode=disable: channel binding needs TLS, so every attempt "
            "fails (`channel binding required, but SSL not in use`)."
        )
        fix = "Use sslmode=require (or stronger) with channel_binding=require."
        found.append(finding("param-value-invalid", detail, fix))
    return found


# --- TLS ---------------------------------------------------------------------------------------


def _effective_sslmode(ci: ConnInfo, context: Context) -> str | None:
    if context is Context.PRISMA:  # Prisma ignores ssl= and requiressl
        return ci.get("sslmode")
    mode = ci.libpq_dict().get("sslmode")
    if mode is None and "ssl" in ci:
        mode = ssl_flag_meaning(ci.get("ssl") or "")
    return mode


def _tls_findings(
    ci: ConnInfo, classification: Classification, context: Context, prisma_major: int | None
) -> list[Finding]:
    found: list[Finding] = []
    hosts = [hp.host for hp in ci.hosts if hp.host] or (ci.get("hostaddr") or "").split(",")
    remote = [h for h in hosts if h and not is_loopback(h)]
    if ci.get("sslrootcert") == "system":
        detail = (
            "sslrootcert=system: libpq 16 and newer verify the server against the system's trusted CAs "
            "(and default to sslmode=verify-full); libpq 15 and older read `system` as a file name, "
            'so verify-full fails (`root certificate file "system" does not exist`) and require '
            "connects without any verification."
        )
        found.append(finding("sslrootcert-system-old-libpq", detail))
    if not remote:
        return found
    mode = _effective_sslmode(ci, context)
    facts = classification.facts
    target = (
        f"{facts.display} host {remote[0]}" if classification.provider is not Provider.GENERIC else remote[0]
    )
    if mode is None:
        if ci.get("sslrootcert") == "system" and context is not Context.PRISMA:
            return found  # libpq 16+ defaults to verify-full with sslrootcert=system
        detail = (
            f"no sslmode toward {target}: libpq and Prisma default to prefer, which falls back to plaintext."
        )
        if context is Context.PRISMA and ("ssl" in ci or "requiressl" in ci):
            detail += " Prisma ignores ssl= and requiressl."
        found.append(finding("sslmode-missing", detail))
    elif mode == "disable" and facts.requires_tls:
        detail = f"sslmode=disable toward {target}: {facts.display} refuses connections without TLS."
        found.append(finding("provider-requires-tls", detail))
    elif mode in ("disable", "allow", "prefer"):
        detail = f"sslmode={mode} toward {target}: the connection may be unencrypted."
        found.append(finding("sslmode-weak", detail))
    if (
        context is Context.PRISMA
        and mode in ("verify-ca", "verify-full")
        and (prisma_major is None or prisma_major <= 6)
    ):
        detail = (
            f"sslmode={mode}: Prisma 6 and older know only disable, prefer and require and treat "
            f"{mode} as prefer — no certificate check, plaintext fallback."
        )
        fix = "Use sslmode=require&sslaccept=strict&sslcert=<ca.pem> (`pgc url convert URL --to prisma`)."
        found.append(finding("sslmode-prisma-downgrade", detail, fix))
    return found


# --- providers and poolers -------------------------------------------------------------------


def _provider_findings(
    ci: ConnInfo,
    c: Classification,
    context: Context,
    client: Client | None,
    prisma_major: int | None,
    prisma_client: bool = True,
) -> list[Finding]:
    found: list[Finding] = []
    host = ci.host.lower().rstrip(".")
    user = ci.user or ""
    if c.provider is Provider.SUPABASE:
        db_host = SUPABASE_DB_HOST.match(host)
        if (SUPAVISOR_HOST.match(host) or host.endswith(".pooler.supabase.com")) and not c.supabase_ref:
            detail = (
                f"user {user or '(none)'!r} on Supabase's shared pooler {host}: Supavisor needs "
                "postgres.<project-ref> and otherwise answers `Tenant or user not found`."
            )
            fix = "Use the user postgres.<project-ref> (the ref is the xxxx of db.xxxx.supabase.co)."
            found.append(finding("supabase-user-format", detail, fix))
        elif db_host and user.endswith("." + db_host.group("ref")):
            detail = (
                f"user {user!r} on {host}: the postgres.<project-ref> form is only for the shared "
                "pooler (Supavisor); this host takes the plain role name."
            )
            fix = f"Use the user {user.rsplit('.', 1)[0]!r}."
            title = "Supabase's own hosts take the plain user name"
            found.append(finding("supabase-user-format", detail, fix, title=title))

    flag = (ci.get("pgbouncer") or "").lower() == "true"
    needs_flag = c.is_transaction_pooler and c.provider is not Provider.RDS_PROXY and not flag
    needs_flag = needs_flag and (prisma_client or context is Context.PRISMA)  # the flag is Prisma 6's
    if needs_flag and context in (Context.APP, Context.PRISMA) and not (prisma_major or 0) >= 7:
        detail = (
            f"{c.reason}. Without pgbouncer=true Prisma's named prepared statements fail there "
            '(`prepared statement "s0" already exists`).'
        )
        if context is Context.PRISMA:
            found.append(
                finding(
                    "pgbouncer-flag-missing",
                    detail,
                    "Add pgbouncer=true to this URL (`pgc url convert URL --to prisma`).",
                    severity=Severity.ERROR,
                )
            )
        elif client is not None and client.value != "prisma":
            from pgconnect_cli.project import PREPARED_FIX

            found.append(
                finding(
                    "pgbouncer-flag-missing",
                    f"{c.reason}: named prepared statements do not survive across transactions.",
                    f"The flag is Prisma's; for {client.value}: {PREPARED_FIX[client]}.",
                    severity=Severity.INFO,
                )
            )
        else:
            found.append(finding("pgbouncer-flag-missing", detail))
    if flag and c.endpoint is Endpoint.DIRECT and context is not Context.PSQL:
        found.append(finding("pgbouncer-flag-on-direct", f"pgbouncer=true, but {c.reason}."))

    if context in (Context.MIGRATE, Context.PSQL) and c.endpoint is Endpoint.POOLED:
        if c.pool_mode is PoolMode.SESSION:
            severity = Severity.INFO
        elif c.pool_mode is PoolMode.TRANSACTION:
            severity = Severity.ERROR
        else:
            severity = Severity.WARNING
        tools = "migrations" if context is Context.MIGRATE else "psql and pg_dump"
        detail = f"{c.reason}; {tools} need a direct connection (session SET, locks, prepared statements)."
        fix = "Use the direct URL: `pgc url direct URL`."
        found.append(finding("direct-url-is-pooled", detail, fix, severity=severity))
    return found


def findings_summary(findings: Sequence[Finding]) -> str:
    """`1 error, 2 warnings, 1 note` for the closing line of a report."""
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = sum(f.severity is Severity.WARNING for f in findings)
    infos = sum(f.severity is Severity.INFO for f in findings)

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    return ", ".join([n(errors, "error"), n(warnings, "warning"), n(infos, "note")])
