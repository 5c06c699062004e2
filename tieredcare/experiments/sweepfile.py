"""Sweep files: what a sweep varies, how it samples it, and over how many seeds.

A sweep file names a base scenario, the parameters to vary (dotted scenario keys, the same
names as in scenario files and the README's parameter table), a design that samples them,
and the number of replicate seeds. :func:`load_sweep` validates all of it before anything
runs and reports every problem as a :class:`~tieredcare.config.ConfigError` naming the
sweep file, the key path (``parameters.<key>``) and what is allowed.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tieredcare.config import ConfigError, ConfigProblem, get_path, load_scenario
from tieredcare.config.errors import MAX_PROBLEMS
from tieredcare.config.keys import format_key
from tieredcare.config.messages import message, show
from tieredcare.config.reader import read_input_text
from tieredcare.config.scenario_files import load_yaml
from tieredcare.config.schema import check_name
from tieredcare.experiments.members import (
    SweepEnsemble,
    calibrated_key_problems,
    open_ensemble,
)
from tieredcare.experiments.points import Base, build_point, leaf_kind, point_problems

if TYPE_CHECKING:
    from tieredcare.calibration.members import Ensemble

DESIGNS = ("grid", "lhs", "sobol", "morris", "scenarios")
RANGE_DESIGNS = ("lhs", "sobol", "morris")
RUN_TABLES = ("timeseries", "facilities", "flows", "groups")
MAX_RUNS = 100_000
"""Most runs (design points × replicates) a sweep may plan unless told otherwise: about
ten hours on two cores at 100,000 residents; ``--max-runs`` raises it for a cluster."""


class SweepFile(BaseModel):
    """The keys of a sweep file (every key is listed in README's "Sweep files")."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    name: str | None = Field(None, description="Name of the sweep and of its results folder "
                             "(default: the sweep file's name without .yaml): ASCII letters, "
                             "digits, '_', '-' and '.', starting with a letter or digit.")
    description: str = Field("", max_length=500,
                             description="One line saying what the sweep asks.")
    base: str | None = Field(None, description="Scenario file every design point starts "
                             "from, relative to the sweep file (all designs but scenarios).")
    replicates: int = Field(1, ge=1, le=100_000,
                            description="Seeds per design point; the same seeds for every "
                            "point (common random numbers).")
    seed: int = Field(ge=0, le=2**63 - 1, description="Root seed of the sweep: replicate seeds "
                      "and the lhs/sobol/morris samples are derived from it.")
    design: Literal["grid", "lhs", "sobol", "morris", "scenarios"] = Field(
        "grid", description="How parameters are sampled: grid (every combination of listed "
                            "values), lhs (Latin hypercube), sobol (Saltelli sample for Sobol "
                            "indices), morris (elementary effects), scenarios (a list of "
                            "scenario files).")
    samples: int | None = Field(None, ge=1, le=1_000_000,
                                description="lhs: number of points; sobol: base sample N "
                                "(a power of 2; N × (D + 2) points for D parameters); morris: "
                                "trajectories (N × (D + 1) points).")
    levels: int = Field(4, ge=2, le=100, description="morris only: grid levels of each "
                        "parameter's range.")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Dotted scenario key → list of values (grid) or "
        "{low, high} (lhs, sobol, morris; sampled uniformly).")
    scenarios: list[str] | None = Field(None, description="design scenarios only: scenario "
                                        "files (relative to the sweep file), one point each.")
    overrides: dict[str, Any] = Field(default_factory=dict,
                                      description="Dotted scenario key → value fixed in every "
                                      "run (applied over the base or each scenario file).")
    outputs: list[Literal["timeseries", "facilities", "flows", "groups"]] = Field(
        default_factory=lambda: ["timeseries", "groups"],
        description="Per-run tables kept besides summary.json and scenario.yaml: timeseries "
                    "(~110 kB per 365-day run), facilities (~30 kB), flows (~6 kB), groups "
                    "(indicators by group, ~30 kB; consolidated into groups.parquet).")
    ensemble: SweepEnsemble | None = Field(
        None, description="Run every design point on each member of a calibration's "
        "ensemble: {folder: <calibration folder, relative to the sweep file>, members: K}; "
        "the aggregate then combines parameter and seed uncertainty.")

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name: str | None) -> str | None:
        return None if name is None else check_name(name)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file, ready to be designed and run.

    Attributes:
        spec: The sweep file's keys.
        path: The sweep file.
        text: The sweep file's text, kept for the manifest.
        bases: Scenarios the design points start from: one (the base) for parameter
            designs, one per scenario file for design ``scenarios``; each already has the
            sweep's fixed overrides applied.
        kinds: Parameter key → ``"int"``, ``"float"`` or ``"other"`` (ints are rounded).
        ensemble: The calibration ensemble every point runs on, if the file names one.
        members: How many of its members each point runs on (0 without an ensemble).
    """

    spec: SweepFile
    path: Path
    text: str
    bases: tuple[Base, ...]
    kinds: dict[str, str]
    ensemble: Ensemble | None = None
    members: int = 0

    @property
    def name(self) -> str:
        """Name of the sweep (the file name if the file sets none)."""
        return self.spec.name or self.path.stem

    @property
    def parameters(self) -> list[str]:
        """Parameter keys in file order."""
        return list(self.spec.parameters)


def load_sweep(path: str | Path, *, max_runs: int = MAX_RUNS) -> Sweep:
    """Read and validate a sweep file, its base scenario and every parameter value.

    The number of runs is checked first, from the file's keys alone, so a design of
    billions of runs is refused before anything is built.

    Args:
        path: The sweep YAML file.
        max_runs: Most runs (design points × replicates) allowed.

    Returns:
        The validated sweep.

    Raises:
        ConfigError: With every problem found (file, key path, what is allowed).
    """
    path = Path(path)
    spec = _validated_spec(path, load_yaml(path))
    text = read_input_text(path)  # already read once: within the size limit
    problems = [*_design_problems(path, spec), *_name_problems(path, spec)]
    ensemble, members = _ensemble(path, spec, problems)
    too_large = list(_size_problems(path, spec, max_runs, max(members, 1)))
    if too_large:  # before the base scenario is loaded and any point is built
        _raise_if(problems + too_large)
    bases = _bases(path, spec, problems)
    kinds = {key: leaf_kind(key) for key in spec.parameters}
    problems += _first(_parameter_problems(path, spec, bases[0] if bases else None, kinds),
                       path)
    if ensemble is not None and bases:
        varied = {**{f"parameters.{k}": k for k in spec.parameters},
                  **{f"overrides.{k}": k for k in bases[0].overrides}}
        problems += calibrated_key_problems(path, ensemble, varied,
                                            [(str(b.file), b.config) for b in bases])
    _raise_if(problems)
    return Sweep(spec, path, text, tuple(bases), kinds, ensemble, members)


def _ensemble(path: Path, spec: SweepFile, problems: list[ConfigProblem]
              ) -> tuple[Ensemble | None, int]:
    """The ensemble the file names (problems are added to ``problems``)."""
    if spec.ensemble is None:
        return None, 0
    if spec.replicates < 2:
        problems.append(ConfigProblem(str(path), "replicates", f"{spec.replicates}; a sweep "
                                      "over an ensemble needs at least 2 replicates, to tell "
                                      "seed noise from parameter uncertainty"))
    try:
        return open_ensemble(path, spec.ensemble)
    except ConfigError as exc:
        problems += exc.problems
        return None, 0


def _first(problems: Iterator[ConfigProblem], path: Path) -> list[ConfigProblem]:
    """The first :data:`MAX_PROBLEMS` problems of a stream of checks, then a note.

    Checking stops there, so a file of thousands of bad values is answered as quickly as
    one of a few.
    """
    keep = MAX_PROBLEMS - 1  # and room for the note
    found = list(itertools.islice(problems, keep))
    if len(found) == keep and next(problems, None) is not None:
        found.append(ConfigProblem(str(path), "parameters", f"further values not checked "
                                   f"after {MAX_PROBLEMS} problems; fix these first"))
    return found


def planned_points(spec: SweepFile) -> int:
    """Design points a sweep file asks for, computed from its keys (nothing is built).

    Args:
        spec: The sweep file's keys (with the design's required keys present).

    Returns:
        grid: the product of the numbers of values; lhs: ``samples``; sobol:
        ``samples × (D + 2)``; morris: ``samples × (D + 1)``; scenarios: the number of files.
    """
    d = len(spec.parameters)
    if spec.design == "grid":
        return math.prod(len(v) if isinstance(v, list) else 1 for v in spec.parameters.values())
    if spec.design == "scenarios":
        return len(spec.scenarios or [])
    extra = {"lhs": 0, "sobol": d + 2, "morris": d + 1}[spec.design]
    return (spec.samples or 0) * max(extra, 1)


def _size_problems(path: Path, spec: SweepFile, max_runs: int, members: int = 1
                   ) -> Iterator[ConfigProblem]:
    points = planned_points(spec)
    runs = points * members * spec.replicates
    if runs > max_runs:
        key = ("replicates" if points * members <= max_runs
               else "ensemble.members" if points <= max_runs
               else {"grid": "parameters", "scenarios": "scenarios"}.get(spec.design, "samples"))
        times = f" × {members:,} ensemble members" if spec.ensemble is not None else ""
        yield ConfigProblem(str(path), key, f"the sweep would make {runs:,} runs ({points:,} "
                            f"design points{times} × {spec.replicates:,} replicates); allowed: at "
                            f"most {max_runs:,} (raise the limit with --max-runs if you mean "
                            "it)")


def _name_problems(path: Path, spec: SweepFile) -> Iterator[ConfigProblem]:
    """The sweep file's own name stands in for a missing ``name``: it must suit a folder."""
    if spec.name is None:
        try:
            check_name(path.stem)
        except ValueError as exc:
            yield ConfigProblem(str(path), "name", f"not given, and the file name {exc}; set "
                                "name: to a folder name")


