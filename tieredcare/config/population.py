"""Residents and their illness: who lives in the county and how often they fall ill.

:class:`Population` gives the residents' ages, chronic conditions, insurance and income;
:class:`Episodes` the onset rates of illness episodes and their service lines.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from tieredcare.config.fields import (
    ASSUMPTION,
    MAX_CNY,
    ByAge,
    Section,
    Share,
    ShareByAge,
    check_lines,
    param,
)
from tieredcare.tiers import EPISODE_TYPES

# ----------------------------------------------------------------------------- population


class Population(Section):
    """Residents of the county, synthesised as arrays."""

    residents: int = param(400_000, "persons", "issue spec: a rural county of ~400,000",
                           "Residents of the county.", ge=100, le=20_000_000)
    age_shares: ShareByAge = param(
        lambda: ShareByAge(child=0.18, adult=0.64, elderly=0.18), "share 0–1",
        "2020 census: 0–14 17.95 %, rural 65+ 17.7 %",
        "Share of residents in each age group; must sum to 1.")
    hypertension_prevalence: ShareByAge = param(
        lambda: ShareByAge(child=0.0, adult=0.20, elderly=0.55), "share 0–1",
        "China Hypertension Survey 2012–15 (23.2 % of adults; ~55 % at 65+)",
        "Share of each age group living with hypertension.")
    diabetes_prevalence: ShareByAge = param(
        lambda: ShareByAge(child=0.0, adult=0.09, elderly=0.20), "share 0–1",
        "Li et al. BMJ 2020 (12.8 % of adults), lower in rural areas: assumption",
        "Share of each age group living with diabetes.")
    disability_prevalence: ShareByAge = param(
        lambda: ShareByAge(child=0.02, adult=0.045, elderly=0.18), "share 0–1",
        "2006 national disability survey (6.34 %, over half aged 60+); split by age: "
        "assumption", "Share of each age group living with a disability.")
    adults_45_64_share: float = param(
        0.45, "share 0–1", "2020 census: 45–64 ≈ 42 % of ages 15–64 nationally; rural "
        "counties are older: assumption",
        "Share of adults (15–64) aged 45–64; used to report indicators for residents 45+.",
        ge=0.0, le=1.0)
    employee_scheme_share: float = param(
        0.12, "share 0–1", ASSUMPTION,
        "Share insured by urban employee insurance; the rest by urban-rural resident insurance.",
        ge=0.0, le=1.0)
    income_shares: list[Share] = param(
        lambda: [0.4, 0.4, 0.2], "share 0–1", "NBS rural income quintiles grouped 2/2/1",
        "Shares of the low, middle and high income groups; must sum to 1.",
        min_length=3, max_length=3)
    annual_income: list[Annotated[float, Field(gt=0.0, le=MAX_CNY)]] = param(
        lambda: [9_300.0, 22_200.0, 50_100.0], "CNY per person-year",
        "NBS 2023 rural per-capita disposable income by quintile, grouped 2/2/1",
        "Disposable income of the low, middle and high income groups.",
        min_length=3, max_length=3)

    @model_validator(mode="after")
    def _sums(self) -> Population:
        _check_sum("age_shares", self.age_shares.as_list())
        _check_sum("income_shares", self.income_shares)
        return self


def _check_sum(name: str, values: list[float], total: float = 1.0) -> None:
    if abs(sum(values) - total) > 1e-6:
        raise ValueError(f"{name} must sum to {total}, got {sum(values):.6g}")


# ----------------------------------------------------------------------------- episodes


class LineMix(Section):
    """Share of an episode type's onsets in each service line (must sum to 1)."""

    model_config = ConfigDict(extra="allow")
    # Keys are service lines (data, not fields); each value is validated as a share.
    __pydantic_extra__: dict[str, Share] = Field(init=False)

    @model_validator(mode="after")
    def _valid(self) -> LineMix:
        shares = dict(self.model_extra or {})
        check_lines(list(shares))
        _check_sum("service-line shares", list(shares.values()))
        return self

    def shares(self) -> dict[str, float]:
        """Service line → share."""
        return {k: float(v) for k, v in (self.model_extra or {}).items()}


