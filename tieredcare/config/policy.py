"""Policy levers of the reform documents, each switchable on and off by day.

Every lever is a :class:`Lever`: its fields default to today's rule (or "off"), and its
``start_day``/``end_day`` say when the values given in the scenario are in force; on
other days the lever's defaults apply. Day 0 is the first reported day; warm-up days are
negative. The seed documents each lever comes from are named in the class docstrings
(files in ``shared/seeds/``):

- 000: Hulunbuir city public-hospital reform plan, interpretation (2018)
- 001: Mengzi 2021 health-reform task list (county medical community, five centres)
- 002: Langfang medical-reform summary (medical alliances, retained savings)
- 003: Putuo district, Shanghai, reform plan 2016–2020 ("1+1+1" contracts, reserved slots)
- 004: plan for high-quality development of public hospitals (telemedicine, centres)
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tieredcare.config.fields import ASSUMPTION, ScaleByTier, Section, ServiceLine, Share, param

_SCHEDULE = ("targets.md: ratios fall and deductibles rise with tier (Shanghai suburban "
             "scheme); exact values: assumption")
NO_CAP = None


class Lever(Section):
    """A policy lever that can be switched on and off on given days."""

    start_day: int | None = param(
        None, "day", "-", "First day the lever's values apply (0 = first reported day, "
        "negative = during the warm-up); empty = from the start of the run.",
        ge=-3650, le=3650)
    end_day: int | None = param(
        None, "day", "-", "Day the lever's values stop applying (exclusive); empty = never.",
        ge=-3650, le=3650)

    @model_validator(mode="after")
    def _window(self) -> Lever:
        if self.start_day is not None and self.end_day is not None and \
                self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day "
                             f"({self.start_day})")
        return self

    def active_on(self, day: int) -> bool:
        """Whether the scenario's values apply on ``day``."""
        started = self.start_day is None or day >= self.start_day
        return started and (self.end_day is None or day < self.end_day)

    def is_default(self) -> bool:
        """Whether every value (timing aside) equals the lever's default."""
        timing = {"start_day", "end_day"}
        return self.model_dump(exclude=timing) == type(self)().model_dump(exclude=timing)


# ----------------------------------------------------------------------------- insurance


class TierRule(Section):
    """Reimbursement at one tier."""

    ratio: float = Field(ge=0.0, le=1.0, description="Share of cost above the deductible the "
                         "insurer pays [share 0–1].", json_schema_extra={"source": _SCHEDULE})
    deductible: float = Field(0.0, ge=0.0, le=1_000_000.0,
                              description="Paid by the patient before reimbursement starts "
                              "[CNY per visit or admission].",
                              json_schema_extra={"source": _SCHEDULE})
    cap: float | None = Field(NO_CAP, ge=0.0, le=100_000_000.0,
                              description="Most the insurer pays for one visit or admission; "
                              "empty = no limit [CNY].", json_schema_extra={"source": ASSUMPTION})


class OutpatientRules(Section):
    """Outpatient reimbursement of the urban-rural resident scheme (门诊统筹)."""

    village: TierRule = Field(default_factory=lambda: TierRule(ratio=0.65))
    township: TierRule = Field(default_factory=lambda: TierRule(ratio=0.60))
    county: TierRule = Field(default_factory=lambda: TierRule(ratio=0.45))
    city: TierRule = Field(default_factory=lambda: TierRule(ratio=0.30))
    province: TierRule = Field(default_factory=lambda: TierRule(ratio=0.25))
    annual_cap: float = param(500.0, "CNY per person-year", ASSUMPTION,
                              "Most the outpatient pool pays for one resident in a year.",
                              ge=0.0, le=10_000_000.0)


