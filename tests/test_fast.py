"""The compiled kernels (:mod:`tieredcare.fast`) give the numpy path's results to the bit."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from tieredcare import fast
from tieredcare.config.schema import Scenario
from tieredcare.model import TieredCareModel

pytestmark = pytest.mark.skipif(fast.numba is None, reason="numba is not installed")

SHORT = {"simulation": {"warmup_days": 20, "horizon_days": 100}}
LEVERS = {  # every branch of the kernels: deductible offsets, stretch, partners, caps
    "policy": {
        "capitation": {"strength": 0.5},
        "referral_incentives": {"cumulative_deductible": True,
                                "no_deductible_after_down_referral": True},
        "family_doctor": {"combination": {"enabled": True}},
        "reserved_slots": {"county": 0.2, "city": 0.2, "province": 0.2},
        "reimbursement": {"outpatient": {"annual_cap": 300.0}},
    },
}
TWO_COUNTIES = {  # a prefecture whose counties pay by different tables
    "world": {"city_hospitals": 1, "counties": [
        {"name": "north", "residents": 12_000,
         "map": {"townships": 3, "villages_per_township": 4},
         "policy": {"reimbursement": {"outpatient": {"township": {"ratio": 0.9}}}}},
        {"name": "south", "residents": 12_000,
         "map": {"townships": 3, "villages_per_township": 4, "map_seed": 2}},
    ]},
}
CASES = {
    "levers": {"population": {"residents": 15_000}, **LEVERS},
    "no_trust_linear_cost": {"population": {"residents": 15_000}, "trust": {"enabled": False},
                             "choice": {"cost_form": "linear"}},
    "two_counties": TWO_COUNTIES,
}


def counters(data: dict, compiled: bool, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setattr(fast, "ENABLED", compiled)
    scenario = Scenario.model_validate(copy.deepcopy(SHORT) | copy.deepcopy(data))
    model = TieredCareModel(scenario).run()
    model.groups.finish()
    found = {f.name: np.asarray(getattr(model.counters, f.name))
             for f in dataclasses.fields(model.counters)}
    pop = model.population
    return found | {"groups": model.groups.cells, "fund_paid": pop.fund_paid,
                    "contacts_good": pop.contacts_good, "contacts_bad": pop.contacts_bad,
                    "team": pop.team}


@pytest.mark.parametrize("case", sorted(CASES))
def test_compiled_and_numpy_paths_agree(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = counters(CASES[case], True, monkeypatch)
    numpy_path = counters(CASES[case], False, monkeypatch)
    assert compiled["onsets"].sum() > 0 and compiled["visits"].sum() > 0
    assert compiled["contacts_good"].sum() > 0 and compiled["contacts_bad"].sum() > 0
    for name, values in numpy_path.items():
        np.testing.assert_array_equal(compiled[name], values, err_msg=name)


def test_threaded_kernels_agree_with_the_numpy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    numpy_path = counters(CASES["two_counties"], False, monkeypatch)
    monkeypatch.setattr(fast, "PARALLEL_FROM", 0)  # every call on every core
    threaded = counters(CASES["two_counties"], True, monkeypatch)
    for name, values in numpy_path.items():
        np.testing.assert_array_equal(threaded[name], values, err_msg=name)


def test_queue_ranks_match_the_sort() -> None:
    from tieredcare.arrays import rank_within
    from tieredcare.fast.queues import rank_in_queue

    rng = np.random.default_rng(3)
    n, n_groups = 5_000, 40
    group = rng.integers(0, n_groups, n)
    referred = rng.random(n) < 0.3
    queued_day = rng.integers(-5, 3, n).astype(np.int32)
    key = (group * 2 + ~referred) * 100 + (queued_day + 50)
    expected = rank_within(group, np.argsort(key * n + np.arange(n)))
    np.testing.assert_array_equal(rank_in_queue(group, referred, queued_day, n_groups),
                                  expected)


def test_service_lines_match_searchsorted() -> None:
    from tieredcare.fast.lines import lines, usable

    rng = np.random.default_rng(4)
    mix = rng.dirichlet(np.ones(7), size=5)
    mix[2] = [0, 0.5, 0, 0.5, 0, 0, 0]  # empty lines share cumulative values
    search = (np.cumsum(mix, axis=1) + np.arange(5)[:, None]).ravel()
    kind = rng.integers(0, 5, 20_000).astype(np.int16)
    u = rng.random(kind.size)
    u[:5] = 0.0
    expected = np.minimum(np.searchsorted(search, kind + u, side="right") - kind * 7, 6)
    assert usable(search)
    np.testing.assert_array_equal(lines(search, kind, u, 7), expected)


def test_keyed_draws_match_the_numpy_mixer(monkeypatch: pytest.MonkeyPatch) -> None:
    from tieredcare.streams import RandomStreams

    keys = np.concatenate([np.arange(1000), np.array([2**62, 2**48 + 7, 2**63 - 1])])
    salt = np.arange(3)[:, None]
    draws = {}
    for compiled in (True, False):
        monkeypatch.setattr(fast, "ENABLED", compiled)
        streams = RandomStreams(11)
        draws[compiled] = (streams.uniform("choice", keys), streams.uniform("stay", keys, salt),
                           streams.uniform("balking", keys, keys % 5),
                           streams.uniform("follow_up", keys, 7))
    for compiled, numpy_path in zip(draws[True], draws[False], strict=True):
        np.testing.assert_array_equal(compiled, numpy_path)


def test_perception_updates_match_the_unique_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    from tieredcare.behaviour.trust import FacilityWeights, Perception
    from tieredcare.config.behaviour import Trust

    rng = np.random.default_rng(5)
    population = rng.integers(50, 3_000, 30)
    quality = rng.random(12)
    weights = population[:, None] * (rng.random((30, 12)) < 0.4)
    days = [(rng.integers(0, 30, 4_000), rng.integers(0, 12, 4_000), rng.random(4_000) < 0.3,
             rng.random(4_000) < 0.2) for _ in range(3)]  # pairs met often, some every day
    values = {}
    for compiled in (True, False):
        monkeypatch.setattr(fast, "ENABLED", compiled)
        perception = Perception(Trust(), quality, population)
        for home, fac, referred_on, waited_long in days:
            perception.experience(home, fac, quality[fac], referred_on, waited_long)
            perception.update()
        means = np.einsum("vf,vf->f", weights.astype(np.float64), perception.values)
        total = weights.sum(axis=0)
        assert (total > 0).all()
        np.testing.assert_array_equal(perception.facility_means(FacilityWeights.of(weights)),
                                      means / total)
        values[compiled] = perception.values
    np.testing.assert_array_equal(values[True], values[False])


def test_waits_for_a_doctor_match_the_queueing_formulas() -> None:
    from tieredcare.config.service import Service
    from tieredcare.facilities import FacilityState
    from tieredcare.fast.waits import wait_for_doctor
    from tieredcare.queueing import mean_wait_hours

    rng = np.random.default_rng(6)
    n = 400
    slots = rng.integers(0, 300, n)
    slots[:3] = 0  # closed departments
    consultation = rng.uniform(0.05, 0.4, n)
    # Loads from nobody to far beyond the slots (those wait for a later day).
    fac = np.repeat(np.arange(n), rng.integers(0, 2, n) * (slots * rng.uniform(0, 1.5, n)
                                                          ).astype(np.int64))
    expected_before = rng.uniform(0, 2, n)
    for service in (Service(), Service(peak_share=0.8, peak_hours=1.0, consultation_cv=0.5)):
        state = FacilityState(slots, slots, np.ones(n), np.ones(n), np.ones((n, 1), bool),
                              np.ones((n, 5)), consultation, np.zeros(n), np.zeros(n),
                              np.zeros(n), np.zeros(n), expected_before.copy())
        wait_for_doctor(state, fac, service)
        hours = mean_wait_hours(np.bincount(fac, minlength=n), slots, consultation, service)
        assert (hours > 1.0).any() and (hours[np.bincount(fac, minlength=n) == 0] == 0).all()
        np.testing.assert_array_equal(state.outpatient_wait_hours, hours)
        np.testing.assert_array_equal(state.expected_outpatient_wait,
                                      expected_before + (hours - expected_before)
                                      / service.wait_memory_days)
