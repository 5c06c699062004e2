"""Scenario sweeps: many policy settings × many seeds, on a laptop or a cluster.

What is varied (:mod:`.sweepfile`), how it is sampled (:mod:`.designs`), where runs
execute (:mod:`.executors`) and how results are stored (:mod:`.store`) are kept apart;
:func:`run_sweep` ties them together. A typical session::

    from tieredcare.experiments import prepare, run_sweep, ProcessExecutor, analyze_sweep

    plan = prepare("scenarios/sweeps/reimbursement_gap.yaml")   # validates everything
    with ProcessExecutor(workers=4) as executor:
        run_sweep(plan, executor, "results/sweeps/reimbursement_gap")
    analysis = analyze_sweep("results/sweeps/reimbursement_gap")
    analysis.aggregate  # one row per design point × indicator: mean, CI, quantiles
"""

_EXPORTS = {
    "Analysis": "tieredcare.experiments.analysis",
    "Check": "tieredcare.experiments.reproduce",
    "DaskExecutor": "tieredcare.experiments.executors",
    "Design": "tieredcare.experiments.designs",
    "Executor": "tieredcare.experiments.executors",
    "ProcessExecutor": "tieredcare.experiments.executors",
    "RunPlan": "tieredcare.experiments.plan",
    "RunRecord": "tieredcare.experiments.worker",
    "RunTask": "tieredcare.experiments.worker",
    "Sensitivity": "tieredcare.experiments.sensitivity",
    "SerialExecutor": "tieredcare.experiments.executors",
    "SessionReport": "tieredcare.experiments.sweep",
    "Sweep": "tieredcare.experiments.sweepfile",
    "SweepFile": "tieredcare.experiments.sweepfile",
    "SweepStore": "tieredcare.experiments.store",
    "aggregate": "tieredcare.experiments.aggregate",
    "analyze_sweep": "tieredcare.experiments.analysis",
    "execute_run": "tieredcare.experiments.worker",
    "load_sweep": "tieredcare.experiments.sweepfile",
    "make_design": "tieredcare.experiments.designs",
    "make_executor": "tieredcare.experiments.executors",
    "morris_indices": "tieredcare.experiments.sensitivity",
    "plan_sweep": "tieredcare.experiments.plan",
    "point_means": "tieredcare.experiments.aggregate",
    "prepare": "tieredcare.experiments.sweep",
    "reproduce": "tieredcare.experiments.reproduce",
    "run_id": "tieredcare.experiments.plan",
    "run_sweep": "tieredcare.experiments.sweep",
    "sobol_indices": "tieredcare.experiments.sensitivity",
}
"""Public name → module; loaded on first use so ``tieredcare`` starts quickly."""


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tieredcare.experiments' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)


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
