"""Throughput of a sweep, and the overhead of the sweep machinery over a plain process pool.

A sweep of ``--runs`` replicate runs of a ``--residents``-resident county × 365 days (no
warm-up) is timed three ways, in turn, ``--repeat`` times:

- ``sweep``: the sweep machinery, ``prepare`` (validation, design, run ids) + ``run_sweep``
  on a ``ProcessExecutor`` (atomic run folders with scenario, summary and daily series,
  manifest, summary consolidation);
- ``plain``: ``ProcessPoolExecutor.map`` of ``simulate`` over the same scenarios, keeping
  only each run's summary in memory, with the same worker start method (forkserver);
- ``plain_default``: the same loop with the default start method, for information (spawn
  here, because importing Mesa 3.3 sets it process-wide, so each worker imports the model).

Each timing starts its own pool of ``--workers`` processes. The fork server (one import of
the model, shared by every pool of this process) is started before the clock, so the
overhead ``sweep / plain − 1`` (best of each) is the machinery's own cost. The runs must
give identical summaries, which is checked.

    python benchmarks/bench_sweep.py                      # 8 runs, 2 workers, 100k residents
    python benchmarks/bench_sweep.py --runs 16 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

BASE = """\
name: bench
seed: 1
simulation: {{warmup_days: 0, horizon_days: 365}}
population: {{residents: {residents}}}
"""

SWEEP = """\
name: bench_sweep
base: base.yaml
seed: 20240601
replicates: {runs}
design: grid
parameters:
  choice.cost: [0.6]
"""


def plain_run(scenario: dict) -> dict[str, float]:
    """What a hand-written loop would do: validate, simulate, keep the summary."""
    from tieredcare.config import Scenario
    from tieredcare.run import simulate

    return simulate(Scenario.model_validate(scenario)).summary


def time_plain(scenarios: list[dict], workers: int, start_method: str | None
               ) -> tuple[float, list[dict[str, float]]]:
    context = multiprocessing.get_context(start_method) if start_method else None
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        summaries = list(pool.map(plain_run, scenarios))
    return time.perf_counter() - start, summaries


def time_sweep(sweep_file: Path, out: Path, workers: int) -> float:
    from tieredcare.experiments import ProcessExecutor, prepare, run_sweep

    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    plan = prepare(sweep_file)
    with ProcessExecutor(workers) as executor:
        report = run_sweep(plan, executor, out)
    seconds = time.perf_counter() - start
    assert report.status == "complete", report
    return seconds


def same_results(out: Path, plan_runs: pd.DataFrame, summaries: list[dict[str, float]]) -> bool:
    """Whether the sweep's summary table holds exactly the plain loop's values."""
    stored = pd.read_parquet(out / "summary.parquet")
    for run_id, expected in zip(plan_runs["run_id"], summaries, strict=True):
        got = stored[stored["run_id"] == run_id].set_index("indicator")["value"]
        for name, value in expected.items():
            if not (value == got[name] or (value != value and got[name] != got[name])):
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from tieredcare.experiments import ProcessExecutor, prepare

    folder = Path(tempfile.mkdtemp(prefix="bench_sweep."))
    try:
        (folder / "base.yaml").write_text(BASE.format(residents=args.residents))
        sweep_file = folder / "sweep.yaml"
        sweep_file.write_text(SWEEP.format(runs=args.runs))
        plan = prepare(sweep_file)
        scenarios = [plan.scenario_of(p, s) for p, s in zip(plan.runs["point"],
                                                             plan.runs["seed"], strict=True)]
        with ProcessExecutor(args.workers) as executor:  # starts the fork server
            method = executor.start_method
        default = multiprocessing.get_start_method()
        times: dict[str, list[float]] = {"plain": [], "sweep": [], "plain_default": []}
        for _ in range(args.repeat):
            seconds, summaries = time_plain(scenarios, args.workers, method)
            times["plain"].append(seconds)
            times["sweep"].append(time_sweep(sweep_file, folder / "out", args.workers))
            times["plain_default"].append(time_plain(scenarios, args.workers, None)[0])
        identical = same_results(folder / "out", plan.runs, summaries)
        run_bytes = sum(f.stat().st_size for f in (folder / "out" / "runs").rglob("*")
                        if f.is_file()) / args.runs
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    best = {name: min(values) for name, values in times.items()}
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
                   f"Python {platform.python_version()}",
        "runs": args.runs, "workers": args.workers, "residents": args.residents, "days": 365,
        "start_methods": {"sweep": method, "plain": method, "plain_default": default},
        "seconds": {name: [round(s, 2) for s in values] for name, values in times.items()},
        "runs_per_minute": {name: round(args.runs / s * 60, 1) for name, s in best.items()},
        "overhead_percent": round((best["sweep"] / best["plain"] - 1) * 100, 1),
        "stored_kB_per_run": round(run_bytes / 1000, 1),
        "identical_results": identical,
    }
    print(json.dumps(result, indent=2))
    rate = result["runs_per_minute"]
    print(f"\n| {args.residents:,} residents × 365 days | {args.runs} runs | {args.workers} "
          f"workers | sweep {rate['sweep']} runs/min | plain pool {rate['plain']} runs/min "
          f"({method}) | overhead {result['overhead_percent']} % | plain pool, {default}: "
          f"{rate['plain_default']} runs/min |")


if __name__ == "__main__":
    main()
