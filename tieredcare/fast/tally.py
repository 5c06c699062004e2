"""Group counts in one compiled pass per call (see :mod:`tieredcare.groups`).

The numpy path buffers each event's cell and adds them up with one ``bincount`` every
:data:`~tieredcare.groups.FLUSH_EVENTS` events. Here counts go straight into the table
(whole numbers in float64 add up exactly in any order), and weights into a pending table
that is added to the table when the numpy path would flush: each cell then gets the same
sum, in the same order, as ``bincount`` gives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.fast import njit

if TYPE_CHECKING:
    from tieredcare.groups import GroupCounters


def add(groups: GroupCounters, cell: np.ndarray, sev: np.ndarray,
        counts: dict[str, np.ndarray | None], sums: dict[str, np.ndarray]) -> None:
    """:meth:`GroupCounters.add` by the kernels: counts into the tables, sums pending.

    Args:
        groups: The group counters.
        cell: Person cell · places + place of each event [n].
        sev: Severity − 1 of each event [n].
        counts: Slot → which events it counts (a mask [n]; None: all of them).
        sums: Slot → what each event adds to it [n].
    """
    from tieredcare.groups import SLOT, SLOTS, SUM_ROW  # here: groups imports this module

    if counts:
        # Rows filled one by one: np.stack costs more than the counting, on a small day.
        masks = np.empty((len(counts), cell.size), dtype=bool)
        for row, mask in zip(masks, counts.values(), strict=True):
            row[:] = True if mask is None else mask
        groups._buffered += count(
            groups.cells.reshape(len(SLOTS), -1), groups.severity, cell, sev, masks,
            np.array([SLOT[slot] for slot in counts], dtype=np.int64))
    if sums:
        weights = np.empty((len(sums), cell.size))
        for row, values in zip(weights, sums.values(), strict=True):
            row[:] = values
        weigh(groups._pending, groups._pending_severity, cell, sev, weights,
              np.array([SUM_ROW[slot] for slot in sums], dtype=np.int64))
        groups._buffered += cell.size * len(sums)


@njit
def count(cells, severity, cell, sev, masks, slots):  # pragma: no cover - compiled
    """Add one to ``cells[slot, cell]`` and ``severity[slot, sev]`` for each event counted.

    Args:
        cells: Counts [slot, P·places], added to in place.
        severity: Counts [slot, 4], added to in place.
        cell: Person cell · places + place of each event [n].
        sev: Severity − 1 of each event [n].
        masks: Which events each slot counts [S, n].
        slots: The slots [S].

    Returns:
        How many events were counted, over all slots.
    """
    counted = 0
    for s in range(slots.size):
        k = slots[s]
        for i in range(cell.size):
            if masks[s, i]:
                cells[k, cell[i]] += 1.0
                severity[k, sev[i]] += 1.0
                counted += 1
    return counted


@njit
def weigh(pending, pending_severity, cell, sev, weights, slots):  # pragma: no cover
    """Add each event's weight to the pending sums of its cell and severity, in order.

    Args:
        pending: Pending sums [sum slot, P·places], added to in place.
        pending_severity: Pending sums [sum slot, 4], added to in place.
        cell: Person cell · places + place of each event [n].
        sev: Severity − 1 of each event [n].
        weights: What each event weighs in each slot [S, n].
        slots: Row of each slot in the pending tables [S].
    """
    for s in range(slots.size):
        k = slots[s]
        for i in range(cell.size):
            pending[k, cell[i]] += weights[s, i]
            pending_severity[k, sev[i]] += weights[s, i]



def warm_up() -> None:
    """Compile the kernels, or load them from numba's cache, before the first day."""
    none, sev = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.intp)
    count(np.zeros((1, 1)), np.zeros((1, 1)), none, sev, np.empty((0, 0), dtype=bool), none)
    weigh(np.zeros((1, 1)), np.zeros((1, 1)), none, sev, np.empty((0, 0)), none)
