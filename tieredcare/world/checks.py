"""What a county map must satisfy, and how its problems are reported.

:func:`validated` turns nodes and edges with raw attributes (from a GraphML file or a
networkx graph) into the clean undirected graph the model runs on: each attribute is
checked against its range (see :mod:`tieredcare.world.limits`), defaulted and coerced, and
the map as a whole must have residents, a township centre, a county and a city hospital,
and be connected.

Every problem is a :class:`GraphError` naming the source, the node or edge, the attribute
and what is allowed. Values quoted in messages are shortened and their control characters
escaped (:func:`shown`, with :func:`~tieredcare.config.printable`). Input that is valid but
suspicious raises an :class:`~tieredcare.config.InputWarning`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import networkx as nx
import numpy as np

from tieredcare.config import InputWarning, printable
from tieredcare.tiers import CITY, COUNTY, SERVICE_LINES, TIERS
from tieredcare.world import limits

__all__ = ["GraphError", "edge_where", "node_where", "shown", "validated"]

SHOWN_CHARS = 80
"""Longest value quoted in a message [characters]; longer ones are shortened."""


class GraphError(ValueError):
    """A county graph (usually a GraphML file) is unreadable, invalid or too large."""


# ----------------------------------------------------------------------------- messages


def shown(value: Any) -> str:
    """A value as quoted in a message: text in quotes, anything else as its repr, bounded."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"an integer of about {value.bit_length() * math.log10(2):,.0f} digits"
    if isinstance(value, str):
        return f"'{printable(value, SHOWN_CHARS)}'"
    try:
        text = repr(value)
    except Exception:  # a foreign object whose repr fails still gets a message
        text = f"<{type(value).__name__}>"
    return printable(text, SHOWN_CHARS)


def node_where(node: str) -> str:
    """How a message names a node: ``node 'T01'``."""
    return f"node {shown(node)}"


def edge_where(u: str, v: str) -> str:
    """How a message names an edge: ``edge ('T01', 'T02')``."""
    return f"edge ({shown(u)}, {shown(v)})"


# ----------------------------------------------------------------------------- validation


_REQUIRED = object()


class _Attr(NamedTuple):
    """How one attribute is checked: ``coerce`` returns the clean value or None if invalid."""

    name: str
    default: Any
    coerce: Callable[[Any], Any]
    allowed: str


def _text_of(value: Any) -> str | None:
    """``str(value)``, or None for objects that cannot be text (a 5,000-digit int)."""
    try:
        return str(value)
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    """A finite float from a number or numeric text, else None (booleans are not numbers)."""
    if isinstance(value, bool | np.bool_):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _between(low: float, high: float) -> Callable[[Any], float | None]:
    def coerce(value: Any) -> float | None:
        number = _number(value)
        return number if number is not None and low <= number <= high else None
    return coerce


def _whole(low: int, high: int) -> Callable[[Any], int | None]:
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
    text = (_text_of(value) or "").strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _tier(value: Any) -> str | None:
    text = (_text_of(value) or "").strip().lower()
    return text if text in TIERS else None