def _raise_if(problems: Iterable[ConfigProblem]) -> None:
    problems = list(problems)
    if problems:
        raise ConfigError(problems)


# ----------------------------------------------------------------------------- the file's keys


def _validated_spec(path: Path, data: dict) -> SweepFile:
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_spec_problem(path, err) for err in exc.errors()) from None


def _spec_problem(path: Path, err: Any) -> ConfigProblem:
    return ConfigProblem(str(path), format_key(tuple(err["loc"])), message(err, SweepFile))


def _show(value: Any) -> str:
    return show(value)


def _design_problems(path: Path, spec: SweepFile) -> Iterator[ConfigProblem]:
    """Keys that the chosen design needs or forbids."""
    file, design, given = str(path), spec.design, spec.model_fields_set
    if design == "scenarios":
        if not spec.scenarios:
            yield ConfigProblem(file, "scenarios", "required by design scenarios: a list of "
                                "scenario files (relative to the sweep file)")
        for key in ("base", "parameters"):
            if key in given and getattr(spec, key):
                yield ConfigProblem(file, key, "not used by design scenarios; list every "
                                    "scenario (the reference one too) under scenarios and put "
                                    "values shared by all of them under overrides")
    else:
        if spec.base is None:
            yield ConfigProblem(file, "base", f"required by design {design}: the scenario file "
                                "the design points start from (relative to the sweep file)")
        if not spec.parameters:
            yield ConfigProblem(file, "parameters", f"design {design} needs at least one "
                                "parameter: dotted scenario key → values")
        if spec.scenarios is not None:
            yield ConfigProblem(file, "scenarios", "only used by design scenarios")
    yield from _sample_problems(file, spec)


