"""The county map settings of a scenario (``world``): synthetic, GraphML or tables.

A prefecture is a list of counties (``world.counties``), each with its own map settings
and residents, sharing the city and provincial hospitals; see :class:`County`.
"""

from __future__ import annotations

import copy
from typing import Literal

from pydantic import Field, create_model, field_validator, model_validator

from tieredcare.config.capacity import Capacity, CountyServices, DoctorsSentDown, Telemedicine
from tieredcare.config.family_doctor import FamilyDoctor
from tieredcare.config.fields import (
    ASSUMPTION,
    Section,
    ServiceLine,
    field_default_data,
    param,
)
from tieredcare.config.insurance import ContractBonus, ReferralIncentives, Reimbursement
from tieredcare.tiers import SERVICE_LINES

# ----------------------------------------------------------------------------- world


class MinutesRange(Section):
    """A range of travel times, drawn uniformly per edge."""

    low: float = Field(ge=0.0, le=1440.0, description="Shortest travel time [minutes].")
    high: float = Field(ge=0.0, le=1440.0, description="Longest travel time [minutes].")

    @model_validator(mode="after")
    def _ordered(self) -> MinutesRange:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self


class TierFacilities(Section):
    """Capacity, quality and capability of one tier's facilities in the synthetic county."""

    outpatient_slots_per_1000: float = param(
        0.0, "visits/day per 1,000 catchment residents", ASSUMPTION,
        "Daily outpatient slots per 1,000 residents of the catchment (village for a clinic, "
        "township for a centre, whole county for county and city tiers).", ge=0.0, le=1000.0)
    beds_per_1000: float = param(0.0, "beds per 1,000 catchment residents", ASSUMPTION,
                                 "Inpatient beds per 1,000 catchment residents.", ge=0.0, le=100.0)
    quality: float = param(0.5, "index 0–1", ASSUMPTION,
                           "Perceived quality of care, as patients weigh it.", ge=0.0, le=1.0)
    capability: int = param(1, "highest severity 1–4", ASSUMPTION,
                            "Highest episode severity the facility can treat.", ge=0, le=4)
    services: list[ServiceLine] = param(lambda: ["general"], "service lines", ASSUMPTION,
                                        "Service lines the facility offers.")


_ALL_LINES = list(SERVICE_LINES)
_COUNTY_LINES = ["general", "paediatrics", "ophthalmology", "dentistry", "rehabilitation",
                 "trauma", "critical_maternal", "chest_pain"]


class Facilities(Section):
    """Per-tier facility defaults of the synthetic county.

    Capacities are sized per 1,000 residents so a smaller test county keeps the same
    load. Sizing assumes ~6 visits and ~0.18 admissions per resident-year (targets.md).
    Beds are calibrated so that in ``scenarios/prefecture.yaml`` bed occupancy lands near
    the NHC 2019 bulletin: township centres ~57.5 %, county (secondary) hospitals ~80 %,
    city (tertiary) hospitals ≥ 90 % (README, Calibration). A village clinic's slots are
    what one village doctor sees besides public-health work (assumption), so its day's
    slots rarely run out: its few patients are seen the same day.
    """

    village: TierFacilities = Field(default_factory=lambda: TierFacilities(
        outpatient_slots_per_1000=20.0, beds_per_1000=0.0, quality=0.25, capability=1,
        services=["general"]))
    township: TierFacilities = Field(default_factory=lambda: TierFacilities(
        outpatient_slots_per_1000=8.0, beds_per_1000=0.75, quality=0.40, capability=2,
        services=["general", "paediatrics", "dentistry", "rehabilitation"]))
    county: TierFacilities = Field(default_factory=lambda: TierFacilities(
        outpatient_slots_per_1000=8.0, beds_per_1000=2.3, quality=0.70, capability=3,
        services=_COUNTY_LINES))
    city: TierFacilities = Field(default_factory=lambda: TierFacilities(
        outpatient_slots_per_1000=3.0, beds_per_1000=1.8, quality=0.90, capability=4,
        services=_ALL_LINES))
    province: TierFacilities = Field(default_factory=lambda: TierFacilities(
        outpatient_slots_per_1000=1.0, beds_per_1000=0.5, quality=1.0, capability=4,
        services=_ALL_LINES))


MAX_COUNTIES = 20
"""Most counties (and urban districts) in a prefecture."""
MAX_FACILITIES = 5_000
"""Most facilities of a map, synthetic or GraphML: travel times between every pair of
facilities are held in memory (F × F), and so is each facility's ranking of the others
for referral. At the limit a run needs about 1.1 GB before its residents (measured on a
synthetic map of 4,978 facilities and 200,000 residents)."""


