"""Load scenario YAML files into a validated :class:`~tieredcare.config.schema.Scenario`.

A scenario is built from layers, later layers winning: the schema defaults, the chain of
files named by ``extends:`` (root first), the scenario file itself and finally the
``--set key=value`` overrides. Mappings merge key by key; lists and scalars replace. A
service-line mix (an open mapping whose keys are data, not fields) is always replaced as
a whole, because merging two mixes key by key would silently break their sum to 1. An
override may address an item of a list that the layers below it hold,
``world.counties[0].residents`` (or ``world.counties.0.residents``): it merges into that
item, key by key, and leaves the rest of the list as it is.

Every problem is reported as a :class:`ConfigError` naming the file that set the key, the
dotted key path and what is allowed there, so a typo deep in a sweep never surfaces as a
bare pydantic traceback. Files are read with the bounds of :mod:`tieredcare.config.reader`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tieredcare.config.errors import MAX_PROBLEMS, ConfigError, ConfigProblem
from tieredcare.config.keys import Loc, contains, format_key
from tieredcare.config.messages import is_open_mapping, message, show
from tieredcare.config.reader import YamlInputError, parse_yaml, read_input_text
from tieredcare.config.schema import Scenario

OVERRIDE_SOURCE = "--set"
"""The pseudo file name of problems caused by ``--set`` overrides."""

# ----------------------------------------------------------------------------- merging


class _ItemOverrides(dict):
    """Overrides of items of a list, by index: merged into those items, not replacing the list.

    Only ``--set`` builds these (``key[i]=...``), so a list item that is not there is
    reported against ``"--set"``.
    """


def _merge(base: Any, over: Any, loc: Loc = ()) -> Any:
    """Deep-merge ``over`` onto ``base``: mappings key by key, anything else replaces."""
    if isinstance(over, _ItemOverrides):
        return _merge_items(base, over, loc)
    if not (isinstance(base, dict) and isinstance(over, dict)) or (loc and is_open_mapping(loc)):
        return copy.deepcopy(over)
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(base[key], value, (*loc, key)) if key in base else copy.deepcopy(value)
    return merged


def _merge_items(base: Any, over: _ItemOverrides, loc: Loc) -> list:
    """Merge overrides of list items into the items of ``base``, which must hold them all.

    Raises:
        ConfigError: Attributed to ``"--set"``, if ``base`` is not a list or an index is
            past its end.
    """
    if not isinstance(base, list):
        raise ConfigError.one(OVERRIDE_SOURCE, format_key((*loc, min(over))),
                              f"{format_key(loc)} is {_kind(base)}, not a list: only items "
                              f"of a list are set by index")
    merged = list(base)
    for index, value in over.items():
        if index >= len(base):
            raise ConfigError.one(OVERRIDE_SOURCE, format_key((*loc, index)),
                                  f"no such item: {_items_allowed(format_key(loc), base)}")
        merged[index] = _merge(base[index], value, (*loc, index))
    return merged


def _items_allowed(key: str, items: list) -> str:
    """Which indices of the list at ``key`` exist, for a message."""
    if not items:
        return f"{key} is an empty list; allowed: set the whole list, e.g. {key}=[...]"
    span = "0" if len(items) == 1 else f"0–{len(items) - 1}"
    return f"{key} has {len(items)} item{'s' if len(items) > 1 else ''}: {span}"


def _kind(value: Any) -> str:
    """What a value is, in a user's words, for a message."""
    if value is None:
        return "empty (null)"
    if isinstance(value, dict):
        return "a mapping of keys"
    return show(value, 40)


@dataclass(frozen=True)
class _Layer:
    """One source of values: a file, the overrides, or the schema defaults (file None)."""

    file: str | None
    data: dict


def _merge_layers(layers: Iterable[_Layer]) -> dict:
    merged: dict = {}
    for layer in layers:
        merged = _merge(merged, layer.data)
    return merged


def _origin(layers: Sequence[_Layer], loc: Loc, default: str | None) -> str | None:
    """The last file that set ``loc`` (or its nearest set ancestor), else ``default``."""
    sources = [layer for layer in layers if layer.file is not None]
    for depth in range(len(loc), 0, -1):
        for layer in reversed(sources):
            if contains(layer.data, loc[:depth]):
                return layer.file
    return default


# ----------------------------------------------------------------------------- reading files


