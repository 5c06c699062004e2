"""Behaviour rules on hand-made arrays: costs, choice, referral, contracts, episodes, streams."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tieredcare.behaviour import contracts
from tieredcare.behaviour.choice import Choosers, choose, probabilities
from tieredcare.behaviour.costs import (
    EMPLOYEE_RATIO_CEILING,
    CostRules,
    out_of_pocket,
    price,
    tariff,
    tariff_code,
)
from tieredcare.behaviour.referral import referral_targets, treats
from tieredcare.config import Scenario
from tieredcare.config.schema import Choice
from tieredcare.episodes import CLOSED, COLUMNS, EpisodeTable
from tieredcare.streams import RandomStreams, replicate_seeds, stream_seed
from tieredcare.tiers import (
    CITY,
    COUNTY,
    INPATIENT,
    OUTPATIENT,
    SCHEMES,
    SERVICE_LINES,
    TIERS,
    TOWNSHIP,
    VILLAGE,
)

# ----------------------------------------------------------------------------- costs


def split(cost: float, deductible: float, ratio: float, cap: float) -> tuple[float, float]:
    oop, fund = out_of_pocket(np.array([cost]), np.array([deductible]), np.array([ratio]),
                              np.array([cap]))
    return float(oop[0]), float(fund[0])


def test_out_of_pocket_ratio_only() -> None:
    assert split(100.0, 0.0, 0.6, np.inf) == pytest.approx((40.0, 60.0))


def test_out_of_pocket_deductible() -> None:
    # The insurer pays 50 % of the 800 above the deductible.
    assert split(1_000.0, 200.0, 0.5, np.inf) == pytest.approx((600.0, 400.0))
    # Below the deductible the patient pays everything.
    assert split(150.0, 200.0, 0.9, np.inf) == pytest.approx((150.0, 0.0))


def test_out_of_pocket_cap_binds() -> None:
    assert split(1_000.0, 0.0, 0.8, 300.0) == pytest.approx((700.0, 300.0))
    assert split(1_000.0, 0.0, 0.8, 0.0) == pytest.approx((1_000.0, 0.0))
    assert split(1_000.0, 0.0, 0.8, -50.0) == pytest.approx((1_000.0, 0.0))  # cap overdrawn
    assert split(1_000.0, 0.0, 0.8, 900.0) == pytest.approx((200.0, 800.0))  # cap not binding


def test_out_of_pocket_zero_cost() -> None:
    assert split(0.0, 200.0, 0.9, 1_000.0) == (0.0, 0.0)


def test_out_of_pocket_is_vectorised_and_sums_to_cost() -> None:
    rng = np.random.default_rng(5)
    cost = rng.uniform(0, 20_000, 1_000)
    deductible = rng.uniform(0, 2_000, 1_000)
    ratio = rng.uniform(0, 1, 1_000)
    cap = rng.uniform(-100, 10_000, 1_000)
    oop, fund = out_of_pocket(cost, deductible, ratio, cap)
    np.testing.assert_allclose(oop + fund, cost)
    assert (fund >= 0).all() and (fund <= np.maximum(cap, 0) + 1e-9).all()
    assert (oop >= 0).all()


def rules_for(overrides: dict) -> CostRules:
    data = Scenario().model_dump()
    for path, value in overrides.items():
        node = data
        *parents, last = path.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    return CostRules.from_scenario(Scenario.model_validate(data))


def test_cost_rules_resident_ratios_follow_the_scenario() -> None:
    scenario = Scenario()
    rules = CostRules.from_scenario(scenario)
    reimbursement = scenario.policy.reimbursement
    for t, tier in enumerate(TIERS):
        assert rules.ratio[0, OUTPATIENT, t] == getattr(reimbursement.outpatient, tier).ratio
        inpatient = getattr(reimbursement.inpatient, tier, None)
        assert rules.ratio[0, INPATIENT, t] == (inpatient.ratio if inpatient else 0.0)
        assert rules.deductible[INPATIENT, t] == (inpatient.deductible if inpatient else 0.0)


def test_employee_uplift_is_capped() -> None:
    rules = rules_for({"policy.reimbursement.employee_ratio_uplift": 0.1,
                       "policy.reimbursement.inpatient.township.ratio": 0.9,
                       "policy.reimbursement.inpatient.county.ratio": 0.7,
                       "policy.reimbursement.outpatient.village.ratio": 0.97})
    employee = SCHEMES.index("employee")
    assert rules.ratio[employee, INPATIENT, TOWNSHIP] == pytest.approx(EMPLOYEE_RATIO_CEILING)
    assert rules.ratio[employee, INPATIENT, COUNTY] == pytest.approx(0.8)
    # A resident ratio already above the ceiling is not lowered for employees.
    assert rules.ratio[employee, OUTPATIENT, VILLAGE] == pytest.approx(0.97)
    big = rules_for({"policy.reimbursement.employee_ratio_uplift": 0.8})
    assert (big.ratio[employee] <= EMPLOYEE_RATIO_CEILING + 1e-12).all()
    assert (big.ratio[employee] >= big.ratio[0]).all()


def test_tariff_agrees_with_price() -> None:
    rules = rules_for({"policy.reimbursement.inpatient.county.deductible": 700.0})
    tier = np.array([VILLAGE, TOWNSHIP, TOWNSHIP, COUNTY, CITY, len(TIERS) - 1])
    cost_table, fund_table = tariff(rules, tier)
    for scheme in range(len(SCHEMES)):
        for care in (OUTPATIENT, INPATIENT):
            for severity in range(1, 5):
                code = tariff_code(np.array(scheme), np.array(care), np.array(severity))
                for cap in (np.inf, 250.0):
                    oop, fund = price(rules, np.full(tier.size, care), tier,
                                      np.full(tier.size, severity), np.full(tier.size, scheme),
                                      np.full(tier.size, cap))
                    looked_up = np.minimum(fund_table[code], cap)
                    np.testing.assert_allclose(cost_table[code], oop + fund)
                    np.testing.assert_allclose(looked_up, fund)


# ----------------------------------------------------------------------------- choice

N_CAND = 5


def choosers(n: int = 1, **changes: object) -> Choosers:
    """``n`` identical patients with 5 open candidates (facilities 10..14); change columns."""
    base = {
        "candidates": np.tile(np.arange(10, 10 + N_CAND), (n, 1)),
        "minutes": np.tile([10.0, 25.0, 40.0, 60.0, 90.0], (n, 1)),
        "oop": np.tile([20.0, 50.0, 120.0, 200.0, 300.0], (n, 1)),
        "wait_days": np.tile([0.0, 0.5, 0.2, 1.0, 0.0], (n, 1)),
        "quality": np.tile([0.3, 0.45, 0.7, 0.9, 1.0], (n, 1)),
        "capable": np.tile([True, True, True, True, True], (n, 1)),
        "severity": np.full(n, 2, dtype=np.int8),
        "income": np.full(n, 20_000.0),
        "family_doctor": np.full((n, 2), -1),
        "referral_target": np.full(n, -1),
        "avoid": np.full(n, -1),
        "referred": np.zeros(n, dtype=bool),
    }
    c = Choosers(**base)
    return dataclasses.replace(c, **changes)


WEIGHTS = Choice()


def test_probabilities_sum_to_one() -> None:
    rng = np.random.default_rng(1)
    n = 500
    c = choosers(n, oop=rng.uniform(0, 2_000, (n, N_CAND)),
                 minutes=rng.uniform(0, 120, (n, N_CAND)),
                 severity=rng.integers(1, 5, n).astype(np.int8),
                 capable=rng.random((n, N_CAND)) < 0.7,
                 avoid=rng.choice([-1, 10, 12], n))
    p = probabilities(WEIGHTS, c)
    assert p.shape == (n, N_CAND)
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)


def test_closed_candidates_get_zero_probability_and_are_never_chosen() -> None:
    n = 20_000
    candidates = np.tile(np.arange(10, 15), (n, 1))
    candidates[:, 4] = -1  # no candidate in the last column
    capable = np.tile([True, True, False, True, True], (n, 1))
    c = choosers(n, candidates=candidates, capable=capable, avoid=np.full(n, 11),
                 referred=np.ones(n, dtype=bool))
    p = probabilities(WEIGHTS, c)
    assert (p[:, [1, 2, 4]] == 0).all()  # avoided, incapable when referred, no candidate
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    chosen = choose(WEIGHTS, c, np.random.default_rng(3))
    assert set(np.unique(chosen)) <= {10, 13}
    # An incapable candidate stays open to a patient who was not referred.
    open_again = probabilities(WEIGHTS, dataclasses.replace(c, referred=np.zeros(n, bool)))
    assert (open_again[:, 2] > 0).all()


def test_no_open_candidate_means_no_choice() -> None:
    c = choosers(3, candidates=np.full((3, N_CAND), -1))
    np.testing.assert_array_equal(choose(WEIGHTS, c, np.random.default_rng(0)), [-1, -1, -1])
    assert (probabilities(WEIGHTS, c) == 0).all()


@pytest.mark.parametrize("form", ["log", "linear"])
def test_higher_out_of_pocket_lowers_probability(form: str) -> None:
    weights = Choice(cost_form=form)
    c = choosers(1)
    dearer = c.oop.copy()
    dearer[0, 2] += 500.0
    before = probabilities(weights, c)[0]
    after = probabilities(weights, dataclasses.replace(c, oop=dearer))[0]
    assert after[2] < before[2]
    others = [0, 1, 3, 4]
    assert (after[others] > before[others]).all()


def test_bonuses_raise_probability() -> None:
    c = choosers(1)
    before = probabilities(WEIGHTS, c)[0, 1]
    doctor = np.array([[11, -1]])
    assert probabilities(WEIGHTS, dataclasses.replace(c, family_doctor=doctor))[0, 1] > before
    target = np.array([11])
    assert probabilities(WEIGHTS, dataclasses.replace(c, referral_target=target))[0, 1] > before


def test_choice_frequencies_match_probabilities() -> None:
    # 200,000 identical choosers: a frequency has standard error <= 0.0011, so the
    # tolerance of 0.005 absolute is > 4.5 standard errors.
    n = 200_000
    c = choosers(n, avoid=np.full(n, 13))
    p = probabilities(WEIGHTS, c)[0]
    chosen = choose(WEIGHTS, c, np.random.default_rng(20_240_601))
    frequency = np.bincount(chosen - 10, minlength=N_CAND) / n
    np.testing.assert_allclose(frequency, p, rtol=0, atol=0.005)
    assert frequency[3] == 0.0
    assert p.max() < 0.9, "probabilities too lopsided to test the draw"


# ----------------------------------------------------------------------------- referral

GENERAL = SERVICE_LINES.index("general")
STROKE = SERVICE_LINES.index("stroke")
DENTISTRY = SERVICE_LINES.index("dentistry")
NEONATAL = SERVICE_LINES.index("critical_neonatal")


def four_facilities() -> dict[str, np.ndarray]:
    """Village (cap 1), township (2, beds), county (3, beds, far), city (4, beds, out of
    county but nearer the village than the county hospital)."""
    services = np.zeros((4, len(SERVICE_LINES)), dtype=bool)
    services[:, GENERAL] = True
    services[1, DENTISTRY] = True
    services[2, [DENTISTRY, STROKE]] = True
    services[3, [DENTISTRY, STROKE]] = True
    minutes = np.array([[0, 20, 100, 60],
                        [20, 0, 80, 70],
                        [100, 80, 0, 90],
                        [60, 70, 90, 0]], dtype=np.float32)
    return {
        "capability": np.array([1, 2, 3, 4], dtype=np.int8),
        "services": services,
        "beds": np.array([0, 10, 50, 80]),
        "minutes": minutes,
        "in_county": np.array([True, True, True, False]),
    }


def test_treats_respects_capability_lines_and_beds() -> None:
    f = four_facilities()
    table = treats(f["capability"], f["services"], f["beds"])
    assert table.shape == (2, 4, 5, len(SERVICE_LINES))
    assert table[OUTPATIENT, 0, 1, GENERAL] and not table[OUTPATIENT, 0, 2, GENERAL]
    assert not table[INPATIENT, 0, 1, GENERAL]  # no beds at the village clinic
    assert table[INPATIENT, 1, 2, GENERAL] and not table[INPATIENT, 1, 3, GENERAL]
    assert table[OUTPATIENT, 1, 1, DENTISTRY] and not table[OUTPATIENT, 0, 1, DENTISTRY]
    assert not table[INPATIENT, 1, 2, STROKE] and table[INPATIENT, 2, 3, STROKE]
    assert not table[:, :, :, NEONATAL].any()
    expected = (f["capability"][:, None, None] >= np.arange(5)[None, :, None]) \
        & f["services"][:, None, :]
    np.testing.assert_array_equal(table[OUTPATIENT], expected)
    np.testing.assert_array_equal(table[INPATIENT], expected & (f["beds"] > 0)[:, None, None])


def test_referral_targets() -> None:
    f = four_facilities()
    table = treats(f["capability"], f["services"], f["beds"])
    targets = referral_targets(table, f["minutes"], f["in_county"])
    assert targets.shape == table.shape
    # Severity 3 from the village: the in-county county hospital, though the city is nearer.
    assert targets[INPATIENT, 0, 3, GENERAL] == 2
    assert targets[OUTPATIENT, 0, 3, STROKE] == 2
    # Severity 4: only the city can treat it.
    assert targets[INPATIENT, 0, 4, GENERAL] == 3
    assert targets[INPATIENT, 2, 4, STROKE] == 3
    # Nearest capable in-county facility for a minor dental problem at the village.
    assert targets[OUTPATIENT, 0, 1, DENTISTRY] == 1
    # Nobody offers neonatal care.
    assert (targets[:, :, :, NEONATAL] == -1).all()
    # Every target can treat the need, and is never the referring facility.
    care, fac, sev, line = np.nonzero(targets >= 0)
    target = targets[care, fac, sev, line]
    assert table[care, target, sev, line].all()
    assert (target != fac).all()
    # Where no other facility is capable there is no target.
    none = (targets == -1)
    others_capable = np.array([
        [[[table[c, np.arange(4) != g, s, ln].any() for ln in range(len(SERVICE_LINES))]
          for s in range(5)] for g in range(4)] for c in range(2)])
    np.testing.assert_array_equal(none, ~others_capable)


# ----------------------------------------------------------------------------- contracts


def test_assign_teams_fills_in_order_within_the_centre() -> None:
    team_facility = np.array([5, 5, 7, 7, 7])
    team_free = np.array([2, 0, 1, 1, 3])
    centre = np.array([5, 7, 5, 5, 7, 9, 7, 7, 7, 7, 7])
    team = contracts.assign_teams(centre, team_facility, team_free)
    np.testing.assert_array_equal(team, [0, 2, 0, -1, 3, -1, 4, 4, 4, -1, -1])


def test_assign_teams_never_exceeds_free_places() -> None:
    rng = np.random.default_rng(11)
    for _ in range(50):
        n_teams = int(rng.integers(1, 12))
        team_facility = np.sort(rng.integers(0, 6, n_teams))
        team_facility = rng.permutation(team_facility)  # teams need not be grouped
        team_free = rng.integers(0, 5, n_teams)
        centre = rng.integers(0, 7, int(rng.integers(0, 40)))
        team = contracts.assign_teams(centre, team_facility, team_free)
        placed = team >= 0
        counts = np.bincount(team[placed], minlength=n_teams)
        assert (counts <= team_free).all()
        np.testing.assert_array_equal(team_facility[team[placed]], centre[placed])
        for c in np.unique(centre):  # everyone placed while the centre has room
            free = team_free[team_facility == c].sum()
            assert placed[centre == c].sum() == min(free, (centre == c).sum())
            # First come, first served: nobody placed after someone of the centre was refused.
            mine = placed[centre == c]
            assert not (np.diff(mine.astype(int)) > 0).any()


def test_assign_teams_empty() -> None:
    assert contracts.assign_teams(np.array([], dtype=int), np.array([1]), np.array([3])).size == 0
    np.testing.assert_array_equal(
        contracts.assign_teams(np.array([1, 1]), np.array([], dtype=int), np.array([], int)),
        [-1, -1])


def test_steady_signup_chance_keeps_coverage_steady() -> None:
    renewal = 0.713
    coverage = np.array([0.0, 0.1, 0.2, 0.35, 0.5, 0.6])
    q = contracts.steady_signup_chance(coverage, renewal)
    assert ((q >= 0) & (q <= 1)).all()
    np.testing.assert_allclose(coverage * renewal + (1 - coverage) * q, coverage, atol=1e-12)
    # Above coverage s = 1/(2 − ρ) the chance would exceed 1 and is clipped.
    high = contracts.steady_signup_chance(np.array([0.9, 1.0]), renewal)
    np.testing.assert_array_equal(high, [1.0, 1.0])


def test_renewal_chance_bounded_and_monotone() -> None:
    good = np.arange(11)
    bad = 10 - good
    chance = contracts.renewal_chance(good, bad, 0.713, 0.2)
    assert ((chance >= 0) & (chance <= 1)).all()
    assert (np.diff(chance) > 0).all()
    assert chance[0] == pytest.approx(0.513) and chance[-1] == pytest.approx(0.913)
    assert contracts.renewal_chance(np.array([0]), np.array([0]), 0.713, 0.2)[0] == \
        pytest.approx(0.713)
    clipped = contracts.renewal_chance(np.array([0, 9]), np.array([9, 0]), 0.9, 0.5)
    np.testing.assert_allclose(clipped, [0.4, 1.0])


# ----------------------------------------------------------------------------- episodes


def test_episode_table_add_and_compact_keep_order_and_ids() -> None:
    table = EpisodeTable()
    rows = table.add(5, resident=np.arange(100, 105), severity=2)
    np.testing.assert_array_equal(rows, np.arange(5))
    rows = table.add(3, resident=np.array([7, 8, 9]), status=1, facility=np.array([1, 2, 3]))
    np.testing.assert_array_equal(rows, [5, 6, 7])
    np.testing.assert_array_equal(table["id"], np.arange(8))
    assert table["facility"][0] == -1 and table["referral_target"][0] == -1
    assert table["severity"][:5].tolist() == [2] * 5 and table["severity"][5] == 0
    for name, dtype in COLUMNS.items():
        assert table[name].dtype == dtype and table[name].size == 8
    table["status"][[1, 4, 6]] = CLOSED
    table.compact()
    assert len(table) == 5
    np.testing.assert_array_equal(table["id"], [0, 2, 3, 5, 7])
    np.testing.assert_array_equal(table["resident"], [100, 102, 103, 7, 9])
    np.testing.assert_array_equal(table["facility"], [-1, -1, -1, 1, 3])
    rows = table.add(2, resident=np.array([1, 2]))
    np.testing.assert_array_equal(rows, [5, 6])
    np.testing.assert_array_equal(table["id"], [0, 2, 3, 5, 7, 8, 9])
    assert table.row(6)["id"] == 9 and table.row(6)["resident"] == 2


def test_episode_table_compact_threshold_and_growth() -> None:
    table = EpisodeTable()
    table.add(3000, resident=np.arange(3000))  # more than any initial buffer
    table["status"][:100] = CLOSED
    table.compact(min_share=0.3)  # 100 closed of 3000: kept
    assert len(table) == 3000
    table.compact()
    assert len(table) == 2900
    np.testing.assert_array_equal(table["resident"], np.arange(100, 3000))
    with pytest.raises(KeyError):
        table.add(1, no_such_column=1)


# ----------------------------------------------------------------------------- streams


def test_same_root_and_name_give_same_draws() -> None:
    a, b = RandomStreams(42), RandomStreams(42)
    np.testing.assert_array_equal(a["onsets"].random(10), b["onsets"].random(10))
    assert a["onsets"] is a["onsets"]
    assert stream_seed(42, "x").generate_state(4).tolist() == \
        stream_seed(42, "x").generate_state(4).tolist()


def test_different_names_or_roots_give_different_draws() -> None:
    s = RandomStreams(42)
    assert not np.array_equal(s["onsets"].random(10), s["choice"].random(10))
    assert not np.array_equal(RandomStreams(42)["onsets"].random(10),
                              RandomStreams(43)["onsets"].random(10))


def test_a_new_stream_does_not_shift_another() -> None:
    a, b = RandomStreams(7), RandomStreams(7)
    b["something_else"].random(1000)
    np.testing.assert_array_equal(a["onsets"].random(10), b["onsets"].random(10))


def test_replicate_seeds() -> None:
    seeds = replicate_seeds(2024, 20)
    assert seeds == replicate_seeds(2024, 20)
    assert len(seeds) == 20 and len(set(seeds)) == 20
    assert all(isinstance(s, int) and 0 <= s < 2**63 for s in seeds)
    assert replicate_seeds(2024, 5) == seeds[:5]
    assert set(replicate_seeds(2025, 20)).isdisjoint(seeds)
