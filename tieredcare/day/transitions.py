"""Episode state changes shared by every stage: join a queue, choose again, close, unmet.

An episode is CHOOSING (needs a facility today), QUEUED (waits in a facility's outpatient
or admission queue), IN_BED (admitted) or CLOSED (ended today). Every stage moves episodes
between these states with the functions here, so each change is made in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.episodes import CHOOSING, CLOSED, QUEUED
from tieredcare.tiers import INPATIENT, OUTPATIENT

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel


def join(model: TieredCareModel, rows: np.ndarray, facility: np.ndarray) -> None:
    """Episodes join a facility's queue: admission if it takes them on as inpatients."""
    ep = model.episodes
    admits = takes_on(model, rows, facility, INPATIENT)
    ep["facility"][rows] = facility
    ep["queue"][rows] = np.where((ep["care"][rows] == INPATIENT) & admits, INPATIENT,
                                 OUTPATIENT)
    ep["status"][rows] = QUEUED
    ep["queued_day"][rows] = model.day
    ep["attempts"][rows] += 1


def takes_on(model: TieredCareModel, rows: np.ndarray, facility: np.ndarray, care: int
             ) -> np.ndarray:
    """Whether each facility takes on the episode as ``care`` (outpatient or inpatient).

    A facility takes on what it can treat; under capitation a county hospital may also
    stretch to an episode it would otherwise refer on.
    """
    # Flat positions in the [need, F] tables: one 1-D take beats 2-D fancy indexing.
    at = model.need(rows, care) * model.county.n_facilities + facility
    able = model.treats_by_need.ravel().take(at)
    if model.stretch_by_need is not None:
        draw = model.draw("capitation", rows, model.episodes["attempts"][rows])
        able |= model.stretch_by_need.ravel().take(at) & (
            draw < model.policy.capitation.strength)
    return able


def rechoose(model: TieredCareModel, rows: np.ndarray) -> None:
    """Episodes need a facility again (referred on, or left a queue)."""
    ep = model.episodes
    ep["status"][rows] = CHOOSING
    ep["facility"][rows] = -1


def close(model: TieredCareModel, rows: np.ndarray) -> None:
    """End episodes; they leave the table at the next compaction."""
    model.episodes["status"][rows] = CLOSED


def unmet(model: TieredCareModel, rows: np.ndarray) -> None:
    """End episodes without treatment and count them as unmet need."""
    if rows.size == 0:
        return
    close(model, rows)
    model.counters.unmet[model.row] += rows.size
    if model.day >= 0:
        model.groups.add_episodes(model.episodes, rows, counts={"unmet": None})
