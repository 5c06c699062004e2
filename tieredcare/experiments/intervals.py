"""Student-t intervals of means over replicates, defined once for the sweep tables and charts.

:func:`t_half_width` serves the aggregate, the paired differences between points and the
charts' bands over replicates (:func:`tieredcare.viz.charts.common.ci_half`);
:func:`t_quantile` also serves :func:`~tieredcare.experiments.members.combine_members`,
whose seed spread is already a standard error.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def t_quantile(n: np.ndarray, level: float) -> np.ndarray:
    """The two-sided t quantile for ``n`` values (``n − 1`` degrees of freedom).

    Args:
        n: Number of values behind each mean.
        level: Confidence level.

    Returns:
        ``t(1 − α/2, n − 1)``; NaN where fewer than two values.
    """
    with np.errstate(invalid="ignore"):
        return stats.t.ppf(0.5 + level / 2, np.where(n >= 2, n - 1, np.nan))


def t_half_width(sd: np.ndarray, n: np.ndarray, level: float) -> np.ndarray:
    """Half-width of the t-interval of a mean, ``t(1 − α/2, n − 1) · sd / √n``.

    Args:
        sd: Sample standard deviation (ddof 1) of the values.
        n: Number of values.
        level: Confidence level.

    Returns:
        The half-width; NaN where fewer than two values.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return t_quantile(n, level) * sd / np.sqrt(n)
