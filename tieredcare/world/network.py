"""The county network: facilities as nodes, roads as edges weighted by travel minutes.

A county comes either from :func:`build_synthetic` (a seeded, parametric rural county) or
from a GraphML file (:func:`load_graphml`, in :mod:`tieredcare.world.graphml`, with the
checks every map must pass in :mod:`tieredcare.world.checks`). Either way every node is a
facility: village nodes are village clinics (村卫生室) and also where residents live;
township nodes are township health centres (乡镇卫生院); county, city and province nodes are
hospitals. :class:`~tieredcare.world.county.CountyMap` turns the graph into the numpy
arrays the simulation indexes, and :func:`county_map` builds the one of a scenario.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from tieredcare.config import printable
from tieredcare.config.schema import MinutesRange, TierFacilities, World
from tieredcare.world.checks import GraphError
from tieredcare.world.county import CountyMap
from tieredcare.world.graphml import load_graphml, save_graphml
from tieredcare.world.tables import graph_from_tables

__all__ = [
    "CountyMap",
    "GraphError",
    "build_synthetic",
    "county_graph",
    "county_map",
    "load_graphml",
    "save_graphml",
]

ROAD_KMH = 40.0
"""Average rural road speed that turns travel minutes into map distances [km/h]."""
VILLAGE_SIZE_SIGMA = 0.5
"""Sigma of the lognormal weights of village sizes in the synthetic county."""
CITY_SPREAD_MINUTES = 10.0
"""Extra travel minutes from the county seat to each further city hospital."""
COUNTY_TCM_MINUTES = 5.0
"""Travel minutes between the two county hospitals at the county seat."""

_KM_PER_MINUTE = ROAD_KMH / 60.0


# ----------------------------------------------------------------------------- synthetic


def build_synthetic(world: World, residents: int) -> nx.Graph:
    """Build a seeded synthetic rural county.

    Townships sit on a ring around the county seat, villages around their township
    centre; x/y are kilometres at :data:`ROAD_KMH`, so the layout can be plotted as a map.
    The same ``world`` and ``residents`` always give the same graph.

    Args:
        world: The ``world`` section of a scenario (counts, travel times, facilities).
        residents: Residents of the county, split over the villages.

    Returns:
        An undirected graph whose nodes carry the facility attributes described in the
        module docs and whose edges carry ``minutes``.

    Raises:
        ValueError: If there are fewer residents than villages.
    """
    rng = np.random.default_rng(world.map_seed)
    n_t, n_v = world.townships, world.villages_per_township
    # Draw every random number up front, in a fixed order, so the map depends only on the seed.
    weights = rng.lognormal(0.0, VILLAGE_SIZE_SIGMA, n_t * n_v)
    county_minutes = _uniform(rng, world.township_county_minutes, n_t)
    village_minutes = _uniform(rng, world.village_township_minutes, (n_t, n_v))
    township_jitter = rng.uniform(-0.25, 0.25, n_t)
    village_phase = rng.uniform(0.0, 2.0 * math.pi, n_t)
    population = _split_integer(residents, weights).reshape(n_t, n_v)

    graph = nx.Graph()
    angles = 2.0 * math.pi * (np.arange(n_t) + township_jitter) / n_t
    centres = _polar(np.zeros(2), county_minutes * _KM_PER_MINUTE, angles)
    for t in range(n_t):
        _add_township(graph, world, t, centres[t], county_minutes[t], population[t],
                      village_minutes[t], village_phase[t])
    _add_township_ring(graph, [_township_id(t) for t in range(n_t)])
    _add_hospitals(graph, world, residents)
    return graph


def _uniform(rng: np.random.Generator, span: MinutesRange,
             size: int | tuple[int, ...]) -> np.ndarray:
    return rng.uniform(span.low, span.high, size)


def _polar(origin: np.ndarray, radius: np.ndarray | float, angle: np.ndarray) -> np.ndarray:
    """Points at ``radius`` km and ``angle`` radians from ``origin``, as an [n, 2] array."""
    return origin + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _township_id(t: int) -> str:
    return f"T{t + 1:02d}"


def _add_township(graph: nx.Graph, world: World, t: int, centre: np.ndarray,
                  county_minutes: float, population: np.ndarray, village_minutes: np.ndarray,
                  phase: float) -> None:
    """Add one township centre, its villages and their roads."""
    tid = _township_id(t)
    graph.add_node(tid, **_facility("township", world.facilities.township, int(population.sum()),
                                    name=f"Township {t + 1}", xy=centre, township=tid))
    graph.add_edge(tid, "county_general", minutes=float(county_minutes))
    n_v = len(population)
    angles = phase + 2.0 * math.pi * np.arange(n_v) / n_v
    places = _polar(centre, village_minutes * _KM_PER_MINUTE, angles)
    vids = [f"{tid}-V{v + 1:02d}" for v in range(n_v)]
    for v, vid in enumerate(vids):
        graph.add_node(vid, **_facility("village", world.facilities.village, int(population[v]),
                                        name=f"Township {t + 1} village {v + 1}", xy=places[v],
                                        township=tid, population=int(population[v])))
        graph.add_edge(vid, tid, minutes=float(village_minutes[v]))
    # Neighbouring villages share a track, so a clinic next door is reachable directly.
    for a, b in _ring_pairs(range(n_v)):
        graph.add_edge(vids[a], vids[b], minutes=_straight_minutes(places[a], places[b]))


def _add_township_ring(graph: nx.Graph, townships: list[str]) -> None:
    """Join adjacent townships, so border villages can reach a neighbouring centre."""
    for a, b in _ring_pairs(townships):
        xy_a, xy_b = (np.array([graph.nodes[n]["x"], graph.nodes[n]["y"]]) for n in (a, b))
        graph.add_edge(a, b, minutes=_straight_minutes(xy_a, xy_b))


def _ring_pairs(items: Iterable[Any]) -> list[tuple[Any, Any]]:
    """Adjacent pairs around a ring (one pair for two items, none for one)."""
    items = list(items)
    if len(items) < 3:
        return list(zip(items, items[1:], strict=False))
    return list(zip(items, items[1:] + items[:1], strict=True))


def _straight_minutes(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(a - b)) / _KM_PER_MINUTE)


def _add_hospitals(graph: nx.Graph, world: World, residents: int) -> None:
    """Add the county hospitals at the seat, the city hospitals and the provincial one."""
    fac = world.facilities
    tcm_km = COUNTY_TCM_MINUTES * _KM_PER_MINUTE
    graph.add_node("county_general", **_facility(
        "county", fac.county, residents, share=1.0 - world.tcm_share,
        name="County People's Hospital", xy=np.zeros(2)))
    graph.add_node("county_tcm", **_facility(
        "county", fac.county, residents, share=world.tcm_share,
        name="County TCM Hospital", xy=np.array([tcm_km, 0.0])))
    graph.add_edge("county_general", "county_tcm", minutes=COUNTY_TCM_MINUTES)

    n_city = world.city_hospitals
    for c in range(n_city):
        minutes = world.county_city_minutes + CITY_SPREAD_MINUTES * c
        # The city lies east of the county; each further hospital fans out a little.
        xy = _polar(np.zeros(2), minutes * _KM_PER_MINUTE, np.array([0.15 * c]))[0]
        graph.add_node(f"city_{c + 1}", **_facility(
            "city", fac.city, residents, share=1.0 / n_city, name=f"City Hospital {c + 1}",
            xy=xy, in_county=False))
        graph.add_edge(f"city_{c + 1}", "county_general", minutes=float(minutes))

    if world.provincial_hospital:
        city_xy = np.array([graph.nodes["city_1"]["x"], graph.nodes["city_1"]["y"]])
        xy = city_xy + np.array([world.city_province_minutes * _KM_PER_MINUTE, 0.0])
        graph.add_node("province", **_facility(
            "province", fac.province, residents, name="Provincial Hospital", xy=xy,
            in_county=False))
        graph.add_edge("province", "city_1", minutes=float(world.city_province_minutes))


def _facility(tier: str, spec: TierFacilities, catchment: int, *, name: str, xy: np.ndarray,
              share: float = 1.0, township: str = "", population: int = 0,
              in_county: bool = True) -> dict[str, Any]:
    """Node attributes of one facility sized for ``share`` of its ``catchment`` residents."""
    per_1000 = share * catchment / 1000.0
    return {
        "tier": tier,
        "in_county": in_county,
        "name": name,
        "x": float(xy[0]),
        "y": float(xy[1]),
        "outpatient_slots": float(spec.outpatient_slots_per_1000 * per_1000),
        "beds": float(spec.beds_per_1000 * per_1000),
        "quality": float(spec.quality),
        "capability": int(spec.capability),
        "services": ",".join(spec.services),
        "township": township,
        "population": population,
        "county": "",  # a county of a prefecture is named when the prefecture is built
    }


def _split_integer(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers >= 1 proportional to ``weights``, summing exactly.

    Raises:
        ValueError: If ``total`` is smaller than the number of parts.
    """
    n = len(weights)
    if total < n:
        raise ValueError(f"cannot split {total} residents over {n} villages (need >= 1 each)")
    quota = np.asarray(weights, dtype=float) / np.sum(weights) * (total - n)
    counts = np.floor(quota).astype(np.int64)
    # Largest remainders take the leftover units, so the parts sum exactly to ``total``.
    leftover = total - n - int(counts.sum())
    counts[np.argsort(counts - quota, kind="stable")[:leftover]] += 1
    return counts + 1


