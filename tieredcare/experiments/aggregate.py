"""Replicates summarised per design point: mean with a t confidence interval, quantiles.

The input is the long summary table (one row per run × indicator); the output is tidy:
one row per design point × indicator, with the point's parameter values, ready for
``seaborn``/``matplotlib`` or a briefing table. Over an ensemble, the mean and interval
combine the members and their seeds (:func:`~tieredcare.experiments.members.combine_members`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieredcare.experiments.designs import POINT
from tieredcare.experiments.intervals import t_half_width
from tieredcare.experiments.members import ENSEMBLE_STATS, MEMBER, combine_members, member_means
from tieredcare.experiments.plan import REPLICATE, RUN_ID, SEED
from tieredcare.experiments.store import INDICATOR, VALUE

STATS = ("n", "mean", "ci_low", "ci_high", "sd", "median", "p10", "p90")
"""Columns :func:`aggregate` adds after the point, its parameters and the indicator."""


def aggregate(summary: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per design point and indicator: n, mean and its confidence interval, quantiles.

    The interval is the t-interval over replicates, ``mean ± t(1 − α/2, n − 1) · sd / √n``
    with ``sd`` the sample standard deviation (ddof 1); it is NaN when ``n < 2``. Values
    that are NaN (an indicator undefined in a run, e.g. waits at a tier nobody used) are
    left out, so ``n`` counts the replicates that define the indicator. Quantiles
    interpolate linearly between order statistics.

    Over an ensemble (a ``member`` column), ``mean`` is the mean of the member means,
    ``ci_low``/``ci_high`` the interval combining parameter and seed uncertainty, and the
    columns :data:`~tieredcare.experiments.members.ENSEMBLE_STATS` follow: the number of
    members, both parts of the spread and the seed-only interval. ``n``, ``sd`` and the
    quantiles are over every run of the point.

    Args:
        summary: Long table with ``point``, ``indicator``, ``value`` and parameter columns
            (``summary.parquet``).
        level: Confidence level of the interval.

    Returns:
        One row per point × indicator: ``point``, the parameter columns, ``indicator``,
        then :data:`STATS` (and the ensemble's columns); points in order, indicators in
        the order runs report them.
    """
    groups = summary.groupby([POINT, INDICATOR], sort=False)[VALUE]
    table = groups.agg(n="count", mean="mean", sd="std")
    quantiles = groups.quantile([0.1, 0.5, 0.9]).unstack()
    table["p10"], table["median"], table["p90"] = (quantiles[0.1], quantiles[0.5],
                                                   quantiles[0.9])
    half = t_half_width(table["sd"].to_numpy(), table["n"].to_numpy(), level)
    table["ci_low"], table["ci_high"] = table["mean"] - half, table["mean"] + half
    table = table.reset_index().astype({"n": np.int64})
    columns = [POINT, INDICATOR, *STATS]
    if MEMBER in summary.columns:
        table, columns = _over_members(table, summary, level), [*columns, *ENSEMBLE_STATS]
    table = table.sort_values(POINT, kind="stable")
    return with_parameters(table[columns], summary)


def _over_members(table: pd.DataFrame, summary: pd.DataFrame, level: float) -> pd.DataFrame:
    """The table with the mean and interval taken over members, and the ensemble's columns."""
    keys = [POINT, INDICATOR]
    combined = combine_members(member_means(summary, keys), keys, "mean", level)
    combined = combined[[*keys, "mean", "ci_low", "ci_high", *ENSEMBLE_STATS]]
    table = table.drop(columns=["mean", "ci_low", "ci_high"]).merge(
        combined, on=keys, how="left", validate="one_to_one")
    return table.astype({"members": "Int64"})  # missing where no run defines the indicator


def with_parameters(table: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Insert each point's parameter columns between ``point`` and ``indicator``."""
    skip = {RUN_ID, POINT, MEMBER, REPLICATE, SEED, INDICATOR, VALUE}
    parameters = [c for c in summary.columns if c not in skip]
    if not parameters:
        return table.reset_index(drop=True)
    points = summary.drop_duplicates(POINT)[[POINT, *parameters]]
    merged = table.merge(points, on=POINT, how="left", validate="many_to_one")
    stats_columns = list(table.columns[table.columns.get_loc(INDICATOR) + 1:])
    return merged[[POINT, *parameters, INDICATOR, *stats_columns]].reset_index(drop=True)


def point_means(summary: pd.DataFrame, points: int) -> pd.DataFrame:
    """Mean over replicates of each indicator at each point.

    Args:
        summary: Long summary table.
        points: Number of design points; points without a finished run are NaN.

    Returns:
        Index ``point`` 0 … points − 1, one column per indicator.
    """
    means = summary.groupby([POINT, INDICATOR], sort=False)[VALUE].mean().unstack()
    return means.reindex(index=range(points), columns=summary[INDICATOR].unique())
