"""Building blocks of the scenario schema: documented fields and small value groups."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from tieredcare.tiers import SERVICE_LINES

ASSUMPTION = "assumption"

ServiceLine = Literal[SERVICE_LINES]  # type: ignore[valid-type]
"""A service line name; validation lists the allowed names."""


def param(default: Any, unit: str, source: str, description: str, **constraints: Any) -> Any:
    """Declare a scenario field with its unit and the source of its default.

    Args:
        default: Default value (or a zero-argument factory if it is callable).
        unit: Unit of the value, e.g. ``"CNY"``, ``"days"``, ``"share 0–1"``.
        source: Where the default comes from, or ``"assumption"``.
        description: What the field means in the model.
        **constraints: Pydantic range constraints (``ge``, ``le``, ``gt``, ...).

    Returns:
        A pydantic ``FieldInfo``.
    """
    extra = {"unit": unit, "source": source}
    if callable(default):
        return Field(default_factory=default, description=description, json_schema_extra=extra,
                     **constraints)
    return Field(default, description=description, json_schema_extra=extra, **constraints)


class Section(BaseModel):
    """Base of every scenario section.

    Unknown keys are errors and values are re-validated on assignment. Validation is
    strict, so YAML never silently means something else: ``yes``/``no`` are booleans and
    are refused where a number is expected, ``"90"`` is text, not a number, and a
    number is refused where yes/no is expected. Numbers must be finite (``.inf``,
    ``.nan`` and ``1e309`` are refused).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True,
                              allow_inf_nan=False)


def field_default_data(section: type[Section], key: str) -> object:
    """The default of a field as plain data, as a scenario file would give it.

    Used where a section's keys are merged over its defaults before validation (a county's
    map and levers over the prefecture's).

    Args:
        section: The section class.
        key: The name of one of its fields.

    Returns:
        The default value; a mapping (``model_dump``) if the field is itself a section.
    """
    value = section.model_fields[key].get_default(call_default_factory=True)
    return value.model_dump() if isinstance(value, Section) else value


Share = Annotated[float, Field(ge=0.0, le=1.0)]
"""A share or probability, 0–1."""
Positive = Annotated[float, Field(gt=0.0, le=100.0)]
"""A ratio or factor greater than 0 (at most 100)."""

MAX_CNY = 10_000_000.0
"""Largest amount of money a field accepts: ten million CNY, far above any bill or income."""
MAX_RATE = 50.0
"""Largest onset rate a field accepts: about one episode a week [episodes per person-year]."""


def check_lines(lines: list[str]) -> None:
    """Raise ValueError naming any unknown service line."""
    unknown = [s for s in lines if s not in SERVICE_LINES]
    if unknown:
        raise ValueError(f"unknown service line(s) {unknown}; allowed: {list(SERVICE_LINES)}")


class ByAge(Section):
    """An onset rate for each age group: 0–14, 15–64, 65+ [episodes per person-year]."""

    child: float = Field(ge=0.0, le=MAX_RATE)
    adult: float = Field(ge=0.0, le=MAX_RATE)
    elderly: float = Field(ge=0.0, le=MAX_RATE)

    def as_list(self) -> list[float]:
        """Values in age-group order (child, adult, elderly)."""
        return [self.child, self.adult, self.elderly]


class ShareByAge(ByAge):
    """A share 0–1 for each age group."""

    child: float = Field(ge=0.0, le=1.0)
    adult: float = Field(ge=0.0, le=1.0)
    elderly: float = Field(ge=0.0, le=1.0)


class ByTier(Section):
    """A value for each tier; subclasses say what the value is and bound it."""

    village: float
    township: float
    county: float
    city: float
    province: float

    def as_list(self) -> list[float]:
        """Values in tier order."""
        return [self.village, self.township, self.county, self.city, self.province]


def _tier_values(name: str, doc: str, low: float, high: float) -> type[ByTier]:
    """A :class:`ByTier` whose five values are each bounded to ``[low, high]``."""
    bounded = {tier: (float, Field(ge=low, le=high)) for tier in ByTier.model_fields}
    return create_model(name, __base__=ByTier, __doc__=doc, __module__=__name__, **bounded)


CostByTier = _tier_values("CostByTier", "An amount of money for each tier, 0 to ten million "
                          "[CNY].", 0.0, MAX_CNY)
DaysByTier = _tier_values("DaysByTier", "A length of time for each tier, 0 to 365 [days].",
                          0.0, 365.0)
MinutesByTier = _tier_values("MinutesByTier", "A short length of time for each tier, 0.5 to 240 "
                             "[minutes].", 0.5, 240.0)
ScaleByTier = _tier_values("ScaleByTier", "A multiplier for each tier, 0 (none) to 10 (ten "
                           "times) [ratio].", 0.0, 10.0)
