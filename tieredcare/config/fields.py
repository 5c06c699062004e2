"""Building blocks of the scenario schema: documented fields and small value groups."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    """Base of every scenario section: unknown keys are errors, values are re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def check_lines(lines: list[str]) -> None:
    """Raise ValueError naming any unknown service line."""
    unknown = [s for s in lines if s not in SERVICE_LINES]
    if unknown:
        raise ValueError(f"unknown service line(s) {unknown}; allowed: {list(SERVICE_LINES)}")


class ByAge(Section):
    """A value for each age group: 0–14, 15–64, 65+."""

    child: float = Field(ge=0.0)
    adult: float = Field(ge=0.0)
    elderly: float = Field(ge=0.0)

    def as_list(self) -> list[float]:
        """Values in age-group order (child, adult, elderly)."""
        return [self.child, self.adult, self.elderly]


class ShareByAge(ByAge):
    """A share 0–1 for each age group."""

    child: float = Field(ge=0.0, le=1.0)
    adult: float = Field(ge=0.0, le=1.0)
    elderly: float = Field(ge=0.0, le=1.0)


class ByTier(Section):
    """A value for each tier."""

    village: float = Field(ge=0.0)
    township: float = Field(ge=0.0)
    county: float = Field(ge=0.0)
    city: float = Field(ge=0.0)
    province: float = Field(ge=0.0)

    def as_list(self) -> list[float]:
        """Values in tier order."""
        return [self.village, self.township, self.county, self.city, self.province]
