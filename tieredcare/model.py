"""``TieredCareModel``: one step is one day of illness, choice, service and referral.

The day, in order:

1. discharge inpatients whose stay ends (some go on to a recovery stay at the township);
2. new episodes of illness start;
3. contracted patients who keep to gatekeeping go to their family doctor;
4. everyone else needing a facility chooses one by multinomial logit;
5. each facility serves its queues, referred patients first, up to its capacity: it
   treats what it can and refers up what it cannot;
6. patients who have waited too long leave the queue: they choose again or forgo care;
7. contracts are signed at visits, renewed or lapse once a year, and the day is counted.

Patients are rows of arrays; each phase is vectorised over the patients it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mesa
import numpy as np

from tieredcare.arrays import rank_within, stochastic_round
from tieredcare.behaviour import contracts
from tieredcare.behaviour.choice import Choosers, choose
from tieredcare.behaviour.costs import CostRules, tariff, tariff_code
from tieredcare.behaviour.referral import referral_targets, treats
from tieredcare.config.schema import Scenario
from tieredcare.episodes import CHOOSING, CLOSED, IN_BED, QUEUED, EpisodeTable
from tieredcare.facilities import DoctorTeam, Facility, FacilityState
from tieredcare.metrics import MAX_WAIT_BIN, Counters
from tieredcare.streams import RandomStreams
from tieredcare.tiers import (
    CHILD,
    COUNTY,
    ELDERLY,
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

DAYS_PER_YEAR = 365
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
        state: Capacity and queues of every facility.
        facilities: Facility agents, in facility-index order.
        teams: Family-doctor team agents, in team-index order.
        episodes: Open episodes.
        counters: Daily event counts the indicators are computed from.
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
        self.rules = CostRules.from_scenario(scenario)
        self.state = FacilityState.from_county(self.county, scenario)
        self.facilities = [Facility(self, i) for i in range(self.county.n_facilities)]
        self.candidates, self.candidate_minutes = self.county.candidates(
            scenario.world.candidate_townships)
        self.refresh_capability()
        self._setup_onsets()
        self._setup_teams()
        self.episodes = EpisodeTable()
        self.day = -scenario.simulation.warmup_days
        self.counters = Counters(
            days=scenario.simulation.warmup_days + scenario.simulation.horizon_days,
            n_facilities=self.county.n_facilities,
            n_townships=len(self.county.township_ids),
            group_size=self._group_sizes(),
        )
        self.contracted = np.zeros(3, dtype=np.int64)
        self._sign(np.flatnonzero(self.streams["signup"].random(self.population.size)
                                  < self._signup_probability()))

    # ------------------------------------------------------------------ set-up

    def refresh_capability(self) -> None:
        """Recompute what each facility treats, where it refers, and its prices.

        Call after changing capability, services, beds or the reimbursement rules.
        """
        self.treats = treats(self.state.capability, self.state.services, self.state.beds)
        # Rows indexed by need = (care·5 + severity)·L + line, for 2-D look-ups.
        self.treats_by_need = self.treats.transpose(0, 2, 3, 1).reshape(-1, self.treats.shape[1])
        self.referral_to = referral_targets(self.treats, self.county.facility_minutes,
                                            self.county.in_county)
        self.cost_table, self.fund_table = tariff(self.rules, self.county.tier)

    def _setup_onsets(self) -> None:
        ep = self.scenario.episodes
        rates = np.zeros((len(EPISODE_TYPES), N_GROUPS))
        by_age = np.asarray(ep.rates())  # [type, age]
        for g in range(N_GROUPS):
            age, chronic = divmod(g, 2)
            rates[:, g] = by_age[:, age]
            if chronic:
                rates[MODERATE:, g] *= ep.chronic_multiplier
                rates[EPISODE_TYPES.index("chronic_follow_up"), g] = ep.chronic_follow_up_rate
        self.daily_onsets = rates * self.population.group_size[None, :] / DAYS_PER_YEAR
        mix = np.zeros((len(EPISODE_TYPES), len(SERVICE_LINES)))
        for k, kind in enumerate(EPISODE_TYPES):
            for line, share in ep.service_lines[kind].shares().items():
                mix[k, SERVICE_LINES.index(line)] = share
        self.line_search = (np.cumsum(mix, axis=1)
                            + np.arange(len(EPISODE_TYPES))[:, None]).ravel()

    def _setup_teams(self) -> None:
        fd = self.scenario.policy.family_doctor
        centres = np.unique(self.county.home_township_centre)
        self.team_facility = np.repeat(centres, fd.teams_per_township).astype(np.int32)
        self.team_capacity = np.full(self.team_facility.size, fd.team_capacity, dtype=np.int64)
        self.team_members = np.zeros(self.team_facility.size, dtype=np.int64)
        self.teams = [DoctorTeam(self, i, int(f), fd.team_capacity)
                      for i, f in enumerate(self.team_facility)]

    def _group_sizes(self) -> np.ndarray:
        pop = self.population
        return np.array([pop.size, np.count_nonzero(pop.age_group == ELDERLY),
                         np.count_nonzero(pop.chronic)])

    def _signup_probability(self, residents: np.ndarray | None = None) -> np.ndarray:
        p = self.scenario.policy.family_doctor.signup_probability
        table = np.array([p["elderly"], p["chronic"], p["other"]])
        group = self.population.priority_group()
        return table[group if residents is None else group[residents]]

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
        self._discharge()
        self._onsets()
        self._gatekeeping()
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
        ep, pop = self.episodes, self.population
        ref = self.scenario.policy.referral
        fac = ep["facility"][rows]
        centre = self.county.home_township_centre[pop.home[ep["resident"][rows]]]
        eligible = ((self.county.tier[fac] >= COUNTY) & (ep["severity"][rows] >= 3)
                    & ~ep["recovery"][rows]
                    & self.treats[INPATIENT, centre, 2, REHABILITATION])
        go = eligible & (self.streams["referral"].random(rows.size) < ref.down_referral_probability)
        if not go.any():
            return
        self.counters.add("referrals_down", self.row, fac[go])
        src = rows[go]
        ep.add(int(go.sum()), resident=ep["resident"][src], kind=ep["kind"][src], severity=2,
               care=INPATIENT, line=REHABILITATION, onset_day=self.day, status=QUEUED,
               facility=centre[go], queue=INPATIENT, queued_day=self.day, attempts=1,
               referred=True, referral_target=centre[go], recovery=True)

    def _onsets(self) -> None:
        rng = self.streams["onsets"]
        counts = rng.poisson(self.daily_onsets)  # [type, group]
        n = int(counts.sum())
        self.counters.onsets[self.row] += n
        if n == 0:
            return
        kind = np.repeat(np.repeat(np.arange(counts.shape[0]), counts.shape[1]), counts.ravel())
        group = np.repeat(np.tile(np.arange(counts.shape[1]), counts.shape[0]), counts.ravel())
        pop = self.population
        start, size = pop.group_start[group], pop.group_size[group]
        resident = (start + np.floor(rng.random(n) * size)).astype(np.int32)

        draw = self.streams["episode_kind"]
        severity = np.asarray(EPISODE_SEVERITY, dtype=np.int8)[kind]
        admitted = draw.random(n) < self.scenario.episodes.moderate_admission_share
        care = np.where((severity >= 3) | ((kind == MODERATE) & admitted), INPATIENT, OUTPATIENT)
        # Each type's cumulative shares, shifted by the type index, form one sorted array.
        n_lines = len(SERVICE_LINES)
        line = np.searchsorted(self.line_search, kind + draw.random(n), side="right")
        line = np.minimum(line - kind * n_lines, n_lines - 1)
        child = (pop.age_group[resident] == CHILD) & (severity >= 2) & (line == GENERAL)
        line[child] = PAEDIATRICS
        rows = self.episodes.add(n, resident=resident, kind=kind, severity=severity, care=care,
                                 line=line, onset_day=self.day, status=CHOOSING)
        pop.episode[resident] = self.episodes["id"][rows]

    def _gatekeeping(self) -> None:
        ep = self.episodes
        new = (ep["status"] == CHOOSING) & (ep["attempts"] == 0)
        rows = np.flatnonzero(new)
        clinic, centre = self._family_doctor(ep["resident"][rows])
        adherent = self.streams["gatekeeping"].random(rows.size) < \
            self.scenario.policy.family_doctor.adherence
        go = (centre >= 0) & adherent
        rows, clinic, centre = rows[go], clinic[go], centre[go]
        at_clinic = (clinic >= 0) & self.treats_by_need[self._need(rows), np.maximum(clinic, 0)]
        ep["gatekept"][rows] = True
        self._join(rows, np.where(at_clinic, clinic, centre))

    def _choose(self) -> None:
        rows = np.flatnonzero(self.episodes["status"] == CHOOSING)
        if rows.size == 0:
            return
        exhausted = self.episodes["attempts"][rows] >= self.scenario.service.max_attempts
        self._unmet(rows[exhausted])
        rows = rows[~exhausted]
        choice = choose(self.scenario.choice, self._choosers(rows), self.streams["choice"])
        self._unmet(rows[choice < 0])
        self._join(rows[choice >= 0], choice[choice >= 0])

    def _choosers(self, rows: np.ndarray) -> Choosers:
        ep, pop = self.episodes, self.population
        resident = ep["resident"][rows]
        home = pop.home[resident]
        target = ep["referral_target"][rows]
        cand = np.concatenate([self.candidates[home], target[:, None]], axis=1)
        minutes = np.concatenate(
            [self.candidate_minutes[home],
             self.county.village_minutes[home, np.maximum(target, 0)][:, None]], axis=1)
        safe = np.maximum(cand, 0)
        sev, care = ep["severity"][rows], ep["care"][rows]
        capable = self.treats_by_need[self._need(rows)[:, None], safe]
        # At a facility that cannot treat, the patient expects to pay for a consultation.
        charged = np.where(capable, care[:, None], OUTPATIENT)
        code = tariff_code(pop.scheme[resident], 0, sev)[:, None] + charged * N_SEV
        cap_left = self._cap_left(resident)
        cap_left = np.where(charged == INPATIENT, cap_left[1][:, None], cap_left[0][:, None])
        fund = np.minimum(self.fund_table[code, safe], cap_left)
        oop = self.cost_table[code, safe] - fund
        return Choosers(
            candidates=cand, minutes=minutes, oop=oop,
            wait_days=self.expected_wait[charged, safe],
            quality=self.state.quality[safe], capable=capable,
            severity=ep["severity"][rows], income=self.income[pop.income_group[resident]],
            family_doctor=np.stack(self._family_doctor(resident), axis=1),
            referral_target=target, avoid=ep["avoid"][rows], referred=ep["referred"][rows],
        )

    def _join(self, rows: np.ndarray, facility: np.ndarray) -> None:
        ep = self.episodes
        need = self._need(rows, INPATIENT)
        admits = self.treats_by_need[need, facility]
        ep["facility"][rows] = facility
        ep["queue"][rows] = np.where((ep["care"][rows] == INPATIENT) & admits, INPATIENT,
                                     OUTPATIENT)
        ep["status"][rows] = QUEUED
        ep["queued_day"][rows] = self.day
        ep["attempts"][rows] += 1

    def _serve(self) -> None:
        ep = self.episodes
        rows = np.flatnonzero(ep["status"] == QUEUED)
        if rows.size == 0:
            return
        fac, queue = ep["facility"][rows], ep["queue"][rows]
        group = fac.astype(np.int64) * 2 + queue
        # One sort key: queue, then referred patients first, then day joined; the stable
        # sort keeps row (= arrival) order among equals.
        key = (group * 2 + ~ep["referred"][rows]) * (self.total_days + 1) + (
            ep["queued_day"][rows] - self.day + self.total_days)
        order = np.argsort(key, kind="stable")
        capacity = np.stack([self.state.outpatient_slots,
                             np.maximum(self.state.beds - self.state.occupied_beds, 0)], axis=1)
        served = rank_within(group, order) < capacity.ravel()[group]
        rows, fac, queue = rows[served], fac[served], queue[served]
        # Admission queues hold only patients the facility can admit; an outpatient contact
        # treats the episode if it needs no bed and the facility has the skill, else refers.
        treated = (queue == INPATIENT) | (
            self.treats_by_need[self._need(rows, OUTPATIENT), fac]
            & (ep["care"][rows] == OUTPATIENT))
        self._record_contacts(rows, fac, treated)
        self._admit(rows[queue == INPATIENT])
        self._close_treated(rows[(queue == OUTPATIENT) & treated])
        self._refer_up(rows[~treated])

    def _record_contacts(self, rows: np.ndarray, fac: np.ndarray, treated: np.ndarray) -> None:
        """Count the served contacts and charge the patients."""
        ep, pop, c, r = self.episodes, self.population, self.counters, self.row
        queue, resident = ep["queue"][rows], ep["resident"][rows]
        c.add("visits", r, fac[queue == OUTPATIENT])
        c.add("admissions", r, fac[queue == INPATIENT])
        c.add("recovery_admissions", r, fac[ep["recovery"][rows]])
        c.add("unreferred", r, fac[~ep["referred"][rows]])
        tier = self.county.tier[fac]
        wait = np.minimum(self.day - ep["queued_day"][rows], MAX_WAIT_BIN)
        bins = c.wait_hist.shape[2]
        c.wait_hist[r] += np.bincount(tier * bins + wait, minlength=c.wait_hist[r].size
                                      ).reshape(c.wait_hist[r].shape).astype(np.int32)
        code = tariff_code(pop.scheme[resident], queue, ep["severity"][rows])
        paid = queue.astype(np.int64) * pop.size + resident  # index into fund_paid.ravel()
        cap_left = self.rules.annual_cap[queue] - pop.fund_paid.ravel()[paid]
        fund = np.minimum(self.fund_table[code, fac], np.maximum(cap_left, 0.0))
        oop = self.cost_table[code, fac] - fund
        np.add.at(pop.fund_paid.ravel(), paid, fund)
        ep["oop"][rows] += oop
        c.add("oop", r, fac, oop)
        c.add("fund", r, fac, fund)
        self._family_doctor_contacts(rows, fac, wait, treated)

    def _admit(self, rows: np.ndarray) -> None:
        ep = self.episodes
        fac = ep["facility"][rows]
        mean = self.state.stay_days[fac, ep["severity"][rows]]
        mean = np.where(ep["recovery"][rows], self.scenario.policy.referral.recovery_stay_days,
                        mean)
        # Gamma(2) stays: right-skewed like real lengths of stay, with the configured mean.
        stay = np.maximum(stochastic_round(self.streams["stay"].gamma(2.0, mean / 2.0),
                                           self.streams["stay"]), 1)
        ep["status"][rows] = IN_BED
        ep["discharge_day"][rows] = self.day + stay
        self.state.occupied_beds += np.bincount(fac, minlength=self.county.n_facilities)
        self._count_treated(rows[~ep["recovery"][rows]])

    def _close_treated(self, rows: np.ndarray) -> None:
        self._close(rows)
        self._count_treated(rows)

    def _close(self, rows: np.ndarray) -> None:
        """End episodes; they leave the table at the next compaction."""
        ep, pop = self.episodes, self.population
        ep["status"][rows] = CLOSED
        resident = ep["resident"][rows]
        latest = pop.episode[resident] == ep["id"][rows]
        pop.episode[resident[latest]] = -1

    def _count_treated(self, rows: np.ndarray) -> None:
        """Count episodes whose treatment was given today."""
        ep, pop, c, r = self.episodes, self.population, self.counters, self.row
        fac, resident = ep["facility"][rows], ep["resident"][rows]
        c.add("treated", r, fac)
        oop = ep["oop"][rows]
        c.episode_oop[r] += float(oop.sum())
        income = self.income[pop.income_group[resident]]
        c.catastrophic[r] += int(np.count_nonzero(
            oop >= self.scenario.costs.catastrophic_threshold * income))
        if self.day >= 0:
            township = self.county.village_township[pop.home[resident]].astype(np.int64)
            c.flows += np.bincount(township * c.n_facilities + fac, minlength=c.flows.size
                                   ).reshape(c.flows.shape)

    def _refer_up(self, rows: np.ndarray) -> None:
        ep = self.episodes
        fac = ep["facility"][rows]
        self.counters.add("referrals_up", self.row, fac)
        ep["referral_target"][rows] = self.referral_to[ep["care"][rows], fac,
                                                       ep["severity"][rows], ep["line"][rows]]
        ep["referred"][rows] = True
        ep["avoid"][rows] = fac
        self._rechoose(rows)

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
        self._family_doctor_contacts(rows, ep["facility"][rows], None, None)
        forgo = self.streams["balking"].random(rows.size) < \
            np.asarray(self.scenario.service.forgo_probability)[ep["severity"][rows] - 1]
        self._unmet(rows[forgo])
        ep["avoid"][rows[~forgo]] = ep["facility"][rows[~forgo]]
        self._rechoose(rows[~forgo])

    def _rechoose(self, rows: np.ndarray) -> None:
        ep = self.episodes
        ep["status"][rows] = CHOOSING
        ep["facility"][rows] = -1

    def _unmet(self, rows: np.ndarray) -> None:
        self._close(rows)
        self.counters.unmet[self.row] += rows.size

    # ------------------------------------------------------------------ family doctors

    def _family_doctor_contacts(self, rows: np.ndarray, fac: np.ndarray,
                                wait: np.ndarray | None, treated: np.ndarray | None) -> None:
        """Score contacts with one's own family doctor; sign unsigned visitors up.

        Args:
            rows: Episodes served (``wait`` given) or leaving the queue (``wait`` None).
            fac: Their facility.
            wait: Days waited by served contacts.
            treated: Whether each served contact treated the episode (else it referred).
        """
        ep, pop = self.episodes, self.population
        resident = ep["resident"][rows]
        team = pop.team[resident]
        clinic, centre = self._family_doctor(resident)
        own = (team >= 0) & ((fac == centre) | (fac == clinic))
        if wait is None:
            np.add.at(pop.contacts_bad, resident[own], 1)
            return
        fd = self.scenario.policy.family_doctor
        good = own & treated & (wait <= fd.satisfactory_wait_days)
        np.add.at(pop.contacts_good, resident[good], 1)
        np.add.at(pop.contacts_bad, resident[own & ~good], 1)
        home_centre = self.county.home_township_centre[pop.home[resident]]
        visitor = (team < 0) & (fac == home_centre) & ~ep["recovery"][rows]
        visitor &= self.streams["signup"].random(rows.size) < fd.signup_at_visit
        if visitor.any():
            self._sign(np.unique(resident[visitor]))

    def _family_doctor(self, resident: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Facilities of each resident's family-doctor team: village clinic and centre.

        Returns:
            ``(clinic, centre)``; -1 for residents without a contract, and clinic -1 when
            village doctors are not part of the teams.
        """
        team = self.population.team[resident]
        signed = team >= 0
        centre = np.where(signed, self.team_facility[np.maximum(team, 0)], -1)
        if not self.scenario.policy.family_doctor.village_doctors_in_team:
            return np.full_like(centre, -1), centre
        clinic = self.county.villages[self.population.home[resident]]
        return np.where(signed, clinic, -1), centre

    def _sign(self, residents: np.ndarray) -> None:
        """Place applicants (in random order) with their township centre's teams."""
        pop = self.population
        residents = residents[pop.team[residents] < 0]
        residents = self.streams["signup"].permutation(residents)
        centre = self.county.home_township_centre[pop.home[residents]]
        team = contracts.assign_teams(centre, self.team_facility,
                                      self.team_capacity - self.team_members)
        placed = residents[team >= 0]
        pop.team[placed] = team[team >= 0]
        self.team_members += np.bincount(team[team >= 0], minlength=self.team_members.size)
        self._count_contracts(placed, +1)

    def _count_contracts(self, residents: np.ndarray, sign: int) -> None:
        pop = self.population
        self.contracted += sign * np.array([
            residents.size, np.count_nonzero(pop.age_group[residents] == ELDERLY),
            np.count_nonzero(pop.chronic[residents])])

    def _renew_contracts(self) -> None:
        """Annual renewal: contracts renew or lapse by satisfaction; others may sign."""
        pop, fd = self.population, self.scenario.policy.family_doctor
        rng = self.streams["renewal"]
        signed = np.flatnonzero(pop.team >= 0)
        keep = rng.random(signed.size) < contracts.renewal_chance(
            pop.contacts_good[signed], pop.contacts_bad[signed], fd.renewal_probability,
            fd.renewal_satisfaction_effect)
        lapsed = signed[~keep]
        self.team_members -= np.bincount(pop.team[lapsed], minlength=self.team_members.size)
        pop.team[lapsed] = -1
        self._count_contracts(lapsed, -1)
        pop.contacts_good[:] = 0
        pop.contacts_bad[:] = 0
        unsigned = np.ones(pop.size, dtype=bool)
        unsigned[signed] = False
        candidates = np.flatnonzero(unsigned)
        chance = contracts.steady_signup_chance(self._signup_probability(candidates),
                                                fd.renewal_probability)
        self._sign(candidates[rng.random(candidates.size) < chance])

    # ------------------------------------------------------------------ end of day

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
            self._renew_contracts()
        if day_of_year == DAYS_PER_YEAR - 1:
            self.population.fund_paid[:] = 0.0  # caps are per calendar year
        c.contracted[r] = self.contracted

    # ------------------------------------------------------------------ views

    def _need(self, rows: np.ndarray, care: int | None = None) -> np.ndarray:
        """Row of each episode's needs in ``treats_by_need`` (its own care type by default)."""
        ep = self.episodes
        care_type = ep["care"][rows] if care is None else care
        return (care_type * N_SEV + ep["severity"][rows]) * len(SERVICE_LINES) + ep["line"][rows]

    def _cap_left(self, resident: np.ndarray) -> np.ndarray:
        """What remains of each resident's annual caps [care type, n] [CNY]."""
        left = self.rules.annual_cap[:, None] - self.population.fund_paid[:, resident]
        return np.maximum(left, 0.0)

    @property
    def expected_wait(self) -> np.ndarray:
        """Expected wait by [queue type, facility] from yesterday's queues [days]."""
        return self.state.expected_wait()

    @property
    def income(self) -> np.ndarray:
        """Annual income of each income group [CNY]."""
        return np.asarray(self.scenario.population.annual_income)

    def patient(self, i: int) -> dict[str, object]:
        """Everything about resident ``i``: attributes, contract and open episode."""
        info = self.population.resident(i)
        home = self.population.home[i]
        info["home_village_id"] = self.county.ids[self.county.villages[home]]
        clinic, centre = self._family_doctor(np.array([i]))
        info["family_doctor"] = [self.county.ids[f] for f in (clinic[0], centre[0]) if f >= 0]
        rows = np.flatnonzero(self.episodes["resident"] == i)
        info["open_episodes"] = [self.episodes.row(int(k)) for k in rows]
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
