"""Places in the facilities' queues by a counting sort (see :mod:`tieredcare.fast`).

:func:`tieredcare.day.service.serve` sorts the day's queued episodes by queue, then
referred patients first, then the day they joined, then arrival, and ranks each within
its queue. Those keys are small integers, so one counting pass over the episodes in
arrival order gives the same ranks without a comparison sort.
"""

from __future__ import annotations

import numpy as np

from tieredcare.fast import njit

MAX_BUCKETS_PER_EPISODE = 16
"""Above this many buckets per episode (long-waiting queues), sorting is cheaper."""


def rank_in_queue(group: np.ndarray, referred: np.ndarray, queued_day: np.ndarray,
                  n_groups: int) -> np.ndarray | None:
    """Each episode's place in its queue; None where a sort would be cheaper.

    Args:
        group: Queue of each episode (facility · 2 + queue type), in arrival order.
        referred: Whether each episode holds a referral (served first).
        queued_day: Day each episode joined its queue (earlier first).
        n_groups: Number of queues.
    """
    first = int(queued_day.min())
    n_days = int(queued_day.max()) - first + 1
    if n_groups * 2 * n_days > MAX_BUCKETS_PER_EPISODE * group.size + 65_536:
        return None
    return _rank(group, referred, queued_day, first, n_days, n_groups)


@njit
def _rank(group, referred, queued_day, first, n_days, n_groups):  # pragma: no cover
    """Counting sort by (queue, not referred, day joined), stable in arrival order."""
    width = 2 * n_days
    start = np.zeros(n_groups * width + 1, dtype=np.int64)
    for i in range(group.size):
        start[group[i] * width + (not referred[i]) * n_days + queued_day[i] - first + 1] += 1
    for k in range(1, start.size):
        start[k] += start[k - 1]  # episodes with a smaller key
    group_start = start[::width].copy()  # episodes in earlier queues
    rank = np.empty(group.size, dtype=np.int64)
    for i in range(group.size):
        g = group[i]
        k = g * width + (not referred[i]) * n_days + queued_day[i] - first
        rank[i] = start[k] - group_start[g]
        start[k] += 1
    return rank


def warm_up() -> None:
    """Compile the kernel, or load it from numba's cache, before the first day."""
    one = np.zeros(1, dtype=np.intp)
    rank_in_queue(one, np.zeros(1, dtype=bool), np.zeros(1, dtype=np.int32), 1)