def _sample_problems(file: str, spec: SweepFile) -> Iterator[ConfigProblem]:
    design, samples = spec.design, spec.samples
    if design in RANGE_DESIGNS and samples is None:
        yield ConfigProblem(file, "samples", f"required by design {design}: "
                            f"{SweepFile.model_fields['samples'].description}")
    if design not in RANGE_DESIGNS and samples is not None:
        yield ConfigProblem(file, "samples", f"not used by design {design}; allowed only with "
                            f"{', '.join(RANGE_DESIGNS)}")
    if design == "sobol" and samples is not None and samples & (samples - 1):
        yield ConfigProblem(file, "samples", f"{samples} is not a power of 2; Sobol' sequences "
                            "converge only for N = 2^m (allowed: 8, 16, 32, 64, 128, ...)")
    if "levels" in spec.model_fields_set and design != "morris":
        yield ConfigProblem(file, "levels", "only used by design morris")


def _shape_problems(file: str, design: str, key: str, value: Any) -> Iterator[ConfigProblem]:
    where = f"parameters.{key}"
    if design == "grid":
        if not isinstance(value, list) or not value:
            yield ConfigProblem(file, where, f"design grid needs a non-empty list of values, "
                                f"e.g. [0.8, 0.9]; got {_show(value)}")
        elif len({_fingerprint(v) for v in value}) < len(value):
            yield ConfigProblem(file, where, f"values repeat in {_show(value)}; allowed: "
                                "distinct values")
        return
    if design in RANGE_DESIGNS:
        yield from _range_problems(file, design, where, value)


