"""Hostile and careless GraphML maps: each is refused with a clear message, or it runs.

Every bad map is written as text by :func:`graphml_text`, so a test shows exactly what the
file held. One case per kind of problem goes through the real console script (see
``tests/hostile.py`` for the bounds: exit 2, a message, no traceback, time, memory, output,
nothing written). The rule "whatever loading accepts, the model runs" is checked in
process: odd but valid maps, and a property test over random attribute values, are loaded
with ``county_map`` and simulated for a few days.
"""

from __future__ import annotations

import gzip
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import make_small
from tests.hostile import MAP_SECONDS, answer, snapshot
from tieredcare.config import InputWarning
from tieredcare.config.schema import World
from tieredcare.metrics import INDICATORS, p90_wait
from tieredcare.model import TieredCareModel
from tieredcare.tiers import SERVICE_LINES, TIERS
from tieredcare.world import limits
from tieredcare.world.checks import GraphError
from tieredcare.world.county import CountyMap, _travel_minutes
from tieredcare.world.graphml import load_graphml, save_graphml
from tieredcare.world.network import build_synthetic, county_map

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'

KEYS: tuple[tuple[str, str, str], ...] = (
    ("tier", "node", "string"),
    ("in_county", "node", "boolean"),
    ("outpatient_slots", "node", "double"),
    ("beds", "node", "double"),
    ("quality", "node", "double"),
    ("capability", "node", "int"),
    ("services", "node", "string"),
    ("population", "node", "long"),
    ("township", "node", "string"),
    ("name", "node", "string"),
    ("x", "node", "double"),
    ("y", "node", "double"),
    ("minutes", "edge", "double"),
)
"""Key declarations of a map: (attr.name, for, attr.type); the key id is the name."""

Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, dict[str, Any]]
CAPABILITY = {"village": 1, "township": 2, "county": 3, "city": 4, "province": 4}


def facility(nid: str, tier: str, **attrs: Any) -> Node:
    """A node with every required attribute; ``attrs`` override or add (None drops one)."""
    data: dict[str, Any] = {"tier": tier, "in_county": tier != "city",
                            "outpatient_slots": 20.0, "beds": 5.0, "quality": 0.5,
                            "capability": CAPABILITY[tier], "services": "general",
                            "population": 0, "township": ""}
    data.update(attrs)
    return nid, {k: v for k, v in data.items() if v is not None}


def small_county() -> tuple[list[Node], list[Edge]]:
    """Three villages, a township centre, a county hospital and a city hospital."""
    nodes = [
        facility("V1", "village", population=300, township="T1"),
        facility("V2", "village", population=200, township="T1"),
        facility("V3", "village", population=100, township="T1"),
        facility("T1", "township", township="T1", beds=10.0,
                 services="general,paediatrics,rehabilitation"),
        facility("C1", "county", beds=50.0, services=",".join(SERVICE_LINES[:9])),
        facility("X1", "city", beds=80.0, services=",".join(SERVICE_LINES)),
    ]
    edges = [("V1", "T1", {"minutes": 10}), ("V2", "T1", {"minutes": 15}),
             ("V3", "V2", {"minutes": 5}), ("T1", "C1", {"minutes": 30}),
             ("C1", "X1", {"minutes": 90})]
    return nodes, edges


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def graphml_text(nodes: list[Node], edges: list[Edge],
                 keys: tuple[tuple[str, str, str], ...] = KEYS, *, head: str = XML_HEAD,
                 edgedefault: str = "undirected") -> str:
    """GraphML text of ``nodes`` and ``edges``; values are written as ``str`` (escaped)."""
    out = [head, '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    out += [f"<key id={quoteattr(name)} for={quoteattr(scope)} attr.name={quoteattr(name)} "
            f"attr.type={quoteattr(kind)}/>" for name, scope, kind in keys]
    out.append(f"<graph edgedefault={quoteattr(edgedefault)}>")

    def data(values: dict[str, Any]) -> str:
        return "".join(f"<data key={quoteattr(k)}>{escape(_value(v))}</data>"
                       for k, v in values.items())

    out += [f"<node id={quoteattr(n)}>{data(d)}</node>" for n, d in nodes]
    out += [f"<edge source={quoteattr(u)} target={quoteattr(v)}>{data(d)}</edge>"
            for u, v, d in edges]
    out.append("</graph>\n</graphml>\n")
    return "\n".join(out)


