"""Sweeps over a calibration's ensemble: every design point on every member.

A sweep file's ``ensemble: {folder, members}`` runs each design point with the calibrated
values of each of the first ``members`` members of the ensemble (``tieredcare calibrate``
writes it), each with the sweep's replicate seeds: design point × member × replicate. What
a point gives is then read over the parameter sets the county's statistics leave open,
not over one hand-set one.

For a point and an indicator, member m's replicates give a member mean ``x̄_m`` and a
seed-to-seed variance ``s_m²`` over its ``n_m`` replicates; :func:`combine_members` turns
them into

- the mean of the member means: the point's value averaged over the posterior;
- ``stochastic_sd`` = √(mean of s_m² / n_m): the seed noise of one member's mean, what a
  sweep on a single parameter set reports;
- ``parameter_sd`` = √max(0, var(x̄_m) − mean of s_m² / n_m): how much the value itself
  varies over the members;
- the interval: the t half-width over the replicates and 1.96 × ``parameter_sd``
  combined in quadrature, never narrower than the seed-only one
  (``seed_ci_low``/``seed_ci_high``).

The same formula serves ``compare --ensemble`` (:mod:`tieredcare.compare_ensemble`),
where the member means are paired differences.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy import stats

from tieredcare.calibration.members import Ensemble, check_calibrated_keys, load_ensemble
from tieredcare.config import ConfigError, ConfigProblem, Scenario, resolved_dict
from tieredcare.config.keys import set_path
from tieredcare.experiments.intervals import t_quantile

MEMBER = "member"
"""Column of the runs and summary tables naming the ensemble member a run used."""
ENSEMBLE_STATS = ("members", "stochastic_sd", "parameter_sd", "seed_ci_low", "seed_ci_high")
"""Columns an ensemble sweep's aggregate has besides the usual ones."""


class SweepEnsemble(BaseModel):
    """The ``ensemble:`` key of a sweep file."""

    model_config = ConfigDict(extra="forbid", strict=True)

    folder: str = Field(description="A calibration folder (or its ensemble/ folder), relative "
                        "to the sweep file.")
    members: int | None = Field(None, ge=1, le=10_000, description="Members each design "
                                "point runs on, the first ones of the ensemble (default: "
                                "all).")


def open_ensemble(sweep_file: Path, spec: SweepEnsemble) -> tuple[Ensemble, int]:
    """The ensemble a sweep file names, and how many of its members the sweep uses.

    Raises:
        ConfigError: Naming ``ensemble.folder`` or ``ensemble.members`` of the sweep file.
    """
    folder = sweep_file.parent / spec.folder
    try:
        ensemble = load_ensemble(folder)
    except ConfigError as exc:
        raise ConfigError.one(str(sweep_file), "ensemble.folder", f"{folder}: "
                              f"{exc.problems[0].message}") from None
    members = spec.members or ensemble.size
    if members > ensemble.size:
        raise ConfigError.one(str(sweep_file), "ensemble.members", f"{members}, but the "
                              f"ensemble in {ensemble.folder} has {ensemble.size} members; "
                              f"allowed: 1 to {ensemble.size}")
    return ensemble, members


def calibrated_key_problems(sweep_file: Path, ensemble: Ensemble, varied: dict[str, str],
                            bases: list[tuple[str, dict]]) -> Iterator[ConfigProblem]:
    """A sweep may not vary or fix a value the ensemble calibrated: the members set it.

    Args:
        sweep_file: The sweep file.
        ensemble: Its ensemble.
        varied: Sweep-file key path (``parameters.<key>``, ``overrides.<key>``) → dotted
            scenario key.
        bases: (file, resolved scenario) of each base; listed scenario files must agree
            with the first on every calibrated value.
    """
    for where, key in varied.items():
        for calibrated in ensemble.scale:
            if _overlap(key, calibrated):
                yield ConfigProblem(str(sweep_file), where, f"{calibrated} is calibrated: each "
                                    "ensemble member sets it, so the sweep may not vary or fix "
                                    "it (drop the key, or the ensemble)")
    if len(bases) > 1:
        try:
            check_calibrated_keys(ensemble, bases)
        except ConfigError as exc:
            yield from exc.problems


