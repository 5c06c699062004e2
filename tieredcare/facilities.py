"""Facilities and family-doctor teams as Mesa agents.

There are hundreds of facilities, not millions, so each is a :class:`mesa.Agent` with a
name, a place on the map and its queues. Their numbers live in :class:`FacilityState`
arrays (one element per facility) so the day's service is computed for all facilities at
once; an agent reads and writes its own element.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from tieredcare.config.schema import Scenario
from tieredcare.tiers import SERVICE_LINES, TIERS

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel
    from tieredcare.world.network import CountyMap


@dataclass
class FacilityState:
    """Capacity and queues of every facility, one array element per facility.

    Attributes:
        outpatient_slots: Outpatient visits the facility can give per day.
        beds: Inpatient beds.
        quality: Perceived quality [index 0–1].
        capability: Highest severity it treats.
        services: Service lines offered [F, L].
        stay_days: Mean length of stay by severity 0–4 [F, 5] [days].
        outpatient_queue: Outpatients waiting at the end of yesterday.
        admission_queue: Patients waiting for a bed at the end of yesterday.
        occupied_beds: Beds occupied now.
    """

    outpatient_slots: np.ndarray
    beds: np.ndarray
    quality: np.ndarray
    capability: np.ndarray
    services: np.ndarray
    stay_days: np.ndarray
    outpatient_queue: np.ndarray
    admission_queue: np.ndarray
    occupied_beds: np.ndarray

    @classmethod
    def from_county(cls, county: CountyMap, scenario: Scenario) -> FacilityState:
        """Initial state of the county's facilities under a scenario."""
        n = county.n_facilities
        stay = np.asarray(scenario.costs.length_of_stay.as_list())[county.tier]
        # Severities 0 and 1 are never admitted for illness; recovery stays use severity 2.
        sev = scenario.costs.severity_stay_factor
        factor = np.array([sev[0], sev[0], *sev])
        return cls(
            outpatient_slots=_whole(county.outpatient_slots),
            beds=_whole(county.beds),
            quality=county.quality.astype(np.float64).copy(),
            capability=county.capability.astype(np.int8).copy(),
            services=county.services.astype(bool).copy(),
            stay_days=stay[:, None] * factor[None, :],
            outpatient_queue=np.zeros(n, dtype=np.int64),
            admission_queue=np.zeros(n, dtype=np.int64),
            occupied_beds=np.zeros(n, dtype=np.int64),
        )

    def expected_wait(self) -> np.ndarray:
        """Days a newcomer expects to wait, from yesterday's queues [queue type, F].

        Outpatient: queue / daily slots. Admission: queue / (beds / mean stay), the number
        of beds that free up per day.
        """
        slots = np.maximum(self.outpatient_slots, 1)
        discharges = np.maximum(self.beds / np.maximum(self.stay_days[:, 3], 1.0), 1e-9)
        return np.stack([self.outpatient_queue / slots, self.admission_queue / discharges])


def _whole(values: np.ndarray) -> np.ndarray:
    """Capacities as whole numbers; a facility with any capacity keeps at least one."""
    whole = np.rint(values).astype(np.int64)
    return np.where((values > 0) & (whole == 0), 1, whole)


class Facility(mesa.Agent):
    """A village clinic, township centre, county, city or provincial hospital.

    Args:
        model: The model the facility belongs to.
        index: Position of the facility in the model's facility arrays.
    """

    def __init__(self, model: TieredCareModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def node_id(self) -> str:
        """Node id on the county map."""
        return self.model.county.ids[self.index]

    @property
    def name(self) -> str:
        """Human-readable name."""
        return self.model.county.names[self.index]

    @property
    def tier(self) -> str:
        """Tier name."""
        return TIERS[self.model.county.tier[self.index]]

    @property
    def in_county(self) -> bool:
        """Whether the facility belongs to the simulated county."""
        return bool(self.model.county.in_county[self.index])

    @property
    def services(self) -> list[str]:
        """Service lines offered."""
        return [SERVICE_LINES[i] for i in np.flatnonzero(self.model.state.services[self.index])]

    def __getattr__(self, name: str) -> object:
        # Numeric state (outpatient_slots, beds, quality, capability, queues, occupied_beds)
        # is read from the model's arrays, so it is never out of date.
        state = self.__dict__.get("model") and self.model.state
        if state is not None and name in FacilityState.__dataclass_fields__:
            value = getattr(state, name)[self.index]
            return value.item() if np.ndim(value) == 0 else value
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"Facility({self.node_id!r}, {self.tier})"


class DoctorTeam(mesa.Agent):
    """A family-doctor team based at a township centre.

    Args:
        model: The model the team belongs to.
        index: Position of the team in the model's team arrays.
        facility: Facility index of the township centre.
        capacity: Most residents the team may sign.
    """

    def __init__(self, model: TieredCareModel, index: int, facility: int, capacity: int) -> None:
        super().__init__(model)
        self.index = index
        self.facility = facility
        self.capacity = capacity

    @property
    def members(self) -> int:
        """Residents under contract with the team now."""
        return int(self.model.team_members[self.index])

    def __repr__(self) -> str:
        return f"DoctorTeam({self.index}, at {self.model.county.ids[self.facility]!r})"
