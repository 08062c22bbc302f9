"""Static findings a provider row gives about a URL's host: a read-only endpoint used for
migrations, a name reachable only inside a private or IPv6-only network, a provider that shut down.

Pure: the classification (providers.py) carries the row and host form that matched.
"""

from __future__ import annotations

from pgconnect_cli.conninfo.model import ConnInfo
from pgconnect_cli.findings import Finding, finding
from pgconnect_cli.providers import Classification


def provider_findings(ci: ConnInfo, c: Classification, *, migrations: bool) -> list[Finding]:
    found: list[Finding] = []
    host = ci.host.lower().rstrip(".")
    row = c.facts
    if row.shut_down is not None:
        detail = f"{host} is a {row.display} host: {row.shut_down.text} ({row.shut_down.source.url})."
        found.append(finding("provider-shut-down", detail))
    if migrations and c.read_only:
        guess = " (a pattern the provider does not promise)" if c.heuristic else ""
        detail = f"{c.reason}{guess}: migrations need the writer, and a read-only server refuses them."
        found.append(finding("read-only-endpoint", detail))
    if c.network is not None:
        detail = f"{host} ({row.display}) is {_reachable(c.network)}."
        found.append(finding("host-network-restricted", detail))
    return found


def _reachable(network: str) -> str:
    return network if network.startswith("reachable") else f"reachable only inside {network}"
