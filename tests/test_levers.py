"""Every policy lever: its effect has the expected direction, and bad values are rejected.

Direction tests run the small county (20,000 residents, 4 townships) with and without the
lever on the same seeds (common random numbers) and compare the mean over the seeds. The
lever settings are strong enough that the direction is not a matter of noise: the
measured difference is printed in each assertion message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import ROOT, make_small
from tieredcare.config import ConfigError, load_scenario
from tieredcare.config.policy import in_force, levers, switch_days
from tieredcare.model import TieredCareModel
from tieredcare.run import simulate

SEEDS = (11, 12, 13)
LONGER = {"simulation.horizon_days": 120}


_RUNS: dict[str, dict[str, float]] = {}


def _summary(overrides: dict, seed: int) -> dict[str, float]:
    """Summary of the small county with overrides; each distinct run is simulated once."""
    key = repr((sorted(overrides.items()), seed))
    if key not in _RUNS:
        _RUNS[key] = simulate(make_small({**LONGER, **overrides}, seed=seed)).summary
    return _RUNS[key]


def effect(indicator: str, lever: dict, base: dict | None = None) -> float:
    """Mean over seeds of (indicator with lever − indicator without), paired by seed."""
    base = base or {}
    return float(np.mean([_summary({**base, **lever}, s)[indicator]
                          - _summary(base, s)[indicator] for s in SEEDS]))


def test_differential_reimbursement_wider_gap_keeps_inpatients_in_county():
    d = effect("inpatient_county_retention", {
        "policy.reimbursement.inpatient.township.ratio": 0.95,
        "policy.reimbursement.inpatient.county.ratio": 0.90,
        "policy.reimbursement.inpatient.city.ratio": 0.30})
    assert d > 0, f"inpatient_county_retention changed by {d:+.4f}"


def test_higher_primary_outpatient_ratio_raises_primary_share():
    d = effect("primary_share", {"policy.reimbursement.outpatient.village.ratio": 0.95,
                                 "policy.reimbursement.outpatient.township.ratio": 0.95})
    assert d > 0, f"primary_share changed by {d:+.4f}"


def test_non_referral_penalty_lowers_unreferred_hospital_use():
    full = {"county": 1.0, "city": 1.0, "province": 1.0}
    d = effect("unreferred_hospital_share", {
        "policy.referral_incentives.non_referral_penalty_inpatient": full,
        "policy.referral_incentives.non_referral_penalty_outpatient": full})
    assert d < 0, f"unreferred_hospital_share changed by {d:+.4f}"


def test_referral_deductible_rules_lower_out_of_pocket():
    lever = {"policy.referral_incentives.cumulative_deductible": True,
             "policy.referral_incentives.no_deductible_after_down_referral": True,
             "policy.referral.down_referral_probability": 0.5}
    d = effect("oop_per_episode", lever, base={"policy.referral.down_referral_probability": 0.5})
    assert d < 0, f"oop_per_episode changed by {d:+.2f} CNY"


def test_contract_bonus_lowers_out_of_pocket_and_favours_primary_care():
    lever = {"policy.contract_bonus.ratio_points": 0.3}
    d_oop = effect("oop_per_episode", lever)
    d_primary = effect("primary_share", lever)
    assert d_oop < 0, f"oop_per_episode changed by {d_oop:+.2f} CNY"
    assert d_primary > 0, f"primary_share changed by {d_primary:+.4f}"


def test_capitation_keeps_patients_in_county_and_sends_follow_up_down():
    lever = {"policy.capitation.strength": 1.0}
    d_retention = effect("inpatient_county_retention", lever)
    d_down = effect("referrals_down", lever)
    assert d_retention > 0, f"inpatient_county_retention changed by {d_retention:+.4f}"
    assert d_down > 0, f"referrals_down changed by {d_down:+.2f} per 1,000"


def test_signup_campaign_raises_coverage_of_target_groups():
    lever = {"policy.family_doctor.campaign.intensity": 0.8,
             "policy.family_doctor.campaign.start_day": 0,
             "policy.family_doctor.campaign.duration_days": 30,
             "policy.family_doctor.teams_per_township": 10}
    base = {"policy.family_doctor.teams_per_township": 10}
    d_elderly = effect("contract_coverage_elderly", lever, base)
    assert d_elderly > 0.05, f"elderly coverage changed by {d_elderly:+.4f}"


def test_combination_contracts_bring_patients_to_the_partner_hospital():
    on = {"policy.family_doctor.combination.enabled": True}
    treated = []
    for overrides in ({}, on):
        runs = [simulate(make_small({**LONGER, **overrides}, seed=s)).facilities for s in SEEDS]
        treated.append(np.mean([f.set_index("facility").loc["county_general", "treated"]
                                for f in runs]))
    assert treated[1] > treated[0], f"people's hospital episodes {treated[0]} → {treated[1]}"


def test_gatekeeping_raises_primary_share_and_lowers_bypass():
    lever = {"policy.family_doctor.gatekeeping.adherence": 1.0,
             "policy.family_doctor.gatekeeping.compulsory_for_reimbursement": True}
    d_primary = effect("primary_share", lever)
    d_bypass = effect("unreferred_hospital_share", lever)
    assert d_primary > 0, f"primary_share changed by {d_primary:+.4f}"
    assert d_bypass < 0, f"unreferred_hospital_share changed by {d_bypass:+.4f}"


def test_reserved_slots_lower_bypass_where_capacity_binds():
    tight = {"world.facilities.county.outpatient_slots_per_1000": 3.0}
    lever = {"policy.reserved_slots.county": 0.5}
    d = effect("unreferred_hospital_share", lever, tight)
    assert d < 0, f"unreferred_hospital_share changed by {d:+.4f}"


def test_doctors_sent_down_raise_township_use():
    lever = {"policy.doctors_sent_down.doctors": 8}
    d_visits = effect("visit_share_township", lever)
    d_admissions = effect("admission_share_township", lever)
    assert d_visits > 0, f"township visit share changed by {d_visits:+.4f}"
    assert d_admissions > 0, f"township admission share changed by {d_admissions:+.4f}"


def test_telemedicine_raises_primary_share_and_cuts_referrals():
    lever = {"policy.telemedicine.enabled": True}
    d_primary = effect("primary_share", lever)
    d_referrals = effect("referrals_up", lever)
    assert d_primary > 0, f"primary_share changed by {d_primary:+.4f}"
    assert d_referrals < 0, f"referrals_up changed by {d_referrals:+.2f}"


def test_county_centres_raise_county_retention():
    lever = {"policy.county_services.add": ["stroke", "critical_neonatal", "mental_health"]}
    d = effect("county_retention", lever)
    assert d > 0, f"county_retention changed by {d:+.4f}"


def test_city_bed_cap_raises_city_wait_and_lowers_city_admissions():
    lever = {"policy.capacity.bed_scale": {"village": 1, "township": 1, "county": 1,
                                           "city": 0.4, "province": 1}}
    d_wait = effect("mean_wait_city", lever)
    d_share = effect("admission_share_city", lever)
    assert d_wait > 0, f"mean_wait_city changed by {d_wait:+.3f} days"
    assert d_share < 0, f"admission_share_city changed by {d_share:+.4f}"


def test_fewer_county_slots_lengthen_county_waits_and_lower_its_share():
    lever = {"policy.capacity.slot_scale": {"village": 1, "township": 1, "county": 0.3,
                                            "city": 1, "province": 1}}
    d_wait = effect("mean_wait_county", lever)
    d_share = effect("visit_share_county", lever)
    assert d_wait > 0, f"mean_wait_county changed by {d_wait:+.3f} days"
    assert d_share < 0, f"visit_share_county changed by {d_share:+.4f}"


# ----------------------------------------------------------------------------- timeline


def test_lever_switches_on_at_its_start_day_and_off_at_its_end_day():
    scenario = make_small({"policy.capacity.bed_scale": {"village": 1, "township": 1,
                                                         "county": 1, "city": 0.5,
                                                         "province": 1},
                           "policy.capacity.start_day": 20, "policy.capacity.end_day": 50})
    model = TieredCareModel(scenario).run()
    city = model.county.tier == 3
    beds = model.counters.beds[:, city].sum(axis=1)
    warmup = scenario.simulation.warmup_days
    before, during, after = beds[warmup + 19], beds[warmup + 20], beds[warmup + 50]
    assert during < before and after == before, (before, during, after)
    assert [(e["day"], e["switch"]) for e in model.timeline] == [(20, "on"), (50, "off")]


def test_in_force_uses_defaults_outside_the_window():
    scenario = make_small({"policy.contract_bonus.ratio_points": 0.2,
                           "policy.contract_bonus.start_day": 10})
    assert in_force(scenario.policy, 9).contract_bonus.ratio_points == 0.0
    assert in_force(scenario.policy, 10).contract_bonus.ratio_points == 0.2
    assert switch_days(scenario.policy) == [
        {"lever": "contract_bonus", "start_day": 10, "end_day": None}]


def test_every_lever_is_listed():
    names = set(levers(make_small().policy))
    assert {"reimbursement", "referral_incentives", "contract_bonus", "capitation",
            "family_doctor.campaign", "family_doctor.combination", "family_doctor.gatekeeping",
            "reserved_slots", "doctors_sent_down", "telemedicine", "county_services",
            "capacity"} <= names


# ----------------------------------------------------------------------------- scenario files

SCENARIO_FILES = sorted(p for p in (ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_scenario_file_validates_and_has_a_one_line_description(path: Path):
    loaded = load_scenario(path)
    description = loaded.scenario.description
    assert description and "\n" not in description
    assert loaded.scenario.name == path.stem


def test_readme_documents_every_lever_scenario():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in SCENARIO_FILES if p.name not in readme]
    assert not missing, f"README does not mention {missing}"


# ----------------------------------------------------------------------------- bad values

BAD = [
    ("policy.reimbursement.inpatient.city.ratio", 1.3, "1"),
    ("policy.reimbursement.outpatient.township.cap", -5, "0"),
    ("policy.referral_incentives.non_referral_penalty_inpatient.city", 2, "1"),
    ("policy.referral_incentives.cumulative_deductible", "sometimes", "true or false"),
    ("policy.contract_bonus.ratio_points", 1.5, "1"),
    ("policy.capitation.strength", -0.1, "0"),
    ("policy.family_doctor.campaign.intensity", 1.2, "1"),
    ("policy.family_doctor.campaign.duration_days", 0, "1"),
    ("policy.family_doctor.campaign.target_groups", ["aliens"], "elderly"),
    ("policy.family_doctor.combination.enabled", "maybe", "true or false"),
    ("policy.family_doctor.gatekeeping.adherence", 1.2, "1"),
    ("policy.reserved_slots.county", 1.5, "1"),
    ("policy.doctors_sent_down.doctors", -1, "0"),
    ("policy.doctors_sent_down.capability", 5, "4"),
    ("policy.telemedicine.tiers", ["county"], "village"),
    ("policy.telemedicine.services_added", ["cardiology"], "general"),
    ("policy.county_services.add", ["cardiology"], "stroke"),
    ("policy.capacity.bed_scale.city", -1, "0"),
    ("policy.capitation.start_day", "soon", "integer"),
]


@pytest.mark.parametrize(("key", "value", "allowed"), BAD, ids=[b[0] for b in BAD])
def test_bad_lever_value_is_rejected_with_key_path(tmp_path: Path, key: str, value: object,
                                                   allowed: str):
    data: dict = {}
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "bad.yaml" in message and key in message, message
    assert allowed in message, message


def test_end_day_before_start_day_is_rejected(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("policy:\n  telemedicine: {enabled: true, start_day: 50, end_day: 10}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="end_day"):
        load_scenario(path)


def test_unknown_lever_is_rejected_with_a_suggestion(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("policy:\n  telemedecine: {enabled: true}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="telemedicine"):
        load_scenario(path)


def test_fully_reserved_capacity_serves_only_referred_patients():
    scenario = make_small({"policy.reserved_slots.county": 1.0,
                           "policy.reserved_slots.city": 0.5})
    model = TieredCareModel(scenario).run()
    c, tier = model.counters, model.county.tier
    county, city = tier == 2, tier == 3
    assert c.unreferred[:, county].sum() == 0
    assert c.visits[:, county].sum() > 0  # referred patients are still seen
    # Patients without a referral get at most the open half of the city's daily slots.
    open_half = np.floor(c.outpatient_slots[:, city] * 0.5)
    assert (c.unreferred[:, city] <= open_half + np.floor(c.beds[:, city] * 0.5)).all()
