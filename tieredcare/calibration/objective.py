"""One trial of a calibration: its scenario, its replicate runs, and its loss.

Every trial runs the same R seeds (common random numbers), so two trials differ only by
their parameters. The loss is the Gaussian negative log-likelihood of the replicate means:

    loss = Σ_i w_i · [ (m_i − y_i)² / (2 σ_i²) + ½ ln(2π σ_i²) ],   σ_i² = sd_i² + s_i² / R

with y_i the target's value, sd_i its standard deviation, m_i the mean of the R replicate
values and s_i their standard deviation (the mean's own noise widens the likelihood).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tieredcare.calibration.targets import Calibration, Target, base_value, set_value
from tieredcare.config import Scenario, resolved_dict
from tieredcare.run import RunOutput, simulate


def scenario_data(cal: Calibration, params: Mapping[str, float]) -> dict:
    """The resolved scenario of a trial: the base with its sampled parameters set."""
    values = {key: set_value(base_value(cal.base, key), cal.spec.parameters[key], x)
              for key, x in params.items()}
    return resolved_dict(Scenario.model_validate(cal.base.with_values(values)))


@dataclass(frozen=True)
class ReplicateTask:
    """One replicate run of one trial, as sent to a worker.

    Attributes:
        trial: Trial number.
        replicate: Replicate index (its seed is the calibration seed + replicate).
        scenario: The trial's resolved scenario, seed set.
        base_dir: Directory relative paths in the scenario refer to.
        targets: Target keys to read from the run.
    """

    trial: int
    replicate: int
    scenario: dict
    base_dir: str
    targets: tuple[str, ...]


def run_replicate(task: ReplicateTask) -> dict[str, float]:
    """Simulate one replicate and read the targets' values (in a worker)."""
    output = simulate(Scenario.model_validate(task.scenario), base_dir=Path(task.base_dir))
    return {key: target_value(output, key) for key in task.targets}


def target_value(output: RunOutput, key: str) -> float:
    """A target's value in a run: a summary indicator, or ``indicator@dimension=group``."""
    indicator, _, group = key.partition("@")
    if not group:
        return float(output.summary[indicator])
    dimension, _, name = group.partition("=")
    g = output.groups
    rows = g[(g["indicator"] == indicator) & (g["dimension"] == dimension)
             & (g["group"] == name)]
    if rows.empty:
        raise KeyError(f"{key}: no such group in the run's groups.parquet")
    return float(rows["value"].iloc[0])


def loss(targets: Mapping[str, Target], values: Mapping[str, list[float]]) -> float:
    """Gaussian negative log-likelihood of the replicate means (module docstring)."""
    total = 0.0
    for key, target in targets.items():
        runs = np.asarray(values[key], dtype=float)
        if not np.all(np.isfinite(runs)):
            return math.inf  # the indicator is undefined in this trial (e.g. no admissions)
        noise = runs.var(ddof=1) / runs.size if runs.size > 1 else 0.0
        var = target.spread**2 + noise
        total += target.weight * ((runs.mean() - target.value) ** 2 / (2 * var)
                                  + 0.5 * math.log(2 * math.pi * var))
    return total


def replicate_tasks(cal: Calibration, trial: int, params: Mapping[str, float], seed: int,
                    replicates: int) -> list[ReplicateTask]:
    """The replicate runs of one trial."""
    data = scenario_data(cal, params)
    tasks = []
    for r in range(replicates):
        scenario = dict(data, seed=seed + r)
        tasks.append(ReplicateTask(trial, r, scenario, str(cal.base.base_dir),
                                   tuple(cal.spec.targets)))
    return tasks


def summarise(values: Mapping[str, list[float]]) -> dict[str, Any]:
    """Mean and replicate standard deviation of each target's values."""
    out: dict[str, Any] = {}
    for key, runs in values.items():
        a = np.asarray(runs, dtype=float)
        out[f"{key}:mean"] = float(a.mean())
        out[f"{key}:sd"] = float(a.std(ddof=1)) if a.size > 1 else 0.0
    return out