def _fingerprint(value: Any) -> str:
    """Text that is equal for equal grid values (mappings compared key by key)."""
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):  # keys of mixed types cannot be sorted
        return repr(value)


def _range_problems(file: str, design: str, where: str, value: Any) -> Iterator[ConfigProblem]:
    if not isinstance(value, dict) or set(value) != {"low", "high"}:
        yield ConfigProblem(file, where, f"design {design} needs a range {{low: …, high: …}} "
                            f"(sampled uniformly); got {_show(value)}")
        return
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
               for v in value.values()]
    if not all(numbers):
        yield ConfigProblem(file, where, f"low and high must be finite numbers; got "
                            f"{_show(value)}")
    elif not value["low"] < value["high"]:
        yield ConfigProblem(file, where, f"low must be below high; got {_show(value)}")


# ----------------------------------------------------------------------------- base scenarios


def _bases(path: Path, spec: SweepFile, problems: list[ConfigProblem]) -> list[Base]:
    """The base scenario (or each listed scenario), loaded, with the fixed overrides set.

    Problems are added to ``problems``; the bases are returned only if all loaded.
    """
    key = "scenarios" if spec.design == "scenarios" else "base"
    names = spec.scenarios if key == "scenarios" else [spec.base]
    files = [path.parent / str(name) for name in names or [] if name is not None]
    for i, target in enumerate(files):
        if not target.is_file():
            problems.append(ConfigProblem(str(path), f"{key}[{i}]" if key == "scenarios" else key,
                                          f"file not found: {target} (paths are relative to "
                                          "the sweep file)"))
    found = len(problems)
    overrides = _flat_overrides(path, spec.overrides, problems)
    if len(problems) > found or not files or not all(f.is_file() for f in files):
        return []
    try:
        return [_base(path, target, overrides) for target in files]
    except ConfigError as exc:
        problems += exc.problems
        return []


def _base(sweep_path: Path, file: Path, overrides: dict[str, Any]) -> Base:
    loaded = load_scenario(file)  # problems in the scenario file itself name that file
    bare = Base(file, loaded.scenario.model_dump(mode="json"), loaded.base_dir, {})
    _raise_if(point_problems(bare, overrides, sweep_path, lambda k: f"overrides.{k}",
                             describe=False))
    return Base(file, build_point(bare, overrides), loaded.base_dir, overrides)


