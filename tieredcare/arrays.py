"""Small array helpers shared by the daily processes."""

from __future__ import annotations

import numpy as np


def rank_within(groups: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Position of each element within its group, in the given order.

    Args:
        groups: Group label of each element, a non-negative integer.
        order: Permutation that sorts the elements by group, and within a group into the
            order wanted (e.g. ``np.argsort`` of a key led by the group). Defaults to a
            stable sort by group.

    Returns:
        For each element, how many elements of its group come before it.
    """
    if order is None:
        order = np.argsort(groups, kind="stable")
    counts = np.bincount(groups)
    first = np.cumsum(counts) - counts  # position of each group's first element in order
    rank = np.empty(groups.size, dtype=np.int64)
    rank[order] = np.arange(groups.size) - first[groups[order]]
    return rank


def stochastic_round(values: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Round up or down with the chance that keeps the mean, given uniform draws."""
    low = np.floor(values)
    return (low + (uniform < values - low)).astype(np.int64)


def made_of(kept: tuple[tuple[object, ...], object] | None, parts: tuple[object, ...]) -> bool:
    """Whether a kept ``(parts, value)`` pair was made of these very parts.

    Arrays are compared by identity (the stages replace the arrays a kept value is made
    of, they never write into them); numbers such as a version counter by value.
    """
    return kept is not None and all(
        a is b or (isinstance(a, int) and a == b) for a, b in zip(kept[0], parts, strict=True))
