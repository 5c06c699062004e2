"""The served contacts' scores with the family doctor in one compiled pass.

:meth:`tieredcare.family_doctors.FamilyDoctors.score_contacts` scores each contact with
the patient's own team (good: treated within a satisfactory wait; else bad) and finds the
unsigned patients seen at their home township centre, who may be offered a contract.
Counts are whole numbers, so adding them one by one gives ``np.add.at``'s counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.fast import njit

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel

@njit
def score(rows, resident_col, home_col, recovery_col, fac, own, wait, treated,
          satisfactory, village_county, team, home_centre, good,
          bad):  # pragma: no cover - compiled
    """Add the good and bad contacts with one's own team; return the visitors.

    Args:
        rows: Episodes served [n].
        resident_col: The episodes' residents (a column of the episode table).
        home_col: Their home villages (a column).
        recovery_col: Whether each episode is a recovery stay (a column).
        fac: Facility of each contact [n].
        own: Whether it is one of the patient's own team's [n].
        wait: Days waited [n].
        treated: Whether the contact treated the episode [n].
        satisfactory: Satisfactory wait of each county [days].
        village_county: County of each village.
        team: Each resident's team, -1 without a contract.
        home_centre: Township centre of each village.
        good: Good contacts of each resident, added to in place.
        bad: Bad contacts of each resident, added to in place.

    Returns:
        Positions (in ``rows``) of unsigned patients seen at their home township centre
        for an illness (not a recovery stay), in order.
    """
    visitors = np.empty(rows.size, dtype=np.int64)
    n = 0
    for i in range(rows.size):
        r = rows[i]
        resident, home = resident_col[r], home_col[r]
        if own[i]:
            if treated[i] and wait[i] <= satisfactory[village_county[home]]:
                good[resident] += 1
            else:
                bad[resident] += 1
        if team[resident] < 0 and fac[i] == home_centre[home] and not recovery_col[r]:
            visitors[n] = i
            n += 1
    return visitors[:n]


def warm_up(model: TieredCareModel) -> None:
    """Compile the kernel for this model's array types, or load it from numba's cache."""
    ep, pop, county = model.episodes, model.population, model.county
    none = np.empty(0, dtype=np.intp)
    score(none, ep["resident"], ep["home"], ep["recovery"], none, np.empty(0, dtype=bool),
          np.empty(0, dtype=np.int32), np.empty(0, dtype=bool),
          model.family_doctors.satisfactory_wait, county.village_county, pop.team,
          county.home_township_centre, pop.contacts_good, pop.contacts_bad)
