"""Behaviour rules on hand-made arrays: costs, choice, referral, contracts, episodes, streams."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tieredcare.arrays import rank_within
from tieredcare.behaviour import contracts
from tieredcare.behaviour.choice import Choosers, choose, probabilities
from tieredcare.behaviour.costs import (
    CONTRACTED_ELSEWHERE,
    CONTRACTED_HERE,
    EMPLOYEE_RATIO_CEILING,
    NOT_CONTRACTED,
    CostRules,
    charge_code,
    out_of_pocket,
    patient_code,
    tariff_code,
)
from tieredcare.behaviour.referral import referral_targets, treats
from tieredcare.config import Scenario, set_path
from tieredcare.config.behaviour import Choice
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


def split(cost: float, deductible: float, ratio: float, cap: float,
          contact_cap: float = np.inf) -> tuple[float, float]:
    oop, fund = out_of_pocket(np.array([cost]), np.array([deductible]), np.array([ratio]),
                              np.array([cap]), np.array([contact_cap]))
    return float(oop[0]), float(fund[0])


def test_out_of_pocket_ratio_only() -> None:
    assert split(100.0, 0.0, 0.6, np.inf) == pytest.approx((40.0, 60.0))


def test_out_of_pocket_deductible() -> None:
    # The insurer pays 50 % of the 800 above the deductible.
    assert split(1_000.0, 200.0, 0.5, np.inf) == pytest.approx((600.0, 400.0))
    # Below the deductible the patient pays everything.
    assert split(150.0, 200.0, 0.9, np.inf) == pytest.approx((150.0, 0.0))


def test_out_of_pocket_caps_bind() -> None:
    assert split(1_000.0, 0.0, 0.8, 300.0) == pytest.approx((700.0, 300.0))
    assert split(1_000.0, 0.0, 0.8, 0.0) == pytest.approx((1_000.0, 0.0))
    assert split(1_000.0, 0.0, 0.8, -50.0) == pytest.approx((1_000.0, 0.0))  # cap overdrawn
    assert split(1_000.0, 0.0, 0.8, 900.0) == pytest.approx((200.0, 800.0))  # cap not binding
    # Per-contact cap, alone and together with the annual cap (the smaller binds).
    assert split(1_000.0, 0.0, 0.8, np.inf, 250.0) == pytest.approx((750.0, 250.0))
    assert split(1_000.0, 0.0, 0.8, 100.0, 250.0) == pytest.approx((900.0, 100.0))


def test_out_of_pocket_zero_cost() -> None:
    assert split(0.0, 200.0, 0.9, 1_000.0) == (0.0, 0.0)
    assert split(0.0, 0.0, 0.9, 1_000.0) == (0.0, 0.0)


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


FACILITY_TIERS = np.array([VILLAGE, TOWNSHIP, TOWNSHIP, COUNTY, CITY, len(TIERS) - 1])


def rules_for(overrides: dict | None = None) -> tuple[CostRules, Scenario]:
    data = Scenario().model_dump()
    for path, value in (overrides or {}).items():
        set_path(data, path, value)
    scenario = Scenario.model_validate(data)
    return CostRules.build(scenario.policy, scenario.costs, FACILITY_TIERS), scenario


def row(scheme: int, care: int, severity: int = 1, exempt: int = 1,
        contract: int = NOT_CONTRACTED) -> int:
    return int(tariff_code(scheme, care, severity, exempt, contract))


def test_cost_rules_resident_ratios_follow_the_policy() -> None:
    rules, scenario = rules_for()
    reimbursement = scenario.policy.reimbursement
    for f, t in enumerate(FACILITY_TIERS):
        tier = TIERS[t]
        assert rules.ratio[row(0, OUTPATIENT), f] == \
            getattr(reimbursement.outpatient, tier).ratio
        inpatient = getattr(reimbursement.inpatient, tier, None)
        assert rules.ratio[row(0, INPATIENT, 3), f] == (inpatient.ratio if inpatient else 0.0)
        assert rules.deductible[row(0, INPATIENT, 3), f] == \
            (inpatient.deductible if inpatient else 0.0)


def test_employee_uplift_is_capped() -> None:
    rules, _ = rules_for({"policy.reimbursement.employee_ratio_uplift": 0.1,
                          "policy.reimbursement.inpatient.township.ratio": 0.9,
                          "policy.reimbursement.inpatient.county.ratio": 0.7,
                          "policy.reimbursement.outpatient.village.ratio": 0.97})
    employee = SCHEMES.index("employee")
    township, county, village = 1, 3, 0  # facility columns
    assert rules.ratio[row(employee, INPATIENT, 3), township] == \
        pytest.approx(EMPLOYEE_RATIO_CEILING)
    assert rules.ratio[row(employee, INPATIENT, 3), county] == pytest.approx(0.8)
    # A resident ratio already above the ceiling is not lowered for employees.
    assert rules.ratio[row(employee, OUTPATIENT), village] == pytest.approx(0.97)
    big, _ = rules_for({"policy.reimbursement.employee_ratio_uplift": 0.8})
    for care in (OUTPATIENT, INPATIENT):
        resident, worker = big.ratio[row(0, care, 3)], big.ratio[row(employee, care, 3)]
        assert (worker <= np.maximum(resident, EMPLOYEE_RATIO_CEILING) + 1e-12).all()
        assert (worker >= resident).all()


def reference_terms(scenario: Scenario, scheme: int, care: int, severity: int, exempt: int,
                    contract: int, tier: int) -> tuple[float, float, float, float]:
    """Cost, ratio, deductible and fund of one kind of patient at one tier, by hand."""
    policy, costs = scenario.policy, scenario.costs
    table = policy.reimbursement.outpatient if care == OUTPATIENT \
        else policy.reimbursement.inpatient
    rule = getattr(table, TIERS[tier], None)
    ratio = rule.ratio if rule else 0.0
    deductible = rule.deductible if rule else 0.0
    contact_cap = rule.cap if rule and rule.cap is not None else np.inf
    if scheme == 1:
        ratio = min(ratio + policy.reimbursement.employee_ratio_uplift,
                    max(ratio, EMPLOYEE_RATIO_CEILING))
    incentives = policy.referral_incentives
    penalty = (incentives.non_referral_penalty_outpatient if care == OUTPATIENT
               else incentives.non_referral_penalty_inpatient).by_tier()[tier]
    if not exempt:
        ratio -= penalty
    compulsory = policy.family_doctor.gatekeeping.compulsory_for_reimbursement
    if compulsory and contract == CONTRACTED_ELSEWHERE and not exempt and tier >= COUNTY:
        ratio = 0.0
    if contract == CONTRACTED_HERE:
        ratio += policy.contract_bonus.ratio_points
    ratio = min(max(ratio, 0.0), 1.0)
    if care == OUTPATIENT:
        cost = costs.outpatient_visit.as_list()[tier]
    else:
        factor = costs.severity_cost_factor
        cost = costs.admission.as_list()[tier] * [factor[0], factor[0], *factor][severity]
    fund = min(max(cost - deductible, 0.0) * ratio, contact_cap)
    return cost, ratio, deductible, fund


@pytest.mark.parametrize("levers", ["defaults", "penalties_and_bonus"])
def test_cost_tables_agree_with_the_rules_elementwise(levers: str) -> None:
    overrides = {} if levers == "defaults" else {
        "policy.referral_incentives.non_referral_penalty_inpatient.city": 0.2,
        "policy.referral_incentives.non_referral_penalty_outpatient.county": 0.1,
        "policy.contract_bonus.ratio_points": 0.1,
        "policy.family_doctor.gatekeeping.compulsory_for_reimbursement": True,
        "policy.reimbursement.inpatient.county.cap": 3_000.0,
        "policy.reimbursement.inpatient.county.deductible": 700.0,
    }
    rules, scenario = rules_for(overrides)
    checked = 0
    for scheme in range(len(SCHEMES)):
        for care in (OUTPATIENT, INPATIENT):
            for severity in range(5):
                for exempt in (0, 1):
                    for contract in (NOT_CONTRACTED, CONTRACTED_ELSEWHERE, CONTRACTED_HERE):
                        code = row(scheme, care, severity, exempt, contract)
                        for f, tier in enumerate(FACILITY_TIERS):
                            cost, ratio, deductible, fund = reference_terms(
                                scenario, scheme, care, severity, exempt, contract, int(tier))
                            got = (rules.cost[code, f], rules.ratio[code, f],
                                   rules.deductible[code, f], rules.fund[code, f])
                            assert got == pytest.approx((cost, ratio, deductible, fund)), \
                                (scheme, care, severity, exempt, contract, TIERS[tier])
                            checked += 1
    assert checked == rules.cost.size
    oop, fund = out_of_pocket(rules.cost, rules.deductible, rules.ratio, np.inf,
                              rules.contact_cap)
    np.testing.assert_allclose(fund, rules.fund)
    np.testing.assert_allclose(oop + fund, rules.cost)


# ----------------------------------------------------------------------------- choice

N_CAND = 5


def choosers(n: int = 1, **changes: object) -> Choosers:
    """``n`` identical patients with 5 open candidates (facilities 10..14); change columns."""
    base = {
        "candidates": np.tile(np.arange(10, 10 + N_CAND), (n, 1)),
        "minutes": np.tile([10.0, 25.0, 40.0, 60.0, 90.0], (n, 1)),
        "oop": np.tile([20.0, 50.0, 120.0, 200.0, 300.0], (n, 1)),
        "wait_days": np.tile([0.0, 0.5, 0.2, 1.0, 0.0], (n, 1)),
        "outpatient_wait_hours": np.tile([0.0, 0.1, 0.5, 1.0, 0.2], (n, 1)),
        "quality": np.tile([0.3, 0.45, 0.7, 0.9, 1.0], (n, 1)),
        "capable": np.tile([True, True, True, True, True], (n, 1)),
        "severity": np.full(n, 2, dtype=np.int8),
        "income": np.full(n, 20_000.0),
        "own_doctor": np.zeros((n, N_CAND), dtype=bool),
        "referral_target": np.full(n, -1),
        "avoid": np.full(n, -1),
        "referred": np.zeros(n, dtype=bool),
    }
    c = Choosers(**base)
    return dataclasses.replace(c, **changes)


def draw(c: Choosers, seed: int) -> np.ndarray:
    """Choices with one uniform draw per patient from a fixed seed."""
    return choose(WEIGHTS, c, np.random.default_rng(seed).random(c.candidates.shape[0]))


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
    chosen = draw(c, 3)
    assert set(np.unique(chosen)) <= {10, 13}
    # An incapable candidate stays open to a patient who was not referred.
    open_again = probabilities(WEIGHTS, dataclasses.replace(c, referred=np.zeros(n, bool)))
    assert (open_again[:, 2] > 0).all()


def test_no_open_candidate_means_no_choice() -> None:
    c = choosers(3, candidates=np.full((3, N_CAND), -1))
    np.testing.assert_array_equal(draw(c, 0), [-1, -1, -1])
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
    doctor = np.array([[False, True, False, False, False]])
    assert probabilities(WEIGHTS, dataclasses.replace(c, own_doctor=doctor))[0, 1] > before
    target = np.array([11])
    assert probabilities(WEIGHTS, dataclasses.replace(c, referral_target=target))[0, 1] > before


def test_choice_frequencies_match_probabilities() -> None:
    # 200,000 identical choosers: a frequency has standard error <= 0.0011, so the
    # tolerance of 0.005 absolute is > 4.5 standard errors.
    n = 200_000
    c = choosers(n, avoid=np.full(n, 13))
    p = probabilities(WEIGHTS, c)[0]
    chosen = draw(c, 20_240_601)
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


def test_keyed_uniform_draws() -> None:
    streams = RandomStreams(42)
    keys = np.arange(100_000)
    u = streams.uniform("choice", keys)
    assert u.shape == keys.shape and ((u >= 0) & (u < 1)).all()
    # The same key gets the same number, whatever else is drawn with it and in what order.
    np.testing.assert_array_equal(RandomStreams(42).uniform("choice", keys), u)
    perm = np.random.default_rng(0).permutation(keys.size)
    np.testing.assert_array_equal(streams.uniform("choice", keys[perm]), u[perm])
    np.testing.assert_array_equal(streams.uniform("choice", keys[5:9]), u[5:9])
    # Names, roots and salts give different numbers.
    assert not np.array_equal(streams.uniform("balking", keys[:10]), u[:10])
    assert not np.array_equal(RandomStreams(43).uniform("choice", keys[:10]), u[:10])
    assert not np.array_equal(streams.uniform("choice", keys[:10], 1), u[:10])
    # Uniform: mean and decile shares of 100,000 draws (standard errors 0.0009 and
    # 0.00095), tolerance 0.005 each.
    assert u.mean() == pytest.approx(0.5, abs=0.005)
    np.testing.assert_allclose(np.histogram(u, bins=10, range=(0, 1))[0] / u.size, 0.1,
                               atol=0.005)
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.02  # consecutive keys uncorrelated


# ----------------------------------------------------------------------------- arrays


def test_rank_within_counts_earlier_members_of_the_group() -> None:
    groups = np.array([2, 0, 2, 2, 0, 5])
    np.testing.assert_array_equal(rank_within(groups), [0, 0, 1, 2, 1, 0])
    # A given order: within group 2, the last element comes first.
    order = np.array([1, 4, 3, 0, 2, 5])
    np.testing.assert_array_equal(rank_within(groups, order), [1, 0, 2, 0, 1, 0])


def test_rank_within_matches_a_direct_count() -> None:
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 9, 300)
    order = np.argsort(groups * 1000 + rng.permutation(300))
    rank = rank_within(groups, order)
    position = np.empty(300, dtype=int)
    position[order] = np.arange(300)
    expected = [np.count_nonzero((groups == groups[i]) & (position < position[i]))
                for i in range(300)]
    np.testing.assert_array_equal(rank, expected)


def test_tariff_code_is_patient_code_plus_charge_code() -> None:
    for scheme in range(len(SCHEMES)):
        for severity in range(5):
            for exempt in (0, 1):
                for care in (OUTPATIENT, INPATIENT):
                    for contract in range(3):
                        assert tariff_code(scheme, care, severity, exempt, contract) == \
                            patient_code(scheme, severity, exempt) + charge_code(care, contract)
    codes = {int(tariff_code(s, c, v, e, k)) for s in range(len(SCHEMES)) for c in (0, 1)
             for v in range(5) for e in (0, 1) for k in range(3)}
    rules, _ = rules_for()
    assert codes == set(range(rules.cost.shape[0]))  # one table row per kind of patient
