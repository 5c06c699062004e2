"""A county from spreadsheets: facility and village tables (CSV) to a county graph.

Researchers hold their county as tables, not as GraphML. Two tables make a map:

- **facilities** — ``id, name, tier, lon, lat, beds, outpatient_slots, services, township,
  village``: one row per facility; ``services`` separated by ``;``; ``township`` (the
  township the facility belongs to) empty for county and city hospitals; ``village`` (the
  village a village clinic serves) empty for every other tier;
- **villages** (or urban communities) — ``id, name, township, population, lon, lat``.

Quality and capability are not in the tables: each facility takes its tier's defaults
(``world.facilities.<tier>``), and facilities of the village, township and county tiers
lie in the county. Residents live in their village's clinic node; a village without a
clinic of its own gets a node with no slots and no beds (its residents go elsewhere).

Roads: unless an origin–destination table (``from, to, minutes``) is given, travel time
is the great-circle distance × ``detour`` ÷ ``speed``. Each village is linked to every
township centre and hospital within :data:`REACH_MINUTES`, and the township centres and
hospitals to one another; shortest paths then give the travel times the model uses. A
village with no township centre or hospital within reach is an error.

Every problem names the file, the row (the header is row 1) and the column; the tables
are read as a stream and bounded (:data:`MAX_ROWS`, :data:`MAX_TABLE_BYTES`).
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from tieredcare.config import ConfigError, ConfigProblem, printable
from tieredcare.config.schema import Facilities
from tieredcare.tiers import COUNTY, SERVICE_LINES, TIERS, TOWNSHIP, VILLAGE

DETOUR = 1.3
"""Road distance / great-circle distance in rural China (assumption; 1.2–1.4 is usual)."""
SPEED_KMH = 40.0
"""Average speed on rural roads [km/h] (assumption; the synthetic county uses the same)."""
REACH_MINUTES = 240.0
"""Longest trip a village is linked by road to a township centre or hospital [minutes]."""
MAX_ROWS = 100_000
"""Most rows a table may hold."""
MAX_TABLE_BYTES = 32 * 2**20
"""Largest table file read [bytes]."""
EARTH_KM = 6371.0
FACILITY_COLUMNS = ("id", "name", "tier", "lon", "lat", "beds", "outpatient_slots",
                    "services", "township", "village")
VILLAGE_COLUMNS = ("id", "name", "township", "population", "lon", "lat")
TRAVEL_COLUMNS = ("from", "to", "minutes")
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Row:
    """One table row: its number (the header is row 1) and its cells by column."""

    number: int
    cells: dict[str, str]


class _Problems:
    """Collects problems; raises them together once the tables have been read."""

    def __init__(self) -> None:
        self.found: list[ConfigProblem] = []

    def add(self, file: Path, row: int | None, column: str | None, message: str) -> None:
        where = ", ".join(p for p in (f"row {row}" if row else "",
                                      f"column {column!r}" if column else "") if p)
        self.found.append(ConfigProblem(str(file), where, message))
        if len(self.found) >= MAX_PROBLEMS:
            self.raise_if_any()

    def raise_if_any(self) -> None:
        if self.found:
            raise ConfigError(self.found)


def read_table(path: str | Path, columns: tuple[str, ...]) -> Iterator[Row]:
    """Rows of a CSV table (UTF-8, with or without BOM), checked and bounded.

    Args:
        path: The table.
        columns: Columns the table must have (others are ignored).

    Yields:
        Each row with its cells, stripped.

    Raises:
        ConfigError: If the file is missing, not a regular file, too large, not UTF-8,
            holds NUL bytes, lacks a column or has more than :data:`MAX_ROWS` rows.
    """
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ConfigError.one(path, "row 1", f"missing column(s) {missing}; the table needs "
                              f"the columns {list(columns)}")
    index = {c: header.index(c) for c in columns}
    for number, cells in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise ConfigError.one(path, "", f"more than {MAX_ROWS:,} rows; allowed: at most "
                                  f"{MAX_ROWS:,}")
        if not any(c.strip() for c in cells):
            continue  # a blank line
        yield Row(number, {c: (cells[i].strip() if i < len(cells) else "")
                           for c, i in index.items()})


def _read_text(path: Path) -> str:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError.one(path, "", "table not found") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError.one(path, "", "is not a regular file; allowed: a CSV table")
    if info.st_size > MAX_TABLE_BYTES:
        raise ConfigError.one(path, "", f"is {info.st_size:,} bytes; allowed: at most "
                              f"{MAX_TABLE_BYTES:,}")
    data = path.read_bytes()[: MAX_TABLE_BYTES + 1]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ConfigError.one(path, "", f"holds a NUL byte at byte {nul:,}; allowed: a CSV "
                              "text table")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError.one(path, "", f"is not UTF-8 (byte {exc.start:,}); save the table "
                              "as CSV UTF-8") from None


def _number(value: str, problems: _Problems, file: Path, row: Row, column: str,
            low: float, high: float, whole: bool = False) -> float | None:
    """A number in [low, high] read from a cell, else a problem noted and None."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high or (
            whole and not number.is_integer()):
        kind = "a whole number" if whole else "a number"
        problems.add(file, row.number, column, f"{printable(value, 40)!r}; allowed: {kind} "
                     f"from {low:g} to {high:g}")
        return None
    return number


