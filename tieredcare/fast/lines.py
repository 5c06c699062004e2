"""Service lines of a block of onsets in one compiled pass (see :mod:`tieredcare.fast`).

:class:`tieredcare.day.onsets.Onsets` finds each onset's line with ``np.searchsorted``
over the types' cumulative shares, shifted by the type index. When that array is sorted
(:func:`usable`), every correct binary search returns the same position, so the kernel's
gives the numpy path's lines; the rest is integer arithmetic.
"""

from __future__ import annotations

import numpy as np

from tieredcare.fast import njit


def usable(search: np.ndarray) -> bool:
    """Whether the kernel gives ``np.searchsorted``'s answer: the array is sorted."""
    return bool(np.all(search[1:] >= search[:-1]))


@njit
def lines(search, kind, u, n_lines):  # pragma: no cover - compiled
    """Line of each onset: ``searchsorted(search, kind + u, side="right")`` within its type.

    Args:
        search: The types' cumulative line shares, type ``k``'s shifted by ``k`` (sorted).
        kind: Episode type of each onset [n].
        u: A uniform draw per onset [n].
        n_lines: Service lines per type.

    Returns:
        The line [n] (int8), at most the last.
    """
    line = np.empty(kind.size, dtype=np.int8)
    for i in range(kind.size):
        value = np.float64(kind[i]) + u[i]
        low, high = 0, search.size
        while low < high:  # the first position whose element is above value
            mid = (low + high) // 2
            if search[mid] <= value:
                low = mid + 1
            else:
                high = mid
        line[i] = min(low - kind[i] * n_lines, n_lines - 1)
    return line


def warm_up() -> None:
    """Compile the kernel, or load it from numba's cache, before the first day."""
    lines(np.zeros(1), np.zeros(1, dtype=np.int16), np.zeros(1), 1)
