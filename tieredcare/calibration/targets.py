"""A targets file: what a county's statistics say, and which parameters may move to fit them.

```yaml
name: weak_county
scenario: ../scenarios/baseline.yaml      # relative to this file
targets:
  county_retention: {value: 0.67, sd: 0.03}
  visits_per_capita: {value: 5.9, low: 5.6, high: 6.2}   # an interval is ±2 sd
  contract_coverage@age=65+: {value: 0.6, sd: 0.05, weight: 0.5}
parameters:
  choice.quality[2]: {low: 4.0, high: 14.0}
  choice.travel: {low: 0.5, high: 3.0, log: true}
  episodes.minor_acute_rate: {scale: [0.8, 1.2]}   # one factor for every entry
```

A target names an indicator of the run summary (:data:`~tieredcare.metrics.INDICATORS`,
the 90th-percentile waits and the indicators computed from groups), or a group indicator
as ``indicator@dimension=group`` (``groups.parquet``; e.g. ``county_retention@county=Anhe``
in a prefecture). Everything is checked before any trial runs; problems name the file and
key path.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tieredcare.config import ConfigError, ConfigProblem, load_scenario, printable
from tieredcare.config.keys import get_path
from tieredcare.config.reader import YamlInputError, parse_yaml, read_input_text
from tieredcare.config.schema import check_name
from tieredcare.experiments.points import Base, leaf_kind, point_problems
from tieredcare.group_summary import EXTRA_INDICATORS
from tieredcare.groups import FIXED_GROUPS, GROUP_INDICATORS
from tieredcare.metrics import INDICATORS
from tieredcare.tiers import TIERS

MAX_TARGETS = 100
MAX_PARAMETERS = 40


class Target(BaseModel):
    """One statistic to fit: its value and how sure it is."""

    model_config = ConfigDict(extra="forbid")
    value: float = Field(allow_inf_nan=False, description="The published or observed value.")
    sd: float | None = Field(None, allow_inf_nan=False, gt=0.0,
                             description="Its standard deviation (or give low and high).")
    low: float | None = Field(None, allow_inf_nan=False, description="Lower end of its interval.")
    high: float | None = Field(None, allow_inf_nan=False, description="Upper end of its "
                               "interval; an interval is read as ±2 sd.")
    weight: float = Field(1.0, gt=0.0, le=100.0, allow_inf_nan=False,
                          description="Weight of the target in the loss.")

    @model_validator(mode="after")
    def _spread(self) -> Target:
        interval = self.low is not None or self.high is not None
        if interval and (self.low is None or self.high is None):
            raise ValueError("give both low and high")
        if interval and self.sd is not None:
            raise ValueError("give sd or low and high, not both")
        if not interval and self.sd is None:
            raise ValueError("give sd, or low and high")
        if interval and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if interval and not self.low <= self.value <= self.high:
            raise ValueError(f"value ({self.value}) must lie within low–high")
        return self

    @property
    def spread(self) -> float:
        """Standard deviation of the target."""
        return self.sd if self.sd is not None else (self.high - self.low) / 4.0

    @property
    def interval(self) -> tuple[float, float]:
        """The target's interval: as given, or ±2 sd."""
        if self.low is not None and self.high is not None:
            return self.low, self.high
        return self.value - 2 * self.spread, self.value + 2 * self.spread


class Parameter(BaseModel):
    """A scenario value the calibration may move, within bounds."""

    model_config = ConfigDict(extra="forbid")
    low: float | None = Field(None, allow_inf_nan=False, description="Lowest value.")
    high: float | None = Field(None, allow_inf_nan=False, description="Highest value.")
    log: bool = Field(False, description="Sample on a log scale (low must be > 0).")
    scale: tuple[float, float] | None = Field(
        None, description="Range of one factor multiplying every entry of a mapping or list.")

    @model_validator(mode="after")
    def _bounds(self) -> Parameter:
        if self.scale is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give low and high, or scale, not both")
            low, high = self.scale
        elif self.low is None or self.high is None:
            raise ValueError("give low and high (or scale: [low, high] for a mapping or list)")
        else:
            low, high = self.low, self.high
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"low ({low}) must be below high ({high})")
        if self.log and low <= 0:
            raise ValueError("log: true needs low > 0")
        return self

    @property
    def range(self) -> tuple[float, float]:
        """(low, high) of the value or of the factor."""
        return self.scale if self.scale is not None else (self.low, self.high)