def _services(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    lines = [s.strip() for s in value.split(",") if s.strip()]
    if not lines or any(s not in SERVICE_LINES for s in lines):
        return None
    return ",".join(dict.fromkeys(lines))


def _label(value: Any) -> str | None:
    text = _text_of(value)
    return text if text is not None and len(text) <= limits.MAX_TEXT_CHARS else None


_TEXT = f"text of at most {limits.MAX_TEXT_CHARS} characters"
_SLOTS, _BEDS, _PEOPLE = limits.MAX_SLOTS, limits.MAX_BEDS, limits.MAX_POPULATION
_XY = limits.MAX_COORDINATE
_NODE_ATTRS = (
    _Attr("tier", _REQUIRED, _tier, ", ".join(TIERS)),
    _Attr("in_county", _REQUIRED, _flag, "true/false or 1/0"),
    _Attr("outpatient_slots", _REQUIRED, _between(0, _SLOTS),
          f"a number >= 0 and <= {_SLOTS:,} (visits per day)"),
    _Attr("beds", _REQUIRED, _between(0, _BEDS), f"a number >= 0 and <= {_BEDS:,}"),
    _Attr("quality", _REQUIRED, _between(0.0, 1.0), "a number in [0, 1]"),
    _Attr("capability", _REQUIRED, _whole(0, 4), "an integer 0-4 (highest severity treated)"),
    _Attr("services", _REQUIRED, _services,
          "comma-separated service lines from: " + ", ".join(SERVICE_LINES)),
    _Attr("population", 0, _whole(0, _PEOPLE), f"an integer >= 0 and <= {_PEOPLE:,}"),
    _Attr("township", "", _label, _TEXT),
    _Attr("x", 0.0, _between(-_XY, _XY), f"a number between -{_XY:.0e} and {_XY:.0e}"),
    _Attr("y", 0.0, _between(-_XY, _XY), f"a number between -{_XY:.0e} and {_XY:.0e}"),
    _Attr("name", "", _label, _TEXT),
    _Attr("county", "", _label, _TEXT),
)
"""How each node attribute is checked; its ranges are fixed when this module is imported."""
_EDGE_ATTRS = (_Attr("minutes", _REQUIRED, _between(0, limits.MAX_MINUTES),
                     f"a number >= 0 and <= {limits.MAX_MINUTES:,} (one week)"),)


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
                             f"{shown(data[attr.name])}; allowed: {attr.allowed}")
        clean[attr.name] = value
    return clean


def _node_id(node: Any, source: str) -> str:
    nid = _text_of(node)
    if not nid or len(nid) > limits.MAX_TEXT_CHARS:
        raise GraphError(f"{source}: node id {shown(node)}; allowed: {_TEXT}, not empty")
    return nid


def validated(nodes: Iterable[tuple[Any, dict[str, Any]]],
              edges: Iterable[tuple[Any, Any, dict[str, Any]]], source: str,
              graph_data: dict[str, Any] | None = None) -> nx.Graph:
    """A clean undirected county graph from nodes and edges with raw attributes.

    Node ids become strings; parallel or opposite edges become one with the shortest
    ``minutes``; edges joining a node to itself are dropped with a warning.

    Args:
        nodes: ``(id, attributes)`` pairs, e.g. ``graph.nodes(data=True)``.
        edges: ``(source, target, attributes)``, e.g. ``graph.edges(data=True)``; both ends
            must be among ``nodes``.
        source: What the graph came from (a file name), for messages.
        graph_data: Attributes of the graph itself.

    Returns:
        The checked graph, which the model can run on.

    Raises:
        GraphError: On any missing or invalid attribute, or a graph the model cannot use.
    """
    graph = nx.Graph()
    graph.graph.update(graph_data or {})
    for node, data in nodes:
        nid = _node_id(node, source)
        where = node_where(nid)
        if nid in graph:
            raise GraphError(f"{source}: {where} appears twice; allowed: unique node ids")
        if len(graph) >= limits.MAX_FACILITIES:  # this node would be one too many
            raise GraphError(f"{source}: more than {limits.MAX_FACILITIES:,} nodes; allowed: "
                             f"at most {limits.MAX_FACILITIES:,} facilities (MAX_FACILITIES)")
        clean = _coerced(data, _NODE_ATTRS, source, where)
        clean["name"] = clean["name"] or nid
        if clean["tier"] != "village" and clean["population"] > 0:
            raise GraphError(f"{source}: {where} attribute 'population' is "
                             f"{clean['population']}; allowed: 0 unless 'tier' is village")
        graph.add_nodes_from([(nid, clean)])  # not add_node(**clean): any name is allowed
    loops = []
    for count, (u, v, data) in enumerate(edges, start=1):
        if count > limits.MAX_ROADS:
            raise GraphError(f"{source}: more than {limits.MAX_ROADS:,} edges; allowed: at most "
                             f"{limits.MAX_ROADS:,} (MAX_ROADS)")
        a, b = _node_id(u, source), _node_id(v, source)
        clean = _coerced(data, _EDGE_ATTRS, source, edge_where(a, b))
        if a == b:
            loops.append(a)
        elif graph.has_edge(a, b):
            clean["minutes"] = min(clean["minutes"], graph.edges[a, b]["minutes"])
        graph.add_edges_from([] if a == b else [(a, b, clean)])
    _check_whole(graph, source)
    _warn_suspicious(graph, source, loops)
    return graph


