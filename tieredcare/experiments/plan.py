"""The runs of a sweep: design points × replicate seeds, each with a stable run id.

Every point is run with the same replicate seeds (common random numbers across points),
spawned from the sweep's root seed by :func:`~tieredcare.streams.replicate_seeds`. A run's
id is the fingerprint of its resolved scenario with its seed set (the same digest as
:func:`~tieredcare.config.scenario_hash`), so a run is found again by what it is, whatever
the order of the design or the session that made it. A sweep over an ensemble runs every
point on every member too (:mod:`.members`): point × member × replicate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from tieredcare.config import ConfigError, ConfigProblem
from tieredcare.experiments.designs import POINT, SCENARIO_FILE, Design, make_design
from tieredcare.experiments.members import MEMBER, member_config, member_problem, with_member
from tieredcare.experiments.points import Base, build_point, point_problems
from tieredcare.experiments.sweepfile import Sweep
from tieredcare.streams import replicate_seeds

RUN_ID, REPLICATE, SEED = "run_id", "replicate", "seed"
MAX_REPORTED = 20
"""Invalid design points reported one by one; the rest are counted."""


@dataclass(frozen=True)
class RunPlan:
    """Everything a sweep will run, validated.

    Attributes:
        sweep: The sweep file.
        design: Its design points.
        seeds: Replicate seeds, the same for every point.
        scenarios: Resolved scenario of each point (its ``seed`` is the base's).
        base_dirs: Directory each point's relative paths refer to.
        runs: One row per point × replicate: ``run_id``, ``point``, ``replicate``,
            ``seed`` and the parameter columns; over an ensemble, one row per point ×
            member × replicate, with a ``member`` column after ``point``. Identical runs
            (points, or members, with the same values) share a run id.
    """

    sweep: Sweep
    design: Design
    seeds: tuple[int, ...]
    scenarios: tuple[dict, ...]
    base_dirs: tuple[Path, ...]
    runs: pd.DataFrame

    @property
    def labels(self) -> list[str]:
        """What tells the rows of the runs table apart: point, (member,) replicate."""
        return [POINT, MEMBER, REPLICATE] if MEMBER in self.runs.columns else [POINT, REPLICATE]

    @property
    def sweep_hash(self) -> str:
        """Fingerprint of what the sweep runs: every (run id, point, [member,] replicate)."""
        rows = self.runs[[RUN_ID, *self.labels]].to_numpy().tolist()
        return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]

    def unique_runs(self) -> pd.DataFrame:
        """One row per distinct run id, in running order: replicate by replicate.

        A full pass over the design (and each member) comes before the next replicate, so
        a sweep cut short has still covered every point.
        """
        order = self.runs.sort_values(self.labels[::-1], kind="stable")
        return order.drop_duplicates(RUN_ID)

    def scenario_of(self, point: int, seed: int, member: int | None = None) -> dict:
        """The scenario of one run: its point's, with the member's calibrated values set.

        A member's values are not validated again here: :func:`plan_sweep` has validated
        every point on every member, and the worker validates the scenario it runs.
        """
        scenario = self.scenarios[point]
        if member is not None and self.sweep.ensemble is not None:
            scenario = with_member(scenario, self.sweep.ensemble, member)
        return {**scenario, "seed": int(seed)}


def run_id(scenario: dict, seed: int) -> str:
    """Id of a run: the first 16 hex digits of the SHA-256 of its resolved scenario.

    Args:
        scenario: A resolved scenario (:func:`~tieredcare.config.resolved_dict`).
        seed: The run's seed, set into the scenario before hashing.

    Returns:
        The same digest as ``scenario_hash`` of the scenario with that seed.
    """
    canonical = json.dumps({**scenario, "seed": int(seed)}, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def plan_sweep(sweep: Sweep) -> RunPlan:
    """Design a sweep, validate every design point, and list its runs.

    Args:
        sweep: A validated sweep file.

    Returns:
        The plan.

    Raises:
        ConfigError: If any design point is not a valid scenario or names an invalid
            GraphML map; nothing has run.
    """
    design = make_design(sweep)
    scenarios, base_dirs = _validated_points(sweep, design)
    seeds = tuple(replicate_seeds(sweep.spec.seed, sweep.spec.replicates))
    runs = _runs_table(design, _run_ids(sweep, scenarios, seeds), seeds)
    return RunPlan(sweep, design, seeds, tuple(scenarios), tuple(base_dirs), runs)


def _run_ids(sweep: Sweep, scenarios: list[dict], seeds: tuple[int, ...]
             ) -> dict[tuple[int, ...], str]:
    """(point, [member,] replicate) → run id; each member's scenario validated first.

    Raises:
        ConfigError: If a member's calibrated values make a point invalid.
    """
    ids: dict[tuple[int, ...], str] = {}
    if sweep.ensemble is None:
        for p, scenario in enumerate(scenarios):
            ids |= {(p, r): run_id(scenario, seed) for r, seed in enumerate(seeds)}
        return ids
    problems = []
    for p, scenario in enumerate(scenarios):
        for m in range(sweep.members):
            try:  # one scenario per point and member, dropped once hashed
                config = member_config(scenario, sweep.ensemble, m)
            except ValidationError as exc:
                problems.append(member_problem(str(sweep.path), "ensemble", f"point {p}", m,
                                               exc))
                if len(problems) == MAX_REPORTED:
                    raise ConfigError(problems) from None
                continue
            ids |= {(p, m, r): run_id(config, seed) for r, seed in enumerate(seeds)}
    if problems:
        raise ConfigError(problems)
    return ids


def point_values(design: Design, point: int) -> dict[str, Any]:
    """Parameter key → plain Python value of one design point."""
    # Column by column: a row of mixed columns would turn integers into floats.
    points = design.points
    return {k: _plain(points[k].iat[point]) for k in design.parameters if k != SCENARIO_FILE}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _validated_points(sweep: Sweep, design: Design) -> tuple[list[dict], list[Path]]:
    scenarios: list[dict] = []
    problems: list[ConfigProblem] = []
    invalid = 0
    for point in range(len(design.points)):
        base, values = _base_of(sweep, point), point_values(design, point)
        try:
            scenarios.append(build_point(base, values))
        except ValueError:  # pydantic's ValidationError is a ValueError
            invalid += 1
            problems += point_problems(base, values, sweep.path, lambda k: f"parameters.{k}")
            if invalid == MAX_REPORTED and point + 1 < len(design.points):
                # Stop here: a design of many bad points is answered as fast as one of a few.
                problems.append(ConfigProblem(
                    str(sweep.path), "parameters", f"{len(design.points) - point - 1} further "
                    f"design points not checked after {MAX_REPORTED} invalid ones"))
                break
    if problems:
        raise ConfigError(problems)
    bases = [_base_of(sweep, p) for p in range(len(scenarios))]
    problems = list(_map_problems(sweep, design, scenarios, bases))
    if problems:
        raise ConfigError(problems)
    return scenarios, [b.base_dir for b in bases]


def _base_of(sweep: Sweep, point: int) -> Base:
    return sweep.bases[point] if sweep.spec.design == "scenarios" else sweep.bases[0]


def _map_problems(sweep: Sweep, design: Design, scenarios: list[dict], bases: list[Base]
                  ) -> Iterator[ConfigProblem]:
    """Check each map (GraphML file or tables) the points use, as ``tieredcare validate`` does.

    Each map is read once; every point using it must have at least one resident per
    populated village (residents may vary by point).
    """
    from tieredcare.config.schema import World
    from tieredcare.world.network import GraphError, county_map

    villages: dict[str, int | None] = {}  # None: the map itself was refused
    for point, (scenario, base) in enumerate(zip(scenarios, bases, strict=True)):
        world = scenario["world"]
        if world["graphml"] is None and world.get("tables") is None:
            continue
        key = json.dumps([str(base.base_dir), world["graphml"], world.get("tables")],
                         sort_keys=True)
        if key not in villages:
            try:  # one resident per village at least, so the map alone is judged here
                county = county_map(World.model_validate(world), 10**9, base.base_dir)
                villages[key] = county.n_villages
            except (GraphError, ConfigError, OSError) as exc:
                villages[key] = None
                yield ConfigProblem(*_origin_of_map(sweep, design, point, base), str(exc))
        residents, count = scenario["population"]["residents"], villages[key]
        if count is not None and residents < count:
            villages[key] = None  # reported once per map
            yield ConfigProblem(str(sweep.path), "parameters", f"point {point}: "
                                f"population.residents ({residents:,}) is below the {count:,} "
                                "populated villages of its map; every village needs a resident")


def _origin_of_map(sweep: Sweep, design: Design, point: int, base: Base) -> tuple[str, str]:
    for key in ("world.graphml", "world.tables"):
        if key in design.parameters:
            return str(sweep.path), f"parameters.{key}"
        if key in base.overrides:
            return str(sweep.path), f"overrides.{key}"
    return str(base.file), "world"


def _runs_table(design: Design, ids: dict[tuple[int, ...], str], seeds: tuple[int, ...]
                ) -> pd.DataFrame:
    labels = [POINT, REPLICATE] if len(next(iter(ids))) == 2 else [POINT, MEMBER, REPLICATE]
    rows = [(rid, *key, seeds[key[-1]]) for key, rid in ids.items()]
    runs = pd.DataFrame(rows, columns=[RUN_ID, *labels, SEED])
    runs = runs.astype({label: np.int64 for label in [*labels, SEED]})
    params = storable(design.points)
    return runs.merge(params, on=POINT, how="left", validate="many_to_one")


def storable(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose columns Parquet can hold: mixed or nested values become JSON text."""
    out = frame.copy()
    for name in out.columns:
        kinds = {_kind(v) for v in out[name]}
        if len(kinds) > 1 or kinds <= {"other"}:
            out[name] = [json.dumps(v, sort_keys=True, default=str) for v in out[name]]
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | float | np.integer | np.floating):
        return "number"
    return "str" if isinstance(value, str) else "other"
