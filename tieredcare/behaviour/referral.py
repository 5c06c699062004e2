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
    table: np.ndarray, minutes: np.ndarray, in_county: np.ndarray
) -> np.ndarray:
    """Where each facility refers an episode it cannot treat.

    Args:
        table: Output of :func:`treats` [care, F, S, L].
        minutes: Travel time between facilities [F, F] [minutes].
        in_county: Whether each facility is in the county [F].

    Returns:
        Facility index [care, F, S, L] of the nearest capable facility other than the
        referring one, in-county facilities first; -1 where none can treat.
    """
    # Out-of-county facilities rank after every in-county one, then by travel time.
    distance = minutes + np.where(in_county, 0.0, 1e9)[None, :]
    np.fill_diagonal(distance, np.inf)
    n_sev = table.shape[2]
    targets = np.full(table.shape, -1, dtype=np.int32)
    for care in (OUTPATIENT, INPATIENT):
        for severity in range(n_sev):
            capable = table[care, :, severity, :].T  # [L, G]
            cost = np.where(capable[None], distance[:, None, :], np.inf)  # [F, L, G]
            best = np.argmin(cost, axis=2)
            found = np.isfinite(np.take_along_axis(cost, best[..., None], axis=2)[..., 0])
            targets[care, :, severity, :] = np.where(found, best, -1)
    return targets