class InpatientRules(Section):
    """Inpatient reimbursement of the urban-rural resident scheme."""

    township: TierRule = Field(default_factory=lambda: TierRule(ratio=0.85, deductible=200))
    county: TierRule = Field(default_factory=lambda: TierRule(ratio=0.75, deductible=500))
    city: TierRule = Field(default_factory=lambda: TierRule(ratio=0.55, deductible=1_000))
    province: TierRule = Field(default_factory=lambda: TierRule(ratio=0.50, deductible=1_500))
    annual_cap: float = param(200_000.0, "CNY per person-year", ASSUMPTION,
                              "Most the inpatient pool pays for one resident in a year (封顶线).",
                              ge=0.0, le=100_000_000.0)


class Reimbursement(Lever):
    """Differential reimbursement by tier (差别化报销; seeds 000, 001).

    Ratio, deductible and per-contact cap per tier, for inpatient and outpatient care.
    Defaults follow targets.md: ratios fall and deductibles rise with tier; the deductibles
    200/500/1,000/1,500 CNY are the documented assumption there.
    """

    inpatient: InpatientRules = Field(default_factory=InpatientRules)
    outpatient: OutpatientRules = Field(default_factory=OutpatientRules)
    employee_ratio_uplift: float = param(
        0.10, "ratio points", ASSUMPTION,
        "Extra ratio the urban employee scheme pays over the resident scheme (capped at 0.95).",
        ge=0.0, le=1.0)


class HospitalTiers(Section):
    """A value for each hospital tier."""

    county: float = Field(0.0, ge=0.0, le=1.0)
    city: float = Field(0.0, ge=0.0, le=1.0)
    province: float = Field(0.0, ge=0.0, le=1.0)

    def by_tier(self) -> list[float]:
        """Values for all five tiers (0 for village and township)."""
        return [0.0, 0.0, self.county, self.city, self.province]


class ReferralIncentives(Lever):
    """Insurance rules that reward the referral path (seed 000).

    未按转诊程序就医降低支付比例或不予支付; 累计起付线; 下转不再收取起付线.
    """

    non_referral_penalty_inpatient: HospitalTiers = param(
        HospitalTiers, "ratio points (1 = not reimbursed)", "seed 000; size: assumption "
        "(targets.md suggests −10 points)",
        "Reduction of the inpatient ratio at each hospital tier for patients without a "
        "referral.")
    non_referral_penalty_outpatient: HospitalTiers = param(
        HospitalTiers, "ratio points (1 = not reimbursed)", "seed 000; size: assumption",
        "Reduction of the outpatient ratio at each hospital tier for patients without a "
        "referral.")
    emergencies_exempt: bool = param(
        True, "yes/no", ASSUMPTION,
        "Stroke, chest pain, trauma, critical maternal and neonatal episodes are exempt from "
        "the penalties (emergencies need no referral).")
    cumulative_deductible: bool = param(
        False, "yes/no", "seed 000 (累计起付线)",
        "A patient referred upward for admission pays only the difference between the "
        "receiving tier's deductible and the referring tier's.")
    no_deductible_after_down_referral: bool = param(
        False, "yes/no", "seed 000 (下转不再收取起付线)",
        "Recovery stays after a downward referral pay no deductible.")


class ContractBonus(Lever):
    """Extra reimbursement for contracted residents at their contracted facilities.

    签约居民医保支付倾斜 (seed 003: higher reimbursement for contracted residents at their
    "1+1+1" facilities).
    """

    ratio_points: float = param(0.0, "ratio points", "seed 003; size: assumption",
                                "Added to the reimbursement ratio (capped at 1).", ge=0.0, le=1.0)


class Capitation(Lever):
    """Capitation for the county medical community (按人头打包付费, 结余留用; seeds 000, 001, 003).

    The community keeps what it saves, so its facilities refer out of the county less
    readily and keep follow-up care at primary level. ``strength`` scales both responses:
    county hospitals treat episodes one severity level above their capability (in lines
    they offer) with this probability instead of referring them out, and send chronic
    follow-up patients who come to them down to their township centre with this probability.
    """

    strength: float = param(0.0, "probability", ASSUMPTION,
                            "Strength of the community's response to capitation (0 = fee for "
                            "service).", ge=0.0, le=1.0)


# ----------------------------------------------------------------------------- family doctors

