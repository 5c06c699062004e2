"""Global sensitivity of every indicator to the levers of a sobol or morris design (SALib).

The model output of a design point is the mean of the indicator over its replicates
(common random numbers keep that mean's noise the same across points). Indicators that
are undefined at some point, or constant over the design, have no indices; they are
listed with the reason instead.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

COLUMNS = ("indicator", "parameter", "measure", "value", "conf")
"""Columns of the sensitivity table; ``measure`` is S1/ST (sobol) or mu/mu_star/sigma
(morris); ``conf`` is the half-width of the bootstrap confidence interval."""

SOBOL_MEASURES = ("S1", "ST")
MORRIS_MEASURES = ("mu", "mu_star", "sigma")


@dataclass
class Sensitivity:
    """Indices of every indicator that has them.

    Attributes:
        table: Tidy table with :data:`COLUMNS`.
        skipped: Indicator → why it has no indices.
    """

    table: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)


def sobol_indices(problem: dict, means: pd.DataFrame, *, seed: int, resamples: int = 1000,
                  level: float = 0.95) -> Sensitivity:
    """First-order (S1) and total (ST) Sobol' indices of every indicator.

    Args:
        problem: The SALib problem of the design.
        means: Replicate means, one row per design point in design order, one column
            per indicator (:func:`~tieredcare.experiments.aggregate.point_means`).
        seed: Seed of the bootstrap of the confidence intervals.
        resamples: Bootstrap resamples.
        level: Confidence level.

    Returns:
        The indices.
    """
    from SALib.analyze import sobol

    def analyse(y: np.ndarray) -> dict:
        return sobol.analyze(problem, y, calc_second_order=False, num_resamples=resamples,
                             conf_level=level, seed=seed)

    return _indices(problem, means, analyse, SOBOL_MEASURES)


def morris_indices(problem: dict, sample: np.ndarray, means: pd.DataFrame, *, levels: int,
                   seed: int, resamples: int = 1000, level: float = 0.95) -> Sensitivity:
    """Morris elementary-effect measures (mu, mu*, sigma) of every indicator.

    Args:
        problem: The SALib problem of the design.
        sample: The Morris sample, unrounded, one row per design point.
        means: Replicate means, one row per design point, one column per indicator.
        levels: Grid levels of the design.
        seed: Seed of the bootstrap of mu*'s confidence interval.
        resamples: Bootstrap resamples.
        level: Confidence level.

    Returns:
        The measures.
    """
    from SALib.analyze import morris

    def analyse(y: np.ndarray) -> dict:
        return morris.analyze(problem, sample, y, num_resamples=resamples, conf_level=level,
                              num_levels=levels, seed=seed)

    return _indices(problem, means, analyse, MORRIS_MEASURES)


def _indices(problem: dict, means: pd.DataFrame, analyse, measures: tuple[str, ...]
             ) -> Sensitivity:
    rows, skipped = [], {}
    for indicator in means.columns:
        y = means[indicator].to_numpy(dtype=np.float64)
        reason = _unusable(y)
        if reason:
            skipped[indicator] = reason
            continue
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # SALib's notices on small samples
            result = analyse(y)
        for i, parameter in enumerate(problem["names"]):
            for measure in measures:
                conf = result.get(f"{measure}_conf")
                rows.append((indicator, parameter, measure, float(result[measure][i]),
                             float(conf[i]) if conf is not None else np.nan))
    return Sensitivity(pd.DataFrame(rows, columns=list(COLUMNS)), skipped)


def _unusable(y: np.ndarray) -> str | None:
    if np.isnan(y).any():
        return f"undefined (no finished run, or NaN) at {int(np.isnan(y).sum())} design points"
    if np.ptp(y) == 0:
        return "constant over the design"
    return None