# ----------------------------------------------------------------------------- entry point


def county_map(world: World, residents: int, base_dir: Path | None = None) -> CountyMap:
    """The map of a scenario: one county (synthetic, GraphML or tables) or a prefecture.

    A loaded map keeps its own facilities and capacities; only its village populations
    are rescaled, proportionally, so they sum exactly to ``residents`` (each populated
    village keeps at least one resident). A prefecture (``world.counties``) is built by
    :func:`~tieredcare.world.prefecture.prefecture_graph`.

    Args:
        world: The ``world`` section of a scenario.
        residents: Residents of the county (of the whole prefecture, split over its
            counties in proportion to their ``residents``).
        base_dir: Directory relative map paths are resolved against (usually the
            scenario file's directory); the working directory if None.

    Returns:
        The county map.

    Raises:
        GraphError: If the GraphML file is invalid, the map is too large, or there are
            fewer residents than populated villages.
        ConfigError: If a table is invalid (file, row and column named).
    """
    if world.counties:
        from tieredcare.world.prefecture import prefecture_graph

        return CountyMap.from_graph(prefecture_graph(world, residents, base_dir), "prefecture")
    graph = county_graph(world, residents, base_dir)
    return CountyMap.from_graph(graph, "synthetic map") if world.synthetic \
        else CountyMap._of_valid(graph)


