"""docs/providers.md from the provider table in pgconnect_cli/providers.py (`make docs`; a test checks
it is current). Every fact carries its source; unconfirmed facts say so."""

from __future__ import annotations

from pgconnect_cli.providers import PROVIDER_ROWS, Fact, NotDerivable, ProviderRow, Rewrite, Source

HEADER = """# Providers

What `pgc` knows about each managed PostgreSQL: how it recognises a host, which endpoint it is,
the pool mode, TLS, and how `pgc url direct` / `pgc url pooled` derive the counterpart URL (or why
they cannot). Provider ids are public API (`provider` in `pgc.url/v1`, `--provider` of `url build`
and `env init`).

This file is generated from `pgconnect_cli/providers.py` by `make docs`. Each fact links its
source and the date the page showed; *(unconfirmed)* marks a fact no provider source pins down —
a rule built on it says so in its finding.

| id | provider | ports | pool mode | TLS | derivation |
|---|---|---|---|---|---|
"""


def _src(source: Source) -> str:
    date = "" if source.date == "n/d" else f", {source.date}"
    return f"[{source.kind}{date}]({source.url})" if source.url.startswith("http") else f"({source.url})"


def _fact(fact: Fact | None) -> str:
    if fact is None:
        return "–"
    text = fact.text.replace("|", "\\|")
    return f"{text}{' *(unconfirmed)*' if fact.uncertain else ''} {_src(fact.source)}"


def _derivation(d: Rewrite | NotDerivable) -> str:
    if isinstance(d, NotDerivable):
        return f"not derivable: {d.reason}"
    return d.text


def _section(row: ProviderRow) -> str:
    lines = [f'<a id="{row.id.value}"></a>', "", f"## {row.display} (`{row.id.value}`)", ""]
    if row.shut_down is not None:
        lines += [f"**Shut down:** {_fact(row.shut_down)}", ""]
    if row.endpoints:
        lines += [
            "| host form | endpoint | pool mode | example | → direct | → pooled |",
            "|---|---|---|---|---|---|",
        ]
        for rule in row.endpoints:
            ports = f" (port {', '.join(map(str, sorted(rule.ports)))})" if rule.ports else ""
            flags = [f for f, on in (("read-only", rule.read_only), ("heuristic", rule.heuristic)) if on]
            name = rule.name + ports + (f" — {', '.join(flags)}" if flags else "")
            mode = rule.pool_mode.value if rule.pool_mode else "–"
            to_direct = "; ".join(_derivation(d) for d in rule.to_direct) or "–"
            to_pooled = "; ".join(_derivation(d) for d in rule.to_pooled) or "–"
            lines.append(
                f"| {name} | {rule.endpoint.value} | {mode} | `{rule.example}` | {to_direct} | {to_pooled} |"
            )
        lines.append("")
    else:
        lines += ["Not recognisable by host (no host form).", ""]
    facts = [
        ("Users", row.users),
        ("Network", row.network),
        ("Derivation", row.derivation),
    ]
    lines += [f"- {label}: {_fact(fact)}" for label, fact in facts if fact is not None]
    lines.append(
        f"- TLS required: {'yes' if row.requires_tls else 'no'}; pgc writes sslmode="
        f"{row.default_sslmode or '(none)'}; pool mode per pool: {'yes' if row.mode_per_pool else 'no'}"
    )
    if row.env_vars:
        names = ", ".join(
            f"`{v.name}` ({v.role.value if v.role else 'no role'}) {_src(v.source)}" for v in row.env_vars
        )
        lines.append(f"- Variables its integrations set: {names}")
    for lim in row.limits:
        parts = [
            f"direct {lim.direct}" if lim.direct is not None else "",
            f"pooled {lim.pooled}" if lim.pooled is not None else "",
        ]
        text = ", ".join(p for p in parts if p) + (f" — {lim.note}" if lim.note else "")
        lines.append(
            f"- Limit, {lim.plan}: {text}{' *(unconfirmed)*' if lim.uncertain else ''} {_src(lim.source)}"
        )
    lines += [f"- Note: {_fact(note)}" for note in row.notes]
    if row.preset is not None:
        lines.append(f"- `pgc url build --provider {row.id.value}`: host `{row.preset.host}`")
    return "\n".join(lines) + "\n"


def render() -> str:
    rows = [
        f"| [`{r.id.value}`](#{r.id.value}) | {r.display} | {_fact(r.ports)} | {_fact(r.pool_mode)} | "
        f"{_fact(r.tls)} | {_fact(r.derivation)} |"
        for r in PROVIDER_ROWS
    ]
    return HEADER + "\n".join(rows) + "\n\n" + "\n".join(_section(r) for r in PROVIDER_ROWS)
