"""Insurance levers: reimbursement by tier, referral incentives, contract bonus, capitation.

The seed documents named in the class docstrings are listed in
:mod:`tieredcare.config.policy`.
"""

from __future__ import annotations

from pydantic import Field

from tieredcare.config.fields import ASSUMPTION, Section, param
from tieredcare.config.lever import Lever

_SCHEDULE = ("targets.md: ratios fall and deductibles rise with tier (Shanghai suburban "
             "scheme); exact values: assumption")
NO_CAP = None


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
