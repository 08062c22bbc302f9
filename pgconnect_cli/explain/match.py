"""Match a paste against the signature table and rank what it finds. Pure: text in, hits out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from pgconnect_cli.conninfo.build import MASK
from pgconnect_cli.conninfo.redact import printable, scrub
from pgconnect_cli.explain.signatures import (
    CLUES,
    CONTEXT_FIELDS,
    PRISMA,
    SIGNATURES,
    SQLSTATES,
    Known,
    Signature,
)
from pgconnect_cli.findings import CATALOGUE

_PLACEHOLDER = re.compile(r"\{(q|host|num):(\w+)\}")
_SHAPES = {
    # a name as servers quote it ("x", 'x', `x`) or bare; quotes are unified before matching
    "q": "(?:\"(?P<{0}>[^\"]{{0,63}})\"|'(?P<{0}__81>[^']{{0,63}})'|`(?P<{0}__82>[^`]{{0,63}})`"
    "|(?P<{0}__83>[^\\s\"'`]{{1,63}}))",
    "host": "(?P<{}>\\[[0-9A-Fa-f:.]+\\]|[\\w.\\-<>]+)",
    "num": "(?P<{}>\\d+)",
}
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"})
_ESCAPED_QUOTE = re.compile(r'\\+"')
_SPACE = re.compile(r"\s+")
_GROUP_SUFFIX = re.compile(r"(?:__\d+)+$")
_PRISMA_CODE = re.compile(r"^P\d{4}$", re.IGNORECASE)
_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$", re.IGNORECASE)
_EMBEDDED_PRISMA = re.compile(r"\bP\d{4}\b")
_EMBEDDED_SQLSTATE = re.compile(
    r"(?:sqlstate|sql_state|\bcode)\W{0,4}E?(?P<a>[0-9A-Z]{5})\b|\b(?P<b>[0-9][0-9A-Z]{4}): ", re.IGNORECASE
)


@dataclass(frozen=True)
class Hit:
    """One signature (or code) found in the paste, with the candidates the context ordered."""

    kind: str  # "message", "prisma", "sqlstate" or "finding"
    key: str  # the code, the finding id, or the signature's pattern
    title: str
    finding_ids: tuple[str, ...]
    note: str = ""
    evidence: str = ""  # the matched text, secrets masked
    fields: tuple[tuple[str, str], ...] = ()
    clues: tuple[str, ...] = ()  # why a candidate moved to the front
    tier: int = 1
    retry: bool = False
    position: int = 0


@dataclass(frozen=True)
class Explanation:
    query: str  # the text asked about, passwords masked: safe to show
    matches: tuple[Hit, ...]
    context: tuple[tuple[str, str], ...] = field(default=())

    @property
    def finding_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for m in self.matches:
            for fid in m.finding_ids:
                seen.setdefault(fid, None)
        return tuple(seen)

    @property
    def first(self) -> str | None:
        return self.matches[0].finding_ids[0] if self.matches and self.matches[0].finding_ids else None

    @property
    def also_seen(self) -> tuple[str, ...]:
        return self.finding_ids[1:]


def normalise(text: str) -> str:
    """Quotes unified, escaped quotes undone (debug dumps print \\"s0\\"), whitespace collapsed."""
    text = _ESCAPED_QUOTE.sub('"', text.translate(_QUOTES))
    return _SPACE.sub(" ", text).strip()


@cache
def compiled(template: str) -> re.Pattern[str]:
    """A signature's pattern with its placeholders expanded (repeated names numbered)."""
    counts: dict[str, int] = {}

    def expand(m: re.Match[str]) -> str:
        name = m.group(2)
        counts[name] = counts.get(name, 0) + 1
        group = name if counts[name] == 1 else f"{name}__{counts[name]}"
        return _SHAPES[m.group(1)].format(group)

    return re.compile(_PLACEHOLDER.sub(expand, template), re.IGNORECASE)


def explain(text: str) -> Explanation:
    """Everything known about `text`, the likeliest finding first; no matches when nothing is."""
    query = text.strip()
    if query.lower() in CATALOGUE:
        fid = query.lower()
        return Explanation(fid, (Hit("finding", fid, CATALOGUE[fid].title, (fid,)),))
    if _PRISMA_CODE.match(query):
        return Explanation(query.upper(), tuple(_code_hit(k) for k in _prisma_codes(query.upper())))
    if _SQLSTATE.match(query) and any(c.isdigit() for c in query):
        code = query.upper()
        return Explanation(code, tuple(_code_hit(k) for k in SQLSTATES if k.key == code))
    return _explain_text(query)


