"""Indicators by group: who gains and who goes without.

Over the reported days, the day's events (new episodes and what patients did, contacts,
treated episodes, referrals, unmet need, resident-days and contracts) are also counted by
the patient's group: a table of *slots* (what is counted) × person cell (income group ×
age band × insurance scheme × chronic status) × home village, and a table of slots ×
episode severity. Every group indicator is a ratio of two sums of slots, like the
county-wide indicators of :mod:`tieredcare.metrics`; the group values of a dimension
therefore add up, numerator by numerator and denominator by denominator, to the total.

Dimensions: ``income`` (low, middle, high), ``age`` (0-14, 15-44, 45-64, 65+),
``age_45_plus`` (under 45, 45+), ``scheme`` (resident, employee), ``chronic`` (chronic,
not chronic), ``township`` (home township), ``distance`` (travel time from the home
village to its township centre), ``severity`` (1–4, episode-based indicators only) and,
in a prefecture, ``county`` (the home county).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tieredcare import fast
from tieredcare.fast import tally
from tieredcare.tiers import AGE_BANDS, BAND_45_64, INCOME_GROUPS, SCHEMES, TIERS

if TYPE_CHECKING:
    from tieredcare.episodes import EpisodeTable

N_PERSON_CELLS = len(INCOME_GROUPS) * len(AGE_BANDS) * len(SCHEMES) * 2
"""Person cells: income group × age band × scheme × chronic status."""
DISTANCE_BANDS = ((0, 15, "<15 min"), (15, 30, "15-30 min"), (30, 45, "30-45 min"),
                  (45, np.inf, "45+ min"))
"""Bands of travel time from the home village to its township centre [minutes]."""
SEVERITIES = ("1", "2", "3", "4")
FIXED_GROUPS: dict[str, tuple[str, ...]] = {
    "income": INCOME_GROUPS, "age": AGE_BANDS, "scheme": SCHEMES,
    "chronic": ("not chronic", "chronic"), "age_45_plus": ("under 45", "45+"),
    "distance": tuple(band[2] for band in DISTANCE_BANDS), "severity": SEVERITIES,
}
"""The groups of the dimensions whose groups do not depend on the map (townships and
counties do), as named in ``groups.parquet``."""
FLUSH_EVENTS = 100_000
"""Buffered events that trigger adding them to the tables: few, large bincounts, with the
buffer's memory bounded whatever the population (about 2 MB)."""
MAX_HELD_COUNTS = 2**30
"""Counts the compiled path holds in int32 before adding them to the tables (no cell can
overflow below 2³¹)."""

SLOTS = (
    "onsets", "self_treated", "no_care",
    "visits", "visits_primary", "admissions", "admission_episodes",
    "admission_episodes_in_county", "hospital_contacts", "unreferred_hospital_contacts",
    "contacts", "travel_minutes", "wait_days", "outpatient_wait_hours", "referrals_up", "unmet",
    "treated", "treated_in_county", *(f"treated_{t}" for t in TIERS), "treated_oop",
    "catastrophic", "resident_days", "contracted_days", "outpatient_users_45_plus",
    "bypassers_45_plus",
)
"""What is counted by group over the reported days."""
SLOT = {name: i for i, name in enumerate(SLOTS)}
SUM_SLOTS = ("travel_minutes", "wait_days", "outpatient_wait_hours", "treated_oop")
"""The slots that add up what events weigh (the others count events)."""
SUM_ROW = {name: i for i, name in enumerate(SUM_SLOTS)}
HOSPITAL_TIER = TIERS.index("county")
"""Lowest hospital tier: outpatient care here or above bypasses primary care."""


def person_cell(income: np.ndarray, age_band: np.ndarray, scheme: np.ndarray,
                chronic: np.ndarray) -> np.ndarray:
    """Person cell of each resident: ``((income · 4 + age band) · 2 + scheme) · 2 + chronic``."""
    cell = ((income.astype(np.int16) * len(AGE_BANDS) + age_band) * len(SCHEMES) + scheme) * 2
    return (cell + chronic).astype(np.uint8)


CELLS_PER_INCOME_GROUP = N_PERSON_CELLS // len(INCOME_GROUPS)


def income_group_of(cell: np.ndarray) -> np.ndarray:
    """Income group of each person cell (:func:`person_cell`)."""
    return cell // CELLS_PER_INCOME_GROUP