class TargetsFile(BaseModel):
    """The targets file as written."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, description="Name of the calibration (results folder).")
    description: str = ""
    scenario: str = Field(description="The scenario it starts from (relative to this file).")
    targets: dict[str, Target] = Field(min_length=1, max_length=MAX_TARGETS)
    parameters: dict[str, Parameter] = Field(min_length=1, max_length=MAX_PARAMETERS)


@dataclass(frozen=True)
class Calibration:
    """A checked targets file, ready to run.

    Attributes:
        path: The targets file.
        spec: Its contents.
        base: The scenario the trials start from.
        name: Name of the calibration.
        overrides: ``--set`` items applied to the scenario.
    """

    path: Path
    spec: TargetsFile
    base: Base
    name: str
    overrides: tuple[str, ...] = ()


def load_targets(path: str | Path, overrides: list[str] | None = None) -> Calibration:
    """Read and check a targets file; every problem is reported at once.

    Args:
        path: The targets file.
        overrides: ``--set key=value`` items applied to its scenario (e.g. a smaller
            ``population.residents`` for a quick look).

    Raises:
        ConfigError: Naming the file and key path of each problem, before anything runs.
    """
    path = Path(path)
    file = str(path)
    try:
        data = parse_yaml(read_input_text(path))
    except (OSError, YamlInputError) as exc:
        raise ConfigError.one(file, "", printable(str(exc), 400)) from None
    if not isinstance(data, dict):
        raise ConfigError.one(file, "", "a targets file is a mapping with scenario, targets "
                              "and parameters")
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([ConfigProblem(file, ".".join(str(p) for p in e["loc"]),
                                         e["msg"].removeprefix("Value error, "))
                           for e in exc.errors()]) from None
    name = spec.name or path.stem
    try:
        check_name(name)
    except ValueError as exc:
        raise ConfigError.one(file, "name", str(exc)) from None
    scenario_file = path.parent / spec.scenario
    if not scenario_file.is_file():
        raise ConfigError.one(file, "scenario", f"file not found: {scenario_file} (relative to "
                              "the targets file)")
    loaded = load_scenario(scenario_file, overrides)
    base = Base(scenario_file, loaded.scenario.model_dump(mode="json"), loaded.base_dir, {})
    counties = [c.name for c in loaded.scenario.world.counties]
    problems = [p for key, target in spec.targets.items()
                for p in target_problems(file, key, target, counties)]
    for key, parameter in spec.parameters.items():
        problems += parameter_problems(file, base, key, parameter)
    if problems:
        raise ConfigError(problems)
    return Calibration(path, spec, base, name, tuple(overrides or ()))


# ----------------------------------------------------------------------------- targets

GROUP_NAMES = {g.name for g in GROUP_INDICATORS}
DIMENSIONS = ("income", "age", "age_45_plus", "scheme", "chronic", "township", "distance",
              "severity", "county")


def summary_indicators() -> list[str]:
    """Names a target may give without a group: the run summary's indicators."""
    return [*INDICATORS, *(f"p90_wait_{t}" for t in TIERS), *EXTRA_INDICATORS]


def target_range(indicator: str) -> tuple[float, float]:
    """Values an indicator can take, from its unit (0 to ∞ where it has none listed)."""
    unit = (INDICATORS[indicator].unit if indicator in INDICATORS
            else EXTRA_INDICATORS.get(indicator, ("",))[0])
    if unit in ("share", "index 0–1"):
        return 0.0, 1.0
    if unit == "index −1…1":
        return -1.0, 1.0
    return 0.0, math.inf