def load_yaml(path: str | Path) -> dict:
    """Read one input YAML file: bounded, safe, duplicate keys refused, at least one key.

    Args:
        path: The file to read.

    Returns:
        The top-level mapping.

    Raises:
        ConfigError: If the file is missing, unreadable, too large or not UTF-8; is not
            valid YAML or breaks a bound of :mod:`tieredcare.config.reader`; uses a tag the
            safe loader refuses (e.g. ``!!python/object``); is not a mapping; or holds no
            keys (empty, only comments, or ``null``).
    """
    try:
        data = parse_yaml(read_input_text(path))
    except FileNotFoundError:
        raise ConfigError.one(path, "", "file not found") from None
    except YamlInputError as exc:
        raise ConfigError.one(path, "", str(exc)) from None
    except OSError as exc:
        raise ConfigError.one(path, "", f"cannot read file: {exc.strerror or exc}") from None
    if data is None or data == {}:
        raise ConfigError.one(path, "", "no keys: the file is empty, holds only comments or "
                              "is null; allowed: a mapping of keys such as 'name: ...' (see "
                              "the parameter table in README.md)")
    if not isinstance(data, dict):
        raise ConfigError.one(path, "", f"top level must be a mapping of keys, "
                                        f"got {type(data).__name__}")
    return data


def _extends_chain(path: Path, stack: tuple[Path, ...] = ()) -> list[_Layer]:
    """Layers of ``path`` and its ``extends`` ancestors, root first."""
    stack = (*stack, path)
    doc = load_yaml(path)
    parent = doc.pop("extends", None)
    if parent is None:
        return [_Layer(str(path), doc)]
    if not isinstance(parent, str) or not parent.strip():
        raise ConfigError.one(path, "extends", f"must be the path of a YAML file, got "
                                               f"{show(parent)}")
    target = path.parent / parent
    if any(_same_file(target, seen) for seen in stack):
        chain = " → ".join(str(p) for p in (*stack, target))
        raise ConfigError.one(path, "extends", f"cycle: {chain}")
    if not target.is_file():
        raise ConfigError.one(path, "extends", f"file not found: {target} "
                                               f"(paths are relative to the extending file)")
    return [*_extends_chain(target, stack), _Layer(str(path), doc)]


MAP_PATHS = (("graphml",), ("tables", "facilities"), ("tables", "villages"), ("tables", "travel"))
"""File paths of a map's settings (``world`` or a county's ``map``)."""


def _rebased(layer: _Layer, home: Path) -> _Layer:
    """A layer whose map paths, relative to its own file, are made relative to ``home``.

    Map files are found relative to the scenario file that is run; a path written in an
    ``extends`` ancestor in another folder means the file beside that ancestor.
    """
    here = Path(layer.file).parent
    if _same_file(here, home):
        return layer
    data = copy.deepcopy(layer.data)
    for parent, key in _relative_map_paths(data):
        parent[key] = os.path.relpath(here.resolve() / parent[key], home.resolve())
    return _Layer(layer.file, data)


def _relative_map_paths(data: dict) -> list[tuple[dict, str]]:
    """Where scenario data holds a relative map file path: (mapping, key) pairs.

    The map settings are ``world`` and each county's ``map`` (see :data:`MAP_PATHS`).
    """
    world = data.get("world")
    holders = [world] if isinstance(world, dict) else []
    counties = world.get("counties") if isinstance(world, dict) else None
    holders += [c["map"] for c in counties or [] if isinstance(c, dict)
                and isinstance(c.get("map"), dict)] if isinstance(counties, list) else []
    found = []
    for holder in holders:
        for keys in MAP_PATHS:
            parent = holder.get(keys[0]) if len(keys) == 2 else holder
            value = parent.get(keys[-1]) if isinstance(parent, dict) else None
            if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
                found.append((parent, keys[-1]))
    return found


def absolute_map_paths(data: dict, base_dir: Path) -> dict:
    """Scenario data whose map file paths are absolute, so it runs from any folder.

    Args:
        data: Scenario data (``resolved_dict``), not changed.
        base_dir: The folder its relative paths are relative to.

    Returns:
        A copy with every relative map path resolved against ``base_dir``.
    """
    data = copy.deepcopy(data)
    for parent, key in _relative_map_paths(data):
        parent[key] = str((Path(base_dir) / Path(parent[key]).expanduser()).resolve())
    return data


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def resolve_extends(path: str | Path) -> dict:
    """Load a scenario file and merge it over the chain of files it ``extends``.

    ``extends: other.yaml`` is resolved relative to the file that says it. The child is
    deep-merged over its parent (see the module docstring for the rules) and the
    ``extends`` key is dropped. Schema defaults are not applied here.

    Args:
        path: The scenario file.

    Returns:
        The merged mapping.

    Raises:
        ConfigError: On unreadable or malformed files, a missing parent or a cycle.
    """
    return _merge_layers(_extends_chain(Path(path)))


# ----------------------------------------------------------------------------- overrides


