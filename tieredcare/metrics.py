"""Every reported indicator, defined once, and the daily counters they are computed from.

The model only counts events (visits, admissions, referrals, payments, ...) per day and
facility in :class:`Counters`. Each indicator is a ratio of two sums of counters, so the
same definition gives the daily time series (sums over one day) and the run summary
(sums over the reporting period). Wait quantiles come from wait histograms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tieredcare.tiers import (
    EPISODE_TYPES,
    HOSPITAL_TIERS,
    INPATIENT,
    MINOR_ACUTE,
    MODERATE,
    OUTPATIENT,
    PRIMARY_TIERS,
    TIERS,
)

MAX_WAIT_BIN = 30
"""Waits of this many days or more share the last histogram bin."""


class FacilityInfo(Protocol):
    """What indicators need to know of the facilities (a ``CountyMap`` provides it)."""

    tier: np.ndarray
    in_county: np.ndarray


@dataclass
class Counters:
    """Events counted per simulated day (rows) and facility (columns).

    Row ``d`` holds simulated day ``d − warmup_days``: warm-up days come first.

    Attributes:
        visits: Outpatient visits served (treatment or consultation before referral).
        admissions: Admissions, recovery stays included.
        recovery_admissions: Admissions that are recovery stays after a downward referral.
        treated: Episodes whose treatment was given at the facility (recovery stays excluded).
        unreferred: Visits and admissions at the facility by patients without a referral.
        referrals_up: Episodes the facility referred upward.
        referrals_down: Inpatients the facility referred down for recovery.
        oop: Paid by patients at the facility [CNY].
        fund: Paid by the insurer at the facility [CNY].
        outpatient_queue: Outpatients waiting at the end of the day.
        admission_queue: Patients waiting for a bed at the end of the day.
        occupied_beds: Beds occupied at the end of the day.
        outpatient_slots: Outpatient slots the facility had that day.
        beds: Beds the facility had that day.
        outpatient_wait_hours: Hours outpatients seen waited for a doctor, summed [hours].
        admission_wait_days: Days admitted patients waited for a bed, summed [days].
        wait_hist: Served contacts by tier and days waited [day, tier, wait].
        onsets: New episodes of illness.
        unmet: Episodes that ended without treatment (forgone or no facility left).
        episode_oop: Out-of-pocket cost of the episodes treated that day, summed [CNY].
        catastrophic: Treated episodes whose out-of-pocket cost was catastrophic.
        contracted: Residents under contract at the end of the day: all, 65+, chronic.
        group_size: Residents in each of those groups.
        flows: Treated episodes by home township (rows) and facility, reporting period only.
        perceived: Perceived quality of each facility, summed over the villages considering
            it, weighted by their residents (end of day).
        perception_weight: Those weights summed (residents of the villages considering it).
        seeking: New illness episodes by type, care needed and what the patient did at
            onset: sought a facility, self-treated, or went without care
            [day, type, care, outcome].
    """

    days: int
    n_facilities: int
    n_townships: int
    group_size: np.ndarray
    visits: np.ndarray = field(init=False)
    admissions: np.ndarray = field(init=False)
    recovery_admissions: np.ndarray = field(init=False)
    treated: np.ndarray = field(init=False)
    unreferred: np.ndarray = field(init=False)
    referrals_up: np.ndarray = field(init=False)
    referrals_down: np.ndarray = field(init=False)
    oop: np.ndarray = field(init=False)
    fund: np.ndarray = field(init=False)
    outpatient_queue: np.ndarray = field(init=False)
    admission_queue: np.ndarray = field(init=False)
    occupied_beds: np.ndarray = field(init=False)
    outpatient_slots: np.ndarray = field(init=False)
    beds: np.ndarray = field(init=False)
    outpatient_wait_hours: np.ndarray = field(init=False)
    admission_wait_days: np.ndarray = field(init=False)
    wait_hist: np.ndarray = field(init=False)
    onsets: np.ndarray = field(init=False)
    unmet: np.ndarray = field(init=False)
    episode_oop: np.ndarray = field(init=False)
    catastrophic: np.ndarray = field(init=False)
    contracted: np.ndarray = field(init=False)
    flows: np.ndarray = field(init=False)
    perceived: np.ndarray = field(init=False)
    perception_weight: np.ndarray = field(init=False)
    seeking: np.ndarray = field(init=False)

    PER_FACILITY = ("visits", "admissions", "recovery_admissions", "treated", "unreferred",
                    "referrals_up", "referrals_down", "outpatient_queue", "admission_queue",
                    "occupied_beds", "outpatient_slots", "beds", "admission_wait_days")
    PER_FACILITY_FLOAT = ("oop", "fund", "perceived", "perception_weight",
                          "outpatient_wait_hours")
    PER_DAY = ("onsets", "unmet", "catastrophic")

    def __post_init__(self) -> None:
        shape = (self.days, self.n_facilities)
        for name in self.PER_FACILITY:
            setattr(self, name, np.zeros(shape, dtype=np.int32))
        for name in self.PER_FACILITY_FLOAT:
            setattr(self, name, np.zeros(shape, dtype=np.float64))
        for name in self.PER_DAY:
            setattr(self, name, np.zeros(self.days, dtype=np.int64))
        self.episode_oop = np.zeros(self.days, dtype=np.float64)
        self.wait_hist = np.zeros((self.days, len(TIERS), MAX_WAIT_BIN + 1), dtype=np.int32)
        self.contracted = np.zeros((self.days, 3), dtype=np.int64)
        self.flows = np.zeros((self.n_townships, self.n_facilities), dtype=np.int64)
        self.seeking = np.zeros((self.days, len(EPISODE_TYPES), 2, 3), dtype=np.int32)

    def add(self, name: str, row: int, facility: np.ndarray, weights: np.ndarray | None = None
            ) -> None:
        """Add events at facilities to a per-facility counter for one day."""
        counts = np.bincount(facility, weights=weights, minlength=self.n_facilities)
        target = getattr(self, name)[row]
        np.add(target, counts, out=target, casting="unsafe")  # int64 counts into int32

    def add_events(self, row: int, facility: np.ndarray, **which: np.ndarray) -> None:
        """Add several kinds of events at once: ``counter=mask`` over the same contacts."""
        n = self.n_facilities
        index = np.concatenate([facility[mask] + k * n for k, mask in enumerate(which.values())])
        counts = np.bincount(index, minlength=n * len(which)).reshape(len(which), n)
        for name, column in zip(which, counts, strict=True):
            target = getattr(self, name)[row]
            np.add(target, column, out=target, casting="unsafe")


@dataclass(frozen=True)
class Indicator:
    """A reported indicator: ``scale · Σ numerator / Σ denominator`` over a set of days.

    Attributes:
        name: Name used in code, Parquet columns and charts.
        label: Short English label for charts.
        unit: Unit of the value.
        definition: One sentence, quoted in the README.
        numerator: Daily numerator from the counters and facility tiers.
        denominator: Daily denominator.
        scale: Constant factor (e.g. 365 for per-year rates).
    """

    name: str
    label: str
    unit: str
    definition: str
    numerator: Callable[[Counters, FacilityInfo], np.ndarray]
    denominator: Callable[[Counters, FacilityInfo], np.ndarray]
    scale: float = 1.0

    def daily(self, counters: Counters, county: FacilityInfo, rows: slice) -> np.ndarray:
        """Value on each day of ``rows`` (NaN where the denominator is 0)."""
        num = self.numerator(counters, county)[rows]
        den = self.denominator(counters, county)[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, self.scale * num / den, np.nan)

    def total(self, counters: Counters, county: FacilityInfo, rows: slice) -> float:
        """Value over all days of ``rows`` together (NaN where the denominator is 0)."""
        num = float(np.sum(self.numerator(counters, county)[rows]))
        den = float(np.sum(self.denominator(counters, county)[rows]))
        return self.scale * num / den if den > 0 else float("nan")


def _sum_over(name: str, tiers: tuple[int, ...] | None = None, in_county: bool = False):
    """Daily sum of a per-facility counter over facilities of some tiers."""

    def pick(c: Counters, county: FacilityInfo) -> np.ndarray:
        values = getattr(c, name)
        mask = np.ones(values.shape[1], dtype=bool)
        if tiers is not None:
            mask &= np.isin(county.tier, tiers)
        if in_county:
            mask &= county.in_county
        return values[:, mask].sum(axis=1)

    return pick


def _admissions_episodes(tiers: tuple[int, ...] | None = None, in_county: bool = False):
    """Daily admissions of illness episodes (recovery stays left out)."""
    adm, rec = _sum_over("admissions", tiers, in_county), _sum_over("recovery_admissions",
                                                                    tiers, in_county)
    return lambda c, t: adm(c, t) - rec(c, t)


def _per_day(name: str):
    return lambda c, t: getattr(c, name)


def _residents(c: Counters, county: FacilityInfo) -> np.ndarray:
    return np.full(c.days, c.group_size[0], dtype=np.float64)


def _ones(c: Counters, county: FacilityInfo) -> np.ndarray:
    return np.ones(c.days)


def _closed(c: Counters, county: FacilityInfo) -> np.ndarray:
    return c.treated.sum(axis=1) + c.unmet


def _contacts(tiers: tuple[int, ...]):
    visits, adm = _sum_over("visits", tiers), _sum_over("admissions", tiers)
    return lambda c, t: visits(c, t) + adm(c, t)


def _wait_sum(tier: int):
    days = np.arange(MAX_WAIT_BIN + 1)
    return lambda c, t: c.wait_hist[:, tier, :] @ days


def _wait_count(tier: int):
    return lambda c, t: c.wait_hist[:, tier, :].sum(axis=1)


SOUGHT, SELF_TREATED, NO_CARE = range(3)
"""What a patient did at onset (the last axis of ``Counters.seeking``)."""
ACUTE = (MINOR_ACUTE, MODERATE)


def _seeking(outcomes: tuple[int, ...] = (SOUGHT, SELF_TREATED, NO_CARE),
             kinds: tuple[int, ...] | None = None, care: int | None = None):
    """Daily new episodes (of some types and care needed) with some outcomes at onset."""

    def pick(c: Counters, county: FacilityInfo) -> np.ndarray:
        table = c.seeking if kinds is None else c.seeking[:, list(kinds)]
        table = table if care is None else table[:, :, [care]]
        return table[..., list(outcomes)].sum(axis=(1, 2, 3))

    return pick


def _build() -> dict[str, Indicator]:
    ind = [
        Indicator("county_retention", "County retention", "share",
                  "Episodes treated at in-county facilities (village clinics, township centres, "
                  "county hospitals) / all treated episodes (县域内就诊率).",
                  _sum_over("treated", in_county=True), _sum_over("treated")),
        Indicator("inpatient_county_retention", "Inpatient county retention", "share",
                  "Admissions of illness episodes in-county / all such admissions "
                  "(recovery stays excluded).",
                  _admissions_episodes(in_county=True), _admissions_episodes()),
        Indicator("primary_share", "Primary-care share of visits", "share",
                  "Outpatient visits at village clinics and township centres / all outpatient "
                  "visits (基层就诊率).",
                  _sum_over("visits", PRIMARY_TIERS), _sum_over("visits")),
        Indicator("visits_per_capita", "Visits per capita", "visits per resident-year",
                  "Outpatient visits × 365 / (residents × days).",
                  _sum_over("visits"), _residents, 365.0),
        Indicator("primary_visits_per_capita", "Primary-care visits per capita",
                  "visits per resident-year",
                  "Outpatient visits at village clinics and township centres × 365 / "
                  "(residents × days).",
                  _sum_over("visits", PRIMARY_TIERS), _residents, 365.0),
        Indicator("hospital_visits_per_capita", "Hospital visits per capita",
                  "visits per resident-year",
                  "Outpatient visits at county, city and provincial hospitals × 365 / "
                  "(residents × days).",
                  _sum_over("visits", HOSPITAL_TIERS), _residents, 365.0),
        Indicator("admissions_per_100", "Admissions per 100", "admissions per 100 residents-year",
                  "Admissions (recovery stays included) × 36,500 / (residents × days).",
                  _sum_over("admissions"), _residents, 36_500.0),
    ]
    for t, tier in enumerate(TIERS):
        ind.append(Indicator(f"visit_share_{tier}", f"Visits at {tier} tier", "share",
                             f"Outpatient visits at {tier}-tier facilities / all visits.",
                             _sum_over("visits", (t,)), _sum_over("visits")))
    for t, tier in enumerate(TIERS):
        ind.append(Indicator(f"admission_share_{tier}", f"Admissions at {tier} tier", "share",
                             f"Admissions at {tier}-tier facilities / all admissions.",
                             _sum_over("admissions", (t,)), _sum_over("admissions")))
    for g, group in enumerate(("", "_elderly", "_chronic")):
        who = {"": "all residents", "_elderly": "residents 65+",
               "_chronic": "residents with hypertension or diabetes"}[group]
        ind.append(Indicator(
            f"contract_coverage{group}", f"Family-doctor coverage{group.replace('_', ', ')}",
            "share", f"Residents under contract / residents, among {who}, averaged over days "
            "(家庭医生签约率).",
            (lambda gg: lambda c, t: c.contracted[:, gg])(g),
            (lambda gg: lambda c, t: np.full(c.days, c.group_size[gg], dtype=np.float64))(g)))
    ind += [
        Indicator("referrals_up", "Upward referrals", "per 1,000 residents-year",
                  "Episodes referred to a more capable facility × 365,000 / (residents × days).",
                  _sum_over("referrals_up"), _residents, 365_000.0),
        Indicator("referrals_down", "Downward referrals", "per 1,000 residents-year",
                  "Patients referred down (recovery stays after discharge; chronic follow-up "
                  "under capitation) × 365,000 / (residents × days).",
                  _sum_over("referrals_down"), _residents, 365_000.0),
        Indicator("unreferred_hospital_share", "Hospital use without referral", "share",
                  "Visits and admissions at county, city and provincial hospitals without a "
                  "referral / all visits and admissions there.",
                  _sum_over("unreferred", HOSPITAL_TIERS), _contacts(HOSPITAL_TIERS)),
        Indicator("oop_per_episode", "Out-of-pocket per episode", "CNY",
                  "Out-of-pocket cost of treated episodes (all their contacts) / treated "
                  "episodes.", _per_day("episode_oop"), _sum_over("treated")),
        Indicator("catastrophic_share", "Catastrophic spending", "share",
                  "Treated episodes costing the patient ≥ catastrophic_threshold × annual "
                  "income / treated episodes.", _per_day("catastrophic"), _sum_over("treated")),
        Indicator("unmet_need", "Unmet need", "share",
                  "Episodes that sought care and ended without treatment / episodes that "
                  "sought care and ended (treated or unmet).",
                  _per_day("unmet"), _closed),
        Indicator("forgone_care", "Forgone care", "share",
                  "New illness episodes whose patient sought no care at all (no facility, no "
                  "self-treatment) / new illness episodes.",
                  _seeking((NO_CARE,)), _seeking()),
        Indicator("self_treatment", "Self-treatment", "share",
                  "New illness episodes treated by the patient (pharmacy, home remedies) "
                  "instead of at a facility / new illness episodes.",
                  _seeking((SELF_TREATED,)), _seeking()),
        Indicator("illness_not_seen", "Illness not seen by a doctor", "share",
                  "Minor acute and moderate episodes needing outpatient care that were "
                  "self-treated or not treated / such episodes (comparable with the NHSS "
                  "two-week illness not seen, 两周患病未就诊).",
                  _seeking((SELF_TREATED, NO_CARE), ACUTE, OUTPATIENT),
                  _seeking(kinds=ACUTE, care=OUTPATIENT)),
        Indicator("admission_not_taken", "Admission needed, not taken", "share",
                  "Episodes needing admission whose patient sought no facility / episodes "
                  "needing admission (comparable with the NHSS 应住院未住院).",
                  _seeking((SELF_TREATED, NO_CARE), care=INPATIENT), _seeking(care=INPATIENT)),
    ]
    for t, tier in enumerate(TIERS):
        ind.append(Indicator(f"fund_spend_{tier}", f"Insurance fund spend, {tier}",
                             "CNY per resident-year",
                             f"Insurer payments at {tier}-tier facilities × 365 / (residents × "
                             "days).", _sum_over("fund", (t,)), _residents, 365.0))
    for t, tier in enumerate(TIERS):
        ind.append(Indicator(f"mean_wait_{tier}", f"Mean wait, {tier}", "days",
                             f"Days from joining the queue to being seen or admitted, mean over "
                             f"contacts at {tier}-tier facilities.", _wait_sum(t), _wait_count(t)))
    for t, tier in enumerate(TIERS):
        ind.append(Indicator(f"mean_outpatient_wait_hours_{tier}",
                             f"Mean outpatient wait, {tier}", "hours",
                             f"Hours an outpatient waits for a doctor on the day of the visit, "
                             f"mean over visits at {tier}-tier facilities.",
                             _sum_over("outpatient_wait_hours", (t,)), _sum_over("visits", (t,))))
        ind.append(Indicator(f"mean_admission_wait_days_{tier}",
                             f"Mean wait for a bed, {tier}", "days",
                             f"Days from joining the admission queue to admission, mean over "
                             f"admissions at {tier}-tier facilities.",
                             _sum_over("admission_wait_days", (t,)),
                             _sum_over("admissions", (t,))))
    for t, tier in enumerate(TIERS):
        ind.append(Indicator(f"perceived_quality_{tier}", f"Perceived quality, {tier}",
                             "index 0–1", f"Perceived quality of {tier}-tier facilities in the "
                             "villages that consider them, weighted by their residents.",
                             _sum_over("perceived", (t,)), _sum_over("perception_weight", (t,))))
    for t, tier in enumerate(TIERS):
        ind.append(Indicator(f"outpatient_utilisation_{tier}", f"Outpatient utilisation, {tier}",
                             "share", f"Visits / outpatient slots at {tier}-tier facilities.",
                             _sum_over("visits", (t,)), _sum_over("outpatient_slots", (t,))))
        ind.append(Indicator(f"bed_occupancy_{tier}", f"Bed occupancy, {tier}", "share",
                             f"Occupied bed-days / bed-days at {tier}-tier facilities.",
                             _sum_over("occupied_beds", (t,)), _sum_over("beds", (t,))))
    return {i.name: i for i in ind}


INDICATORS: dict[str, Indicator] = _build()
"""Every ratio indicator, by name, in report order."""

WAIT_QUANTILE = 0.9


def p90_wait(counters: Counters, tier: int, rows: slice | int) -> float:
    """90th percentile of days waited at a tier's facilities over some days.

    The wait before a contact is counted in whole days; the quantile is the smallest
    number of days that at least 90 % of contacts waited no longer than.
    """
    hist = counters.wait_hist[rows, tier, :]
    if hist.ndim == 2:
        hist = hist.sum(axis=0)
    total = hist.sum()
    if total == 0:
        return float("nan")
    return float(np.searchsorted(np.cumsum(hist), WAIT_QUANTILE * total))


def daily_table(counters: Counters, county: FacilityInfo, rows: slice) -> dict[str, np.ndarray]:
    """Every indicator on each day of ``rows``: column name → values."""
    table = {name: ind.daily(counters, county, rows) for name, ind in INDICATORS.items()}
    n = len(range(*rows.indices(counters.days)))
    for t, tier_name in enumerate(TIERS):
        table[f"p90_wait_{tier_name}"] = np.array(
            [p90_wait(counters, t, r) for r in range(*rows.indices(counters.days))]
        ) if n else np.empty(0)
    table["onsets"] = counters.onsets[rows].astype(np.float64)
    return table


def summary(counters: Counters, county: FacilityInfo, rows: slice) -> dict[str, float]:
    """Every indicator over the days of ``rows`` together."""
    out = {name: ind.total(counters, county, rows) for name, ind in INDICATORS.items()}
    for t, tier_name in enumerate(TIERS):
        out[f"p90_wait_{tier_name}"] = p90_wait(counters, t, rows)
    return out
