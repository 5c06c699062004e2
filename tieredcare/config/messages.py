"""What the schema says at a key path, and pydantic errors turned into plain messages.

Each message says what is wrong and what is allowed there, with the field's unit and
range, so a user never has to read a pydantic error.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tieredcare.config.errors import printable
from tieredcare.config.keys import Loc
from tieredcare.config.schema import Scenario


@dataclass(frozen=True)
class Site:
    """What the schema says about one location.

    Attributes:
        field: The field at the location, if it is a declared field.
        annotation: Type expected at the location (None when unknown).
        unit: Unit of the field, or of the nearest ancestor that has one.
        constraints: Range and length constraints at the location: the field's, or those
            of the item type of a list or mapping (``list[Annotated[float, Field(ge=0)]]``).
    """

    field: FieldInfo | None
    annotation: Any
    unit: str | None
    constraints: tuple[Any, ...] = ()


def _unwrap_optional(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _unwrap_annotated(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """The bare type of ``Annotated[T, Field(...)]`` and the constraints its fields declare."""
    if get_origin(annotation) is not Annotated:
        return annotation, ()
    bare, *extras = get_args(annotation)
    found: list[Any] = []
    for extra in extras:
        found += extra.metadata if isinstance(extra, FieldInfo) else [extra]
    return bare, tuple(found)


def as_model(annotation: Any) -> type[BaseModel] | None:
    """The model class an annotation (possibly optional) stands for, else None."""
    annotation = _unwrap_optional(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def unit_of(field: FieldInfo) -> str | None:
    """Unit from ``json_schema_extra``, else from a trailing ``[unit]`` in the description."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("unit"), str):
        return extra["unit"]
    match = re.search(r"\[([^\[\]]+)\]\.?\s*$", field.description or "")
    return match[1] if match else None


def _step(annotation: Any, item: str | int) -> Any:
    """Type expected one level down from ``annotation`` at key or index ``item``."""
    annotation = _unwrap_optional(annotation)
    args = get_args(annotation)
    origin = get_origin(annotation)
    if isinstance(item, int) and origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    model = as_model(annotation)
    if model is not None and model.model_config.get("extra") == "allow":
        return _extra_type(model)
    return None


def _extra_type(model: type[BaseModel]) -> Any:
    """Type of the values of a model whose keys are data (``__pydantic_extra__``)."""
    hints = get_type_hints(model, include_extras=True)
    args = get_args(hints.get("__pydantic_extra__"))
    return args[1] if len(args) == 2 else None


def site(loc: Loc, root: type[BaseModel] = Scenario) -> Site:
    """Walk the schema from ``root`` along ``loc``.

    Args:
        loc: Keys and list indices from the root.
        root: The model the location starts from.

    Returns:
        What the schema declares at that location (the field, its type, unit and range).
    """
    annotation: Any = root
    field: FieldInfo | None = None
    unit: str | None = None
    constraints: tuple[Any, ...] = ()
    for item in loc:
        owner = as_model(annotation)
        if owner is not None and isinstance(item, str) and item in owner.model_fields:
            field = owner.model_fields[item]
            annotation, constraints = field.annotation, tuple(field.metadata)
            unit = unit_of(field) or unit
        else:
            field = None
            annotation, constraints = _unwrap_annotated(_step(annotation, item))
    return Site(field, annotation, unit, constraints)


def is_open_mapping(loc: Loc) -> bool:
    """Whether ``loc`` holds a model whose keys are data (``extra="allow"``)."""
    model = as_model(site(loc).annotation)
    return model is not None and model.model_config.get("extra") == "allow"


_EXPECTED = {
    "int_parsing": "an integer", "int_type": "an integer", "int_from_float": "a whole number",
    "float_parsing": "a number", "float_type": "a number", "bool_parsing": "true or false",
    "bool_type": "true or false", "string_type": "text", "list_type": "a list",
    "dict_type": "a mapping of keys", "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys", "finite_number": "a finite number",
}
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def message(err: Any, root: type[BaseModel] = Scenario) -> str:
    """Turn one pydantic error into a message saying what is allowed.

    Args:
        err: One item of ``ValidationError.errors()``.
        root: The model that was validated.

    Returns:
        The message (without the file and key path).
    """
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    loc: Loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        return _unknown_key_message(loc, root)
    where = site(loc, root)
    unit = f" [{where.unit}]" if where.unit else ""
    if kind in _RANGE_ERRORS:
        return f"{show(value)} is out of range; allowed: {_bounds(where, ctx)}{unit}"
    if kind in _EXPECTED:
        allowed = _allowed_keys(where.annotation)
        keys = f" (allowed: {allowed})" if allowed and "mapping" in _EXPECTED[kind] else ""
        limits = f", {_bounds(where, {})}" if _constraints(where, ("ge", "gt", "le", "lt")) \
            else ""
        return f"expected {_EXPECTED[kind]}{limits}{unit}{keys}, got {show(value)}"
    if kind == "missing":
        about = f"; {where.field.description}" if where.field and where.field.description \
            else ""
        return f"required key is missing{unit}{about}"
    if kind in ("too_short", "too_long"):
        count = ctx.get("actual_length", "?")
        return f"expected {_length(where, ctx)} items{unit}, got {count}: {show(value)}"
    if kind == "string_too_long":
        return (f"text of {len(value) if isinstance(value, str) else '?'} characters; "
                f"allowed: at most {ctx.get('max_length')}")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return f"{err['msg']}; got {show(value)}{unit}"


def _unknown_key_message(loc: Loc, root: type[BaseModel]) -> str:
    owner = as_model(site(loc[:-1], root).annotation)
    allowed = list(owner.model_fields) if owner else []
    key = str(loc[-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint}  (allowed: {', '.join(allowed)})"


def _allowed_keys(annotation: Any) -> str:
    model = as_model(annotation)
    if model is None or model.model_config.get("extra") == "allow":
        return ""
    return ", ".join(model.model_fields)


def _bounds(where: Site, ctx: dict) -> str:
    """The allowed range, from the location's constraints (both ends) or the error context."""
    limits = _constraints(where, ("gt", "ge", "lt", "le")) | ctx
    lower = (f"{_num(limits['ge'])} ≤ " if "ge" in limits
             else f"{_num(limits['gt'])} < " if "gt" in limits else "")
    upper = (f" ≤ {_num(limits['le'])}" if "le" in limits
             else f" < {_num(limits['lt'])}" if "lt" in limits else "")
    return f"{lower}value{upper}"


def _constraints(where: Site, names: Iterable[str]) -> dict[str, Any]:
    """Constraints such as ``ge`` or ``max_length`` declared at a location."""
    found: dict[str, Any] = {}
    for meta in where.constraints:
        for name in names:
            if getattr(meta, name, None) is not None:
                found[name] = getattr(meta, name)
    return found


def _length(where: Site, ctx: dict) -> str:
    """The allowed number of items, from the location's constraints or the error context."""
    limits = _constraints(where, ("min_length", "max_length")) | ctx
    low, high = limits.get("min_length"), limits.get("max_length")
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def show(value: Any, limit: int = 80) -> str:
    """A value as the user would write it in YAML, shortened (control characters escaped)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):  # e.g. an integer too long to print
        text = f"<{type(value).__name__}>"
    return printable(text, limit)
