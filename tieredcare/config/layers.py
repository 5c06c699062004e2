"""The layers a scenario is built from, how they merge, and which layer set a key.

Layers, later winning: the schema defaults, the ``extends`` chain (root first), the
scenario file and the ``--set`` overrides. Mappings merge key by key; lists and scalars
replace. A service-line mix (an open mapping whose keys are data, not fields) is always
replaced as a whole, because merging two mixes key by key would silently break their sum
to 1. An override may address an item of a list that the layers below it hold: it merges
into that item, key by key, and leaves the rest of the list as it is.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tieredcare.config.errors import ConfigError
from tieredcare.config.keys import Loc, contains, format_key
from tieredcare.config.messages import is_open_mapping, show

OVERRIDE_SOURCE = "--set"
"""The pseudo file name of problems caused by ``--set`` overrides."""


class ItemOverrides(dict):
    """Overrides of items of a list, by index: merged into those items, not replacing the list.

    Only ``--set`` builds these (``key[i]=...``), so a list item that is not there is
    reported against ``"--set"``.
    """


def _merge(base: Any, over: Any, loc: Loc = ()) -> Any:
    """Deep-merge ``over`` onto ``base``: mappings key by key, anything else replaces."""
    if isinstance(over, ItemOverrides):
        return _merge_items(base, over, loc)
    if not (isinstance(base, dict) and isinstance(over, dict)) or (loc and is_open_mapping(loc)):
        return copy.deepcopy(over)
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(base[key], value, (*loc, key)) if key in base else copy.deepcopy(value)
    return merged


def _merge_items(base: Any, over: ItemOverrides, loc: Loc) -> list:
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
                                  f"no such item: {items_allowed(format_key(loc), base)}")
        merged[index] = _merge(base[index], value, (*loc, index))
    return merged


def items_allowed(key: str, items: list) -> str:
    """Which indices of the list at ``key`` exist, for a message.

    Args:
        key: The list's dotted key, as the message shows it.
        items: The list.

    Returns:
        How many items the list has and their indices, or how to set an empty one.
    """
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
class Layer:
    """One source of values: a file, the overrides, or the schema defaults (file None)."""

    file: str | None
    data: dict


def merge_layers(layers: Iterable[Layer]) -> dict:
    """The layers' data merged in order, later layers winning (see the module docstring).

    Args:
        layers: The layers, lowest first.

    Returns:
        The merged mapping; the layers' data is not changed.

    Raises:
        ConfigError: Attributed to ``"--set"``, if an override addresses an item of
            something that is not a list, or past the end of a list.
    """
    merged: dict = {}
    for layer in layers:
        merged = _merge(merged, layer.data)
    return merged


def origin(layers: Sequence[Layer], loc: Loc, default: str | None) -> str | None:
    """The last file that set ``loc`` (or its nearest set ancestor), else ``default``.

    Args:
        layers: The layers, lowest first; those without a file (the defaults) are skipped.
        loc: The key path.
        default: What to return when no file set ``loc`` or any of its ancestors.

    Returns:
        The file name (or ``"--set"``), or ``default``.
    """
    sources = [layer for layer in layers if layer.file is not None]
    for depth in range(len(loc), 0, -1):
        for layer in reversed(sources):
            if contains(layer.data, loc[:depth]):
                return layer.file
    return default
