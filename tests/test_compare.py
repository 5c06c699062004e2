"""Paired comparisons: common random numbers give narrower intervals than independent runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_small
from tieredcare.compare import compare, paired_differences
from tieredcare.config import LoadedScenario

GAP = {"policy.reimbursement.inpatient.township.ratio": 0.95,
       "policy.reimbursement.inpatient.city.ratio": 0.35,
       "policy.reimbursement.outpatient.township.ratio": 0.9}


def _loaded(name: str, overrides: dict) -> LoadedScenario:
    scenario = make_small(overrides).model_copy(update={"name": name})
    return LoadedScenario(scenario=scenario, path=None, base_dir=Path.cwd())


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    out = tmp_path_factory.mktemp("compare") / "gap"
    table = compare([_loaded("base", {}), _loaded("gap", GAP)], replicates=5, out_dir=out,
                    workers=2)
    return table, out


def test_paired_interval_is_narrower_than_unpaired(comparison):
    table, _ = comparison
    rows = table.set_index("indicator")
    for name in ("county_retention", "inpatient_county_retention", "primary_share",
                 "oop_per_episode"):
        r = rows.loc[name]
        paired = r["ci_high"] - r["ci_low"]
        unpaired = r["unpaired_ci_high"] - r["unpaired_ci_low"]
        assert paired < unpaired, f"{name}: paired width {paired:.5f}, unpaired {unpaired:.5f}"
    widths = (rows["ci_high"] - rows["ci_low"]) / (rows["unpaired_ci_high"]
                                                   - rows["unpaired_ci_low"])
    assert np.nanmedian(widths) < 0.7, f"median width ratio {np.nanmedian(widths):.2f}"


def test_compare_folder_has_tables_and_manifest(comparison):
    table, out = comparison
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 10 and set(runs["scenario"]) == {"base", "gap"}
    # The same five seeds for both scenarios: common random numbers.
    seeds = runs.groupby("scenario")["seed"].apply(sorted)
    assert seeds["base"] == seeds["gap"]
    series = pd.read_parquet(out / "timeseries.parquet")
    assert len(series) == 10 * 90 and {"scenario", "replicate", "day"} <= set(series.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "compare" and manifest["baseline"] == "base"
    assert len(manifest["seeds"]) == 5
    assert "| primary_share | gap |" in (out / "compare.md").read_text()
    # One county: no per-county table (see tests/test_prefecture_compare.py).
    assert not (out / "compare_counties.parquet").exists()
    assert "By county" not in (out / "compare.md").read_text()
    finite = table.dropna(subset=["ci_low", "difference"])
    assert (finite["ci_low"] <= finite["difference"]).all()


def test_paired_differences_match_a_hand_computation():
    runs = pd.DataFrame({"scenario": ["b"] * 3 + ["s"] * 3, "replicate": [0, 1, 2] * 2,
                         "seed": [1, 2, 3] * 2, "x": [1.0, 2.0, 3.0, 2.0, 2.5, 4.5]})
    row = paired_differences(runs, "b").iloc[0]
    d = np.array([1.0, 0.5, 1.5])
    half = 4.302652729911275 * d.std(ddof=1) / np.sqrt(3)  # t(0.975, df=2)
    assert row["difference"] == pytest.approx(1.0)
    assert row["ci_low"] == pytest.approx(1.0 - half)
    assert row["ci_high"] == pytest.approx(1.0 + half)


def test_compare_command_end_to_end(tmp_path: Path):
    base = tmp_path / "base.yaml"
    base.write_text("name: base\nsimulation: {warmup_days: 10, horizon_days: 30}\n"
                    "world: {townships: 3, villages_per_township: 4}\n"
                    "population: {residents: 8000}\n", encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text("extends: base.yaml\nname: other\ndescription: bonus\n"
                     "policy:\n  contract_bonus: {ratio_points: 0.2}\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "tieredcare"
    done = subprocess.run([str(exe), "compare", str(base), str(other), "--replicates", "2",
                           "--workers", "1", "--quiet", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Paired differences" in done.stdout
    assert (tmp_path / "out" / "compare.parquet").exists()


def test_compare_rejects_duplicate_names(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_text("name: same\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "tieredcare"
    done = subprocess.run([str(exe), "compare", str(path), str(path), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "names must differ" in done.stderr and "Traceback" not in done.stderr