def _flat_overrides(path: Path, overrides: Mapping[str, Any], problems: list[ConfigProblem]
                    ) -> dict[str, Any]:
    """Overrides as dotted key → value; nested mappings of sections are flattened."""
    flat: dict[str, Any] = {}
    defaults = Base.defaults()
    for key, value in _flatten(overrides, defaults):
        if key == "seed":
            problems.append(ConfigProblem(str(path), "overrides.seed", "the seed of each run is "
                                          "set by the sweep; use the top-level key seed"))
        elif (problem := key_problem(key, defaults)) is not None:
            problems.append(ConfigProblem(str(path), f"overrides.{key}", problem))
        else:
            flat[key] = value
    return flat


def _flatten(tree: Mapping[str, Any], defaults: dict, prefix: str = "") -> Iterator[tuple]:
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        section = _lookup(defaults, dotted)
        # A mapping given for a section sets its keys one by one, keeping the base's others.
        if isinstance(value, dict) and isinstance(section, dict) and value:
            yield from _flatten(value, defaults, f"{dotted}.")
        else:
            yield dotted, value


def _lookup(tree: dict, dotted: str) -> Any:
    try:
        return get_path(tree, dotted)
    except KeyError:
        return None


def key_problem(key: str, defaults: dict) -> str | None:
    """Why ``key`` is not a scenario parameter (with the closest keys), or None if it is.

    Args:
        key: A dotted scenario key, e.g. ``policy.referral.recovery_stay_days``.
        defaults: The default scenario as nested mappings.

    Returns:
        A message saying what is allowed, or None.
    """
    try:
        get_path(defaults, key)
        return None
    except KeyError:
        pass
    close = difflib.get_close_matches(key, list(_leaf_keys(defaults)), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    prefix, allowed = _deepest_section(key, defaults)
    under = f" under {prefix}" if prefix else ""
    return (f"not a scenario parameter{hint}  (allowed{under}: {', '.join(allowed)}; see the "
            "parameter table in README.md)")


def _leaf_keys(tree: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaf_keys(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".")


def _deepest_section(key: str, defaults: dict) -> tuple[str, list[str]]:
    """The longest existing prefix of ``key`` that is a section, and its keys."""
    parts = key.split(".")
    node, found = defaults, []
    for part in parts[:-1]:
        name = part.split("[")[0]
        if not isinstance(node, dict) or not isinstance(node.get(name), dict):
            break
        node, found = node[name], [*found, name]
    return ".".join(found), list(node)


# ----------------------------------------------------------------------------- parameters


def _parameter_problems(path: Path, spec: SweepFile, base: Base | None, kinds: dict[str, str]
                        ) -> Iterator[ConfigProblem]:
    """Problems of each parameter: its key, the shape of its values, each value."""
    file, defaults = str(path), Base.defaults()
    for key, value in spec.parameters.items():
        where = f"parameters.{key}"
        shape = list(_shape_problems(file, spec.design, key, value))
        if key == "seed":
            yield ConfigProblem(file, where, "replicate seeds are set by the sweep (keys seed "
                                "and replicates); it cannot be a parameter")
        elif (problem := key_problem(key, defaults)) is not None:
            yield ConfigProblem(file, where, problem)
        elif shape:
            yield from shape
        elif spec.design in RANGE_DESIGNS and kinds[key] == "other":
            yield ConfigProblem(file, where, f"design {spec.design} samples numbers, and this "
                                "parameter is not a number; vary it with design grid")
        elif base is not None:
            yield from _value_problems(path, spec.design, base, key, value, kinds[key])


def _value_problems(path: Path, design: str, base: Base, key: str, value: Any, kind: str
                    ) -> Iterator[ConfigProblem]:
    """Each grid value, or each end of a range, set alone on the base and validated."""
    if design == "grid":
        checks = {f"parameters.{key}[{i}]": v for i, v in enumerate(value)}
    else:
        checks = {f"parameters.{key}.{end}": round(v) if kind == "int" else v
                  for end, v in value.items()}
    for where, single in checks.items():
        yield from point_problems(base, {key: single}, path, lambda _k, w=where: w,
                                  describe=False)
