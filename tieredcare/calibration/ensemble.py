"""An ensemble folder: the posterior's members, written once and read by ``compare``.

``ensemble/`` of a calibration holds

- ``ensemble.parquet``: one row per member: its particle, the particle's posterior weight,
  each parameter's value (the factor for a ``scale`` parameter) and each target's value in
  the particle's simulated year;
- ``member_000.yaml`` ...: each member's complete scenario;
- ``ensemble.json``: the method, its settings, the generations (temperature, proposals,
  acceptance rate, effective sample size) and the parameters (key, ``scale`` or value);
- ``abc.db``: pyabc's history, to resume or to inspect with pyabc's own tools.

The members are an equal-weight resample of the final weighted population (systematic
resampling, seeded), so a member may appear more than once; that is how its weight shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc

from tieredcare.atomic import atomic_write_text, write_json, write_parquet
from tieredcare.calibration.members import INFO, TABLE
from tieredcare.calibration.objective import scenario_data
from tieredcare.calibration.posterior import AbcSettings, names, parameter_values
from tieredcare.calibration.targets import Calibration
from tieredcare.config import Scenario, dump_yaml

METHOD = ("ABC-SMC (pyabc) with a stochastic acceptor and temperature schedule: exact "
          "posterior sampling under a Gaussian measurement model of the targets")


def generations_table(history: pyabc.History) -> pd.DataFrame:
    """Per generation: temperature, proposals, acceptance rate and effective sample size."""
    pops = history.get_all_populations()
    rows = []
    for r in pops[pops["t"] >= 0].itertuples():
        _, w = history.get_distribution(m=0, t=int(r.t))
        rows.append({"generation": int(r.t), "temperature": float(r.epsilon),
                     "proposals": int(r.samples), "accepted": int(r.particles),
                     "acceptance_rate": r.particles / r.samples,
                     "effective_sample_size": float(1.0 / np.sum(w**2))})
    return pd.DataFrame(rows)


def resample(weights: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Systematic resampling: ``size`` indices, each drawn in proportion to its weight."""
    u = (np.random.default_rng(seed).random() + np.arange(size)) / size
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, u, side="right")


def write_ensemble(cal: Calibration, history: pyabc.History, folder: Path,
                   settings: AbcSettings, members: int) -> pd.DataFrame:
    """Write the ensemble's table, member scenarios and description into ``folder``."""
    particles, weights = history.get_distribution(m=0, t=history.max_t)
    _, stats = history.get_weighted_sum_stats_for_model(m=0, t=history.max_t)
    picked = resample(np.asarray(weights, float), members, settings.seed)
    rows = []
    for member, i in enumerate(picked):
        row: dict[str, Any] = {"member": member, "particle": int(particles.index[i]),
                               "weight": float(weights[i])}
        row |= parameter_values(cal, particles.iloc[i].to_dict())
        row |= {f"{key}:simulated": float(stats[i][key]) for key in cal.spec.targets}
        rows.append(row)
        scenario = Scenario.model_validate(scenario_data(cal, parameter_values(
            cal, particles.iloc[i].to_dict())))
        scenario = scenario.model_copy(update={
            "seed": settings.seed, "name": f"{cal.name}_member_{member:03d}",
            "description": f"Member {member} of the ensemble of calibration {cal.name}"})
        atomic_write_text(folder / f"member_{member:03d}.yaml", dump_yaml(scenario))
    table = pd.DataFrame(rows)
    write_parquet(folder / TABLE, table)
    generations = generations_table(history)
    write_json(folder / INFO, {
        "method": METHOD, "calibration": cal.name, "members": members,
        "population": settings.population, "seed": settings.seed,
        "max_generations": settings.generations, "max_simulations": settings.max_simulations,
        "simulations": int(history.total_nr_simulations),
        "final_temperature": float(generations["temperature"].iloc[-1]),
        "generations": generations.to_dict(orient="records"),
        "parameters": {key: {"scale": p.scale is not None, "low": p.range[0],
                             "high": p.range[1], "log": p.log}
                       for key, p in cal.spec.parameters.items()},
        "pyabc_names": names(cal),
        "targets": {key: {"value": t.value, "sd": t.spread, "weight": t.weight}
                    for key, t in cal.spec.targets.items()},
    })
    return table
