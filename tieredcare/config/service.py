"""The facilities' side of care: what it costs and how long it lasts, and the queues.

:class:`Costs` gives the full cost of care and lengths of stay by tier; :class:`Service`
the outpatient day, queues, balking and unmet need.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from tieredcare.config.fields import (
    ASSUMPTION,
    CostByTier,
    DaysByTier,
    MinutesByTier,
    Positive,
    Section,
    Share,
    param,
)


class Costs(Section):
    """Full (pre-reimbursement) cost of care and length of stay, by tier."""

    outpatient_visit: CostByTier = param(
        lambda: CostByTier(village=30, township=80, county=202.8, city=317.8, province=360),
        "CNY per visit", "NHC Jan–Oct 2018 (county 202.8, city 317.8); village, township, "
        "province: assumption", "Full cost of one outpatient visit.")
    admission: CostByTier = param(
        lambda: CostByTier(village=0, township=1_500, county=6_015, city=13_306, province=16_000),
        "CNY per admission", "NHC Jan–Oct 2018 (county 6,015, city 13,306); township: BMJ "
        "Open 2019 range; province: assumption", "Full cost of an average admission.")
    severity_cost_factor: list[Positive] = param(
        lambda: [0.6, 1.0, 2.0], "ratio", ASSUMPTION,
        "Cost of a severity 2, 3 and 4 admission relative to the tier's average admission.",
        min_length=3, max_length=3)
    length_of_stay: DaysByTier = param(
        lambda: DaysByTier(village=0, township=6.6, county=8.0, city=10.0, province=11.0),
        "days", "NHC 2022 bulletin (THC 6.6 d; hospitals ~9 d); split by tier: assumption",
        "Mean length of stay of a severity-3 admission at each tier.")
    severity_stay_factor: list[Positive] = param(
        lambda: [0.6, 1.0, 1.5], "ratio", ASSUMPTION,
        "Length of stay of severity 2, 3 and 4 relative to severity 3.",
        min_length=3, max_length=3)
    catastrophic_threshold: float = param(
        0.10, "share of annual income", "SDG 3.8.2 (10 % threshold)",
        "An episode whose out-of-pocket cost reaches this share of the patient's annual "
        "income counts as catastrophic.", gt=0.0, le=1.0)


class Service(Section):
    """Queues, balking and unmet need."""

    max_wait_days: list[Annotated[int, Field(ge=0, le=365)]] = param(
        lambda: [3, 10], "days", ASSUMPTION,
        "Longest wait (outpatient, inpatient) before a patient leaves the queue.",
        min_length=2, max_length=2)
    forgo_probability: list[Share] = param(
        lambda: [0.5, 0.3, 0.1, 0.0], "probability", ASSUMPTION,
        "Chance that a patient who leaves a queue forgoes care, by severity 1–4.",
        min_length=4, max_length=4)
    max_attempts: int = param(4, "facility choices", ASSUMPTION,
                              "Facilities tried per episode before it is recorded as unmet need.",
                              ge=1, le=10)
    opening_hours: float = param(8.0, "hours per day", "assumption: 8:00–12:00 and 14:00–18:00",
                                 "Outpatient opening hours of every facility.", ge=1.0, le=24.0)
    consultation_minutes: MinutesByTier = param(
        lambda: MinutesByTier(village=5.0, township=5.0, county=8.0, city=10.0, province=10.0),
        "minutes", "primary care 4.3–6.3 min (standardised patients, rural China, Wang et al. "
        "2021); tertiary hospitals median 10 min (Hu et al. Lancet 2018 abstract, 136 "
        "hospitals); county: assumption",
        "Mean time a doctor spends with an outpatient; with the day's slots it sets the "
        "doctors on duty (see README, Outpatient waits).")
    consultation_cv: float = param(1.0, "ratio", "assumption: exponential consultation times",
                                   "Coefficient of variation of consultation times.",
                                   ge=0.0, le=5.0)
    peak_share: float = param(0.5, "share 0–1", ASSUMPTION,
                              "Share of the day's outpatients who arrive in the morning peak.",
                              ge=0.0, le=1.0)
    peak_hours: float = param(2.0, "hours", ASSUMPTION, "Length of the morning peak.",
                              ge=0.1, le=24.0)
    wait_memory_days: float = param(
        7.0, "days", ASSUMPTION,
        "How long patients remember the waits they hear of: the expected wait for a doctor "
        "moves 1/wait_memory_days of the way to each day's wait.", ge=1.0, le=365.0)

    @model_validator(mode="after")
    def _peak_within_day(self) -> Service:
        if self.peak_hours >= self.opening_hours and self.peak_share < 1.0:
            raise ValueError(f"peak_hours ({self.peak_hours}) must be < opening_hours "
                             f"({self.opening_hours}) unless peak_share is 1")
        return self
