"""A county from spreadsheets: tables → GraphML, errors by row and column, show and export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hostile import answer, snapshot
from tieredcare.config import ConfigError, load_scenario
from tieredcare.run import simulate
from tieredcare.world import tables
from tieredcare.world.network import CountyMap, county_map, load_graphml, save_graphml
from tieredcare.world.tables import graph_from_tables

EXAMPLE = ROOT / "examples" / "county_tables"
FACILITIES = ["id", "name", "tier", "lon", "lat", "beds", "outpatient_slots", "services",
              "township", "village"]
VILLAGES = ["id", "name", "township", "population", "lon", "lat"]


def small_tables(folder: Path, *, facilities: list[list] | None = None,
                 villages: list[list] | None = None, encoding: str = "utf-8"
                 ) -> tuple[Path, Path]:
    """Two townships, four villages (one without a clinic), a county and a city hospital."""
    fac = facilities or [
        ["C1", "东村卫生室", "village", 117.30, 31.40, 0, 8, "general", "T1", "V1"],
        ["C2", "西村卫生室", "village", 117.26, 31.42, 0, 8, "general", "T1", "V2"],
        ["C3", "南庄卫生室", "village", 117.10, 31.30, 0, 8, "general", "T2", "V3"],
        ["H1", "城关镇卫生院", "township", 117.28, 31.41, 10, 60, "general;paediatrics", "T1", ""],
        ["H2", "河口镇卫生院", "township", 117.12, 31.32, 10, 60, "general", "T2", ""],
        ["P1", "县人民医院", "county", 117.20, 31.40, 80, 200,
         "general;paediatrics;trauma;chest_pain", "", ""],
        ["S1", "市第一人民医院", "city", 117.60, 31.64, 90, 150,
         "general;paediatrics;stroke;chest_pain;trauma", "", ""],
    ]
    vil = villages or [
        ["V1", "东村", "T1", 900, 117.30, 31.40], ["V2", "西村", "T1", 700, 117.26, 31.42],
        ["V3", "南庄", "T2", 800, 117.10, 31.30], ["V4", "北庄", "T2", 600, 117.14, 31.35],
    ]
    paths = folder / "facilities.csv", folder / "villages.csv"
    for path, header, rows in ((paths[0], FACILITIES, fac), (paths[1], VILLAGES, vil)):
        with open(path, "w", newline="", encoding=encoding) as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    return paths


def refused(*paths: Path, **kwargs) -> str:
    with pytest.raises(ConfigError) as info:
        graph_from_tables(*paths, **kwargs)
    return str(info.value)


def test_the_shipped_tables_make_a_map_the_model_accepts(tmp_path: Path) -> None:
    graph = graph_from_tables(EXAMPLE / "facilities.csv", EXAMPLE / "villages.csv")
    county = CountyMap.from_graph(graph, "example")
    assert county.n_villages == 60 and len(county.township_ids) == 5
    seat, city = county.ids.index("P1"), county.ids.index("city_1")
    # 46 km as the crow flies, × 1.3 detour at 40 km/h: about 90 minutes.
    assert 80 < county.facility_minutes[seat, city] < 100
    save_graphml(county.graph, tmp_path / "county.graphml")
    again = CountyMap.from_graph(load_graphml(tmp_path / "county.graphml"), "again")
    assert again.ids == county.ids
    assert (again.village_population == county.village_population).all()
    assert again.names[seat] == "县人民医院"


def test_a_scenario_may_point_at_the_tables() -> None:
    loaded = load_scenario(EXAMPLE / "county.yaml", ["simulation.warmup_days=5",
                                                     "simulation.horizon_days=20"])
    out = simulate(loaded.scenario, base_dir=loaded.base_dir)
    assert out.summary["visits_per_capita"] > 0
    assert set(out.facilities["tier"]) == {"village", "township", "county", "city"}


def test_graphml_and_tables_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_text("world:\n  graphml: a.graphml\n  tables: {facilities: f.csv, villages: "
                    "v.csv}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="both name a map"):
        load_scenario(path)


@pytest.mark.parametrize(("setting", "allowed"), [
    ("world.tables.detour=0.5", "1 ≤ value ≤ 5"), ("world.tables.speed_kmh=900", "≤ 200"),
    ("world.tables.facilities=", "expected text"), ("world.tables.colour=red", "detour")])
def test_table_settings_are_checked(setting: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_scenario(EXAMPLE / "county.yaml", [setting])
    text = str(info.value)
    assert setting.split("=")[0] in text and allowed in text, text


def test_bom_chinese_names_and_a_village_without_a_clinic(tmp_path: Path) -> None:
    graph = graph_from_tables(*small_tables(tmp_path, encoding="utf-8-sig"))
    assert graph.nodes["P1"]["name"] == "县人民医院"
    assert graph.nodes["village:V4"]["population"] == 600
    assert graph.nodes["village:V4"]["outpatient_slots"] == 0


def mutate(rows: list[list], row: int, column: int, value) -> list[list]:
    rows = [list(r) for r in rows]
    rows[row][column] = value
    return rows


BASE_FAC = [
    ["C1", "a", "village", 117.30, 31.40, 0, 8, "general", "T1", "V1"],
    ["H1", "b", "township", 117.28, 31.41, 10, 60, "general", "T1", ""],
    ["P1", "c", "county", 117.20, 31.40, 80, 200, "general", "", ""],
    ["S1", "d", "city", 117.60, 31.64, 90, 150, "general", "", ""],
]
BASE_VIL = [["V1", "v", "T1", 900, 117.30, 31.40]]


@pytest.mark.parametrize("table, row, column, value, expected", [
    ("facilities", 1, 2, "hospital", "row 3, column 'tier'"),
    ("facilities", 1, 7, "general;surgery", "row 3, column 'services'"),
    ("facilities", 1, 0, "C1", "row 3, column 'id'"),
    ("facilities", 2, 3, "swap", "look swapped"),
    ("facilities", 2, 4, 95.0, "row 4, column 'lat'"),
    ("facilities", 0, 6, "many", "row 2, column 'outpatient_slots'"),
    ("facilities", 0, 9, "V9", "no village 'V9'"),
    ("villages", 0, 3, -5, "row 2, column 'population'"),
    ("villages", 0, 3, 12.5, "whole number"),
    ("villages", 0, 4, 87.0, "no township centre or hospital within"),
])
def test_bad_rows_are_named_by_file_row_and_column(table: str, row: int, column: int, value,
                                                   expected: str, tmp_path: Path) -> None:
    fac, vil = BASE_FAC, BASE_VIL
    if value == "swap":
        fac = mutate(mutate(fac, row, 3, fac[row][4]), row, 4, fac[row][3])
    elif table == "facilities":
        fac = mutate(fac, row, column, value)
    else:
        vil = mutate(vil, row, column, value)
        if column == 4:  # move the village and its clinic far away together
            fac = mutate(fac, 0, 3, value)
    paths = small_tables(tmp_path, facilities=fac, villages=vil)
    message = refused(*paths)
    assert expected in message, message
    assert f"{table}.csv" in message


def test_missing_columns_nul_bytes_and_too_many_rows(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fac, vil = small_tables(tmp_path)
    vil.write_text("id,name,population,lon,lat\nV1,a,3,117,31\n", encoding="utf-8")
    assert "missing column(s) ['township']" in refused(fac, vil)
    vil.write_bytes(b"id,name,township,population,lon,lat\nV1,a\x00,T1,3,117,31\n")
    assert "NUL byte" in refused(fac, vil)
    small_tables(tmp_path)
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    assert "more than 3 rows" in refused(fac, vil)


def test_an_origin_destination_table_replaces_the_distances(tmp_path: Path) -> None:
    fac, vil = small_tables(tmp_path)
    travel = tmp_path / "od.csv"
    pairs = [("C1", "H1", 12), ("C2", "H1", 15), ("C3", "H2", 9), ("village:V4", "H2", 20),
             ("H1", "P1", 25), ("H2", "P1", 35), ("P1", "S1", 88)]
    travel.write_text("from,to,minutes\n" + "".join(f"{a},{b},{m}\n" for a, b, m in pairs),
                      encoding="utf-8")
    county = CountyMap.from_graph(graph_from_tables(fac, vil, travel), "od")
    i, j = county.ids.index("C1"), county.ids.index("S1")
    assert county.facility_minutes[i, j] == pytest.approx(12 + 25 + 88)
    travel.write_text("from,to,minutes\nC1,H9,5\n", encoding="utf-8")
    message = refused(fac, vil, travel)
    assert "row 2, column 'to'" in message and "'H9'" in message


def test_county_map_builds_from_tables_relative_to_the_scenario(tmp_path: Path) -> None:
    small_tables(tmp_path)
    world = load_scenario(EXAMPLE / "county.yaml").scenario.world.model_copy(update={
        "tables": load_scenario(EXAMPLE / "county.yaml").scenario.world.tables.model_copy(
            update={"facilities": "facilities.csv", "villages": "villages.csv"})})
    county = county_map(world, 5_000, tmp_path)
    assert county.n_villages == 4 and int(county.village_population.sum()) == 5_000


def test_the_map_commands(tmp_path: Path) -> None:
    fac, vil = small_tables(tmp_path)
    got = answer("map", "import", "--facilities", fac, "--villages", vil, "--out",
                 "c.graphml", cwd=tmp_path)
    assert got.code == 0, got.stderr
    again = answer("map", "import", "--facilities", fac, "--villages", vil, "--out",
                   "c.graphml", cwd=tmp_path)
    assert again.code == 2 and "--overwrite" in again.stderr
    assert answer("map", "show", "c.graphml", cwd=tmp_path).code == 0
    assert (tmp_path / "c_map.png").read_bytes()[:4] == b"\x89PNG"
    assert "missing from font" not in got.stderr
    assert answer("map", "export", "c.graphml", cwd=tmp_path).code == 0
    collection = json.loads((tmp_path / "c.geojson").read_text(encoding="utf-8"))
    points = [f for f in collection["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in collection["features"] if f["geometry"]["type"] == "LineString"]
    assert collection["type"] == "FeatureCollection" and len(points) == 8 and lines
    assert points[0]["geometry"]["coordinates"][0] > 100  # longitude, not km
    # A bad table writes nothing.
    before = snapshot(tmp_path)
    vil.write_text("id,name,township,population,lon,lat\nV1,a,T1,-1,117,31\n", encoding="utf-8")
    before = snapshot(tmp_path)
    bad = answer("map", "import", "--facilities", fac, "--villages", vil, "--out", "d.graphml",
                 cwd=tmp_path)
    assert not bad.problems(), bad.problems()
    assert "villages.csv: row 2, column 'population'" in bad.stderr
    assert snapshot(tmp_path) == before
