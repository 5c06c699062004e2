"""Open episodes of illness as a table of arrays.

An episode opens at onset and stays in the table while it is choosing a facility, waiting
in a queue or occupying a bed. It leaves when it is treated as an outpatient, when the
patient is discharged, or when it is recorded as unmet need. Work per day is therefore
proportional to the day's episodes, not to the population.
"""

from __future__ import annotations

import numpy as np

# Status of an open episode.
CHOOSING = 0
"""Needs a facility today: new, referred on, or left a queue."""
QUEUED = 1
"""Waiting in a facility's outpatient or admission queue."""
IN_BED = 2
"""Admitted; treated, occupying a bed until discharge."""
CLOSED = 3
"""Ended today (treated as an outpatient, discharged, or unmet); dropped at the day's end."""

# Columns used as indices are intp: numpy converts narrower index arrays on every gather,
# which costs more time than the table's few thousand rows save in memory.
COLUMNS: dict[str, np.dtype] = {
    "id": np.dtype(np.int64),  # running number, unique within a run
    "resident": np.dtype(np.intp),
    "home": np.dtype(np.intp),  # the resident's home village (Population.home)
    # The resident's person cell (groups.person_cell: income group, age band, scheme,
    # chronic), copied at onset: later stages read it here, not at a random place of the
    # population's arrays.
    "person": np.dtype(np.uint8),
    "kind": np.dtype(np.intp),  # episode type (tiers.EPISODE_TYPES)
    "severity": np.dtype(np.intp),
    "care": np.dtype(np.intp),  # care needed: 0 outpatient, 1 inpatient
    "line": np.dtype(np.intp),  # service line (tiers.SERVICE_LINES)
    "onset_day": np.dtype(np.int32),
    "status": np.dtype(np.int8),
    "facility": np.dtype(np.intp),  # current facility, -1 while choosing
    "queue": np.dtype(np.intp),  # queue joined: 0 outpatient, 1 admission
    "queued_day": np.dtype(np.int32),
    "discharge_day": np.dtype(np.int32),
    "attempts": np.dtype(np.int8),  # facilities chosen so far
    "avoid": np.dtype(np.intp),  # facility just left after a long wait, -1 if none
    "referred": np.dtype(np.bool_),  # holds a referral
    "referral_target": np.dtype(np.intp),  # facility the referral names, -1 if none
    "referral_tier": np.dtype(np.intp),  # tier of the facility that referred, -1 if none
    "gatekept": np.dtype(np.bool_),  # went to the family doctor first
    "recovery": np.dtype(np.bool_),  # recovery stay after a downward referral
    "oop": np.dtype(np.float32),  # paid by the patient so far [CNY]
}


RECOVERY_IDS = 1 << 48
"""First id of recovery stays (illness episodes count from 0)."""

_EMPTY = {"facility": -1, "avoid": -1, "referral_target": -1, "referral_tier": -1,
          "discharge_day": -1}


class EpisodeTable:
    """Columns of open episodes, one numpy array per column.

    Rows stay in the order they were added, so row order is also id order (first come,
    first served). Columns live in buffers with spare room, so adding rows rarely copies;
    closed rows are dropped in bulk by :meth:`compact`.

    Attributes:
        next_id: Id the next added illness episode will get.
        next_recovery_id: Id the next recovery stay will get. Recovery stays count from
            ``RECOVERY_IDS`` so that illness episodes keep the same ids in every scenario
            run with the same seed, however many recovery stays a policy causes.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._buffers = {k: np.empty(capacity, dtype=t) for k, t in COLUMNS.items()}
        self._n = 0
        self._views: dict[str, np.ndarray] = {}
        self._refresh()
        self.next_id = 0
        self.next_recovery_id = RECOVERY_IDS

    def _refresh(self) -> None:
        self._views = {k: b[: self._n] for k, b in self._buffers.items()}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, name: str) -> np.ndarray:
        return self._views[name]

    def add(self, n: int, **values: np.ndarray | int | float | bool) -> np.ndarray:
        """Append ``n`` episodes; columns not given take their empty value.

        Args:
            n: Number of episodes.
            **values: Column values (arrays of length ``n`` or scalars).

        Returns:
            Row positions of the new episodes.
        """
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise KeyError(f"unknown episode columns {sorted(unknown)}")
        start, stop = self._n, self._n + n
        if stop > self._buffers["id"].size:
            self._grow(stop)
        for name, buffer in self._buffers.items():
            buffer[start:stop] = values.get(name, _EMPTY.get(name, 0))
        if values.get("recovery", False) is True:
            first, self.next_recovery_id = self.next_recovery_id, self.next_recovery_id + n
        else:
            first, self.next_id = self.next_id, self.next_id + n
        self._buffers["id"][start:stop] = np.arange(first, first + n)
        self._n = stop
        self._refresh()
        return np.arange(start, stop)

    def _grow(self, needed: int) -> None:
        size = max(needed, 2 * self._buffers["id"].size)
        for name, buffer in self._buffers.items():
            bigger = np.empty(size, dtype=buffer.dtype)
            bigger[: self._n] = buffer[: self._n]
            self._buffers[name] = bigger

    def compact(self, min_share: float = 0.0) -> None:
        """Drop closed rows, when they are at least ``min_share`` of the table."""
        open_rows = self["status"] != CLOSED
        kept = int(np.count_nonzero(open_rows))
        if self._n - kept <= min_share * self._n:
            return
        keep = np.flatnonzero(open_rows)
        for buffer in self._buffers.values():
            buffer[:kept] = buffer.take(keep)
        self._n = kept
        self._refresh()

    def row(self, position: int) -> dict[str, object]:
        """One episode as a dict of plain Python values."""
        return {k: v[position].item() for k, v in self._views.items()}