def _prisma_codes(code: str) -> tuple[Known, ...]:
    exact = tuple(k for k in PRISMA if k.key == code)
    if exact or not code.startswith("P3"):
        return exact
    return tuple(k for k in PRISMA if k.key == "P3xxx")


def _code_hit(k: Known, position: int = 0, evidence: str = "") -> Hit:
    return Hit(k.kind, k.key, k.title, k.finding_ids, k.note, evidence or k.key, tier=2, position=position)


def _explain_text(query: str) -> Explanation:
    norm = normalise(query)
    found: list[tuple[Signature, re.Match[str]]] = []
    for sig in SIGNATURES:
        m = compiled(sig.pattern).search(norm)
        if m is not None:
            found.append((sig, m))
    secrets = [value for sig, m in found for name, value in _fields(m) if _base(name) in sig.secret_fields]
    hits = [_signature_hit(sig, m, secrets) for sig, m in found]
    hits += _embedded_codes(norm)
    hits = [_apply_clues(h, norm) for h in hits]
    firsts = [h.position for h in hits if not h.retry and h.tier <= 1]
    hits.sort(key=lambda h: (h.retry and any(p < h.position for p in firsts), h.tier, h.position))
    return Explanation(printable(scrub(query, secrets)), tuple(hits), _context(norm, secrets))


def _base(name: str) -> str:
    return _GROUP_SUFFIX.sub("", name)


def _fields(m: re.Match[str]) -> list[tuple[str, str]]:
    return [(name, value.rstrip(".,;:")) for name, value in m.groupdict().items() if value]


def _signature_hit(sig: Signature, m: re.Match[str], secrets: list[str]) -> Hit:
    fields: dict[str, str] = {}
    for name, value in _fields(m):
        base = _base(name)
        fields.setdefault(base, MASK if base in sig.secret_fields else printable(scrub(value, secrets)))
    return Hit(
        "message",
        sig.pattern,
        sig.title,
        sig.finding_ids,
        sig.note,
        evidence=printable(scrub(m.group(0), secrets)),
        fields=tuple(fields.items()),
        tier=sig.tier,
        retry=sig.retry,
        position=m.start(),
    )


def _embedded_codes(norm: str) -> list[Hit]:
    hits: list[Hit] = []
    seen: set[str] = set()
    for m in _EMBEDDED_PRISMA.finditer(norm):
        for k in _prisma_codes(m.group(0)):
            if k.key not in seen:
                seen.add(k.key)
                hits.append(_code_hit(k, m.start(), m.group(0)))
    for m in _EMBEDDED_SQLSTATE.finditer(norm):
        code = (m.group("a") or m.group("b")).upper()
        for k in SQLSTATES:
            if k.key == code and code not in seen:
                seen.add(code)
                hits.append(_code_hit(k, m.start(), code))
    return hits


def _apply_clues(hit: Hit, norm: str) -> Hit:
    ids = list(hit.finding_ids)
    why: list[str] = []
    for clue in reversed(CLUES):  # earlier clues end up in front
        if clue.finding_id in ids and compiled(clue.pattern).search(norm):
            ids.remove(clue.finding_id)
            ids.insert(0, clue.finding_id)
            why.insert(0, clue.why)
    if not why:
        return hit
    return Hit(
        hit.kind,
        hit.key,
        hit.title,
        tuple(ids),
        hit.note,
        hit.evidence,
        hit.fields,
        tuple(why[:1]),
        hit.tier,
        hit.retry,
        hit.position,
    )


def _context(norm: str, secrets: list[str]) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for pattern in CONTEXT_FIELDS:
        m = compiled(pattern).search(norm)
        if m is not None:
            for name, value in _fields(m):
                out.setdefault(name, printable(scrub(value, secrets)))
    return tuple(out.items())


def check_command(finding_id: str) -> str:
    """The pgc command that checks for this finding."""
    layer = CATALOGUE[finding_id].layer
    if layer in ("url", "tls") and finding_id.startswith(("sslmode", "provider", "url", "param", "password")):
        return "pgc url check URL"
    if finding_id in (
        "url-invalid",
        "invisible-character",
        "scheme-unsupported",
        "placeholder-credentials",
        "supabase-user-format",
        "sslrootcert-system-old-libpq",
    ):
        return "pgc url check URL"
    if finding_id.startswith("env-"):
        return "pgc env check"
    if finding_id == "connection-budget":
        return "pgc pool plan"
    return "pgc doctor"
