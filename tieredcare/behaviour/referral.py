"""Referral between tiers (转诊).

Upward: a facility that cannot treat an episode (severity above its capability, or the
service line missing) refers it to the nearest facility that can, in the county first.
Downward: a recovering inpatient of a county or higher hospital may continue recovery at
the home township centre.
"""

from __future__ import annotations

import numpy as np

from tieredcare.tiers import INPATIENT, OUTPATIENT

MAX_SEVERITY = 4


def treats(capability: np.ndarray, services: np.ndarray, beds: np.ndarray) -> np.ndarray:
    """Which facility can treat which episode.

    Args:
        capability: Highest severity each facility treats [F].
        services: Service lines each facility offers [F, L].
        beds: Beds of each facility [F].

    Returns:
        Boolean table [care type, F, severity 0–4, L]. Inpatient care also needs beds.
    """
    severity = np.arange(MAX_SEVERITY + 1)
    able = (capability[:, None] >= severity[None, :])[:, :, None] & services[:, None, :]
    return np.stack([able, able & (beds > 0)[:, None, None]])


def referral_targets(
    table: np.ndarray, minutes: np.ndarray, facility_county: np.ndarray
) -> np.ndarray:
    """Where each facility refers an episode it cannot treat.

    Args:
        table: Output of :func:`treats` [care, F, S, L].
        minutes: Travel time between facilities [F, F] [minutes].
        facility_county: County index of each facility, -1 outside every county [F]
            (a bool "in the county" array is read as one county).

    Returns:
        Facility index [care, F, S, L] of the nearest capable facility other than the
        referring one, -1 where none can treat. In one county, in-county facilities come
        first; in a prefecture, the referring facility's own county first, then the
        shared hospitals, then other counties (a shared hospital refers to shared ones
        first).
    """
    county = np.asarray(facility_county)
    if county.dtype == bool:
        county = np.where(county, 0, -1)
    # Ranks of 1e9 put a whole class of facilities after another, then travel time.
    if county.max(initial=-1) <= 0:
        distance = minutes + np.where(county >= 0, 0.0, 1e9)[None, :]
    else:
        same = county[:, None] == county[None, :]
        distance = minutes + np.where(same, 0.0, np.where(county[None, :] < 0, 1e9, 2e9))
    np.fill_diagonal(distance, np.inf)
    # Each facility's destinations nearest first (ties by index, as argmin would break
    # them); the target is then the first capable one: F × F memory, not F × lines × F.
    order = np.argsort(distance, axis=1, kind="stable")
    reachable = np.isfinite(np.take_along_axis(distance, order, axis=1))
    del distance
    rows = np.arange(order.shape[0])
    targets = np.full(table.shape, -1, dtype=np.int32)
    for care in (OUTPATIENT, INPATIENT):
        for severity in range(table.shape[2]):
            for line in range(table.shape[3]):
                hit = table[care, :, severity, line][order] & reachable  # [F, rank]
                first = hit.argmax(axis=1)
                targets[care, :, severity, line] = np.where(hit[rows, first],
                                                            order[rows, first], -1)
    return targets
