"""Speed and memory of one run: wall seconds, resident-days/s, episodes/s, bytes/resident.

Each county size runs in a fresh subprocess, so its peak memory is its own. The clock
covers the simulated days only (365 days, no warm-up); building the county and the
population is timed separately.

    python benchmarks/bench_run.py                 # 100k and 1M residents
    python benchmarks/bench_run.py --sizes 400000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

DAYS = 365


def measure(residents: int, seed: int) -> dict[str, float]:
    """Run one county of ``residents`` for 365 days in this process and measure it."""
    from tieredcare.config import Scenario
    from tieredcare.model import TieredCareModel

    scenario = Scenario.model_validate({
        "seed": seed,
        "population": {"residents": residents},
        "simulation": {"warmup_days": 0, "horizon_days": DAYS},
    })
    rss_before = peak_rss_bytes()
    start = time.perf_counter()
    model = TieredCareModel(scenario)
    built = time.perf_counter()
    model.run()
    done = time.perf_counter()
    peak = peak_rss_bytes()
    onsets = int(model.counters.onsets.sum())
    seconds = done - built
    return {
        "residents": residents,
        "days": DAYS,
        "build_seconds": built - start,
        "run_seconds": seconds,
        "resident_days_per_second": residents * DAYS / seconds,
        "episodes": onsets,
        "episodes_per_second": onsets / seconds,
        "resident_array_bytes_per_resident": model.population.nbytes / residents,
        "peak_bytes_per_resident": (peak - rss_before) / residents,
    }


def peak_rss_bytes() -> int:
    """Peak resident set of this process so far [bytes]."""
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def in_subprocess(module: str, call: str) -> dict[str, float]:
    """Evaluate ``module.call`` (a benchmark here) in a fresh Python; return its JSON result."""
    code = (f"import json, sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
            f"import {module}; print(json.dumps({module}.{call}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure each size and print a table (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; best is kept")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    rows = []
    for residents in args.sizes:
        runs = [in_subprocess("bench_run", f"measure({residents}, {args.seed})")
                for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["run_seconds"])
        best["peak_bytes_per_resident"] = max(r["peak_bytes_per_resident"] for r in runs)
        rows.append(best)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"best of {args.repeat} runs; 365 simulated days, no warm-up\n")
    header = ("residents", "build s", "run s", "resident-days/s", "episodes/s",
              "arrays B/res", "peak B/res")
    print("  ".join(f"{h:>15}" for h in header))
    for r in rows:
        print("  ".join(f"{v:>15}" for v in (
            f"{r['residents']:,}", f"{r['build_seconds']:.2f}", f"{r['run_seconds']:.2f}",
            f"{r['resident_days_per_second']:.3g}", f"{r['episodes_per_second']:.3g}",
            f"{r['resident_array_bytes_per_resident']:.0f}",
            f"{r['peak_bytes_per_resident']:.0f}")))


if __name__ == "__main__":
    main()
