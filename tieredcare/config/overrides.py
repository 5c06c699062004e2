"""The ``--set dotted.key=value`` overrides: parsed into the last layer of a scenario.

Values are YAML; a key may address an item of a list (``world.counties[0].residents`` or
``world.counties.0.residents``), which :mod:`tieredcare.config.layers` merges into that
item rather than replacing the list. Every problem is attributed to ``"--set"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tieredcare.config.errors import ConfigError, ConfigProblem
from tieredcare.config.keys import Loc, format_key
from tieredcare.config.layers import OVERRIDE_SOURCE, ItemOverrides, items_allowed
from tieredcare.config.reader import YamlInputError, parse_yaml


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
        fits = isinstance(child, list | ItemOverrides)
    else:
        fits = isinstance(child, dict) and not isinstance(child, ItemOverrides)
    if not fits:
        child = ItemOverrides() if indexed else {}
        node[part] = child
    return child


def _check_index(items: list, loc: Loc) -> None:
    """Refuse an index past the end of a list an earlier ``--set`` item gave whole."""
    if loc[-1] >= len(items):
        raise ConfigError.one(OVERRIDE_SOURCE, format_key(loc),
                              f"no such item: {items_allowed(format_key(loc[:-1]), items)} "
                              f"(as set by an earlier --set)")
