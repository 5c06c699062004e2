"""Sweeps over a calibration's ensemble: every point on every member, both parts of the
spread, paired differences between points, and the sweep machinery (executors, resume,
reproduce, charts) unchanged by the extra dimension."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from test_experiments import TINY_BASE, write
from test_experiments_runs import cli, sorted_summary

from tieredcare.atomic import write_parquet
from tieredcare.config import ConfigError, load_scenario
from tieredcare.experiments import (
    ProcessExecutor,
    SerialExecutor,
    analyze_sweep,
    prepare,
    reproduce,
    run_sweep,
)
from tieredcare.experiments.members import combine_members
from tieredcare.viz import load_results, plot_results
from tieredcare.viz.report import write_report

TRAVEL = "choice.travel"
ACUTE = "episodes.minor_acute_rate"
GAP = "policy.reimbursement.outpatient.township.ratio"
# Members that disagree on how much travel deters (0.5 or 3 × the default weight) and on
# how often minor illness starts: the county's totals differ a lot between them.
MEMBERS = {TRAVEL: [0.5, 3.0, 0.5, 3.0, 1.2], ACUTE: [0.8, 1.3, 0.8, 1.3, 1.0]}


def write_ensemble(folder: Path, values: dict[str, list[float]] = MEMBERS,
                   scale: tuple[str, ...] = (ACUTE,)) -> Path:
    """An ensemble folder as ``tieredcare calibrate`` leaves it (table and description)."""
    folder.mkdir(parents=True, exist_ok=True)
    size = len(next(iter(values.values())))
    write_parquet(folder / "ensemble.parquet", pd.DataFrame(
        {"member": np.arange(size), **values}))
    (folder / "ensemble.json").write_text(json.dumps({
        "method": "ABC-SMC", "members": size,
        "parameters": {key: {"scale": key in scale} for key in values}}), encoding="utf-8")
    return folder


def ensemble_sweep(folder: Path, extra: str = "", members: int = 4,
                   replicates: int = 3) -> Path:
    write(folder, "base.yaml", TINY_BASE)
    write_ensemble(folder / "cal" / "ensemble")
    return write(folder, "sweep.yaml", f"""\
