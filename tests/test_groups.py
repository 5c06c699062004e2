"""Indicators by group: groups add up to the totals, which match the county-wide indicators."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import BASELINE, make_small
from tieredcare.compare import compare
from tieredcare.config import LoadedScenario, load_scenario
from tieredcare.groups import GROUP_INDICATORS
from tieredcare.model import TieredCareModel
from tieredcare.run import collect

DIMENSIONS = {"income", "age", "age_45_plus", "scheme", "chronic", "township", "distance",
              "severity"}


@pytest.fixture(scope="module")
def output():
    return collect(TieredCareModel(make_small({"simulation.horizon_days": 120})).run())


def test_every_indicator_is_reported_for_every_dimension(output) -> None:
    g = output.groups
    assert set(g["dimension"]) == DIMENSIONS | {"all"}
    assert set(g["indicator"]) == {ind.name for ind in GROUP_INDICATORS}
    assert list(g[g["dimension"] == "income"]["group"].unique()) == ["low", "middle", "high"]
    assert set(g[g["dimension"] == "township"]["group"]) == {"T01", "T02", "T03", "T04"}
    assert not g.duplicated(["indicator", "dimension", "group"]).any()


def test_group_values_add_up_to_the_totals(output) -> None:
    g = output.groups
    total = g[g["dimension"] == "all"].set_index("indicator")
    per_resident = {ind.name for ind in GROUP_INDICATORS if ind.per_resident}
    for (indicator, dimension), rows in g[g["dimension"] != "all"].groupby(
            ["indicator", "dimension"]):
        assert rows["numerator"].sum() == pytest.approx(total.loc[indicator, "numerator"]), \
            (indicator, dimension)
        if dimension == "severity" and indicator in per_resident:
            # Per resident by severity: every severity is over all residents.
            assert (rows["denominator"] == total.loc[indicator, "denominator"]).all()
        else:
            assert rows["denominator"].sum() == pytest.approx(
                total.loc[indicator, "denominator"]), (indicator, dimension)
    # 45+ is the sum of the 45-64 and 65+ bands.
    age = g[(g["dimension"] == "age") & (g["indicator"] == "visits_per_capita")]
    older = g[(g["dimension"] == "age_45_plus") & (g["group"] == "45+")
              & (g["indicator"] == "visits_per_capita")]
    assert older["numerator"].item() == pytest.approx(
        age[age["group"].isin(["45-64", "65+"])]["numerator"].sum())


def test_group_totals_are_the_county_wide_indicators(output) -> None:
    total = output.groups[output.groups["dimension"] == "all"].set_index("indicator")["value"]
    # Sums of float32 payments differ from float64 sums in the 7th digit.
    shared = [name for name in total.index if name in output.summary]
    assert len(shared) >= 15
    for name in shared:
        a, b = total[name], output.summary[name]
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-6), name


def test_equity_indicators_have_sensible_values(output) -> None:
    s = output.summary
    assert 0 < s["bypass_45_plus"] < 1
    assert 5 < s["travel_minutes_per_contact"] < 120
    for name in ("concentration_primary_use", "concentration_hospital_use"):
        assert -1 < s[name] < 1
    g = output.groups
    severity = g[(g["dimension"] == "severity") & g["indicator"].str.startswith(
        "treated_share_")]
    # Where each severity is treated: the tiers' shares add up to one per severity.
    sums = severity.groupby("group")["value"].sum()
    assert np.allclose(sums.to_numpy(), 1.0)
    village = severity[severity["indicator"] == "treated_share_village"].set_index("group")
    assert village.loc["1", "value"] > village.loc["3", "value"]  # clinics treat minor illness


def test_compare_gives_paired_differences_by_group(tmp_path: Path) -> None:
    small = {"simulation.horizon_days": 60, "population.residents": 12_000}
    scenarios = []
    for name, extra in (("base", {}), ("free_primary", {
            "policy.reimbursement.outpatient.village": {"ratio": 1.0},
            "policy.reimbursement.outpatient.township": {"ratio": 1.0}})):
        sc = make_small({**small, **extra}).model_copy(update={"name": name})
        scenarios.append(LoadedScenario(sc, None, tmp_path))
    compare(scenarios, 3, tmp_path / "cmp", workers=1)
    runs = pd.read_parquet(tmp_path / "cmp" / "groups.parquet")
    assert set(runs["scenario"]) == {"base", "free_primary"} and runs["replicate"].nunique() == 3
    table = pd.read_parquet(tmp_path / "cmp" / "compare_groups.parquet")
    low = table[(table["indicator"] == "oop_per_episode") & (table["dimension"] == "income")
                & (table["group"] == "low")].iloc[0]
    assert low["replicates"] == 3 and low["ci_low"] <= low["difference"] <= low["ci_high"]
    assert low["difference"] < 0  # free primary care lowers what the poor pay per episode


def test_peak_memory_per_resident_stays_within_200_bytes() -> None:
    residents = 200_000
    scenario = load_scenario(BASELINE, [f"population.residents={residents}",
                                        "simulation.warmup_days=20",
                                        "simulation.horizon_days=60"]).scenario
    tracemalloc.start()
    try:
        collect(TieredCareModel(scenario).run())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / residents <= 200, f"{peak / residents:.0f} B per resident at peak"


def test_a_sweep_consolidates_the_group_tables(tmp_path: Path) -> None:
    from tests.test_experiments import tiny_sweep
    from tieredcare.experiments import SerialExecutor, prepare, run_sweep

    path = tiny_sweep(tmp_path, "design: grid\nreplicates: 2\n"
                                "parameters: {choice.cost: [0.4, 0.8]}\n")
    with SerialExecutor() as executor:
        report = run_sweep(prepare(path), executor, tmp_path / "sweep")
    assert report.status == "complete"
    table = pd.read_parquet(tmp_path / "sweep" / "groups.parquet")
    assert table["run_id"].nunique() == 4
    per_run = table.groupby("run_id").size()
    assert per_run.nunique() == 1 and per_run.iloc[0] > 100
    assert {"point", "replicate", "seed", "indicator", "dimension", "group", "value"} <= set(
        table.columns)