class MapTables(Section):
    """A county read from spreadsheets (CSV): see :mod:`tieredcare.world.tables`."""

    facilities: str = param("", "file path", "-", "Facility table: id, name, tier, lon, lat, "
                            "beds, outpatient_slots, services (';'-separated), township, "
                            "village (relative to the scenario file).", min_length=1)
    villages: str = param("", "file path", "-", "Village (or community) table: id, name, "
                          "township, population, lon, lat.", min_length=1)
    travel: str | None = param(None, "file path", "-", "Optional origin–destination table "
                               "(from, to, minutes) replacing the distance-based travel times.")
    detour: float = param(1.3, "ratio", ASSUMPTION, "Road distance / great-circle distance.",
                          ge=1.0, le=5.0)
    speed_kmh: float = param(40.0, "km/h", ASSUMPTION, "Average road speed.", gt=0.0, le=200.0)


class CountyMapFields(Section):
    """What may differ between the counties of a prefecture: each county's own map."""

    graphml: str | None = param(None, "file path", "-",
                                "GraphML file of a real county (relative to the scenario file); "
                                "when set, the synthetic-map fields below are ignored.")
    tables: MapTables | None = param(None, "file paths", "-",
                                     "A real county from spreadsheets (facility and village "
                                     "tables); when set, the synthetic-map fields are ignored.")
    map_seed: int = param(1, "integer", "-",
                          "Seed of the synthetic map, kept apart from the run seed so "
                          "replicates share one county.", ge=0, le=2**63 - 1)
    townships: int = param(15, "count", "typical rural county (issue spec)",
                           "Township health centres in the synthetic county.", ge=1, le=200)
    villages_per_township: int = param(14, "count", ASSUMPTION,
                                       "Villages (each with a clinic) per township.", ge=1, le=200)
    village_township_minutes: MinutesRange = param(
        lambda: MinutesRange(low=10, high=45), "minutes", ASSUMPTION,
        "Travel time between a village and its township centre.")
    township_county_minutes: MinutesRange = param(
        lambda: MinutesRange(low=20, high=75), "minutes", ASSUMPTION,
        "Travel time between a township centre and the county seat.")
    county_city_minutes: float = param(90.0, "minutes", ASSUMPTION,
                                       "Travel time from the county seat to the city hospital(s).",
                                       ge=0.0, le=1440.0)
    tcm_share: float = param(0.3, "share 0–1", ASSUMPTION,
                             "Share of county-tier capacity in the TCM hospital (the rest is the "
                             "people's hospital).", ge=0.0, le=0.9)
    candidate_townships: int = param(2, "count", ASSUMPTION,
                                     "Nearest township centres a patient considers.", ge=1, le=10)
    facilities: Facilities = Field(default_factory=Facilities)

    @property
    def synthetic(self) -> bool:
        """Whether the map is the synthetic county (no GraphML file, no tables)."""
        return self.graphml is None and self.tables is None


def _overrides_of(fields: type[Section], name: str, doc: str) -> type[Section]:
    """A section with the fields of ``fields``, each defaulting to None ("as elsewhere")."""
    spec = {}
    for key, info in fields.model_fields.items():
        field = copy.copy(info)
        field.default, field.default_factory = None, None
        spec[key] = (info.annotation | None, field)
    return create_model(name, __base__=Section, __doc__=doc, **spec)


CountyMap = _overrides_of(
    CountyMapFields, "CountyMap",
    "A county's own map settings; a field left out (null) is the prefecture's value.")


class CountyPolicy(Section):
    """The county-level levers a county sets for itself; null keeps the prefecture's.

    A lever given here is the prefecture's setting of that lever with the county's keys
    put over it (merged when the scenario is read), so it is complete.

    Insurance is pooled at the prefecture by default (市级统筹), but a county may keep its
    own scheme: ``reimbursement``, ``referral_incentives`` and ``contract_bonus`` then apply
    to its residents wherever they are treated, the shared city hospitals included.
    ``family_doctor`` is the county's contracting (teams, signups, gatekeeping, campaigns,
    "1+1+1", renewal) for its residents and its township centres' teams. Capacity, doctors
    sent down, telemedicine and service lines apply to the county's own facilities.
    """

    reimbursement: Reimbursement | None = None
    referral_incentives: ReferralIncentives | None = None
    contract_bonus: ContractBonus | None = None
    family_doctor: FamilyDoctor | None = None
    capacity: Capacity | None = None
    doctors_sent_down: DoctorsSentDown | None = None
    telemedicine: Telemedicine | None = None
    county_services: CountyServices | None = None


COUNTY_LEVERS = tuple(CountyPolicy.model_fields)
"""Levers a county of a prefecture may set for itself (the rest are prefecture-wide)."""
COUNTY_KINDS = ("county", "urban_district")


