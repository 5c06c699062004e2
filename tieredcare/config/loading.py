"""Load scenario YAML files into a validated :class:`~tieredcare.config.schema.Scenario`.

A scenario is built from layers, later layers winning: the schema defaults, the chain of
files named by ``extends:`` (root first, read by :mod:`tieredcare.config.scenario_files`),
the scenario file itself and finally the ``--set key=value`` overrides (parsed by
:mod:`tieredcare.config.overrides`). How the layers merge is said in
:mod:`tieredcare.config.layers`.

Every problem is reported as a :class:`ConfigError` naming the file that set the key, the
dotted key path and what is allowed there, so a typo deep in a sweep never surfaces as a
bare pydantic traceback. Files are read with the bounds of :mod:`tieredcare.config.reader`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tieredcare.config.errors import MAX_PROBLEMS, ConfigError, ConfigProblem
from tieredcare.config.keys import Loc, contains, format_key
from tieredcare.config.layers import OVERRIDE_SOURCE, Layer, merge_layers, origin
from tieredcare.config.messages import message
from tieredcare.config.overrides import parse_overrides
from tieredcare.config.scenario_files import extends_chain, rebased
from tieredcare.config.schema import Scenario

# ----------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and where it came from.

    Attributes:
        scenario: The validated scenario.
        path: The scenario file, or None if built from defaults and overrides only.
        base_dir: Directory that relative paths in the scenario (e.g. ``world.graphml``)
            are resolved against: the scenario file's directory, else the working directory.
    """

    scenario: Scenario
    path: Path | None
    base_dir: Path

    def resolve(self, relative: str | Path) -> Path:
        """Resolve a path written in the scenario against :attr:`base_dir`.

        Args:
            relative: A path as written in the scenario file.

        Returns:
            The path itself if absolute, else ``base_dir / relative``.
        """
        return self.base_dir / Path(relative).expanduser()


def load_scenario(path: str | Path | None, overrides: Sequence[str] | None = None
                  ) -> LoadedScenario:
    """Load, merge and validate a scenario.

    Layers, later winning: schema defaults, the ``extends`` chain, the file, the overrides.

    Args:
        path: The scenario YAML file, or None for the defaults.
        overrides: ``dotted.key=value`` items, applied last.

    Returns:
        The validated scenario with its file and base directory.

    Raises:
        ConfigError: With every problem found, each attributed to the file (or ``"--set"``)
            that set the offending key.
    """
    file = None if path is None else Path(path)
    layers = [Layer(None, Scenario().model_dump(mode="json"))]
    if file is not None:
        layers += [rebased(layer, file.parent) for layer in extends_chain(file)]
    if overrides:
        layers.append(Layer(OVERRIDE_SOURCE, parse_overrides(overrides)))
    try:
        scenario = Scenario.model_validate(_prefecture_residents(merge_layers(layers), layers))
    except ValidationError as exc:
        default = None if file is None else str(file)
        errors = exc.errors()
        raise ConfigError((_problem(err, layers, default) for err in errors[:MAX_PROBLEMS]),
                          omitted=max(len(errors) - MAX_PROBLEMS, 0)) from None
    base_dir = file.resolve().parent if file is not None else Path.cwd()
    return LoadedScenario(scenario, file, base_dir)


def _prefecture_residents(merged: dict, layers: Sequence[Layer]) -> dict:
    """In a prefecture, ``population.residents`` is its counties' total unless a file sets it.

    (The schema default, 400,000, is one county's.)
    """
    given = layers[1:]
    if not any(contains(layer.data, ("world", "counties")) for layer in given) or any(
            contains(layer.data, ("population", "residents")) for layer in given):
        return merged
    world, population = merged.get("world"), merged.get("population")
    counties = world.get("counties") if isinstance(world, dict) else None
    people = [c.get("residents") if isinstance(c, dict) else None for c in counties] \
        if isinstance(counties, list) else []
    if people and isinstance(population, dict) and all(
            isinstance(n, int) and not isinstance(n, bool) for n in people):
        merged["population"] = {**population, "residents": sum(people)}
    return merged


def _problem(err: Any, layers: Sequence[Layer], default: str | None) -> ConfigProblem:
    loc: Loc = tuple(err["loc"])
    return ConfigProblem(origin(layers, loc, default), format_key(loc), message(err))


# ----------------------------------------------------------------------------- output


def resolved_dict(scenario: Scenario) -> dict:
    """Every parameter of a scenario, defaults included, as plain JSON-compatible data.

    Args:
        scenario: A validated scenario.

    Returns:
        ``scenario.model_dump(mode="json")``.
    """
    return scenario.model_dump(mode="json")


def scenario_hash(scenario: Scenario) -> str:
    """A short, stable fingerprint of every parameter of a scenario.

    Args:
        scenario: A validated scenario.

    Returns:
        The first 16 hex digits of the SHA-256 of the canonical JSON of
        :func:`resolved_dict` (sorted keys, compact separators).
    """
    canonical = json.dumps(resolved_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def dump_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML that loads back to an equal scenario.

    Args:
        scenario: A validated scenario.

    Returns:
        YAML text, keys in schema order.
    """
    return yaml.safe_dump(resolved_dict(scenario), sort_keys=False, allow_unicode=True)
