"""Time a calibration: ``--trials`` trials × ``--replicates`` seeds of a county-year.

The default is the issue's yardstick: 200 trials, 3 replicates, 50,000 residents, 365
days after no warm-up, on a process pool of ``--workers`` (2), the targets and parameters
of ``calibration/default_county.yaml``. It prints the wall time, the time per trial and
the best loss, and writes the calibration to a temporary folder (``--keep DIR`` keeps it).

    python benchmarks/bench_calibrate.py
    python benchmarks/bench_calibrate.py --trials 20          # a quick estimate
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp) / "calibration"
        command = [sys.executable, "-m", "tieredcare.cli", "calibrate",
                   str(ROOT / "calibration" / "default_county.yaml"),
                   "--trials", str(args.trials), "--replicates", str(args.replicates),
                   "--workers", str(args.workers), "--executor", "processes", "--quiet",
                   "--ensemble", "0",
                   "--out", str(out), "--overwrite",
                   "--set", f"population.residents={args.residents}",
                   "--set", "simulation.warmup_days=0", "--set", "simulation.horizon_days=365"]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        wall = time.perf_counter() - start
        trials = pd.read_parquet(out / "trials.parquet")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    print(f"{args.trials} trials × {args.replicates} replicates, {args.residents:,} residents "
          f"× 365 days, {args.workers} workers")
    print(f"wall {wall:.0f} s ({wall / 60:.1f} min), {wall / args.trials:.2f} s per trial, "
          f"best loss {trials['loss'].min():.3f}")


if __name__ == "__main__":
    main()
