"""The county network: facilities as nodes, roads as edges weighted by travel minutes.

A county comes either from :func:`build_synthetic` (a seeded, parametric rural county) or
from a GraphML file (:func:`load_graphml`). Either way every node is a facility: village
nodes are village clinics (村卫生室) and also where residents live; township nodes are
township health centres (乡镇卫生院); county, city and province nodes are hospitals.
:class:`CountyMap` turns the graph into the numpy arrays the simulation indexes.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree.ElementTree import ParseError

import networkx as nx
import numpy as np

from tieredcare.atomic import atomic_write_bytes
from tieredcare.config.schema import MinutesRange, TierFacilities, World
from tieredcare.tiers import CITY, COUNTY, PROVINCE, SERVICE_LINES, TIERS, TOWNSHIP, VILLAGE

__all__ = [
    "CountyMap",
    "GraphError",
    "build_synthetic",
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


class GraphError(ValueError):
    """A county graph (usually a GraphML file) has a missing or invalid attribute."""


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


# ----------------------------------------------------------------------------- GraphML


def load_graphml(path: str | os.PathLike[str]) -> nx.Graph:
    """Read a county from GraphML, validating and coercing every attribute.

    Directed graphs and parallel edges are folded into one undirected edge with the
    shortest ``minutes``: roads are taken to be two-way.

    Args:
        path: GraphML file.

    Returns:
        An undirected graph with string node ids and typed attributes (see module docs).

    Raises:
        GraphError: If the file cannot be parsed or an attribute is missing or invalid;
            the message names the file, the node or edge, the attribute and what is allowed.
    """
    try:
        raw = nx.read_graphml(path)
    except FileNotFoundError as err:
        raise GraphError(f"{path}: GraphML file not found") from err
    except (ParseError, nx.NetworkXError, OSError) as err:
        raise GraphError(f"{path}: not a readable GraphML file: {err}") from err
    return _validated(raw, str(path))


def save_graphml(graph: nx.Graph, path: str | os.PathLike[str]) -> None:
    """Write a county graph to GraphML atomically.

    The file is written to a temporary file in the same directory and then moved over
    ``path``, so readers never see a half-written file.

    Args:
        graph: County graph, e.g. from :func:`build_synthetic`.
        path: Destination file.
    """
    buffer = io.BytesIO()
    nx.write_graphml(_plain_copy(graph), buffer)
    atomic_write_bytes(Path(path), buffer.getvalue())


def _plain_copy(graph: nx.Graph) -> nx.Graph:
    """Copy ``graph`` with numpy scalars turned into Python ones, which GraphML can type."""
    def plain(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v.item() if isinstance(v, np.generic) else v for k, v in data.items()}

    copy = graph.__class__()
    copy.graph.update(plain(graph.graph))
    copy.add_nodes_from((n, plain(d)) for n, d in graph.nodes(data=True))
    copy.add_edges_from((u, v, plain(d)) for u, v, d in graph.edges(data=True))
    return copy


# ----------------------------------------------------------------------------- validation


_REQUIRED = object()


class _Attr(NamedTuple):
    """How one attribute is checked: ``coerce`` returns the clean value or None if invalid."""

    name: str
    default: Any
    coerce: Callable[[Any], Any]
    allowed: str


def _number(value: Any) -> float | None:
    """A finite float from a number or numeric text, else None (booleans are not numbers)."""
    if isinstance(value, bool | np.bool_):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _non_negative(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and number >= 0.0 else None


def _share(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and 0.0 <= number <= 1.0 else None


def _whole(low: int, high: float) -> Callable[[Any], int | None]:
    def coerce(value: Any) -> int | None:
        number = _number(value)
        if number is None or not number.is_integer() or not low <= number <= high:
            return None
        return int(number)
    return coerce


_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if _number(value) in (0.0, 1.0):
        return _number(value) == 1.0
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _tier(value: Any) -> str | None:
    text = str(value).strip().lower()
    return text if text in TIERS else None


def _services(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    lines = [s.strip() for s in value.split(",") if s.strip()]
    if not lines or any(s not in SERVICE_LINES for s in lines):
        return None
    return ",".join(lines)


def _text(value: Any) -> str:
    return str(value)


_NODE_ATTRS = (
    _Attr("tier", _REQUIRED, _tier, ", ".join(TIERS)),
    _Attr("in_county", _REQUIRED, _flag, "true/false or 1/0"),
    _Attr("outpatient_slots", _REQUIRED, _non_negative, "a number >= 0"),
    _Attr("beds", _REQUIRED, _non_negative, "a number >= 0"),
    _Attr("quality", _REQUIRED, _share, "a number in [0, 1]"),
    _Attr("capability", _REQUIRED, _whole(0, 4), "an integer 0-4"),
    _Attr("services", _REQUIRED, _services,
          "comma-separated service lines from: " + ", ".join(SERVICE_LINES)),
    _Attr("population", 0, _whole(0, math.inf), "an integer >= 0"),
    _Attr("township", "", _text, "text"),
    _Attr("x", 0.0, _number, "a finite number"),
    _Attr("y", 0.0, _number, "a finite number"),
    _Attr("name", "", _text, "text"),
)
_EDGE_ATTRS = (_Attr("minutes", _REQUIRED, _non_negative, "a number >= 0"),)


def _coerced(data: dict[str, Any], attrs: tuple[_Attr, ...], source: str,
             where: str) -> dict[str, Any]:
    """``data`` with each attribute in ``attrs`` checked, defaulted and coerced."""
    clean = dict(data)
    for attr in attrs:
        if attr.name not in data:
            if attr.default is _REQUIRED:
                raise GraphError(f"{source}: {where} attribute {attr.name!r} is missing; "
                                 f"allowed: {attr.allowed}")
            clean[attr.name] = attr.default
            continue
        value = attr.coerce(data[attr.name])
        if value is None:
            raise GraphError(f"{source}: {where} attribute {attr.name!r} is "
                             f"{data[attr.name]!r}; allowed: {attr.allowed}")
        clean[attr.name] = value
    return clean


def _validated(raw: nx.Graph, source: str) -> nx.Graph:
    """A clean undirected copy of ``raw`` with string ids and checked attributes.

    Raises:
        GraphError: On any missing or invalid attribute, or an unusable graph.
    """
    graph = nx.Graph()
    graph.graph.update(raw.graph)
    for node, data in raw.nodes(data=True):
        nid = str(node)
        where = f"node {nid!r}"
        if nid in graph:
            raise GraphError(f"{source}: {where} appears twice; allowed: unique node ids")
        clean = _coerced(data, _NODE_ATTRS, source, where)
        clean["name"] = clean["name"] or nid
        if clean["tier"] != "village" and clean["population"] > 0:
            raise GraphError(f"{source}: {where} attribute 'population' is "
                             f"{clean['population']}; allowed: 0 unless 'tier' is village")
        graph.add_node(nid, **clean)
    for u, v, data in raw.edges(data=True):
        a, b = str(u), str(v)
        clean = _coerced(data, _EDGE_ATTRS, source, f"edge ({a!r}, {b!r})")
        # Parallel or two one-way edges become one road with the quicker time.
        if graph.has_edge(a, b):
            clean["minutes"] = min(clean["minutes"], graph.edges[a, b]["minutes"])
        graph.add_edge(a, b, **clean)
    _check_whole(graph, source)
    return graph


def _check_whole(graph: nx.Graph, source: str) -> None:
    """Check what the simulation needs of the graph as a whole."""
    tiers = nx.get_node_attributes(graph, "tier")
    if not any(t == "village" and graph.nodes[n]["population"] > 0 for n, t in tiers.items()):
        raise GraphError(f"{source}: no node has 'population' > 0 with 'tier' village; "
                         "allowed: at least one village where residents live")
    if "township" not in tiers.values():
        raise GraphError(f"{source}: no node has 'tier' township; allowed: at least one "
                         "township centre")
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    if len(components) > 1:
        stray = sorted(set().union(*components[1:]))
        raise GraphError(f"{source}: graph is not connected: node {stray[0]!r} (and "
                         f"{len(stray) - 1} other(s)) cannot be reached from node "
                         f"{min(components[0])!r} along edges with 'minutes'; "
                         "allowed: one connected graph")


# ----------------------------------------------------------------------------- arrays


@dataclass(frozen=True, eq=False)
class CountyMap:
    """Array view of a county graph, indexed by facility (all nodes) and by village.

    Facilities are ordered by tier, then node id. Arrays are read-only because one map
    is shared by every replicate of a run; copy before changing one.

    Attributes:
        graph: The validated county graph.
        ids: Node id of each facility.
        names: Human label of each facility.
        tier: Tier index (see ``tiers.TIERS``) of each facility, int8[F].
        in_county: Whether each facility lies inside the county, bool[F].
        outpatient_slots: Outpatient slots per day, float64[F].
        beds: Inpatient beds, float64[F].
        quality: Perceived quality 0-1, float64[F].
        capability: Highest severity treated 0-4, int8[F].
        services: Service lines offered, bool[F, len(SERVICE_LINES)].
        x: Map position east [km], float64[F].
        y: Map position north [km], float64[F].
        township_ids: Township area ids, sorted.
        facility_township: Township area index of each facility (-1 for hospitals), int16[F].
        villages: Facility index of each populated village, int32[V].
        village_population: Residents of each village, int64[V].
        village_township: Township area index of each village, int16[V].
        facility_minutes: Shortest travel minutes between facilities, float32[F, F].
        village_minutes: Rows of ``facility_minutes`` for the villages, float32[V, F].
        home_township_centre: Facility index of each village's own township centre,
            int32[V].
    """

    graph: nx.Graph
    ids: list[str]
    names: list[str]
    tier: np.ndarray
    in_county: np.ndarray
    outpatient_slots: np.ndarray
    beds: np.ndarray
    quality: np.ndarray
    capability: np.ndarray
    services: np.ndarray
    x: np.ndarray
    y: np.ndarray
    township_ids: list[str]
    facility_township: np.ndarray
    villages: np.ndarray
    village_population: np.ndarray
    village_township: np.ndarray
    facility_minutes: np.ndarray
    village_minutes: np.ndarray
    home_township_centre: np.ndarray

    @classmethod
    def from_graph(cls, graph: nx.Graph) -> CountyMap:
        """Build the array view of a county graph.

        The graph is validated first (as :func:`load_graphml` does). A township centre
        without a ``township`` label heads an area named after its own id; a village
        without one joins the area of its nearest township centre.

        Args:
            graph: County graph from :func:`build_synthetic` or :func:`load_graphml`.

        Returns:
            The county map.

        Raises:
            GraphError: If the graph has a missing or invalid attribute.
        """
        graph = _validated(graph, "graph")
        ids = sorted(graph.nodes, key=lambda n: (TIERS.index(graph.nodes[n]["tier"]), n))
        nodes = [graph.nodes[n] for n in ids]
        tier = np.array([TIERS.index(d["tier"]) for d in nodes], dtype=np.int8)
        minutes = _travel_minutes(graph, ids)
        area = _township_areas(ids, nodes, tier, minutes)
        township_ids = sorted({a for a in area if a})
        area_index = {a: i for i, a in enumerate(township_ids)}
        facility_township = np.array([area_index.get(a, -1) for a in area], dtype=np.int16)
        population = np.array([d["population"] for d in nodes], dtype=np.int64)
        villages = np.flatnonzero((tier == VILLAGE) & (population > 0)).astype(np.int32)
        centre = _area_centres(ids, tier, area)
        home = [centre.get(area[v], _nearest_centre(v, tier, minutes)) for v in villages]
        return cls(
            graph=graph,
            ids=ids,
            names=[d["name"] for d in nodes],
            tier=_frozen(tier),
            in_county=_frozen(np.array([d["in_county"] for d in nodes], dtype=bool)),
            outpatient_slots=_column(nodes, "outpatient_slots", np.float64),
            beds=_column(nodes, "beds", np.float64),
            quality=_column(nodes, "quality", np.float64),
            capability=_column(nodes, "capability", np.int8),
            services=_frozen(_service_matrix(nodes)),
            x=_column(nodes, "x", np.float64),
            y=_column(nodes, "y", np.float64),
            township_ids=township_ids,
            facility_township=_frozen(facility_township),
            villages=_frozen(villages),
            village_population=_frozen(population[villages]),
            village_township=_frozen(facility_township[villages]),
            facility_minutes=_frozen(minutes),
            village_minutes=_frozen(minutes[villages]),
            home_township_centre=_frozen(np.array(home, dtype=np.int32)),
        )

    @property
    def n_facilities(self) -> int:
        """Number of facilities F (every node, village clinics included)."""
        return len(self.ids)

    @property
    def n_villages(self) -> int:
        """Number of populated villages V."""
        return len(self.villages)

    def candidates(self, n_townships: int) -> tuple[np.ndarray, np.ndarray]:
        """Facilities each village's residents consider, with their travel minutes.

        Columns are: the village's own clinic; the ``min(n_townships, number of township
        centres)`` nearest township centres by minutes, the village's own centre always
        among them (it replaces the farthest if it is not one of the nearest); then every
        county-, city- and province-tier facility in facility order. Every village gets
        the same number of columns.

        Args:
            n_townships: Township centres to consider, at least 1.

        Returns:
            Facility indices, int32[V, C], and travel minutes, float32[V, C].

        Raises:
            ValueError: If ``n_townships`` is below 1.
        """
        if n_townships < 1:
            raise ValueError(f"n_townships must be >= 1, got {n_townships}")
        centres = np.flatnonzero(self.tier == TOWNSHIP)
        k = min(n_townships, len(centres))
        # Stable sort breaks ties by facility index, so the choice set is deterministic.
        order = np.argsort(self.village_minutes[:, centres], axis=1, kind="stable")[:, :k]
        nearest = centres[order]
        away = ~(nearest == self.home_township_centre[:, None]).any(axis=1)
        nearest[away, -1] = self.home_township_centre[away]
        hospitals = np.flatnonzero(np.isin(self.tier, (COUNTY, CITY, PROVINCE)))
        index = np.column_stack([
            self.villages, nearest, np.broadcast_to(hospitals, (self.n_villages, len(hospitals))),
        ]).astype(np.int32)
        return index, np.take_along_axis(self.village_minutes, index, axis=1)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _column(nodes: list[dict[str, Any]], name: str, dtype: type) -> np.ndarray:
    return _frozen(np.array([d[name] for d in nodes], dtype=dtype))


def _service_matrix(nodes: list[dict[str, Any]]) -> np.ndarray:
    matrix = np.zeros((len(nodes), len(SERVICE_LINES)), dtype=bool)
    line = {name: i for i, name in enumerate(SERVICE_LINES)}
    for f, data in enumerate(nodes):
        matrix[f, [line[s] for s in data["services"].split(",")]] = True
    return matrix


def _travel_minutes(graph: nx.Graph, ids: list[str]) -> np.ndarray:
    """All-pairs shortest travel minutes in facility order, float32[F, F]."""
    index = {n: i for i, n in enumerate(ids)}
    minutes = np.full((len(ids), len(ids)), np.inf)
    for source, lengths in nx.all_pairs_dijkstra_path_length(graph, weight="minutes"):
        minutes[index[source], [index[t] for t in lengths]] = list(lengths.values())
    # Paths summed in different orders can differ in the last bit; keep the matrix symmetric.
    return np.minimum(minutes, minutes.T).astype(np.float32)


def _nearest_centre(f: int, tier: np.ndarray, minutes: np.ndarray) -> int:
    centres = np.flatnonzero(tier == TOWNSHIP)
    return int(centres[np.argmin(minutes[f, centres])])


def _township_areas(ids: list[str], nodes: list[dict[str, Any]], tier: np.ndarray,
                    minutes: np.ndarray) -> list[str]:
    """Township area of each facility ("" for hospitals), filling in missing labels."""
    area = [d["township"] if t <= TOWNSHIP else "" for d, t in zip(nodes, tier, strict=True)]
    for f in np.flatnonzero(tier == TOWNSHIP):
        area[f] = area[f] or ids[f]
    for f in np.flatnonzero(tier == VILLAGE):
        area[f] = area[f] or area[_nearest_centre(f, tier, minutes)]
    return area


def _area_centres(ids: list[str], tier: np.ndarray, area: list[str]) -> dict[str, int]:
    """Township area → facility index of its centre.

    The centre is the township node whose id is the area id, else the first township node
    labelled with that area.
    """
    centres = np.flatnonzero(tier == TOWNSHIP)
    found = {ids[f]: int(f) for f in centres}
    for f in centres:
        found.setdefault(area[f], int(f))
    return found


# ----------------------------------------------------------------------------- entry point


def county_map(world: World, residents: int, base_dir: Path | None = None) -> CountyMap:
    """The county of a scenario: loaded from ``world.graphml`` if set, else synthetic.

    A loaded file keeps its own facilities and capacities; only its village populations
    are rescaled, proportionally, so they sum exactly to ``residents`` (each populated
    village keeps at least one resident).

    Args:
        world: The ``world`` section of a scenario.
        residents: Residents of the county.
        base_dir: Directory a relative ``world.graphml`` is resolved against (usually the
            scenario file's directory); the working directory if None.

    Returns:
        The county map.

    Raises:
        GraphError: If the GraphML file is invalid.
        ValueError: If there are fewer residents than populated villages.
    """
    if world.graphml is None:
        return CountyMap.from_graph(build_synthetic(world, residents))
    path = Path(world.graphml)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    graph = load_graphml(path)
    _rescale_population(graph, residents)
    return CountyMap.from_graph(graph)


def _rescale_population(graph: nx.Graph, residents: int) -> None:
    """Scale village populations in place so they sum exactly to ``residents``."""
    populated = [n for n, p in graph.nodes(data="population") if p > 0]
    weights = np.array([graph.nodes[n]["population"] for n in populated], dtype=float)
    for node, count in zip(populated, _split_integer(residents, weights), strict=True):
        graph.nodes[node]["population"] = int(count)