TargetGroup = Literal["elderly", "chronic", "disabled_poor", "everyone"]


class Campaign(Lever):
    """A family-doctor signup campaign (seed 003: priority to 60+, chronic, disabled).

    From ``start_day`` (default: day 0) for ``duration_days``, unsigned residents of the
    target groups sign up, a share ``intensity`` of them over the campaign, as far as team
    capacity allows.
    """

    intensity: float = param(0.0, "share 0–1", ASSUMPTION,
                             "Share of unsigned target residents the campaign signs.",
                             ge=0.0, le=1.0)
    duration_days: int = param(90, "days", ASSUMPTION, "Length of the campaign.", ge=1, le=3650)
    target_groups: list[TargetGroup] = param(
        lambda: ["elderly", "chronic"], "groups", "seed 003 (60+, chronic, disabled first)",
        "Who the campaign signs: elderly (65+), chronic, disabled_poor (disabled or low "
        "income), everyone.", min_length=1)

    def window(self) -> tuple[int, int]:
        """First and last-plus-one day of the campaign."""
        start = 0 if self.start_day is None else self.start_day
        stop = start + self.duration_days
        return start, stop if self.end_day is None else min(stop, self.end_day)


class Combination(Lever):
    """"1+1+1" combination contracts (seed 003).

    A contracted resident is also linked to the county people's hospital and the nearest
    city hospital: the contract's benefits (choice bonus, contract reimbursement bonus,
    referral to the linked hospital) hold at all three.
    """

    enabled: bool = param(False, "yes/no", "seed 003", "Contracts include a county and a city "
                          "hospital.")


class Gatekeeping(Lever):
    """First contact with the family doctor (基层首诊; seeds 000, 003)."""

    adherence: float = param(0.558, "share 0–1", "Feng et al. Front Med 2024 (55.8 %)",
                             "Share of contracted patients' episodes that start with their "
                             "family doctor.", ge=0.0, le=1.0)
    compulsory_for_reimbursement: bool = param(
        False, "yes/no", "seed 000 (基层首诊); assumption",
        "Contracted residents get no reimbursement at county and higher tiers without a "
        "referral (emergencies aside when exempt).")


class FamilyDoctor(Section):
    """Family-doctor teams at township centres and their contracts (家庭医生签约)."""

    teams_per_township: int = param(4, "teams", ASSUMPTION,
                                    "Family-doctor teams at each township centre.", ge=0, le=200)
    team_capacity: int = param(2_600, "residents per team", "guideline of ~2,000–2,500 residents "
                               "per GP team; assumption", "Most residents one team may sign.",
                               ge=0, le=100_000)
    signup_probability: dict[str, Share] = param(
        lambda: {"elderly": 0.60, "chronic": 0.55, "other": 0.20}, "probability",
        "targets.md: 30–70 % of key groups, 20–45 % overall",
        "Coverage each group tends to at neutral satisfaction, and the chance a resident is "
        "signed at the start (elderly = 65+, chronic = hypertension or diabetes; a resident "
        "in both takes the higher).")
    village_doctors_in_team: bool = param(
        True, "yes/no", "rural teams include village doctors (乡村医生参与签约服务)",
        "Village doctors belong to the team: a contracted patient's first contact is the "
        "home village clinic when it can treat the episode, else the township centre.")
    renewal_probability: float = param(0.713, "probability", "Wang et al. JGIM 2021 (71.3 %)",
                                       "Chance a contracted resident renews at the reference "
                                       "satisfaction.", ge=0.0, le=1.0)
    renewal_satisfaction_effect: float = param(
        0.20, "probability per unit satisfaction", ASSUMPTION,
        "Change in renewal chance per unit of satisfaction (−1 all contacts bad … +1 all good).",
        ge=0.0, le=1.0)
    renewal_reference_satisfaction: float = param(
        0.8, "satisfaction −1…1", "calibrated: mean satisfaction of contracted baseline residents "
        "at renewal (0.78), so renewal averages renewal_probability",
        "Satisfaction at which a resident renews with renewal_probability.", ge=-1.0, le=1.0)
    renewal_day_of_year: int = param(180, "day of year 0–364", ASSUMPTION,
                                     "Day of each year when contracts are renewed or lapse "
                                     "(day 0 = first reported day).", ge=0, le=364)
    signup_at_visit: float = param(0.03, "probability", ASSUMPTION,
                                   "Chance an unsigned resident signs when visiting their township "
                                   "centre.", ge=0.0, le=1.0)
    satisfactory_wait_days: int = param(1, "days", ASSUMPTION,
                                        "Longest wait at the family doctor still counted as a good "
                                        "contact.", ge=0, le=30)
    gatekeeping: Gatekeeping = Field(default_factory=Gatekeeping)
    campaign: Campaign = Field(default_factory=Campaign)
    combination: Combination = Field(default_factory=Combination)

    @model_validator(mode="after")
    def _groups(self) -> FamilyDoctor:
        groups = {"elderly", "chronic", "other"}
        if set(self.signup_probability) != groups:
            raise ValueError(f"signup_probability needs exactly the groups {sorted(groups)}")
        return self