def _place(problems: _Problems, file: Path, row: Row) -> tuple[float, float] | None:
    """Longitude and latitude of a row, checked (and swapped ones spotted, for China)."""
    try:
        lon, lat = float(row.cells["lon"]), float(row.cells["lat"])
    except ValueError:
        lon = lat = math.nan
    if 18.0 <= lon <= 54.0 and 73.0 <= lat <= 135.0:
        problems.add(file, row.number, "lon", f"lon {lon:g}, lat {lat:g} look swapped (China "
                     "lies at lon 73–135, lat 18–54); allowed: lon first")
        return None
    lon = _number(row.cells["lon"], problems, file, row, "lon", -180.0, 180.0)
    lat = _number(row.cells["lat"], problems, file, row, "lat", -90.0, 90.0)
    return None if lon is None or lat is None else (lon, lat)


def graph_from_tables(facilities: str | Path, villages: str | Path,
                      travel: str | Path | None = None, *, detour: float = DETOUR,
                      speed_kmh: float = SPEED_KMH,
                      defaults: Facilities | None = None) -> nx.Graph:
    """Build a county graph from the facility and village tables.

    The graph is what :func:`~tieredcare.world.graphml.load_graphml` gives for a map file.

    Args:
        facilities: The facility table.
        villages: The village (or community) table.
        travel: An origin–destination table of travel minutes, replacing the distances.
        detour: Road distance / great-circle distance.
        speed_kmh: Average road speed [km/h].
        defaults: Quality and capability by tier (default: the scenario defaults).

    Returns:
        An undirected graph: nodes are facilities with the attributes of a GraphML map
        (plus ``lon``/``lat``), edges carry ``minutes``.

    Raises:
        ConfigError: With every problem found (file, row, column, what is allowed).
    """
    facilities, villages = Path(facilities), Path(villages)
    defaults = defaults or Facilities()
    problems = _Problems()
    graph = nx.Graph()
    clinic_of = _add_facilities(graph, facilities, defaults, problems)
    listed = _add_villages(graph, villages, clinic_of, defaults, problems)
    for vid, (_, number) in clinic_of.items():
        if vid not in listed:
            problems.add(facilities, number, "village", f"no village {vid!r} in {villages.name}; "
                         "allowed: an id of the village table")
    problems.raise_if_any()
    if travel is not None:
        _roads_from_table(graph, Path(travel), problems)
    else:
        _roads_from_distance(graph, villages, detour, speed_kmh, problems)
    problems.raise_if_any()
    _project(graph)
    return graph


def _add_facilities(graph: nx.Graph, file: Path, defaults: Facilities,
                    problems: _Problems) -> dict[str, tuple[str, int]]:
    """Facility nodes; returns village id → (id, row) of the clinic serving it."""
    clinic_of: dict[str, tuple[str, int]] = {}
    for row in read_table(file, FACILITY_COLUMNS):
        c = row.cells
        fid, tier = c["id"], c["tier"].lower()
        if not fid:
            problems.add(file, row.number, "id", "empty; allowed: a unique id")
            continue
        if fid in graph:
            problems.add(file, row.number, "id", f"{printable(fid, 40)!r} appears twice; "
                         "allowed: unique ids")
            continue
        if tier not in TIERS:
            problems.add(file, row.number, "tier", f"{printable(c['tier'], 40)!r}; allowed: "
                         f"{', '.join(TIERS)}")
            continue
        lines = [s.strip() for s in c["services"].split(";") if s.strip()]
        unknown = [s for s in lines if s not in SERVICE_LINES]
        if unknown or not lines:
            problems.add(file, row.number, "services", f"{printable(c['services'], 60)!r}; "
                         f"allowed: service lines separated by ';' from {', '.join(SERVICE_LINES)}")
        place = _place(problems, file, row)
        beds = _number(c["beds"], problems, file, row, "beds", 0, 100_000, whole=True)
        slots = _number(c["outpatient_slots"], problems, file, row, "outpatient_slots", 0,
                        1_000_000)
        t = TIERS.index(tier)
        if t in (VILLAGE, TOWNSHIP) and not c["township"]:
            problems.add(file, row.number, "township", f"empty for a {tier}; allowed: the "
                         "township it belongs to")
        if t == VILLAGE:
            if not c["village"]:
                problems.add(file, row.number, "village", "empty for a village clinic; "
                             "allowed: the id of the village it serves")
            elif c["village"] in clinic_of:
                problems.add(file, row.number, "village", f"{c['village']!r} already has a "
                             "clinic; allowed: one clinic per village")
            else:
                clinic_of[c["village"]] = (fid, row.number)
        if unknown or not lines or place is None or beds is None or slots is None:
            continue
        spec = getattr(defaults, tier)
        graph.add_node(fid, tier=tier, in_county=t <= COUNTY, outpatient_slots=slots,
                       beds=int(beds), quality=spec.quality, capability=spec.capability,
                       services=",".join(dict.fromkeys(lines)), population=0,
                       township=c["township"] if t <= TOWNSHIP else "",
                       name=c["name"] or fid, lon=place[0], lat=place[1])
    return clinic_of


