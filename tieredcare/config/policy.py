"""Policy levers of the reform documents, each switchable on and off by day.

Every lever is a :class:`Lever`: its fields default to today's rule (or "off"), and its
``start_day``/``end_day`` say when the values given in the scenario are in force; on
other days the lever's defaults apply. Day 0 is the first reported day; warm-up days are
negative. The levers are declared by domain in :mod:`tieredcare.config.insurance`,
:mod:`tieredcare.config.family_doctor` and :mod:`tieredcare.config.capacity`, on the base
in :mod:`tieredcare.config.lever`; this module gathers them into :class:`Policy` and says
which values are in force on a day. The seed documents each lever comes from are named in
the class docstrings (files in ``shared/seeds/``):

- 000: Hulunbuir city public-hospital reform plan, interpretation (2018)
- 001: Mengzi 2021 health-reform task list (county medical community, five centres)
- 002: Langfang medical-reform summary (medical alliances, retained savings)
- 003: Putuo district, Shanghai, reform plan 2016–2020 ("1+1+1" contracts, reserved slots)
- 004: plan for high-quality development of public hospitals (telemedicine, centres)
"""

from __future__ import annotations

from pydantic import Field

from tieredcare.config.capacity import (
    Capacity,
    CountyServices,
    DoctorsSentDown,
    Referral,
    ReservedSlots,
    Telemedicine,
)
from tieredcare.config.family_doctor import FamilyDoctor
from tieredcare.config.fields import Section
from tieredcare.config.insurance import Capitation, ContractBonus, ReferralIncentives, Reimbursement
from tieredcare.config.lever import Lever


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