class ReservedSlots(Lever):
    """Capacity kept for referred patients (预留号源, 优先接诊; seeds 000, 003).

    Referred patients are always served first; this share of a facility's daily outpatient
    slots and free beds is, in addition, closed to patients without a referral.
    """

    county: float = param(0.0, "share 0–1", "seed 003; size: assumption",
                          "Share reserved at county hospitals.", ge=0.0, le=1.0)
    city: float = param(0.0, "share 0–1", "seed 003; size: assumption",
                        "Share reserved at city hospitals.", ge=0.0, le=1.0)
    province: float = param(0.0, "share 0–1", "seed 003; size: assumption",
                            "Share reserved at the provincial hospital.", ge=0.0, le=1.0)

    def by_tier(self) -> list[float]:
        """Reserved share for all five tiers."""
        return [0.0, 0.0, self.county, self.city, self.province]


# ----------------------------------------------------------------------------- capacity


class DoctorsSentDown(Lever):
    """Doctors sent down from the county hospital to township centres (下派, 县管乡用; seed 000).

    Doctors are placed one per township centre in turn, nearest the county seat last. Each
    adds outpatient slots where it goes (taken from the county people's hospital when
    ``from_county``); a centre with at least one raises its capability and quality.
    """

    doctors: int = param(0, "doctors", "seed 000; number: assumption",
                         "Doctors sent down.", ge=0, le=10_000)
    slots_per_doctor: float = param(20.0, "visits per day", ASSUMPTION,
                                    "Outpatient slots each doctor adds.", ge=0.0, le=200.0)
    capability: int = param(3, "highest severity 1–4", ASSUMPTION,
                            "Capability of a township centre with a doctor sent down.",
                            ge=1, le=4)
    quality_gain: float = param(0.10, "quality index points", ASSUMPTION,
                                "Rise of the centre's perceived quality.", ge=0.0, le=1.0)
    from_county: bool = param(True, "yes/no", "seed 000 (县管乡用)",
                              "The slots leave the county people's hospital.")


class Telemedicine(Lever):
    """Telemedicine links to higher-tier specialists (远程医疗; seeds 000, 001, 004)."""

    enabled: bool = param(False, "yes/no", "seeds 000, 001, 004", "Telemedicine in use.")
    tiers: list[Literal["village", "township"]] = param(
        lambda: ["village", "township"], "tiers", ASSUMPTION, "Tiers connected.")
    quality_gain: float = param(0.05, "quality index points", ASSUMPTION,
                                "Rise of perceived quality at connected facilities.",
                                ge=0.0, le=1.0)
    capability_gain: int = param(1, "severity levels", ASSUMPTION,
                                 "Rise of capability at connected facilities (remote diagnosis).",
                                 ge=0, le=3)
    capability_limit: int = param(2, "highest severity 1–4", ASSUMPTION,
                                  "Capability telemedicine cannot raise a facility above.",
                                  ge=1, le=4)
    services_added: list[ServiceLine] = param(
        lambda: ["mental_health", "ophthalmology"], "service lines", ASSUMPTION,
        "Service lines connected facilities can offer with remote specialists.")