def parse_overrides(items: Iterable[str]) -> dict:
    """Parse ``--set dotted.key=value`` items into one nested mapping.

    Values are read as YAML (with the bounds of the file reader), so ``0.9``, ``true``,
    ``[1, 2]`` and ``{a: 1}`` have their YAML types; an empty value is null. Later items
    win. A key may address an item of a list as ``key[i]`` or ``key.i``
    (``world.counties[0].residents``); such items are kept apart from mappings and are
    merged into the list's existing item when the layers are merged.

    Args:
        items: Strings of the form ``dotted.key=value``.

    Returns:
        The overrides as a nested mapping.

    Raises:
        ConfigError: Attributed to ``"--set"``, for an item without ``=``, with an empty
            or malformed key, with a value that is not valid YAML, or indexing past the
            end of a list set whole by an earlier item.
    """
    result: dict = {}
    problems: list[ConfigProblem] = []
    for item in items:
        try:
            loc, value = _parse_override(item)
            _merge_into(result, loc, value)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return result


_PART = re.compile(r"(?P<name>[^\s.\[\]=]+)(?P<items>(?:\[[0-9]+\])*)")
"""One dotted part of a ``--set`` key: a name, optionally followed by ``[i]`` indices."""


def _parse_override(item: str) -> tuple[Loc, Any]:
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep:
        raise ConfigError.one(OVERRIDE_SOURCE, "", f"{item!r} is not of the form key=value "
                                                   f"(e.g. policy.referral.recovery_stay_days=5)")
    loc = _override_loc(key)
    if loc is None:
        raise ConfigError.one(OVERRIDE_SOURCE, "", f"{item!r} has an empty or malformed key; "
                              f"use dotted names such as policy.referral.recovery_stay_days, "
                              f"list items as world.counties[0].residents (or "
                              f"world.counties.0.residents)")
    try:
        return loc, parse_yaml(raw)
    except YamlInputError as exc:
        raise ConfigError.one(OVERRIDE_SOURCE, format_key(loc), str(exc)) from None


def _override_loc(key: str) -> Loc | None:
    """``a.b[2].c`` or ``a.b.2.c`` as ``("a", "b", 2, "c")``; None if malformed.

    A dotted part made of digits is a list index (no mapping of the schema has such
    keys), except the first, which names a top-level key.
    """
    loc: list[str | int] = []
    for depth, part in enumerate(key.split(".")):
        if depth and re.fullmatch(r"[0-9]+", part):
            loc.append(int(part))
            continue
        match = _PART.fullmatch(part)
        if match is None:
            return None
        loc.append(match["name"])
        loc += [int(i) for i in re.findall(r"\[([0-9]+)\]", match["items"])]
    return tuple(loc)


def _merge_into(result: dict, loc: Loc, value: Any) -> None:
    """Set ``value`` at ``loc`` in the overrides; a deeper, later item wins over a scalar."""
    node: Any = result
    for depth, part in enumerate(loc[:-1]):
        node = _descend(node, part, isinstance(loc[depth + 1], int), loc[: depth + 1])
    if isinstance(node, list):
        _check_index(node, loc)
    node[loc[-1]] = value


def _descend(node: Any, part: str | int, indexed: bool, loc: Loc) -> Any:
    """The container at ``node[part]`` to set into, made when missing or of the wrong kind.

    ``indexed`` says whether the next part is a list index. A list given whole by an
    earlier item is set into in place, so ``x=[...]`` then ``x[0].y=1`` changes that list.
    """
    if isinstance(node, list):
        _check_index(node, loc)
        child = node[part]
    else:
        child = node.get(part)
    if indexed:
        fits = isinstance(child, list | _ItemOverrides)
    else:
        fits = isinstance(child, dict) and not isinstance(child, _ItemOverrides)
    if not fits:
        child = _ItemOverrides() if indexed else {}
        node[part] = child
    return child


def _check_index(items: list, loc: Loc) -> None:
    """Refuse an index past the end of a list an earlier ``--set`` item gave whole."""
    if loc[-1] >= len(items):
        raise ConfigError.one(OVERRIDE_SOURCE, format_key(loc),
                              f"no such item: {_items_allowed(format_key(loc[:-1]), items)} "
                              f"(as set by an earlier --set)")


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
    layers = [_Layer(None, Scenario().model_dump(mode="json"))]
    if file is not None:
        layers += [_rebased(layer, file.parent) for layer in _extends_chain(file)]
    if overrides:
        layers.append(_Layer(OVERRIDE_SOURCE, parse_overrides(overrides)))
    try:
        scenario = Scenario.model_validate(_prefecture_residents(_merge_layers(layers), layers))
    except ValidationError as exc:
        default = None if file is None else str(file)
        errors = exc.errors()
        raise ConfigError((_problem(err, layers, default) for err in errors[:MAX_PROBLEMS]),
                          omitted=max(len(errors) - MAX_PROBLEMS, 0)) from None
    base_dir = file.resolve().parent if file is not None else Path.cwd()
    return LoadedScenario(scenario, file, base_dir)


def _prefecture_residents(merged: dict, layers: Sequence[_Layer]) -> dict:
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


def _problem(err: Any, layers: Sequence[_Layer], default: str | None) -> ConfigProblem:
    loc: Loc = tuple(err["loc"])
    return ConfigProblem(_origin(layers, loc, default), format_key(loc), message(err))


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
