"""Committed example `.env` files (`.env.example`, `.env.sample`): no real password in them.

Pure: the parsed documents and the URL linter come in, findings go out. A password counts as a
placeholder when `url check` calls it one (`placeholder-credentials`); a real-looking one for a
local host (loopback, a docker-compose service name) is a development default, not a leak.
"""

from __future__ import annotations

import re

from pgconnect_cli.checks.envfile import UrlLinter
from pgconnect_cli.conninfo import masked_uri
from pgconnect_cli.dotenv_file import EnvDocument
from pgconnect_cli.findings import Finding, finding
from pgconnect_cli.providers import is_loopback
from pgconnect_cli.targets import looks_like_postgres_url

EXAMPLE_NAMES = (".env.example", ".env.sample")


def _local(host: str) -> bool:
    return is_loopback(host) or bool(re.fullmatch(r"[A-Za-z0-9_\-]+", host))


def example_findings(label: str, doc: EnvDocument, lint_url: UrlLinter) -> list[Finding]:
    """`env-example-real-password` for each URL in an example file that holds a real password."""
    out = []
    for s in doc.bindings:
        if not s.value or not looks_like_postgres_url(s.value) or "${" in s.value:
            continue
        ci, _, found = lint_url(s.value.strip())
        if ci is None or not ci.password or any(f.id == "placeholder-credentials" for f in found):
            continue
        hosts = [hp.host for hp in ci.hosts]
        if all(_local(h) for h in hosts):
            continue
        out.append(
            finding(
                "env-example-real-password",
                f"{label} line {s.line} ({s.key}): the URL for {', '.join(hosts)} holds a password that "
                f"is no placeholder ({masked_uri(ci)}).",
                f"Replace it in {label} with a placeholder such as [YOUR-PASSWORD] and change the real "
                "password: it is in the repository's history.",
                line=s.line,
            )
        )
    return out
