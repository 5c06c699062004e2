"""Capacity and service levers: what facilities hold and offer, and referral between them.

Beds and slots by tier, slots reserved for referred patients, doctors sent down, telemedicine,
service lines opened at the county hospital, and downward referral. The seed documents
named in the class docstrings are listed in :mod:`tieredcare.config.policy`.
"""

from __future__ import annotations

from typing import Literal

from tieredcare.config.fields import ASSUMPTION, ScaleByTier, ServiceLine, param
from tieredcare.config.lever import Lever


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
