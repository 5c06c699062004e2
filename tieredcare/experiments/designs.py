"""Designs: how a sweep samples its parameters, as a table of design points.

Each design turns a validated :class:`~tieredcare.experiments.sweepfile.Sweep` into a
:class:`Design`: one row per point, a ``point`` id and one column per parameter key (the
dotted scenario key), or a ``scenario_file`` column for design ``scenarios``. Samplers are
seeded from the sweep's root seed, so the same file always gives the same points.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from tieredcare.experiments.sweepfile import Sweep
from tieredcare.streams import stream_seed

POINT = "point"
SCENARIO_FILE = "scenario_file"


@dataclass(frozen=True)
class Design:
    """The design points of a sweep.

    Attributes:
        points: ``point`` (0, 1, ...) and one column per parameter (or ``scenario_file``).
        problem: The SALib problem (``num_vars``, ``names``, ``bounds``) of sobol and
            morris designs, kept for the sensitivity analysis; None otherwise.
        sample: The sampler's matrix before integer parameters were rounded (lhs, sobol,
            morris), one row per point; SALib's Morris analysis needs it unrounded.
    """

    points: pd.DataFrame
    problem: dict | None = None
    sample: np.ndarray | None = None

    @property
    def parameters(self) -> list[str]:
        """The parameter columns (``scenario_file`` for design scenarios)."""
        return [c for c in self.points.columns if c != POINT]


def make_design(sweep: Sweep) -> Design:
    """The design points of a sweep, by its ``design`` key.

    Args:
        sweep: A validated sweep.

    Returns:
        The design.
    """
    return DESIGNS[sweep.spec.design](sweep)


def design_seed(sweep: Sweep) -> int:
    """A 32-bit seed for the samplers, derived from the sweep's root seed.

    Kept apart from the replicate seeds (its own named stream) and 32-bit because SALib's
    Morris sampler seeds numpy's legacy generator.
    """
    return int(stream_seed(sweep.spec.seed, "design").generate_state(1)[0])


def grid(sweep: Sweep) -> Design:
    """Every combination of the listed values; the first parameter varies slowest."""
    keys = sweep.parameters
    rows = list(itertools.product(*(sweep.spec.parameters[k] for k in keys)))
    frame = pd.DataFrame({k: [row[i] for row in rows] for i, k in enumerate(keys)})
    return Design(_numbered(frame))


def latin_hypercube(sweep: Sweep) -> Design:
    """``samples`` points of a Latin hypercube, scaled uniformly to each range."""
    problem = salib_problem(sweep)
    sampler = qmc.LatinHypercube(d=problem["num_vars"],
                                 rng=np.random.default_rng(design_seed(sweep)))
    unit = sampler.random(sweep.spec.samples)
    bounds = np.array(problem["bounds"])
    sample = qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    return Design(_sampled(sweep, sample), None, sample)


def sobol(sweep: Sweep) -> Design:
    """Saltelli's sample for first-order and total Sobol' indices: N × (D + 2) points."""
    from SALib.sample import sobol as sobol_sample

    problem = salib_problem(sweep)  # SALib adds keys to the dict it is given: pass copies
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's notice about SALib's `seed` argument
        sample = sobol_sample.sample(dict(problem), sweep.spec.samples, calc_second_order=False,
                                     seed=design_seed(sweep))
    return Design(_sampled(sweep, sample), problem, sample)


def morris(sweep: Sweep) -> Design:
    """Morris trajectories for elementary effects: N × (D + 1) points."""
    from SALib.sample import morris as morris_sample

    problem = salib_problem(sweep)
    sample = morris_sample.sample(dict(problem), sweep.spec.samples, num_levels=sweep.spec.levels,
                                  seed=design_seed(sweep))
    return Design(_sampled(sweep, sample), problem, sample)


def scenario_list(sweep: Sweep) -> Design:
    """One point per listed scenario file, named as written in the sweep file."""
    return Design(_numbered(pd.DataFrame({SCENARIO_FILE: list(sweep.spec.scenarios or [])})))


def salib_problem(sweep: Sweep) -> dict:
    """The ranges of a sweep as a SALib problem definition."""
    keys = sweep.parameters
    bounds = [[float(sweep.spec.parameters[k]["low"]), float(sweep.spec.parameters[k]["high"])]
              for k in keys]
    return {"num_vars": len(keys), "names": keys, "bounds": bounds}


def _sampled(sweep: Sweep, sample: np.ndarray) -> pd.DataFrame:
    """A sampler's matrix as a table; integer parameters rounded to whole numbers."""
    columns = {}
    for i, key in enumerate(sweep.parameters):
        values = sample[:, i]
        columns[key] = np.rint(values).astype(np.int64) if sweep.kinds[key] == "int" else values
    return _numbered(pd.DataFrame(columns))


def _numbered(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, POINT, np.arange(len(frame), dtype=np.int64))
    return frame


DESIGNS: dict[str, Callable[[Sweep], Design]] = {
    "grid": grid,
    "lhs": latin_hypercube,
    "sobol": sobol,
    "morris": morris,
    "scenarios": scenario_list,
}
"""Design name (the sweep file's ``design`` key) → function building it."""