base: base.yaml
seed: 11
replicates: {replicates}
design: grid
parameters: {{{GAP}: [0.3, 0.9]}}
overrides: {{simulation.horizon_days: 30}}
ensemble: {{folder: cal, members: {members}}}
{extra}""")


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ensemble_sweep")
    path = ensemble_sweep(folder)
    with SerialExecutor() as executor:
        report = run_sweep(prepare(path), executor, folder / "out")
    assert report.status == "complete"
    return path, folder / "out"


def test_every_point_runs_on_every_member(swept: tuple[Path, Path]) -> None:
    path, out = swept
    plan = prepare(path)
    runs = plan.runs
    assert len(runs) == 2 * 4 * 3 and list(runs.columns[:5]) == [
        "run_id", "point", "member", "replicate", "seed"]
    # Members 0 and 2 carry the same values, so their runs are the same runs.
    pairs = runs.set_index(["point", "member", "replicate"])["run_id"]
    assert (pairs.xs(0, level="member") == pairs.xs(2, level="member")).all()
    assert runs["run_id"].nunique() == 2 * 2 * 3  # two distinct members only
    # Running order: a full pass over points and members before the next seed.
    order = plan.unique_runs()
    assert order["replicate"].is_monotonic_increasing
    # The scenario each run was given, once validated, is the one its id fingerprints.
    for rid in runs["run_id"].unique():
        stored = json.loads((out / "runs" / rid / "summary.json").read_text(encoding="utf-8"))
        assert stored["config_hash"] == rid
    # Each run carries its member's values; the scale factor multiplies the base's rates.
    base = load_scenario(path.parent / "base.yaml").scenario
    row = runs[(runs["member"] == 1) & (runs["point"] == 1)].iloc[0]
    scenario = load_scenario(out / "runs" / row["run_id"] / "scenario.yaml").scenario
    assert scenario.choice.travel == 3.0
    assert scenario.policy.reimbursement.outpatient.township.ratio == 0.9
    for age, rate in scenario.episodes.minor_acute_rate.model_dump().items():
        assert rate == pytest.approx(1.3 * getattr(base.episodes.minor_acute_rate, age))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["ensemble"]["members"] == 4
    assert manifest["ensemble"]["parameters"] == sorted([ACUTE, TRAVEL])
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 24 * summary["indicator"].nunique()  # shared runs fill both rows


def test_aggregate_combines_parameter_and_seed_uncertainty(swept: tuple[Path, Path]) -> None:
    _, out = swept
    analysis = analyze_sweep(out)
    table = analysis.aggregate.set_index(["point", "indicator"])
    row = table.loc[(0, "primary_share")]
    assert row["members"] == 4 and row["n"] == 12
    summary = pd.read_parquet(out / "summary.parquet")
    values = summary[(summary["point"] == 0) & (summary["indicator"] == "primary_share")]
    means = values.groupby("member")["value"].mean()
    assert row["mean"] == pytest.approx(means.mean())
    # Members this different move the county far more than seeds do.
    assert row["parameter_sd"] > 5 * row["stochastic_sd"] > 0
    assert row["ci_low"] < row["seed_ci_low"] < row["mean"] < row["seed_ci_high"] < row[
        "ci_high"]
    defined = table.dropna(subset=["ci_low", "seed_ci_low"])
    assert (defined["ci_high"] - defined["ci_low"]
            >= defined["seed_ci_high"] - defined["seed_ci_low"] - 1e-12).all()


def test_differences_between_points_are_paired_by_member_and_seed(
        swept: tuple[Path, Path]) -> None:
    _, out = swept
    analysis = analyze_sweep(out)
    d = analysis.differences.set_index("indicator")
    assert set(analysis.differences["point"]) == {1}
    row = d.loc["primary_share"]
    level = analysis.aggregate.set_index(["point", "indicator"]).loc[(1, "primary_share")]
    assert row["difference"] == pytest.approx(row["point_mean"] - row["reference_mean"])
    # Cheaper township visits draw outpatients to primary care on every member.
    assert row["ci_low"] > 0
    # Pairing by member and seed removes most of the spread the levels carry.
    assert row["ci_high"] - row["ci_low"] < 0.5 * (level["ci_high"] - level["ci_low"])
    assert (out / "differences.parquet").is_file()


def test_combine_members_matches_the_formula() -> None:
    per_member = pd.DataFrame({"key": "x", "member": [0, 1, 2],
                               "mean": [1.0, 2.0, 3.0], "seed_variance": [0.3, 0.3, 0.3],
                               "replicates": [3, 3, 3]})
    (row,) = combine_members(per_member, ["key"], "mean").to_dict("records")
    assert row["mean"] == 2.0 and row["members"] == 3
    assert row["stochastic_sd"] == pytest.approx(np.sqrt(0.1))
    assert row["parameter_sd"] == pytest.approx(np.sqrt(1.0 - 0.1))
    seed_half = 4.302652729911275 * np.sqrt(0.1)  # t(0.975, 2 dof)
    half = np.hypot(seed_half, 1.959963984540054 * np.sqrt(0.9))
    assert row["ci_high"] - 2.0 == pytest.approx(half)
    assert row["seed_ci_high"] - 2.0 == pytest.approx(seed_half)


def test_executors_and_resume_give_the_same_sweep(swept: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    path, serial = swept
    plan = prepare(path)

    class StopAfter:
        def __init__(self, runs: int) -> None:
            self.left = runs

        def start(self, total: int, done: int) -> None:
            pass

        def advance(self, record: object) -> None:
            self.left -= 1
            if self.left == 0:
                raise KeyboardInterrupt

    out = tmp_path / "interrupted"
    with SerialExecutor() as executor, pytest.raises(KeyboardInterrupt):
        run_sweep(plan, executor, out, progress=StopAfter(5))
    with ProcessExecutor(workers=2) as executor:
        report = run_sweep(prepare(path), executor, out, resume=True)
    assert report.already_done == 5 and report.status == "complete"
    pd.testing.assert_frame_equal(sorted_summary(out), sorted_summary(serial))
    checks = reproduce(out, 2)
    assert len(checks) == 2 and all(check.matches for check in checks)


def test_charts_and_briefing_show_both_intervals(swept: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    _, out = swept
    results = load_results(out)
    assert results.parameters == [GAP]  # the member column is not a lever
    written = {p.name: p for p in plot_results(out, out_dir=tmp_path / "charts")}
    slug = GAP.removeprefix("policy.").replace(".", "_")
    for name in (f"lever_{slug}.png", f"lever_difference_{slug}.png"):
        assert written[name].stat().st_size > 10_000
    html = write_report(out, out=tmp_path / "report.html").read_text(encoding="utf-8")
    assert "4 ensemble members" in html and "paired difference from design point 0" in html
    assert "combines parameter uncertainty" in html


# ----------------------------------------------------------------------------- bad input


def _problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        prepare(path)
    return [(p.key, p.message) for p in info.value.problems]


def test_a_calibrated_value_cannot_be_swept_or_fixed(tmp_path: Path) -> None:
    path = ensemble_sweep(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        f"parameters: {{{GAP}: [0.3, 0.9]}}", f"parameters: {{{TRAVEL}: [1.0, 2.0]}}")
    text = text.replace("overrides: {", f"overrides: {{{ACUTE}.adult: 0.5, ")
    path.write_text(text, encoding="utf-8")
    problems = dict(_problems(path))
    assert "calibrated" in problems[f"parameters.{TRAVEL}"]
    assert "calibrated" in problems[f"overrides.{ACUTE}.adult"]


def test_bad_ensemble_settings_are_named(tmp_path: Path) -> None:
    path = ensemble_sweep(tmp_path, members=9, replicates=1)
    problems = dict(_problems(path))
    assert "allowed: 1 to 5" in problems["ensemble.members"]
    assert "at least 2 replicates" in problems["replicates"]
    text = path.read_text(encoding="utf-8").replace("folder: cal", "folder: nowhere")
    path.write_text(text, encoding="utf-8")
    (key, message), *_ = [p for p in _problems(path) if p[0] == "ensemble.folder"]
    assert "no ensemble here" in message
    code, output = cli("sweep", path, "--executor", "serial", "--quiet",
                       "--out", tmp_path / "never")
    assert code == 2 and "ensemble.folder" in output and "Traceback" not in output
    assert not (tmp_path / "never").exists()


def test_a_member_that_makes_a_point_invalid_is_reported(tmp_path: Path) -> None:
    path = ensemble_sweep(tmp_path)
    write_ensemble(tmp_path / "cal" / "ensemble", {TRAVEL: [1.0, -4.0]}, scale=())
    path.write_text(path.read_text(encoding="utf-8").replace("members: 4", "members: 2"),
                    encoding="utf-8")
    problems = _problems(path)
    assert problems and all(key == "ensemble" for key, _ in problems)
    assert "member 1" in problems[0][1] and "choice.travel" in problems[0][1]


def test_the_size_limit_counts_members(tmp_path: Path) -> None:
    path = ensemble_sweep(tmp_path)
    code, output = cli("sweep", path, "--max-runs", "20", "--quiet", "--out", tmp_path / "x")
    assert code == 2 and "× 4 ensemble members" in output


def test_a_sweep_without_ensemble_keeps_its_runs_and_hash(tmp_path: Path) -> None:
    path = ensemble_sweep(tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["ensemble"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    plan = prepare(path)
    assert "member" not in plan.runs.columns and len(plan.runs) == 6
    assert list(plan.runs.columns[:4]) == ["run_id", "point", "replicate", "seed"]


def test_compare_refuses_more_members_than_the_ensemble_has(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tieredcare.cli import app

    ensemble_sweep(tmp_path)
    base = tmp_path / "base.yaml"
    policy = write(tmp_path, "policy.yaml", TINY_BASE.replace("name: tiny", "name: policy"))
    runner = CliRunner()
    result = runner.invoke(app, ["compare", str(base), str(policy), "--ensemble",
                                 str(tmp_path / "cal"), "--members", "9", "--quiet",
                                 "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and "allowed: 2 to 5" in result.output
    result = runner.invoke(app, ["compare", str(base), str(policy), "--members", "3",
                                 "--quiet", "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and "only used with --ensemble" in result.output
    assert not (tmp_path / "never").exists()
