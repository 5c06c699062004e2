"""Stage 2 of the day: new episodes of illness.

Onsets are Poisson by episode type and onset group (age group × chronic status). They are
drawn for :data:`ONSET_BLOCK_DAYS` days at a time (fewer, larger numpy calls) and opened
day by day; each episode gets its severity, care type (outpatient or admission) and
service line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare import fast
from tieredcare.episodes import CHOOSING
from tieredcare.fast import lines as fast_lines
from tieredcare.tiers import (
    CHILD,
    CHRONIC_FOLLOW_UP,
    DAYS_PER_YEAR,
    EPISODE_SEVERITY,
    EPISODE_TYPES,
    GENERAL,
    INPATIENT,
    MODERATE,
    OUTPATIENT,
    PAEDIATRICS,
    SERVICE_LINES,
)
from tieredcare.world.population import N_GROUPS

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel
    from tieredcare.world.population import Population

ONSET_BLOCK_DAYS = 32
"""Days of onsets drawn together: fewer numpy calls per day, little memory."""



class Onsets:
    """Draws the county's illness onsets and opens each day's episodes.

    Args:
        model: The model whose residents fall ill.

    Attributes:
        daily_onsets: Expected onsets per day by episode type and onset group.
    """

    def __init__(self, model: TieredCareModel) -> None:
        self.model = model
        ep, pop = model.scenario.episodes, model.population
        rates = np.zeros((len(EPISODE_TYPES), N_GROUPS))
        by_age = np.asarray(ep.rates())  # [type, age]
        for g in range(N_GROUPS):
            age, chronic = divmod(g, 2)
            rates[:, g] = by_age[:, age]
            if chronic:
                rates[MODERATE:, g] *= ep.chronic_multiplier
                rates[CHRONIC_FOLLOW_UP, g] = ep.chronic_follow_up_rate
        self.daily_onsets = rates * pop.group_size[None, :] / DAYS_PER_YEAR
        mix = np.zeros((len(EPISODE_TYPES), len(SERVICE_LINES)))
        for k, kind in enumerate(EPISODE_TYPES):
            for line, share in ep.service_lines[kind].shares().items():
                mix[k, SERVICE_LINES.index(line)] = share
        # Each type's cumulative shares, shifted by the type index, form one sorted array.
        self._line_search = (np.cumsum(mix, axis=1)
                             + np.arange(len(EPISODE_TYPES))[:, None]).ravel()
        self._block: dict[str, np.ndarray] = {}
        self._bounds = np.zeros(1, dtype=np.int64)
        self._start = self._end = model.day  # no onsets drawn yet

    def open_today(self) -> np.ndarray:
        """Open today's new episodes; returns their rows in the episode table."""
        model = self.model
        if model.day >= self._end:
            self._draw_block(model.day)
        first, last = self._bounds[model.day - self._start: model.day - self._start + 2]
        n = int(last - first)
        model.counters.onsets[model.row] += n
        block = {name: column[first:last] for name, column in self._block.items()}
        return model.episodes.add(n, **block, onset_day=model.day, status=CHOOSING)

    def _lines(self, kind: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Service line of each onset, from its type and a uniform draw (``u`` reused)."""
        n_lines = len(SERVICE_LINES)
        if fast.ENABLED and fast_lines.usable(self._line_search):
            return fast_lines.lines(self._line_search, kind, u, n_lines)
        line = np.searchsorted(self._line_search, np.add(u, kind, out=u), side="right")
        line -= kind * np.int16(n_lines)
        return np.minimum(line, n_lines - 1).astype(np.int8)

    def _draw_block(self, day: int) -> None:
        """Draw the onsets of the next ``ONSET_BLOCK_DAYS`` days at once.

        A prefecture's block holds some two million onsets: they are kept in the smallest
        dtypes that hold them, and the draws share one buffer, reused in place.
        """
        model = self.model
        rng, draw, pop = model.streams["onsets"], model.streams["episode_kind"], model.population
        self._block = {}  # the last block's memory is free before the next one is drawn
        counts = rng.poisson(self.daily_onsets,
                             size=(ONSET_BLOCK_DAYS, *self.daily_onsets.shape))
        per_day = counts.reshape(ONSET_BLOCK_DAYS, -1)  # [day, type × group]
        code = np.repeat(np.tile(np.arange(per_day.shape[1], dtype=np.int16), ONSET_BLOCK_DAYS),
                         per_day.ravel())
        kind, group = np.divmod(code, np.int16(N_GROUPS))
        n = code.size
        del code
        u = rng.random(n)
        resident = _residents(pop, group, u)
        del group
        severity = np.asarray(EPISODE_SEVERITY, dtype=np.int8)[kind]
        admitted = draw.random(n, out=u) < model.scenario.episodes.moderate_admission_share
        care = np.where((severity >= 3) | ((kind == MODERATE) & admitted), np.int8(INPATIENT),
                        np.int8(OUTPATIENT))
        del admitted
        line = self._lines(kind, draw.random(n, out=u))
        del u
        child = (pop.age_group[resident] == CHILD) & (severity >= 2) & (line == GENERAL)
        line[child] = PAEDIATRICS
        self._block = {"resident": resident, "home": pop.home[resident],
                       "person": model.groups.person[resident], "kind": kind,
                       "severity": severity, "care": care, "line": line}
        self._bounds = np.concatenate([[0], np.cumsum(per_day.sum(axis=1))])
        self._start, self._end = day, day + ONSET_BLOCK_DAYS


def _residents(pop: Population, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Who falls ill: resident ``start + ⌊u · size⌋`` of each onset's group (``u`` reused).

    The arithmetic of ``group_start[group] + floor(u * group_size[group])``, done in place.
    """
    u *= pop.group_size.astype(np.float64).take(group)
    np.floor(u, out=u)
    u += pop.group_start.astype(np.float64).take(group)
    return u.astype(np.int32)
