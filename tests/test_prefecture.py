"""A prefecture of counties sharing city hospitals: the map, per-county results, spill-overs."""

from __future__ import annotations

import copy
import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import ROOT
from tests.hostile import answer, snapshot
from tieredcare.config import ConfigError, load_scenario
from tieredcare.config.schema import Scenario
from tieredcare.results import write_run
from tieredcare.run import simulate
from tieredcare.tiers import CITY, TOWNSHIP
from tieredcare.world.checks import GraphError
from tieredcare.world.network import county_graph, county_map
from tieredcare.world.prefecture import prefecture_graph

SMALL = {
    "name": "small_prefecture",
    "simulation": {"warmup_days": 30, "horizon_days": 60},
    "world": {"city_hospitals": 2, "counties": [
        {"name": "east", "residents": 30_000, "map": {"townships": 4, "villages_per_township": 5}},
        {"name": "west", "residents": 50_000, "map": {"townships": 6, "villages_per_township": 5}},
        {"name": "district", "kind": "urban_district", "residents": 60_000, "map": {
            "townships": 5, "villages_per_township": 4, "county_city_minutes": 15,
            "village_township_minutes": {"low": 5, "high": 15},
            "township_county_minutes": {"low": 10, "high": 25}}},
    ]},
}


def small(**county_policy: dict) -> Scenario:
    """The small prefecture, with levers of its counties by name."""
    data = copy.deepcopy(SMALL)
    for county in data["world"]["counties"]:
        if county["name"] in county_policy:
            county["policy"] = county_policy[county["name"]]
    return Scenario.model_validate(data)


