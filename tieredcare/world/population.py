"""Residents as arrays: one numpy array per attribute, one element per resident.

Residents are stored sorted by *onset group* (age group × chronic status), so each group is
a contiguous block and the day's onsets are drawn by index arithmetic instead of a scan.
About 30 bytes per resident.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from tieredcare.config.population import Population as PopulationConfig
from tieredcare.tiers import ADULT, AGE_BANDS, AGE_GROUPS, ELDERLY, INCOME_GROUPS, SCHEMES

N_GROUPS = len(AGE_GROUPS) * 2
"""Onset groups: age group × chronic (hypertension or diabetes) status."""


def onset_group(age_group: np.ndarray, chronic: np.ndarray) -> np.ndarray:
    """Onset-group index ``2·age_group + chronic`` of each resident."""
    return (age_group.astype(np.int8) * 2 + chronic.astype(np.int8)).astype(np.int8)


@dataclass
class Population:
    """Residents of the county as named arrays (struct of arrays).

    Attributes:
        home: Index of the home village (into ``CountyMap.villages``).
        age_group: 0 child (0–14), 1 adult (15–64), 2 elderly (65+).
        age_band: 0 (0–14), 1 (15–44), 2 (45–64), 3 (65+): the age groups with adults
            split at 45, for group outputs.
        hypertension: Lives with hypertension.
        diabetes: Lives with diabetes.
        disabled: Lives with a disability.
        scheme: 0 urban-rural resident insurance, 1 urban employee insurance.
        income_group: 0 low, 1 middle, 2 high.
        team: Family-doctor team the resident is contracted with, or -1.
        contacts_good: Good contacts with the family doctor since the last renewal.
        contacts_bad: Bad contacts (long wait, could not treat) since the last renewal.
        fund_paid: Paid by the insurer this year for the resident [CNY], by care type
            [R, 2] (a resident's two side by side: one cache line to read).
        group_start: First resident of each onset group (length ``N_GROUPS + 1``).
    """

    home: np.ndarray
    age_group: np.ndarray
    age_band: np.ndarray
    hypertension: np.ndarray
    diabetes: np.ndarray
    disabled: np.ndarray
    scheme: np.ndarray
    income_group: np.ndarray
    team: np.ndarray
    contacts_good: np.ndarray
    contacts_bad: np.ndarray
    fund_paid: np.ndarray
    group_start: np.ndarray

    @property
    def size(self) -> int:
        """Number of residents."""
        return int(self.home.size)

    @property
    def chronic(self) -> np.ndarray:
        """Lives with hypertension or diabetes (a new array over all residents)."""
        return self.is_chronic(slice(None))

    def is_chronic(self, residents: np.ndarray | slice) -> np.ndarray:
        """Whether each of ``residents`` lives with hypertension or diabetes."""
        return self.hypertension[residents] | self.diabetes[residents]

    @property
    def group_size(self) -> np.ndarray:
        """Residents in each onset group."""
        return np.diff(self.group_start)

    @property
    def nbytes(self) -> int:
        """Memory held by the resident arrays, in bytes."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    @classmethod
    def synthesise(
        cls, config: PopulationConfig, village_population: np.ndarray, rng: np.random.Generator
    ) -> Population:
        """Draw residents for the villages of a county.

        Args:
            config: Population section of the scenario.
            village_population: Residents of each village; sums to the county's residents.
            rng: The ``population`` random stream.

        Returns:
            The residents, sorted by onset group.
        """
        n = int(village_population.sum())
        home = np.repeat(np.arange(village_population.size, dtype=np.int32), village_population)
        age = rng.choice(len(AGE_GROUPS), size=n, p=config.age_shares.as_list()).astype(np.int8)
        u_htn, u_dm = rng.random(n), rng.random(n)
        hypertension = u_htn < np.asarray(config.hypertension_prevalence.as_list())[age]
        diabetes = u_dm < np.asarray(config.diabetes_prevalence.as_list())[age]
        disabled = rng.random(n) < np.asarray(config.disability_prevalence.as_list())[age]
        # Retirees draw urban-employee pensions more often than working-age adults, but a
        # rural county has few of either; one share for all ages is the documented assumption.
        scheme = (rng.random(n) < config.employee_scheme_share).astype(np.int8)
        income = rng.choice(len(INCOME_GROUPS), size=n, p=config.income_shares).astype(np.int8)
        # Drawn last, so adding the bands left every earlier draw as it was.
        older = (age == ADULT) & (rng.random(n) < config.adults_45_64_share)
        band = (age + older + (age == ELDERLY)).astype(np.int8)

        group = onset_group(age, hypertension | diabetes)
        order = np.argsort(group, kind="stable")
        group_start = np.searchsorted(group[order], np.arange(N_GROUPS + 1)).astype(np.int64)
        return cls(
            home=home[order],
            age_group=age[order],
            age_band=band[order],
            hypertension=hypertension[order],
            diabetes=diabetes[order],
            disabled=disabled[order],
            scheme=scheme[order],
            income_group=income[order],
            team=np.full(n, -1, dtype=np.int32),
            contacts_good=np.zeros(n, dtype=np.uint16),
            contacts_bad=np.zeros(n, dtype=np.uint16),
            fund_paid=np.zeros((n, 2), dtype=np.float32),
            group_start=group_start,
        )

    def priority_group(self) -> np.ndarray:
        """Family-doctor target group of each resident: 0 elderly, 1 chronic, 2 other."""
        group = np.full(self.size, 2, dtype=np.int8)
        group[self.chronic] = 1
        group[self.age_group == ELDERLY] = 0
        return group

    def resident(self, i: int) -> dict[str, object]:
        """Everything stored about resident ``i``, with codes spelled out."""
        return {
            "resident": i,
            "home_village": int(self.home[i]),
            "age_group": AGE_GROUPS[self.age_group[i]],
            "age_band": AGE_BANDS[self.age_band[i]],
            "hypertension": bool(self.hypertension[i]),
            "diabetes": bool(self.diabetes[i]),
            "disabled": bool(self.disabled[i]),
            "scheme": SCHEMES[self.scheme[i]],
            "income_group": INCOME_GROUPS[self.income_group[i]],
            "team": int(self.team[i]),
            "contacts_good": int(self.contacts_good[i]),
            "contacts_bad": int(self.contacts_bad[i]),
            "fund_paid_outpatient": float(self.fund_paid[i, 0]),
            "fund_paid_inpatient": float(self.fund_paid[i, 1]),
        }
