"""`make bench`: pgc's speed budgets measured against their anchors, in one run.

The budgets are the rows of the table: start-up and `pgc url check` against a bare
`python -c pass`, the doctor on a healthy pooled+direct pair against `pg_isready` + `psql` on both
URLs, targets whose ports drop packets against `--timeout` + 0.5 s, many targets against one, and
peak memory against 100 MiB.

Every command is timed end to end as a child process (median of several runs) on this machine,
against a lab started for the run on loopback; the peak RSS comes from wait4() of each child.
Nothing is asserted: the table shows budget, anchor and measurement side by side. Exit status is
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
    budget: str
    measured_s: float
    limit_s: float
    anchor: str

    @property
    def ok(self) -> bool:
        return self.measured_s <= self.limit_s


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


def median(argvs: Sequence[Sequence[str]], env: dict[str, str], runs: int) -> float:
    """Median over `runs` of running every argv in sequence (after one warm-up)."""
    for argv in argvs:
        run_once(argv, env)
    samples = []
    for _ in range(runs):
        samples.append(sum(run_once(argv, env) for argv in argvs))
    return statistics.median(samples)


def lab_urls(directory: Path, env: dict[str, str]) -> tuple[str, str]:
    subprocess.run([*PGC, "lab", "up", "--dir", str(directory)], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*PGC, "lab", "env", "--dir", str(directory)], env=env, check=True, capture_output=True, text=True
    ).stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return values["DATABASE_URL"].strip('"'), values["DIRECT_URL"].strip('"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL", "DIRECT_URL"))}
    env["NO_COLOR"] = "1"
    rows: list[Row] = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pgc-bench-")))
        os.chmod(tmp, 0o711)  # the lab's servers may run as an unprivileged user
        lab_dir = tmp / "lab"
        stack.callback(
            lambda: subprocess.run([*PGC, "lab", "down", "--dir", str(lab_dir)], env=env, capture_output=True)
        )
        pooled, direct = lab_urls(lab_dir, env)

        python_pass = median([[sys.executable, "-c", "pass"]], env, args.runs)
        startup_limit = 5 * python_pass
        anchor = f"5 x python -c pass ({python_pass * 1000:.0f} ms)"
        rows.append(
            Row("pgc --version", median([[*PGC, "--version"]], env, args.runs), startup_limit, anchor)
        )
        url = "postgresql://app:secret@db.example.com:5432/app?sslmode=require"
        rows.append(
            Row(
                "pgc url check URL",
                median([[*PGC, "url", "check", url]], env, args.runs),
                startup_limit,
                anchor,
            )
        )

        pg_bin = Path(shutil.which("psql") or "psql").parent
        libpq_pair = [
            [str(pg_bin / "pg_isready"), "-q", "-d", pooled],
            [str(pg_bin / "psql"), "-Atqc", "select 1", pooled],
            [str(pg_bin / "pg_isready"), "-q", "-d", direct],
            [str(pg_bin / "psql"), "-Atqc", "select 1", direct],
        ]
        anchor_pair = median(libpq_pair, env, args.runs)
        doctor_pair = [
            *PGC,
            "doctor",
            "--no-environment",
            "--url",
            f"DATABASE_URL={pooled}",
            "--url",
            f"DIRECT_URL={direct}",
        ]
        rows.append(
            Row(
                "pgc doctor, healthy pooled+direct pair",
                median([doctor_pair], env, max(3, args.runs // 2)),
                2 * anchor_pair,
                f"2 x pg_isready+psql on both URLs ({anchor_pair * 1000:.0f} ms)",
            )
        )

        timeout = 2.0
        drop_a = stack.enter_context(syn_drop_port())
        drop_b = stack.enter_context(syn_drop_port())
        dropped = [f"postgresql://app@127.0.0.1:{p}/app?sslmode=disable" for p in (drop_a, drop_b)]
        one_drop = [*PGC, "doctor", "--no-environment", "--timeout", str(timeout), "--url", dropped[0]]
        all_drop = [
            *PGC,
            "doctor",
            "--no-environment",
            "--timeout",
            str(timeout),
            "--url",
            f"DATABASE_URL={dropped[0]}",
            "--url",
            f"DIRECT_URL={dropped[1]}",
        ]
        rows.append(
            Row(
                "a target whose port drops packets",
                median([one_drop], env, 3),
                timeout + 0.5,
                f"--timeout {timeout:.0f} s + 0.5 s",
            )
        )
        rows.append(
            Row(
                "every target's port drops packets",
                median([all_drop], env, 3),
                timeout + 0.5,
                f"--timeout {timeout:.0f} s + 0.5 s",
            )
        )

        one = [*PGC, "doctor", "--no-environment", "--url", f"APP_URL={direct}&application_name=bench"]
        ten = [*PGC, "doctor", "--no-environment"]
        for i in range(10):
            # distinct logins: the doctor probes identical ones once
            base = direct if i % 2 else pooled
            ten += ["--url", f"APP{i}_URL={base}&application_name=bench{i}"]
        one_s = median([one], env, 3)
        rows.append(
            Row(
                "ten targets", median([ten], env, 3), 1.5 * one_s, f"1.5 x one target ({one_s * 1000:.0f} ms)"
            )
        )

    print(
        f"pgc bench on {os.uname().nodename}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"median of {args.runs} runs (fewer for the doctor)\n"
    )
    print(f"{'budget':<42} {'measured':>10} {'limit':>10}  {'':4} anchor")
    for row in rows:
        verdict = "ok" if row.ok else "OVER"
        print(
            f"{row.budget:<42} {row.measured_s * 1000:>8.0f}ms {row.limit_s * 1000:>8.0f}ms  {verdict:<4} "
            f"{row.anchor}"
        )
    peak_mib = peak_rss_kib / 1024
    print(
        f"{'peak memory of any pgc run':<42} {peak_mib:>8.1f}MB {100:>8.0f}MB  "
        f"{'ok' if peak_mib < 100 else 'OVER':<4} 100 MiB"
    )
    missed = [r for r in rows if not r.ok] + ([None] if peak_mib >= 100 else [])
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
