"""Dotted key paths into nested scenario data: ``policy.referral.recovery_stay_days``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

Loc = tuple[str | int, ...]
"""A location in nested data: keys and list indices from the root."""

_NAME = r"[^.\[\]\s]+"
_PATH = re.compile(rf"{_NAME}(?:\.{_NAME}|\[\d+\])*")


def _tokens(dotted: str) -> list[str | int]:
    """Split ``a.b[2].c`` into ``["a", "b", 2, "c"]``; raise KeyError if malformed."""
    if not _PATH.fullmatch(dotted):
        raise KeyError(f"malformed key path {dotted!r}")
    return [name or int(index) for name, index in re.findall(rf"({_NAME})|\[(\d+)\]", dotted)]


def parse_key(dotted: str) -> Loc:
    """The location a dotted key path names: ``"a.b[2]"`` → ``("a", "b", 2)``.

    Raises:
        KeyError: If the path is malformed.
    """
    return tuple(_tokens(dotted))


def format_key(loc: Sequence[str | int]) -> str:
    """Render a location as a dotted key path, list items as ``[i]``.

    Args:
        loc: Keys and list indices from the root.

    Returns:
        E.g. ``"population.income_shares[0]"``.
    """
    out = ""
    for item in loc:
        out += f"[{item}]" if isinstance(item, int) else (f".{item}" if out else str(item))
    return out


def get_path(d: Any, dotted: str) -> Any:
    """Read a nested value by dotted key path.

    Args:
        d: Nested mappings and lists.
        dotted: Key path such as ``"policy.referral.recovery_stay_days"`` or
            ``"choice.quality[2]"``.

    Returns:
        The value at that path.

    Raises:
        KeyError: If the path is malformed or does not exist.
    """
    node = d
    for token in _tokens(dotted):
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            raise KeyError(dotted) from None
    return node


def set_path(d: dict, dotted: str, value: Any) -> None:
    """Set a nested value by dotted key path, creating missing mappings on the way.

    Args:
        d: Nested mappings (changed in place).
        dotted: Key path; list items (``[i]``) must already exist.
        value: The value to store.

    Raises:
        KeyError: If the path is malformed or runs through a scalar or a missing list item.
    """
    *parents, last = _tokens(dotted)
    node: Any = d
    for token in parents:
        if isinstance(token, str) and isinstance(node, dict):
            node = node.setdefault(token, {})
        elif isinstance(token, int) and isinstance(node, list) and token < len(node):
            node = node[token]
        else:
            raise KeyError(dotted)
        if not isinstance(node, dict | list):
            raise KeyError(dotted)
    if isinstance(last, int) and not (isinstance(node, list) and last < len(node)):
        raise KeyError(dotted)
    if isinstance(last, str) and not isinstance(node, dict):
        raise KeyError(dotted)
    node[last] = value


def contains(d: Any, loc: Loc) -> bool:
    """Whether a nested document has any value at ``loc``."""
    node = d
    for item in loc:
        if not isinstance(node, dict | list):
            return False
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            return False
    return True
