"""Every reported indicator, defined once, from the daily counters.

The model only counts events (visits, admissions, referrals, payments, ...) per day and
facility in :class:`~tieredcare.counters.Counters`. Each indicator is a ratio of two sums
of counters, so the same definition gives the daily time series (sums over one day) and
the run summary (sums over the reporting period). Wait quantiles come from wait
histograms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tieredcare.counters import MAX_WAIT_BIN, NO_CARE, SELF_TREATED, SOUGHT, Counters
from tieredcare.tiers import (
    HOSPITAL_TIERS,
    INPATIENT,
    MINOR_ACUTE,
    MODERATE,
    OUTPATIENT,
    PRIMARY_TIERS,
    TIERS,
)


class FacilityInfo(Protocol):
    """What indicators need to know of the facilities (a ``CountyMap`` provides it)."""

    tier: np.ndarray
    in_county: np.ndarray


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
