"""A prefecture: counties with their own maps, sharing the city and provincial hospitals.

Each county of ``world.counties`` is built as a county on its own (synthetic, GraphML or
tables; :func:`~tieredcare.world.network.county_graph`). Its own facilities join the
prefecture under ids ``<county>/<id>`` with a ``county`` attribute; its city and
provincial hospitals are where its roads leave the county, and join the prefecture's
shared hospitals of the same id. The shared hospitals are those of the synthetic map
(``city_1`` … ``city_<n>``, ``province``), sized from ``world.facilities`` for all the
prefecture's residents, so they carry the load of every county and the urban district.

Coordinates are for drawing only: travel times are each county's own road minutes, set
when its map is built, so laying the counties out moves no patient. County ``k`` of ``K``
is drawn in direction ``2πk/K`` from the city (a synthetic county turned so that its seat
faces the city, a loaded one keeping its own orientation), its centre on a ring around the
city hospitals wide enough that no two counties' bounding circles, nor a county's and the
city's, overlap. The provincial hospital is drawn outside the ring, between the first two
counties.
"""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import networkx as nx
import numpy as np

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
    directions = [2.0 * math.pi * k / len(world.counties) for k in range(len(world.counties))]
    built = []
    for county, n, direction in zip(world.counties, people, directions, strict=True):
        own_world = world.county_world(county)
        own = county_graph(own_world, n, base_dir)
        _check_links(own, county, set(shared))
        built.append((own, county, _local_positions(
            own, direction if own_world.synthetic else None)))
    radii = [_radius(xy) for *_, xy in built]
    gap = max(GAP_SHARE * max(radii), MIN_GAP_KM)
    ring = _ring_radius(radii, directions, _radius(_positions(shared, ("city",))), gap)
    for (own, county, xy), direction in zip(built, directions, strict=True):
        centre = ring * np.array([math.cos(direction), math.sin(direction)])
        _add_county(graph, own, county, set(shared), {n: p + centre for n, p in xy.items()})
    if "province" in graph:
        # Beyond every county, in the middle of the gap after the first one.
        angle = math.pi / len(directions)
        far = ring + max(radii) + gap
        graph.nodes["province"]["x"] = float(far * math.cos(angle))
        graph.nodes["province"]["y"] = float(far * math.sin(angle))
    return graph


GAP_SHARE = 0.15
"""Space drawn between neighbouring counties, as a share of the largest county's radius."""
MIN_GAP_KM = 1.0
"""Least space drawn between counties [km]."""


def _positions(graph: nx.Graph, tiers: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Drawn position of each node of the given tiers [km]."""
    return {n: np.array([d["x"], d["y"]], float) for n, d in graph.nodes(data=True)
            if d["tier"] in tiers}


def _radius(xy: dict[str, np.ndarray]) -> float:
    """Radius of the circle around 0,0 that holds every position [km]."""
    return max((float(np.hypot(*p)) for p in xy.values()), default=0.0)


def _local_positions(own: nx.Graph, turn: float | None) -> dict[str, np.ndarray]:
    """A county's own facilities, turned to face the city, centred on their bounding box."""
    place = _placement(own, turn)
    own_tiers = tuple({t for _, t in own.nodes(data="tier")} - set(SHARED_TIERS))
    xy = {n: np.array(place(*p)) for n, p in _positions(own, own_tiers).items()}
    points = np.array(list(xy.values()))
    middle = (points.min(axis=0) + points.max(axis=0)) / 2.0
    return {n: p - middle for n, p in xy.items()}


def _ring_radius(radii: list[float], directions: list[float], core: float, gap: float
                 ) -> float:
    """Radius of the ring of county centres at which no two counties' circles overlap.

    Args:
        radii: Each county's bounding-circle radius [km].
        directions: Each county's direction from the city [radians].
        core: Radius of the circle holding the city hospitals [km].
        gap: Space kept between circles [km].

    Returns:
        The smallest ring radius [km] keeping every county ``gap`` clear of the city
        hospitals and of every other county.
    """
    need = [core + r + gap for r in radii]
    for i, j in combinations(range(len(radii)), 2):
        # Centres R·u_i and R·u_j are R·|u_i − u_j| apart.
        chord = math.hypot(math.cos(directions[i]) - math.cos(directions[j]),
                           math.sin(directions[i]) - math.sin(directions[j]))
        need.append((radii[i] + radii[j] + gap) / chord)
    return max(need)


def _shared_hospitals(world: World, residents: int) -> nx.Graph:
    """The synthetic map's city and provincial hospitals for all residents, city_1 at 0,0."""
    one = build_synthetic(world.model_copy(update={"townships": 1, "villages_per_township": 1,
                                                   "counties": []}), max(residents, 1))
    hospitals = one.subgraph(n for n, t in one.nodes(data="tier") if t in SHARED_TIERS).copy()
    x0, y0 = hospitals.nodes["city_1"]["x"], hospitals.nodes["city_1"]["y"]
    for data in hospitals.nodes.values():
        data["x"], data["y"] = data["x"] - x0, data["y"] - y0
    return hospitals


def _check_links(own: nx.Graph, county: County, shared: set[str]) -> None:
    """Refuse a county whose roads leave for hospitals the prefecture does not have."""
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


def _add_county(graph: nx.Graph, own: nx.Graph, county: County, shared: set[str],
                drawn: dict[str, np.ndarray]) -> None:
    """Add one county's facilities at their drawn places, and its roads (minutes as built).

    Its city and provincial nodes become the shared ones.
    """
    name_of = {n: n if n in shared else f"{county.name}/{n}" for n in own.nodes}
    for node, data in own.nodes(data=True):
        if node in shared:
            continue
        clean = dict(data)
        clean["x"], clean["y"] = float(drawn[node][0]), float(drawn[node][1])
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

