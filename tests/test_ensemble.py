"""The posterior ensemble (ABC-SMC) and comparisons over it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import ROOT
from tieredcare.calibration.ensemble import resample, write_ensemble
from tieredcare.calibration.members import load_ensemble
from tieredcare.calibration.posterior import AbcSettings, sample_posterior
from tieredcare.calibration.targets import load_targets
from tieredcare.cli import app
from tieredcare.config import load_scenario
from tieredcare.experiments.executors import make_executor

TINY = {"population": {"residents": 1500},
        "simulation": {"warmup_days": 0, "horizon_days": 30}}
SETTINGS = AbcSettings(population=12, generations=3, max_simulations=600, seed=5)


def tiny_calibration(tmp_path: Path, sd: float = 0.05) -> Path:
    """Two loose targets, one parameter, a county small enough for a test."""
    (tmp_path / "county.yaml").write_text(yaml.safe_dump({
        "extends": str(ROOT / "scenarios" / "baseline.yaml"), "name": "tiny", **TINY}),
        encoding="utf-8")
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tiny_fit", "scenario": "county.yaml",
        "targets": {"primary_share": {"value": 0.55, "sd": sd},
                    "county_retention": {"value": 0.88, "sd": sd}},
        "parameters": {"choice.travel": {"low": 0.5, "high": 3.0, "log": True}}}),
        encoding="utf-8")
    return path


def _ensemble(tmp_path: Path, executor: str, workers: int, members: int = 8) -> pd.DataFrame:
    cal = load_targets(tiny_calibration(tmp_path))
    folder = tmp_path / f"ens_{executor}"
    with make_executor(executor, workers, None) as pool:
        history = sample_posterior(cal, folder, SETTINGS, pool)
    return write_ensemble(cal, history, folder, SETTINGS, members)


def test_the_ensemble_is_the_same_on_any_executor(tmp_path: Path) -> None:
    serial = _ensemble(tmp_path, "serial", 1)
    pooled = _ensemble(tmp_path, "processes", 2)
    pd.testing.assert_frame_equal(serial, pooled)
    assert len(serial) == 8
    assert serial["choice.travel"].between(0.5, 3.0).all()
    # Each member is a complete scenario carrying its parameter value.
    member = load_scenario(tmp_path / "ens_serial" / "member_003.yaml").scenario
    assert member.choice.travel == pytest.approx(serial.loc[3, "choice.travel"])


def test_systematic_resampling_follows_the_weights() -> None:
    weights = np.array([0.5, 0.25, 0.25, 0.0])
    picked = resample(weights, 1000, seed=1)
    counts = np.bincount(picked, minlength=4)
    assert counts.tolist() == [500, 250, 250, 0]  # systematic: exact to one draw


def test_ensemble_intervals_are_wider_than_seed_only_ones(tmp_path: Path) -> None:
    _ensemble(tmp_path, "serial", 1, members=6)
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump({
        "extends": "county.yaml", "name": "wider_gap",
        "policy": {"reimbursement": {"inpatient": {"city": {"ratio": 0.3}}}}}),
        encoding="utf-8")
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, [
        "compare", str(tmp_path / "county.yaml"), str(policy), "--replicates", "3",
        "--ensemble", str(tmp_path / "ens_serial"), "--members", "4", "--workers", "1",
        "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "compare.parquet").dropna(subset=["ci_low"])
    width = table["ci_high"] - table["ci_low"]
    seed_width = table["seed_ci_high"] - table["seed_ci_low"]
    assert (width >= seed_width - 1e-12).all()
    # Where the effect varies across members, the ensemble interval is the wider one.
    moved = table[table["parameter_sd"] > 0.1 * table["stochastic_sd"]]
    assert not moved.empty and ((moved["ci_high"] - moved["ci_low"])
                                > (moved["seed_ci_high"] - moved["seed_ci_low"])).all()
    assert set(table["members"]) == {4}
    members = pd.read_parquet(out / "compare_members.parquet")
    assert sorted(members["member"].unique()) == [0, 1, 2, 3]
    assert "ensemble members" in (out / "compare.md").read_text(encoding="utf-8")


def test_a_policy_may_not_change_a_calibrated_value(tmp_path: Path) -> None:
    _ensemble(tmp_path, "serial", 1, members=2)
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({"extends": "county.yaml", "name": "other",
                                     "choice": {"travel": 2.9}}), encoding="utf-8")
    result = CliRunner().invoke(app, [
        "compare", str(tmp_path / "county.yaml"), str(other), "--replicates", "2",
        "--ensemble", str(tmp_path / "ens_serial"), "--quiet", "--out", str(tmp_path / "c")])
    assert result.exit_code == 2
    assert "choice.travel" in result.output and "calibrated" in result.output
    assert not (tmp_path / "c").exists()


def test_a_folder_without_an_ensemble_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no ensemble here"):
        load_ensemble(tmp_path)


def _stop_at(generation: int):
    def progress(t: int, runs: int) -> None:
        if t == generation:
            raise KeyboardInterrupt
    return progress


def test_a_resumed_ensemble_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    cal = load_targets(tiny_calibration(tmp_path, sd=0.01))  # tight: several generations
    with make_executor("serial", 1, None) as pool:
        whole = sample_posterior(cal, tmp_path / "whole", SETTINGS, pool)
        with pytest.raises(KeyboardInterrupt):  # stopped in the third generation
            sample_posterior(cal, tmp_path / "cut", SETTINGS, pool, progress=_stop_at(2))
        resumed = sample_posterior(cal, tmp_path / "cut", SETTINGS, pool, resume=True)
    assert resumed.max_t == whole.max_t == 2  # three generations, the last after resuming
    a, wa = whole.get_distribution(m=0, t=whole.max_t)
    b, wb = resumed.get_distribution(m=0, t=resumed.max_t)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    np.testing.assert_array_equal(wa, wb)


def _not_blank(png: Path) -> bool:
    from matplotlib.image import imread

    pixels = imread(png)
    return png.stat().st_size > 10_000 and float(pixels[..., :3].std()) > 0.02


def test_a_calibration_folder_has_its_charts_and_briefing(tmp_path: Path) -> None:
    out = tmp_path / "fit"
    result = CliRunner().invoke(app, [
        "calibrate", str(tiny_calibration(tmp_path)), "--trials", "4", "--replicates", "2",
        "--ensemble", "12", "--generations", "2", "--executor", "serial", "--quiet",
        "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "## Ensemble" in (out / "fit.md").read_text(encoding="utf-8")
    plotted = CliRunner().invoke(app, ["plot", str(out)])
    assert plotted.exit_code == 0, plotted.output
    for name in ("fit", "trial_history", "ensemble_pairs"):
        assert _not_blank(out / "figures" / f"{name}.png"), name
    briefing = CliRunner().invoke(app, ["report", str(out), "--lang", "zh"])
    assert briefing.exit_code == 0, briefing.output
    html = (out / "report_zh.html").read_text(encoding="utf-8")
    assert "参数校准" in html and "data:image/png;base64" in html
    # A comparison on the ensemble draws both intervals.
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump({"extends": "county.yaml", "name": "gap", "policy": {
        "reimbursement": {"inpatient": {"city": {"ratio": 0.3}}}}}), encoding="utf-8")
    compared = CliRunner().invoke(app, [
        "compare", str(tmp_path / "county.yaml"), str(policy), "--replicates", "2",
        "--ensemble", str(out), "--members", "3", "--workers", "1", "--quiet",
        "--out", str(tmp_path / "cmp")])
    assert compared.exit_code == 0, compared.output
    assert CliRunner().invoke(app, ["plot", str(tmp_path / "cmp")]).exit_code == 0
    assert _not_blank(tmp_path / "cmp" / "figures" / "paired_differences.png")


def test_each_member_scales_the_scenario_s_own_values(tmp_path: Path) -> None:
    from tieredcare.calibration.members import Ensemble
    from tieredcare.compare_ensemble import member_jobs

    loaded = [load_scenario(ROOT / "scenarios" / "baseline.yaml", ["population.residents=500"])]
    base = loaded[0].scenario.episodes.minor_acute_rate.model_dump()
    factors = [0.9, 1.1, 1.2]
    ensemble = Ensemble(tmp_path, pd.DataFrame({"member": [0, 1, 2],
                                                "episodes.minor_acute_rate": factors}),
                        {"episodes.minor_acute_rate": True})
    jobs = member_jobs(loaded, [1], ensemble, 3)
    for job, factor in zip(jobs, factors, strict=True):
        rates = job.scenario.episodes.minor_acute_rate.model_dump()
        assert rates == pytest.approx({k: v * factor for k, v in base.items()})


def test_a_member_that_makes_a_scenario_invalid_is_reported_not_raised(tmp_path: Path) -> None:
    from tieredcare.calibration.members import Ensemble
    from tieredcare.compare_ensemble import member_jobs
    from tieredcare.config import ConfigError

    loaded = [load_scenario(ROOT / "scenarios" / "baseline.yaml", ["population.residents=500"])]
    ensemble = Ensemble(tmp_path, pd.DataFrame({"member": [0, 1, 2],
                                                "episodes.minor_acute_rate": [1.0, -1.0, 1.1]}),
                        {"episodes.minor_acute_rate": True})
    with pytest.raises(ConfigError) as caught:
        member_jobs(loaded, [1], ensemble, 3)
    problems = caught.value.problems
    assert len(problems) == 1  # member 1 alone
    assert problems[0].file == str(tmp_path) and "member 1" in problems[0].message
    assert "episodes.minor_acute_rate" in problems[0].message
    assert len(member_jobs(loaded, [1], ensemble, 1)) == 1  # member 0 alone is fine


def test_a_finished_model_is_freed() -> None:
    """Long-lived workers run thousands of models; none may stay in memory after its run."""
    import gc
    import weakref

    from tieredcare.model import TieredCareModel

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml", [
        "population.residents=500", "simulation.warmup_days=0",
        "simulation.horizon_days=3"]).scenario
    model = TieredCareModel(scenario).run()
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
