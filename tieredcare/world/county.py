"""The array view of a county graph that the simulation indexes.

:class:`CountyMap` orders the facilities by tier, turns their attributes into read-only
numpy arrays, finds the shortest travel minutes between every pair of facilities (scipy's
Dijkstra, in C) and assigns each village to a township area with its centre. Graphs come
from :func:`~tieredcare.world.network.build_synthetic` or
:func:`~tieredcare.world.graphml.load_graphml`; :func:`~tieredcare.world.network.county_map`
builds the map of a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from tieredcare.tiers import CITY, COUNTY, PROVINCE, SERVICE_LINES, TIERS, TOWNSHIP, VILLAGE
from tieredcare.world.checks import validated

__all__ = ["CountyMap"]

_ROUTE_ROWS = 512
"""Sources per batch of the all-pairs search, so its float64 output stays small."""


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
        county_names: The counties of the map, in order (one, named "county", unless the
            map is a prefecture whose nodes carry a ``county`` attribute).
        facility_county: County index of each facility; -1 for the facilities outside
            every county (city and provincial hospitals), int16[F].
        village_county: County index of each village, int16[V].
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
    county_names: list[str]
    facility_county: np.ndarray
    village_county: np.ndarray

    @classmethod
    def from_graph(cls, graph: nx.Graph, source: str = "graph") -> CountyMap:
        """Build the array view of a county graph.

        The graph is validated first (as :func:`~tieredcare.world.graphml.load_graphml`
        does). A township centre without a ``township`` label heads an area named after its
        own id; a village without one joins the area of its nearest township centre.

        Args:
            graph: County graph from :func:`~tieredcare.world.network.build_synthetic` or
                :func:`~tieredcare.world.graphml.load_graphml`.
            source: What the graph came from, for messages.

        Returns:
            The county map.

        Raises:
            GraphError: If the graph has a missing or invalid attribute, or is one the
                model cannot run on (see :func:`tieredcare.world.checks.validated`).
        """
        return cls._of_valid(validated(graph.nodes(data=True), graph.edges(data=True), source,
                                       graph.graph))

    @classmethod
    def _of_valid(cls, graph: nx.Graph) -> CountyMap:
        """:meth:`from_graph` of a graph that :func:`validated` returned."""
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
        county_names, facility_county = _counties(graph, nodes)
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
            county_names=county_names,
            facility_county=_frozen(facility_county),
            village_county=_frozen(facility_county[villages]),
        )

    @property
    def n_facilities(self) -> int:
        """Number of facilities F (every node, village clinics included)."""
        return len(self.ids)

    def _prefecture_candidates(self, n_townships: int) -> tuple[np.ndarray, np.ndarray]:
        """Candidates of a prefecture's villages, padded with -1 (no candidate, 0 minutes)."""
        parts = [_county_candidates(self, k, n_townships) for k in range(self.n_counties)]
        index = np.full((self.n_villages, max(p.shape[1] for p in parts)), -1, dtype=np.int32)
        for k, part in enumerate(parts):
            index[np.flatnonzero(self.village_county == k), : part.shape[1]] = part
        minutes = np.take_along_axis(self.village_minutes, np.maximum(index, 0), axis=1)
        return index, np.where(index >= 0, minutes, 0).astype(np.float32)

    @property
    def n_counties(self) -> int:
        """Number of counties (1 unless the map is a prefecture)."""
        return len(self.county_names)

    def peoples_hospitals(self) -> np.ndarray:
        """Each county's people's hospital: its county-tier facility with the most beds."""
        found = np.zeros(self.n_counties, dtype=np.int64)
        for k in range(self.n_counties):
            own = np.flatnonzero((self.tier == COUNTY) & (self.facility_county == k))
            found[k] = own[np.argmax(self.beds[own])]
        return found

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
        if self.n_counties > 1:
            return self._prefecture_candidates(n_townships)
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


def _counties(graph: nx.Graph, nodes: list[dict[str, Any]]) -> tuple[list[str], np.ndarray]:
    """County names in the order the graph lists them, and each facility's county index.

    Facilities outside every county (``in_county`` false) have index -1; a map whose
    nodes name no county is one county.
    """
    names = list(dict.fromkeys(d["county"] for _, d in graph.nodes(data=True)
                               if d["in_county"] and d["county"]))
    index = {name: k for k, name in enumerate(names)}
    county = np.array([index.get(d["county"], 0) if d["in_county"] else -1 for d in nodes],
                      dtype=np.int16)
    return names or ["county"], county


def _county_candidates(county: CountyMap, k: int, n_townships: int) -> np.ndarray:
    """Candidates of the villages of county ``k``: its own facilities and shared hospitals."""
    rows = np.flatnonzero(county.village_county == k)
    own = county.facility_county == k
    centres = np.flatnonzero((county.tier == TOWNSHIP) & own)
    n = min(n_townships, len(centres))
    order = np.argsort(county.village_minutes[np.ix_(rows, centres)], axis=1, kind="stable")
    nearest = centres[order[:, :n]]
    home = county.home_township_centre[rows]
    away = ~(nearest == home[:, None]).any(axis=1)
    nearest[away, -1] = home[away]
    hospital = np.isin(county.tier, (COUNTY, CITY, PROVINCE)) & (own | (county.facility_county < 0))
    hospitals = np.flatnonzero(hospital)
    return np.column_stack([county.villages[rows], nearest,
                            np.broadcast_to(hospitals, (rows.size, hospitals.size))])


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
    """All-pairs shortest travel minutes in facility order, float32[F, F].

    Dijkstra from every facility (scipy, in C), in batches of sources so the float64
    output of one batch stays small. Results equal networkx's Dijkstra bit for bit.
    """
    # Imported here: scipy.sparse is slow to import and only a map build needs it.
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import dijkstra

    index = {n: i for i, n in enumerate(ids)}
    n = len(ids)
    u = np.array([index[a] for a, _ in graph.edges()], dtype=np.int64)
    v = np.array([index[b] for _, b in graph.edges()], dtype=np.int64)
    w = np.array([m for _, _, m in graph.edges(data="minutes")], dtype=np.float64)
    # Both directions stored: a directed search on it is faster than scipy's undirected mode.
    # Explicit zeros are kept, as zero-minute roads, in a sparse matrix built this way.
    roads = csr_array((np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
                      shape=(n, n))
    minutes = np.empty((n, n), dtype=np.float32)
    for start in range(0, n, _ROUTE_ROWS):
        rows = np.arange(start, min(start + _ROUTE_ROWS, n))
        minutes[rows] = dijkstra(roads, directed=True, indices=rows)
    # Paths summed in different orders can differ in the last bit; keep the matrix symmetric
    # (the minimum commutes with rounding to float32).
    return np.minimum(minutes, minutes.T)


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