def write(tmp_path: Path, data: dict, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baseline():
    return simulate(small())


# ----------------------------------------------------------------------------- the map


def test_counties_share_the_city_hospitals_sized_for_everyone() -> None:
    scenario = small()
    assert scenario.population.residents == 140_000
    county = county_map(scenario.world, scenario.population.residents)
    assert county.county_names == ["east", "west", "district"]
    shared = np.flatnonzero(county.facility_county < 0)
    assert [county.ids[f] for f in shared] == ["city_1", "city_2"]
    assert all(i.split("/")[0] in county.county_names for i in np.delete(county.ids, shared))
    # City beds per 1,000 of the whole prefecture, split over two hospitals.
    per_1000 = scenario.world.facilities.city.beds_per_1000
    assert county.beds[shared].sum() == pytest.approx(per_1000 * 140, abs=2)
    assert np.bincount(county.village_county, weights=county.village_population).tolist() \
        == [30_000, 50_000, 60_000]
    # Each county's villages choose among their own county's facilities and the city only.
    cand, _ = county.candidates(2)
    for v in range(county.n_villages):
        listed = cand[v][cand[v] >= 0]
        assert set(county.facility_county[listed]) <= {county.village_county[v], -1}
        assert set(np.flatnonzero(county.tier == CITY)) <= set(listed)


def test_a_one_county_scenario_has_no_counties() -> None:
    scenario = Scenario.model_validate({"population": {"residents": 5_000},
                                        "world": {"townships": 3, "villages_per_township": 4}})
    county = county_map(scenario.world, scenario.population.residents)
    assert county.county_names == ["county"] and county.n_counties == 1
    assert (county.facility_county == np.where(county.in_county, 0, -1)).all()


def test_residents_scale_with_population_residents(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    assert load_scenario(path).scenario.population.residents == 140_000
    scaled = load_scenario(path, ["population.residents=14000"]).scenario
    county = county_map(scaled.world, scaled.population.residents)
    assert np.bincount(county.village_county, weights=county.village_population).tolist() \
        == [3_000, 5_000, 6_000]


def test_the_shipped_prefecture_builds_with_a_county_from_tables() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "prefecture.yaml")
    sc = loaded.scenario
    assert len(sc.world.counties) == 5 and 2_500_000 < sc.population.residents < 3_500_000
    assert [c.kind for c in sc.world.counties].count("urban_district") == 1
    assert all(250_000 <= c.residents <= 700_000 for c in sc.world.counties
               if c.kind == "county")
    county = county_map(sc.world, sc.population.residents, loaded.base_dir)
    tables = county.county_names.index("Dongxi")
    names = [county.names[f] for f in np.flatnonzero(county.facility_county == tables)]
    assert "县人民医院" in names


def _circle(xy: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre of the bounding box of points and the radius of the circle there holding them."""
    centre = (xy.min(axis=0) + xy.max(axis=0)) / 2
    return centre, float(np.hypot(*(xy - centre).T).max())


def test_counties_are_drawn_apart_and_keep_their_own_travel_times() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "prefecture.yaml",
                           ["population.residents=60000"])
    world, residents = loaded.scenario.world, loaded.scenario.population.residents
    graph = prefecture_graph(world, residents, loaded.base_dir)
    nodes = graph.nodes(data=True)
    circles = {c.name: _circle(np.array([(d["x"], d["y"]) for _, d in nodes
                                         if d["county"] == c.name])) for c in world.counties}
    for (a, (centre_a, r_a)), (b, (centre_b, r_b)) in combinations(circles.items(), 2):
        assert np.hypot(*(centre_a - centre_b)) > r_a + r_b, f"{a} and {b} overlap"
    shared = np.array([(d["x"], d["y"]) for _, d in nodes if d["county"] == ""])
    assert len(shared) == 4  # three city hospitals and the provincial one
    for name, (centre, radius) in circles.items():
        assert (np.hypot(*(shared - centre).T) > radius).all(), f"a shared hospital in {name}"
    # The layout is drawing only: every road keeps the minutes of the county's own map.
    for county, n in zip(world.counties, world.county_residents(residents), strict=True):
        own = county_graph(world.county_world(county), n, loaded.base_dir)
        named = {v: v if d["tier"] in ("city", "province") else f"{county.name}/{v}"
                 for v, d in own.nodes(data=True)}
        for u, v, minutes in own.edges(data="minutes"):
            assert graph.edges[named[u], named[v]]["minutes"] == minutes


# ----------------------------------------------------------------------------- results


def test_every_indicator_by_county_adds_up_to_the_prefecture(baseline, tmp_path: Path) -> None:
    out = baseline
    assert list(out.counties) == ["east", "west", "district"]
    groups = out.groups
    county_rows = groups[groups["dimension"] == "county"]
    totals = groups[groups["dimension"] == "all"].set_index("indicator")
    for indicator, part in county_rows.groupby("indicator"):
        assert part["numerator"].sum() == pytest.approx(totals.loc[indicator, "numerator"])
        assert part["denominator"].sum() == pytest.approx(totals.loc[indicator, "denominator"])
    assert out.summary["county_retention"] == pytest.approx(
        totals.loc["county_retention", "value"])
    # No county's residents are treated in another county.
    flows = out.flows
    inside = flows[flows["county"] != ""]
    assert (inside["county"] == inside["home_county"]).all()
    assert (flows["in_county"] == (flows["county"] == flows["home_county"])).all()
    # The district lies next to the city and uses it most.
    shares = {c: v["treated_share_city"] for c, v in out.counties.items()}
    assert shares["district"] > max(shares["east"], shares["west"])
    folder = write_run(out, tmp_path / "run")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["counties"]) == {"east", "west", "district"}


def test_a_county_lever_changes_only_its_own_facilities() -> None:
    from tieredcare.model import TieredCareModel

    plain = TieredCareModel(small())
    helped = TieredCareModel(small(west={"doctors_sent_down": {"doctors": 12}}))
    county = plain.county
    west = county.county_names.index("west")
    added = helped.state.outpatient_slots - plain.state.outpatient_slots
    centres = (county.tier == TOWNSHIP) & (county.facility_county == west)
    assert added[centres].sum() == 12 * 20  # slots_per_doctor defaults to 20
    hospital = county.peoples_hospitals()[west]
    assert added[hospital] == -240
    others = np.ones(county.n_facilities, dtype=bool)
    others[centres] = False
    others[hospital] = False
    assert not added[others].any()
    assert any("west: doctors_sent_down" in t["lever"] for t in helped.timeline)


def test_capacity_in_one_county_shortens_city_waits_for_the_others(baseline) -> None:
    # With common random numbers, the same residents fall ill on the same days.
    cut = simulate(small(east={"capacity": {"bed_scale": {"county": 0.2},
                                            "slot_scale": {"county": 0.2}}}))
    assert baseline.summary["mean_wait_city"] < cut.summary["mean_wait_city"]
    assert baseline.counties["east"]["county_retention"] > cut.counties["east"][
        "county_retention"]
    # Shorter city queues draw the other counties' patients to the city.
    for other in ("west", "district"):
        assert baseline.counties[other]["mean_wait"] <= cut.counties[other]["mean_wait"]
    assert baseline.counties["district"]["county_retention"] < cut.counties["district"][
        "county_retention"]


# ----------------------------------------------------------------------------- bad input


def _with(change) -> dict:
    data = copy.deepcopy(SMALL)
    change(data)
    return data


BAD = [
    ("twice", lambda d: d["world"]["counties"][1].update(name="east"),
     "used twice"),
    ("prefecture-only lever", lambda d: d["world"]["counties"][0].update(
        policy={"capitation": {"strength": 0.5}}),
     "world.counties[0].policy.capitation"),
    ("prefecture-only map key", lambda d: d["world"]["counties"][0]["map"].update(
        city_hospitals=2), "world.counties[0].map.city_hospitals"),
    ("map for the prefecture", lambda d: d["world"].update(graphml="a.graphml"),
     "world.counties[].map.graphml"),
    ("slash in a name", lambda d: d["world"]["counties"][0].update(name="a/b"), "without '/'"),
    ("bad county value", lambda d: d["world"]["counties"][0]["map"].update(townships=0),
     "world.counties[0].map.townships"),
    ("bad county lever", lambda d: d["world"]["counties"][0].update(
        policy={"doctors_sent_down": {"doctors": -3}}),
     "world.counties[0].policy.doctors_sent_down.doctors"),
]


@pytest.mark.parametrize(("case", "change", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_prefectures_are_refused_with_the_key(tmp_path: Path, case: str, change,
                                                  expected: str) -> None:
    path = write(tmp_path, _with(change))
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert expected in str(info.value) and "p.yaml" in str(info.value), str(info.value)


def test_a_county_whose_city_hospital_is_not_the_prefectures(tmp_path: Path) -> None:
    source = ROOT / "examples" / "county_tables" / "facilities.csv"
    text = source.read_text(encoding="utf-8").replace("city_1,", "S9,")
    (tmp_path / "f.csv").write_text(text, encoding="utf-8")
    villages = ROOT / "examples" / "county_tables" / "villages.csv"
    data = _with(lambda d: d["world"]["counties"][0].update(
        residents=60_000, map={"tables": {"facilities": "f.csv", "villages": str(villages)}}))
    path = write(tmp_path, data)
    loaded = load_scenario(path)
    with pytest.raises(GraphError, match="'S9'.*allowed: the prefecture's shared hospitals"):
        county_map(loaded.scenario.world, loaded.scenario.population.residents,
                   loaded.base_dir)
    before = snapshot(tmp_path)
    got = answer("run", path, "--out", tmp_path / "out", cwd=tmp_path)
    assert got.code == 2 and "Traceback" not in got.stderr and "S9" in got.stderr
    assert snapshot(tmp_path) == before


def test_map_paths_of_an_extended_file_are_relative_to_that_file(tmp_path: Path) -> None:
    tables = ROOT / "examples" / "county_tables"
    (tmp_path / "base").mkdir()
    for name in ("facilities.csv", "villages.csv"):
        (tmp_path / "base" / name).write_bytes((tables / name).read_bytes())
    data = _with(lambda d: d["world"]["counties"][0].update(
        residents=60_000, map={"tables": {"facilities": "facilities.csv",
                                          "villages": "villages.csv"}}))
    write(tmp_path / "base", data, "base.yaml")
    (tmp_path / "elsewhere").mkdir()
    child = write(tmp_path / "elsewhere", {"extends": "../base/base.yaml", "name": "child"},
                  "child.yaml")
    loaded = load_scenario(child)
    county = county_map(loaded.scenario.world, loaded.scenario.population.residents,
                        loaded.base_dir)
    assert "east/P1" in county.ids


def test_the_prefecture_example_changes_only_anhes_hospital() -> None:
    base = load_scenario(ROOT / "scenarios" / "prefecture.yaml").scenario
    example = load_scenario(ROOT / "examples" / "prefecture" / "anhe_county_hospital.yaml")
    counties = example.scenario.world.counties
    assert [c.name for c in counties] == [c.name for c in base.world.counties]
    for mine, theirs in zip(counties, base.world.counties, strict=True):
        if mine.name == "Anhe":
            assert mine.policy.capacity.bed_scale.county == 1.5
            assert mine.policy.capacity.slot_scale.county == 1.5
            mine = mine.model_copy(update={"policy": theirs.policy})
        if mine.map.tables is not None:  # the same files, named from another folder
            here = (example.base_dir / mine.map.tables.facilities).resolve()
            assert here == (ROOT / "scenarios" / theirs.map.tables.facilities).resolve()
            mine = mine.model_copy(update={"map": theirs.map})
        assert mine == theirs
    rest = {"name", "description", "world"}
    assert example.scenario.model_dump(exclude=rest) == base.model_dump(exclude=rest)
    assert example.scenario.world.model_dump(exclude={"counties"}) == base.world.model_dump(
        exclude={"counties"})
