"""`pgc url direct|pooled|convert|fix` as plain Python: one URL in, one product and its notes out.

Each function takes the URL text as read (argument, stdin or variable) and returns a `UrlProduct`:
the text for stdout (a URL: it holds the password), notes for stderr, and the exit code. A URL that
cannot be used raises `UrlRefused` with the finding id that says why (exit 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pgconnect_cli.checks.url import check_url
from pgconnect_cli.conninfo.build import to_keyvalue, to_uri
from pgconnect_cli.conninfo.fix import Reading, read_as_meant
from pgconnect_cli.conninfo.invisible import find_invisible, strip_invisible
from pgconnect_cli.conninfo.model import ConnInfo, Form
from pgconnect_cli.conninfo.parse import ParseError
from pgconnect_cli.errors import FindingError
from pgconnect_cli.findings import Severity
from pgconnect_cli.providers import (
    DerivationError,
    Endpoint,
    PoolMode,
    classify,
    derive_direct,
    derive_pooled,
)


@dataclass(frozen=True)
class Note:
    text: str
    kind: str = "note"  # note, warning, fixed, still


@dataclass(frozen=True)
class UrlProduct:
    text: str  # for stdout, byte for byte (a URL: it holds the password)
    notes: tuple[Note, ...] = ()
    exit_code: int = 0


class UrlRefused(FindingError):
    """The URL cannot be used for what was asked; `id` is the finding that says why."""

    def __init__(self, id: str, detail: str, notes: Sequence[Note] = ()) -> None:
        super().__init__(f"{id}: {detail}")
        self.id = id
        self.detail = detail
        self.notes = tuple(notes)


def visible(raw: str) -> tuple[str, list[Note]]:
    """`raw` without invisible characters (a no-break space, a zero-width space), each one noted:
    a URL printed for a tool must not carry them on."""
    found = find_invisible(raw)
    notes = [Note(f"removed an invisible {invisible.describe()}") for invisible in found]
    return (strip_invisible(raw) if found else raw), notes


def read(raw: str, notes: list[Note]) -> Reading:
    """The URL as meant, or UrlRefused with the finding that says why it cannot be used."""
    text = raw.strip()
    body = text[5:] if text.lower().startswith("jdbc:") else text
    try:
        reading = read_as_meant(body)
    except ParseError as exc:
        invalid = [f for f in check_url(text).findings if f.id == "url-invalid"]
        detail = invalid[0].detail if invalid else exc.message
        raise UrlRefused("url-invalid", detail + " Try `pgc url fix`.", notes) from None
    scheme = reading.conninfo.scheme.lower()
    usable = reading.conninfo.scheme in ("postgresql", "postgres", "") or scheme.startswith(
        ("postgresql+", "postgres+")
    )
    if not usable:
        found = [f for f in check_url(text).findings if f.id == "scheme-unsupported"]
        detail = found[0].detail if found else f"{reading.conninfo.scheme}:// is not a PostgreSQL URL."
        raise UrlRefused("scheme-unsupported", detail, notes)
    if reading.misread:
        notes.append(
            Note("the user or password was not percent-encoded; read it up to the @ before the host")
        )
    return reading


def render_like(ci: ConnInfo, original: ConnInfo) -> str:
    """`ci` written in the form (URI or key=value) and scheme of `original`."""
    if original.form is Form.KEYVALUE:
        return to_keyvalue(ci)
    return to_uri(ci, scheme=original.scheme or "postgresql")


def _same_or(derived: ConnInfo, reading: Reading, raw: str, notes: list[Note]) -> UrlProduct:
    ci = reading.conninfo
    if derived is ci:
        text = render_like(ci, ci) if reading.misread else raw.strip()
        return UrlProduct(text, tuple(notes))
    return UrlProduct(render_like(derived, ci), tuple(notes))


def direct(raw: str, *, direct_host: str | None = None, direct_port: int | None = None) -> UrlProduct:
    """The direct (unpooled) URL for a pooled one."""
    text, notes = visible(raw)
    reading = read(text, notes)
    ci = reading.conninfo
    try:
        derived = derive_direct(ci, direct_host=direct_host, direct_port=direct_port)
    except DerivationError as exc:
        raise UrlRefused("url-not-derivable", f"{exc.reason}; {exc.hint}.", notes) from None
    if derived is ci and classify(ci).endpoint is Endpoint.DIRECT:
        notes.append(Note("this is already a direct endpoint"))
    return _same_or(derived, reading, text, notes)


def pooled(
    raw: str,
    *,
    mode: PoolMode = PoolMode.TRANSACTION,
    region: str | None = None,
    pooler_host: str | None = None,
    pooler_port: int | None = None,
    pgbouncer_flag: bool = False,
) -> UrlProduct:
    """The pooled URL for a direct one; `pgbouncer_flag` adds pgbouncer=true for a transaction pooler."""
    text, notes = visible(raw)
    reading = read(text, notes)
    ci = reading.conninfo
    try:
        derived = derive_pooled(
            ci, mode=mode, region=region, pooler_host=pooler_host, pooler_port=pooler_port
        )
    except DerivationError as exc:
        raise UrlRefused("url-not-derivable", f"{exc.reason}; {exc.hint}.", notes) from None
    c = classify(derived)
    if pgbouncer_flag and c.is_transaction_pooler and (derived.get("pgbouncer") or "").lower() != "true":
        derived = derived.replace(pgbouncer="true")
    if derived is ci and c.endpoint is Endpoint.POOLED:
        notes.append(Note("this is already a pooled endpoint"))
    return _same_or(derived, reading, text, notes)


def convert(
    raw: str, to: str, *, set_: Sequence[tuple[str, str]] = (), unset: Sequence[str] = ()
) -> UrlProduct:
    """The URL rewritten for a tool (`to`: uri, keyvalue, env, prisma, sqlalchemy, jdbc)."""
    from pgconnect_cli.conninfo.convert import Target, apply_edits
    from pgconnect_cli.conninfo.convert import convert as do_convert

    text, notes = visible(raw)
    ci = apply_edits(read(text, notes).conninfo, list(set_), [k.strip() for k in unset])
    c = classify(ci)
    result = do_convert(
        ci,
        Target(to),
        pooled=c.endpoint is Endpoint.POOLED,
        transaction_pooler=c.is_transaction_pooler,
        direct=c.endpoint is Endpoint.DIRECT,
    )
    return UrlProduct(result.text, (*notes, *(Note(n) for n in result.notes)))


def fix(raw: str) -> UrlProduct:
    """What can be repaired mechanically; exit 1 when the result still has an error finding."""
    from pgconnect_cli.conninfo.fix import fix as do_fix
    from pgconnect_cli.conninfo.redact import printable

    try:
        result = do_fix(raw)
    except ParseError as exc:
        raise UrlRefused("url-invalid", printable(exc.message) + " (no mechanical repair applies)") from None
    after = check_url(result.text)
    unusable = [
        f
        for f in after.findings
        if f.id in ("url-invalid", "scheme-unsupported") and f.severity is Severity.ERROR
    ]
    if unusable:
        raise UrlRefused(unusable[0].id, unusable[0].detail)
    notes = [Note(change, "fixed") for change in result.changes]
    if not result.changes:
        notes.append(Note("nothing to fix"))
    errors = [f for f in after.findings if f.severity is Severity.ERROR]
    notes += [Note(f"{f.id}: {f.detail}", "still") for f in errors]
    return UrlProduct(result.text, tuple(notes), 1 if errors else 0)
