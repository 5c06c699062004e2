"""How large and how extreme a county map may be.

Every limit on a map lives here, so a message can name it and a test can lower it in one
place: the file checks (:mod:`tieredcare.world.graphml`), the reader
(:mod:`tieredcare.world.graphml_reader`) and the map checks (:mod:`tieredcare.world.checks`)
read the counted limits as ``limits.NAME`` when they check. The ranges of attribute values
(:data:`MAX_SLOTS`, :data:`MAX_BEDS`, :data:`MAX_POPULATION`, :data:`MAX_MINUTES`,
:data:`MAX_COORDINATE`) are fixed when :mod:`tieredcare.world.checks` is imported.
:data:`MAX_FACILITIES` is the scenario schema's, shared with synthetic maps.
"""

from __future__ import annotations

from tieredcare.config.schema import MAX_FACILITIES

__all__ = [
    "MAX_BEDS",
    "MAX_COORDINATE",
    "MAX_ELEMENTS",
    "MAX_FACILITIES",
    "MAX_MAP_BYTES",
    "MAX_MINUTES",
    "MAX_POPULATION",
    "MAX_ROADS",
    "MAX_ROUTE_WORK",
    "MAX_SLOTS",
    "MAX_TEXT_CHARS",
    "MAX_VALUE_CHARS",
]

MAX_MAP_BYTES = 32 * 2**20
"""Largest map file read [bytes]. A 5,000-facility map with yEd drawing data is ~15 MB."""
MAX_ROADS = 100_000
"""Most edges in a map file (parallel and self-loop edges included)."""
MAX_ROUTE_WORK = 100_000_000
"""Most facilities × roads: the all-pairs travel-time search grows with that product (about
six seconds on one core at the limit)."""
MAX_ELEMENTS = 1_000_000
"""Most XML elements in a map file, drawing data included (this also bounds the number of
keys and the nesting depth, so the reader's memory stays small)."""
MAX_VALUE_CHARS = 10_000
"""Longest text of one ``<data>`` or ``<default>`` value [characters]."""
MAX_TEXT_CHARS = 200
"""Longest node id, ``name`` or ``township`` label: they appear in tables and charts."""
MAX_SLOTS = 1_000_000
"""Most outpatient slots of one facility [visits per day]."""
MAX_BEDS = 100_000
"""Most inpatient beds of one facility."""
MAX_POPULATION = 20_000_000
"""Most residents of one village (also the most a scenario may have)."""
MAX_MINUTES = 10_080
"""Longest travel time along one road [minutes] (one week)."""
MAX_COORDINATE = 1e8
"""Largest ``x`` or ``y`` in absolute value (room for projected coordinates in metres)."""
