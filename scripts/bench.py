"""`make bench`: pgc's speed budgets measured against their anchors, in one run.

The budgets are the rows of the table: start-up and `pgc url check` against a bare
`python -c pass`, the doctor on a healthy pooled+direct pair against `pg_isready` + `psql` on both
URLs, targets whose ports drop packets against `--timeout` + 0.5 s, many targets against one, and
peak memory against 100 MiB.

Every command is timed end to end as a child process (median of several runs) on this machine,
against a lab started for the run on loopback; the peak RSS comes from wait4() of each child.
Nothing is asserted: the table shows each budget's measurement, anchor, ratio, limit and verdict;
anchors and measurements run in turn (A B A B …) and the ratio is the median of the pairs'. Exit status is
0 unless `--strict` is given and a budget is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes import syn_drop_port  # noqa: E402  (the loopback fake, shared with the tests)

BIN = Path(sys.executable).parent
PGC = [str(BIN / "pgc")] if (BIN / "pgc").exists() else [sys.executable, "-m", "pgconnect_cli"]
peak_rss_kib = 0


@dataclass
class Row:
    """One budget: the measurement against its anchor (a ratio), or against a bound in seconds."""

    budget: str
    measured_s: float
    anchor: str
    anchor_s: float
    limit: float  # a ratio to the anchor; for an absolute bound, the anchor is the bound and this 1
    ratio: float

    @property
    def ok(self) -> bool:
        return self.ratio <= self.limit


def run_once(argv: Sequence[str], env: dict[str, str]) -> float:
    """Wall time of one child; records its peak RSS."""
    global peak_rss_kib
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = 0
    if argv[0].endswith("pgc") or "pgconnect_cli" in argv:
        peak_rss_kib = max(peak_rss_kib, usage.ru_maxrss)
    return elapsed


def timed(argvs: Sequence[Sequence[str]], env: dict[str, str]) -> float:
    return sum(run_once(argv, env) for argv in argvs)


def median(argvs: Sequence[Sequence[str]], env: dict[str, str], runs: int) -> float:
    """Median over `runs` of running every argv in sequence (after one warm-up)."""
    timed(argvs, env)
    return statistics.median(timed(argvs, env) for _ in range(runs))


def against(
    budget: str,
    measured: Sequence[Sequence[str]],
    anchor_name: str,
    anchor: Sequence[Sequence[str]],
    limit: float,
    env: dict[str, str],
    runs: int,
) -> Row:
    """The measurement and its anchor in turn (A B A B …, after a warm-up of each): medians, and
    the median of the pairwise ratios, so that a drift of the machine's speed cancels out."""
    timed(measured, env)
    timed(anchor, env)
    pairs = [(timed(measured, env), timed(anchor, env)) for _ in range(runs)]
    m = statistics.median(p[0] for p in pairs)
    a = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(p[0] / p[1] for p in pairs)
    return Row(budget, m, anchor_name, a, limit, ratio)


def within(
    budget: str, measured: Sequence[str], bound_s: float, anchor_name: str, env: dict[str, str], runs: int
) -> Row:
    m = median([measured], env, runs)
    return Row(budget, m, anchor_name, bound_s, 1.0, m / bound_s)


def lab_urls(directory: Path, env: dict[str, str]) -> tuple[str, str]:
    subprocess.run([*PGC, "lab", "up", "--dir", str(directory)], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*PGC, "lab", "env", "--dir", str(directory)], env=env, check=True, capture_output=True, text=True
    ).stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return values["DATABASE_URL"].strip('"'), values["DIRECT_URL"].strip('"')


def doctor(urls: Sequence[str], *extra: str) -> list[str]:
    argv = [*PGC, "doctor", "--no-environment", *extra]
    for url in urls:
        argv += ["--url", url]
    return argv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    parser.add_argument(
        "--only",
        choices=["startup", "doctor"],
        help="only the start-up rows (TAB, url check, --version: no lab) or only the doctor's",
    )
    args = parser.parse_args()
    runs = args.runs

    # as installed: bytecode compiled once and used (PYTHONDONTWRITEBYTECODE would time compiling)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PG", "DATABASE_URL", "DIRECT_URL", "_PGC", "COMP_", "PYTHONDONTWRITEBYTECODE"))
    }
    env["NO_COLOR"] = "1"
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "pgconnect_cli")], check=False, env=env
    )
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    if args.only != "doctor":
        rows += startup_rows(env, runs)
    if args.only != "startup":
        rows += doctor_rows(env, runs)
    report(rows, runs, load_before)
    missed = [r for r in rows if not r.ok] + ([None] if peak_rss_kib >= 100 * 1024 else [])
    return 1 if (args.strict and missed) else 0


