"""County-wide and per-county values computed from a run's group table.

:meth:`tieredcare.groups.GroupCounters.table` gives every group indicator by dimension
and group. Some county-wide indicators exist only there: who bypasses primary care (per
person, not per contact), travel time per contact and how unequally primary and hospital
care are used across income groups (concentration indices). A prefecture's run also
reports each county's group indicators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def concentration_index(population_share: np.ndarray, use: np.ndarray) -> float:
    """Concentration index of a use across groups ordered from poorest to richest.

    ``CI = Σ_g s_g · (2·R_g − 1) · h_g / μ``, where ``s_g`` is group g's share of the
    population, ``R_g`` the fractional rank of its midpoint (share of the population below
    it plus half its own), ``h_g`` its use per person and ``μ = Σ s_g h_g`` the mean use.
    It lies in [−1, 1]: negative when the poorer use more (pro-poor), positive when the
    richer do. With three income groups it is a coarse, grouped estimate.

    Args:
        population_share: Share of residents in each group, poorest first.
        use: Use per person in each group (e.g. visits per resident-year).

    Returns:
        The index, or NaN when there is no use at all.
    """
    share = np.asarray(population_share, dtype=float)
    share = share / share.sum()
    rank = np.cumsum(share) - share / 2.0
    mean = float(np.sum(share * use))
    if mean <= 0:
        return float("nan")
    return float(np.sum(share * (2.0 * rank - 1.0) * use) / mean)


EXTRA_INDICATORS = {
    "bypass_45_plus": ("share", "Residents aged 45+ whose last outpatient visit in the reported "
                       "period was at a county, city or provincial hospital / residents 45+ "
                       "with an outpatient visit (per person, comparable with CHARLS "
                       "studies of bypassing primary care)."),
    "travel_minutes_per_contact": ("minutes", "One-way travel time from the home village to "
                                   "the facility, mean over served contacts."),
    "concentration_primary_use": ("index −1…1", "Concentration index of primary-care visits "
                                  "per resident across income groups (negative: the poorer "
                                  "use more); see concentration_index."),
    "concentration_hospital_use": ("index −1…1", "Concentration index of hospital visits and "
                                   "admissions per resident across income groups."),
}
"""County-wide indicators computed from the group tables, with unit and definition."""


def county_summary(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Each county's group indicators, from a prefecture run's group table (see the module).

    Returns:
        County name → indicator → value, in the counties' order; empty for one county.
    """
    rows = table[table["dimension"] == "county"]
    return {county: dict(zip(part["indicator"], part["value"].astype(float), strict=True))
            for county, part in rows.groupby("group", sort=False)}


def extra_summary(table: pd.DataFrame) -> dict[str, float]:
    """The :data:`EXTRA_INDICATORS` of a run, from its group table (see the module)."""
    total = table[table["dimension"] == "all"].set_index("indicator")["value"]
    income = table[table["dimension"] == "income"]


    def slot(indicator: str, part: str) -> np.ndarray:
        return income[income["indicator"] == indicator][part].to_numpy()

    residents = slot("visits_per_capita", "denominator")  # resident-days by income group
    safe = np.maximum(residents, 1.0)
    primary_rate = slot("primary_share", "numerator") / safe  # primary-care visits
    hospital_rate = slot("unreferred_hospital_share", "denominator") / safe  # hospital use
    return {
        "bypass_45_plus": float(total["bypass_45_plus"]),
        "travel_minutes_per_contact": float(total["travel_minutes_per_contact"]),
        "concentration_primary_use": concentration_index(residents, primary_rate),
        "concentration_hospital_use": concentration_index(residents, hospital_rate),
    }
