"""The ensemble: parameter sets consistent with the targets, sampled by ABC-SMC (pyabc).

Method: approximate Bayesian computation by sequential Monte Carlo with pyabc's stochastic
acceptor and temperature schedule ("noisy ABC"). The targets are read as Gaussian
observations of the county, ``y_i ~ N(s_i(θ, ω), sd_i² / w_i)``, where ``s(θ, ω)`` is one
simulated year with parameters θ and seed ω, and ``w_i`` the target's weight. The
acceptance probability is the Gaussian density relative to its maximum, raised to
``1 / T``; the temperature ``T`` falls generation by generation to 1, where the weighted
population samples the posterior ``p(θ | y) ∝ p(θ) · E_ω N(y; s(θ, ω), Σ)`` without an
ε-approximation. The prior is uniform on each parameter's range (log-uniform with
``log: true``). Seed-to-seed noise of the model is part of the likelihood, so it widens
the posterior as it should.

Reproducible on any executor: every evaluation (one proposal, one simulated year) seeds
numpy from the calibration seed, the generation and its index in the generation; a batch of
proposals is evaluated in any order and accepted in index order, so the population depends
on neither the executor nor the number of workers. The history lives in ``abc.db``
(SQLite); a calibration cut short resumes at the last finished generation.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pyabc
from pyabc.sampler import Sampler

from tieredcare.calibration.objective import ReplicateTask, run_replicate, scenario_data
from tieredcare.calibration.targets import Calibration
from tieredcare.experiments.executors import Executor
from tieredcare.experiments.points import leaf_kind

DATABASE = "abc.db"
FAR = 1e12
"""Stand-in for an indicator a run leaves undefined: its density is zero, so it is rejected."""


@dataclass(frozen=True)
class AbcSettings:
    """How the posterior is sampled.

    Attributes:
        population: Particles per generation (the ensemble's size before resampling).
        generations: Most generations to run.
        max_simulations: Most simulated years in all.
        seed: Seed of every evaluation's random draws.
    """

    population: int = 100
    generations: int = 12
    max_simulations: int = 20_000
    seed: int = 1


def names(cal: Calibration) -> dict[str, str]:
    """The name pyabc gives each parameter (``p0``, ``p1``, ...) → its scenario key."""
    return {f"p{k}": key for k, key in enumerate(cal.spec.parameters)}


def prior(cal: Calibration) -> pyabc.Distribution:
    """Uniform on each parameter's range; log-uniform (uniform in ln x) with ``log: true``."""
    rvs = {}
    for name, key in names(cal).items():
        p = cal.spec.parameters[key]
        low, high = (math.log(b) for b in p.range) if p.log else p.range
        rvs[name] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs)


def parameter_values(cal: Calibration, particle: Mapping[str, float]) -> dict[str, float]:
    """Scenario key → value (or factor) of a particle, whole numbers rounded."""
    out: dict[str, float] = {}
    for name, key in names(cal).items():
        p = cal.spec.parameters[key]
        x = float(particle[name])
        x = math.exp(x) if p.log else x
        out[key] = int(round(x)) if p.scale is None and leaf_kind(key) == "int" else x
    return out


@dataclass(frozen=True)
class Simulator:
    """The model as pyabc sees it: parameters in, the targets' values of one year out."""

    cal: Calibration

    def __call__(self, particle: Mapping[str, float]) -> dict[str, float]:
        """Simulate one year with a seed drawn from this evaluation's stream."""
        params = parameter_values(self.cal, particle)
        seed = int(np.random.randint(0, 2**31 - 1))
        task = ReplicateTask(0, 0, dict(scenario_data(self.cal, params), seed=seed),
                             str(self.cal.base.base_dir), tuple(self.cal.spec.targets))
        values = run_replicate(task)
        return {k: v if math.isfinite(v) else FAR for k, v in values.items()}


def kernel(cal: Calibration) -> pyabc.IndependentNormalKernel:
    """The targets' Gaussian measurement model: variance sd² / weight."""
    keys = list(cal.spec.targets)
    var = [cal.spec.targets[k].spread ** 2 / cal.spec.targets[k].weight for k in keys]
    return pyabc.IndependentNormalKernel(var=var, keys=keys)


@dataclass(frozen=True)
class Evaluation:
    """One proposal of a generation, as sent to a worker."""

    payload: bytes
    generation: int
    index: int
    seed: int


