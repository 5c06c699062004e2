"""Design points as scenarios: set dotted keys on a base scenario and validate the result.

Validating a point is the hot path of planning a large design, so it sets the values on
the base's resolved mapping and validates that once. Only when a point is invalid is it
loaded again through :func:`~tieredcare.config.load_scenario` (values passed as ``--set``
items), so its problems are worded exactly as a scenario file's would be, and then
re-attributed to the sweep file's key (``parameters.<key>``).
"""

from __future__ import annotations

import copy
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from tieredcare.config import (
    ConfigError,
    ConfigProblem,
    Scenario,
    load_scenario,
    resolved_dict,
    set_path,
)
from tieredcare.config.layers import OVERRIDE_SOURCE


@dataclass(frozen=True)
class Base:
    """A scenario that design points start from.

    Attributes:
        file: The scenario file.
        config: Its resolved mapping with the sweep's fixed overrides set.
        base_dir: Directory its relative paths (``world.graphml``) refer to.
        overrides: The sweep's fixed overrides, dotted key → value.
    """

    file: Path
    config: dict
    base_dir: Path
    overrides: dict[str, Any]

    def with_values(self, values: Mapping[str, Any]) -> dict:
        """A copy of :attr:`config` with dotted keys set (not validated)."""
        data = copy.deepcopy(self.config)
        for key, value in values.items():
            set_path(data, key, copy.deepcopy(value))
        return data

    @staticmethod
    @cache
    def defaults() -> dict:
        """The default scenario as nested mappings (treat as read-only)."""
        return Scenario().model_dump(mode="json")


def build_point(base: Base, values: Mapping[str, Any]) -> dict:
    """The resolved scenario of one design point.

    Args:
        base: The scenario the point starts from.
        values: Dotted key → value.

    Returns:
        The validated scenario as plain data (:func:`~tieredcare.config.resolved_dict`).

    Raises:
        pydantic.ValidationError: If the point is not a valid scenario (see
            :func:`point_problems` for a readable account).
    """
    return resolved_dict(Scenario.model_validate(base.with_values(values)))


def point_problems(base: Base, values: Mapping[str, Any], sweep_file: Path,
                   where: Callable[[str], str], *, describe: bool = True) -> list[ConfigProblem]:
    """What is wrong with a design point, attributed to the sweep file's keys.

    Args:
        base: The scenario the point starts from.
        values: Dotted key → value of the point.
        sweep_file: The sweep file problems are attributed to.
        where: Maps a parameter key to its key path in the sweep file.
        describe: Prefix messages with the point's values (useful for multi-key points).

    Returns:
        The problems, empty if the point is valid.
    """
    try:
        build_point(base, values)
        return []
    except ValidationError as exc:
        fallback = exc
    context = ("point " + ", ".join(f"{k}={_yaml(v)}" for k, v in values.items()) + ": "
               if describe else "")
    try:
        load_scenario(base.file, _set_items(base, values))
    except ConfigError as exc:
        return [_attributed(p, base, values, sweep_file, where, context) for p in exc.problems]
    # The loader's merge accepted what set_path built; report pydantic's own words.
    first = next(iter(values), "")
    return [ConfigProblem(str(sweep_file), where(first) if first else "parameters",
                          f"{context}{'.'.join(map(str, e['loc']))}: {e['msg']}")
            for e in fallback.errors()]


def _attributed(problem: ConfigProblem, base: Base, values: Mapping[str, Any], sweep_file: Path,
                where: Callable[[str], str], context: str) -> ConfigProblem:
    if problem.file != OVERRIDE_SOURCE:
        return ConfigProblem(problem.file, problem.key, f"{context}{problem.message}")
    for keys, locate in ((values, where), (base.overrides, lambda k: f"overrides.{k}")):
        for key in keys:
            if _within(problem.key, key):
                inner = "" if problem.key == key else f"{problem.key}: "
                return ConfigProblem(str(sweep_file), locate(key),
                                     f"{context}{inner}{problem.message}")
    first = next(iter(values), None)
    at = where(first) if first is not None else "overrides"
    return ConfigProblem(str(sweep_file), at, f"{context}{problem.key}: {problem.message}")


def _within(found: str, key: str) -> bool:
    """Whether the key path ``found`` is ``key`` or lies inside it."""
    return found == key or found.startswith((f"{key}.", f"{key}["))


def _set_items(base: Base, values: Mapping[str, Any]) -> list[str]:
    """``--set`` items that give the same scenario as ``base.with_values(values)``."""
    merged = base.with_values(values)
    items: dict[str, str] = {}
    for key in [*base.overrides, *values]:
        # A list item is sent as its whole list: one item per top-level key keeps it simple.
        top = key.split("[", 1)[0]
        value = _get(merged, top) if "[" in key else {**base.overrides, **values}[key]
        items[top] = f"{top}={_yaml(value)}"
    return list(items.values())


def _get(tree: Any, dotted: str) -> Any:
    node = tree
    for part in dotted.split("."):
        node = node[part]
    return node


def _yaml(value: Any) -> str:
    """A value as one line of YAML that reads back to the same value (1e-05 stays a float)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return text.removesuffix("\n...\n").strip()


# ----------------------------------------------------------------------------- value kinds

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def leaf_kind(key: str) -> str:
    """Whether the scenario field at a dotted key holds an integer, a float or other data.

    Args:
        key: A dotted scenario key; list items as ``[i]``, mapping entries by name.

    Returns:
        ``"int"`` (sampled values are rounded), ``"float"``, or ``"other"`` (booleans,
        text, lists, sections, unknown keys).
    """
    annotation: Any = Scenario
    for name, index in _TOKEN.findall(key):
        annotation = _child(annotation, name or int(index))
        if annotation is None:
            return "other"
    annotation = _plain(annotation)
    if annotation is int:
        return "int"
    return "float" if annotation is float else "other"


def _child(annotation: Any, item: str | int) -> Any:
    annotation = _plain(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(item) if isinstance(item, str) else None
        return None if field is None else field.annotation
    args, origin = get_args(annotation), get_origin(annotation)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (list, tuple) and args and isinstance(item, int):
        return args[0]
    return None


def _plain(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` down to ``X``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
