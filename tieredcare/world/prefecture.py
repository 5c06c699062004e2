"""A prefecture: counties with their own maps, sharing the city and provincial hospitals.

Each county of ``world.counties`` is built as a county on its own (synthetic, GraphML or
tables; :func:`~tieredcare.world.network.county_graph`). Its own facilities join the
prefecture under ids ``<county>/<id>`` with a ``county`` attribute; its city and
provincial hospitals are where its roads leave the county, and join the prefecture's
shared hospitals of the same id. The shared hospitals are those of the synthetic map
(``city_1`` … ``city_<n>``, ``province``), sized from ``world.facilities`` for all the
prefecture's residents, so they carry the load of every county and the urban district.

Synthetic counties are laid out around the city (county ``k`` of ``K`` in direction
``2πk/K``) so that a map of the prefecture reads; loaded counties keep their own
coordinates, moved so that their ``city_1`` lies on the prefecture's.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx

from tieredcare.config.world import County, World
from tieredcare.world.checks import GraphError, node_where
from tieredcare.world.network import build_synthetic, county_graph

__all__ = ["prefecture_graph"]

SHARED_TIERS = ("city", "province")
_URBAN_NAMES = (("County People's Hospital", "District People's Hospital"),
                ("County TCM Hospital", "District TCM Hospital"),
                ("Township", "Community health centre"), ("village", "station"))


def prefecture_graph(world: World, residents: int, base_dir: Path | None = None) -> nx.Graph:
    """The graph of a prefecture: every county's facilities and the shared hospitals.

    Args:
        world: The ``world`` section of a scenario with ``counties``.
        residents: Residents of the prefecture, split over the counties in proportion to
            their ``residents``.
        base_dir: Directory relative map paths are resolved against.

    Returns:
        The prefecture graph (validated when the map is built from it).

    Raises:
        GraphError: If a county's map is invalid, or links to a city or provincial
            hospital the prefecture does not have.
    """
    shared = _shared_hospitals(world, residents)
    graph = nx.Graph()
    graph.add_nodes_from(shared.nodes(data=True))
    graph.add_edges_from(shared.edges(data=True))
    people = world.county_residents(residents)
    for k, (county, n) in enumerate(zip(world.counties, people, strict=True)):
        own_world = world.county_world(county)
        own = county_graph(own_world, n, base_dir)
        turn = 2.0 * math.pi * k / len(world.counties) if own_world.synthetic else None
        _add_county(graph, own, county, set(shared), turn)
    return graph


def _shared_hospitals(world: World, residents: int) -> nx.Graph:
    """The synthetic map's city and provincial hospitals for all residents, city_1 at 0,0."""
    one = build_synthetic(world.model_copy(update={"townships": 1, "villages_per_township": 1,
                                                   "counties": []}), max(residents, 1))
    hospitals = one.subgraph(n for n, t in one.nodes(data="tier") if t in SHARED_TIERS).copy()
    x0, y0 = hospitals.nodes["city_1"]["x"], hospitals.nodes["city_1"]["y"]
    for data in hospitals.nodes.values():
        data["x"], data["y"] = data["x"] - x0, data["y"] - y0
    return hospitals


def _add_county(graph: nx.Graph, own: nx.Graph, county: County, shared: set[str],
                turn: float | None) -> None:
    """Add one county's facilities and roads; its city nodes become the shared ones."""
    source = f"world.counties: county {county.name!r}"
    links = [n for n, t in own.nodes(data="tier") if t in SHARED_TIERS]
    stray = [n for n in links if n not in shared]
    if stray:
        raise GraphError(f"{source}: {node_where(stray[0])} is a {own.nodes[stray[0]]['tier']} "
                         f"hospital the prefecture does not have; allowed: the prefecture's "
                         f"shared hospitals {sorted(shared)} (give the county's city "
                         "hospital the id of the prefecture's)")
    if "city_1" not in links:
        raise GraphError(f"{source}: the county's map has no road to 'city_1'; allowed: a "
                         "map whose city hospital is the prefecture's 'city_1'")
    place = _placement(own, turn)
    name_of = {n: n if n in shared else f"{county.name}/{n}" for n in own.nodes}
    for node, data in own.nodes(data=True):
        if node in shared:
            continue
        clean = dict(data)
        clean["x"], clean["y"] = place(data["x"], data["y"])
        clean["county"] = county.name
        if clean.get("township"):
            clean["township"] = f"{county.name}/{clean['township']}"
        if county.kind == "urban_district":
            clean["name"] = _urban_name(clean["name"])
        graph.add_nodes_from([(name_of[node], clean)])
    graph.add_edges_from((name_of[u], name_of[v], dict(d)) for u, v, d in own.edges(data=True))


def _placement(own: nx.Graph, turn: float | None):
    """Move a county so its city_1 is at 0,0; turn a synthetic one to its direction."""
    cx, cy = own.nodes["city_1"]["x"], own.nodes["city_1"]["y"]
    if turn is None:
        return lambda x, y: (float(x - cx), float(y - cy))
    # Synthetic counties have the city due east of the seat: turn the seat to ``turn``.
    cos, sin = math.cos(turn - math.pi), math.sin(turn - math.pi)
    return lambda x, y: (float(cos * (x - cx) - sin * (y - cy)),
                         float(sin * (x - cx) + cos * (y - cy)))


def _urban_name(name: str) -> str:
    for county_word, urban_word in _URBAN_NAMES:
        name = name.replace(county_word, urban_word)
    return name

