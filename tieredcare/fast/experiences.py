"""The day's experiences gathered by village and facility (see :mod:`tieredcare.behaviour.trust`).

:meth:`~tieredcare.behaviour.trust.Perception.update` finds the (village, facility)
pairs experienced today with ``np.unique`` (a sort) and counts and sums their scores
with ``bincount``. Here one pass over the experiences, in their order, counts and sums
them, finding each pair's place through a dense scratch table: the same sums, added in
the same order from 0.
"""

from __future__ import annotations

import numpy as np

from tieredcare.fast import njit


@njit
def gather(index, score, slot):  # pragma: no cover - compiled
    """Each pair experienced, how often, and its scores' sum, in order of first experience.

    Args:
        index: Flat (village, facility) position of each experience [n].
        score: Its score [n].
        slot: Scratch, one per pair [V·F], zero; left zero. While gathering, a pair's
            place among those experienced, plus one.

    Returns:
        ``(where, counts, sums)``: the pairs experienced and their counts and sums.
    """
    where = np.empty(index.size, dtype=np.int64)
    counts = np.zeros(index.size, dtype=np.int64)
    sums = np.zeros(index.size)
    n = 0
    for i in range(index.size):
        k = index[i]
        if slot[k] == 0:
            where[n] = k
            n += 1
            slot[k] = n
        j = slot[k] - 1
        counts[j] += 1
        sums[j] += score[i]
    for j in range(n):
        slot[where[j]] = 0
    return where[:n], counts[:n], sums[:n]


def warm_up() -> None:
    """Compile the kernel, or load it from numba's cache, before the first day."""
    gather(np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros(1, dtype=np.int32))