def changed(node: str, **attrs: Any) -> str:
    """The small county with one node's attributes changed."""
    nodes, edges = small_county()
    nodes = [(n, {**d, **attrs}) if n == node else (n, d) for n, d in nodes]
    return graphml_text(nodes, edges)


def without(*removed: str) -> tuple[list[Node], list[Edge]]:
    nodes, edges = small_county()
    return ([(n, d) for n, d in nodes if n not in removed],
            [e for e in edges if not {e[0], e[1]} & set(removed)])


def many_villages(count: int, *, name_chars: int = 0) -> str:
    """A county of ``count`` populated villages, all joined to one township centre."""
    nodes, edges = small_county()
    pad = "x" * name_chars
    nodes += [facility(f"W{i}", "village", population=10, township="T1", name=pad)
              for i in range(count)]
    edges += [(f"W{i}", "T1", {"minutes": 12}) for i in range(count)]
    return graphml_text(nodes, edges)


def write_scenario(folder: Path, map_text: str | bytes | None = None, *,
                   graphml_path: str = "county.graphml", residents: int = 500) -> Path:
    """A scenario extending the baseline with a tiny run on a map (written if given)."""
    if map_text is not None:
        data = map_text.encode("utf-8") if isinstance(map_text, str) else map_text
        (folder / graphml_path).write_bytes(data)
    path = folder / "scenario.yaml"
    path.write_text(f"extends: {BASELINE}\nname: hostile\n"
                    "simulation: {warmup_days: 2, horizon_days: 5}\n"
                    f"world: {{graphml: '{graphml_path}'}}\n"
                    f"population: {{residents: {residents}}}\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the CLI


def refused(folder: Path, scenario: Path, *parts: str, command: str = "validate",
            seconds: float = 20.0) -> str:
    """Run the console script on ``scenario``; check it is a clear rejection naming ``parts``.

    ``run`` writes into ``folder/out``, so "nothing written" covers it too.
    """
    before = snapshot(folder)
    extra = ("--out", folder / "out", "--quiet") if command == "run" else ()
    got = answer(command, scenario, *extra, cwd=folder)
    assert got.problems(seconds) == [], (got.problems(seconds), got.stderr[-3000:])
    for part in parts:
        assert part in got.stderr, (part, got.stderr)
    assert snapshot(folder) == before
    # One short line per message: a long value is shortened, not echoed.
    assert max(len(line) for line in got.stderr.splitlines()) < 600, got.stderr
    return got.stderr


BAD_ENCODING = graphml_text(*small_county(), head='<?xml version="1.0" encoding="foo"?>')
ENTITY_BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE graphml [\n <!ENTITY a "aaaaaaaaaa">\n'
               + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n'
                         for i in range(9))
               + "]>\n" + graphml_text(*small_county(), head="").replace(
                   '<data key="township">T1', '<data key="township">&j;', 1))
COMPLEX_TYPE = graphml_text(*small_county(), keys=tuple(
    (n, s, "complex" if n == "beds" else t) for n, s, t in KEYS))
DUPLICATE = graphml_text(small_county()[0] + [facility("V2", "village", population=5)],
                         small_county()[1])

