"""Checking a calibration folder: its best trial, run again, gives the stored fit.

``tieredcare reproduce results/calibration/<name>`` runs ``best.yaml`` with the seeds of
the best trial's replicates and compares each target's replicate mean and spread with
``trials.parquet``: they must be the same floats.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tieredcare.calibration.objective import summarise, target_value
from tieredcare.config import load_scenario
from tieredcare.run import simulate


def check_calibration(folder: Path, manifest: dict[str, Any]) -> tuple[str, int, dict]:
    """Run the best trial again; return its name, first seed and the values that differ.

    Returns:
        ``(run, seed, differences)`` with differences as statistic → (stored, fresh).
    """
    loaded = load_scenario(folder / "best.yaml")
    source = Path(manifest.get("scenario_file") or "")
    base_dir = source.parent if source.is_file() else loaded.base_dir
    trials = pd.read_parquet(folder / "trials.parquet")
    best = trials.loc[trials["loss"].idxmin()]
    keys = list(manifest["targets"]["targets"])
    seed = int(manifest["seed"])
    values: dict[str, list[float]] = {key: [] for key in keys}
    for r in range(int(manifest["replicates"])):
        output = simulate(loaded.scenario.model_copy(update={"seed": seed + r}),
                          base_dir=base_dir)
        for key in keys:
            values[key].append(target_value(output, key))
    fresh = summarise(values)
    differences = {name: (float(best[name]), value) for name, value in fresh.items()
                   if float(best[name]) != value}
    return f"{folder} (trial {int(best['trial'])})", seed, differences
