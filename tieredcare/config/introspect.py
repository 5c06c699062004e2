"""The schema's numeric fields and their allowed ranges, for documentation, tests and tools.

Every number a scenario holds is a *numeric leaf*: a field, an item of a list field, or a
value of a mapping field. :func:`numeric_leaves` lists them with their ranges, so the
README's range column, the check that every number is bounded, and tools that build
controls or sampling ranges from the schema all read one definition.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tieredcare.config.schema import Scenario


@dataclass(frozen=True)
class Bounds:
    """An allowed range; ``None`` for an open end.

    Attributes:
        low: Lower end.
        low_inclusive: Whether ``low`` itself is allowed (``ge``) or not (``gt``).
        high: Upper end.
        high_inclusive: Whether ``high`` itself is allowed (``le``) or not (``lt``).
    """

    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True

    @classmethod
    def of(cls, constraints: Iterable[Any]) -> Bounds:
        """The range declared by pydantic constraints (``ge``, ``gt``, ``le``, ``lt``)."""
        low = high = None
        low_inc = high_inc = True
        for item in constraints:
            for name, inclusive in (("ge", True), ("gt", False)):
                if getattr(item, name, None) is not None:
                    low, low_inc = getattr(item, name), inclusive
            for name, inclusive in (("le", True), ("lt", False)):
                if getattr(item, name, None) is not None:
                    high, high_inc = getattr(item, name), inclusive
        return cls(low, low_inc, high, high_inc)

    @property
    def closed(self) -> bool:
        """Whether both ends are given."""
        return self.low is not None and self.high is not None

    def __contains__(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not
                                                         self.low_inclusive)):
            return False
        return self.high is None or not (value > self.high or (
            value == self.high and not self.high_inclusive))

    def __str__(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'≥' if self.low_inclusive else '>'} {_number(self.low)}")
        if self.high is not None:
            parts.append(f"{'≤' if self.high_inclusive else '<'} {_number(self.high)}")
        return ", ".join(parts)


@dataclass(frozen=True)
class NumericLeaf:
    """One number of a scenario.

    Attributes:
        key: Dotted key; ``[]`` marks every item of a list, ``{}`` every value of a mapping.
        kind: ``"int"`` or ``"float"``.
        bounds: Its allowed range.
    """

    key: str
    kind: str
    bounds: Bounds


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def item_bounds(field: FieldInfo) -> Bounds | None:
    """The range of each item of a list or mapping field, if its item type declares one."""
    item = _item_annotation(field.annotation)
    if item is None or get_origin(item) is not Annotated:
        return None
    return Bounds.of(_annotated_constraints(item))


def numeric_leaves(model: type[BaseModel] = Scenario, prefix: str = "") -> Iterator[NumericLeaf]:
    """Every numeric leaf of a model, depth first in field order.

    Args:
        model: The model to walk (default: the whole scenario).
        prefix: Dotted prefix of the keys.

    Yields:
        Each numeric leaf with its kind and range.
    """
    for name, field in model.model_fields.items():
        yield from _leaves(field.annotation, tuple(field.metadata), f"{prefix}{name}")
    extra = _extra_annotation(model)
    if extra is not None:
        yield from _leaves(extra, (), f"{prefix}{{}}")


def _leaves(annotation: Any, constraints: tuple[Any, ...], key: str) -> Iterator[NumericLeaf]:
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _leaves(get_args(annotation)[0],
                           constraints + _annotated_constraints(annotation), key)
    elif origin is Union or origin is types.UnionType:
        for member in get_args(annotation):
            if member is not type(None):
                yield from _leaves(member, constraints, key)
    elif origin in (list, tuple):
        yield from _leaves(get_args(annotation)[0], (), f"{key}[]")
    elif origin is dict:
        yield from _leaves(get_args(annotation)[1], (), f"{key}{{}}")
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from numeric_leaves(annotation, f"{key}.")
    elif annotation in (int, float):
        yield NumericLeaf(key, annotation.__name__, Bounds.of(constraints))


def _annotated_constraints(annotation: Any) -> tuple[Any, ...]:
    found: list[Any] = []
    for extra in get_args(annotation)[1:]:
        found += extra.metadata if isinstance(extra, FieldInfo) else [extra]
    return tuple(found)


def _item_annotation(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin in (list, tuple):
        return get_args(annotation)[0]
    if origin is dict:
        return get_args(annotation)[1]
    return None


def _extra_annotation(model: type[BaseModel]) -> Any:
    """The type of the values of a model whose keys are data (``__pydantic_extra__``)."""
    if model.model_config.get("extra") != "allow":
        return None
    args = get_args(get_type_hints(model, include_extras=True).get("__pydantic_extra__"))
    return args[1] if len(args) == 2 else None
