"""Comparisons over a calibration's ensemble: parameter and stochastic uncertainty together.

Each scenario runs on each of K ensemble members with the same R seeds (common random
numbers within a member, and across members too). For member m the paired differences
``d_mr`` (scenario − baseline, seed r) give a member mean ``d̄_m`` and a seed-to-seed
variance ``s_m²``. Then

- ``difference`` = mean of the member means: the effect averaged over the posterior;
- ``stochastic_sd`` = √(mean of s_m² / R): the seed noise of one member's estimate, what
  a comparison on a single parameter set reports;
- ``parameter_sd`` = √max(0, var(d̄_m) − mean of s_m² / R): how much the effect itself
  varies over the parameter sets the targets leave open;
- the interval combines the seed-only half-width (the t-interval over R seeds, as in
  :mod:`tieredcare.compare`) and 1.96 × ``parameter_sd`` in quadrature, so it is never
  narrower than the seed-only one; ``seed_ci_low``/``seed_ci_high`` keep the seed-only
  interval for reference.

Sweeps over an ensemble use the same formula
(:func:`tieredcare.experiments.members.combine_members`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import ValidationError

from tieredcare.calibration.members import Ensemble, check_calibrated_keys
from tieredcare.compare import CONFIDENCE, GROUP_KEY, Job
from tieredcare.config import ConfigError, LoadedScenario, Scenario, resolved_dict
from tieredcare.experiments.members import combine_members, member_problem, with_member

LABELS = ("scenario", "member", "replicate", "seed")


def member_jobs(loaded: list[LoadedScenario], seeds: list[int], ensemble: Ensemble,
                members: int) -> list[Job]:
    """Every member × scenario × seed, each scenario with the member's parameter values.

    Raises:
        ConfigError: If a compared scenario changes a value the ensemble calibrated, or
            a member's values make a scenario invalid (every such member and scenario).
    """
    configs = [(str(item.path or item.scenario.name), resolved_dict(item.scenario))
               for item in loaded]
    check_calibrated_keys(ensemble, configs)
    out, problems = [], []
    for m in range(members):
        for item, (name, config) in zip(loaded, configs, strict=True):
            # Validated once, here: member_config would validate, dump and validate again.
            try:
                scenario = Scenario.model_validate(with_member(config, ensemble, m))
            except ValidationError as exc:
                problems.append(member_problem(str(ensemble.folder), "ensemble.parquet",
                                               f"scenario {name}", m, exc))
                continue
            out += [Job(scenario.model_copy(update={"seed": seed}), item.base_dir, r, m)
                    for r, seed in enumerate(seeds)]
    if problems:
        raise ConfigError(problems)  # it keeps the first few and counts the rest
    return out


def member_differences(long: pd.DataFrame, baseline: str, keys: list[str]) -> pd.DataFrame:
    """Per scenario, key and member: the paired difference's mean and seed variance.

    Args:
        long: One row per (scenario, member, replicate, *keys) with a ``value`` column.
        baseline: Name of the baseline scenario.
        keys: What a difference is of (``indicator``; or indicator, dimension, group).

    Returns:
        Columns scenario, *keys, member, replicates, baseline_mean, scenario_mean,
        difference, seed_variance.
    """
    index = [*keys, "member", "replicate"]
    base = long[long["scenario"] == baseline].set_index(index)["value"]
    parts = []
    for name, other in long[long["scenario"] != baseline].groupby("scenario", sort=False):
        pair = pd.DataFrame({"b": base, "s": other.set_index(index)["value"]})
        pair = pair[np.isfinite(pair["b"]) & np.isfinite(pair["s"])]
        pair["d"] = pair["s"] - pair["b"]
        agg = pair.groupby(level=[*keys, "member"], sort=False).agg(
            replicates=("d", "size"), baseline_mean=("b", "mean"), scenario_mean=("s", "mean"),
            difference=("d", "mean"), seed_variance=("d", "var"))
        parts.append(agg.reset_index().assign(scenario=name))
    columns = ["scenario", *keys, "member", "replicates", "baseline_mean", "scenario_mean",
               "difference", "seed_variance"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(
        columns=columns)


def combine(per_member: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The ensemble's differences: mean, both parts of the spread, and both intervals."""
    by = ["scenario", *keys]
    spread = combine_members(per_member, by, "difference", CONFIDENCE)
    means = per_member.groupby(by, sort=False)[["baseline_mean", "scenario_mean"]].mean()
    table = spread.merge(means.reset_index(), on=by, how="left", validate="one_to_one")
    first = [*by, "members", "replicates", "baseline_mean", "scenario_mean"]
    return table[first + [c for c in table.columns if c not in first]]


def ensemble_tables(runs: pd.DataFrame, groups: pd.DataFrame, baseline: str
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The ensemble comparison's indicator table, group table and per-member table.

    Args:
        runs: One summary row per (scenario, member, replicate).
        groups: The group tables of every run, labelled by scenario, member and replicate.
        baseline: Name of the baseline scenario.
    """
    indicators = [c for c in runs.columns if c not in LABELS]
    long = runs.melt(id_vars=list(LABELS), value_vars=indicators, var_name="indicator")
    long["value"] = long["value"].astype(float)
    per_member = member_differences(long, baseline, ["indicator"])
    by_group = combine(member_differences(groups, baseline, GROUP_KEY), GROUP_KEY)
    return combine(per_member, ["indicator"]), by_group, per_member
