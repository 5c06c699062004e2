"""County levers of a prefecture: own insurance rules and family-doctor contracting.

Two small synthetic counties share a city hospital. A county that sets its own
``reimbursement``, ``referral_incentives``, ``contract_bonus`` or ``family_doctor`` changes
what its own residents pay and how they are contracted, and nothing else.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.hostile import answer, snapshot
from tieredcare.config import ConfigError, load_scenario
from tieredcare.config.schema import Scenario
from tieredcare.config.world import COUNTY_LEVERS
from tieredcare.day import pricing, referral
from tieredcare.episodes import CHOOSING
from tieredcare.model import TieredCareModel
from tieredcare.run import simulate
from tieredcare.tiers import COUNTY, GENERAL, LINE_INDEX, TOWNSHIP, VILLAGE

TWO = {
    "name": "two_counties",
    "simulation": {"warmup_days": 30, "horizon_days": 90},
    "world": {"city_hospitals": 1, "counties": [
        {"name": "north", "residents": 20_000,
         "map": {"townships": 4, "villages_per_township": 5}},
        {"name": "south", "residents": 20_000,
         "map": {"townships": 4, "villages_per_township": 5, "map_seed": 2}},
    ]},
}
NORTH, SOUTH = 0, 1


def two(north: dict | None = None, south: dict | None = None, **top: object) -> Scenario:
    """The two counties, with each county's own levers and top-level keys replaced."""
    data = copy.deepcopy(TWO) | copy.deepcopy(top)
    for county, own in zip(data["world"]["counties"], (north, south), strict=True):
        if own is not None:
            county["policy"] = own
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def baseline():
    return simulate(two())


def village_rows(model: TieredCareModel, k: int) -> np.ndarray:
    return np.flatnonzero(model.county.village_county == k)


# ----------------------------------------------------------------------------- prices

STROKE = LINE_INDEX["stroke"]