def evaluate(task: Evaluation) -> Any:
    """Propose, simulate and accept or reject one particle with its own seeded stream."""
    simulate_one = cloudpickle.loads(task.payload)
    saved = np.random.get_state()
    # generation is -1 for pyabc's calibration sample, hence the +1.
    entropy = np.random.SeedSequence([task.seed, task.generation + 1, task.index])
    np.random.seed(int(entropy.generate_state(1)[0]))
    try:
        return simulate_one()
    finally:
        np.random.set_state(saved)  # in this process (serial) the caller's stream goes on


class OrderedSampler(Sampler):
    """Evaluates proposals in batches on an executor and accepts them in index order."""

    def __init__(self, executor: Executor, seed: int,
                 progress: Callable[[int, int], None] | None = None) -> None:
        """Sample with ``executor``; ``progress`` gets each batch's generation and runs."""
        super().__init__()
        self.executor = executor
        self.seed = seed
        self.batch = max(2 * executor.workers, 4)
        self.progress = progress

    def sample_until_n_accepted(self, n: int, simulate_one: Callable, t: int, *,
                                max_eval: float = np.inf, all_accepted: bool = False,
                                ana_vars: Any = None) -> Any:
        """Evaluate proposals until ``n`` are accepted (pyabc's sampler interface)."""
        del all_accepted, ana_vars  # accepted or not, every proposal goes the same way
        payload = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        accepted = evaluated = 0
        while accepted < n and evaluated < max_eval:
            tasks = [Evaluation(payload, t, evaluated + i, self.seed) for i in range(self.batch)]
            results = {}
            for task, result in self.executor.map_unordered(evaluate, tasks):
                if isinstance(result, BaseException):
                    raise RuntimeError(f"evaluation {task.index} of generation {t} failed: "
                                       f"{result!r}") from result
                results[task.index] = result
            for index in sorted(results):
                if accepted == n:
                    break  # later proposals of the batch are dropped, whatever their fate
                particle = results[index]
                sample.append(particle)
                accepted += bool(particle.accepted)
                evaluated = index + 1
            if self.progress is not None:
                self.progress(t, len(tasks))
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample


def make_abc(cal: Calibration, settings: AbcSettings, sampler: Sampler) -> pyabc.ABCSMC:
    """The ABC-SMC run: prior, model, Gaussian kernel, stochastic acceptor, temperature."""
    return pyabc.ABCSMC(Simulator(cal), prior(cal), kernel(cal),
                        population_size=settings.population, sampler=sampler,
                        eps=pyabc.Temperature(), acceptor=pyabc.StochasticAcceptor())


def observed(cal: Calibration) -> dict[str, float]:
    """The targets' values, as pyabc's observed summary statistics."""
    return {key: t.value for key, t in cal.spec.targets.items()}


def sample_posterior(cal: Calibration, folder: Path, settings: AbcSettings, executor: Executor,
                     *, resume: bool = False,
                     progress: Callable[[int, int], None] | None = None
                     ) -> pyabc.History:
    """Run (or resume) ABC-SMC into ``folder / abc.db``; return its history.

    Args:
        cal: The calibration.
        folder: The ensemble folder.
        settings: Population, generations, budget and seed.
        executor: Where the simulations run.
        resume: Continue the history in the folder if there is one.
        progress: Called with the generation and the number of runs of each batch.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("ABC", "pyabc"):  # the progress bar says what its INFO lines would
        logging.getLogger(name).setLevel(logging.WARNING)
    db = f"sqlite:///{(folder / DATABASE).resolve()}"
    abc = make_abc(cal, settings, OrderedSampler(executor, settings.seed, progress))
    np.random.seed(settings.seed)  # pyabc's own draws outside the evaluations, if any
    if resume and (folder / DATABASE).is_file():
        history = abc.load(db, 1)
        if history.max_t >= 0 and _finished(history, settings):
            return history
        generations = settings.generations - (history.max_t + 1)
    else:
        (folder / DATABASE).unlink(missing_ok=True)
        abc.new(db, observed(cal))
        generations = settings.generations
    return abc.run(max_nr_populations=generations,
                   max_total_nr_simulations=settings.max_simulations)


def _finished(history: pyabc.History, settings: AbcSettings) -> bool:
    """Whether a stored run has reached temperature 1 or its budget."""
    temperatures = history.get_all_populations()["epsilon"]
    return (bool((temperatures <= 1.0).any()) or history.max_t + 1 >= settings.generations
            or history.total_nr_simulations >= settings.max_simulations)