def is_45_plus(cell: np.ndarray) -> np.ndarray:
    """Whether each person cell (:func:`person_cell`) is of a resident aged 45 or over."""
    return (cell // (len(SCHEMES) * 2)) % len(AGE_BANDS) >= BAND_45_64


def _person_parts() -> dict[str, np.ndarray]:
    """Each person cell's income group, age band, scheme and chronic status."""
    cells = np.arange(N_PERSON_CELLS)
    chronic, rest = cells % 2, cells // 2
    scheme, rest = rest % len(SCHEMES), rest // len(SCHEMES)
    band, income = rest % len(AGE_BANDS), rest // len(AGE_BANDS)
    return {"income": income, "age": band, "scheme": scheme, "chronic": chronic}


@dataclass(frozen=True)
class GroupIndicator:
    """An indicator by group: ``scale · Σ numerator slots / Σ denominator slots``.

    Attributes:
        name: The name of the same indicator county-wide, where there is one.
        numerator: Slots summed above the line.
        denominator: Slots summed below it.
        scale: Constant factor.
        per_resident: Whether the denominator counts residents (by severity, then, all
            residents: e.g. visits of severity-2 episodes per resident-year).
        by_severity: Whether the indicator has a value by episode severity.
    """

    name: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    scale: float = 1.0
    per_resident: bool = False
    by_severity: bool = True


GROUP_INDICATORS: tuple[GroupIndicator, ...] = (
    GroupIndicator("county_retention", ("treated_in_county",), ("treated",)),
    GroupIndicator("inpatient_county_retention", ("admission_episodes_in_county",),
                   ("admission_episodes",)),
    GroupIndicator("primary_share", ("visits_primary",), ("visits",)),
    GroupIndicator("visits_per_capita", ("visits",), ("resident_days",), 365.0, True),
    GroupIndicator("primary_visits_per_capita", ("visits_primary",), ("resident_days",), 365.0,
                   True),
    GroupIndicator("admissions_per_100", ("admissions",), ("resident_days",), 36_500.0, True),
    GroupIndicator("contract_coverage", ("contracted_days",), ("resident_days",), 1.0, True,
                   by_severity=False),
    GroupIndicator("referrals_up", ("referrals_up",), ("resident_days",), 365_000.0, True),
    GroupIndicator("unreferred_hospital_share", ("unreferred_hospital_contacts",),
                   ("hospital_contacts",)),
    GroupIndicator("oop_per_episode", ("treated_oop",), ("treated",)),
    GroupIndicator("catastrophic_share", ("catastrophic",), ("treated",)),
    GroupIndicator("unmet_need", ("unmet",), ("treated", "unmet")),
    GroupIndicator("forgone_care", ("no_care",), ("onsets",)),
    GroupIndicator("self_treatment", ("self_treated",), ("onsets",)),
    GroupIndicator("travel_minutes_per_contact", ("travel_minutes",), ("contacts",)),
    GroupIndicator("mean_wait", ("wait_days",), ("contacts",)),
    GroupIndicator("mean_outpatient_wait_hours", ("outpatient_wait_hours",), ("visits",)),
    GroupIndicator("bypass_45_plus", ("bypassers_45_plus",), ("outpatient_users_45_plus",),
                   by_severity=False),
    *(GroupIndicator(f"treated_share_{t}", (f"treated_{t}",), ("treated",)) for t in TIERS),
)
"""Every indicator reported by group, in ``groups.parquet`` order."""


class GroupCounters:
    """Events of the reported days by group.

    Args:
        person: Person cell of each resident (:func:`person_cell`) [R].
        home: Home village of each resident [R].
        village_township: Township area index of each village [V].
        village_distance: Travel time from each village to its township centre [V]
            [minutes].
        township_county: County index of each township area [T] (a prefecture).
        county_names: Names of the counties; a ``county`` dimension when more than one.

    Attributes:
        cells: Counts by slot × person cell × place [slot, P, T·4], where a place is the
            home township and the distance band of the home village (what the township
            and distance dimensions need; far fewer than villages).
        severity: Counts by slot × severity 1–4 [slot, 4].
        last_outpatient_tier: Tier of the last outpatient visit on a reported day of each
            resident aged 45+ (what the bypass indicator needs), -1 if none [R].
    """

    def __init__(self, person: np.ndarray, home: np.ndarray, village_township: np.ndarray,
                 village_distance: np.ndarray, township_county: np.ndarray | None = None,
                 county_names: list[str] | None = None) -> None:
        self.person = person
        self.township_county = township_county
        self.county_names = county_names or []
        self.n_townships = int(village_township.max()) + 1 if village_township.size else 0
        band = np.searchsorted([b[0] for b in DISTANCE_BANDS[1:]], village_distance,
                               side="right")
        self.village_place = (village_township * len(DISTANCE_BANDS) + band).astype(np.int64)
        self.n_places = self.n_townships * len(DISTANCE_BANDS)
        self.cells = np.zeros((len(SLOTS), N_PERSON_CELLS, self.n_places))
        self.severity = np.zeros((len(SLOTS), len(SEVERITIES)))
        self.home = home
        self.residents = self._tally(person, home)
        self.contracted = np.zeros_like(self.residents)
        self.last_outpatient_tier = np.full(person.size, -1, dtype=np.int8)
        self.reported_days = 0
        self._contracts_since = 0
        self._buffered = 0
        self._counted: list[tuple[np.ndarray, np.ndarray]] = []
        self._weighed: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        # The compiled path's counts and sums not yet added to the tables (see
        # tieredcare.fast.tally): counts in int32, half the memory the kernel walks.
        self._counts = np.zeros((len(SLOTS), N_PERSON_CELLS * self.n_places), dtype=np.int32)
        self._counts_severity = np.zeros((len(SLOTS), len(SEVERITIES)), dtype=np.int64)
        self._counted_since_fold = 0
        self._pending = np.zeros((len(SUM_SLOTS), N_PERSON_CELLS * self.n_places))
        self._pending_severity = np.zeros((len(SUM_SLOTS), len(SEVERITIES)))

    def _tally(self, person: np.ndarray, home: np.ndarray,
               weights: np.ndarray | None = None) -> np.ndarray:
        index = person.astype(np.int64) * self.n_places + self.village_place.take(home)
        return np.bincount(index, weights=weights, minlength=N_PERSON_CELLS * self.n_places
                           ).reshape(N_PERSON_CELLS, self.n_places)

    def add(self, person: np.ndarray, home: np.ndarray, severity: np.ndarray,
            counts: dict[str, np.ndarray | None] | None = None,
            sums: dict[str, np.ndarray] | None = None) -> None:
        """Count events of patients in slots, or add what they weigh.

        Args:
            person: Person cell of each event's resident [n] (an episode's ``person``).
            home: Home village of each event's resident [n].
            severity: Severity 1–4 of each event's episode [n].
            counts: Slot → which events it counts (a mask [n]; None: all of them).
            sums: Slot → what each event adds to it [n].
        """
        if person.size == 0:
            return
        if fast.ENABLED:
            tally.add(self, np.arange(person.size), person, home, severity, counts or {},
                      sums or {})
            return
        # Buffered until enough have gathered: one bincount then, not one per slot.
        cell = person.astype(np.int64) * self.n_places
        cell += self.village_place.take(home)
        sev = severity - 1
        size, n_sev = N_PERSON_CELLS * self.n_places, len(SEVERITIES)
        for slot, mask in (counts or {}).items():
            k = SLOT[slot]
            c, v = (cell, sev) if mask is None else (cell[mask], sev[mask])
            self._counted.append((c + k * size, v + k * n_sev))
            self._buffered += c.size
        for slot, weights in (sums or {}).items():
            k = SLOT[slot]
            self._weighed.append((cell + k * size, sev + k * n_sev, weights))
            self._buffered += cell.size

    def add_episodes(self, episodes: EpisodeTable, rows: np.ndarray,
                     counts: dict[str, np.ndarray | None] | None = None,
                     sums: dict[str, np.ndarray] | None = None) -> None:
        """:meth:`add` for episodes: rows of the episode table, with their patients' cells.

        The compiled path reads the table's columns at the rows, gathering nothing first.
        """
        if rows.size == 0:
            return
        person, home, severity = episodes["person"], episodes["home"], episodes["severity"]
        if fast.ENABLED:
            tally.add(self, rows, person, home, severity, counts or {}, sums or {})
            return
        self.add(person[rows], home[rows], severity[rows], counts, sums)

    def sign(self, resident: np.ndarray, home: np.ndarray, change: int) -> None:
        """Residents sign (+1) or lapse (−1): keep the contracted count of each cell.

        Contracted resident-days are added when the count changes (the count times the
        reported days it held), not every day.
        """
        if resident.size:
            self._close_contract_days()
            self.contracted += change * self._tally(self.person.take(resident), home)

    def _close_contract_days(self) -> None:
        held = self.reported_days - self._contracts_since
        if held:
            self.cells[SLOT["contracted_days"]] += held * self.contracted
            self._contracts_since = self.reported_days

    def end_of_day(self) -> None:
        """A reported day ends; buffered events are added once there are enough."""
        self.reported_days += 1
        if self._buffered >= FLUSH_EVENTS:
            # The compiled path's counts are whole numbers: they may wait for the end.
            self.flush(counts=self._counted_since_fold > MAX_HELD_COUNTS)

    def flush(self, counts: bool = True) -> None:
        """Add the buffered events to the tables (one bincount for many days).

        Args:
            counts: Whether to add the compiled path's counts too (they add up exactly
                whenever they are added; the sums must be added when the numpy path would).
        """
        if counts:
            self.cells.reshape(len(SLOTS), -1)[:] += self._counts
            self.severity += self._counts_severity
            self._counts[:] = 0
            self._counts_severity[:] = 0
            self._counted_since_fold = 0
        for buffer in (self._counted, self._weighed):
            if not buffer:
                continue
            cell, sev, *weights = (np.concatenate(part) for part in zip(*buffer, strict=True))
            weight = weights[0] if weights else None
            self.cells.ravel()[:] += np.bincount(cell, weights=weight, minlength=self.cells.size)
            self.severity.ravel()[:] += np.bincount(sev, weights=weight,
                                                    minlength=self.severity.size)
            buffer.clear()
        rows = [SLOT[slot] for slot in SUM_SLOTS]
        self.cells.reshape(len(SLOTS), -1)[rows] += self._pending
        self.severity[rows] += self._pending_severity
        self._pending[:] = 0.0
        self._pending_severity[:] = 0.0
        self._buffered = 0

    def finish(self) -> None:
        """At the end of the run: add what is buffered, resident-days, and the bypassers.

        A resident aged 45+ whose last outpatient visit was at a county, city or
        provincial hospital bypassed primary care (counted per person, as in CHARLS).
        """
        self.flush()
        self._close_contract_days()
        self.cells[SLOT["resident_days"]] = self.reported_days * self.residents
        users = is_45_plus(self.person) & (self.last_outpatient_tier >= 0)
        bypassed = users & (self.last_outpatient_tier >= HOSPITAL_TIER)
        for slot, mask in (("outpatient_users_45_plus", users), ("bypassers_45_plus", bypassed)):
            self.cells[SLOT[slot]] = self._tally(self.person[mask], self.home[mask])

    # ------------------------------------------------------------------ the table

    def marginals(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """For each dimension: its group labels and the slot sums by group [slot, G]."""
        by_person = self.cells.sum(axis=2)  # [slot, P]
        by_place = self.cells.sum(axis=1)  # [slot, T·4]
        township, band = np.divmod(np.arange(self.n_places), len(DISTANCE_BANDS))
        parts = _person_parts()
        out: dict[str, tuple[list[str], np.ndarray]] = {}
        for dim in ("income", "age", "scheme", "chronic"):
            names = list(FIXED_GROUPS[dim])
            out[dim] = (names, _sum_by(by_person, parts[dim], len(names)))
        older = (parts["age"] >= BAND_45_64).astype(int)
        out["age_45_plus"] = (list(FIXED_GROUPS["age_45_plus"]), _sum_by(by_person, older, 2))
        out["township"] = ([str(t) for t in range(self.n_townships)],
                           _sum_by(by_place, township, self.n_townships))
        out["distance"] = (list(FIXED_GROUPS["distance"]),
                           _sum_by(by_place, band, len(DISTANCE_BANDS)))
        if len(self.county_names) > 1:
            county = self.township_county[township]
            out["county"] = (list(self.county_names),
                             _sum_by(by_place, county, len(self.county_names)))
        return out

    def table(self, township_names: list[str]) -> pd.DataFrame:
        """Every group indicator in long format.

        Args:
            township_names: Names of the township areas, by index.

        Returns:
            Columns ``indicator, dimension, group, value, numerator, denominator``; a row
            per indicator with dimension and group ``all`` holds the total.
        """
        rows = []
        totals = self.cells.sum(axis=(1, 2))
        groups = self.marginals()
        groups["township"] = (list(township_names), groups["township"][1])
        groups["severity"] = (list(SEVERITIES), self.severity)
        for ind in GROUP_INDICATORS:
            rows.append(_row(ind, "all", "all", totals))
            for dim, (names, sums) in groups.items():
                if dim == "severity" and not ind.by_severity:
                    continue
                for g, name in enumerate(names):
                    values = sums[:, g].copy()
                    if dim == "severity" and ind.per_resident:
                        values[SLOT["resident_days"]] = totals[SLOT["resident_days"]]
                    rows.append(_row(ind, dim, name, values))
        return pd.DataFrame(rows, columns=["indicator", "dimension", "group", "value",
                                           "numerator", "denominator"])


def _sum_by(table: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """Columns of ``table`` [slot, K] summed by ``index`` [K] into [slot, n]."""
    out = np.zeros((table.shape[0], n))
    np.add.at(out.T, index, table.T)
    return out


def _row(ind: GroupIndicator, dimension: str, group: str, sums: np.ndarray) -> tuple:
    num = float(sum(sums[SLOT[s]] for s in ind.numerator))
    den = float(sum(sums[SLOT[s]] for s in ind.denominator))
    value = ind.scale * num / den if den > 0 else float("nan")
    return (ind.name, dimension, group, value, num, den)