def _add_villages(graph: nx.Graph, file: Path, clinic_of: dict[str, tuple[str, int]],
                  defaults: Facilities, problems: _Problems) -> set[str]:
    """Put each village's residents on its clinic (or on a clinic-less village node).

    Returns:
        The ids of the villages listed.
    """
    seen: set[str] = set()
    for row in read_table(file, VILLAGE_COLUMNS):
        c = row.cells
        vid = c["id"]
        if not vid or vid in seen:
            problems.add(file, row.number, "id", f"{printable(vid, 40)!r} is empty or appears "
                         "twice; allowed: unique ids")
            continue
        seen.add(vid)
        population = _number(c["population"], problems, file, row, "population", 0,
                             20_000_000, whole=True)
        place = _place(problems, file, row)
        if not c["township"]:
            problems.add(file, row.number, "township", "empty; allowed: the township the "
                         "village belongs to")
        if population is None or place is None:
            continue
        node = clinic_of[vid][0] if vid in clinic_of else None
        if node is None:  # no clinic of its own: residents live here, treated elsewhere
            node = f"village:{vid}"
            if node in graph:
                problems.add(file, row.number, "id", f"{vid!r} clashes with a facility id")
                continue
            spec = defaults.village
            graph.add_node(node, tier="village", in_county=True, outpatient_slots=0.0, beds=0,
                           quality=spec.quality, capability=spec.capability,
                           services="general", population=0, township=c["township"],
                           name=c["name"] or vid, lon=place[0], lat=place[1])
        if node not in graph:
            continue  # the clinic's own row had a problem, already reported
        graph.nodes[node].update(population=int(population), township=c["township"])
    return seen


def _minutes(a: dict, b: dict, detour: float, speed_kmh: float) -> float:
    """Great-circle distance between two nodes × detour ÷ speed [minutes]."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a["lon"], a["lat"], b["lon"], b["lat"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2) ** 2
    km = 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))
    return km * detour / speed_kmh * 60.0


def _roads_from_distance(graph: nx.Graph, villages: Path, detour: float, speed_kmh: float,
                         problems: _Problems) -> None:
    hubs = [n for n, t in graph.nodes(data="tier") if TIERS.index(t) >= TOWNSHIP]
    for i, a in enumerate(hubs):
        for b in hubs[i + 1:]:
            graph.add_edge(a, b, minutes=_minutes(graph.nodes[a], graph.nodes[b], detour,
                                                  speed_kmh))
    for node, data in list(graph.nodes(data=True)):
        if data["tier"] != "village":
            continue
        linked = 0
        for hub in hubs:
            minutes = _minutes(data, graph.nodes[hub], detour, speed_kmh)
            if minutes <= REACH_MINUTES:
                graph.add_edge(node, hub, minutes=minutes)
                linked += 1
        if not linked:
            problems.add(villages, None, None, f"village {data['name']!r} has no township "
                         f"centre or hospital within {REACH_MINUTES:g} minutes; allowed: "
                         "a place within reach (check its lon/lat)")


def _roads_from_table(graph: nx.Graph, file: Path, problems: _Problems) -> None:
    for row in read_table(file, TRAVEL_COLUMNS):
        a, b = row.cells["from"], row.cells["to"]
        for column, node in (("from", a), ("to", b)):
            if node not in graph:
                problems.add(file, row.number, column, f"{printable(node, 40)!r} is not a "
                             "facility id of the facility table")
        minutes = _number(row.cells["minutes"], problems, file, row, "minutes", 0, 10_080)
        if a in graph and b in graph and minutes is not None and a != b:
            old = graph.edges[a, b]["minutes"] if graph.has_edge(a, b) else math.inf
            graph.add_edge(a, b, minutes=min(old, minutes))
    if nx.number_of_nodes(graph) and not nx.is_connected(graph):
        stray = sorted(min(nx.connected_components(graph), key=len))[0]
        problems.add(file, None, None, f"the travel table leaves {stray!r} unreachable from "
                     "the rest; allowed: a table linking every facility")


def _project(graph: nx.Graph) -> None:
    """x/y in km east and north of the county seat (equirectangular: fine for a county).

    The county seat is the in-county county hospital with the most beds, else the centre
    of the map.
    """
    if not len(graph):
        return
    hospitals = [d for _, d in graph.nodes(data=True) if d["tier"] == "county" and d["in_county"]]
    if hospitals:
        seat = max(hospitals, key=lambda d: d["beds"])
        lon0, lat0 = seat["lon"], seat["lat"]
    else:
        lons = [d["lon"] for _, d in graph.nodes(data=True)]
        lats = [d["lat"] for _, d in graph.nodes(data=True)]
        lon0, lat0 = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    scale = math.pi / 180.0 * EARTH_KM
    for _, d in graph.nodes(data=True):
        d["x"] = (d["lon"] - lon0) * scale * math.cos(math.radians(lat0))
        d["y"] = (d["lat"] - lat0) * scale
