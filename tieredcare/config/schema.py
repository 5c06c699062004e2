"""The scenario schema: every parameter of a run, with its unit, default, range and source.

A scenario YAML file is validated against :class:`Scenario`. Each field is declared with
:func:`param`, which records the unit and the source of its default next to the range, so
the README's parameter table and the error messages are generated from one place.
Defaults marked "assumption" have no published source and should be varied in sweeps.
The policy levers live in :mod:`tieredcare.config.policy`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from tieredcare.config.fields import (
    ASSUMPTION,
    MAX_CNY,
    ByAge,
    CostByTier,
    DaysByTier,
    MinutesByTier,
    Positive,
    Section,
    Share,
    ShareByAge,
    check_lines,
    field_default_data,
    param,
)
from tieredcare.config.policy import Policy
from tieredcare.config.world import (
    COUNTY_LEVERS,
    MAX_FACILITIES,
    County,
    Facilities,
    MapTables,
    MinutesRange,
    TierFacilities,
    World,
    merged,
)
from tieredcare.tiers import EPISODE_TYPES

__all__ = ["MAX_FACILITIES", "Facilities", "MapTables", "MinutesRange", "Scenario",
           "TierFacilities", "World", "check_name"]

# ----------------------------------------------------------------------------- simulation


class Simulation(Section):
    """Length of a run."""

    warmup_days: int = param(90, "days", ASSUMPTION,
                             "Days simulated before reporting starts, so queues, beds and "
                             "contracts settle.", ge=0, le=3650)
    horizon_days: int = param(365, "days", ASSUMPTION,
                              "Days reported after the warm-up.", ge=1, le=3650)


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


# ----------------------------------------------------------------------------- costs


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


# ----------------------------------------------------------------------------- behaviour


class Choice(Section):
    """Weights of the multinomial-logit facility choice (DESIGN §4)."""

    cost: float = param(0.6, "utility per unit of cost term", "calibrated to WTP ~86–103 CNY to "
                        "cut travel below 30 min (Jia et al. 2020)",
                        "Weight of out-of-pocket cost. The cost term is ln(1 + OOP / daily "
                        "income) (``cost_form: log``) or OOP / daily income (``linear``).",
                        ge=0.0, le=50.0)
    cost_form: Literal["log", "linear"] = param(
        "log", "log | linear", ASSUMPTION,
        "How cost enters utility. ``log`` is near-linear for small bills and less steep for "
        "large ones, so one weight fits both ~100 CNY trade-offs against travel and the "
        "hospital bills patients accept for serious illness.")
    travel: float = param(1.3, "utility per hour", "Yu et al. BMJ Open 2021 (travel ≤ 1 h, β 1.3)",
                          "Weight of one-way travel time.", ge=0.0, le=50.0)
    wait: float = param(0.6, "utility per day", ASSUMPTION,
                        "Weight of the expected wait in days (for a bed, or for a later day's "
                        "outpatient slot) seen in yesterday's queue.", ge=0.0, le=50.0)
    outpatient_wait: float = param(
        1.3, "utility per hour", "assumption: an hour in the waiting room weighs as an hour "
        "of travel (Yu et al. BMJ Open 2021, β 1.3 per hour)",
        "Weight of the expected wait for a doctor within the day, as patients heard of it "
        "over the last days (see service.wait_memory_days).", ge=0.0, le=50.0)
    quality: list[Annotated[float, Field(ge=0.0, le=50.0)]] = param(
        lambda: [6.0, 9.0, 9.0, 12.0], "utility per quality unit", "DCEs: quality weighs more "
        "with severity (targets.md); magnitudes calibrated to primary share 50–56 % and county "
        "retention 80–90 %",
        "Weight of facility quality for severity 1, 2, 3 and 4.", min_length=4, max_length=4)
    capable: float = param(4.0, "utility", "Yu et al. 2021: treatment effect dominates (β 4.5)",
                           "Bonus for a facility that can treat the severity and service line.",
                           ge=0.0, le=50.0)
    contract: float = param(1.0, "utility", "BMC HSR 2019: trust in village doctor OR 7.3",
                            "Bonus for the facility of the patient's own family doctor.",
                            ge=0.0, le=50.0)
    referred: float = param(1.5, "utility", ASSUMPTION,
                            "Bonus for the facility the patient holds a referral to.",
                            ge=0.0, le=50.0)


class CareSeeking(Section):
    """Whether an episode is taken to a facility at all (the outside options of the choice).

    At onset each episode chooses among its facilities, self-treatment (a pharmacy, home
    remedies) and no care, by the same logit as the facilities. The outside options'
    utilities are constants by severity (calibrated to the National Health Services
    Survey, see README), self-treatment also paying its cost through the cost term; so
    care is forgone more often when facilities are dear or far relative to income.
    """

    enabled: bool = param(True, "yes/no", "-",
                          "Episodes may be self-treated or go without care; if no, every "
                          "episode seeks a facility (the default onset rates count the "
                          "episodes not taken to a doctor, so demand then rises by about "
                          "40 %).")
    self_treatment: list[Annotated[float, Field(ge=-50.0, le=50.0)]] = param(
        lambda: [5.73, 4.73, 5.09, 3.09], "utility", "calibrated to CHARLS, NHSS 2018 and a rural "
        "survey (scripts/calibrate_care_seeking.py; README)",
        "Utility of self-treatment for severity 1, 2, 3 and 4, on the scale of the facility "
        "utilities.", min_length=4, max_length=4)
    no_care: list[Annotated[float, Field(ge=-50.0, le=50.0)]] = param(
        lambda: [5.78, 4.78, 6.09, 4.09], "utility", "calibrated to CHARLS, NHSS 2018 and a "
        "rural survey (scripts/calibrate_care_seeking.py; README)",
        "Utility of going without any care for severity 1, 2, 3 and 4.",
        min_length=4, max_length=4)
    self_treatment_cost: float = param(
        30.0, "CNY per episode", ASSUMPTION,
        "What self-treatment costs the patient (medicines bought at a pharmacy).",
        ge=0.0, le=MAX_CNY)


class Trust(Section):
    """How residents learn the quality of facilities from experience.

    See :mod:`tieredcare.behaviour.trust`.
    """

    enabled: bool = param(True, "yes/no", "-",
                          "Perceived quality is learnt by village from experience; if no, "
                          "patients perceive each facility's quality as it is, at once.")
    word_of_mouth_reach: float = param(
        1.5, "residents per experience", "assumption: chosen so a village's view of its "
        "township centre has a half-life of about 3 months (a 3–6 month convention; no "
        "published updating rate was found, see README)",
        "Residents whose view of a facility one patient's experience moves fully; a village "
        "of N residents moves reach/N of the way towards each experience.", ge=0.0, le=1000.0)
    referred_on_penalty: float = param(
        0.2, "quality index points", ASSUMPTION,
        "What a contact that could not treat and referred on takes off the experience.",
        ge=0.0, le=1.0)
    long_wait_penalty: float = param(
        0.1, "quality index points", ASSUMPTION,
        "What a wait longer than long_wait_days takes off the experience.", ge=0.0, le=1.0)
    long_wait_days: int = param(1, "days", ASSUMPTION,
                                "Waits longer than this count as long.", ge=0, le=365)
    left_queue_penalty: float = param(
        0.3, "quality index points", ASSUMPTION,
        "What giving up in the queue takes off the experience of the facility.",
        ge=0.0, le=1.0)


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


# ----------------------------------------------------------------------------- scenario

NAME_LENGTH = 80
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def check_name(name: str) -> str:
    """Check that a scenario or sweep name is safe as the name of a results folder.

    Args:
        name: The name as written.

    Returns:
        The name.

    Raises:
        ValueError: If the name is empty, too long, starts with anything but an ASCII
            letter or digit (so never ``.`` or ``..``) or holds anything but ASCII
            letters, digits, ``_``, ``-`` and ``.`` (so never a ``/``).
    """
    if not _NAME.fullmatch(name) or len(name) > NAME_LENGTH:
        raise ValueError(
            f"{_quoted(name)} cannot name a results folder; allowed: 1–{NAME_LENGTH} ASCII "
            "letters, digits, '_', '-' and '.', starting with a letter or digit (put other "
            "text in description)")
    return name


def _quoted(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


class Scenario(Section):
    """One scenario: a county, its residents, their behaviour and the policy in force."""

    name: str = param("baseline", "text", "-",
                      "Short name used in outputs and charts, and as the name of the results "
                      "folder: ASCII letters, digits, '_', '-' and '.', starting with a letter "
                      "or digit.", min_length=1, max_length=NAME_LENGTH)
    description: str = param("", "text", "-", "One line saying what the scenario changes "
                             "(any language).", max_length=500)
    seed: int = param(20_240_601, "integer", "-",
                      "Root seed of the run; every random stream is derived from it.",
                      ge=0, le=2**63 - 1)
    simulation: Simulation = Field(default_factory=Simulation)
    world: World = Field(default_factory=World)
    population: Population = Field(default_factory=Population)
    episodes: Episodes = Field(default_factory=Episodes)
    costs: Costs = Field(default_factory=Costs)
    choice: Choice = Field(default_factory=Choice)
    care_seeking: CareSeeking = Field(default_factory=CareSeeking)
    trust: Trust = Field(default_factory=Trust)
    service: Service = Field(default_factory=Service)
    policy: Policy = Field(default_factory=Policy)

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name: str) -> str:
        return check_name(name)

    def county_policy(self, county: County) -> Policy:
        """The policy of one county of the prefecture: the prefecture's, with its own levers."""
        own = {key: value for key in COUNTY_LEVERS
               if (value := getattr(county.policy, key)) is not None}
        return self.policy.model_copy(update=own)

    @model_validator(mode="before")
    @classmethod
    def _merge_county_levers(cls, data: object) -> object:
        """Put each county's own levers over the prefecture's (mappings key by key)."""
        world = data.get("world") if isinstance(data, dict) else None
        if not isinstance(world, dict) or not isinstance(world.get("counties"), list):
            return data
        policy = data.get("policy") if isinstance(data.get("policy"), dict) else {}
        counties = []
        for county in world["counties"]:
            own = county.get("policy") if isinstance(county, dict) else None
            if isinstance(own, dict):
                levers = {key: merged(merged(field_default_data(Policy, key), policy.get(key, {})),
                                      value)
                          if key in Policy.model_fields and isinstance(value, dict) else value
                          for key, value in own.items()}
                county = {**county, "policy": levers}
            counties.append(county)
        return {**data, "world": {**world, "counties": counties}}

    @model_validator(mode="after")
    def _prefecture_residents(self) -> Scenario:
        """A prefecture's residents are its counties' unless population.residents is given."""
        if self.world.counties and "residents" not in self.population.model_fields_set:
            total = sum(c.residents for c in self.world.counties)
            if total > type(self.population).model_fields["residents"].metadata[-1].le:
                raise ValueError(f"world.counties hold {total:,} residents in all; allowed: "
                                 "at most 20,000,000")
            self.population.residents = total
        return self

    @model_validator(mode="after")
    def _residents_fill_villages(self) -> Scenario:
        villages = self.world.townships * self.world.villages_per_township
        if self.world.synthetic and self.population.residents < villages:
            raise ValueError(
                f"population.residents ({self.population.residents}) must be at least the "
                f"number of villages ({villages} = world.townships × "
                "world.villages_per_township): every village needs a resident")
        return self