CLI_CASES: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "bad double": (changed("V1", outpatient_slots="abc"),
                   ("county.graphml", "line", "'V1'", "'outpatient_slots'", "'abc'", "double")),
    "bad boolean": (changed("T1", in_county="maybe"),
                    ("county.graphml", "'T1'", "'in_county'", "'maybe'", "true, false")),
    "unknown attr.type": (COMPLEX_TYPE, ("county.graphml", "'beds'", "'complex'",
                                         "allowed: boolean, int, long, float, double")),
    "unknown encoding": (BAD_ENCODING, ("county.graphml", "'foo'", "encoding", "UTF-8")),
    "5,000-digit integer": (changed("V1", population="7" * 5_000),
                            ("county.graphml", "'population'", "(5,000 characters)",
                             "integer")),
    "1e400": (changed("C1", beds="1e400"), ("county.graphml", "'C1'", "'beds'", "inf",
                                            "100,000")),
    "duplicate node id": (DUPLICATE, ("county.graphml", "'V2'", "twice", "unique")),
    "no county hospital": (graphml_text(*without("C1")),
                           ("county.graphml", "'tier' county", "'in_county' true")),
    "no city hospital": (graphml_text(*without("X1")), ("county.graphml", "'tier' city")),
    "entity bomb": (ENTITY_BOMB, ("county.graphml", "DTD")),
    "road of a month": (graphml_text(small_county()[0], [
        (u, v, {"minutes": 43_200 if u == "C1" else d["minutes"]})
        for u, v, d in small_county()[1]]), ("county.graphml", "'minutes'", "10,080")),
    "control characters": (changed("V3", tier="\x9b31mvillage\u202e"),
                           ("county.graphml", "'tier'", r"\x9b31mvillage\u202e")),
    "6,000 nodes": (many_villages(6_000), ("county.graphml", "5,000", "MAX_FACILITIES")),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_refuses_bad_map(tmp_path: Path, case: str) -> None:
    text, parts = CLI_CASES[case]
    stderr = refused(tmp_path, write_scenario(tmp_path, text), *parts)
    assert "\x9b" not in stderr and "\u202e" not in stderr


def test_cli_refuses_more_villages_than_residents(tmp_path: Path) -> None:
    # Depends on the command line building the county map before a run starts (the map
    # itself is valid; only spreading 100 residents over 123 villages fails).
    scenario = write_scenario(tmp_path, many_villages(120), residents=100)
    for command in ("validate", "run"):
        refused(tmp_path, scenario, "county.graphml", "123", "100", "population.residents",
                command=command)


@pytest.mark.parametrize("kind", ["directory", "device", "fifo"])
def test_cli_refuses_files_that_are_not_maps(tmp_path: Path, kind: str) -> None:
    target = {"directory": "maps", "device": "/dev/zero", "fifo": "county.graphml"}[kind]
    if kind == "directory":
        (tmp_path / "maps").mkdir()
    elif kind == "fifo":
        os.mkfifo(tmp_path / target)  # opening it to read would block forever
    scenario = write_scenario(tmp_path, graphml_path=target)
    refused(tmp_path, scenario, target, "allowed: a GraphML file")


def test_cli_refuses_a_50_mb_map_quickly(tmp_path: Path) -> None:
    text = many_villages(90_000, name_chars=180)
    assert len(text) > 50 * 10**6
    refused(tmp_path, write_scenario(tmp_path, text), "county.graphml", "MiB",
            "MAX_MAP_BYTES", seconds=MAP_SECONDS)


def test_cli_prints_warning_for_self_loop(tmp_path: Path) -> None:
    nodes, edges = small_county()
    scenario = write_scenario(tmp_path, graphml_text(nodes, [*edges, ("T1", "T1",
                                                                      {"minutes": 3})]))
    got = answer("validate", scenario, cwd=tmp_path)
    assert got.code == 0, got.stderr
    assert "itself" in got.stderr and "'T1'" in got.stderr


# ----------------------------------------------------------------------------- in process


def load_text(tmp_path: Path, text: str | bytes, name: str = "county.graphml") -> nx.Graph:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return load_graphml(path)


