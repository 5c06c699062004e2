from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from tieredcare.config.schema import World
from tieredcare.tiers import COUNTY, LINE_INDEX, SERVICE_LINES, TIERS, TOWNSHIP, VILLAGE
from tieredcare.world.network import (
    CountyMap,
    GraphError,
    build_synthetic,
    county_map,
    load_graphml,
    save_graphml,
)

RESIDENTS = 400_000


@pytest.fixture(scope="module")
def world() -> World:
    return World(city_hospitals=2, provincial_hospital=True)


@pytest.fixture(scope="module")
def graph(world: World) -> nx.Graph:
    return build_synthetic(world, RESIDENTS)


@pytest.fixture(scope="module")
def cmap(graph: nx.Graph) -> CountyMap:
    return CountyMap.from_graph(graph)


def small_graph() -> nx.Graph:
    world = World(townships=3, villages_per_township=4, city_hospitals=1)
    return build_synthetic(world, 1_000)


def edge_set(graph: nx.Graph) -> dict[frozenset[str], dict]:
    return {frozenset((u, v)): d for u, v, d in graph.edges(data=True)}


# ----------------------------------------------------------------------------- synthetic


def test_synthetic_node_counts_by_tier(graph: nx.Graph, world: World) -> None:
    counts = Counter(tier for _, tier in graph.nodes(data="tier"))
    assert counts == {"village": 15 * 14, "township": 15, "county": 2, "city": 2, "province": 1}
    assert graph.nodes["T03-V07"]["township"] == "T03"
    assert graph.nodes["county_tcm"]["township"] == ""
    assert graph.nodes["city_2"]["in_county"] is False
    assert graph.nodes["T03"]["in_county"] is True


def test_synthetic_is_connected_with_populations_summing(graph: nx.Graph) -> None:
    assert nx.is_connected(graph)
    pops = {n: d["population"] for n, d in graph.nodes(data=True)}
    assert sum(pops.values()) == RESIDENTS
    assert all(p >= 1 for n, p in pops.items() if graph.nodes[n]["tier"] == "village")
    assert all(p == 0 for n, p in pops.items() if graph.nodes[n]["tier"] != "village")


def test_synthetic_edges(graph: nx.Graph, world: World) -> None:
    vt, tc = world.village_township_minutes, world.township_county_minutes
    assert vt.low <= graph.edges["T01-V01", "T01"]["minutes"] <= vt.high
    assert tc.low <= graph.edges["T01", "county_general"]["minutes"] <= tc.high
    assert graph.edges["county_general", "county_tcm"]["minutes"] == 5.0
    assert graph.edges["city_1", "county_general"]["minutes"] == world.county_city_minutes
    assert graph.edges["city_2", "county_general"]["minutes"] == world.county_city_minutes + 10
    assert graph.edges["province", "city_1"]["minutes"] == world.city_province_minutes
    assert graph.has_edge("T01", "T02") and graph.has_edge("T15", "T01")
    assert all(d["minutes"] >= 0 for _, _, d in graph.edges(data=True))


def test_synthetic_is_deterministic_per_seed(world: World, graph: nx.Graph) -> None:
    again = build_synthetic(world, RESIDENTS)
    assert dict(again.nodes(data=True)) == dict(graph.nodes(data=True))
    assert edge_set(again) == edge_set(graph)
    other = build_synthetic(world.model_copy(update={"map_seed": 2}), RESIDENTS)
    assert dict(other.nodes(data=True)) != dict(graph.nodes(data=True))
    assert edge_set(other) != edge_set(graph)


