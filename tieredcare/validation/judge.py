"""Does the model agree with a study? Direction, and size against the published interval.

A direction is +1 or −1 when an effect's 95 % interval lies on one side of zero, and 0
("no clear effect") when it contains zero. The model agrees in direction when its
direction equals the published one: a published increase needs a model interval above
zero, a published null a model interval that contains zero. The size agrees when the
model's point estimate lies within the published interval; whether the two intervals
overlap is reported too. When the published size cannot be put in the model's unit, only
the direction is judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DIRECTION_WORDS = {1: "increase", -1: "decrease", 0: "no clear effect"}


def direction(low: float, high: float) -> int:
    """+1 if the interval lies above zero, −1 if below, 0 if it contains zero (or is NaN)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0
    if low > 0:
        return 1
    return -1 if high < 0 else 0


@dataclass(frozen=True)
class Judgement:
    """How a model effect compares with a published one.

    Attributes:
        published_direction: Direction of the published effect (+1, −1, 0).
        model_direction: Direction of the model's effect.
        direction_agrees: Whether the two directions are the same.
        within_interval: Whether the model's point estimate lies within the published
            interval (None when the sizes cannot be compared).
        intervals_overlap: Whether the two intervals overlap (None likewise).
    """

    published_direction: int
    model_direction: int
    direction_agrees: bool
    within_interval: bool | None
    intervals_overlap: bool | None

    @property
    def agrees(self) -> bool:
        """Agrees in direction and, where sizes compare, in size."""
        return self.direction_agrees and self.within_interval is not False


def judge(published: tuple[float, float, float], model: tuple[float, float, float],
          size_comparable: bool = True) -> Judgement:
    """Compare a model effect with a published one.

    Args:
        published: Point estimate, low and high of the published effect.
        model: Point estimate, low and high of the model's effect, in the same unit.
        size_comparable: Whether the two are in the same unit (else direction only).

    Returns:
        The judgement.
    """
    _, low, high = published
    effect, model_low, model_high = model
    pub_dir, model_dir = direction(low, high), direction(model_low, model_high)
    if not size_comparable:
        return Judgement(pub_dir, model_dir, pub_dir == model_dir, None, None)
    within = bool(math.isfinite(effect) and low <= effect <= high)
    overlap = bool(math.isfinite(model_low) and math.isfinite(model_high)
                   and model_low <= high and low <= model_high)
    return Judgement(pub_dir, model_dir, pub_dir == model_dir, within, overlap)


def in_unit(unit: str, difference: float, low: float, high: float, baseline: float
            ) -> tuple[float, float, float]:
    """A paired difference and its interval in a study's unit.

    Args:
        unit: ``pp`` (a share's difference × 100), ``percent`` (the difference as a
            per cent of the baseline mean, which is treated as known: with common random
            numbers its error is small beside the difference's) or ``absolute``.
        difference: Mean paired difference policy − baseline.
        low: Lower end of its interval.
        high: Upper end.
        baseline: Baseline mean.

    Returns:
        Difference, low and high in the unit (NaN for a percentage of a zero baseline).
    """
    if unit == "pp":
        factor = 100.0
    elif unit == "percent":
        factor = 100.0 / baseline if baseline else math.nan
    elif unit == "absolute":
        factor = 1.0
    else:
        raise ValueError(f"unknown unit {unit!r}; allowed: pp, percent, absolute")
    ends = sorted((low * factor, high * factor))
    return difference * factor, ends[0], ends[1]
