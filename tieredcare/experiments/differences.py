"""Paired differences between design points: each point against a reference point.

Every point runs with the same replicate seeds (and, over an ensemble, on the same
members), so the difference of a point from the reference point is taken run by run —
same seed, same member — before it is averaged: the shared noise cancels, as in
``tieredcare compare``. Without an ensemble the interval is the t-interval over the paired
replicates; over an ensemble it combines parameter and seed uncertainty
(:func:`~tieredcare.experiments.members.combine_members`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieredcare.experiments.aggregate import with_parameters
from tieredcare.experiments.designs import POINT
from tieredcare.experiments.intervals import t_half_width
from tieredcare.experiments.members import ENSEMBLE_STATS, MEMBER, combine_members, member_means
from tieredcare.experiments.plan import REPLICATE
from tieredcare.experiments.store import INDICATOR, VALUE

COLUMNS = ("n", "reference_mean", "point_mean", "difference", "ci_low", "ci_high", "sd")
"""Columns :func:`point_differences` adds after the point, its parameters and the indicator."""


def point_differences(summary: pd.DataFrame, reference: int = 0, level: float = 0.95
                      ) -> pd.DataFrame:
    """Each other point's paired difference from the reference point, per indicator.

    Args:
        summary: Long summary table (``summary.parquet``).
        reference: The design point the others are compared with.
        level: Confidence level of the intervals.

    Returns:
        One row per point (the reference left out) × indicator: ``point``, the parameter
        columns, ``indicator``, then :data:`COLUMNS` (``n`` counts paired runs whose
        indicator is defined in both; ``sd`` is the paired differences' sample standard
        deviation); over an ensemble also
        :data:`~tieredcare.experiments.members.ENSEMBLE_STATS`.

    Raises:
        ValueError: If no finished run is at the reference point.
    """
    pairs = _paired(summary, reference)
    keys = [POINT, INDICATOR]
    grouped = pairs.groupby(keys, sort=False)
    table = grouped.agg(n=("difference", "size"), reference_mean=("reference", "mean"),
                        point_mean=(VALUE, "mean"), difference=("difference", "mean"),
                        sd=("difference", "std")).reset_index()
    columns = [*keys, *COLUMNS]
    if MEMBER in pairs.columns:
        combined = combine_members(member_means(pairs, keys, "difference"), keys, "mean", level)
        combined = combined.rename(columns={"mean": "difference"})
        table = table.drop(columns="difference").merge(
            combined[[*keys, "difference", "ci_low", "ci_high", *ENSEMBLE_STATS]], on=keys,
            how="left", validate="one_to_one")
        columns += ENSEMBLE_STATS
    else:
        half = t_half_width(table["sd"].to_numpy(float), table["n"].to_numpy(), level)
        table["ci_low"], table["ci_high"] = table["difference"] - half, table["difference"] + half
    table = table.sort_values(POINT, kind="stable")[columns]
    return with_parameters(table, summary)


def _paired(summary: pd.DataFrame, reference: int) -> pd.DataFrame:
    """Runs of the other points beside the reference point's run of the same seed (member)."""
    pair = [c for c in (MEMBER, REPLICATE) if c in summary.columns]
    finite = summary[np.isfinite(summary[VALUE].to_numpy(float))]
    base = finite[finite[POINT] == reference]
    if base.empty:
        raise ValueError(f"no finished run at the reference point {reference}")
    base = base[[INDICATOR, *pair, VALUE]].rename(columns={VALUE: "reference"})
    others = finite[finite[POINT] != reference][[POINT, INDICATOR, *pair, VALUE]]
    pairs = others.merge(base, on=[INDICATOR, *pair], how="inner", validate="many_to_one")
    return pairs.assign(difference=pairs[VALUE] - pairs["reference"])
