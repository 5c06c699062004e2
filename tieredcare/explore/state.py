"""What the explorer's sessions share, and the check that lets a newer setting stop a run.

An :class:`Explorer` holds the scenario given on the command line (the baseline every
session starts from and compares with), the county maps built so far and the baseline's
run; all of it is read-only once made, so any number of browser tabs use it at once. Each
session keeps only its controls' values. A setting runs through the same functions as
``tieredcare run`` (:func:`tieredcare.run.simulate` on the county map built as
:func:`tieredcare.preflight.preflight` builds it), so the scenario file a user downloads
gives the same figures there.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from tieredcare.config import LoadedScenario, Scenario, dump_yaml, get_path, load_scenario
from tieredcare.config.scenario_files import absolute_map_paths
from tieredcare.config.schema import NAME_LENGTH
from tieredcare.explore.levers import with_values
from tieredcare.run import RunOutput, simulate
from tieredcare.world.network import CountyMap, county_map

EXPLORED = "_explored"
"""Added to the scenario's name once a control differs from it (its own results folder)."""
MAPS_KEPT = 4
"""County maps kept for reuse (a map depends only on the world and the residents)."""


class Superseded(Exception):
    """A newer setting came while this one was running: stop it."""


def stopper(wanted: Callable[[], bool]) -> Callable[..., None]:
    """A check for a worker thread: raises :class:`Superseded` once its work is not wanted.

    A run calls it every simulated day (as its progress callback), chart drawing between
    charts, so a newer setting, or a closed browser tab, stops the older work within a day.
    """

    def check(*_done: object) -> None:
        if not wanted():
            raise Superseded

    return check


@dataclass(frozen=True)
class Outcome:
    """A finished run of one setting.

    Attributes:
        scenario: The scenario that ran.
        output: Its tables and summary.
        seconds: Wall time from the request to the summary (map and simulation).
    """

    scenario: Scenario
    output: RunOutput
    seconds: float


class CountyMaps:
    """County maps of the settings seen so far, built once each (under a lock)."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self._maps: OrderedDict[str, CountyMap] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, scenario: Scenario) -> CountyMap:
        """The map of a scenario, as preflight builds it.

        Raises:
            GraphError: If the map cannot be built (e.g. a map file changed on disk).
            ConfigError: If the map's tables are refused.
        """
        key = self._key(scenario)
        with self._lock:
            if key not in self._maps:
                self._maps[key] = county_map(scenario.world, scenario.population.residents,
                                             self.base_dir)
                while len(self._maps) > MAPS_KEPT:
                    self._maps.popitem(last=False)
            self._maps.move_to_end(key)
            return self._maps[key]

    def add(self, scenario: Scenario, county: CountyMap) -> None:
        """Keep a map already built for a scenario."""
        with self._lock:
            self._maps[self._key(scenario)] = county

    @staticmethod
    def _key(scenario: Scenario) -> str:
        return json.dumps([scenario.world.model_dump(mode="json"),
                           scenario.population.residents], sort_keys=True)


@dataclass
class Explorer:
    """The scenario every session starts from, and what the sessions share.

    Attributes:
        loaded: The scenario as loaded (``--residents`` applied): the baseline.
        source: The scenario file, or None for the schema defaults.
    """

    loaded: LoadedScenario
    source: Path | None
    maps: CountyMaps = field(init=False)
    _baseline: Outcome | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.maps = CountyMaps(self.loaded.base_dir)

    @property
    def scenario(self) -> Scenario:
        """The baseline scenario."""
        return self.loaded.scenario

    @cached_property
    def _base_data(self) -> dict[str, Any]:
        return self.scenario.model_dump(mode="json")

    def base_value(self, key: str) -> Any:
        """A control's value in the baseline."""
        return get_path(self._base_data, key)

    def setting(self, values: Mapping[str, Any]) -> tuple[Scenario | None, list[str]]:
        """The scenario on screen: the baseline with the controls' values, or its problems.

        Values equal to the baseline's are left out; with any left, the name gains
        ``_explored``, so ``tieredcare run`` writes it to a folder of its own.
        """
        changed = {k: v for k, v in values.items() if v != self.base_value(k)}
        if not changed:
            return self.scenario, []
        name = self.scenario.name[: NAME_LENGTH - len(EXPLORED)] + EXPLORED
        keys = ", ".join(changed)
        text = f"{self.scenario.name} with {keys} changed in tieredcare explore"
        described = {"name": name, "description": text[:500]}
        return with_values(self.scenario.model_dump(), {**described, **changed})

    def run(self, scenario: Scenario, check: Callable[..., None] | None = None) -> Outcome:
        """Run a setting; ``check`` is called every simulated day (it may raise to stop)."""
        start = time.perf_counter()
        county = self.maps.get(scenario)
        output = simulate(scenario, base_dir=self.loaded.base_dir, county=county,
                          progress=check)
        return Outcome(scenario, output, time.perf_counter() - start)

    def baseline(self) -> Outcome:
        """The baseline's run, made once for all sessions."""
        with self._lock:
            if self._baseline is None:
                self._baseline = self.run(self.scenario)
            return self._baseline

    def scenario_yaml(self, scenario: Scenario) -> str:
        """A scenario file of a setting that ``tieredcare run`` runs from any folder.

        It holds every value (nothing is left to an ``extends`` chain or to defaults that
        may change) and its map files by absolute path.
        """
        data = absolute_map_paths(scenario.model_dump(mode="json"), self.loaded.base_dir)
        made = datetime.now(UTC).isoformat(timespec="seconds")
        origin = str(self.source.resolve()) if self.source else "the schema defaults"
        header = (f"# Made by tieredcare explore from {origin} on {made}.\n"
                  f"# `tieredcare run` on this file gives the figures shown (seed "
                  f"{scenario.seed}, {scenario.population.residents:,} residents).\n")
        return header + dump_yaml(Scenario.model_validate(data))


def open_explorer(path: Path | None, residents: int | None) -> Explorer:
    """Load and check a scenario for the explorer, as ``tieredcare run`` would.

    Args:
        path: The scenario file, or None for the schema defaults.
        residents: Residents of the county (a prefecture: in all), or None for the
            scenario's own.

    Returns:
        The explorer, its baseline map built.

    Raises:
        ConfigError: If the scenario (or the number of residents) is refused.
        GraphError: If its map cannot be built.
    """
    from tieredcare.preflight import preflight

    overrides = [] if residents is None else [f"population.residents={residents}"]
    loaded = load_scenario(path, overrides)
    explorer = Explorer(loaded, path)
    explorer.maps.add(loaded.scenario, preflight(loaded))  # the map the check built
    return explorer
