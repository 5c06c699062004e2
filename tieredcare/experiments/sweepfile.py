"""Sweep files: what a sweep varies, how it samples it, and over how many seeds.

A sweep file names a base scenario, the parameters to vary (dotted scenario keys, the same
names as in scenario files and the README's parameter table), a design that samples them,
and the number of replicate seeds. :func:`load_sweep` validates all of it before anything
runs and reports every problem as a :class:`~tieredcare.config.ConfigError` naming the
sweep file, the key path (``parameters.<key>``) and what is allowed.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tieredcare.config import ConfigError, ConfigProblem, get_path, load_scenario
from tieredcare.config.loading import load_yaml
from tieredcare.experiments.points import Base, build_point, leaf_kind, point_problems

DESIGNS = ("grid", "lhs", "sobol", "morris", "scenarios")
RANGE_DESIGNS = ("lhs", "sobol", "morris")
RUN_TABLES = ("timeseries", "facilities", "flows")


class SweepFile(BaseModel):
    """The keys of a sweep file (every key is listed in docs/sweeps.md)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$",
                             description="Name of the sweep and of its results folder "
                             "(default: the sweep file's name without .yaml).")
    description: str = Field("", description="One line saying what the sweep asks.")
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
    outputs: list[Literal["timeseries", "facilities", "flows"]] = Field(
        default_factory=lambda: ["timeseries"],
        description="Per-run tables kept besides summary.json and scenario.yaml: timeseries "
                    "(~110 kB per 365-day run), facilities (~30 kB), flows (~6 kB).")


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
    """

    spec: SweepFile
    path: Path
    text: str
    bases: tuple[Base, ...]
    kinds: dict[str, str]

    @property
    def name(self) -> str:
        """Name of the sweep (the file name if the file sets none)."""
        return self.spec.name or self.path.stem

    @property
    def parameters(self) -> list[str]:
        """Parameter keys in file order."""
        return list(self.spec.parameters)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file, its base scenario and every parameter value.

    Args:
        path: The sweep YAML file.

    Returns:
        The validated sweep.

    Raises:
        ConfigError: With every problem found (file, key path, what is allowed).
    """
    path = Path(path)
    text = _read_text(path)
    spec = _validated_spec(path, load_yaml(path))
    problems = list(_design_problems(path, spec))
    bases = _bases(path, spec, problems)
    kinds = {key: leaf_kind(key) for key in spec.parameters}
    problems += _parameter_problems(path, spec, bases[0] if bases else None, kinds)
    _raise_if(problems)
    return Sweep(spec, path, text, tuple(bases), kinds)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""  # load_yaml reports the problem with the file's name


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
    loc = tuple(err["loc"])
    key = ".".join(str(part) for part in loc)
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        allowed = list(SweepFile.model_fields)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return ConfigProblem(str(path), key, f"unknown key{hint}  (allowed: {', '.join(allowed)})")
    field = SweepFile.model_fields.get(str(loc[0]))
    about = f" ({field.description})" if field is not None and field.description else ""
    if kind == "missing":
        return ConfigProblem(str(path), key, f"required key is missing{about}")
    return ConfigProblem(str(path), key, f"{err['msg']}; got {_show(value)}{about}")


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


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
        elif len({json.dumps(v, sort_keys=True) for v in value}) < len(value):
            yield ConfigProblem(file, where, f"values repeat in {_show(value)}; allowed: "
                                "distinct values")
        return
    if design in RANGE_DESIGNS:
        yield from _range_problems(file, design, where, value)


def _range_problems(file: str, design: str, where: str, value: Any) -> Iterator[ConfigProblem]:
    if not isinstance(value, dict) or set(value) != {"low", "high"}:
        yield ConfigProblem(file, where, f"design {design} needs a range {{low: …, high: …}} "
                            f"(sampled uniformly); got {_show(value)}")
        return
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()]
    if not all(numbers):
        yield ConfigProblem(file, where, f"low and high must be numbers; got {_show(value)}")
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
