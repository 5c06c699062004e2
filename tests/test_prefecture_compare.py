"""``tieredcare compare`` of prefecture scenarios: each county's paired differences."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from tests.conftest import ROOT
from tieredcare.cli import app
from tieredcare.compare import CONFIDENCE, COUNTY_DIFFERENCES, COUNTY_HEADLINE

PREFECTURE = ROOT / "scenarios" / "prefecture.yaml"
COUNTIES = ["Anhe", "Baishan", "urban_district", "Dongxi", "Chuanhe"]
SMALL = ["population.residents=60000", "simulation.warmup_days=10",
         "simulation.horizon_days=30"]
REPLICATES = 2


def _beds_cut_in_anhe(folder: Path) -> Path:
    """The prefecture with Anhe's county hospital beds cut to a fifth, as its own file.

    ``extends`` replaces lists whole, so the file restates every county (map tables made
    absolute, since the file lives elsewhere).
    """
    data = yaml.safe_load(PREFECTURE.read_text(encoding="utf-8"))
    data["name"] = "anhe_beds_cut"
    for county in data["world"]["counties"]:
        tables = county["map"].get("tables", {})
        for key, path in tables.items():
            tables[key] = str((PREFECTURE.parent / path).resolve())
    data["world"]["counties"][0]["policy"] = {"capacity": {"bed_scale": {"county": 0.2}}}
    path = folder / "anhe_beds_cut.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Folder and printed output of ``tieredcare compare`` of the two, small and short."""
    folder = tmp_path_factory.mktemp("prefecture_compare")
    args = ["compare", str(PREFECTURE), str(_beds_cut_in_anhe(folder)),
            "--replicates", str(REPLICATES), "--workers", "1", "--quiet",
            "--out", str(folder / "out")]
    for item in SMALL:
        args += ["--set", item]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return folder / "out", result.stdout


def test_county_differences_are_the_paired_differences_of_each_county(comparison) -> None:
    folder, _ = comparison
    table = pd.read_parquet(folder / COUNTY_DIFFERENCES)
    assert list(table.columns) == ["scenario", "county", "indicator", "replicates",
                                   "baseline_mean", "scenario_mean", "difference", "ci_low",
                                   "ci_high"]
    assert set(table["scenario"]) == {"anhe_beds_cut"}
    assert list(dict.fromkeys(table["county"])) == COUNTIES
    assert set(COUNTY_HEADLINE) <= set(table["indicator"])
    # Recompute from every run's group table: per seed scenario − baseline, then the mean
    # and its t-interval over the replicates (the seeds are common to both scenarios).
    groups = pd.read_parquet(folder / "groups.parquet")
    values = groups[groups["dimension"] == "county"].pivot_table(
        index=["group", "indicator", "replicate"], columns="scenario", values="value")
    for _, row in table[table["indicator"].isin(COUNTY_HEADLINE)].iterrows():
        pair = values.loc[(row["county"], row["indicator"])]
        d = (pair["anhe_beds_cut"] - pair["prefecture"]).to_numpy()
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        assert row["replicates"] == REPLICATES
        assert row["baseline_mean"] == pytest.approx(pair["prefecture"].mean())
        assert row["difference"] == pytest.approx(d.mean(), abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            (d.mean() - half, d.mean() + half), abs=1e-12)


def test_the_county_with_the_cut_loses_most_inpatients(comparison) -> None:
    folder, _ = comparison
    table = pd.read_parquet(folder / COUNTY_DIFFERENCES).set_index(["indicator", "county"])
    inpatient = table.loc["inpatient_county_retention"]
    # Its county hospitals turn most inpatients away (a drop of about 25 points), while
    # the other counties' change is a few points at most: the rows belong to their county.
    assert inpatient.loc["Anhe", "difference"] < -0.1
    assert inpatient["difference"].drop("Anhe").abs().max() < 0.1


def test_compare_prints_and_writes_the_county_table(comparison) -> None:
    folder, printed = comparison
    assert "Paired differences from prefecture by county (95 % CI)" in printed
    table = pd.read_parquet(folder / COUNTY_DIFFERENCES).set_index(["county", "indicator"])
    lines = printed.splitlines()
    for county in COUNTIES:
        [line] = [k for k, text in enumerate(lines) if re.match(rf"│ {county}\s", text)]
        baseline, scenario = lines[line], lines[line + 1]
        assert "│ prefecture " in baseline and "│ anhe_beds_cut " in scenario
        # Each headline indicator's difference, in the format of the indicators' table.
        for key in COUNTY_HEADLINE:
            difference = table.loc[(county, key), "difference"]
            shown = ("−" if difference < 0 else "+") + f"{abs(difference):.1%}"
            assert shown in scenario, (county, key, scenario)
    markdown = (folder / "compare.md").read_text(encoding="utf-8")
    assert "## By county" in markdown
    assert "| Anhe | inpatient_county_retention | anhe_beds_cut |" in markdown
