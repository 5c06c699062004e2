"""Trust that is learnt: residents' perceived quality of each facility, by village.

Patients choose by the quality they *perceive* (:mod:`tieredcare.behaviour.choice`). A
village's perception of a facility starts at the facility's quality and then moves
towards what its residents experience there: a contact that treats the episode promptly
is worth the facility's quality; being referred on, waiting long or leaving the queue
takes points off. One experience reaches ``word_of_mouth_reach`` residents (the patient's
household and neighbours), so a village of N residents moves a share ``reach / N`` of the
way towards it. A facility improved by a policy is therefore judged better only as
villagers come back with good experiences: the effect builds over months, fastest where
contacts are frequent (the village clinic, the township centre) and slowest at the city
hospital.

Kept per village × facility (not per resident), so memory grows with the map, not with
the population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tieredcare import fast
from tieredcare.config.behaviour import Trust
from tieredcare.fast import experiences


class Perception:
    """Perceived quality of every facility by every village, and the day's experiences.

    Args:
        config: The ``trust`` section of the scenario.
        quality: Quality of each facility when the run starts [F] [index 0–1].
        village_population: Residents of each village [V].

    Attributes:
        values: Perceived quality [V, F] [index 0–1].
        version: How many times :meth:`update` has changed ``values``.
    """

    def __init__(self, config: Trust, quality: np.ndarray, village_population: np.ndarray
                 ) -> None:
        self.config = config
        n_villages = village_population.size
        self.values = np.tile(np.asarray(quality, dtype=np.float32), (n_villages, 1))
        # Share of the village's view one experience moves.
        reach = config.word_of_mouth_reach / np.maximum(village_population, 1)
        self._keep = np.log1p(-np.minimum(reach, 1.0 - 1e-9))  # log(1 − reach) [V]
        self._index: list[np.ndarray] = []
        self._score: list[np.ndarray] = []
        self._scratch: np.ndarray | None = None  # the compiled path's
        self.version = 0  # lets views of ``values`` be kept until it changes

    def of(self, home: np.ndarray, facility: np.ndarray) -> np.ndarray:
        """Perceived quality of ``facility`` in each patient's ``home`` village.

        Args:
            home: Home village of each patient [n] (or [n, 1] to broadcast).
            facility: Facility index [n] or [n, C] (indices >= 0).

        Returns:
            Perceived quality, shaped like the broadcast of ``home`` and ``facility``.
        """
        n_fac = np.int64(self.values.shape[1])
        return self.values.ravel().take(home * n_fac + facility)

    def experience(self, home: np.ndarray, facility: np.ndarray, quality: np.ndarray,
                   referred_on: np.ndarray, waited_long: np.ndarray,
                   left_queue: bool = False) -> None:
        """Note contacts of today: their village, facility and how they went.

        Args:
            home: Patients' home villages [n].
            facility: Facilities contacted [n].
            quality: Quality of those facilities today [n].
            referred_on: Whether the facility could not treat and referred on [n].
            waited_long: Whether the patient waited longer than a satisfactory wait [n].
            left_queue: Whether these patients gave up waiting (then seen by no one).
        """
        if home.size == 0:
            return
        c = self.config
        score = (quality - c.referred_on_penalty * referred_on
                 - c.long_wait_penalty * waited_long - c.left_queue_penalty * left_queue)
        self._index.append(home.astype(np.int64) * self.values.shape[1] + facility)
        self._score.append(np.clip(score, 0.0, 1.0))

    def update(self) -> None:
        """Move each village's perceptions towards the day's experiences, then forget them.

        With n experiences averaging s, the perception p becomes
        p + (1 − (1 − reach/N)^n) · (s − p).
        """
        if not self._index:
            return
        index, score = np.concatenate(self._index), np.concatenate(self._score)
        self._index, self._score = [], []
        if fast.ENABLED:
            if self._scratch is None:
                self._scratch = np.zeros(self.values.size, dtype=np.int32)
            # The pairs come in another order than np.unique's; each is updated alone.
            where, count, sums = experiences.gather(index, score, self._scratch)
            mean = sums / count
        else:
            where, inverse = np.unique(index, return_inverse=True)
            count = np.bincount(inverse)
            mean = np.bincount(inverse, weights=score) / count
        village = where // self.values.shape[1]
        weight = -np.expm1(count * self._keep[village])
        flat = self.values.ravel()
        flat[where] += (weight * (mean - flat[where])).astype(np.float32)
        self.version += 1

    def facility_means(self, weights: FacilityWeights) -> np.ndarray:
        """Each facility's perceived quality averaged over villages with ``weights``.

        Where a facility has no weight (no village considers it), the plain mean over
        villages is used.
        """
        # Whole-number weights times float32 views are exact in float64, and bincount adds
        # them village by village from 0: the sums of einsum over all of [V, F], to the bit.
        products = weights.weight * self.values.ravel().take(weights.at)
        sums = np.bincount(weights.facility, weights=products, minlength=self.values.shape[1])
        total = weights.total
        means = sums / np.where(total > 0, total, 1.0)
        unweighted = total <= 0
        if unweighted.any():
            means[unweighted] = self.values[:, unweighted].mean(axis=0)
        return means


@dataclass(frozen=True)
class FacilityWeights:
    """Weights of each village's view of each facility [V, F], as their nonzero entries.

    Most villages consider a handful of the facilities: averaging over the nonzero
    entries alone is a small fraction of the work.

    Attributes:
        at: Flat positions of the nonzero weights in [V, F], village by village.
        facility: Facility of each.
        weight: The weights.
        total: Weight of each facility over the villages [F].
    """

    at: np.ndarray
    facility: np.ndarray
    weight: np.ndarray
    total: np.ndarray

    @classmethod
    def of(cls, weights: np.ndarray) -> FacilityWeights:
        """From weights [V, F] (residents: whole numbers, so that products are exact)."""
        at = np.flatnonzero(weights)
        return cls(at, at % weights.shape[1], weights.ravel()[at].astype(np.float64),
                   weights.sum(axis=0))
