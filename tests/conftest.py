"""Shared fixtures: a small county that runs in well under a second, and cached runs of it."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tieredcare.config import Scenario, set_path
from tieredcare.model import TieredCareModel
from tieredcare.run import RunOutput, simulate

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"

SMALL: dict[str, Any] = {
    "name": "small",
    "seed": 12_345,
    "simulation": {"warmup_days": 30, "horizon_days": 90},
    "world": {"townships": 4, "villages_per_township": 5},
    "population": {"residents": 20_000},
}
"""A small county: 4 townships × 5 villages, 20,000 residents, 30 + 90 days."""

ScenarioFactory = Callable[..., Scenario]


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """A copy of ``scenario`` with values replaced by dotted key path, re-validated.

    Args:
        scenario: The scenario to start from (not changed).
        overrides: Dotted key path → value, e.g. ``{"policy.referral.recovery_stay_days": 5}``.

    Returns:
        A new validated scenario.
    """
    data = scenario.model_dump()
    for key, value in (overrides or {}).items():
        set_path(data, key, copy.deepcopy(value))
    return Scenario.model_validate(data)


def make_small(overrides: Mapping[str, Any] | None = None, *, seed: int | None = None
               ) -> Scenario:
    """A fresh small scenario, optionally with dotted-key overrides and another seed."""
    scenario = Scenario.model_validate(copy.deepcopy(SMALL))
    extra = dict(overrides or {})
    if seed is not None:
        extra["seed"] = seed
    return with_overrides(scenario, extra)


@pytest.fixture
def small_scenario() -> ScenarioFactory:
    """Factory of fresh small scenarios: ``small_scenario({"a.b": 1}, seed=3)``."""
    return make_small


@pytest.fixture
def run_with() -> Callable[..., RunOutput]:
    """Factory that simulates the small scenario with dotted-key overrides."""

    def run(overrides: Mapping[str, Any] | None = None, *, seed: int | None = None
            ) -> RunOutput:
        return simulate(make_small(overrides, seed=seed))

    return run


@pytest.fixture(scope="session")
def small_output() -> RunOutput:
    """The small scenario simulated once per session; treat as read-only."""
    return simulate(make_small())


@pytest.fixture(scope="session")
def small_model() -> TieredCareModel:
    """A model of the small scenario run to the end once per session; treat as read-only."""
    return TieredCareModel(make_small()).run()