def startup_rows(env: dict[str, str], runs: int) -> list[Row]:
    """Start-up, TAB completion and `pgc url check` against a bare `python -c pass`."""
    bare = [[sys.executable, "-c", "pass"]]
    name = "python -c pass"
    tab_env = {**env, "_PGC_COMPLETE": "complete_bash", "COMP_WORDS": "pgc url ", "COMP_CWORD": "2"}
    url = "postgresql://app:secret@db.example.com:5432/app?sslmode=require"
    return [
        against("TAB completion (bash, pgc url <TAB>)", [PGC], name, bare, 3, tab_env, runs),
        against("pgc url check URL", [[*PGC, "url", "check", url]], name, bare, 6, env, runs),
        against("pgc --version", [[*PGC, "--version"]], name, bare, 2, env, runs),
    ]


def doctor_rows(env: dict[str, str], runs: int) -> list[Row]:
    """The doctor on a lab started for the run: a healthy pair, many targets, dropped ports."""
    rows: list[Row] = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pgc-bench-")))
        os.chmod(tmp, 0o711)  # the lab's servers may run as an unprivileged user
        lab_dir = tmp / "lab"
        stack.callback(
            lambda: subprocess.run([*PGC, "lab", "down", "--dir", str(lab_dir)], env=env, capture_output=True)
        )
        pooled, direct = lab_urls(lab_dir, env)

        pg_bin = Path(shutil.which("psql") or "psql").parent
        libpq_pair = [
            [str(pg_bin / "pg_isready"), "-q", "-d", pooled],
            [str(pg_bin / "psql"), "-Atqc", "select 1", pooled],
            [str(pg_bin / "pg_isready"), "-q", "-d", direct],
            [str(pg_bin / "psql"), "-Atqc", "select 1", direct],
        ]
        pair = doctor([f"DATABASE_URL={pooled}", f"DIRECT_URL={direct}"])
        rows.append(
            against(
                "pgc doctor, healthy pooled+direct pair",
                [pair],
                "pg_isready+psql on both URLs",
                libpq_pair,
                1.2,
                env,
                max(3, runs // 2),
            )
        )

        one = [doctor([f"APP_URL={direct}&application_name=bench"])]
        # distinct logins: the doctor probes identical ones once
        many = {
            n: [
                doctor(
                    [f"APP{i}_URL={direct if i % 2 else pooled}&application_name=bench{i}" for i in range(n)]
                )
            ]
            for n in (10, 50)
        }
        rows.append(against("ten distinct targets", many[10], "one target", one, 1.5, env, 3))
        rows.append(against("fifty distinct targets", many[50], "one target", one, 3, env, 3))

        timeout = 2.0
        bound = f"--timeout {timeout:.0f} s + 0.5 s"
        drop = [stack.enter_context(syn_drop_port()) for _ in range(2)]
        dropped = [
            f"postgresql://app@127.0.0.1:{drop[i % 2]}/app?sslmode=disable&application_name=d{i}"
            for i in range(100)
        ]
        t = ("--timeout", str(timeout))
        rows.append(
            within("a target whose port drops packets", doctor(dropped[:1], *t), timeout + 0.5, bound, env, 3)
        )
        hundred = doctor([f"APP{i}_URL={u}" for i, u in enumerate(dropped)], *t)
        rows.append(
            within("a hundred targets whose ports drop packets", hundred, timeout + 0.5, bound, env, 3)
        )

    return rows


def report(rows: list[Row], runs: int, load_before: float) -> None:
    load = os.getloadavg()
    print(
        f"pgc bench on {os.uname().nodename}: nproc {os.cpu_count()}, "
        f"load {load_before:.2f} at the start, {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end, "
        f"Python {sys.version.split()[0]}; medians of interleaved runs ({runs}; fewer for the doctor)\n"
    )
    print(f"{'budget':<44} {'measured':>9} {'anchor':>9} {'ratio':>7} {'limit':>7}  verdict  anchor is")
    for row in rows:
        print(
            f"{row.budget:<44} {row.measured_s * 1000:>7.0f}ms {row.anchor_s * 1000:>7.0f}ms "
            f"{row.ratio:>6.2f}x {row.limit:>6.1f}x  {'ok' if row.ok else 'OVER':<7}  {row.anchor}"
        )
    peak_mib = peak_rss_kib / 1024
    print(
        f"{'peak RSS of any pgc run':<44} {peak_mib:>7.1f}MB {100:>7.0f}MB "
        f"{peak_mib / 100:>6.2f}x {1:>6.1f}x  "
        f"{'ok' if peak_mib < 100 else 'OVER':<7}  100 MiB"
    )


if __name__ == "__main__":
    sys.exit(main())
