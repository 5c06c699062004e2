"""Small array helpers shared by the daily processes."""

from __future__ import annotations

import numpy as np


def rank_within(groups: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Position of each element within its group, in the given order.

    Args:
        groups: Group label of each element.
        order: Permutation giving the order inside groups (e.g. from ``np.lexsort`` with the
            group as the last key). Defaults to a stable sort by group.

    Returns:
        For each element, how many elements of its group come before it.
    """
    if order is None:
        order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    first = np.searchsorted(sorted_groups, sorted_groups, side="left")
    rank = np.empty(groups.size, dtype=np.int64)
    rank[order] = np.arange(groups.size) - first
    return rank


def stochastic_round(values: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Round up or down with the chance that keeps the mean, given uniform draws."""
    low = np.floor(values)
    return (low + (uniform < values - low)).astype(np.int64)
