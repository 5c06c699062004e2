"""Facilities and family-doctor teams as Mesa agents.

There are hundreds of facilities, not millions, so each is a :class:`mesa.Agent` with a
name, a place on the map and its queues. Their numbers live in :class:`FacilityState`
arrays (one element per facility) so the day's service is computed for all facilities at
once; an agent reads and writes its own element.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from tieredcare.arrays import made_of
from tieredcare.config.policy import Policy
from tieredcare.config.schema import Scenario
from tieredcare.tiers import LINE_INDEX, SERVICE_LINES, TIERS, TOWNSHIP

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel
    from tieredcare.world.network import CountyMap


@dataclass
class FacilityState:
    """Capacity and queues of every facility, one array element per facility.

    Attributes:
        outpatient_slots: Outpatient visits the facility can give per day.
        beds: Inpatient beds.
        quality: Quality of care under the policy in force (patients perceive it through
            :class:`~tieredcare.behaviour.trust.Perception`) [index 0–1].
        capability: Highest severity it treats.
        services: Service lines offered [F, L].
        stay_days: Mean length of stay by severity 0–4 [F, 5] [days].
        consultation_hours: Mean time a doctor spends with an outpatient [F] [hours].
        outpatient_queue: Outpatients waiting at the end of yesterday.
        admission_queue: Patients waiting for a bed at the end of yesterday.
        occupied_beds: Beds occupied now.
        outpatient_wait_hours: Mean wait for a doctor of today's outpatients (0 before the
            queues are served) [hours].
        expected_outpatient_wait: Wait for a doctor that patients expect, from the waits of
            the last days (:mod:`tieredcare.queueing`) [hours].
    """

    outpatient_slots: np.ndarray
    beds: np.ndarray
    quality: np.ndarray
    capability: np.ndarray
    services: np.ndarray
    stay_days: np.ndarray
    consultation_hours: np.ndarray
    outpatient_queue: np.ndarray
    admission_queue: np.ndarray
    occupied_beds: np.ndarray
    outpatient_wait_hours: np.ndarray
    expected_outpatient_wait: np.ndarray
    _expected_wait: tuple[tuple[np.ndarray, ...], np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False)

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
            consultation_hours=np.asarray(
                scenario.service.consultation_minutes.as_list())[county.tier] / 60.0,
            outpatient_queue=np.zeros(n, dtype=np.int64),
            admission_queue=np.zeros(n, dtype=np.int64),
            occupied_beds=np.zeros(n, dtype=np.int64),
            outpatient_wait_hours=np.zeros(n),
            expected_outpatient_wait=np.zeros(n),
        )

    def capacity(self) -> tuple[np.ndarray, ...]:
        """Copies of the capacity arrays: slots, beds, quality, capability, services."""
        return tuple(a.copy() for a in (self.outpatient_slots, self.beds, self.quality,
                                        self.capability, self.services))

    def set_capacity(self, slots: np.ndarray, beds: np.ndarray, quality: np.ndarray,
                     capability: np.ndarray, services: np.ndarray) -> None:
        """Replace the capacity arrays; queues and occupied beds carry over.

        A facility whose beds are cut below its occupancy admits nobody until enough
        patients are discharged.
        """
        self.outpatient_slots, self.beds = slots, beds
        self.quality, self.capability, self.services = quality, capability, services

    def expected_wait(self) -> np.ndarray:
        """Days a newcomer expects to wait, from yesterday's queues [queue type, F].

        Outpatient: queue / daily slots (waiting for a later day's slot; the wait for a
        doctor within the day is :attr:`expected_outpatient_wait`). Admission: queue /
        (beds / mean stay), the number of beds that free up per day.
        """
        # Asked for several times a day: kept until one of its arrays is replaced.
        made = (self.outpatient_queue, self.admission_queue, self.outpatient_slots, self.beds,
                self.stay_days)
        if not made_of(self._expected_wait, made):
            slots = np.maximum(self.outpatient_slots, 1)
            discharges = np.maximum(self.beds / np.maximum(self.stay_days[:, 3], 1.0), 1e-9)
            wait = np.stack([self.outpatient_queue / slots, self.admission_queue / discharges])
            wait.flags.writeable = False
            self._expected_wait = made, wait
        return self._expected_wait[1]


def capacity_in_force(base: FacilityState, county: CountyMap, policy: Policy,
                      county_policies: Sequence[Policy] | None = None) -> tuple[np.ndarray, ...]:
    """Facility capacity under the capacity levers of the policy in force.

    Starts from the map's capacity (``base``) and applies, in order: bed and slot scales by
    tier, doctors sent down, telemedicine, and county service lines. In a prefecture each
    county's facilities follow that county's levers, the shared hospitals the prefecture's.

    Args:
        base: Facility state built from the map alone.
        county: The county map.
        policy: The policy in force (the prefecture's, in a prefecture).
        county_policies: The policy in force in each county; ``policy`` for all if None.

    Returns:
        ``(slots, beds, quality, capability, services)`` arrays for
        :meth:`FacilityState.set_capacity`.
    """
    slots, beds, quality, capability, services = base.capacity()
    tier = county.tier
    policies = list(county_policies or [policy] * county.n_counties)
    slot_scale, bed_scale = np.ones(tier.size), np.ones(tier.size)
    for k, rules in enumerate([*policies, policy]):  # the last: shared hospitals (k = -1)
        own = county.facility_county == (k if k < len(policies) else -1)
        slot_scale[own] = np.asarray(rules.capacity.slot_scale.as_list())[tier[own]]
        bed_scale[own] = np.asarray(rules.capacity.bed_scale.as_list())[tier[own]]
    slots, beds = _whole(slots * slot_scale), _whole(beds * bed_scale)
    hospitals = county.peoples_hospitals()
    for k, rules in enumerate(policies):
        own = county.facility_county == k
        _send_doctors(rules, county, own, hospitals[k], slots, quality, capability)
        tele = rules.telemedicine
        if tele.enabled:
            linked = np.isin(tier, [TIERS.index(t) for t in tele.tiers]) & own
            quality[linked] = np.minimum(quality[linked] + tele.quality_gain, 1.0)
            raised = np.minimum(capability[linked] + tele.capability_gain, tele.capability_limit)
            capability[linked] = np.maximum(capability[linked], raised)
            services[np.ix_(linked, [LINE_INDEX[s] for s in tele.services_added])] = True
        if rules.county_services.add:
            services[hospitals[k], [LINE_INDEX[s] for s in rules.county_services.add]] = True
    return slots, beds, quality, capability, services


def _send_doctors(policy: Policy, county: CountyMap, own: np.ndarray, hospital: int,
                  slots: np.ndarray, quality: np.ndarray, capability: np.ndarray) -> None:
    """Move doctors from a county's people's hospital to its township centres, farthest first."""
    lever = policy.doctors_sent_down
    if lever.doctors == 0:
        return
    centres = np.flatnonzero((county.tier == TOWNSHIP) & own)
    centres = centres[np.argsort(-county.facility_minutes[hospital, centres], kind="stable")]
    per_centre = np.bincount(np.arange(lever.doctors) % centres.size, minlength=centres.size)
    added = np.rint(per_centre * lever.slots_per_doctor).astype(np.int64)
    slots[centres] += added
    if lever.from_county:
        slots[hospital] = max(slots[hospital] - int(added.sum()), 0)
    helped = centres[per_centre > 0]
    quality[helped] = np.minimum(quality[helped] + lever.quality_gain, 1.0)
    capability[helped] = np.maximum(capability[helped], lever.capability)


def _whole(values: np.ndarray) -> np.ndarray:
    """Capacities as whole numbers; a facility with any capacity keeps at least one."""
    whole = np.rint(values).astype(np.int64)
    return np.where((values > 0) & (whole == 0), 1, whole)


class _StateValue:
    """A facility's element of one :class:`FacilityState` array, read when asked.

    The arrays are the single source of truth (the daily service updates them for all
    facilities at once), so an agent's attributes are never out of date.
    """

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, facility: Facility | None, owner: type | None = None) -> object:
        if facility is None:
            return self
        return getattr(facility.model.state, self.name)[facility.index].item()


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

    outpatient_slots = _StateValue("Outpatient visits the facility can give per day.")
    beds = _StateValue("Inpatient beds.")
    quality = _StateValue("Perceived quality [index 0–1].")
    capability = _StateValue("Highest severity the facility treats.")
    outpatient_wait_hours = _StateValue("Mean wait for a doctor of today's outpatients [hours].")
    outpatient_queue = _StateValue("Outpatients waiting at the end of yesterday.")
    admission_queue = _StateValue("Patients waiting for a bed at the end of yesterday.")
    occupied_beds = _StateValue("Beds occupied now.")

    def __repr__(self) -> str:
        return f"Facility({self.node_id!r}, {self.tier})"


class DoctorTeam(mesa.Agent):
    """A family-doctor team based at a township centre.

    Args:
        model: The model the team belongs to.
        index: Position of the team in the model's team arrays.
        facility: Facility index of the township centre.
    """

    def __init__(self, model: TieredCareModel, index: int, facility: int) -> None:
        super().__init__(model)
        self.index = index
        self.facility = facility

    @property
    def capacity(self) -> int:
        """Most residents the team may sign."""
        return int(self.model.family_doctors.team_capacity[self.index])

    @property
    def members(self) -> int:
        """Residents under contract with the team now."""
        return int(self.model.family_doctors.team_members[self.index])

    def __repr__(self) -> str:
        return f"DoctorTeam({self.index}, at {self.model.county.ids[self.facility]!r})"
