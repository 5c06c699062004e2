"""The scenario schema: every parameter of a run, with its unit, default, range and source.

A scenario YAML file is validated against :class:`Scenario`. Each field is declared with
:func:`param`, which records the unit and the source of its default next to the range, so
the README's parameter table and the error messages are generated from one place.
Defaults marked "assumption" have no published source and should be varied in sweeps.
The sections live in their own modules: :mod:`tieredcare.config.population` (residents,
episodes), :mod:`tieredcare.config.behaviour` (choice, care seeking, trust),
:mod:`tieredcare.config.service` (costs, queues), :mod:`tieredcare.config.world` (the
map) and :mod:`tieredcare.config.policy` (the levers).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from tieredcare.config.behaviour import CareSeeking, Choice, Trust
from tieredcare.config.fields import ASSUMPTION, Section, field_default_data, param
from tieredcare.config.policy import Policy
from tieredcare.config.population import Episodes, Population
from tieredcare.config.service import Costs, Service
from tieredcare.config.world import (
    COUNTY_LEVERS,
    MAX_FACILITIES,
    County,
    Facilities,
    MinutesRange,
    TierFacilities,
    World,
    merged,
)

__all__ = ["MAX_FACILITIES", "Facilities", "MinutesRange", "Scenario",
           "TierFacilities", "World", "check_name"]

# ----------------------------------------------------------------------------- simulation


class Simulation(Section):
    """Length of a run."""

    warmup_days: int = param(90, "days", ASSUMPTION,
                             "Days simulated before reporting starts, so queues, beds and "
                             "contracts settle.", ge=0, le=3650)
    horizon_days: int = param(365, "days", ASSUMPTION,
                              "Days reported after the warm-up.", ge=1, le=3650)


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