def test_capacities_scale_with_residents(world: World, graph: nx.Graph) -> None:
    half = build_synthetic(world, RESIDENTS // 2)
    for node in ("county_general", "county_tcm", "city_1", "province"):
        for attr in ("outpatient_slots", "beds"):
            assert half.nodes[node][attr] == pytest.approx(graph.nodes[node][attr] / 2)
    fac = world.facilities
    villages = [d for _, d in graph.nodes(data=True) if d["tier"] == "village"]
    assert sum(d["outpatient_slots"] for d in villages) == pytest.approx(
        fac.village.outpatient_slots_per_1000 * RESIDENTS / 1000)
    town_pop = sum(d["population"] for d in villages if d["township"] == "T04")
    assert graph.nodes["T04"]["beds"] == pytest.approx(fac.township.beds_per_1000 * town_pop / 1000)
    assert graph.nodes["city_1"]["beds"] == pytest.approx(graph.nodes["city_2"]["beds"])
    assert graph.nodes["T04"]["services"] == ",".join(fac.township.services)
    assert graph.nodes["T04"]["capability"] == fac.township.capability


def test_tcm_share_split(world: World, graph: nx.Graph) -> None:
    general, tcm = graph.nodes["county_general"], graph.nodes["county_tcm"]
    for attr in ("outpatient_slots", "beds"):
        assert tcm[attr] / (tcm[attr] + general[attr]) == pytest.approx(world.tcm_share)
    expected = world.facilities.county.outpatient_slots_per_1000 * RESIDENTS / 1000
    assert tcm["outpatient_slots"] + general["outpatient_slots"] == pytest.approx(expected)


def test_too_few_residents_for_villages() -> None:
    with pytest.raises(ValueError, match="villages"):
        build_synthetic(World(townships=20, villages_per_township=10), 150)


# ----------------------------------------------------------------------------- CountyMap


def test_county_map_shapes_and_order(cmap: CountyMap) -> None:
    f, v = cmap.n_facilities, cmap.n_villages
    assert (f, v) == (15 * 14 + 15 + 2 + 2 + 1, 15 * 14)
    for name in ("tier", "in_county", "outpatient_slots", "beds", "quality", "capability",
                 "x", "y", "facility_township"):
        assert getattr(cmap, name).shape == (f,), name
    assert cmap.services.shape == (f, len(SERVICE_LINES))
    assert cmap.facility_minutes.shape == (f, f) and cmap.facility_minutes.dtype == np.float32
    assert cmap.village_minutes.shape == (v, f)
    assert cmap.tier.dtype == np.int8 and cmap.villages.dtype == np.int32
    assert cmap.village_population.dtype == np.int64 and cmap.village_population.sum() == RESIDENTS
    assert np.all(np.diff(cmap.tier) >= 0)
    keys = [(int(t), i) for t, i in zip(cmap.tier, cmap.ids, strict=True)]
    assert keys == sorted(keys)
    assert cmap.ids[0] == "T01-V01" and cmap.ids[-1] == "province"
    assert cmap.township_ids == [f"T{i:02d}" for i in range(1, 16)]
    assert np.all(cmap.tier[cmap.villages] == VILLAGE)
    assert np.all(cmap.facility_township[cmap.tier >= COUNTY] == -1)
    assert not cmap.in_county[cmap.ids.index("city_1")]


def test_county_map_attribute_arrays(cmap: CountyMap, graph: nx.Graph) -> None:
    t04 = cmap.ids.index("T04")
    assert cmap.beds[t04] == graph.nodes["T04"]["beds"]
    assert cmap.names[t04] == "Township 4"
    assert cmap.township_ids[cmap.facility_township[t04]] == "T04"
    assert cmap.services[t04, LINE_INDEX["dentistry"]]
    assert not cmap.services[t04, LINE_INDEX["stroke"]]
    assert cmap.services[cmap.ids.index("city_1")].all()
    with pytest.raises(ValueError):
        cmap.beds[0] = 1.0  # arrays are shared by replicates, so they are read-only


def test_travel_minutes_are_a_metric(cmap: CountyMap) -> None:
    m = cmap.facility_minutes
    assert np.array_equal(m, m.T)
    assert np.all(np.diag(m) == 0)
    assert np.all(np.isfinite(m)) and np.all(m >= 0)
    rng = np.random.default_rng(0)
    i, j, k = rng.integers(0, cmap.n_facilities, (3, 2_000))
    assert np.all(m[i, k] <= m[i, j] + m[j, k] + 1e-3)
    assert np.array_equal(cmap.village_minutes, m[cmap.villages])


def test_village_to_own_township(cmap: CountyMap, graph: nx.Graph) -> None:
    for row, v in enumerate(cmap.villages):
        vid = cmap.ids[v]
        home = cmap.home_township_centre[row]
        assert cmap.ids[home] == graph.nodes[vid]["township"]
        assert cmap.township_ids[cmap.village_township[row]] == graph.nodes[vid]["township"]
        edge = graph.edges[vid, cmap.ids[home]]["minutes"]
        assert cmap.village_minutes[row, home] <= np.float32(edge) + 1e-4


def test_candidates(cmap: CountyMap) -> None:
    index, minutes = cmap.candidates(2)
    hospitals = np.flatnonzero(cmap.tier >= COUNTY)
    assert index.shape == minutes.shape == (cmap.n_villages, 1 + 2 + len(hospitals))
    assert index.dtype == np.int32 and minutes.dtype == np.float32
    assert np.array_equal(index[:, 0], cmap.villages)
    assert np.all(minutes[:, 0] == 0)
    assert np.all(cmap.tier[index[:, 1:3]] == TOWNSHIP)
    assert np.all(index[:, 1] != index[:, 2])
    assert np.all((index[:, 1:3] == cmap.home_township_centre[:, None]).any(axis=1))
    assert np.array_equal(index[:, 3:], np.broadcast_to(hospitals, (cmap.n_villages, 5)))
    assert np.array_equal(minutes, np.take_along_axis(cmap.village_minutes, index, axis=1))


def test_candidates_cap_and_own_centre() -> None:
    cmap = CountyMap.from_graph(small_graph())
    index, _ = cmap.candidates(10)
    assert index.shape == (cmap.n_villages, 1 + 3 + 3)
    one, _ = cmap.candidates(1)
    assert np.array_equal(one[:, 1], cmap.home_township_centre)
    with pytest.raises(ValueError, match="n_townships"):
        cmap.candidates(0)


def test_village_without_centre_uses_nearest() -> None:
    graph = small_graph()
    graph.nodes["T02-V01"]["township"] = ""
    graph.nodes["T03-V01"]["township"] = "elsewhere"
    cmap = CountyMap.from_graph(graph)
    for vid in ("T02-V01", "T03-V01"):
        row = list(cmap.villages).index(cmap.ids.index(vid))
        home = cmap.home_township_centre[row]
        centres = np.flatnonzero(cmap.tier == TOWNSHIP)
        assert cmap.village_minutes[row, home] == cmap.village_minutes[row, centres].min()
    assert "elsewhere" in cmap.township_ids


def test_default_county_map_is_fast() -> None:
    import time

    start = time.perf_counter()
    county_map(World(), RESIDENTS)
    assert time.perf_counter() - start < 1.0


# ----------------------------------------------------------------------------- GraphML


def test_graphml_round_trip(tmp_path: Path, graph: nx.Graph, cmap: CountyMap) -> None:
    path = tmp_path / "county.graphml"
    save_graphml(graph, path)
    assert [p.name for p in tmp_path.iterdir()] == ["county.graphml"]  # no temp file left
    loaded = load_graphml(path)
    assert dict(loaded.nodes(data=True)) == dict(graph.nodes(data=True))
    assert edge_set(loaded) == edge_set(graph)
    again = CountyMap.from_graph(loaded)
    for name, value in vars(cmap).items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(getattr(again, name), value), name
            assert getattr(again, name).dtype == value.dtype, name
    assert again.ids == cmap.ids and again.township_ids == cmap.township_ids


def test_save_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "c.graphml"
    path.write_text("old")
    save_graphml(small_graph(), path)
    assert load_graphml(path).number_of_nodes() == 12 + 3 + 2 + 1


def test_load_coerces_and_defaults(tmp_path: Path) -> None:
    graph = small_graph()
    graph.nodes["T01"]["in_county"] = "false"
    graph.nodes["T02"]["in_county"] = 1
    graph.nodes["T02"]["services"] = "general, paediatrics"
    for attr in ("x", "y", "name", "township"):
        del graph.nodes["county_tcm"][attr]
    path = tmp_path / "c.graphml"
    save_graphml(graph, path)
    loaded = load_graphml(path)
    assert loaded.nodes["T01"]["in_county"] is False
    assert loaded.nodes["T02"]["in_county"] is True
    assert loaded.nodes["T02"]["services"] == "general,paediatrics"
    tcm = loaded.nodes["county_tcm"]
    assert (tcm["x"], tcm["y"], tcm["name"], tcm["township"]) == (0.0, 0.0, "county_tcm", "")


def test_county_map_loads_and_rescales(tmp_path: Path) -> None:
    graph = small_graph()
    (tmp_path / "maps").mkdir()
    save_graphml(graph, tmp_path / "maps" / "c.graphml")
    world = World(graphml="maps/c.graphml", townships=99)  # synthetic fields are ignored
    cmap = county_map(world, 3_000, base_dir=tmp_path)
    assert cmap.village_population.sum() == 3_000
    before = np.array([graph.nodes[cmap.ids[v]]["population"] for v in cmap.villages])
    assert np.allclose(cmap.village_population, before * 3, atol=1)
    assert cmap.outpatient_slots[cmap.ids.index("county_general")] == pytest.approx(
        graph.nodes["county_general"]["outpatient_slots"])


def test_county_map_synthetic() -> None:
    world = World(townships=4, villages_per_township=3)
    cmap = county_map(world, 500)
    assert cmap.n_villages == 12 and cmap.village_population.sum() == 500


# ----------------------------------------------------------------------------- bad GraphML


def write_bad(tmp_path: Path, graph: nx.Graph) -> Path:
    path = tmp_path / "county.graphml"
    nx.write_graphml(graph, path)
    return path


def expect_error(path: Path, *parts: str) -> str:
    with pytest.raises(GraphError) as info:
        load_graphml(path)
    message = str(info.value)
    assert "county.graphml" in message
    for part in parts:
        assert part in message, message
    return message


def test_unknown_tier(tmp_path: Path) -> None:
    graph = small_graph()
    graph.nodes["T03"]["tier"] = "hospital"
    message = expect_error(write_bad(tmp_path, graph), "'T03'", "'tier'", "'hospital'")
    assert "allowed: " + ", ".join(TIERS) in message


def test_quality_out_of_range(tmp_path: Path) -> None:
    graph = small_graph()
    graph.nodes["T01-V02"]["quality"] = 1.5
    expect_error(write_bad(tmp_path, graph), "'T01-V02'", "'quality'", "1.5", "[0, 1]")


def test_missing_edge_minutes(tmp_path: Path) -> None:
    graph = small_graph()
    del graph.edges["T02-V01", "T02"]["minutes"]
    message = expect_error(write_bad(tmp_path, graph), "'minutes'", "missing")
    assert "'T02-V01'" in message and "'T02'" in message


def test_negative_edge_minutes(tmp_path: Path) -> None:
    graph = small_graph()
    graph.edges["T02", "county_general"]["minutes"] = -3.0
    expect_error(write_bad(tmp_path, graph), "'T02'", "'county_general'", "'minutes'", ">= 0")


def test_unknown_service_line(tmp_path: Path) -> None:
    graph = small_graph()
    graph.nodes["county_general"]["services"] = "general,cardiology"
    expect_error(write_bad(tmp_path, graph), "'county_general'", "'services'", "cardiology",
                 "paediatrics")


def test_missing_and_bad_node_attributes(tmp_path: Path) -> None:
    graph = small_graph()
    del graph.nodes["T01"]["beds"]
    expect_error(write_bad(tmp_path, graph), "'T01'", "'beds'", "missing")
    graph = small_graph()
    graph.nodes["T01"]["capability"] = 7
    expect_error(write_bad(tmp_path, graph), "'T01'", "'capability'", "0-4")
    graph = small_graph()
    graph.nodes["T01"]["in_county"] = "maybe"
    expect_error(write_bad(tmp_path, graph), "'T01'", "'in_county'", "'maybe'")
    graph = small_graph()
    graph.nodes["T01"]["population"] = 50
    expect_error(write_bad(tmp_path, graph), "'T01'", "'population'", "village")


def test_disconnected_graph(tmp_path: Path) -> None:
    graph = small_graph()
    graph.add_node("island", **graph.nodes["T01-V01"])
    expect_error(write_bad(tmp_path, graph), "'island'", "not connected", "'minutes'")


def test_no_populated_village(tmp_path: Path) -> None:
    graph = small_graph()
    for _, data in graph.nodes(data=True):
        data["population"] = 0
    expect_error(write_bad(tmp_path, graph), "'population'", "village")


def test_unparseable_file(tmp_path: Path) -> None:
    path = tmp_path / "county.graphml"
    path.write_text("<graphml><graph")
    expect_error(path, "GraphML")

