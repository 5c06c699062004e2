"""Group counts in one compiled pass per call (see :mod:`tieredcare.groups`).

The numpy path buffers each event's cell and adds them up with one ``bincount`` every
:data:`~tieredcare.groups.FLUSH_EVENTS` events. Here counts go into an int32 table that is
added to the tables at the end of the run (whole numbers add up exactly in any order, and
the smaller table is quicker to add to at scattered cells), and weights into a pending
table that is added to the tables when the numpy path would flush: each cell then gets
the same sum, in the same order, as ``bincount`` gives it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from tieredcare.fast import njit

if TYPE_CHECKING:
    from tieredcare.groups import GroupCounters


def add(groups: GroupCounters, rows: np.ndarray, person: np.ndarray, home: np.ndarray,
        severity: np.ndarray, counts: dict[str, np.ndarray | None],
        sums: dict[str, np.ndarray]) -> None:
    """:meth:`GroupCounters.add` by the kernels: counts into the tables, sums pending.

    Args:
        groups: The group counters.
        rows: Which entries of ``person``, ``home`` and ``severity`` are the events [n].
        person: Person cell of each resident (an episode's ``person``).
        home: Home village of each resident.
        severity: Severity 1–4 of each episode.
        counts: Slot → which events it counts (a mask [n]; None: all of them).
        sums: Slot → what each event adds to it [n].
    """
    place = (groups.village_place, groups.n_places)
    if counts:
        # A tuple of the masks costs less to hand over than one stacked array.
        every = np.ones(rows.size, dtype=bool) if any(m is None for m in counts.values()) \
            else None
        masks = tuple(every if mask is None else np.ascontiguousarray(mask, dtype=bool)
                      for mask in counts.values())
        counted = count(groups._counts, groups._counts_severity, rows, person, home,
                        severity, place, masks, _slots(tuple(counts), False))
        groups._buffered += counted
        groups._counted_since_fold += counted
    if sums:
        weigh(groups._pending, groups._pending_severity, rows, person, home, severity, place,
              tuple(np.ascontiguousarray(values, dtype=np.float64) for values in sums.values()),
              _slots(tuple(sums), True))
        groups._buffered += rows.size * len(sums)


@functools.cache
def _slots(names: tuple[str, ...], sums: bool) -> np.ndarray:
    """Row of each named slot in the tables, or with ``sums`` in the pending sums.

    Kept: the same few sets of slots come every day.
    """
    from tieredcare.groups import SLOT, SUM_ROW

    index = SUM_ROW if sums else SLOT
    slots = np.array([index[name] for name in names], dtype=np.int64)
    slots.flags.writeable = False
    return slots


@njit
def count(cells, severity, rows, person, home, sev, place, masks, slots):  # pragma: no cover
    """Add one to ``cells[slot, cell]`` and ``severity[slot, sev]`` for each event counted.

    Args:
        cells: Counts [slot, P·places] (int32), added to in place.
        severity: Counts [slot, 4], added to in place.
        rows: The events' entries of ``person``, ``home`` and ``sev`` [n].
        person: Person cells.
        home: Home villages.
        sev: Severities 1–4.
        place: Place of each village [V], and places per person cell.
        masks: Which events each slot counts: S masks [n].
        slots: The slots [S].

    Returns:
        How many events were counted, over all slots.
    """
    village_place, n_places = place
    counted = 0
    for i in range(rows.size):  # each event's cell once, then its slots
        r = rows[i]
        cell, level = np.int64(person[r]) * n_places + village_place[home[r]], sev[r] - 1
        for s in range(slots.size):
            # Adding 0 where the slot does not count the event: no branch to mispredict,
            # and whole numbers add up exactly.
            counts = masks[s][i]
            cells[slots[s], cell] += counts
            severity[slots[s], level] += counts
            counted += counts
    return counted


@njit
def weigh(pending, pending_severity, rows, person, home, sev, place, weights,
          slots):  # pragma: no cover - compiled
    """Add each event's weight to the pending sums of its cell and severity, in order.

    Args:
        pending: Pending sums [sum slot, P·places], added to in place.
        pending_severity: Pending sums [sum slot, 4], added to in place.
        rows: The events' entries of ``person``, ``home`` and ``sev`` [n].
        person: Person cells.
        home: Home villages.
        sev: Severities 1–4.
        place: Place of each village [V], and places per person cell.
        weights: What each event weighs in each slot: S arrays [n] (float64).
        slots: Row of each slot in the pending tables [S].
    """
    village_place, n_places = place
    # Events in order within each slot, so each sum adds up as bincount adds it.
    for i in range(rows.size):
        r = rows[i]
        cell, level = np.int64(person[r]) * n_places + village_place[home[r]], sev[r] - 1
        for s in range(slots.size):
            pending[slots[s], cell] += weights[s][i]
            pending_severity[slots[s], level] += weights[s][i]


def warm_up() -> None:
    """Compile the kernels, or load them from numba's cache, before the first day."""
    none = np.empty(0, dtype=np.intp)
    person, home, sev = np.empty(0, np.uint8), none, none  # the episode table's dtypes
    place = (none.astype(np.int64), np.int64(1))
    count(np.zeros((1, 1), dtype=np.int32), np.zeros((1, 1), dtype=np.int64), none, person,
          home, sev, place, (np.empty(0, dtype=bool),), none.astype(np.int64))
    weigh(np.zeros((1, 1)), np.zeros((1, 1)), none, person, home, sev, place,
          (np.empty(0),), none.astype(np.int64))
