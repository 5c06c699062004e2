"""The parameters and overrides of a sweep file: their keys, the shape of their values, each value.

A parameter or an override is a dotted scenario key; :func:`key_problem` says why a key is
not one (with the closest keys). :func:`parameter_problems` checks each parameter's key,
the shape its design needs (a list of values for grid, a range for the sampled designs)
and each value set alone on the base scenario; :func:`flat_overrides` turns the fixed
overrides into dotted keys.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tieredcare.config import ConfigProblem, get_path
from tieredcare.config.messages import show
from tieredcare.experiments.points import Base, point_problems
from tieredcare.experiments.spec import RANGE_DESIGNS, SweepFile


def parameter_problems(path: Path, spec: SweepFile, base: Base | None, kinds: dict[str, str]
                       ) -> Iterator[ConfigProblem]:
    """Problems of each parameter: its key, the shape of its values, each value.

    Args:
        path: The sweep file.
        spec: Its keys.
        base: The scenario the points start from; without it values are not checked.
        kinds: Parameter key → ``"int"``, ``"float"`` or ``"other"``.

    Yields:
        Each problem, naming ``parameters.<key>`` (and the value's place).
    """
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


def _shape_problems(file: str, design: str, key: str, value: Any) -> Iterator[ConfigProblem]:
    where = f"parameters.{key}"
    if design == "grid":
        if not isinstance(value, list) or not value:
            yield ConfigProblem(file, where, f"design grid needs a non-empty list of values, "
                                f"e.g. [0.8, 0.9]; got {show(value)}")
        elif len({_fingerprint(v) for v in value}) < len(value):
            yield ConfigProblem(file, where, f"values repeat in {show(value)}; allowed: "
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
                            f"(sampled uniformly); got {show(value)}")
        return
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
               for v in value.values()]
    if not all(numbers):
        yield ConfigProblem(file, where, f"low and high must be finite numbers; got "
                            f"{show(value)}")
    elif not value["low"] < value["high"]:
        yield ConfigProblem(file, where, f"low must be below high; got {show(value)}")


def flat_overrides(path: Path, overrides: Mapping[str, Any], problems: list[ConfigProblem]
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