def probe_prices(model: TieredCareModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What residents of both counties would pay, and the insurer, at every facility.

    Probe episodes of every severity, care type, a general and an emergency line, not
    referred / referred up from a township centre / on a recovery stay, priced by the
    model's own pricing at all facilities, in one call for both counties. Per village they
    are one signed and two unsigned residents, the second with this year's annual caps
    nearly used up.

    Returns:
        ``(oop, fund, probe)``: [probe, facility] prices, and per probe whether its patient
        lives in the north (``north``), its ``line`` and its ``path``.
    """
    pop, county = model.population, model.county
    people = []
    for signed in (pop.team >= 0, pop.team < 0, pop.team < 0):
        pool = np.flatnonzero(signed & ~np.isin(np.arange(pop.size), people))
        people = np.concatenate([people, pool[np.unique(pop.home[pool], return_index=True)[1]]])
    people = people.astype(np.intp)
    near_cap = people[-county.n_villages:]
    pop.fund_paid[near_cap] = [480.0, 199_000.0]  # caps 500 and 200,000 by default
    kinds = list(itertools.product(people, range(1, 5), (0, 1), (GENERAL, STROKE),
                                   ("plain", "referred", "recovery")))
    resident = np.array([kind[0] for kind in kinds])
    path = np.array([kind[4] for kind in kinds])
    rows = model.episodes.add(
        len(kinds), resident=resident, home=pop.home[resident],
        severity=np.array([kind[1] for kind in kinds]), care=np.array([kind[2] for kind in kinds]),
        line=np.array([kind[3] for kind in kinds]), status=CHOOSING,
        referred=path != "plain", referral_tier=np.where(path == "referred", TOWNSHIP, -1),
        recovery=path == "recovery")
    fac = np.broadcast_to(np.arange(county.n_facilities), (rows.size, county.n_facilities))
    care = np.broadcast_to(model.episodes["care"][rows][:, None], fac.shape)
    contract, _ = pricing.contract_status(model, rows, fac)
    oop, fund = pricing.price(model, rows, resident, care, contract, fac)
    north = county.village_county[pop.home[resident]] == NORTH
    return oop, fund, {"north": north, "line": model.episodes["line"][rows], "path": path}


GENEROUS = {"inpatient": {"county": {"ratio": 0.95, "deductible": 0.0}},
            "outpatient": {"county": {"ratio": 0.75}}}
PENALTY = {"non_referral_penalty_inpatient": {"county": 0.1, "city": 0.1}}
# (case, the prefecture's policy, the north's own levers, +1 dearer / -1 cheaper in the north)
SCHEMES = [
    ("county_ratio", {}, {"reimbursement": GENEROUS}, -1),
    ("annual_caps", {}, {"reimbursement": {"outpatient": {"annual_cap": 5_000.0},
                                           "inpatient": {"annual_cap": 400_000.0}}}, -1),
    ("deductibles", {}, {"referral_incentives": {
        "cumulative_deductible": True, "no_deductible_after_down_referral": True}}, -1),
    ("contract_bonus", {}, {"contract_bonus": {"ratio_points": 0.10}}, -1),
    ("no_emergency_exemption", {"referral_incentives": PENALTY},
     {"referral_incentives": {"emergencies_exempt": False,
                              "non_referral_penalty_inpatient": {"county": 0.2}}}, +1),
    ("compulsory_gatekeeping", {}, {"family_doctor": {"gatekeeping": {
        "compulsory_for_reimbursement": True}}}, +1),
]


@pytest.mark.parametrize(("case", "prefecture", "north", "direction"), SCHEMES,
                         ids=[s[0] for s in SCHEMES])
def test_a_county_scheme_prices_its_own_residents_and_no_one_else(
        case: str, prefecture: dict, north: dict, direction: int) -> None:
    plain = TieredCareModel(two(policy=prefecture))
    own = TieredCareModel(two(north=north, policy=prefecture))
    assert plain.tariffs.village_table is None
    # One table per county (the north's first), each village paying by its county's.
    assert own.tariffs.village_table.tolist() == own.county.village_county.tolist()
    oop, fund, probe = probe_prices(own)
    base_oop, base_fund, _ = probe_prices(plain)
    in_north = probe["north"]
    # The other county's residents pay exactly what they paid, to the last fen.
    np.testing.assert_array_equal(oop[~in_north], base_oop[~in_north])
    np.testing.assert_array_equal(fund[~in_north], base_fund[~in_north])
    change = direction * (oop[in_north] - base_oop[in_north])
    assert (change >= 0).all() and (change > 0).any()
    np.testing.assert_allclose(oop + fund, base_oop + base_fund)  # the same full cost
    if case == "county_ratio":
        # Only county-tier ratios changed: elsewhere, the city hospital included, not a fen.
        other = own.county.tier != COUNTY
        np.testing.assert_array_equal(oop[:, other], base_oop[:, other])
    if case == "no_emergency_exemption":
        # The north's unreferred strokes pay the penalty; the south's stay exempt.
        stroke = (probe["line"] == STROKE) & (probe["path"] == "plain")
        hospital = own.county.tier == COUNTY
        assert (oop[in_north & stroke][:, hospital] > base_oop[in_north & stroke][:, hospital]
                ).any()


def test_generous_county_hospitals_draw_the_countys_own_residents(baseline) -> None:
    own = simulate(two(north={"reimbursement": GENEROUS}))
    before, after = baseline.counties, own.counties
    gain = after["north"]["treated_share_county"] - before["north"]["treated_share_county"]
    assert gain > 0.01
    assert after["north"]["oop_per_episode"] < 0.85 * before["north"]["oop_per_episode"]
    # The other county changes only through the shared city hospital's queues.
    for indicator in ("treated_share_county", "county_retention"):
        assert abs(after["south"][indicator] - before["south"][indicator]) < gain / 5
    assert abs(after["south"]["oop_per_episode"] / before["south"]["oop_per_episode"] - 1) < 0.02


# ----------------------------------------------------------------------------- family doctors

DRIVE = {"campaign": {"start_day": 0, "duration_days": 30, "intensity": 0.8,
                      "target_groups": ["everyone"]},
         "teams_per_township": 8}


def test_a_county_signup_drive_raises_its_own_coverage_only(baseline) -> None:
    own = simulate(two(north={"family_doctor": DRIVE}))
    before, after = baseline.counties, own.counties
    gain = after["north"]["contract_coverage"] - before["north"]["contract_coverage"]
    assert gain > 0.15
    assert abs(after["south"]["contract_coverage"] - before["south"]["contract_coverage"]) < 0.005
    assert {"day": 0, "lever": "north: family_doctor.campaign", "switch": "on"} in own.timeline


def test_a_countys_higher_signup_probability_signs_its_residents_at_the_start() -> None:
    plain = TieredCareModel(two())
    keen = TieredCareModel(two(north={"family_doctor": {"signup_probability": {"other": 0.6}}}))
    signed = [[np.mean(m.population.team[np.isin(m.population.home, village_rows(m, k))] >= 0)
               for k in (NORTH, SOUTH)] for m in (plain, keen)]
    assert signed[1][NORTH] > signed[0][NORTH] + 0.2
    # The county's own groups not given keep the prefecture's values.
    assert keen.family_doctors.signup_probability.tolist() == [[0.6, 0.55, 0.6], [0.6, 0.55, 0.2]]
    assert signed[1][SOUTH] == pytest.approx(signed[0][SOUTH], abs=0.01)


def test_teams_gatekeeping_and_partners_follow_the_home_county() -> None:
    model = TieredCareModel(two(north={"family_doctor": {
        "teams_per_township": 6, "team_capacity": 900, "village_doctors_in_team": False,
        "gatekeeping": {"adherence": 0.9}, "combination": {"enabled": True}}}))
    county, fd = model.county, model.family_doctors
    team_county = county.facility_county[fd.team_facility]
    centres = [np.unique(county.home_township_centre[village_rows(model, k)]) for k in (0, 1)]
    assert np.count_nonzero(team_county == NORTH) == 6 * centres[NORTH].size
    assert np.count_nonzero(team_county == SOUTH) == 4 * centres[SOUTH].size
    assert set(fd.team_capacity[team_county == NORTH]) == {900}
    assert set(fd.team_capacity[team_county == SOUTH]) == {2_600}
    north, south = village_rows(model, NORTH), village_rows(model, SOUTH)
    # Without village doctors, the north's first contact is the township centre.
    centre, clinic = fd.village_sites(combination=False)
    assert (clinic[north] == centre[north]).all()
    assert (county.tier[clinic[south]] == VILLAGE).all()
    assert fd.of_home(fd.adherence, north).tolist() == [0.9] * north.size
    assert fd.of_home(fd.adherence, south).tolist() == [0.558] * south.size
    # "1+1+1" partners cover the north's contracts only.
    hospital = county.peoples_hospitals()
    assert fd.contract_covers[north, hospital[NORTH]].all()
    assert not fd.contract_covers[south, hospital[SOUTH]].any()
    assert not fd.team_covers[north, hospital[NORTH]].any()
    # A referral to the TCM hospital goes to the people's hospital, for the north only.
    pop = model.population
    first = [np.flatnonzero((pop.team >= 0) & np.isin(pop.home, village_rows(model, k)))[:50]
             for k in (NORTH, SOUTH)]
    resident = np.concatenate(first)
    rows = model.episodes.add(resident.size, resident=resident, home=pop.home[resident],
                              severity=2, care=0, line=GENERAL, status=CHOOSING)
    tcm = [np.flatnonzero((county.tier == COUNTY) & (county.facility_county == k)
                          & (np.arange(county.n_facilities) != hospital[k]))[0] for k in (0, 1)]
    target = np.repeat(tcm, [first[NORTH].size, first[SOUTH].size])
    sent = referral.to_partner_hospital(model, rows, target)
    assert (sent[: first[NORTH].size] == hospital[NORTH]).all()
    assert (sent[first[NORTH].size:] == tcm[SOUTH]).all()


def test_a_county_renews_on_its_own_day() -> None:
    scenario = two(north={"family_doctor": {"renewal_day_of_year": 10}},
                   simulation={"warmup_days": 0, "horizon_days": 12})
    model = TieredCareModel(scenario)
    north = np.isin(model.population.home, village_rows(model, NORTH))
    for _ in range(10):
        model.step()
    pop = model.population
    signed_before = np.count_nonzero((pop.team >= 0) & north)
    assert (pop.contacts_good[north] > 0).any() and (pop.contacts_good[~north] > 0).any()
    model.step()  # day 10: the north renews; the south keeps its contacts for day 180
    assert not pop.contacts_good[north].any() and not pop.contacts_bad[north].any()
    assert (pop.contacts_good[~north] > 0).any()
    assert np.count_nonzero((pop.team >= 0) & north) != signed_before


# ----------------------------------------------------------------------------- switching


def test_a_county_lever_switches_on_and_off_on_its_own_days() -> None:
    scenario = two(north={"reimbursement": {**GENEROUS,
                                            "start_day": 3, "end_day": 6}},
                   simulation={"warmup_days": 0, "horizon_days": 8})
    model = TieredCareModel(scenario)
    tables = []
    for _ in range(8):
        model.step()
        tables.append(model.tariffs.village_table is not None)
    assert tables == [False, False, False, True, True, True, False, False]
    switches = [t for t in model.timeline if t["lever"] == "north: reimbursement"]
    assert switches == [{"day": 3, "lever": "north: reimbursement", "switch": "on"},
                        {"day": 6, "lever": "north: reimbursement", "switch": "off"}]


# ----------------------------------------------------------------------------- no change

SAME = {
    "reimbursement": {"inpatient": {"county": {"ratio": 0.8, "deductible": 500.0}},
                      "employee_ratio_uplift": 0.05},
    "referral_incentives": {"non_referral_penalty_inpatient": {"city": 0.1},
                            "cumulative_deductible": True},
    "contract_bonus": {"ratio_points": 0.05, "start_day": 10},
    "family_doctor": {"teams_per_township": 5, "campaign": {"intensity": 0.3, "start_day": 5},
                      "gatekeeping": {"adherence": 0.7}, "combination": {"enabled": True},
                      "renewal_day_of_year": 20},
}


def test_county_overrides_equal_to_the_prefectures_change_nothing() -> None:
    plain = simulate(two(policy=SAME))
    # Each county "overrides" with part of what the prefecture sets anyway.
    same = two(north={"family_doctor": {"gatekeeping": {"adherence": 0.7}},
                      "reimbursement": {"employee_ratio_uplift": 0.05}},
               south={"contract_bonus": {"ratio_points": 0.05}, "referral_incentives": {}},
               policy=SAME)
    assert same.county_policy(same.world.counties[0]) == same.policy
    twin = simulate(same)
    # assert_equal: exact, with NaN (a tier without facilities) equal to NaN.
    np.testing.assert_equal({k: v for k, v in twin.summary.items() if k != "config_hash"},
                            {k: v for k, v in plain.summary.items() if k != "config_hash"})
    np.testing.assert_equal(twin.counties, plain.counties)
    assert twin.groups.equals(plain.groups)
    assert twin.timeseries.equals(plain.timeseries)
    assert TieredCareModel(same).tariffs.village_table is None  # one table: the fast path


# ----------------------------------------------------------------------------- bad input


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def with_county_policy(policy: dict) -> dict:
    data = copy.deepcopy(TWO)
    data["world"]["counties"][1]["policy"] = policy
    return data


def test_county_levers_are_the_insurance_family_doctor_and_capacity_ones() -> None:
    assert COUNTY_LEVERS == ("reimbursement", "referral_incentives", "contract_bonus",
                             "family_doctor", "capacity", "doctors_sent_down", "telemedicine",
                             "county_services")


@pytest.mark.parametrize("lever", ["capitation", "reserved_slots", "referral"])
def test_a_prefecture_wide_lever_under_a_county_is_refused(tmp_path: Path, lever: str) -> None:
    path = write(tmp_path, with_county_policy({lever: {}}))
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    message = str(info.value)
    assert f"world.counties[1].policy.{lever}" in message and "p.yaml" in message
    assert f"allowed: {', '.join(COUNTY_LEVERS)}" in message, message
    before = snapshot(tmp_path)
    got = answer("run", path, "--out", tmp_path / "out", cwd=tmp_path)
    assert got.is_clear_rejection(), got.problems()
    assert "family_doctor" in got.stderr and snapshot(tmp_path) == before


def test_a_bad_value_in_a_county_family_doctor_names_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, with_county_policy(
        {"family_doctor": {"signup_probability": {"elderly": 1.5}}}))
    with pytest.raises(ConfigError, match=r"world\.counties\[1\]\.policy\.family_doctor\."
                                          r"signup_probability\.elderly"):
        load_scenario(path)