class County(Section):
    """One county (or urban district) of a prefecture: residents, map and own levers."""

    name: str = param("", "text", "-", "Name of the county, unique in the prefecture (any "
                      "language; no '/').", min_length=1, max_length=40)
    kind: Literal["county", "urban_district"] = param(
        "county", "county or urban_district", "-",
        "An urban district (市辖区) has community health centres and stations in place of "
        "township centres and village clinics, and district hospitals in place of county ones.")
    residents: int = param(100_000, "persons", "-", "Residents of the county.", ge=100,
                           le=20_000_000)
    map: CountyMap = Field(default_factory=CountyMap)
    policy: CountyPolicy = Field(default_factory=CountyPolicy)

    @field_validator("name")
    @classmethod
    def _usable_name(cls, name: str) -> str:
        if "/" in name or not name.strip() or any(ord(ch) < 32 for ch in name):
            raise ValueError("allowed: 1–40 characters of text, not only spaces, without '/' "
                             "or control characters")
        return name


class World(CountyMapFields):
    """The map: one county (synthetic or loaded), or a prefecture of counties.

    With ``counties`` the map is a prefecture: each county is built from these settings
    with its own ``map`` put over them, and they share the city and provincial hospitals,
    sized for all their residents.
    """

    city_hospitals: int = param(1, "count", ASSUMPTION, "City hospitals outside the county.",
                                ge=1, le=10)
    provincial_hospital: bool = param(False, "yes/no", ASSUMPTION,
                                      "Add a provincial hospital beyond the city.")
    city_province_minutes: float = param(120.0, "minutes", ASSUMPTION,
                                         "Travel time from the city to the provincial hospital.",
                                         ge=0.0, le=1440.0)
    counties: list[County] = param(
        list, "list of counties", "-",
        "A prefecture: counties (and urban districts) sharing the city and provincial "
        "hospitals, each with name, kind, residents, map and policy (see README).",
        max_length=MAX_COUNTIES)

    @model_validator(mode="before")
    @classmethod
    def _merge_county_maps(cls, data: object) -> object:
        """Put each county's map settings over the prefecture's (mappings key by key)."""
        if not isinstance(data, dict) or not isinstance(data.get("counties"), list):
            return data
        base = {key: data.get(key, field_default_data(CountyMapFields, key))
                for key in CountyMapFields.model_fields}
        counties = []
        for county in data["counties"]:
            own = county.get("map") if isinstance(county, dict) else None
            if isinstance(own, dict):
                county = {**county, "map": {key: merged(base.get(key), value)
                                            for key, value in own.items()}}
            counties.append(county)
        return {**data, "counties": counties}

    def county_world(self, county: County) -> World:
        """The settings one county of the prefecture is built from."""
        own = {key: value for key in CountyMapFields.model_fields
               if (value := getattr(county.map, key)) is not None}
        if own.get("graphml") is not None or own.get("tables") is not None:
            own.setdefault("graphml", None)
            own.setdefault("tables", None)
        return self.model_copy(update={**own, "counties": []})

    def county_residents(self, total: int) -> list[int]:
        """Residents of each county, scaled so they sum to ``total``."""
        given = [c.residents for c in self.counties]
        shares = [total * r / sum(given) for r in given]
        whole = [int(s) for s in shares]
        order = sorted(range(len(shares)), key=lambda i: whole[i] - shares[i])
        for i in order[: total - sum(whole)]:  # largest remainders take the rest
            whole[i] += 1
        return whole

    @property
    def synthetic_facilities(self) -> int:
        """Facilities of the synthetic map.

        A centre and its clinics per township, two county hospitals, the city hospitals
        and the provincial hospital if any.
        """
        return (self.townships * (self.villages_per_township + 1) + 2 + self.city_hospitals
                + self.provincial_hospital)

    @model_validator(mode="after")
    def _not_too_large(self) -> World:
        if self.graphml is not None and self.tables is not None:
            raise ValueError("world.graphml and world.tables both name a map; allowed: one "
                             "of them")
        if self.counties:
            return self._valid_prefecture()
        if self.synthetic and self.synthetic_facilities > MAX_FACILITIES:
            raise ValueError(
                f"world.townships × (world.villages_per_township + 1) gives "
                f"{self.synthetic_facilities:,} facilities; allowed: at most "
                f"{MAX_FACILITIES:,} (a model holds travel times between every pair)")
        return self

    def _valid_prefecture(self) -> World:
        if not self.synthetic:
            raise ValueError("a prefecture (world.counties) gives each county its own map; "
                             "allowed: world.counties[].map.graphml or .tables, not world."
                             "graphml or world.tables")
        names = [c.name for c in self.counties]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"county name {twice[0]!r} is used twice in world.counties; "
                             "allowed: a different name for each county")
        worlds = [self.county_world(c) for c in self.counties]
        size = sum(w.synthetic_facilities - w.city_hospitals - w.provincial_hospital
                   for w in worlds if w.synthetic) + self.city_hospitals + self.provincial_hospital
        if size > MAX_FACILITIES:
            raise ValueError(f"the synthetic counties of world.counties have {size:,} "
                             f"facilities; allowed: at most {MAX_FACILITIES:,} (a model holds "
                             "travel times between every pair)")
        return self


def merged(base: object, over: object) -> object:
    """``over`` put over ``base``: mappings key by key, anything else replaces."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return over
    return {**base, **{key: merged(base.get(key), value) for key, value in over.items()}}
