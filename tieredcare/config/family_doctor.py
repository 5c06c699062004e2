"""Family-doctor levers: teams, contracts and their renewal, gatekeeping, campaigns, "1+1+1".

The seed documents named in the class docstrings are listed in
:mod:`tieredcare.config.policy`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tieredcare.config.fields import ASSUMPTION, Section, Share, param
from tieredcare.config.lever import Lever

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
