"""Synthetic residents: sizes, homes, onset-group order and shares against the config."""

from __future__ import annotations

import numpy as np
import pytest

from tieredcare.config.population import Population as PopulationConfig
from tieredcare.config.schema import World
from tieredcare.tiers import AGE_GROUPS, ELDERLY, INCOME_GROUPS, SCHEMES
from tieredcare.world.network import CountyMap, county_map
from tieredcare.world.population import N_GROUPS, Population, onset_group

RESIDENTS = 200_000


@pytest.fixture(scope="module")
def county() -> CountyMap:
    return county_map(World(townships=4, villages_per_township=5), RESIDENTS)


@pytest.fixture(scope="module")
def config() -> PopulationConfig:
    return PopulationConfig(residents=RESIDENTS)


@pytest.fixture(scope="module")
def pop(county: CountyMap, config: PopulationConfig) -> Population:
    return Population.synthesise(config, county.village_population, np.random.default_rng(7))


def test_size_and_homes(pop: Population, county: CountyMap) -> None:
    assert pop.size == RESIDENTS
    for name in ("home", "age_group", "hypertension", "diabetes", "scheme", "income_group",
                 "team", "contacts_good", "contacts_bad"):
        assert getattr(pop, name).shape == (RESIDENTS,), name
    np.testing.assert_array_equal(np.bincount(pop.home, minlength=county.n_villages),
                                  county.village_population)
    assert pop.home.min() >= 0 and pop.home.max() < county.n_villages


def test_sorted_by_onset_group(pop: Population) -> None:
    group = onset_group(pop.age_group, pop.chronic)
    assert (np.diff(group) >= 0).all()
    assert pop.group_start.shape == (N_GROUPS + 1,)
    assert pop.group_start[0] == 0 and pop.group_start[-1] == pop.size
    for g in range(N_GROUPS):
        block = group[pop.group_start[g]:pop.group_start[g + 1]]
        assert (block == g).all(), g
    np.testing.assert_array_equal(pop.group_size, np.bincount(group, minlength=N_GROUPS))
    assert (pop.group_size > 0).sum() >= 5  # every group but chronic children is populated


def test_shares_match_config(pop: Population, config: PopulationConfig) -> None:
    # Tolerance 0.005 absolute on shares of 200,000 residents: standard error <= 0.0011.
    age = np.bincount(pop.age_group, minlength=len(AGE_GROUPS)) / pop.size
    np.testing.assert_allclose(age, config.age_shares.as_list(), atol=0.005)
    income = np.bincount(pop.income_group, minlength=len(INCOME_GROUPS)) / pop.size
    np.testing.assert_allclose(income, config.income_shares, atol=0.005)
    assert np.mean(pop.scheme == SCHEMES.index("employee")) == \
        pytest.approx(config.employee_scheme_share, abs=0.005)


def test_prevalence_by_age_matches_config(pop: Population, config: PopulationConfig) -> None:
    # Tolerance 0.01 absolute per age group; the smallest group (~36,000 residents 65+) has
    # standard error <= 0.0027 on a prevalence, so this is > 3.7 standard errors.
    for a in range(len(AGE_GROUPS)):
        members = pop.age_group == a
        assert pop.hypertension[members].mean() == pytest.approx(
            config.hypertension_prevalence.as_list()[a], abs=0.01), AGE_GROUPS[a]
        assert pop.diabetes[members].mean() == pytest.approx(
            config.diabetes_prevalence.as_list()[a], abs=0.01), AGE_GROUPS[a]


def test_starts_with_no_payments_or_contracts(pop: Population) -> None:
    assert pop.fund_paid.shape == (pop.size, 2)
    assert (pop.fund_paid == 0).all()
    assert (pop.team == -1).all()
    assert (pop.contacts_good == 0).all() and (pop.contacts_bad == 0).all()


def test_same_seed_same_residents(pop: Population, county: CountyMap,
                                  config: PopulationConfig) -> None:
    again = Population.synthesise(config, county.village_population, np.random.default_rng(7))
    for name in ("home", "age_group", "hypertension", "diabetes", "scheme", "income_group",
                 "group_start"):
        np.testing.assert_array_equal(getattr(pop, name), getattr(again, name), err_msg=name)
    other = Population.synthesise(config, county.village_population, np.random.default_rng(8))
    assert not np.array_equal(pop.age_group, other.age_group)


def test_priority_group(pop: Population) -> None:
    group = pop.priority_group()
    assert (group[pop.age_group == ELDERLY] == 0).all()
    assert (group[(pop.age_group != ELDERLY) & pop.chronic] == 1).all()
    assert (group[(pop.age_group != ELDERLY) & ~pop.chronic] == 2).all()


def test_resident_view(pop: Population) -> None:
    i = int(pop.group_start[5])  # first chronic elderly resident
    info = pop.resident(i)
    assert info["resident"] == i
    assert info["home_village"] == pop.home[i]
    assert info["age_group"] == "elderly"
    assert info["hypertension"] or info["diabetes"]
    assert info["hypertension"] == bool(pop.hypertension[i])
    assert info["scheme"] == SCHEMES[pop.scheme[i]]
    assert info["income_group"] == INCOME_GROUPS[pop.income_group[i]]
    assert info["team"] == -1
    assert info["fund_paid_outpatient"] == 0.0 and info["fund_paid_inpatient"] == 0.0
    assert all(isinstance(v, int | float | str | bool) for v in info.values())
