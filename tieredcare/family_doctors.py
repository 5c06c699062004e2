"""Family-doctor teams and contracts (家庭医生签约) within a running model.

Teams are :class:`~tieredcare.facilities.DoctorTeam` agents at township centres; who is
signed with which team lives in ``Population.team``. This module keeps the team arrays,
places applicants within capacity, scores contacts for satisfaction, runs the annual
renewal and signup campaigns, and says which facilities a contract covers.

In a prefecture each county runs its own contracting (``family_doctor`` under the
county's policy): its township centres' teams, and its residents' signups, gatekeeping,
campaigns, "1+1+1" partners and renewal follow the county's settings. Settings are held
as one value per county, looked up by the home village's county; where every county
shares a value it is used as it is, so a lone county does no extra work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from tieredcare import fast
from tieredcare.behaviour import contracts
from tieredcare.config.family_doctor import Campaign, FamilyDoctor
from tieredcare.config.policy import Policy
from tieredcare.facilities import DoctorTeam
from tieredcare.fast import scores
from tieredcare.tiers import CITY, ELDERLY, LOW_INCOME

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel

ONE = np.uint16(1)
"""One contact, in the counters' own dtype: np.add.at is many times faster without casting."""


def _per_county(settings: list[FamilyDoctor], read: Callable[[FamilyDoctor], object]
                ) -> np.ndarray:
    """One value of the family-doctor settings per county."""
    return np.array([read(fd) for fd in settings])


