"""Searching the parameters with Optuna, in a study that lives in the output folder.

The study is kept in an append-only journal file (``study.journal``), so a calibration cut
short, even by ``kill -9``, resumes where it stopped: finished trials are kept, and a trial
that was running is marked failed and run again with the same parameters. The sampler is
Optuna's TPE, seeded afresh for each trial from the calibration seed and the number of
trials finished, so the same command on one worker gives the same study, interrupted or
not.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from tieredcare.calibration.objective import loss, replicate_tasks, run_replicate, summarise
from tieredcare.calibration.targets import Calibration
from tieredcare.config import ConfigError
from tieredcare.experiments.executors import Executor
from tieredcare.experiments.points import leaf_kind

JOURNAL = "study.journal"
STARTUP_TRIALS = 10
"""Trials sampled at random before TPE models the history."""


@dataclass(frozen=True)
class Settings:
    """What makes two sessions the same calibration (checked on resume)."""

    trials: int
    replicates: int
    seed: int

    def attrs(self, cal: Calibration) -> dict[str, object]:
        """What the study records of the calibration and its settings."""
        return {"replicates": self.replicates, "seed": self.seed,
                "parameters": sorted(cal.spec.parameters),
                "targets": sorted(cal.spec.targets)}


def open_study(cal: Calibration, folder: Path, settings: Settings, resume: bool
               ) -> optuna.Study:
    """Create the study in ``folder``, or load it to resume.

    Raises:
        ConfigError: If resuming a study made with other settings, parameters or targets.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(folder / JOURNAL)))
    study = optuna.create_study(study_name=cal.name, storage=storage, direction="minimize",
                                load_if_exists=resume)
    wanted = settings.attrs(cal)
    if study.user_attrs and study.user_attrs != wanted:
        changed = sorted(k for k in wanted if study.user_attrs.get(k) != wanted[k])
        raise ConfigError.one(str(cal.path), changed[0], "differs from the study being "
                              f"resumed in {folder} ({', '.join(changed)}); use a new --out")
    for key, value in wanted.items():
        study.set_user_attr(key, value)
    return study


def reclaim_running(study: optuna.Study) -> None:
    """Trials left running by a session that died: fail them and queue their parameters."""
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(trial.number, state=TrialState.FAIL)
        study.enqueue_trial(trial.params, skip_if_exists=False)


def finished(study: optuna.Study) -> int:
    """Trials that ended with a loss."""
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def run_study(cal: Calibration, study: optuna.Study, settings: Settings, executor: Executor,
              progress: Callable[[optuna.Study, int], None] | None = None) -> None:
    """Run trials until ``settings.trials`` have finished, a batch per pass of the workers.

    Args:
        cal: The calibration.
        study: Its study (new or resumed).
        settings: Trials, replicates and seed.
        executor: Where the replicate runs execute.
        progress: Called after each batch with the study and the trials finished.
    """
    reclaim_running(study)
    distributions = _distributions(cal)
    # Enough trials at once to keep every worker busy with their replicates.
    batch_size = -(-executor.workers // settings.replicates)
    while (done := finished(study)) < settings.trials:
        trials = []
        for k in range(min(batch_size, settings.trials - done)):
            study.sampler = optuna.samplers.TPESampler(
                seed=settings.seed + done + k, n_startup_trials=STARTUP_TRIALS)
            trials.append(study.ask(distributions))
        started = time.perf_counter()
        values, failures = _run_batch(cal, trials, settings, executor)
        seconds = (time.perf_counter() - started) / len(trials)
        for trial in trials:
            if trial.number in failures:
                trial.set_user_attr("error", failures[trial.number])
                study.tell(trial, state=TrialState.FAIL)
                continue
            for key, stat in summarise(values[trial.number]).items():
                trial.set_user_attr(key, stat)
            trial.set_user_attr("seconds", seconds)
            study.tell(trial, loss(cal.spec.targets, values[trial.number]))
        if progress is not None:
            progress(study, finished(study))
        if failures:
            number, error = next(iter(failures.items()))
            raise RuntimeError(f"trial {number} failed: {error}")


def _run_batch(cal: Calibration, trials: list[optuna.Trial], settings: Settings,
               executor: Executor) -> tuple[dict[int, dict[str, list[float]]], dict[int, str]]:
    """Run every replicate of a batch of trials.

    Returns:
        Trial number → target → its values in replicate order (whatever order the runs
        ended in), and trial number → why a replicate of it failed.
    """
    tasks = [task for t in trials
             for task in replicate_tasks(cal, t.number, t.params, settings.seed,
                                         settings.replicates)]
    by_replicate: dict[int, dict[int, dict[str, float]]] = defaultdict(dict)
    failures: dict[int, str] = {}
    for task, result in executor.map_unordered(run_replicate, tasks):
        if isinstance(result, BaseException):
            failures[task.trial] = f"{type(result).__name__}: {result}"
        else:
            by_replicate[task.trial][task.replicate] = result
    values = {number: {key: [runs[r][key] for r in sorted(runs)] for key in cal.spec.targets}
              for number, runs in by_replicate.items()}
    return values, failures


def _distributions(cal: Calibration) -> dict[str, optuna.distributions.BaseDistribution]:
    """Each parameter's search range (the value's, or the factor's for ``scale``)."""
    out: dict[str, optuna.distributions.BaseDistribution] = {}
    for key, p in cal.spec.parameters.items():
        low, high = p.range
        if p.scale is None and leaf_kind(key) == "int":
            out[key] = optuna.distributions.IntDistribution(int(low), int(high), log=p.log)
        else:
            out[key] = optuna.distributions.FloatDistribution(low, high, log=p.log)
    return out