def error_of(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(GraphError) as info:
        load_text(tmp_path, text)
    message = str(info.value)
    assert "county.graphml" in message and "allowed" in message, message
    return message


def test_long_and_control_values_are_shortened_and_escaped() -> None:
    graph = nx.Graph()
    graph.add_node("V1", **dict(facility("V1", "village", population=5)[1],
                                tier="\x1b[31m" + "x" * 5_000))
    with pytest.raises(GraphError) as info:
        CountyMap.from_graph(graph)
    message = str(info.value)
    assert r"'\x1b[31mxxx" in message and "\x1b" not in message
    assert "(5,005 characters)" in message and len(message) < 300


def test_huge_python_integer_is_described_not_printed() -> None:
    graph = nx.Graph()
    graph.add_node("V1", **dict(facility("V1", "village")[1], population=10**5_000))
    with pytest.raises(GraphError, match="an integer of about 5,000 digits"):
        CountyMap.from_graph(graph)


@pytest.mark.parametrize(("attr", "value", "allowed"), [
    ("outpatient_slots", 2e6, "1,000,000"), ("outpatient_slots", -1, ">= 0"),
    ("beds", 1e5 + 1, "100,000"), ("quality", -0.1, "[0, 1]"), ("capability", 7, "0-4"),
    ("capability", 2.5, "integer"),
    ("population", 2 * 10**7 + 1, "20,000,000"), ("population", 1.5, "integer"),
    ("x", 1e300, "1e+08"), ("y", "nan", "1e+08"), ("name", "n" * 201, "200 characters"),
])
def test_values_out_of_their_range(tmp_path: Path, attr: str, value: Any,
                                    allowed: str) -> None:
    message = error_of(tmp_path, changed("V1", **{attr: value}))
    assert f"'{attr}'" in message and allowed in message, message


def test_edge_to_undeclared_node_and_missing_ids(tmp_path: Path) -> None:
    nodes, edges = small_county()
    message = error_of(tmp_path, graphml_text(nodes, [*edges, ("T1", "nowhere",
                                                               {"minutes": 1})]))
    assert "'nowhere'" in message and "not declared" in message
    message = error_of(tmp_path, graphml_text(*small_county()).replace('<node id="V3">',
                                                                       "<node>"))
    assert "without an id" in message


@pytest.mark.parametrize(("text", "part"), [
    ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns"/>', "no <graph>"),
    ("<nodes/>", "root element"),
    ("not xml at all", "not well-formed"),
    ("", "not well-formed"),
    (graphml_text(*small_county()).replace('<node id="V1">', '<node id="V1"><graph/>'),
     "nested graph"),
    (graphml_text(*small_county()).replace("</graph>", "</graph><graph/>"), "second <graph>"),
    (graphml_text(*small_county()).replace("</graph>", '<hyperedge/></graph>'), "hyperedge"),
    (graphml_text(*small_county()).replace('<data key="beds">', '<data key="bedz">', 1),
     "'bedz', which is not declared"),
    (graphml_text(*small_county(), head='<?xml version="1.0" encoding="base64"?>'),
     "'base64'"),
    (graphml_text(*small_county()).encode("utf-8").replace(b"V1", b"V\xff"), "not valid UTF-8"),
    (gzip.compress(graphml_text(*small_county()).encode()), "gzip"),
])
def test_malformed_files(tmp_path: Path, text: str | bytes, part: str) -> None:
    assert part in error_of(tmp_path, text)


@pytest.mark.parametrize(("limit", "value", "text"), [
    ("MAX_ELEMENTS", 50, graphml_text(*small_county())),
    ("MAX_ROADS", 4, graphml_text(*small_county())),
    ("MAX_VALUE_CHARS", 10, changed("V1", name="a long village name")),
    ("MAX_ROUTE_WORK", 20, graphml_text(*small_county())),
    ("MAX_MAP_BYTES", 1_000, graphml_text(*small_county())),
])
def test_each_limit_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str,
                             value: int, text: str) -> None:
    load_text(tmp_path, text, "fine.graphml")  # within the real limits
    monkeypatch.setattr(limits, limit, value)
    assert limit in error_of(tmp_path, text)


def test_too_many_facilities_in_a_python_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_FACILITIES", 10)
    with pytest.raises(GraphError, match="MAX_FACILITIES"):
        CountyMap.from_graph(build_synthetic(World(townships=2, villages_per_township=3), 500))
    # A synthetic map too large is refused by the schema, with its keys.
    with pytest.raises(ValueError, match=r"world.townships.*allowed: at most 5,000"):
        World(townships=200, villages_per_township=200)


def test_residents_fewer_than_populated_villages(tmp_path: Path) -> None:
    (tmp_path / "county.graphml").write_text(graphml_text(*small_county()))
    with pytest.raises(GraphError) as info:
        county_map(World(graphml="county.graphml"), 2, base_dir=tmp_path)
    message = str(info.value)
    assert "county.graphml" in message and "3 villages" in message and "is 2" in message


