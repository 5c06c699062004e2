"""Property-based fuzzing of the scenario and sweep loaders (hypothesis).

Random mappings built from the schema's own keys, random YAML text and random sweep files
either load cleanly or are refused with a :class:`ConfigError`: never another exception.
A random scenario that loads also runs (shrunk to a tiny county) and reports no infinite
indicator, and NaN only where an indicator's denominator is zero.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tieredcare.config import ConfigError, Scenario, load_scenario
from tieredcare.config.introspect import NumericLeaf, numeric_leaves
from tieredcare.config.keys import set_path
from tieredcare.experiments import load_sweep, plan_sweep
from tieredcare.metrics import INDICATORS, p90_wait
from tieredcare.model import TieredCareModel
from tieredcare.tiers import TIERS
from tieredcare.world.network import GraphError

DEFAULTS = Scenario().model_dump(mode="json")
# The default suite replays the same 150 examples each time; a longer, fresh search:
# TIEREDCARE_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_fuzz_inputs.py
EXAMPLES = int(os.environ.get("TIEREDCARE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 150,
                suppress_health_check=[HealthCheck.too_slow])


def leaf_keys(node: Any, prefix: str = "") -> list[str]:
    """Every dotted key of the default scenario down to its leaves (lists left whole)."""
    if isinstance(node, dict) and node:
        return [k for key, value in node.items() for k in leaf_keys(value, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


KEYS = leaf_keys(DEFAULTS)
SECTIONS = sorted({k.rsplit(".", 1)[0] for k in KEYS if "." in k})

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**6, max_value=10**6), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=2, allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["yes", "no", "on", "1e5", "0x10", "~", ".inf", "general", "elderly",
                     "\x1b[31m", "名字", ""]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=8)
keys = st.one_of(st.sampled_from(KEYS), st.sampled_from(SECTIONS),
                 st.builds(lambda a, b: f"{a}.{b}", st.sampled_from(SECTIONS),
                           st.text(min_size=1, max_size=6).filter(lambda t: "." not in t)))


LEAVES = {leaf.key: leaf for leaf in numeric_leaves()}


def in_range(leaf: NumericLeaf) -> st.SearchStrategy:
    """Numbers a leaf accepts (its range is closed: a test of test_hostile_config)."""
    b = leaf.bounds
    if leaf.kind == "int":
        return st.integers(int(b.low) + (not b.low_inclusive), int(b.high) - (not b.high_inclusive))
    return st.floats(b.low, b.high, exclude_min=not b.low_inclusive,
                     exclude_max=not b.high_inclusive, allow_nan=False)


def plausible(key: str) -> st.SearchStrategy:
    """A value of the right type and range for a key (lists keep their length)."""
    default = _default(key)
    if key in LEAVES:
        return in_range(LEAVES[key])
    if f"{key}[]" in LEAVES and isinstance(default, list):
        item = in_range(LEAVES[f"{key}[]"])
        return st.lists(item, min_size=len(default), max_size=len(default))
    return st.just(copy.deepcopy(default))


@st.composite
def mappings(draw: st.DrawFn) -> dict:
    """A scenario mapping: a few schema keys (or near misses) set to random values.

    Most values are plausible (right type, in range), so that many mappings load and the
    run after loading is exercised too; the rest are anything at all.
    """
    data: dict = {}
    for key in draw(st.lists(keys, min_size=1, max_size=6)):
        value = draw(values if draw(st.integers(0, 9)) < 3 else plausible(key))
        with contextlib.suppress(KeyError):  # a prefix already set to a scalar: keep it
            set_path(data, key, value)
    return data


def _default(key: str) -> Any:
    node: Any = DEFAULTS
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def tiny(scenario: Scenario) -> Scenario:
    """The same scenario in a county small and short enough to run in milliseconds."""
    data = scenario.model_dump(mode="json")
    data["population"]["residents"] = 600
    data["simulation"] = {"warmup_days": 2, "horizon_days": 6}
    if data["world"]["graphml"] is None:
        data["world"].update(townships=2, villages_per_township=3)
    return Scenario.model_validate(data)


def assert_runs_with_finite_indicators(scenario: Scenario) -> None:
    model = TieredCareModel(tiny(scenario)).run()
    rows = slice(model.scenario.simulation.warmup_days, model.row)
    for name, indicator in INDICATORS.items():
        value = indicator.total(model.counters, model.county, rows)
        denominator = float(np.sum(indicator.denominator(model.counters, model.county)[rows]))
        assert math.isfinite(value) or (math.isnan(value) and denominator == 0), (name, value)
    for t, tier in enumerate(TIERS):
        wait = p90_wait(model.counters, t, rows)
        assert math.isfinite(wait) or model.counters.wait_hist[rows, t].sum() == 0, tier


@FUZZ
@given(data=mappings())
def test_random_scenario_mappings_load_or_are_refused(data: dict, folder: Path) -> None:
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        loaded = load_scenario(path)
    except ConfigError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    with contextlib.suppress(GraphError):  # a GraphML path that is not there is refused too
        assert_runs_with_finite_indicators(loaded.scenario)


YAML_CHARS = list("ab_:-[]{},&*!|>'\"#%@ \n\t.019eEyn~?<=\\") + ["\x1b", "名", "\ufeff"]


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(YAML_CHARS), max_size=120))
def test_random_yaml_text_loads_or_is_refused(text: str, folder: Path) -> None:
    path = folder / "text.yaml"
    path.write_text(text, encoding="utf-8")
    for loader in (load_scenario, load_sweep):
        try:
            loader(path)
        except ConfigError as exc:
            assert str(exc)
            assert "\x1b" not in str(exc)


SWEEP_KEYS = ["name", "description", "base", "replicates", "seed", "design", "samples",
              "levels", "parameters", "scenarios", "overrides", "outputs", "nonsense"]
NUMERIC = ["choice.cost", "policy.capitation.strength", "population.residents",
           "policy.family_doctor.team_capacity", "choice.quality", "world.graphml"]


@st.composite
def sweeps(draw: st.DrawFn) -> dict:
    """A sweep mapping: design keys and parameters with random shapes of values.

    Parameters get either random values or values in the parameter's range (a grid list
    or a ``{low, high}`` range), so some sweeps load and the design is built.
    """
    chaos = draw(st.booleans())
    design = draw(st.sampled_from(["grid", "lhs", "sobol", "morris", "scenarios", "other"])
                  if chaos else st.sampled_from(["grid", "lhs", "sobol", "morris"]))
    data: dict = {"base": "base.yaml", "seed": draw(st.integers(-2, 2**64) if chaos else
                                                    st.integers(0, 1000)), "design": design}
    for key in draw(st.lists(st.sampled_from(SWEEP_KEYS), max_size=4)) if chaos else []:
        data[key] = draw(values)
    if design in ("lhs", "sobol", "morris"):
        data["samples"] = draw(st.sampled_from([1, 4, 8, 3, 0, 10**7]) if chaos else
                               st.sampled_from([2, 4, 8]))
    ranges = st.fixed_dictionaries({"low": scalars, "high": scalars})
    parameters = {}
    for key in draw(st.lists(st.sampled_from([*NUMERIC, "no.such.key", "seed"] if chaos
                                             else NUMERIC[:4]), min_size=1, max_size=3)):
        good = plausible(key) if key in LEAVES else st.just(0.5)
        shapes = [st.lists(good, min_size=1, max_size=3, unique_by=repr)] \
            if design == "grid" else [st.builds(
                lambda a, b: {"low": min(a, b), "high": max(a, b) + 1}, good, good)]
        if chaos:
            shapes += [st.lists(scalars, max_size=4), ranges, values]
        parameters[key] = draw(st.one_of(*shapes))
    data["parameters"] = parameters
    return data


@FUZZ
@given(data=sweeps())
def test_random_sweep_files_load_or_are_refused(data: dict, folder: Path) -> None:
    (folder / "base.yaml").write_text("name: base\npopulation: {residents: 1000}\n"
                                      "world: {townships: 2, villages_per_township: 2}\n",
                                      encoding="utf-8")
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        plan = plan_sweep(load_sweep(path))
    except ConfigError as exc:
        assert str(exc)
        return
    assert len(plan.runs) == len(plan.design.points) * plan.sweep.spec.replicates