def _mix(**shares: float) -> LineMix:
    return LineMix(**shares)


class Episodes(Section):
    """Onset rates of illness episodes, by type, age group and chronic status."""

    minor_acute_rate: ByAge = param(
        lambda: ByAge(child=7.8, adult=5.42, elderly=5.93), "episodes per person-year",
        "calibrated to ~6 visits per capita (NHC bulletins), with care forgone "
        "(scripts/calibrate_care_seeking.py)",
        "Onsets of minor acute illness (severity 1).")
    chronic_follow_up_rate: float = param(
        6.0, "visits per chronic patient-year", "assumption (bi-monthly refills and checks)",
        "Follow-up contacts of residents with hypertension or diabetes (severity 1).",
        ge=0.0, le=52.0)
    moderate_rate: ByAge = param(
        lambda: ByAge(child=0.45, adult=0.40, elderly=0.75), "episodes per person-year", ASSUMPTION,
        "Onsets of moderate illness (severity 2, outpatient or short admission).")
    serious_rate: ByAge = param(
        lambda: ByAge(child=0.0603, adult=0.0904, elderly=0.256), "episodes per person-year",
        "calibrated to ~18 admissions per 100 (NHC bulletins), with admissions not taken "
        "(scripts/calibrate_care_seeking.py)",
        "Onsets of serious illness needing admission (severity 3).")
    complex_rate: ByAge = param(
        lambda: ByAge(child=0.004, adult=0.008, elderly=0.03), "episodes per person-year",
        ASSUMPTION, "Onsets of complex or critical illness (severity 4).")
    chronic_multiplier: float = param(
        1.5, "ratio", ASSUMPTION,
        "Multiplier on moderate, serious and complex onset rates for chronic patients.",
        ge=0.0, le=10.0)
    moderate_admission_share: float = param(
        0.12, "share 0–1", "calibrated to ~18 admissions per 100",
        "Share of moderate episodes that need a short admission rather than a visit.",
        ge=0.0, le=1.0)
    service_lines: dict[str, LineMix] = param(
        lambda: {
            "minor_acute": _mix(general=0.85, dentistry=0.07, ophthalmology=0.05,
                                mental_health=0.03),
            "chronic_follow_up": _mix(general=0.93, mental_health=0.05, rehabilitation=0.02),
            "moderate": _mix(general=0.72, rehabilitation=0.05, ophthalmology=0.05,
                             dentistry=0.05, mental_health=0.05, trauma=0.08),
            "serious": _mix(general=0.60, stroke=0.10, chest_pain=0.08, trauma=0.11,
                            critical_maternal=0.05, mental_health=0.03, rehabilitation=0.03),
            "complex": _mix(general=0.48, stroke=0.16, chest_pain=0.15, trauma=0.10,
                            critical_maternal=0.04, critical_neonatal=0.07),
        },
        "share 0–1", ASSUMPTION,
        "For each episode type, the share of onsets in each service line. Children's "
        "general episodes of severity 2+ are seen in paediatrics.")

    @model_validator(mode="after")
    def _all_types(self) -> Episodes:
        missing = [t for t in EPISODE_TYPES if t not in self.service_lines]
        unknown = [t for t in self.service_lines if t not in EPISODE_TYPES]
        if missing or unknown:
            raise ValueError(f"service_lines needs exactly the episode types {list(EPISODE_TYPES)}"
                             f" (missing {missing}, unknown {unknown})")
        return self

    def rates(self) -> list[list[float]]:
        """Onset rate per person-year by [episode type][age group], chronic follow-up aside."""
        return [self.minor_acute_rate.as_list(), [0.0, 0.0, 0.0], self.moderate_rate.as_list(),
                self.serious_rate.as_list(), self.complex_rate.as_list()]
