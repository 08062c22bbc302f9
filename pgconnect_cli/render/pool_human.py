"""`pgc pool plan` for people: the recommendation, the total, the limit and where it came from,
the headroom, the exact settings, then notes and findings with fixes."""

from __future__ import annotations

from pgconnect_cli.render import findings as printer
from pgconnect_cli.render.console import Text, stdout, symbols
from pgconnect_cli.report import plural
from pgconnect_cli.usecases.pool_plan import PoolPlan


def _units(result: PoolPlan) -> int:
    i = result.inputs
    return i.instances * ((i.concurrency or 1) if i.serverless else 1)


def _share(result: PoolPlan) -> int | None:
    limit = result.budget.limit.connections
    return None if limit is None else max(1, limit // _units(result))


def _rule_value(result: PoolPlan) -> int:
    i = result.inputs
    base = i.cpus * 2 + 1
    return base if i.serverless else base // i.instances


def rows(result: PoolPlan) -> list[tuple[str, str]]:
    i, b = result.inputs, result.budget
    units = "concurrent functions" if i.serverless else "instances"
    rule = (
        "1 per function: serverless without an external pooler"
        if i.serverless and b.per_instance == 1
        else f"{i.cpus} CPUs × 2 + 1 = {i.cpus * 2 + 1}"
        + (f" ÷ {i.instances} instances" if not i.serverless and i.instances > 1 else "")
    )
    share = _share(result)
    if share is not None and b.per_instance == share and share < _rule_value(result):
        rule += f", capped at the limit's share {b.limit.connections} ÷ {_units(result)} = {share}"
    pool = (
        f"{b.pool_used} ({i.pool_size_source})"
        if i.pool_size is not None
        else f"{b.pool_used} (the recommendation)"
    )
    count = (
        f"{plural(i.concurrency or 1, 'function')} × {plural(i.instances, 'instance')}"
        if i.serverless
        else plural(i.instances, "instance")
    )
    out = [
        ("per instance", f"{b.per_instance} recommended ({rule})"),
        ("pool now", pool),
        ("total", f"{b.total} ({b.pool_used} × {count})"),
    ]
    limit = b.limit
    if limit.connections is None:
        out.append(("limit", "unknown: give --max-connections N, --provider P --plan NAME, or --url"))
    else:
        out.append(("limit", f"{limit.connections} ({limit.origin}; source: {limit.source.value})"))
        out.append(("headroom", str(b.headroom)))
        out.append((f"max {units}", f"{b.max_instances} at a pool of {b.pool_used}"))
    if result.live is not None:
        out.append(("in use", f"{result.live.in_use} now on the server ({result.live.free} free)"))
    return out


def render(result: PoolPlan, *, verbose: bool = False) -> None:
    out = stdout()
    out.print(Text("pgc pool plan", style="bold"))
    table = rows(result)
    width = max(len(label) for label, _ in table)
    for label, value in table:
        line = Text(label.ljust(width), style="dim")
        line.append("  " + value)
        out.print(line)
    out.print()
    out.print(Text(f"settings for {result.budget.per_instance} connections per instance:", style="bold"))
    for s in result.settings:
        out.print(Text(f"  {s.client}: {s.set}  ({s.where})"))
    if result.notes:
        out.print()
        for note in result.notes:
            out.print(Text(f"note: {note}", style="dim"))
    out.print()
    if result.findings:
        printer.print_findings(out, result.findings, ordered=True)
        out.print()
    # an accepted (ignored) connection-budget is still over budget: the tally says so, not "within"
    within = not any(f.id == "connection-budget" for f in result.findings)
    if result.budget.limit.connections is None and printer.clean(result.findings):
        out.print(Text(f"no limit known to check the total against; {printer.tally(result.findings)}"))
    elif printer.clean(result.findings) and within:
        line = Text(symbols()["pass"], style="green")
        line.append(f" within budget; {printer.tally(result.findings)}")
        out.print(line)
    else:
        out.print(Text(printer.tally(result.findings)))
    printer.print_ignored(out, result.findings)
