"""``TieredCareModel``: one step is one day of illness, choice, service and referral.

The day, in order:

0. levers whose start or end day it is switch on or off; a signup campaign signs its day's
   residents;
1. inpatients whose stay ends are discharged (some go on to a recovery stay at the
   township centre);
2. new episodes of illness start;
3. contracted patients who keep to gatekeeping go to their family doctor;
4. everyone else needing a facility chooses one by multinomial logit;
5. each facility serves its queues, referred patients first, up to its capacity (part of
   it reserved for referred patients if the policy says so): it treats what it can and
   refers up what it cannot;
6. patients who have waited too long leave the queue: they choose again or forgo care;
7. queues are counted, contracts renewed once a year, and the day is recorded.

Patients are rows of arrays; each phase is vectorised over the patients it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mesa
import numpy as np

from tieredcare.arrays import rank_within, stochastic_round
from tieredcare.behaviour.choice import Choosers, choose
from tieredcare.behaviour.costs import (
    CONTRACTED_ELSEWHERE,
    CostRules,
    charge_code,
    out_of_pocket,
    patient_code,
)
from tieredcare.behaviour.referral import referral_targets, treats
from tieredcare.config.policy import in_force, levers
from tieredcare.config.schema import Scenario
from tieredcare.episodes import CHOOSING, CLOSED, IN_BED, QUEUED, EpisodeTable
from tieredcare.facilities import Facility, FacilityState, capacity_in_force
from tieredcare.family_doctors import FamilyDoctors
from tieredcare.metrics import MAX_WAIT_BIN, Counters
from tieredcare.streams import RandomStreams
from tieredcare.tiers import (
    CHILD,
    CHRONIC_FOLLOW_UP,
    COUNTY,
    DAYS_PER_YEAR,
    ELDERLY,
    EMERGENCY_LINES,
    EPISODE_SEVERITY,
    EPISODE_TYPES,
    GENERAL,
    INPATIENT,
    MODERATE,
    OUTPATIENT,
    PAEDIATRICS,
    REHABILITATION,
    SERVICE_LINES,
)
from tieredcare.world.network import CountyMap, county_map
from tieredcare.world.population import N_GROUPS, Population

N_SEV = 5  # severities 0–4 index the capability tables
ONSET_BLOCK_DAYS = 32
"""Days of onsets drawn together: fewer numpy calls per day, little memory."""


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
        self.family_doctors = FamilyDoctors(self)
        self._setup_onsets()
        self.episodes = EpisodeTable()
        self.day = -scenario.simulation.warmup_days
        self._block_end = self.day  # no onsets drawn yet
        self.counters = Counters(
            days=scenario.simulation.warmup_days + scenario.simulation.horizon_days,
            n_facilities=self.county.n_facilities,
            n_townships=len(self.county.township_ids),
            group_size=self._group_sizes(),
        )
        self.timeline: list[dict[str, object]] = []
        self._levers = levers(scenario.policy)
        self._switch_days = {day for lever in self._levers.values()
                             for day in (lever.start_day, lever.end_day) if day is not None}
        self._switches: tuple[bool, ...] | None = None
        self._update_policy()
        self.family_doctors.sign_at_start()

    # ------------------------------------------------------------------ set-up

    def _setup_onsets(self) -> None:
        ep = self.scenario.episodes
        rates = np.zeros((len(EPISODE_TYPES), N_GROUPS))
        by_age = np.asarray(ep.rates())  # [type, age]
        for g in range(N_GROUPS):
            age, chronic = divmod(g, 2)
            rates[:, g] = by_age[:, age]
            if chronic:
                rates[MODERATE:, g] *= ep.chronic_multiplier
                rates[CHRONIC_FOLLOW_UP, g] = ep.chronic_follow_up_rate
        self.daily_onsets = rates * self.population.group_size[None, :] / DAYS_PER_YEAR
        mix = np.zeros((len(EPISODE_TYPES), len(SERVICE_LINES)))
        for k, kind in enumerate(EPISODE_TYPES):
            for line, share in ep.service_lines[kind].shares().items():
                mix[k, SERVICE_LINES.index(line)] = share
        # Each type's cumulative shares, shifted by the type index, form one sorted array.
        self.line_search = (np.cumsum(mix, axis=1)
                            + np.arange(len(EPISODE_TYPES))[:, None]).ravel()
        self.emergency_line = np.isin(np.arange(len(SERVICE_LINES)), EMERGENCY_LINES)

    def _setup_choice_sets(self) -> None:
        """The candidate facilities of each village, and which facilities those are."""
        county = self.county
        cand, minutes = county.candidates(self.scenario.world.candidate_townships)
        self.candidates, self.candidate_minutes = cand.astype(np.intp), minutes
        villages = np.arange(cand.shape[0])
        self.considered = np.zeros((villages.size, county.n_facilities), dtype=bool)
        self.considered[villages[:, None], cand] = True

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
        self.rules = CostRules.build(self.policy, self.scenario.costs, self.county.tier)
        self.state.set_capacity(*capacity_in_force(self.base_state, self.county, self.policy))
        self.reserved = np.asarray(self.policy.reserved_slots.by_tier())[self.county.tier]
        self.family_doctors.refresh(self.policy.family_doctor.combination.enabled)
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
                                            county.in_county)

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
        """Simulate one day."""
        self._update_policy()
        self.family_doctors.campaign_day(self.day)
        self._discharge()
        self._gatekeeping(self._onsets())
        self._choose()
        self._serve()
        self._leave_queues()
        self._end_of_day()
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

    # ------------------------------------------------------------------ phases

    def _discharge(self) -> None:
        ep = self.episodes
        out = (ep["status"] == IN_BED) & (ep["discharge_day"] <= self.day)
        if not out.any():
            return
        rows = np.flatnonzero(out)
        fac = ep["facility"][rows]
        self.state.occupied_beds -= np.bincount(fac, minlength=self.county.n_facilities)
        self._close(rows)
        self._refer_down(rows)

    def _refer_down(self, rows: np.ndarray) -> None:
        """Send some discharged hospital inpatients to a recovery stay at their township."""
        ep = self.episodes
        fac = ep["facility"][rows]
        centre = self._home_centre(rows)
        eligible = ((self.county.tier[fac] >= COUNTY) & (ep["severity"][rows] >= 3)
                    & ~ep["recovery"][rows]
                    & self.treats[INPATIENT, centre, 2, REHABILITATION])
        chance = self.policy.referral.down_referral_probability
        go = np.flatnonzero(eligible)
        go = go[self._draw("referral", rows[go]) < chance]
        if go.size == 0:
            return
        self.counters.add("referrals_down", self.row, fac[go])
        src = rows[go]
        self.episodes.add(
            go.size, resident=ep["resident"][src], home=ep["home"][src],
            kind=ep["kind"][src], severity=2,
            care=INPATIENT, line=REHABILITATION, onset_day=self.day, status=QUEUED,
            facility=centre[go], queue=INPATIENT, queued_day=self.day, attempts=1,
            referred=True, referral_target=centre[go], recovery=True)

    def _onsets(self) -> np.ndarray:
        """Open today's new episodes; returns their rows."""
        if self.day >= self._block_end:
            self._draw_onsets(self.day)
        first, last = self._onset_bounds[self.day - self._block_start: self.day
                                         - self._block_start + 2]
        n = int(last - first)
        self.counters.onsets[self.row] += n
        block = self._block
        rows = self.episodes.add(n, resident=block["resident"][first:last],
                                 home=block["home"][first:last],
                                 kind=block["kind"][first:last],
                                 severity=block["severity"][first:last],
                                 care=block["care"][first:last], line=block["line"][first:last],
                                 onset_day=self.day, status=CHOOSING)
        self.population.episode[block["resident"][first:last]] = self.episodes["id"][rows]
        return rows

    def _draw_onsets(self, day: int) -> None:
        """Draw the onsets of the next ``ONSET_BLOCK_DAYS`` days at once (fewer, bigger calls)."""
        rng, draw, pop = self.streams["onsets"], self.streams["episode_kind"], self.population
        counts = rng.poisson(self.daily_onsets, size=(ONSET_BLOCK_DAYS, *self.daily_onsets.shape))
        per_day = counts.reshape(ONSET_BLOCK_DAYS, -1)  # [day, type × group]
        code = np.repeat(np.tile(np.arange(per_day.shape[1]), ONSET_BLOCK_DAYS), per_day.ravel())
        kind, group = np.divmod(code, N_GROUPS)
        n = code.size
        resident = (pop.group_start[group] + np.floor(rng.random(n) * pop.group_size[group])
                    ).astype(np.intp)
        severity = np.asarray(EPISODE_SEVERITY, dtype=np.int8)[kind]
        admitted = draw.random(n) < self.scenario.episodes.moderate_admission_share
        care = np.where((severity >= 3) | ((kind == MODERATE) & admitted), INPATIENT, OUTPATIENT)
        n_lines = len(SERVICE_LINES)
        line = np.searchsorted(self.line_search, kind + draw.random(n), side="right")
        line = np.minimum(line - kind * n_lines, n_lines - 1)
        child = (pop.age_group[resident] == CHILD) & (severity >= 2) & (line == GENERAL)
        line[child] = PAEDIATRICS
        self._block = {"resident": resident, "home": pop.home[resident].astype(np.intp),
                       "kind": kind, "severity": severity, "care": care,
                       "line": line}
        self._onset_bounds = np.concatenate([[0], np.cumsum(per_day.sum(axis=1))])
        self._block_start, self._block_end = day, day + ONSET_BLOCK_DAYS

    def _gatekeeping(self, rows: np.ndarray) -> None:
        """New episodes of contracted patients who keep to gatekeeping go to their team.

        The team sits at the home township centre; with village doctors in the team, the
        village clinic sees the patient first if it can treat the episode (see
        :meth:`FamilyDoctors.village_sites`).
        """
        ep, county = self.episodes, self.county
        rows = rows[self.population.team[ep["resident"][rows]] >= 0]
        adherence = self.policy.family_doctor.gatekeeping.adherence
        rows = rows[self._draw("gatekeeping", rows) < adherence]
        home = ep["home"][rows]
        centre, *clinic = self.family_doctors.village_sites(combination=False)
        facility = centre[home]
        if clinic:  # village doctors are in the team
            clinic = clinic[0][home]
            at_clinic = self.treats_by_need.ravel().take(
                self._need(rows) * county.n_facilities + clinic)
            facility = np.where(at_clinic, clinic, facility)
        ep["gatekept"][rows] = True
        self._join(rows, facility)

    def _choose(self) -> None:
        rows = np.flatnonzero(self.episodes["status"] == CHOOSING)
        if rows.size == 0:
            return
        exhausted = self.episodes["attempts"][rows] >= self.scenario.service.max_attempts
        self._unmet(rows[exhausted])
        rows = rows[~exhausted]
        choice = choose(self.scenario.choice, self._choosers(rows),
                        self._draw("choice", rows, self.episodes["attempts"][rows]))
        self._unmet(rows[choice < 0])
        self._join(rows[choice >= 0], choice[choice >= 0])

    def _choosers(self, rows: np.ndarray) -> Choosers:
        ep = self.episodes
        resident, home = ep["resident"][rows], ep["home"][rows]
        target = ep["referral_target"][rows]
        cand = self.candidates.take(home, axis=0)
        minutes = self.candidate_minutes.take(home, axis=0)
        n_fac = self.county.n_facilities
        # A referral to a facility the village does not consider adds a last column (-1,
        # closed, for everyone else), so no facility is listed twice.
        at_target = home * np.int64(n_fac) + np.maximum(target, 0)
        extra = (target >= 0) & ~self.considered.ravel().take(at_target)
        safe = cand  # a facility index in every column, for look-ups
        if extra.any():
            cand = np.column_stack([cand, np.where(extra, target, -1)])
            safe = np.column_stack([safe, np.maximum(target, 0)])
            minutes = np.column_stack([minutes,
                                       self.county.village_minutes.ravel().take(at_target)])
        capable = self.treats_by_need.ravel().take(self._need(rows)[:, None] * n_fac + safe)
        # At a facility that cannot treat, the patient expects to pay for a consultation.
        # OUTPATIENT (0) where not capable.
        charged = capable * ep["care"][rows][:, None]  # int8
        contract, own_doctor = self._contract_status(rows, safe)
        oop, _ = self._price(rows, resident, charged, contract, safe)
        return Choosers(
            candidates=cand, minutes=minutes, oop=oop,
            wait_days=self.state.expected_wait().ravel().take(charged * np.int64(n_fac) + safe),
            quality=self.state.quality.take(safe), capable=capable,
            severity=ep["severity"][rows], income=self._income_of(resident),
            own_doctor=own_doctor, referral_target=target, avoid=ep["avoid"][rows],
            referred=ep["referred"][rows],
        )

    def _contract_status(self, rows: np.ndarray, fac: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Each episode's contract relative to each facility ([n] or [n, C] facilities).

        Returns:
            ``(status, own)``: not contracted (0), contracted elsewhere (1) or here (2)
            and whether the facility is one the contract covers.
        """
        fd = self.family_doctors
        signed = self.population.team[self.episodes["resident"][rows]] >= 0
        own = fd.covers(fd.contract_covers, rows, fac, signed)
        if fac.ndim == 2:
            signed = signed[:, None]
        # int8 keeps the arithmetic on [n, C] arrays small.
        return own + signed * np.int8(CONTRACTED_ELSEWHERE), own

    def _price(self, rows: np.ndarray, resident: np.ndarray, care: np.ndarray,
               contract: np.ndarray, fac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Out-of-pocket and insurer payment for episodes' care at facilities.

        ``care``, ``contract`` and ``fac`` are shaped [n] or [n, C]; the episode's own
        attributes (scheme, severity, referral, recovery) broadcast along the rows.
        """
        ep, rules, pop = self.episodes, self.rules, self.population
        col = (lambda a: a[:, None]) if fac.ndim == 2 else (lambda a: a)
        exempt = ep["referred"][rows]
        if self.policy.referral_incentives.emergencies_exempt:
            exempt = exempt | self.emergency_line[ep["line"][rows]]
        # Flat positions in the [code, F] tables: one 1-D take is cheaper than 2-D indexing.
        n_fac = np.int64(rules.cost.shape[1])
        patient = patient_code(pop.scheme[resident], ep["severity"][rows], exempt) * n_fac
        at = col(patient) + charge_code(care, contract) * n_fac + fac
        cost = rules.cost.ravel().take(at)
        # What is left of each patient's annual caps, outpatient and inpatient.
        left = np.maximum(rules.annual_cap[:, None] - pop.fund_paid.take(resident, axis=1), 0.0)
        cap_left = np.where(care, col(left[INPATIENT]), col(left[OUTPATIENT]))
        if not (rules.cumulative_deductible or rules.recovery_deductible_waived):
            # The table's payment already has the deductible, ratio and contact cap applied.
            fund = np.minimum(rules.fund.ravel().take(at), cap_left)
            return cost - fund, fund
        offset = np.where(care == INPATIENT, col(self._deductible_offset(rows)), 0.0)
        deductible = np.maximum(rules.deductible.ravel().take(at) - offset, 0.0)
        return out_of_pocket(cost, deductible, rules.ratio.ravel().take(at), cap_left,
                             rules.contact_cap.ravel().take(at))

    def _deductible_offset(self, rows: np.ndarray) -> np.ndarray:
        """Part of the deductible each episode does not pay again [CNY].

        With the cumulative deductible, an episode referred upward has the referring tier's
        inpatient deductible counted; a recovery stay may be free of the deductible.
        """
        ep, rules = self.episodes, self.rules
        offset = np.zeros(rows.size)
        if rules.cumulative_deductible:
            tier = ep["referral_tier"][rows]
            offset = np.where(tier >= 0, rules.inpatient_deductible[np.maximum(tier, 0)], 0.0)
        if rules.recovery_deductible_waived:
            offset = np.where(ep["recovery"][rows], np.inf, offset)
        return offset

    def _join(self, rows: np.ndarray, facility: np.ndarray) -> None:
        ep = self.episodes
        admits = self._takes_on(rows, facility, INPATIENT)
        ep["facility"][rows] = facility
        ep["queue"][rows] = np.where((ep["care"][rows] == INPATIENT) & admits, INPATIENT,
                                     OUTPATIENT)
        ep["status"][rows] = QUEUED
        ep["queued_day"][rows] = self.day
        ep["attempts"][rows] += 1

    def _takes_on(self, rows: np.ndarray, facility: np.ndarray, care: int) -> np.ndarray:
        """Whether each facility takes on the episode as ``care`` (outpatient or inpatient).

        A facility takes on what it can treat; under capitation a county hospital may also
        stretch to an episode it would otherwise refer on.
        """
        # Flat positions in the [need, F] tables: one 1-D take beats 2-D fancy indexing.
        at = self._need(rows, care) * self.county.n_facilities + facility
        able = self.treats_by_need.ravel().take(at)
        if self.stretch_by_need is not None:
            draw = self._draw("capitation", rows, self.episodes["attempts"][rows])
            able |= self.stretch_by_need.ravel().take(at) & (
                draw < self.policy.capitation.strength)
        return able

    def _serve(self) -> None:
        ep = self.episodes
        rows = np.flatnonzero(ep["status"] == QUEUED)
        if rows.size == 0:
            return
        fac, queue, referred = ep["facility"][rows], ep["queue"][rows], ep["referred"][rows]
        group = fac * 2 + queue
        # One sort key: queue, then referred patients first, then day joined, then row
        # (= arrival) order. Every key differs, so a fast unstable sort gives that order.
        key = (group * 2 + ~referred) * (self.total_days + 1) + (
            ep["queued_day"][rows] - self.day + self.total_days)
        rank = rank_within(group, np.argsort(key * rows.size + np.arange(rows.size)))
        capacity = np.stack([self.state.outpatient_slots,
                             np.maximum(self.state.beds - self.state.occupied_beds, 0)], axis=1)
        capacity = capacity.ravel().take(group)
        # Reserved capacity: patients without a referral may use only the open part.
        referred_ahead = np.bincount(group[referred], minlength=2 * self.county.n_facilities
                                     )[group] if referred.any() else 0
        open_part = np.floor(capacity * (1.0 - self.reserved.take(fac)))
        served = (rank < capacity) & (referred | (rank - referred_ahead < open_part))
        rows, fac, queue = rows[served], fac[served], queue[served]
        treatable = self._takes_on(rows, fac, OUTPATIENT)
        # Admission queues hold only patients the facility can admit; an outpatient contact
        # treats the episode if it needs no bed and the facility can treat it, else refers.
        treated = (queue == INPATIENT) | (treatable & (ep["care"][rows] == OUTPATIENT))
        sent_down = treated & self._sends_follow_up_down(rows, fac)
        treated &= ~sent_down
        self._record_contacts(rows, fac, treated)
        self._admit(rows[queue == INPATIENT])
        self._close(rows[(queue == OUTPATIENT) & treated])
        # A recovery stay continues an illness whose treatment was counted already.
        self._count_treated(rows[treated & ~ep["recovery"][rows]])
        self._refer(rows[sent_down], down=True)
        self._refer(rows[~treated & ~sent_down], down=False)

    def _sends_follow_up_down(self, rows: np.ndarray, fac: np.ndarray) -> np.ndarray:
        """Under capitation: county hospitals send chronic follow-up down to the township."""
        strength = self.policy.capitation.strength
        if strength == 0.0:
            return np.zeros(rows.size, dtype=bool)
        follow_up = (self.episodes["kind"][rows] == CHRONIC_FOLLOW_UP) & \
            (self.county.tier[fac] == COUNTY) & self.county.in_county[fac]
        return follow_up & (self._draw("follow_up", rows) < strength)

    def _record_contacts(self, rows: np.ndarray, fac: np.ndarray, treated: np.ndarray) -> None:
        """Count the served contacts and charge the patients."""
        ep, pop, c, r = self.episodes, self.population, self.counters, self.row
        queue, resident = ep["queue"][rows], ep["resident"][rows]
        c.add_events(r, fac, visits=queue == OUTPATIENT, admissions=queue == INPATIENT,
                     recovery_admissions=ep["recovery"][rows], unreferred=~ep["referred"][rows])
        wait = np.minimum(self.day - ep["queued_day"][rows], MAX_WAIT_BIN)
        bins = c.wait_hist.shape[2]
        c.wait_hist[r] += np.bincount(self.county.tier[fac] * bins + wait,
                                      minlength=c.wait_hist[r].size
                                      ).reshape(c.wait_hist[r].shape).astype(np.int32)
        contract, own = self._contract_status(rows, fac)
        oop, fund = self._price(rows, resident, queue, contract, fac)
        # Same dtype on both sides: np.add.at is many times faster without casting.
        np.add.at(pop.fund_paid.ravel(), queue.astype(np.int64) * pop.size + resident,
                  fund.astype(pop.fund_paid.dtype))
        ep["oop"][rows] += oop
        c.add("oop", r, fac, oop)
        c.add("fund", r, fac, fund)
        fd = self.family_doctors
        if fd.contract_covers is not fd.team_covers:  # "1+1+1": the team covers less
            own = fd.covers(fd.team_covers, rows, fac)
        fd.score_contacts(rows, fac, own, wait, treated)

    def _admit(self, rows: np.ndarray) -> None:
        ep = self.episodes
        fac = ep["facility"][rows]
        mean = self.state.stay_days[fac, ep["severity"][rows]]
        mean = np.where(ep["recovery"][rows], self.policy.referral.recovery_stay_days, mean)
        # Gamma(2) stays (a sum of two exponentials): right-skewed like real lengths of
        # stay, with the configured mean.
        u1, u2, u3 = self._draw("stay", rows, np.arange(3)[:, None])
        stay = mean / 2.0 * -(np.log1p(-u1) + np.log1p(-u2))
        stay = np.maximum(stochastic_round(stay, u3), 1)
        ep["status"][rows] = IN_BED
        ep["discharge_day"][rows] = self.day + stay
        self.state.occupied_beds += np.bincount(fac, minlength=self.county.n_facilities)

    def _close(self, rows: np.ndarray) -> None:
        """End episodes; they leave the table at the next compaction."""
        ep, pop = self.episodes, self.population
        ep["status"][rows] = CLOSED
        resident = ep["resident"][rows]
        latest = pop.episode[resident] == ep["id"][rows]
        pop.episode[resident[latest]] = -1

    def _count_treated(self, rows: np.ndarray) -> None:
        """Count episodes whose treatment was given today."""
        ep, c, r = self.episodes, self.counters, self.row
        fac, resident = ep["facility"][rows], ep["resident"][rows]
        c.add("treated", r, fac)
        oop = ep["oop"][rows]
        c.episode_oop[r] += float(oop.sum())
        income = self._income_of(resident)
        c.catastrophic[r] += int(np.count_nonzero(
            oop >= self.scenario.costs.catastrophic_threshold * income))
        if self.day >= 0:
            township = self.county.village_township[ep["home"][rows]].astype(np.int64)
            c.flows += np.bincount(township * c.n_facilities + fac, minlength=c.flows.size
                                   ).reshape(c.flows.shape)

    def _refer(self, rows: np.ndarray, down: bool) -> None:
        """Refer episodes on.

        Upward: the patient chooses again tomorrow, holding a referral to the nearest
        capable facility. Downward (chronic follow-up under capitation): the patient is
        booked into the home township centre's queue.
        """
        if rows.size == 0:
            return
        ep = self.episodes
        fac = ep["facility"][rows]
        self.counters.add("referrals_down" if down else "referrals_up", self.row, fac)
        if down:
            target = self._home_centre(rows)
        else:
            target = self.referral_to[ep["care"][rows], fac, ep["severity"][rows],
                                      ep["line"][rows]]
            target = self._to_partner_hospital(rows, target)
        ep["referral_target"][rows] = target
        ep["referral_tier"][rows] = self.county.tier[fac]
        ep["referred"][rows] = True
        ep["avoid"][rows] = fac
        if down:
            self._join(rows, target)
        else:
            self._rechoose(rows)

    def _to_partner_hospital(self, rows: np.ndarray, target: np.ndarray) -> np.ndarray:
        """With "1+1+1" contracts, refer to the contract's county or city hospital if able."""
        if not self.policy.family_doctor.combination.enabled or rows.size == 0:
            return target
        ep = self.episodes
        covered = self.family_doctors.facilities(ep["resident"][rows], combination=True)
        need = self._need(rows)
        county_partner, city_partner = covered[-2], covered[-1]
        safe = np.maximum(target, 0)
        hospital_needed = (target >= 0) & (self.county.tier[safe] >= COUNTY)
        out_of_county = (target >= 0) & ~self.county.in_county[safe]
        for partner, applies in ((county_partner, hospital_needed & self.county.in_county[safe]),
                                 (city_partner, out_of_county)):
            able = (partner >= 0) & self.treats_by_need[need, np.maximum(partner, 0)]
            target = np.where(applies & able, partner, target)
        return target

    def _leave_queues(self) -> None:
        ep = self.episodes
        rows = np.flatnonzero(ep["status"] == QUEUED)
        limit = np.asarray(self.scenario.service.max_wait_days)[ep["queue"][rows]]
        rows = rows[self.day - ep["queued_day"][rows] >= limit]
        if rows.size == 0:
            return
        recovery = ep["recovery"][rows]
        # A recovery stay that never starts ends at home; the illness was already treated.
        self._close(rows[recovery])
        rows = rows[~recovery]
        fd, fac = self.family_doctors, ep["facility"][rows]
        fd.score_contacts(rows, fac, fd.covers(fd.team_covers, rows, fac))
        forgo = self._draw("balking", rows, ep["attempts"][rows]) < \
            np.asarray(self.scenario.service.forgo_probability)[ep["severity"][rows] - 1]
        self._unmet(rows[forgo])
        ep["avoid"][rows[~forgo]] = ep["facility"][rows[~forgo]]
        self._rechoose(rows[~forgo])

    def _rechoose(self, rows: np.ndarray) -> None:
        ep = self.episodes
        ep["status"][rows] = CHOOSING
        ep["facility"][rows] = -1

    def _unmet(self, rows: np.ndarray) -> None:
        if rows.size == 0:
            return
        self._close(rows)
        self.counters.unmet[self.row] += rows.size

    def _end_of_day(self) -> None:
        ep, st, c, r = self.episodes, self.state, self.counters, self.row
        queued = ep["status"] == QUEUED
        n_fac = self.county.n_facilities
        st.outpatient_queue = np.bincount(ep["facility"][queued & (ep["queue"] == OUTPATIENT)],
                                          minlength=n_fac)
        st.admission_queue = np.bincount(ep["facility"][queued & (ep["queue"] == INPATIENT)],
                                         minlength=n_fac)
        c.outpatient_queue[r] = st.outpatient_queue
        c.admission_queue[r] = st.admission_queue
        c.occupied_beds[r] = st.occupied_beds
        c.outpatient_slots[r] = st.outpatient_slots
        c.beds[r] = st.beds
        ep.compact(min_share=0.3)
        day_of_year = self.day % DAYS_PER_YEAR
        if day_of_year == self.scenario.policy.family_doctor.renewal_day_of_year:
            self.family_doctors.renew()
        if day_of_year == DAYS_PER_YEAR - 1:
            self.population.fund_paid[:] = 0.0  # caps are per calendar year
        c.contracted[r] = self.family_doctors.contracted

    # ------------------------------------------------------------------ helpers and views

    def _need(self, rows: np.ndarray, care: int | None = None) -> np.ndarray:
        """Row of each episode's needs in ``treats_by_need`` (its own care type by default)."""
        ep = self.episodes
        care_type = ep["care"][rows] if care is None else care
        # int64: callers multiply the result by the number of facilities.
        need = (care_type * N_SEV + ep["severity"][rows]) * len(SERVICE_LINES) + ep["line"][rows]
        return need.astype(np.int64)

    def _draw(self, process: str, rows: np.ndarray, salt: np.ndarray | int = 0) -> np.ndarray:
        """Uniform draws of a process keyed by episode id (common across scenarios)."""
        return self.streams.uniform(process, self.episodes["id"][rows], salt)

    def _home_centre(self, rows: np.ndarray) -> np.ndarray:
        """Township centre of each episode's home village."""
        return self.county.home_township_centre[self.episodes["home"][rows]]

    @property
    def income(self) -> np.ndarray:
        """Annual income of each income group [CNY]."""
        return np.asarray(self.scenario.population.annual_income)

    def _income_of(self, resident: np.ndarray) -> np.ndarray:
        """Annual income of each resident [CNY]."""
        return self.income.take(self.population.income_group.take(resident))

    @property
    def teams(self) -> list:
        """Family-doctor team agents."""
        return self.family_doctors.teams

    def patient(self, i: int) -> dict[str, object]:
        """Everything about resident ``i``: attributes, contract and open episodes."""
        info = self.population.resident(i)
        home = self.population.home[i]
        info["home_village_id"] = self.county.ids[self.county.villages[home]]
        combination = self.policy.family_doctor.combination.enabled
        covered = self.family_doctors.facilities(np.array([i]), combination)
        info["family_doctor"] = [self.county.ids[f[0]] for f in covered if f[0] >= 0]
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