def test_readable_variants(tmp_path: Path) -> None:
    plain = load_text(tmp_path, graphml_text(*small_county()))
    # No namespace, UTF-16 with a byte-order mark, GBK with a Chinese name: the same county.
    gbk = changed("V1", name="村卫生室").replace(XML_HEAD, '<?xml version="1.0" encoding="GBK"?>')
    variants = {
        "no namespace": graphml_text(*small_county()).replace(
            ' xmlns="http://graphml.graphdrawing.org/xmlns"', ""),
        "utf-16": graphml_text(*small_county(), head='<?xml version="1.0" encoding="UTF-16"?>'
                               ).encode("utf-16"),
        "gbk": gbk.encode("gbk"),
    }
    for name, text in variants.items():
        graph = load_text(tmp_path, text)
        assert sorted(graph.nodes) == sorted(plain.nodes), name
        assert graph.edges["V1", "T1"]["minutes"] == 10.0, name
    assert graph.nodes["V1"]["name"] == "村卫生室"


def test_key_defaults_apply_and_drawing_data_is_skipped(tmp_path: Path) -> None:
    nodes, edges = small_county()
    nodes = [(n, {k: v for k, v in d.items() if k != "quality"}) for n, d in nodes]
    text = graphml_text(nodes, edges).replace(
        'attr.name="quality" attr.type="double"/>',
        'attr.name="quality" attr.type="double"><default>0.25</default></key>'
        '<key id="g" for="node" yfiles.type="nodegraphics"/>').replace(
        '<node id="V1">', '<node id="V1"><data key="g"><y:ShapeNode xmlns:y="http://www.yworks'
        '.com/xml/graphml"><y:Geometry x="1" y="2"/></y:ShapeNode></data>')
    graph = load_text(tmp_path, text)
    assert {d["quality"] for _, d in graph.nodes(data=True)} == {0.25}
    assert graph.nodes["V1"]["x"] == 0.0


def test_self_loop_warns_and_is_dropped(tmp_path: Path) -> None:
    nodes, edges = small_county()
    with pytest.warns(InputWarning, match="itself"):
        graph = load_text(tmp_path, graphml_text(nodes, [*edges, ("T1", "T1", {"minutes": 2})]))
    assert not any(u == v for u, v in graph.edges)


def test_idle_facility_and_no_capability_4_warn(tmp_path: Path) -> None:
    nodes, edges = small_county()
    nodes = [(n, {**d, "capability": min(d["capability"], 3)}) for n, d in nodes]
    # V3 is an empty clinic; V2 is a place where people live without a clinic, which is
    # how spreadsheet maps enter villages served elsewhere, so it is not warned about.
    idle = {"V3": {"outpatient_slots": 0, "beds": 0, "population": 0},
            "V2": {"outpatient_slots": 0, "beds": 0}}
    nodes = [(n, {**d, **idle.get(n, {})}) for n, d in nodes]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_text(tmp_path, graphml_text(nodes, edges))
    texts = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert any("'V3'" in t and "no outpatient slots" in t for t in texts), texts
    assert not any("'V2'" in t for t in texts), texts
    assert any("'capability' 4" in t for t in texts), texts


def test_node_attribute_named_like_a_networkx_argument(tmp_path: Path) -> None:
    keys = (*KEYS, ("node_for_adding", "node", "string"), ("u_of_edge", "edge", "string"))
    nodes, edges = small_county()
    nodes[0][1]["node_for_adding"] = "x"
    edges[0][2]["u_of_edge"] = "y"
    graph = load_text(tmp_path, graphml_text(nodes, edges, keys))
    assert graph.nodes["V1"]["node_for_adding"] == "x"


# ----------------------------------------------------------------------------- it runs


def assert_runs(cmap: CountyMap, residents: int = 200) -> dict[str, float]:
    """Simulate a few days on ``cmap``; no infinities, NaN only over a zero denominator."""
    scenario = make_small({"population.residents": residents, "simulation.warmup_days": 2,
                           "simulation.horizon_days": 5})
    model = TieredCareModel(scenario, county=cmap).run()
    rows = slice(scenario.simulation.warmup_days, model.row)
    found = {}
    for name, indicator in INDICATORS.items():
        value = indicator.total(model.counters, cmap, rows)
        assert not math.isinf(value), name
        if math.isnan(value):
            assert np.sum(indicator.denominator(model.counters, cmap)[rows]) == 0, name
        found[name] = value
    for tier in range(len(TIERS)):
        if math.isnan(p90_wait(model.counters, tier, rows)):
            assert model.counters.wait_hist[rows, tier].sum() == 0
    assert np.isfinite(cmap.facility_minutes).all()
    return found


