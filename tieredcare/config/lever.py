"""The :class:`Lever` base: a section of policy values in force between two days.

Every lever's fields default to today's rule (or "off"); its ``start_day``/``end_day`` say
when the values given in the scenario are in force, and on other days the lever's
defaults apply. Day 0 is the first reported day; warm-up days are negative.
"""

from __future__ import annotations

from pydantic import model_validator

from tieredcare.config.fields import Section, param


class Lever(Section):
    """A policy lever that can be switched on and off on given days."""

    start_day: int | None = param(
        None, "day", "-", "First day the lever's values apply (0 = first reported day, "
        "negative = during the warm-up); empty = from the start of the run.",
        ge=-3650, le=3650)
    end_day: int | None = param(
        None, "day", "-", "Day the lever's values stop applying (exclusive); empty = never.",
        ge=-3650, le=3650)

    @model_validator(mode="after")
    def _window(self) -> Lever:
        if self.start_day is not None and self.end_day is not None and \
                self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day "
                             f"({self.start_day})")
        return self

    def active_on(self, day: int) -> bool:
        """Whether the scenario's values apply on ``day``."""
        started = self.start_day is None or day >= self.start_day
        return started and (self.end_day is None or day < self.end_day)

    def is_default(self) -> bool:
        """Whether every value (timing aside) equals the lever's default."""
        timing = {"start_day", "end_day"}
        return self.model_dump(exclude=timing) == type(self)().model_dump(exclude=timing)
