"""Speed and memory of the default prefecture: seconds simulated and peak bytes per resident.

Each run is a fresh subprocess, so its peak memory is its own. As in ``tieredcare run``,
the county maps are built first; "simulated s" is what that command prints as "Simulated
in" (building the model and its residents, then 90 warm-up + 365 days), "run s" the days
alone. Peak memory is the growth of the process's peak resident set from just before the
county maps are built.

    python benchmarks/bench_prefecture.py                 # best of 3
    python benchmarks/bench_prefecture.py --repeat 1 --scenario scenarios/prefecture.yaml
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench_run import in_subprocess, peak_rss_bytes

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "prefecture.yaml"


def measure(path: str) -> dict[str, float]:
    """Build and run the scenario at ``path`` in this process and measure it."""
    from tieredcare.config import load_scenario
    from tieredcare.model import TieredCareModel
    from tieredcare.preflight import preflight

    loaded = load_scenario(Path(path))
    rss_before = peak_rss_bytes()
    county = preflight(loaded)
    start = time.perf_counter()
    model = TieredCareModel(loaded.scenario, base_dir=loaded.base_dir, county=county)
    built = time.perf_counter()
    model.run()
    done = time.perf_counter()
    residents = model.population.size
    return {
        "residents": residents,
        "simulated_seconds": done - start,
        "run_seconds": done - built,
        "peak_bytes_per_resident": (peak_rss_bytes() - rss_before) / residents,
    }


def main() -> None:
    """Run the prefecture ``--repeat`` times and print the best run and the peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(SCENARIO))
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest is kept")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args()
    runs = [in_subprocess("bench_prefecture", f"measure({args.scenario!r})")
            for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["run_seconds"])
    best["peak_bytes_per_resident"] = max(r["peak_bytes_per_resident"] for r in runs)
    best["all_run_seconds"] = [round(r["run_seconds"], 2) for r in runs]
    if args.json:
        print(json.dumps(best, indent=2))
        return
    print(f"{best['residents']:,} residents, best of {args.repeat}: simulated "
          f"{best['simulated_seconds']:.1f} s, run {best['run_seconds']:.1f} s "
          f"(all: {best['all_run_seconds']}), peak {best['peak_bytes_per_resident']:.0f} "
          "B/resident")


if __name__ == "__main__":
    main()
