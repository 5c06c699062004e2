"""``tieredcare calibrate``: bad target files, resuming, recovering known parameters."""

from __future__ import annotations

from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml
from optuna.trial import TrialState
from typer.testing import CliRunner

from tests.conftest import ROOT
from tieredcare.calibration.objective import loss
from tieredcare.calibration.study import Settings, open_study, run_study
from tieredcare.calibration.targets import Target, load_targets
from tieredcare.cli import app
from tieredcare.config import ConfigError, load_scenario
from tieredcare.experiments.executors import SerialExecutor
from tieredcare.run import simulate

SMALL = ["population.residents=5000", "simulation.warmup_days=20",
         "simulation.horizon_days=60"]


def targets_file(tmp_path: Path, **changes) -> Path:
    """A small targets file next to a copy of the baseline scenario."""
    scenario = tmp_path / "county.yaml"
    scenario.write_text(yaml.safe_dump({
        "extends": str(ROOT / "scenarios" / "baseline.yaml"), "name": "small",
        "population": {"residents": 5000},
        "simulation": {"warmup_days": 20, "horizon_days": 60}}), encoding="utf-8")
    data = {"name": "small_fit", "scenario": "county.yaml",
            "targets": {"county_retention": {"value": 0.88, "sd": 0.02},
                        "visits_per_capita": {"value": 6.0, "low": 5.6, "high": 6.4}},
            "parameters": {"choice.travel": {"low": 0.5, "high": 3.0}}}
    data.update(changes)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


BAD = [
    ("unknown indicator", {"targets": {"county_retension": {"value": 0.9, "sd": 0.1}}},
     "targets.county_retension", "did you mean county_retention"),
    ("not a number", {"parameters": {"choice.cost_form": {"low": 0, "high": 1}}},
     "parameters.choice.cost_form", "not a number"),
    ("not a key", {"parameters": {"choice.speed": {"low": 0, "high": 1}}},
     "parameters.choice.speed", "not a key"),
    ("bound outside the field", {"parameters": {"choice.travel": {"low": 0.5, "high": 80}}},
     "parameters.choice.travel.high", "≤ 50"),
    ("low above high", {"parameters": {"choice.travel": {"low": 2, "high": 1}}},
     "parameters.choice.travel", "must be below"),
    ("sd not positive", {"targets": {"county_retention": {"value": 0.9, "sd": 0}}},
     "targets.county_retention.sd", "greater than 0"),
    ("value outside the indicator", {"targets": {"primary_share": {"value": 1.4, "sd": 0.1}}},
     "targets.primary_share.value", "0.0 to 1.0"),
    ("scale of a number", {"parameters": {"choice.travel": {"scale": [0.5, 2]}}},
     "parameters.choice.travel", "mapping or list"),
    ("unknown county", {"targets": {"county_retention@county=Anhe": {"value": 0.9,
                                                                      "sd": 0.1}}},
     "targets.county_retention@county=Anhe", "no county"),
    ("unreadable scenario", {"scenario": "missing.yaml"}, "scenario", "file not found"),
]


