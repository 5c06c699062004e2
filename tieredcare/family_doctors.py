"""Family-doctor teams and contracts (家庭医生签约) within a running model.

Teams are :class:`~tieredcare.facilities.DoctorTeam` agents at township centres; who is
signed with which team lives in ``Population.team``. This module keeps the team arrays,
places applicants within capacity, scores contacts for satisfaction, runs the annual
renewal and signup campaigns, and says which facilities a contract covers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.behaviour import contracts
from tieredcare.facilities import DoctorTeam
from tieredcare.tiers import CITY, ELDERLY, LOW_INCOME

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel

ONE = np.uint16(1)
"""One contact, in the counters' own dtype: np.add.at is many times faster without casting."""


class FamilyDoctors:
    """The county's family-doctor teams and their contracts.

    Args:
        model: The model the teams belong to.

    Attributes:
        team_facility: Township centre of each team.
        team_capacity: Most residents each team may sign.
        team_members: Residents signed with each team now.
        contracted: Residents under contract now: all, 65+, chronic.
        teams: The team agents.
    """

    def __init__(self, model: TieredCareModel) -> None:
        self.model = model
        county, fd = model.county, model.scenario.policy.family_doctor
        centres = np.unique(county.home_township_centre)
        self.team_facility = np.repeat(centres, fd.teams_per_township).astype(np.int32)
        self.team_capacity = np.full(self.team_facility.size, fd.team_capacity, dtype=np.int64)
        self.team_members = np.zeros(self.team_facility.size, dtype=np.int64)
        self.teams = [DoctorTeam(model, i, int(f)) for i, f in enumerate(self.team_facility)]
        self.contracted = np.zeros(3, dtype=np.int64)
        # "1+1+1" partners: the people's hospital of each village's county and the city
        # hospital nearest the village.
        self.county_partner = county.peoples_hospitals()[county.village_county]
        city = np.flatnonzero(county.tier == CITY)
        self.city_partner = city[np.argmin(county.village_minutes[:, city], axis=1)]
        self._campaign: tuple[np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ who covers whom

    def village_sites(self, combination: bool) -> list[np.ndarray]:
        """Facilities a contract covers, by home village: one [V] array per kind.

        Teams sit at the home township centre, so what a contract covers depends only on
        the resident's village. In order: the team's township centre, the village clinic
        (when village doctors are in the teams), and with "1+1+1" the people's hospital and
        a city hospital.

        Args:
            combination: Whether to include the "1+1+1" partners.
        """
        county = self.model.county
        sites = [county.home_township_centre]
        if self.model.scenario.policy.family_doctor.village_doctors_in_team:
            sites.append(county.villages)
        if combination:
            sites += [self.county_partner, self.city_partner]
        return sites

    def refresh(self, combination: bool) -> None:
        """Tabulate :meth:`village_sites` as village × facility tables for fast look-ups.

        ``team_covers`` holds the team's own facilities; ``contract_covers`` adds the
        "1+1+1" partners when that lever is in force (else it is ``team_covers`` itself).

        Args:
            combination: Whether "1+1+1" contracts are in force.
        """
        self.team_covers = self._table(self.village_sites(combination=False))
        self.contract_covers = (self._table(self.village_sites(combination=True))
                                if combination else self.team_covers)

    def _table(self, sites: list[np.ndarray]) -> np.ndarray:
        county = self.model.county
        village = np.arange(county.villages.size)
        table = np.zeros((village.size, county.n_facilities), dtype=bool)
        for facility in sites:
            table[village, facility] = True
        return table

    def covers(self, table: np.ndarray, rows: np.ndarray, facility: np.ndarray,
               signed: np.ndarray | None = None) -> np.ndarray:
        """Whether each episode's patient has a contract covering a facility.

        Args:
            table: ``team_covers`` or ``contract_covers``.
            rows: Episodes [n].
            facility: Facility of each episode [n], or candidates [n, C] (indices >= 0).
            signed: Whether each patient is under contract [n], if known already.
        """
        ep = self.model.episodes
        if signed is None:
            signed = self.model.population.team[ep["resident"][rows]] >= 0
        home = ep["home"][rows]
        if facility.ndim == 2:
            home, signed = home[:, None], signed[:, None]
        return table.ravel().take(home * np.int64(table.shape[1]) + facility) & signed

    def facilities(self, resident: np.ndarray, combination: bool) -> list[np.ndarray]:
        """Facilities each resident's contract covers; -1 where there is no contract.

        One array per kind, in the order of :meth:`village_sites`.
        """
        pop = self.model.population
        signed, home = pop.team[resident] >= 0, pop.home[resident]
        return [np.where(signed, site[home], -1) for site in self.village_sites(combination)]

    # ------------------------------------------------------------------ signing

    def sign(self, residents: np.ndarray) -> None:
        """Place applicants, in random order, with their township centre's teams."""
        pop = self.model.population
        residents = residents[pop.team[residents] < 0]
        if residents.size == 0:
            return
        residents = self.model.streams["signup"].permutation(residents)
        centre = self.model.county.home_township_centre[pop.home[residents]]
        team = contracts.assign_teams(centre, self.team_facility,
                                      self.team_capacity - self.team_members)
        placed = residents[team >= 0]
        pop.team[placed] = team[team >= 0]
        self.team_members += np.bincount(team[team >= 0], minlength=self.team_members.size)
        self._count(placed, +1)

    def _count(self, residents: np.ndarray, sign: int) -> None:
        pop = self.model.population
        self.model.groups.sign(residents, pop.home[residents], sign)
        self.contracted += sign * np.array([
            residents.size, np.count_nonzero(pop.age_group[residents] == ELDERLY),
            np.count_nonzero(pop.is_chronic(residents))])

    def sign_at_start(self) -> None:
        """Initial contracts: each resident signs with the group's coverage probability."""
        pop = self.model.population
        chance = self.coverage_target()
        self.sign(np.flatnonzero(self.model.streams["signup"].random(pop.size) < chance))

    def coverage_target(self, residents: np.ndarray | None = None) -> np.ndarray:
        """Coverage each resident's group tends to (``signup_probability``)."""
        p = self.model.scenario.policy.family_doctor.signup_probability
        table = np.array([p["elderly"], p["chronic"], p["other"]])
        group = self.model.population.priority_group()
        return table[group if residents is None else group[residents]]

    # ------------------------------------------------------------------ contacts

    def score_contacts(self, rows: np.ndarray, fac: np.ndarray, own: np.ndarray,
                       wait: np.ndarray | None = None, treated: np.ndarray | None = None
                       ) -> None:
        """Score contacts with one's own team; offer unsigned visitors a contract.

        Args:
            rows: Episodes served (``wait`` given) or leaving a queue (``wait`` None).
            fac: Their facility.
            own: Whether the facility is one of the patient's own team
                (:meth:`covers` with ``team_covers``).
            wait: Days waited by served contacts.
            treated: Whether each served contact treated the episode (else it referred).
        """
        model = self.model
        ep, pop = model.episodes, model.population
        resident = ep["resident"][rows]
        if wait is None:
            np.add.at(pop.contacts_bad, resident[own], ONE)
            return
        fd = model.scenario.policy.family_doctor
        good = own & treated & (wait <= fd.satisfactory_wait_days)
        np.add.at(pop.contacts_good, resident[good], ONE)
        np.add.at(pop.contacts_bad, resident[own & ~good], ONE)
        home_centre = model.county.home_township_centre[ep["home"][rows]]
        visitor = np.flatnonzero((pop.team[resident] < 0) & (fac == home_centre)
                                 & ~ep["recovery"][rows])
        offered = model.streams.uniform("signup_visit", ep["id"][rows[visitor]])
        visitor = visitor[offered < fd.signup_at_visit]
        if visitor.size:
            self.sign(np.unique(resident[visitor]))

    # ------------------------------------------------------------------ renewal, campaigns

    def renew(self) -> None:
        """Annual renewal: contracts renew or lapse by satisfaction; others may sign."""
        model = self.model
        pop, fd = model.population, model.scenario.policy.family_doctor
        rng = model.streams["renewal"]
        signed = np.flatnonzero(pop.team >= 0)
        keep = rng.random(signed.size) < contracts.renewal_chance(
            pop.contacts_good[signed], pop.contacts_bad[signed], fd.renewal_probability,
            fd.renewal_satisfaction_effect, fd.renewal_reference_satisfaction)
        lapsed = signed[~keep]
        self.team_members -= np.bincount(pop.team[lapsed], minlength=self.team_members.size)
        pop.team[lapsed] = -1
        self._count(lapsed, -1)
        pop.contacts_good[:] = 0
        pop.contacts_bad[:] = 0
        unsigned = np.ones(pop.size, dtype=bool)
        unsigned[signed] = False
        candidates = np.flatnonzero(unsigned)
        chance = contracts.steady_signup_chance(self.coverage_target(candidates),
                                                fd.renewal_probability)
        self.sign(candidates[rng.random(candidates.size) < chance])

    def campaign_day(self, day: int) -> None:
        """Run the signup campaign on ``day``: plan it on its first day, sign those due."""
        campaign = self.model.scenario.policy.family_doctor.campaign
        if campaign.intensity == 0.0:
            return
        start, stop = campaign.window()
        if day == start:
            self._plan_campaign(start, stop)
        if self._campaign is not None and start <= day < stop:
            due, residents = self._campaign
            self.sign(residents[due == day])

    def _plan_campaign(self, start: int, stop: int) -> None:
        """Draw who the campaign reaches and on which day (one pass over residents)."""
        model = self.model
        pop = model.population
        campaign = model.scenario.policy.family_doctor.campaign
        groups = set(campaign.target_groups)
        target = np.zeros(pop.size, dtype=bool)
        if "everyone" in groups:
            target[:] = True
        if "elderly" in groups:
            target |= pop.age_group == ELDERLY
        if "chronic" in groups:
            target |= pop.chronic
        if "disabled_poor" in groups:
            target |= pop.disabled | (pop.income_group == LOW_INCOME)
        rng = model.streams["campaign"]
        reached = np.flatnonzero(target & (pop.team < 0))
        reached = reached[rng.random(reached.size) < campaign.intensity]
        due = start + rng.integers(0, stop - start, size=reached.size)
        self._campaign = (due, reached)
