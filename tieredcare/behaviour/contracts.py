"""Family-doctor contracts (家庭医生签约): signups, team capacity and annual renewal.

``signup_probability`` of a group is the contract coverage the group tends to when
satisfaction is at its reference level. At the start of a run residents sign with that
probability; at each annual renewal contracted residents renew with a chance moved by
their satisfaction, and
unsigned residents sign with the chance that keeps coverage steady when satisfaction is
at the reference: ``q = s·(1 − ρ)/(1 − s)`` for coverage ``s`` and renewal chance ``ρ``. Teams
never take more residents than their capacity.
"""

from __future__ import annotations

import numpy as np

from tieredcare.arrays import rank_within


def assign_teams(
    centre: np.ndarray, team_facility: np.ndarray, team_free: np.ndarray
) -> np.ndarray:
    """Give residents places in the teams of their township centre, first come first served.

    Args:
        centre: Facility index of each applicant's township centre, in the order applicants
            are served (shuffle before calling for a random order).
        team_facility: Facility of each team [T].
        team_free: Free places of each team [T].

    Returns:
        Team index of each applicant, or -1 where the centre's teams are full.
    """
    if centre.size == 0 or team_facility.size == 0:
        return np.full(centre.size, -1, dtype=np.int32)
    by_facility = np.argsort(team_facility, kind="stable")
    facility_sorted = team_facility[by_facility]
    # Free places in the teams before each team (in facility order), and in all of them.
    cum_free = np.concatenate([[0], np.cumsum(team_free[by_facility])])
    # Looked up by facility (a few hundred), not searched for each of many applicants.
    facilities = np.arange(max(int(facility_sorted[-1]), int(centre.max())) + 1)
    first = cum_free[np.searchsorted(facility_sorted, facilities, side="left")]
    after = cum_free[np.searchsorted(facility_sorted, facilities, side="right")]
    before = first.take(centre)
    total = after.take(centre) - before
    rank = rank_within(centre)
    # The applicant's place among all free places falls in the last team starting at or
    # before it (teams without free places start and end at the same place).
    slot = np.searchsorted(cum_free, before + rank, side="right") - 1
    team = by_facility[np.minimum(slot, by_facility.size - 1)]
    return np.where(rank < total, team, -1).astype(np.int32)


def steady_signup_chance(coverage: np.ndarray, renewal: float) -> np.ndarray:
    """Annual chance an unsigned resident signs, keeping ``coverage`` steady.

    Args:
        coverage: Target coverage of each group [share 0–1].
        renewal: Chance a contracted resident renews at neutral satisfaction.

    Returns:
        Chance per group, in [0, 1].
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        q = coverage * (1.0 - renewal) / (1.0 - coverage)
    return np.clip(np.nan_to_num(q, nan=1.0, posinf=1.0), 0.0, 1.0)


def renewal_chance(
    good: np.ndarray, bad: np.ndarray, renewal: float, effect: float, reference: float = 0.0
) -> np.ndarray:
    """Chance each contracted resident renews, from good and bad contacts this year.

    Satisfaction is ``(good − bad)/(good + bad)`` in [−1, 1], 0 with no contacts. A
    resident at the ``reference`` satisfaction renews with chance ``renewal``; each unit
    above or below moves the chance by ``effect``.
    """
    contacts = good.astype(np.float64) + bad
    satisfaction = np.divide(good.astype(np.float64) - bad, contacts,
                             out=np.zeros(contacts.shape), where=contacts > 0)
    return np.clip(renewal + effect * (satisfaction - reference), 0.0, 1.0)