def _odd(**changes: dict[str, Any]) -> Callable[[], tuple[list[Node], list[Edge]]]:
    def build() -> tuple[list[Node], list[Edge]]:
        nodes, edges = small_county()
        return [(n, {**d, **changes.get(n, changes.get("*", {}))}) for n, d in nodes], edges
    return build


def _edges_changed(change: Callable[[list[Edge]], list[Edge]]
                   ) -> Callable[[], tuple[list[Node], list[Edge]]]:
    def build() -> tuple[list[Node], list[Edge]]:
        nodes, edges = small_county()
        return nodes, change(edges)
    return build


ODD_BUT_VALID = {
    "one populated village": _odd(V2={"population": 0}, V3={"population": 0}),
    "no capacity anywhere": _odd(**{"*": {"outpatient_slots": 0, "beds": 0}}),
    "clinics of capability 0": _odd(V1={"capability": 0}, V2={"capability": 0},
                                    V3={"capability": 0}),
    "nobody treats anything": _odd(**{"*": {"capability": 0}}),
    "quality 0 everywhere": _odd(**{"*": {"quality": 0}}),
    "dentistry only": _odd(**{"*": {"services": "dentistry"}}),
    "county hospital without beds": _odd(C1={"beds": 0}),
    "city hospital in the county": _odd(X1={"in_county": True}),
    "township centre outside the county": _odd(T1={"in_county": False}),
    "villages without township labels": _odd(V1={"township": ""}, V2={"township": "elsewhere"}),
    "largest allowed values": _odd(C1={"outpatient_slots": 1e6, "beds": 1e5, "x": 1e8},
                                   V1={"population": 2 * 10**7}),
    "zero-minute roads": _edges_changed(lambda es: [(u, v, {"minutes": 0}) for u, v, _ in es]),
    "week-long roads": _edges_changed(lambda es: [(u, v, {"minutes": 10_080})
                                                  for u, v, _ in es]),
    "parallel and reversed roads": _edges_changed(lambda es: es + [(v, u, {"minutes": 1})
                                                                   for u, v, _ in es]),
    "self-loop": _edges_changed(lambda es: [*es, ("C1", "C1", {"minutes": 0})]),
}