def indicator_problems(file: str, where: str, key: str, counties: list[str]
                       ) -> list[ConfigProblem]:
    """What is wrong with an indicator key: ``name`` or ``name@dimension=group``.

    Args:
        file: The file the key was read from, for messages.
        where: The key path in that file, for messages.
        key: The indicator key.
        counties: The scenario's counties (a prefecture), allowed after ``county=``.

    Returns:
        The problems (an unknown name comes with the nearest known one); empty if none.
    """
    indicator, _, group = key.partition("@")
    known = GROUP_NAMES if group else set(summary_indicators())
    if indicator not in known:
        close = difflib.get_close_matches(indicator, sorted(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        kind = "group indicator" if group else "indicator"
        return [ConfigProblem(file, where, f"unknown {kind} {indicator!r}{hint}; allowed: the "
                              "indicators listed in README (Indicators, By group)")]
    if group:
        dimension, _, name = group.partition("=")
        if dimension not in DIMENSIONS or not name:
            return [ConfigProblem(file, where, f"{group!r} is not dimension=group; allowed "
                                  f"dimensions: {', '.join(DIMENSIONS)}")]
        if dimension == "county" and name not in counties:
            return [ConfigProblem(file, where, f"no county {name!r} in the scenario; allowed: "
                                  f"{', '.join(counties) or 'none (one county)'}")]
        if name not in FIXED_GROUPS.get(dimension, (name,)):
            return [ConfigProblem(file, where, f"no group {name!r} in {dimension}; allowed: "
                                  f"{', '.join(FIXED_GROUPS[dimension])}")]
    return []


def target_problems(file: str, key: str, target: Target, counties: list[str]
                    ) -> list[ConfigProblem]:
    """What is wrong with one target's key or value."""
    where = f"targets.{key}"
    problems = indicator_problems(file, where, key, counties)
    if problems:
        return problems
    indicator = key.partition("@")[0]
    low, high = target_range(indicator)
    if not low <= target.value <= high:
        return [ConfigProblem(file, f"{where}.value", f"{target.value} is outside what "
                              f"{indicator} can be: {low} to {high}")]
    return []


# ----------------------------------------------------------------------------- parameters


def parameter_problems(file: str, base: Base, key: str, parameter: Parameter
                       ) -> list[ConfigProblem]:
    """What is wrong with one parameter: its key, its kind, or its bounds."""
    where = f"parameters.{key}"
    current = base_value(base, key)
    if current is _MISSING:
        return [ConfigProblem(file, where, "not a key of the scenario (dotted names, list items "
                              "as [i], e.g. choice.quality[2])")]
    if parameter.scale is None and leaf_kind(key) not in ("int", "float"):
        return [ConfigProblem(file, where, f"is {printable(str(current), 60)}, not a number; for "
                              "a mapping or list of numbers use scale: [low, high]")]
    if parameter.scale is not None and not _numbers(current):
        return [ConfigProblem(file, where, "scale needs a mapping or list of numbers; "
                              f"{key} is {printable(str(current), 60)}")]
    whole = parameter.scale is None and leaf_kind(key) == "int"
    if whole and not all(float(b).is_integer() for b in parameter.range):
        return [ConfigProblem(file, where, f"{key} is a whole number; allowed: whole-number "
                              f"low and high, got {parameter.range}")]
    problems = []
    for end, bound in zip(("low", "high"), parameter.range, strict=True):
        bound = int(bound) if whole else bound
        at = f"{where}.scale" if parameter.scale is not None else f"{where}.{end}"
        found = point_problems(base, {key: set_value(current, parameter, bound)}, Path(file),
                               lambda _, at=at: at, describe=False)
        problems += [ConfigProblem(p.file, p.key, f"{end} {bound}: {p.message}")
                     for p in found]
    return problems


_MISSING = object()


def base_value(base: Base, key: str) -> Any:
    """The base scenario's value at a dotted key (``a.b[2]``), or a marker if absent."""
    try:
        return get_path(base.config, key)
    except (KeyError, IndexError, TypeError):
        return _MISSING


def _numbers(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return bool(items) and all(isinstance(v, int | float) and not isinstance(v, bool)
                               for v in items)


def set_value(current: Any, parameter: Parameter, x: float) -> Any:
    """The scenario value for a sampled ``x``: the value itself, or the entries × x."""
    if parameter.scale is None:
        return x
    if isinstance(current, dict):
        return {k: v * x for k, v in current.items()}
    return [v * x for v in current]
