"""What a calibration leaves in its folder: the trials, the best scenario, the fit.

- ``trials.parquet``: every trial: number, state, parameters, loss, each target's
  replicate mean and standard deviation;
- ``best.yaml``: the best trial's scenario, complete (``tieredcare run`` accepts it);
- ``fit.parquet`` and ``fit.md``: per target, its value and interval, the fitted mean and
  replicate spread, and whether it lies inside; with the diagnostics below;
- ``manifest.json``: enough to run the calibration again.

Diagnostics: targets whose fitted mean lies outside their interval; parameters whose best
value sits at a bound (within 2 % of the range: the targets want more room); parameters
the targets barely move (no target's rank correlation with the parameter over the
finished trials reaches 0.2: the targets do not identify it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from optuna.trial import TrialState
from scipy.stats import spearmanr

from tieredcare.atomic import atomic_write_text, write_parquet
from tieredcare.calibration.objective import scenario_data
from tieredcare.calibration.targets import Calibration
from tieredcare.config import Scenario, dump_yaml

AT_BOUND = 0.02
"""Share of a parameter's range within which a best value counts as at a bound."""
WEAK = 0.2
"""Rank correlation below which a parameter counts as barely moving every target."""


def trials_table(cal: Calibration, study: optuna.Study) -> pd.DataFrame:
    """Every trial of the study, one row each."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, object] = {"trial": t.number, "state": t.state.name, "loss": t.value}
        row |= {key: t.params.get(key) for key in cal.spec.parameters}
        row |= {key: t.user_attrs.get(key) for key in _stat_columns(cal)}
        rows.append(row)
    return pd.DataFrame(rows)


def _stat_columns(cal: Calibration) -> list[str]:
    return [f"{key}:{stat}" for key in cal.spec.targets for stat in ("mean", "sd")]


@dataclass(frozen=True)
class Diagnostics:
    """What the fit says about the targets and the parameters."""

    missed: list[str]
    at_bound: list[str]
    weak: list[str]


def fit_table(cal: Calibration, best: optuna.trial.FrozenTrial) -> pd.DataFrame:
    """Per target: value, interval, fitted mean and spread, inside or not."""
    rows = []
    for key, target in cal.spec.targets.items():
        low, high = target.interval
        mean = best.user_attrs[f"{key}:mean"]
        rows.append({"target": key, "value": target.value, "low": low, "high": high,
                     "weight": target.weight, "fitted": mean,
                     "replicate_sd": best.user_attrs[f"{key}:sd"],
                     "inside": bool(low <= mean <= high)})
    return pd.DataFrame(rows)


def diagnose(cal: Calibration, trials: pd.DataFrame, fit: pd.DataFrame,
             best: optuna.trial.FrozenTrial) -> Diagnostics:
    """Targets missed, parameters at a bound, parameters the targets barely move."""
    missed = list(fit.loc[~fit["inside"], "target"])
    at_bound = []
    for key, p in cal.spec.parameters.items():
        low, high = p.range
        x = best.params[key]
        if min(x - low, high - x) <= AT_BOUND * (high - low):
            at_bound.append(key)
    done = trials[trials["state"] == TrialState.COMPLETE.name]
    weak = []
    if len(done) >= 5:
        for key in cal.spec.parameters:
            rhos = [_rank_correlation(done[key], done[f"{t}:mean"]) for t in cal.spec.targets]
            if max(rhos) < WEAK:
                weak.append(key)
    return Diagnostics(missed, at_bound, weak)


def _rank_correlation(x: pd.Series, y: pd.Series) -> float:
    if x.nunique() < 2 or y.nunique() < 2:
        return 0.0
    return float(abs(spearmanr(x, y).statistic))


def fit_markdown(cal: Calibration, fit: pd.DataFrame, best: optuna.trial.FrozenTrial,
                 diagnostics: Diagnostics, finished: int) -> str:
    """``fit.md``: the fit table, the best parameters and the diagnostics."""
    lines = [f"# Calibration {cal.name}", "",
             f"Best of {finished} finished trials: trial {best.number}, loss {best.value:.3f} "
             "(Gaussian negative log-likelihood of the replicate means).", "",
             "| target | value | low | high | fitted | replicate sd | inside |",
             "|---|---:|---:|---:|---:|---:|:---:|"]
    for r in fit.itertuples():
        lines.append(f"| {r.target} | {r.value:.4g} | {r.low:.4g} | {r.high:.4g} | "
                     f"{r.fitted:.4g} | {r.replicate_sd:.3g} | {'yes' if r.inside else 'no'} |")
    lines += ["", "| parameter | best | low | high |", "|---|---:|---:|---:|"]
    for key, p in cal.spec.parameters.items():
        low, high = p.range
        name = f"{key} (factor)" if p.scale is not None else key
        lines.append(f"| {name} | {best.params[key]:.4g} | {low:.4g} | {high:.4g} |")
    lines += ["", "## Diagnostics", ""]
    lines += _listed("Targets not met (fitted mean outside the interval)", diagnostics.missed)
    lines += _listed("Parameters at a bound (the targets may want a wider range)",
                     diagnostics.at_bound)
    lines += _listed(f"Parameters the targets barely move (every rank correlation < {WEAK}; "
                     "not identified by these targets)", diagnostics.weak)
    return "\n".join(lines) + "\n"


def _listed(title: str, items: list[str]) -> list[str]:
    return [f"- {title}: {', '.join(items) if items else 'none'}"]


def ensemble_markdown(summary: pd.DataFrame, members: int) -> str:
    """The ensemble's section of ``fit.md``: posterior means and 95 % ranges."""
    lines = ["", "## Ensemble", "",
             f"{members} members sampled from the posterior by ABC-SMC (see ensemble/"
             "ensemble.json for the generations). Targets: the members' simulated values.", "",
             "| | mean | 2.5 % | 97.5 % | target interval |", "|---|---:|---:|---:|---:|"]
    for r in summary.itertuples():
        interval = f"{r.target_low:.4g}–{r.target_high:.4g}" if r.kind == "target" else ""
        lines.append(f"| {r.name} | {r.mean:.4g} | {r.low:.4g} | {r.high:.4g} | {interval} |")
    return "\n".join(lines) + "\n"


