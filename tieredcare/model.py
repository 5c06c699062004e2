"""``TieredCareModel``: one step is one day of illness, choice, service and referral.

The day, in order (each stage a module of :mod:`tieredcare.day`):

0. levers whose start or end day it is switch on or off; a signup campaign signs its day's
   residents;
1. inpatients whose stay ends are discharged (some go on to a recovery stay at the
   township centre) — :mod:`~tieredcare.day.service`;
2. new episodes of illness start — :mod:`~tieredcare.day.onsets`;
3. contracted patients who keep to gatekeeping go to their family doctor, and
4. everyone else needing a facility chooses one by multinomial logit —
   :mod:`~tieredcare.day.seeking`;
5. each facility serves its queues, referred patients first, up to its capacity (part of
   it reserved for referred patients if the policy says so): it treats what it can and
   refers up what it cannot — :mod:`~tieredcare.day.service`, :mod:`~tieredcare.day.referral`;
6. patients who have waited too long leave the queue: they choose again or forgo care;
7. queues are counted, contracts renewed once a year, and the day is recorded —
   :mod:`~tieredcare.day.records`.

Patients are rows of arrays; each stage is vectorised over the patients it concerns. The
model holds the shared state (residents, facilities, episodes, counters, the policy in
force) and what the stages derive from it when a lever switches.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mesa
import numpy as np

from tieredcare import fast
from tieredcare.behaviour.costs import Tariffs
from tieredcare.behaviour.referral import referral_targets, treats
from tieredcare.behaviour.trust import FacilityWeights, Perception
from tieredcare.config.policy import in_force, levers
from tieredcare.config.schema import Scenario
from tieredcare.counters import Counters
from tieredcare.day import records, seeking, service
from tieredcare.day.onsets import Onsets
from tieredcare.episodes import CHOOSING, CLOSED, IN_BED, QUEUED, EpisodeTable
from tieredcare.facilities import Facility, FacilityState, capacity_in_force
from tieredcare.family_doctors import FamilyDoctors
from tieredcare.fast import choice as fast_choice
from tieredcare.fast import contacts as fast_contacts
from tieredcare.fast import draws as fast_draws
from tieredcare.fast import experiences as fast_experiences
from tieredcare.fast import lines as fast_lines
from tieredcare.fast import queues as fast_queues
from tieredcare.fast import scores as fast_scores
from tieredcare.fast import tally
from tieredcare.fast import waits as fast_waits
from tieredcare.groups import GroupCounters, income_group_of, person_cell
from tieredcare.streams import RandomStreams
from tieredcare.tiers import COUNTY, ELDERLY, EMERGENCY_LINES, SERVICE_LINES
from tieredcare.world.network import CountyMap, county_map
from tieredcare.world.population import Population

N_SEV = 5  # severities 0–4 index the capability tables


class TieredCareModel(mesa.Model):
    """A county's residents, facilities and family doctors under one scenario.

    Args:
        scenario: The validated scenario.
        base_dir: Directory that relative paths in the scenario are resolved against.
        county: A prebuilt county map (e.g. shared between runs); built from the scenario
            when omitted.

    Attributes:
        day: The day the next step simulates; negative during the warm-up.
        county: The county map (facility arrays and travel times).
        population: Residents as arrays.
        state: Capacity and queues of every facility, under the policy in force.
        facilities: Facility agents, in facility-index order.
        family_doctors: The family-doctor teams (agents) and their contracts.
        policy: The policy in force today (levers outside their window at their defaults).
        own_policies: Each county's policy as the scenario sets it, whatever the day (the
            prefecture's with the county's own levers; the scenario's for a lone county).
        county_policies: Each county's policy in force today; None for a lone county.
        tariffs: Prices under the insurance rules in force, by the patient's home county.
        episodes: Open episodes.
        counters: Daily event counts the indicators are computed from.
        timeline: Lever switches that happened, as ``{"day", "lever", "switch"}`` records.
    """

    def __init__(self, scenario: Scenario, *, base_dir: Path | None = None,
                 county: CountyMap | None = None) -> None:
        self.streams = RandomStreams(scenario.seed)
        super().__init__(rng=self.streams["mesa"])
        self.scenario = scenario
        self.county = county or county_map(scenario.world, scenario.population.residents,
                                           base_dir)
        self.population = Population.synthesise(
            scenario.population, self.county.village_population, self.streams["population"])
        self.base_state = FacilityState.from_county(self.county, scenario)
        self.state = FacilityState.from_county(self.county, scenario)
        self.facilities = [Facility(self, i) for i in range(self.county.n_facilities)]
        self._setup_choice_sets()
        # In a prefecture each county has its policy: the prefecture's with its own levers.
        self.own_policies = [scenario.county_policy(c) for c in scenario.world.counties] \
            or [scenario.policy]
        self.family_doctors = FamilyDoctors(self)
        # Every agent (facilities, doctor teams) exists now. mesa 3.3 keeps each model's id
        # counter in a class-level dict keyed by the model, which would keep every model of
        # a long-lived worker (sweeps, calibration) in memory; drop this model's entry.
        mesa.Agent._ids.pop(self, None)
        self.emergency_line = np.isin(np.arange(len(SERVICE_LINES)), EMERGENCY_LINES)
        self.groups = self._group_counters()
        self.episodes = EpisodeTable()
        self.day = -scenario.simulation.warmup_days
        self.onsets = Onsets(self)
        self.counters = Counters(
            days=scenario.simulation.warmup_days + scenario.simulation.horizon_days,
            n_facilities=self.county.n_facilities,
            n_townships=len(self.county.township_ids),
            group_size=self._group_sizes(),
        )
        self.timeline: list[dict[str, object]] = []
        self._levers = levers(scenario.policy) | {
            f"{c.name}: {key}": lever
            for k, c in enumerate(scenario.world.counties)
            for key, lever in levers(self.own_policies[k]).items()
            if getattr(c.policy, key.split(".")[0], None) is not None}
        self._switch_days = {day for lever in self._levers.values()
                             for day in (lever.start_day, lever.end_day) if day is not None}
        self._switches: tuple[bool, ...] | None = None
        self._update_policy()
        # What patients believe of each facility: learnt by village, or the truth at once.
        self.perception = Perception(scenario.trust, self.state.quality,
                                     self.county.village_population) \
            if scenario.trust.enabled else None
        self.perception_weight = (self.county.village_population[:, None]
                                  * self.considered).astype(np.float64)
        self.perception_weight_total = self.perception_weight.sum(axis=0)
        self._perception_weights = FacilityWeights.of(self.perception_weight)
        self.family_doctors.sign_at_start()
        self.choice_inputs = fast_choice.ChoiceInputs(self)
        if fast.ENABLED:
            fast_choice.warm_up(self)
            fast_contacts.warm_up(self)
            fast_queues.warm_up()
            fast_scores.warm_up(self)
            fast_waits.warm_up(self.state, scenario.service)
            fast_lines.warm_up()
            fast_draws.warm_up()
            fast_experiences.warm_up()
            tally.warm_up()

    # ------------------------------------------------------------------ set-up

    def _setup_choice_sets(self) -> None:
        """The candidate facilities of each village, and which facilities those are."""
        county = self.county
        cand, minutes = county.candidates(self.scenario.world.candidate_townships)
        self.candidates, self.candidate_minutes = cand.astype(np.intp), minutes
        # In a prefecture, villages of smaller counties have fewer candidates: -1 pads.
        self.padded_candidates = bool((cand < 0).any())
        villages, column = np.nonzero(cand >= 0)
        self.considered = np.zeros((cand.shape[0], county.n_facilities), dtype=bool)
        self.considered[villages, cand[villages, column]] = True

    def _group_counters(self) -> GroupCounters:
        pop, county = self.population, self.county
        villages = np.arange(county.n_villages)
        township_county = np.zeros(len(county.township_ids), dtype=np.int64)
        township_county[county.village_township] = county.village_county
        return GroupCounters(
            person_cell(pop.income_group, pop.age_band, pop.scheme, pop.chronic), pop.home,
            county.village_township.astype(np.int64),
            county.village_minutes[villages, county.home_township_centre],
            township_county, county.county_names)

    def _group_sizes(self) -> np.ndarray:
        pop = self.population
        return np.array([pop.size, np.count_nonzero(pop.age_group == ELDERLY),
                         np.count_nonzero(pop.chronic)])

    def _update_policy(self) -> None:
        """Switch levers on or off for today; rebuild what depends on them."""
        if self._switches is not None and self.day not in self._switch_days:
            return
        switches = tuple(lever.active_on(self.day) for lever in self._levers.values())
        if switches == self._switches:
            return
        for (key, lever), now, before in zip(self._levers.items(), switches,
                                             self._switches or (None,) * len(switches),
                                             strict=True):
            if now != before and not lever.is_default() and (now or before is not None):
                self.timeline.append({"day": self.day, "lever": key,
                                      "switch": "on" if now else "off"})
        self._switches = switches
        self.policy = in_force(self.scenario.policy, self.day)
        self.county_policies = [in_force(p, self.day) for p in self.own_policies] \
            if self.scenario.world.counties else None
        in_counties = self.county_policies or [self.policy]
        self.tariffs = Tariffs.build(in_counties, self.scenario.costs, self.county.tier,
                                     self.county.village_county)
        self.state.set_capacity(*capacity_in_force(self.base_state, self.county, self.policy,
                                                   self.county_policies))
        self.reserved = np.asarray(self.policy.reserved_slots.by_tier())[self.county.tier]
        self.family_doctors.refresh(in_counties)
        self.refresh_capability()

    def refresh_capability(self) -> None:
        """Recompute what each facility treats and where it refers (after capacity changes).

        Under capitation, county hospitals may stretch one severity level above their
        capability (``stretch``), and the community refers to them first.
        """
        st, county = self.state, self.county
        self.treats = treats(st.capability, st.services, st.beds)
        self.treats_by_need = _by_need(self.treats)
        referable = self.treats
        self.stretch_by_need = None
        if self.policy.capitation.strength > 0:
            county_hospital = (county.tier == COUNTY) & county.in_county
            stretched = treats(st.capability + county_hospital, st.services, st.beds)
            self.stretch_by_need = _by_need(stretched & ~self.treats)
            referable = stretched
        self.referral_to = referral_targets(referable, county.facility_minutes,
                                            county.facility_county)

    # ------------------------------------------------------------------ the day

    @property
    def row(self) -> int:
        """Counter row of the current day."""
        return self.day + self.scenario.simulation.warmup_days

    @property
    def total_days(self) -> int:
        """Days in a full run, warm-up included."""
        return self.counters.days

    def step(self) -> None:
        """Simulate one day: the stages of :mod:`tieredcare.day`, in order."""
        self._update_policy()
        self.family_doctors.campaign_day(self.day)
        service.discharge(self)
        seeking.seek_care(self, self.onsets.open_today())
        seeking.choose_facilities(self)
        service.serve(self)
        service.leave_queues(self)
        records.end_of_day(self)
        self.day += 1

    def run(self, progress: Callable[[int], None] | None = None) -> TieredCareModel:
        """Simulate the warm-up and the horizon.

        Args:
            progress: Called with the number of days done after each day.

        Returns:
            The model itself, for chaining.
        """
        while self.row < self.total_days:
            self.step()
            if progress is not None:
                progress(self.row)
        return self

    # ------------------------------------------------------------------ helpers and views

    def need(self, rows: np.ndarray, care: int | None = None) -> np.ndarray:
        """Row of each episode's needs in ``treats_by_need`` (its own care type by default)."""
        ep = self.episodes
        care_type = ep["care"][rows] if care is None else care
        # int64: callers multiply the result by the number of facilities.
        need = (care_type * N_SEV + ep["severity"][rows]) * len(SERVICE_LINES) + ep["line"][rows]
        return need.astype(np.int64)

    def draw(self, process: str, rows: np.ndarray, salt: np.ndarray | int = 0) -> np.ndarray:
        """Uniform draws of a process keyed by episode id (common across scenarios)."""
        return self.streams.uniform(process, self.episodes["id"][rows], salt)

    def perceived_quality(self, home: np.ndarray, facility: np.ndarray) -> np.ndarray:
        """Quality of facilities as the patients of ``home`` villages perceive it.

        Args:
            home: Home village of each patient ([n] or [n, 1]).
            facility: Facility index, broadcast against ``home`` (indices >= 0).
        """
        if self.perception is None:
            return self.state.quality.take(facility)
        return self.perception.of(home, facility)

    def perceived_by_facility(self) -> np.ndarray:
        """Each facility's perceived quality today [F].

        Averaged over the villages that consider the facility, weighted by residents.
        """
        if self.perception is None:
            return self.state.quality.astype(np.float64)
        return self.perception.facility_means(self._perception_weights)

    def home_centre(self, rows: np.ndarray) -> np.ndarray:
        """Township centre of each episode's home village."""
        return self.county.home_township_centre[self.episodes["home"][rows]]

    @property
    def income(self) -> np.ndarray:
        """Annual income of each income group [CNY]."""
        return np.asarray(self.scenario.population.annual_income)

    def income_of(self, rows: np.ndarray) -> np.ndarray:
        """Annual income of each episode's patient [CNY] (from the episode's person cell)."""
        return self.income.take(income_group_of(self.episodes["person"][rows]))

    @property
    def teams(self) -> list:
        """Family-doctor team agents."""
        return self.family_doctors.teams

    def patient(self, i: int) -> dict[str, object]:
        """Everything about resident ``i``: attributes, contract and open episodes."""
        info = self.population.resident(i)
        home = self.population.home[i]
        info["home_village_id"] = self.county.ids[self.county.villages[home]]
        combination = bool(self.family_doctors.combination[self.county.village_county[home]])
        covered = self.family_doctors.facilities(np.array([i]), combination)
        # Where a county's teams have no village doctors the centre stands in for the clinic.
        ids = [self.county.ids[f[0]] for f in covered if f[0] >= 0]
        info["family_doctor"] = list(dict.fromkeys(ids))
        ep = self.episodes
        rows = np.flatnonzero((ep["resident"] == i) & (ep["status"] != CLOSED))
        info["open_episodes"] = [ep.row(int(k)) for k in rows]
        return info

    def open_episode_counts(self) -> dict[str, int]:
        """Open episodes by state: waiting in a queue, in a bed, referred on, choosing again."""
        ep = self.episodes
        illness = ~ep["recovery"]
        status = ep["status"][illness]
        choosing = status == CHOOSING
        return {
            "waiting": int(np.count_nonzero(status == QUEUED)),
            "in_bed": int(np.count_nonzero(status == IN_BED)),
            "referred": int(np.count_nonzero(choosing & ep["referred"][illness])),
            "choosing": int(np.count_nonzero(choosing & ~ep["referred"][illness])),
        }


def _by_need(table: np.ndarray) -> np.ndarray:
    """A [care, F, severity, line] table as [need, F] rows, need = (care·5 + sev)·L + line."""
    return table.transpose(0, 2, 3, 1).reshape(-1, table.shape[1])