def county_graph(world: World, residents: int, base_dir: Path | None = None) -> nx.Graph:
    """The graph of one county: synthetic (not yet validated) or loaded (validated).

    Args and errors as :func:`county_map`, for a world without counties.
    """
    if world.synthetic:  # its size is checked by the schema
        return build_synthetic(world, residents)

    def resolve(name: str) -> Path:
        path = Path(name).expanduser()
        return path if path.is_absolute() or base_dir is None else Path(base_dir) / path

    if world.tables is not None:
        t = world.tables
        path = resolve(t.facilities)
        graph = CountyMap.from_graph(graph_from_tables(
            path, resolve(t.villages), None if t.travel is None else resolve(t.travel),
            detour=t.detour, speed_kmh=t.speed_kmh, defaults=world.facilities),
            str(path)).graph
    else:
        path = resolve(world.graphml)
        graph = load_graphml(path)
    villages = sum(1 for _, p in graph.nodes(data="population") if p > 0)
    if residents < villages:
        raise GraphError(f"{printable(str(path), 400)}: {villages:,} villages have "
                         f"'population' > 0 but population.residents is {residents:,}; "
                         "allowed: at least one resident per populated village")
    _rescale_population(graph, residents)
    return graph


def _rescale_population(graph: nx.Graph, residents: int) -> None:
    """Scale village populations in place so they sum exactly to ``residents``."""
    populated = [n for n, p in graph.nodes(data="population") if p > 0]
    weights = np.array([graph.nodes[n]["population"] for n in populated], dtype=float)
    for node, count in zip(populated, _split_integer(residents, weights), strict=True):
        graph.nodes[node]["population"] = int(count)
