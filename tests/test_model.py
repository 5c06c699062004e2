"""The daily model on a small county: invariants, determinism, agents and effect directions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
import pytest

from tieredcare.config import Scenario, load_scenario
from tieredcare.day import seeking
from tieredcare.episodes import CLOSED, IN_BED
from tieredcare.facilities import DoctorTeam, Facility
from tieredcare.metrics import INDICATORS
from tieredcare.model import TieredCareModel
from tieredcare.run import RunOutput, collect, episode_accounting, simulate
from tieredcare.tiers import TIERS

ScenarioFactory = Callable[..., Scenario]
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"

SHARE_INDICATORS = [name for name, ind in INDICATORS.items() if ind.unit == "share"]
STATIC_POPULATION = ("home", "age_group", "hypertension", "diabetes", "scheme", "income_group",
                     "group_start")
POPULATION_ARRAYS = (*STATIC_POPULATION, "team", "contacts_good", "contacts_bad",
                     "fund_paid")


def accounted(acc: dict[str, int]) -> int:
    return (acc["self_treated"] + acc["no_care"] + acc["treated"] + acc["unmet"]
            + acc["waiting"] + acc["referred"] + acc["choosing"])


# ----------------------------------------------------------------------------- accounting


def test_every_episode_is_accounted_for_after_a_run(small_model: TieredCareModel,
                                                    small_output: RunOutput) -> None:
    acc = episode_accounting(small_model)
    assert acc["onsets"] > 10_000 and acc["treated"] > 0
    assert acc["onsets"] == accounted(acc), acc
    assert small_output.episodes["onsets"] == accounted(small_output.episodes), \
        small_output.episodes


STRESSED = {
    # Scarce slots and beds and short patience: patients leave queues, choose again,
    # forgo care and are referred, so every path of an episode is exercised.
    "world.facilities.township.outpatient_slots_per_1000": 2.0,
    "world.facilities.county.outpatient_slots_per_1000": 1.0,
    "world.facilities.county.beds_per_1000": 0.8,
    "world.facilities.township.beds_per_1000": 0.3,
    "service.max_wait_days": [1, 2],
    "policy.referral.down_referral_probability": 0.8,
}
LOADS = {"default": {}, "stressed": STRESSED}


@pytest.mark.parametrize("load", sorted(LOADS))
def test_every_episode_is_accounted_for_each_day(small_scenario: ScenarioFactory,
                                                 load: str) -> None:
    model = TieredCareModel(small_scenario(LOADS[load]))
    for _ in range(40):
        model.step()
        acc = episode_accounting(model)
        assert acc["onsets"] == accounted(acc), (model.day, acc)
        # Patients in a bed are treated episodes, so they are also counted in "treated".
        assert acc["in_bed"] <= acc["treated"]


def test_stressed_county_leaves_unmet_need(small_scenario: ScenarioFactory) -> None:
    model = TieredCareModel(small_scenario(STRESSED)).run()
    acc = episode_accounting(model)
    assert acc["unmet"] > 0 and acc["onsets"] == accounted(acc), acc
    assert model.counters.referrals_down.sum() > 0


def test_counters_are_consistent(small_model: TieredCareModel, small_output: RunOutput) -> None:
    c, warmup = small_model.counters, small_model.scenario.simulation.warmup_days
    # Every served contact either treats the episode or refers it up.
    assert c.treated.sum() == (c.visits + c.admissions - c.recovery_admissions
                               - c.referrals_up).sum()
    # Every served contact is in the wait histogram.
    assert c.wait_hist.sum() == c.visits.sum() + c.admissions.sum()
    # Flows count the episodes treated in the reporting period.
    assert c.flows.sum() == c.treated[warmup:].sum() == small_output.flows["episodes"].sum()
    assert small_output.facilities["visits"].sum() == c.visits[warmup:].sum()
    residents, days = small_model.population.size, small_model.scenario.simulation.horizon_days
    assert small_output.summary["visits_per_capita"] == pytest.approx(
        c.visits[warmup:].sum() * 365 / (residents * days), rel=1e-12)


# ----------------------------------------------------------------------------- indicators


def test_share_indicators_lie_in_unit_interval(small_output: RunOutput) -> None:
    assert len(SHARE_INDICATORS) >= 20
    for name in SHARE_INDICATORS:
        value = small_output.summary[name]
        assert np.isnan(value) or 0.0 <= value <= 1.0, (name, value)
        daily = small_output.timeseries[name].to_numpy()
        daily = daily[~np.isnan(daily)]
        assert ((daily >= 0.0) & (daily <= 1.0)).all(), (name, daily.min(), daily.max())


@pytest.mark.parametrize("prefix", ["visit_share_", "admission_share_"])
def test_tier_shares_sum_to_one(small_output: RunOutput, prefix: str) -> None:
    columns = [f"{prefix}{tier}" for tier in TIERS]
    total = sum(small_output.summary[c] for c in columns)
    assert total == pytest.approx(1.0, abs=1e-9)
    daily = small_output.timeseries[columns]
    with_events = daily.notna().all(axis=1)  # a day without visits (admissions) is all NaN
    assert with_events.sum() >= 80, "expected visits/admissions on almost every day"
    assert (daily.isna().all(axis=1) | with_events).all()
    np.testing.assert_allclose(daily[with_events].sum(axis=1), 1.0, rtol=0, atol=1e-9)


def test_summary_reports_every_indicator(small_output: RunOutput) -> None:
    assert set(INDICATORS) <= set(small_output.summary)
    assert set(INDICATORS) <= set(small_output.timeseries.columns)
    assert len(small_output.timeseries) == 90
    assert small_output.timeseries["day"].tolist() == list(range(90))


# ----------------------------------------------------------------------------- capacity


def test_family_doctor_teams_never_exceed_capacity(small_scenario: ScenarioFactory) -> None:
    # Small teams so capacity binds, frequent visit signups, and a renewal on day 20.
    model = TieredCareModel(small_scenario({
        "policy.family_doctor.team_capacity": 300,
        "policy.family_doctor.signup_at_visit": 0.3,
        "policy.family_doctor.renewal_day_of_year": 20,
    }))
    pop, county, fd = model.population, model.county, model.family_doctors
    full_seen = False
    while model.row < model.total_days:
        model.step()
        assert (fd.team_members <= fd.team_capacity).all(), model.day
        signed = pop.team >= 0
        np.testing.assert_array_equal(
            fd.team_members, np.bincount(pop.team[signed], minlength=len(model.teams)))
        # Residents sign only with a team of their own township centre.
        np.testing.assert_array_equal(fd.team_facility[pop.team[signed]],
                                      county.home_township_centre[pop.home[signed]])
        assert fd.contracted[0] == np.count_nonzero(signed)
        full_seen |= bool((fd.team_members == fd.team_capacity).any())
    assert full_seen, "team capacity never bound: the test does not exercise the limit"


def test_key_groups_have_higher_contract_coverage(small_output: RunOutput) -> None:
    s = small_output.summary
    assert 0.0 < s["contract_coverage"] < 1.0
    assert s["contract_coverage_elderly"] > s["contract_coverage"], s
    assert s["contract_coverage_chronic"] > s["contract_coverage"], s


@pytest.mark.parametrize("load", sorted(LOADS))
def test_occupied_beds_never_exceed_beds(small_scenario: ScenarioFactory, load: str) -> None:
    model = TieredCareModel(small_scenario(LOADS[load]))
    st = model.state
    peak = 0.0
    while model.row < model.total_days:
        model.step()
        assert (st.occupied_beds >= 0).all(), model.day
        assert (st.occupied_beds <= st.beds).all(), (model.day, st.occupied_beds, st.beds)
        in_bed = model.episodes["status"] == IN_BED
        np.testing.assert_array_equal(
            st.occupied_beds,
            np.bincount(model.episodes["facility"][in_bed], minlength=model.county.n_facilities))
        peak = max(peak, float((st.occupied_beds / np.maximum(st.beds, 1)).max()))
    assert peak > 0.5, "beds were hardly used: the test does not exercise the limit"


# ----------------------------------------------------------------------------- determinism


def assert_same_output(a: RunOutput, b: RunOutput) -> None:
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.facilities, b.facilities)
    pd.testing.assert_frame_equal(a.flows, b.flows)
    np.testing.assert_equal(a.summary, b.summary)  # NaN equals NaN here
    assert a.episodes == b.episodes


def test_same_scenario_and_seed_give_identical_results(
        small_output: RunOutput, run_with: Callable[..., RunOutput]) -> None:
    assert_same_output(small_output, run_with())


def test_different_seed_gives_different_results(
        small_output: RunOutput, run_with: Callable[..., RunOutput]) -> None:
    other = run_with(seed=small_output.scenario.seed + 1)
    assert not small_output.timeseries.equals(other.timeseries)
    assert small_output.episodes["onsets"] != other.episodes["onsets"]


def test_common_random_numbers_across_policies(small_scenario: ScenarioFactory) -> None:
    ratio = "policy.reimbursement.outpatient.township.ratio"
    base = TieredCareModel(small_scenario())
    policy = TieredCareModel(small_scenario({ratio: 0.9}))
    for name in POPULATION_ARRAYS:  # before the run, every array matches
        np.testing.assert_array_equal(getattr(base.population, name),
                                      getattr(policy.population, name), err_msg=name)
    base.run()
    policy.run()
    np.testing.assert_array_equal(base.counters.onsets, policy.counters.onsets)
    for name in STATIC_POPULATION:  # after it, every attribute the policy cannot change
        np.testing.assert_array_equal(getattr(base.population, name),
                                      getattr(policy.population, name), err_msg=name)
    # The policy did change behaviour, so the equal onsets are not an accident of no effect.
    assert not np.array_equal(base.counters.visits, policy.counters.visits)


# ----------------------------------------------------------------------------- agents


def test_facilities_are_mesa_agents(small_model: TieredCareModel) -> None:
    model, county, st = small_model, small_model.county, small_model.state
    assert len(model.facilities) == county.n_facilities
    for i, facility in enumerate(model.facilities):
        assert isinstance(facility, Facility) and isinstance(facility, mesa.Agent)
        assert facility in model.agents
        assert facility.index == i
        assert facility.tier == TIERS[county.tier[i]]
        assert facility.node_id == county.ids[i]
        assert facility.beds == st.beds[i]
        assert facility.outpatient_queue == st.outpatient_queue[i]
        assert facility.outpatient_slots == st.outpatient_slots[i]
        assert facility.occupied_beds == st.occupied_beds[i]
    assert {f.tier for f in model.facilities} >= {"village", "township", "county", "city"}
    with pytest.raises(AttributeError):
        _ = model.facilities[0].no_such_attribute


def test_doctor_teams_are_mesa_agents(small_model: TieredCareModel) -> None:
    model = small_model
    fd = model.scenario.policy.family_doctor
    assert len(model.teams) == len(model.county.township_ids) * fd.teams_per_township
    for i, team in enumerate(model.teams):
        assert isinstance(team, DoctorTeam) and isinstance(team, mesa.Agent)
        assert team in model.agents
        assert team.index == i
        assert team.facility == model.family_doctors.team_facility[i]
        assert model.facilities[team.facility].tier == "township"
        assert team.capacity == fd.team_capacity
    assert len(model.agents) == len(model.facilities) + len(model.teams)


def test_doctor_team_members(small_model: TieredCareModel) -> None:
    members = [team.members for team in small_model.teams]
    np.testing.assert_array_equal(members, small_model.family_doctors.team_members)
    assert sum(members) == np.count_nonzero(small_model.population.team >= 0)


@pytest.mark.parametrize("combination", [False, True])
def test_contract_coverage_tables_match_the_contracts(small_scenario: ScenarioFactory,
                                                      combination: bool) -> None:
    model = TieredCareModel(small_scenario(
        {"policy.family_doctor.combination.enabled": combination}))
    for _ in range(5):
        model.step()
    fd, ep = model.family_doctors, model.episodes
    rows = np.flatnonzero(ep["status"] != CLOSED)
    resident = ep["resident"][rows]
    assert np.count_nonzero(model.population.team[resident] >= 0) > 0
    facility = np.random.default_rng(0).integers(0, model.county.n_facilities,
                                                 (rows.size, 40))
    for table, with_partners in ((fd.team_covers, False), (fd.contract_covers, combination)):
        covered = np.stack(fd.facilities(resident, with_partners), axis=1)  # -1: no contract
        expected = (facility[:, :, None] == covered[:, None, :]).any(axis=2)
        np.testing.assert_array_equal(fd.covers(table, rows, facility), expected)
        np.testing.assert_array_equal(fd.covers(table, rows, covered[:, 0].clip(0)),
                                      covered[:, 0] >= 0)


def test_choice_set_lists_each_facility_once(small_scenario: ScenarioFactory) -> None:
    model = TieredCareModel(small_scenario())
    model.step()
    ep, county = model.episodes, model.county
    rows = np.flatnonzero(ep["status"] != CLOSED)[:4]
    home = ep["home"][rows]
    considered = model.candidates[home[0]]
    outside = np.setdiff1d(np.arange(county.n_facilities), considered)[0]
    # A referral to a facility already considered, to one outside the set, and none.
    ep["referral_target"][rows] = [considered[-1], outside, -1, -1]
    ep["referred"][rows] = [True, True, False, False]
    ep["home"][rows] = home[0]
    cand = seeking.choosers(model, rows).candidates
    assert cand.shape[1] == model.candidates.shape[1] + 1
    np.testing.assert_array_equal(cand[:, :-1], np.tile(considered, (4, 1)))
    np.testing.assert_array_equal(cand[:, -1], [-1, outside, -1, -1])
    for row in cand:
        listed = row[row >= 0]
        assert listed.size == np.unique(listed).size
    ep["referral_target"][rows] = -1
    assert seeking.choosers(model, rows).candidates.shape[1] == model.candidates.shape[1]


def test_patient_view(small_model: TieredCareModel) -> None:
    model, pop = small_model, small_model.population
    ep = model.episodes
    open_rows = np.flatnonzero((ep["status"] != CLOSED) & ~ep["recovery"])
    assert open_rows.size > 0
    i = int(ep["resident"][open_rows[0]])
    info = model.patient(i)
    assert set(pop.resident(i)) <= set(info)
    assert info["resident"] == i
    assert info["home_village"] == pop.home[i]
    assert info["home_village_id"] == model.county.ids[model.county.villages[pop.home[i]]]
    assert int(ep["id"][open_rows[0]]) in [e["id"] for e in info["open_episodes"]]
    assert all(e["resident"] == i for e in info["open_episodes"])
    contracted = int(np.flatnonzero(pop.team >= 0)[0])
    team = pop.team[contracted]
    doctor = model.patient(contracted)["family_doctor"]
    centre = model.county.ids[model.family_doctors.team_facility[team]]
    # One facility id, or the facilities of the team (village clinic and centre).
    assert doctor == centre or centre in doctor, (doctor, centre)
    uncontracted = int(np.flatnonzero(pop.team < 0)[0])
    assert not model.patient(uncontracted)["family_doctor"]


def test_patient_view_lists_only_open_episodes(small_scenario: ScenarioFactory) -> None:
    # Only admissions: few rows close per day, so compaction (at >= 30 % closed) is skipped
    # and closed rows linger in the table.
    zero = {"child": 0.0, "adult": 0.0, "elderly": 0.0}
    model = TieredCareModel(small_scenario({
        "episodes.minor_acute_rate": zero, "episodes.moderate_rate": zero,
        "episodes.chronic_follow_up_rate": 0.0}))
    for _ in range(60):
        model.step()
        closed = np.flatnonzero(model.episodes["status"] == CLOSED)
        if closed.size:
            break
    assert closed.size, "setup failed: no closed row left in the table"
    info = model.patient(int(model.episodes["resident"][closed[0]]))
    assert all(e["status"] != CLOSED for e in info["open_episodes"]), info["open_episodes"]


# ----------------------------------------------------------------------------- effects

SEEDS = (1, 2, 3)


def paired_means(run_with: Callable[..., RunOutput], overrides: Mapping[str, Any],
                 indicators: list[str]) -> dict[str, tuple[float, float]]:
    """Mean of each indicator without and with ``overrides``, paired on ``SEEDS``."""
    base = [run_with(seed=s).summary for s in SEEDS]
    policy = [run_with(overrides, seed=s).summary for s in SEEDS]
    return {k: (float(np.mean([b[k] for b in base])), float(np.mean([p[k] for p in policy])))
            for k in indicators}


def test_cheaper_primary_outpatient_care_raises_primary_share(
        run_with: Callable[..., RunOutput]) -> None:
    m = paired_means(run_with, {"policy.reimbursement.outpatient.township.ratio": 0.95,
                                "policy.reimbursement.outpatient.village.ratio": 0.95},
                     ["primary_share"])
    before, after = m["primary_share"]
    assert after > before, f"primary_share {before:.4f} -> {after:.4f} ({after - before:+.4f})"


def test_fewer_county_slots_lengthen_county_queues(run_with: Callable[..., RunOutput]) -> None:
    m = paired_means(run_with, {"world.facilities.county.outpatient_slots_per_1000": 1.0},
                     ["mean_wait_county", "visit_share_county"])
    (w0, w1), (v0, v1) = m["mean_wait_county"], m["visit_share_county"]
    assert w1 > w0, f"mean_wait_county {w0:.3f} -> {w1:.3f} ({w1 - w0:+.3f} days)"
    assert v1 < v0, f"visit_share_county {v0:.4f} -> {v1:.4f} ({v1 - v0:+.4f})"


def test_inpatient_ratios_favouring_township_keep_patients_in_county(
        run_with: Callable[..., RunOutput]) -> None:
    m = paired_means(run_with, {"policy.reimbursement.inpatient.township.ratio": 0.95,
                                "policy.reimbursement.inpatient.city.ratio": 0.30},
                     ["inpatient_county_retention", "county_retention"])
    (i0, i1), (c0, c1) = m["inpatient_county_retention"], m["county_retention"]
    assert i1 > i0 or c1 > c0, (f"inpatient_county_retention {i0:.4f} -> {i1:.4f} "
                                f"({i1 - i0:+.4f}); county_retention {c0:.4f} -> {c1:.4f} "
                                f"({c1 - c0:+.4f})")


NO_SIGNUP = {"elderly": 0.0, "chronic": 0.0, "other": 0.0}


def test_no_signup_campaign_means_no_initial_contracts(small_scenario: ScenarioFactory) -> None:
    model = TieredCareModel(small_scenario(
        {"policy.family_doctor.signup_probability": NO_SIGNUP}))
    assert (model.population.team == -1).all()
    fd = model.family_doctors
    assert (fd.team_members == 0).all() and (fd.contracted == 0).all()


def test_no_signups_at_all_means_zero_coverage(run_with: Callable[..., RunOutput]) -> None:
    out = run_with({"policy.family_doctor.signup_probability": NO_SIGNUP,
                    "policy.family_doctor.signup_at_visit": 0.0})
    for name in ("contract_coverage", "contract_coverage_elderly", "contract_coverage_chronic"):
        assert out.summary[name] == 0.0, (name, out.summary[name])
        assert (out.timeseries[name] == 0.0).all(), name


def test_zero_signup_probability_leaves_only_visit_signups(
        run_with: Callable[..., RunOutput]) -> None:
    # signup_at_visit (default 0.03 per visit to the home centre) still signs residents, so
    # coverage is small but not zero; 0.05 bounds it with a wide margin (measured ~0.007).
    out = run_with({"policy.family_doctor.signup_probability": NO_SIGNUP})
    coverage = out.summary["contract_coverage"]
    assert 0.0 <= coverage < 0.05, coverage


# ----------------------------------------------------------------------------- memory


def test_memory_per_resident(small_model: TieredCareModel) -> None:
    pop = small_model.population
    per_resident = pop.nbytes / pop.size
    print(f"population memory: {per_resident:.1f} bytes per resident")
    assert per_resident < 1024, per_resident


# ----------------------------------------------------------------------------- full size


@pytest.mark.slow
def test_baseline_county_invariants() -> None:
    model = TieredCareModel(load_scenario(BASELINE).scenario).run()
    acc = episode_accounting(model)
    assert acc["onsets"] == accounted(acc), acc
    assert (model.state.occupied_beds <= model.state.beds).all()
    assert (model.family_doctors.team_members <= model.family_doctors.team_capacity).all()
    out = collect(model)
    for name in SHARE_INDICATORS:
        value = out.summary[name]
        assert np.isnan(value) or 0.0 <= value <= 1.0, (name, value)
    per_resident = model.population.nbytes / model.population.size
    print(f"baseline: {model.population.size:,} residents, {per_resident:.1f} bytes each")
    assert per_resident < 1024


@pytest.mark.slow
def test_baseline_county_effect_directions() -> None:
    base = load_scenario(BASELINE).scenario
    policy = load_scenario(BASELINE, [
        "policy.reimbursement.outpatient.township.ratio=0.95",
        "policy.reimbursement.outpatient.village.ratio=0.95"]).scenario
    before, after = simulate(base).summary, simulate(policy).summary
    delta = after["primary_share"] - before["primary_share"]
    assert delta > 0, f"primary_share {before['primary_share']:.4f} -> " \
        f"{after['primary_share']:.4f} ({delta:+.4f})"