class CountyServices(Lever):
    """Service lines opened at the county people's hospital (seed 001).

    The five centres (stroke, chest pain, trauma, critical maternal, critical neonatal: 五大
    中心) and the specialty gaps (rehabilitation, mental health, paediatrics, ophthalmology,
    dentistry: 补短板). Lines are added to the people's hospital (the in-county county-tier
    hospital with the most beds).
    """

    add: list[ServiceLine] = param(list, "service lines", "seed 001",
                                   "Service lines to open.")


def _ones() -> ScaleByTier:
    return ScaleByTier(village=1.0, township=1.0, county=1.0, city=1.0, province=1.0)


class Capacity(Lever):
    """Beds and outpatient slots by tier: bed caps (控制单体床位规模; seed 000) or new capacity."""

    bed_scale: ScaleByTier = param(_ones, "ratio", "seed 000; size: assumption",
                              "Beds at each tier relative to the map (0.8 caps them at 80 %).")
    slot_scale: ScaleByTier = param(_ones, "ratio", ASSUMPTION,
                               "Outpatient slots at each tier relative to the map.")


class Referral(Lever):
    """Referral between tiers (转诊)."""

    down_referral_probability: float = param(
        0.10, "probability", ASSUMPTION,
        "Chance a discharged county/city inpatient (severity 3+) continues recovery at the "
        "home township centre (下转).", ge=0.0, le=1.0)
    recovery_stay_days: float = param(7.0, "days", ASSUMPTION,
                                      "Length of the recovery stay after a downward referral.",
                                      ge=0.0, le=90.0)


class Policy(Section):
    """The policy levers of the reform documents."""

    reimbursement: Reimbursement = Field(default_factory=Reimbursement)
    referral_incentives: ReferralIncentives = Field(default_factory=ReferralIncentives)
    contract_bonus: ContractBonus = Field(default_factory=ContractBonus)
    capitation: Capitation = Field(default_factory=Capitation)
    family_doctor: FamilyDoctor = Field(default_factory=FamilyDoctor)
    reserved_slots: ReservedSlots = Field(default_factory=ReservedSlots)
    doctors_sent_down: DoctorsSentDown = Field(default_factory=DoctorsSentDown)
    telemedicine: Telemedicine = Field(default_factory=Telemedicine)
    county_services: CountyServices = Field(default_factory=CountyServices)
    capacity: Capacity = Field(default_factory=Capacity)
    referral: Referral = Field(default_factory=Referral)


def levers(policy: Policy) -> dict[str, Lever]:
    """Every lever of a policy by its dotted key under ``policy``."""
    found: dict[str, Lever] = {}

    def walk(section: Section, prefix: str) -> None:
        for name in type(section).model_fields:
            value = getattr(section, name)
            if isinstance(value, Lever):
                found[prefix + name] = value
            elif isinstance(value, Section):
                walk(value, f"{prefix}{name}.")

    walk(policy, "")
    return found


def in_force(policy: Policy, day: int) -> Policy:
    """The policy that applies on ``day``: levers outside their window take their defaults."""
    updates: dict[str, object] = {}
    family = {}
    for key, lever in levers(policy).items():
        if lever.active_on(day):
            continue
        default = type(lever)()
        if key.startswith("family_doctor."):
            family[key.split(".", 1)[1]] = default
        else:
            updates[key] = default
    if family:
        updates["family_doctor"] = policy.family_doctor.model_copy(update=family)
    return policy.model_copy(update=updates)


def switch_days(policy: Policy) -> list[dict[str, object]]:
    """When each lever that differs from its default switches on and off."""
    rows = []
    for key, lever in levers(policy).items():
        if lever.is_default():
            continue
        rows.append({"lever": key, "start_day": lever.start_day, "end_day": lever.end_day})
    return rows
