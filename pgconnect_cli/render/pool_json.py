"""`pgc pool plan --json`: the `pgc.pool/v1` document.

Additive changes only within v1. Beyond the issue's keys: `in_use` (live connections, apart from
`total`), `sources` (where cpus, pool size, client and URL came from), `plan_limits` (the plan's
direct and pooled limits with their source), `live` (what the server said), `direct` (the
Prisma CLI's direct budget) and `notes`. The URL is masked.
"""

from __future__ import annotations

from collections.abc import Mapping

from pgconnect_cli.report import Section
from pgconnect_cli.usecases.pool_plan import PoolPlan

SCHEMA = "pgc.pool/v1"


def _record(
    obj: object | None, attrs: str, renamed: Mapping[str, str] | None = None
) -> dict[str, object] | None:
    """`obj`'s attributes (space-separated names), each under its own name or the one `renamed` gives."""
    if obj is None:
        return None
    return {(renamed or {}).get(a, a): getattr(obj, a) for a in attrs.split()}


def document(result: PoolPlan) -> dict[str, object]:
    """The body; `render.emit` adds `ok` and `summary` (the keys every output has)."""
    i, b = result.inputs, result.budget
    live = result.live
    direct = b.direct
    plan = result.plan
    return {
        "schema": SCHEMA,
        "inputs": {
            "cpus": i.cpus,
            "instances": i.instances,
            "serverless": i.serverless,
            "concurrency": i.concurrency,
            "pool_size": i.pool_size,
            "client": i.client.value if i.client is not None else None,
            "provider": i.provider,
            "plan": i.plan,
            "endpoint": i.endpoint.value if i.endpoint is not None else None,
            "max_connections": i.max_connections,
            "url": i.url,
        },
        "sources": {
            "cpus": i.cpus_source,
            "pool_size": i.pool_size_source or None,
            "client": i.client_source or None,
        },
        "per_instance": b.per_instance,
        "total": b.total,
        "in_use": live.in_use if live is not None else None,
        "limit": {
            "connections": b.limit.connections,
            "source": b.limit.source.value,
            "endpoint": b.limit.endpoint.value if b.limit.endpoint is not None else None,
            "origin": b.limit.origin,
        },
        "headroom": b.headroom,
        "max_instances": b.max_instances,
        "plan_limits": _record(plan, "provider plan direct pooled source note"),
        "live": _record(
            live,
            "server_version max_connections superuser_reserved reserved in_use free role_limit "
            "database_limit superuser through_pooler",
            {"superuser_reserved": "superuser_reserved_connections", "reserved": "reserved_connections"},
        ),
        "direct": _record(
            direct, "limit limit_origin prisma_cli command app headroom", {"limit_origin": "origin"}
        ),
        "settings": [{"client": s.client, "where": s.where, "set": s.set} for s in result.settings],
        "notes": list(result.notes),
        "findings": [f.to_dict() for f in result.findings],
    }


def sections(result: PoolPlan) -> list[Section]:
    return [Section("connection budget", result.inputs.url, tuple(result.findings))]