def _overlap(a: str, b: str) -> bool:
    """Whether one dotted key is the other or lies inside it."""
    return a == b or a.startswith((f"{b}.", f"{b}[")) or b.startswith((f"{a}.", f"{a}["))


def with_member(config: dict, ensemble: Ensemble, member: int) -> dict:
    """A copy of a resolved scenario with one member's calibrated values set, not validated.

    Scale factors multiply the scenario's own entries, so the scenario is copied first.
    """
    data = copy.deepcopy(config)
    for key, value in ensemble.applied(config, member).items():
        set_path(data, key, value)
    return data


def member_problem(source: str, key: str, what: str, member: int,
                   error: ValidationError) -> ConfigProblem:
    """What is wrong where a member's calibrated values make a scenario invalid.

    Args:
        source: The file (or option) to name.
        key: The key to name there.
        what: Which scenario or design point it is, e.g. ``"point 3"``.
        member: The member.
        error: The scenario's validation error (its first problem is reported).
    """
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return ConfigProblem(source, key, f"{what}, member {member}: {where}: {first['msg']}")


def member_config(config: dict, ensemble: Ensemble, member: int) -> dict:
    """A resolved scenario with one member's calibrated values set, validated.

    Raises:
        pydantic.ValidationError: If the member's values make the scenario invalid.
    """
    return resolved_dict(Scenario.model_validate(with_member(config, ensemble, member)))


# ----------------------------------------------------------------------------- statistics


def combine_members(per_member: pd.DataFrame, keys: list[str], mean: str,
                    level: float = 0.95) -> pd.DataFrame:
    """Member means and seed variances → the ensemble's value, its two spreads and intervals.

    Args:
        per_member: One row per (*keys, member) with ``mean`` (the member's mean over its
            replicates), ``seed_variance`` (their variance, ddof 1) and ``replicates``.
        keys: What a value is of (e.g. point and indicator).
        mean: Name of the member-mean column; the output keeps the name.
        level: Confidence level of the intervals.

    Returns:
        One row per key: ``members``, ``replicates`` (the fewest of any member), ``mean``,
        ``stochastic_sd``, ``parameter_sd``, ``ci_low``, ``ci_high``, ``seed_ci_low``,
        ``seed_ci_high``; keys in order of first appearance.
    """
    frame = per_member.assign(_within=per_member["seed_variance"] / per_member["replicates"])
    table = frame.groupby(keys, sort=False).agg(
        members=(MEMBER, "nunique"), replicates=("replicates", "min"), **{mean: (mean, "mean")},
        _between=(mean, "var"), _within=("_within", "mean")).reset_index()
    within = table["_within"].to_numpy(float)
    between = np.nan_to_num(table["_between"].to_numpy(float))
    table["stochastic_sd"] = np.sqrt(within)
    table["parameter_sd"] = np.sqrt(np.maximum(between - within, 0.0))
    # stochastic_sd is already the standard error of a member's mean: only the t quantile.
    seed_half = t_quantile(table["replicates"].to_numpy(float), level) * table["stochastic_sd"]
    half = np.hypot(seed_half, stats.norm.ppf(0.5 + level / 2) * table["parameter_sd"])
    value = table[mean]
    table["ci_low"], table["ci_high"] = value - half, value + half
    table["seed_ci_low"], table["seed_ci_high"] = value - seed_half, value + seed_half
    return table.drop(columns=["_between", "_within"])


def member_means(summary: pd.DataFrame, keys: list[str], value: str = "value"
                 ) -> pd.DataFrame:
    """Per (*keys, member): the mean and variance over replicates, and their number.

    Values that are NaN (an indicator undefined in a run) are left out.
    """
    finite = summary[np.isfinite(summary[value].to_numpy(float))]
    return finite.groupby([*keys, MEMBER], sort=False)[value].agg(
        replicates="count", mean="mean", seed_variance="var").reset_index()