@pytest.mark.parametrize("case", list(ODD_BUT_VALID))
def test_what_loading_accepts_runs(tmp_path: Path, case: str) -> None:
    (tmp_path / "county.graphml").write_text(graphml_text(*ODD_BUT_VALID[case]()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        cmap = county_map(World(graphml="county.graphml"), 200, base_dir=tmp_path)
    assert_runs(cmap)


def test_one_resident_per_village_runs(tmp_path: Path) -> None:
    (tmp_path / "county.graphml").write_text(many_villages(97))  # 100 populated villages
    cmap = county_map(World(graphml="county.graphml"), 100, base_dir=tmp_path)
    assert cmap.village_population.tolist() == [1] * 100
    assert_runs(cmap, residents=100)


# ----------------------------------------------------------------------------- random values


ATTRS = [k[0] for k in KEYS if k[1] == "node"] + ["label"]
SPECIAL = ["", " ", "abc", "maybe", "true", "FALSE", "0", "1", "-0", "1.5", "-1", "1e400",
           "-1e400", "1e-400", "nan", "NaN", "inf", "-inf", "Infinity", "0x10", "1_000",
           "9" * 5_000, "9" * 31, "\x1b[31m", "\x00", "\t\n", "\x85\u202e", "村卫生室",
           "general,stroke", "village", "county", "city", "township"]
VALUES = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=20),
    st.integers(-10**40, 10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.booleans().map(str),
)
_NUMBER = st.floats(0.0, 1e5).map(repr)
PLAUSIBLE: dict[str, st.SearchStrategy[str]] = {
    "tier": st.sampled_from(TIERS), "in_county": st.sampled_from(["true", "false", "1", "0"]),
    "outpatient_slots": _NUMBER | st.just("0"), "beds": _NUMBER | st.just("0"),
    "quality": st.floats(0.0, 1.0).map(repr), "capability": st.integers(0, 4).map(str),
    "services": st.sampled_from(["general", "dentistry", "general,stroke,trauma",
                                 ",".join(SERVICE_LINES)]),
    "population": st.integers(0, 2 * 10**7).map(str),
    "township": st.sampled_from(["", "T1", "T2", "elsewhere"]),
    "name": st.text(max_size=10), "label": st.text(max_size=10),
    "x": st.floats(-1e8, 1e8).map(repr), "y": st.floats(-1e8, 1e8).map(repr),
    "minutes": st.floats(0.0, 10_080.0).map(repr),
}
"""Valid values of each attribute: such maps mostly load, so the model meets odd mixes."""
TYPES = st.one_of(st.sampled_from(["boolean", "int", "long", "float", "double", "string",
                                   "integer", "complex", "", "Double"]), st.text(max_size=8))


def _mutated(draw: st.DrawFn) -> str:
    nodes, edges = small_county()
    keys = list(KEYS) + [("label", "node", "string")]
    # Half the maps get valid values only; the others anything, and key changes too.
    plausible = draw(st.booleans())
    kinds = ["node", "node", "edge"] + ([] if plausible else ["type", "drop"])
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(kinds))
        attr = draw(st.sampled_from(ATTRS)) if what == "node" else "minutes"
        value = draw(PLAUSIBLE[attr] if plausible else VALUES)
        if what == "node":
            nodes[draw(st.integers(0, len(nodes) - 1))][1][attr] = value
        elif what == "edge":
            edges[draw(st.integers(0, len(edges) - 1))][2][attr] = value
        elif what == "type":
            k = draw(st.integers(0, len(keys) - 1))
            keys[k] = (keys[k][0], keys[k][1], draw(TYPES))
        else:
            nodes[draw(st.integers(0, len(nodes) - 1))][1].pop(draw(st.sampled_from(ATTRS)),
                                                               None)
    return graphml_text(nodes, edges, tuple(keys))


@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.composite(_mutated)())
def test_random_values_are_refused_or_run(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "county.graphml").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InputWarning)
                cmap = county_map(World(graphml="county.graphml"), 200, base_dir=Path(folder))
        except GraphError as err:
            message = str(err)
            assert "county.graphml" in message and len(message) < 1_000
            assert message.isprintable(), message
            event("refused")
            return
    event("loaded and ran")
    assert_runs(cmap)


# ----------------------------------------------------------------------------- travel times


def _networkx_minutes(graph: nx.Graph, ids: list[str]) -> np.ndarray:
    """The travel times as computed before scipy: networkx's Dijkstra from every node."""
    index = {n: i for i, n in enumerate(ids)}
    minutes = np.full((len(ids), len(ids)), np.inf)
    for source, lengths in nx.all_pairs_dijkstra_path_length(graph, weight="minutes"):
        minutes[index[source], [index[t] for t in lengths]] = list(lengths.values())
    return np.minimum(minutes, minutes.T).astype(np.float32)


def test_travel_minutes_equal_networkx() -> None:
    rng = np.random.default_rng(3)
    graph = nx.connected_watts_strogatz_graph(300, 4, 0.3, seed=3)
    graph = nx.relabel_nodes(graph, {n: f"n{n:03d}" for n in graph})
    for u, v in graph.edges:
        # Zero-minute roads and many exact ties, as in real maps with rounded minutes.
        graph.edges[u, v]["minutes"] = float(rng.choice([0.0, 0.1, 0.7, 5.0, 12.3, 60.0]))
    ids = sorted(graph)
    assert np.array_equal(_travel_minutes(graph, ids), _networkx_minutes(graph, ids))


def test_map_at_the_facility_limit_builds_in_seconds(tmp_path: Path) -> None:
    world = World(townships=200, villages_per_township=23, city_hospitals=2)
    save_graphml(build_synthetic(world, 400_000), tmp_path / "big.graphml")
    start = time.perf_counter()
    cmap = county_map(World(graphml="big.graphml"), 400_000, base_dir=tmp_path)
    seconds = time.perf_counter() - start
    assert cmap.n_facilities > 0.95 * limits.MAX_FACILITIES
    assert seconds < 30, seconds  # networkx's Dijkstra took ~100 s here