def write_results(cal: Calibration, study: optuna.Study, folder: Path,
                  ensemble: pd.DataFrame | None = None) -> tuple[pd.DataFrame, Diagnostics]:
    """Write the tables, the best scenario and the fit report of a calibration.

    ``ensemble`` (the members' table, if sampled) adds its section to ``fit.md``.

    Returns:
        The fit table and the diagnostics.
    """
    trials = trials_table(cal, study)
    write_parquet(folder / "trials.parquet", trials)
    best = study.best_trial
    scenario = Scenario.model_validate(scenario_data(cal, best.params))
    # The seed of the trial's first replicate: `tieredcare run best.yaml` repeats that run.
    scenario = scenario.model_copy(update={
        "seed": int(study.user_attrs["seed"]), "name": f"{cal.name}_best",
        "description": f"Best fit of calibration {cal.name} (trial {best.number})"})
    atomic_write_text(folder / "best.yaml", dump_yaml(scenario))
    fit = fit_table(cal, best)
    write_parquet(folder / "fit.parquet", fit)
    diagnostics = diagnose(cal, trials, fit, best)
    finished = int(np.sum(trials["state"] == TrialState.COMPLETE.name))
    report = fit_markdown(cal, fit, best, diagnostics, finished)
    if ensemble is not None:
        from tieredcare.calibration.members import posterior_summary

        report += ensemble_markdown(posterior_summary(cal, ensemble), len(ensemble))
    atomic_write_text(folder / "fit.md", report)
    return fit, diagnostics
