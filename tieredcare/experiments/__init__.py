"""Scenario sweeps: many policy settings × many seeds, on a laptop or a cluster.

What is varied (:mod:`.sweepfile`, with the keys in :mod:`.spec` and the parameters in
:mod:`.parameters`), how it is sampled (:mod:`.designs`), where runs execute
(:mod:`.executors`) and how results are stored (:mod:`.store`) are kept apart;
:func:`run_sweep` ties them together. A typical session::

    from tieredcare.experiments import prepare, run_sweep, ProcessExecutor, analyze_sweep

    plan = prepare("scenarios/sweeps/reimbursement_gap.yaml")   # validates everything
    with ProcessExecutor(workers=4) as executor:
        run_sweep(plan, executor, "results/sweeps/reimbursement_gap")
    analysis = analyze_sweep("results/sweeps/reimbursement_gap")
    analysis.aggregate  # one row per design point × indicator: mean, CI, quantiles
"""

from tieredcare.experiments.aggregate import aggregate, point_means
from tieredcare.experiments.analysis import Analysis, analyze_sweep
from tieredcare.experiments.designs import Design, make_design
from tieredcare.experiments.executors import (
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from tieredcare.experiments.plan import RunPlan, plan_sweep, run_id
from tieredcare.experiments.reproduce import Check, reproduce
from tieredcare.experiments.sensitivity import Sensitivity, morris_indices, sobol_indices
from tieredcare.experiments.spec import SweepFile
from tieredcare.experiments.store import SweepStore
from tieredcare.experiments.sweep import SessionReport, prepare, run_sweep
from tieredcare.experiments.sweepfile import Sweep, load_sweep
from tieredcare.experiments.worker import RunRecord, RunTask, execute_run

__all__ = [
    "Analysis",
    "Check",
    "DaskExecutor",
    "Design",
    "Executor",
    "ProcessExecutor",
    "RunPlan",
    "RunRecord",
    "RunTask",
    "Sensitivity",
    "SerialExecutor",
    "SessionReport",
    "Sweep",
    "SweepFile",
    "SweepStore",
    "aggregate",
    "analyze_sweep",
    "execute_run",
    "load_sweep",
    "make_design",
    "make_executor",
    "morris_indices",
    "plan_sweep",
    "point_means",
    "prepare",
    "reproduce",
    "run_id",
    "run_sweep",
    "sobol_indices",
]