@pytest.mark.parametrize(("case", "change", "key", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_target_files_are_refused_before_any_trial(tmp_path: Path, case: str, change: dict,
                                                       key: str, words: str) -> None:
    path = targets_file(tmp_path, **change)
    with pytest.raises(ConfigError) as info:
        load_targets(path)
    assert any(p.key == key and words in p.message for p in info.value.problems), \
        info.value.problems
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not out.exists()


def test_the_loss_is_the_gaussian_likelihood_of_the_replicate_means() -> None:
    target = Target(value=1.0, sd=0.5)
    exact = loss({"x": target}, {"x": [1.0, 1.0]})
    # On target, only the normalising term is left; a miss of one sd adds one half.
    assert loss({"x": target}, {"x": [1.5, 1.5]}) == pytest.approx(exact + 0.5)
    assert loss({"x": target}, {"x": [1.4, 1.6]}) > exact
    assert loss({"x": target}, {"x": [float("nan"), 1.0]}) == float("inf")


def _complete(study: optuna.Study) -> list[tuple[dict, float]]:
    return [(t.params, t.value) for t in study.get_trials(states=(TrialState.COMPLETE,))]


def test_a_resumed_calibration_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    cal = load_targets(targets_file(tmp_path))
    straight = tmp_path / "straight"
    straight.mkdir()
    study = open_study(cal, straight, Settings(5, 2, 7), resume=False)
    run_study(cal, study, Settings(5, 2, 7), SerialExecutor())
    # Cut short after 2 trials, with a third left running as by kill -9 (asked with the
    # sampler the session would have used, so its parameters are those of trial 2).
    cut = tmp_path / "cut"
    cut.mkdir()
    first = open_study(cal, cut, Settings(2, 2, 7), resume=False)
    run_study(cal, first, Settings(2, 2, 7), SerialExecutor())
    first.sampler = optuna.samplers.TPESampler(seed=7 + 2, n_startup_trials=10)
    first.ask(dict(study.trials[2].distributions))
    again = open_study(cal, cut, Settings(5, 2, 7), resume=True)
    run_study(cal, again, Settings(5, 2, 7), SerialExecutor())
    assert _complete(again) == _complete(study)
    states = [t.state for t in again.trials]
    assert states.count(TrialState.COMPLETE) == 5 and states.count(TrialState.FAIL) == 1


def test_resuming_with_other_settings_is_refused(tmp_path: Path) -> None:
    cal = load_targets(targets_file(tmp_path))
    open_study(cal, tmp_path, Settings(2, 2, 7), resume=False)
    with pytest.raises(ConfigError, match="replicates"):
        open_study(cal, tmp_path, Settings(2, 3, 7), resume=True)


def test_calibration_recovers_a_known_travel_weight(tmp_path: Path) -> None:
    truth = 2.2
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml",
                             [*SMALL, f"choice.travel={truth}"]).scenario
    made = [simulate(scenario.model_copy(update={"seed": 11 + r})).summary for r in range(2)]
    observed = {k: sum(m[k] for m in made) / 2 for k in
                ("travel_minutes_per_contact", "primary_share", "county_retention")}
    path = targets_file(tmp_path, targets={
        "travel_minutes_per_contact": {"value": observed["travel_minutes_per_contact"],
                                       "sd": 0.15},
        "primary_share": {"value": observed["primary_share"], "sd": 0.005},
        "county_retention": {"value": observed["county_retention"], "sd": 0.005}})
    out = tmp_path / "fit"
    result = CliRunner().invoke(app, ["calibrate", str(path), "--trials", "14", "--replicates",
                                      "2", "--seed", "11", "--executor", "serial", "--quiet",
                                      "--ensemble", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    trials = pd.read_parquet(out / "trials.parquet")
    best = trials.loc[trials["loss"].idxmin(), "choice.travel"]
    assert best == pytest.approx(truth, abs=0.35)
    fit = pd.read_parquet(out / "fit.parquet")
    assert fit["inside"].all(), fit
    # best.yaml is a complete scenario; run with its seed it repeats the first replicate.
    best_run = simulate(load_scenario(out / "best.yaml").scenario).summary
    row = trials.loc[trials["loss"].idxmin()]
    assert abs(best_run["primary_share"] - row["primary_share:mean"]) < 0.01
    assert "Diagnostics" in (out / "fit.md").read_text(encoding="utf-8")
    again = CliRunner().invoke(app, ["reproduce", str(out)])
    assert again.exit_code == 0 and "1 of 1 runs reproduced exactly" in again.output


def test_the_shipped_targets_files_are_valid() -> None:
    for path in sorted((ROOT / "calibration").glob("*.yaml")):
        cal = load_targets(path)
        assert cal.spec.targets and cal.spec.parameters
