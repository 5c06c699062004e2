"""Care-seeking at onset: the outside options (self-treatment, no care) of the choice."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import BASELINE, make_small
from tieredcare.behaviour.choice import NO_CARE, SELF_TREATMENT, Choosers, choose, outside_utility
from tieredcare.config import Scenario, load_scenario
from tieredcare.group_summary import concentration_index
from tieredcare.model import TieredCareModel
from tieredcare.run import collect, simulate


def choosers(n: int, outside: np.ndarray | None) -> Choosers:
    """Patients with two equal candidates, a village clinic (0) and a township centre (1)."""
    return Choosers(
        candidates=np.tile([0, 1], (n, 1)), minutes=np.full((n, 2), 20.0),
        oop=np.full((n, 2), 30.0), wait_days=np.zeros((n, 2)),
        outpatient_wait_hours=np.zeros((n, 2)), quality=np.full((n, 2), 0.5),
        capable=np.ones((n, 2), bool), severity=np.ones(n, np.intp),
        income=np.full(n, 20_000.0), own_doctor=np.zeros((n, 2), bool),
        referral_target=np.full(n, -1), avoid=np.full(n, -1), referred=np.zeros(n, bool),
        outside=outside)


def test_outside_options_are_chosen_with_their_logit_probability() -> None:
    weights = Scenario().choice
    n = 200_000
    uniform = np.random.default_rng(1).random(n)
    inside = choose(weights, choosers(n, None), uniform)
    assert set(np.unique(inside)) == {0, 1}
    # Give each outside option the utility of one candidate: each option then has 1/4.
    base = choosers(1, None)
    from tieredcare.behaviour.choice import utility
    u = utility(weights, base)[0, 0]
    got = choose(weights, choosers(n, np.full((n, 2), u)), uniform)
    for code in (0, 1, SELF_TREATMENT, NO_CARE):
        assert np.mean(got == code) == pytest.approx(0.25, abs=0.005)
    # Closed outside options change no facility draw (common random numbers).
    closed = choose(weights, choosers(n, np.full((n, 2), -np.inf)), uniform)
    np.testing.assert_array_equal(closed, inside)


def test_self_treatment_is_less_attractive_to_the_poor_when_it_costs_more() -> None:
    config = Scenario().care_seeking.model_copy(update={"self_treatment_cost": 300.0})
    poor, rich = outside_utility(Scenario().choice, config, np.array([1, 1]),
                                 np.array([9_300.0, 50_100.0]))
    assert poor[0] < rich[0] and poor[1] == rich[1]
    disabled = config.model_copy(update={"enabled": False})
    assert np.all(np.isneginf(outside_utility(Scenario().choice, disabled, np.array([1]),
                                              np.array([9_300.0]))))


def test_disabled_care_seeking_sends_every_episode_to_a_facility() -> None:
    out = simulate(make_small({"care_seeking.enabled": False}))
    assert out.episodes["self_treated"] == 0 and out.episodes["no_care"] == 0
    assert out.summary["forgone_care"] == 0.0 and out.summary["illness_not_seen"] == 0.0


@pytest.fixture(scope="module")
def baseline_year():
    """The default county at 60,000 residents for a year (seed fixed)."""
    loaded = load_scenario(BASELINE, ["population.residents=60000"])
    return simulate(loaded.scenario)


def test_baseline_outside_shares_are_near_the_calibration_targets(baseline_year) -> None:
    s = baseline_year.summary
    # Targets (README calibration table): CHARLS 29 %, NHSS 2018 21.5 %; tolerances
    # allow for a smaller county and one seed (the calibration used 200,000 residents).
    assert s["illness_not_seen"] == pytest.approx(0.29, abs=0.02)
    assert s["admission_not_taken"] == pytest.approx(0.215, abs=0.025)
    g = baseline_year.groups
    acute = g[(g["dimension"] == "all")].set_index("indicator")
    self_share = acute.loc["self_treatment", "numerator"] / (
        acute.loc["self_treatment", "numerator"] + acute.loc["forgone_care", "numerator"])
    assert self_share == pytest.approx(0.40, abs=0.05)
    # The visit and admission rates the onsets were rescaled to keep.
    assert s["visits_per_capita"] == pytest.approx(5.9, abs=0.2)
    assert s["admissions_per_100"] == pytest.approx(18.2, abs=0.8)


def cheaper_primary_care() -> dict:
    free = {"ratio": 1.0, "deductible": 0.0}
    return {"policy.reimbursement.outpatient.village": free,
            "policy.reimbursement.outpatient.township": free}


def seeking_by_income(scenario: Scenario) -> np.ndarray:
    """Share of new episodes taken to a facility, by income group (low, middle, high)."""
    model = TieredCareModel(scenario).run()
    g = collect(model).groups
    rows = g[(g["dimension"] == "income") & (g["indicator"].isin(["forgone_care",
                                                                   "self_treatment"]))]
    not_sought = rows.groupby("group", sort=False)["value"].sum()
    return 1.0 - not_sought.reindex(["low", "middle", "high"]).to_numpy()


def test_cheaper_primary_care_raises_care_seeking_most_among_the_poor() -> None:
    overrides = {"population.residents": 40_000, "simulation.horizon_days": 200,
                 "world.townships": 6}
    base = seeking_by_income(make_small(overrides))
    policy = seeking_by_income(make_small({**overrides, **cheaper_primary_care()}))
    gain = policy - base
    assert np.all(gain > 0), gain
    # Out-of-pocket cost weighs by days of income: the same saving matters more to the poor.
    assert gain[0] > 1.5 * gain[2], gain


def test_concentration_index() -> None:
    shares = np.array([0.4, 0.4, 0.2])
    assert concentration_index(shares, np.array([1.0, 1.0, 1.0])) == pytest.approx(0.0)
    pro_rich = concentration_index(shares, np.array([1.0, 2.0, 3.0]))
    assert 0 < pro_rich < 1
    assert concentration_index(shares, np.array([3.0, 2.0, 1.0])) < 0
    # By hand: ranks 0.2, 0.6, 0.9; mean 1.8; Σ s(2R−1)h = 0.4·(−0.6)·1 + 0.4·0.2·2 + 0.2·0.8·3
    assert pro_rich == pytest.approx((-0.24 + 0.16 + 0.48) / 1.8)
    assert np.isnan(concentration_index(shares, np.zeros(3)))