def _campaigns(settings: list[FamilyDoctor]) -> list[tuple[Campaign, np.ndarray]]:
    """Each distinct signup campaign of the counties, and the counties that run it."""
    found: list[tuple[Campaign, np.ndarray]] = []
    for k, fd in enumerate(settings):
        if fd.campaign.intensity == 0.0:
            continue
        counties = next((c for campaign, c in found if campaign == fd.campaign), None)
        if counties is None:
            counties = np.zeros(len(settings), dtype=bool)
            found.append((fd.campaign, counties))
        counties[k] = True
    return found


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
        combination: Whether "1+1+1" contracts are in force, by county.
        adherence: Gatekeeping adherence in force, by county.
    """

    def __init__(self, model: TieredCareModel) -> None:
        self.model = model
        county = model.county
        # The scenario's settings (their own fields have no window; the levers among them,
        # gatekeeping and "1+1+1", are refreshed in force by refresh()).
        settings = [policy.family_doctor for policy in model.own_policies]
        centres = np.unique(county.home_township_centre)
        centre_county = county.facility_county[centres]
        teams = _per_county(settings, lambda fd: fd.teams_per_township)[centre_county]
        self.team_facility = np.repeat(centres, teams).astype(np.int32)
        self.team_capacity = _per_county(settings, lambda fd: fd.team_capacity).astype(
            np.int64)[county.facility_county[self.team_facility]]
        self.team_members = np.zeros(self.team_facility.size, dtype=np.int64)
        self.teams = [DoctorTeam(model, i, int(f)) for i, f in enumerate(self.team_facility)]
        self.contracted = np.zeros(3, dtype=np.int64)
        # "1+1+1" partners: the people's hospital of each village's county and the city
        # hospital nearest the village.
        self.county_partner = county.peoples_hospitals()[county.village_county]
        city = np.flatnonzero(county.tier == CITY)
        self.city_partner = city[np.argmin(county.village_minutes[:, city], axis=1)]
        self.village_doctors = _per_county(settings, lambda fd: fd.village_doctors_in_team)
        self.signup_probability = _per_county(settings, lambda fd: [
            fd.signup_probability[g] for g in ("elderly", "chronic", "other")])
        self.signup_at_visit = _per_county(settings, lambda fd: fd.signup_at_visit)
        self.satisfactory_wait = _per_county(settings, lambda fd: fd.satisfactory_wait_days)
        self.renewal = {name: _per_county(settings, lambda fd, name=name: getattr(fd, name))
                        for name in ("renewal_probability", "renewal_satisfaction_effect",
                                     "renewal_reference_satisfaction")}
        self.renewal_day_of_year = _per_county(settings, lambda fd: fd.renewal_day_of_year)
        self.campaigns = _campaigns(settings)
        self._planned: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.combination = np.zeros(county.n_counties, dtype=bool)
        self.adherence = _per_county(settings, lambda fd: fd.gatekeeping.adherence)

    # ------------------------------------------------------------------ per-county settings

    def of_home(self, values: np.ndarray, home: np.ndarray) -> np.ndarray:
        """Each home village's county's value of a per-county setting.

        Args:
            values: One value per county [K] (or [K, ...]).
            home: Home villages.

        Returns:
            The values by village; the one value itself when every county shares it.
        """
        if len(values) == 1 or (values == values[0]).all():  # one county: no comparison
            return values[0]
        return values[self.model.county.village_county.take(home)]

    def of_residents(self, values: np.ndarray, residents: np.ndarray) -> np.ndarray:
        """Each resident's county's value of a per-county setting (see :meth:`of_home`)."""
        if (values == values[0]).all():
            return values[0]
        return self.of_home(values, self.model.population.home.take(residents))

    def in_counties(self, counties: np.ndarray) -> np.ndarray | None:
        """Which residents live in the given counties [N]; None when that is everyone."""
        if counties.all():
            return None
        county = self.model.county
        return counties[county.village_county.take(self.model.population.home)]

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
        centre = county.home_township_centre
        sites = [centre]
        if self.village_doctors.all():
            sites.append(county.villages)
        elif self.village_doctors.any():
            # Where the county's teams have no village doctors, the centre is the first
            # contact either way: it stands in for the clinic.
            sites.append(np.where(self.village_doctors[county.village_county],
                                  county.villages, centre))
        if combination:
            sites += [self.county_partner, self.city_partner]
        return sites

    def refresh(self, county_policies: list[Policy]) -> None:
        """Take the gatekeeping and "1+1+1" levers in force in each county.

        Tabulates :meth:`village_sites` as village × facility tables for fast look-ups:
        ``team_covers`` holds the team's own facilities; ``contract_covers`` adds the
        "1+1+1" partners for villages of counties where that lever is in force (else it
        is ``team_covers`` itself).

        Args:
            county_policies: The policy in force in each county.
        """
        family = [policy.family_doctor for policy in county_policies]
        self.adherence = _per_county(family, lambda fd: fd.gatekeeping.adherence)
        self.combination = _per_county(family, lambda fd: fd.combination.enabled).astype(bool)
        self.team_covers = self._table(self.village_sites(combination=False))
        self.contract_covers = self.team_covers
        if self.combination.any():
            self.contract_covers = self.team_covers.copy()
            linked = np.flatnonzero(self.combination[self.model.county.village_county])
            for partner in (self.county_partner, self.city_partner):
                self.contract_covers[linked, partner[linked]] = True

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
        chance = self.coverage_target(np.arange(pop.size))
        self.sign(np.flatnonzero(self.model.streams["signup"].random(pop.size) < chance))

    def coverage_target(self, residents: np.ndarray) -> np.ndarray:
        """Coverage each resident's group tends to in the county (``signup_probability``)."""
        group = self.model.population.priority_group().take(residents)
        table = self.of_residents(self.signup_probability, residents)
        if table.ndim == 1:  # every county's table is the same
            return table.take(group)
        return np.take_along_axis(table, group[:, None], axis=1)[:, 0]

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
        home = ep["home"][rows]
        if fast.ENABLED:
            county = model.county
            visitor = scores.score(rows, ep["resident"], ep["home"], ep["recovery"], fac, own,
                                   wait, treated, self.satisfactory_wait, county.village_county,
                                   pop.team, county.home_township_centre, pop.contacts_good,
                                   pop.contacts_bad)
        else:
            good = own & treated & (wait <= self.of_home(self.satisfactory_wait, home))
            np.add.at(pop.contacts_good, resident[good], ONE)
            np.add.at(pop.contacts_bad, resident[own & ~good], ONE)
            home_centre = model.county.home_township_centre[home]
            visitor = np.flatnonzero((pop.team[resident] < 0) & (fac == home_centre)
                                     & ~ep["recovery"][rows])
        offered = model.streams.uniform("signup_visit", ep["id"][rows[visitor]])
        visitor = visitor[offered < self.of_home(self.signup_at_visit, home[visitor])]
        if visitor.size:
            self.sign(np.unique(resident[visitor]))

    # ------------------------------------------------------------------ renewal, campaigns

    def renewal_day(self, day_of_year: int) -> None:
        """Renew the contracts of the counties whose renewal day it is."""
        due = self.renewal_day_of_year == day_of_year
        if due.any():
            self.renew(due)

    def renew(self, counties: np.ndarray | None = None) -> None:
        """Annual renewal: contracts renew or lapse by satisfaction; others may sign.

        Args:
            counties: Which counties renew today [K]; all when None.
        """
        model = self.model
        pop = model.population
        rng = model.streams["renewal"]
        among = None if counties is None else self.in_counties(counties)
        was_signed = pop.team >= 0
        if among is not None:
            was_signed &= among
        signed = np.flatnonzero(was_signed)
        keep = rng.random(signed.size) < contracts.renewal_chance(
            pop.contacts_good[signed], pop.contacts_bad[signed],
            *(self.of_residents(self.renewal[name], signed) for name in (
                "renewal_probability", "renewal_satisfaction_effect",
                "renewal_reference_satisfaction")))
        lapsed = signed[~keep]
        self.team_members -= np.bincount(pop.team[lapsed], minlength=self.team_members.size)
        pop.team[lapsed] = -1
        self._count(lapsed, -1)
        unsigned = ~was_signed if among is None else among & ~was_signed
        if among is None:
            pop.contacts_good[:] = 0
            pop.contacts_bad[:] = 0
        else:
            pop.contacts_good[among] = 0
            pop.contacts_bad[among] = 0
        candidates = np.flatnonzero(unsigned)
        chance = contracts.steady_signup_chance(
            self.coverage_target(candidates),
            self.of_residents(self.renewal["renewal_probability"], candidates))
        self.sign(candidates[rng.random(candidates.size) < chance])

    def campaign_day(self, day: int) -> None:
        """Run the signup campaigns on ``day``: plan each on its first day, sign those due."""
        for i, (campaign, counties) in enumerate(self.campaigns):
            start, stop = campaign.window()
            if day == start:
                self._planned[i] = self._plan_campaign(campaign, counties, start, stop)
            if i in self._planned and start <= day < stop:
                due, residents = self._planned[i]
                self.sign(residents[due == day])

    def _plan_campaign(self, campaign: Campaign, counties: np.ndarray, start: int,
                       stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw who a campaign reaches and on which day (one pass over residents).

        Returns:
            ``(due, residents)``: the day each resident reached is signed.
        """
        model = self.model
        pop = model.population
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
        among = self.in_counties(counties)
        if among is not None:
            target &= among
        rng = model.streams["campaign"]
        reached = np.flatnonzero(target & (pop.team < 0))
        reached = reached[rng.random(reached.size) < campaign.intensity]
        due = start + rng.integers(0, stop - start, size=reached.size)
        return due, reached