def _check_whole(graph: nx.Graph, source: str) -> None:
    """Check what the model needs of the graph as a whole."""
    n_fac, n_roads = graph.number_of_nodes(), graph.number_of_edges()
    if n_fac * n_roads > limits.MAX_ROUTE_WORK:
        raise GraphError(f"{source}: {n_fac:,} nodes × {n_roads:,} edges is more route "
                         f"finding than allowed; allowed: nodes × edges <= "
                         f"{limits.MAX_ROUTE_WORK:,} (MAX_ROUTE_WORK)")
    nodes = graph.nodes
    if not any(d["tier"] == "village" and d["population"] > 0 for d in nodes.values()):
        raise GraphError(f"{source}: no node has 'population' > 0 with 'tier' village; "
                         "allowed: at least one village where residents live")
    if not any(d["tier"] == "township" for d in nodes.values()):
        raise GraphError(f"{source}: no node has 'tier' township; allowed: at least one "
                         "township centre (family-doctor teams work there)")
    if not any(d["tier"] == TIERS[COUNTY] and d["in_county"] for d in nodes.values()):
        raise GraphError(f"{source}: no node has 'tier' county and 'in_county' true; "
                         "allowed: at least one county hospital in the county (the people's "
                         "hospital, which leads the medical community)")
    if not any(d["tier"] == TIERS[CITY] for d in nodes.values()):
        raise GraphError(f"{source}: no node has 'tier' city; allowed: at least one city "
                         "hospital (where patients go beyond the county, and the city "
                         "partner of '1+1+1' contracts)")
    _check_counties(graph, source)
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    if len(components) > 1:
        stray = sorted(set().union(*components[1:]))
        raise GraphError(f"{source}: graph is not connected: {node_where(stray[0])} (and "
                         f"{len(stray) - 1} other(s)) cannot be reached from "
                         f"{node_where(min(components[0]))} along edges with 'minutes'; "
                         "allowed: one connected graph")


def _check_counties(graph: nx.Graph, source: str) -> None:
    """In a prefecture (nodes with a ``county``), every county must be whole on its own."""
    named = {d["county"] for d in graph.nodes.values() if d["county"]}
    if not named:
        return
    for node, d in graph.nodes(data=True):
        if d["in_county"] and not d["county"]:
            raise GraphError(f"{source}: {node_where(node)} is in a county but has no 'county' "
                             f"attribute; allowed: one of {sorted(named)[:5]} (a map whose nodes "
                             "name counties is a prefecture)")
        if not d["in_county"] and d["county"]:
            raise GraphError(f"{source}: {node_where(node)} has 'county' {shown(d['county'])} "
                             "but 'in_county' false; allowed: no county for the hospitals the "
                             "counties share")
    for name in sorted(named):
        own = [d for d in graph.nodes.values() if d["county"] == name]
        for tier, what in (("village", "populated village"), ("township", "township centre"),
                           ("county", "county hospital")):
            if not any(d["tier"] == tier and (tier != "village" or d["population"] > 0)
                       for d in own):
                raise GraphError(f"{source}: county {shown(name)} has no {what}; allowed: "
                                 "every county has a populated village, a township centre "
                                 "and a county hospital")


def _warn_suspicious(graph: nx.Graph, source: str, loops: list[str]) -> None:
    """Warn about what the model runs on but was probably not meant."""
    def some(nodes: list[str], what: str) -> None:
        if nodes:
            warnings.warn(f"{source}: {len(nodes)} {what} (e.g. {node_where(nodes[0])})",
                          InputWarning, stacklevel=2)

    some(loops, "edge(s) join a node to itself, and are ignored")
    # A village without slots but with residents is a place to live without a clinic.
    some([n for n, d in graph.nodes(data=True) if d["outpatient_slots"] == 0 and d["beds"] == 0
          and not (d["tier"] == "village" and d["population"] > 0)],
         "facility(ies) have no outpatient slots and no beds, so they never serve anyone")
    if all(d["capability"] < 4 for _, d in graph.nodes(data=True)):
        warnings.warn(f"{source}: no facility has 'capability' 4, so severity-4 (complex) "
                      "episodes go untreated unless a policy lever raises capability",
                      InputWarning, stacklevel=2)
