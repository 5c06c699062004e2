"""The manifest of a sweep: what was run, with which code, seeds and design.

:func:`new_manifest` makes it when a sweep starts (the store writes it before the first
run, so a killed start is still resumable); each session then adds its counts and its
record under ``counts`` and ``sessions``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from tieredcare.calibration.members import TABLE as ENSEMBLE_TABLE
from tieredcare.experiments.plan import RUN_ID, RunPlan, storable
from tieredcare.experiments.store import now
from tieredcare.results import git_commit, package_versions

EXTRA_PACKAGES = ("SALib", "dask", "distributed")


def new_manifest(plan: RunPlan, *, command: list[str] | None = None) -> dict[str, Any]:
    """The manifest of a sweep: enough to run it again and to check any of its runs.

    Args:
        plan: The sweep's plan.
        command: The command line that started it.

    Returns:
        The manifest (``counts`` and ``sessions`` are filled in as sessions run).
    """
    sweep, spec = plan.sweep, plan.sweep.spec
    return {
        "kind": "sweep",
        "name": sweep.name,
        "description": spec.description,
        "sweep_hash": plan.sweep_hash,
        "sweep_file": str(sweep.path.resolve()),
        "sweep_text": sweep.text,
        "design": spec.design,
        "parameters": spec.parameters,
        "samples": spec.samples,
        "levels": spec.levels if spec.design == "morris" else None,
        "replicates": spec.replicates,
        "seed": spec.seed,
        "replicate_seeds": list(plan.seeds),
        "points": len(plan.design.points),
        "runs": len(plan.runs),
        "unique_runs": int(plan.runs[RUN_ID].nunique()),
        "design_summary": design_summary(plan),
        "salib_problem": plan.design.problem,
        "ensemble": ensemble_record(plan),
        "bases": [{"file": str(b.file.resolve()), "base_dir": str(b.base_dir),
                   "overrides": b.overrides} for b in sweep.bases],
        "base_config": sweep.bases[0].config if spec.design != "scenarios" else None,
        "outputs": list(spec.outputs),
        "command": command,
        "created": now(),
        "versions": versions(),
        "git_commit": git_commit(),
        "status": "running",
        "counts": {},
        "sessions": [],
    }


def ensemble_record(plan: RunPlan) -> dict[str, Any] | None:
    """The ensemble a sweep runs on: folder, members used, calibrated keys, table digest."""
    ensemble = plan.sweep.ensemble
    if ensemble is None:
        return None
    table = ensemble.folder / ENSEMBLE_TABLE
    return {"folder": str(ensemble.folder.resolve()), "members": plan.sweep.members,
            "size": ensemble.size, "parameters": sorted(ensemble.scale),
            "table_sha256": hashlib.sha256(table.read_bytes()).hexdigest()}


def versions() -> dict[str, str]:
    """Versions of Python, of the packages results depend on, and of the sweep tools."""
    return package_versions(EXTRA_PACKAGES)


def design_summary(plan: RunPlan) -> dict[str, Any]:
    """For each parameter: its range and number of distinct values, or its values."""
    summary: dict[str, Any] = {}
    points = storable(plan.design.points)
    for name in plan.design.parameters:
        column = points[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            summary[name] = {"min": column.min().item(), "max": column.max().item(),
                             "distinct": int(column.nunique())}
        else:
            summary[name] = {"values": column.drop_duplicates().tolist()[:50],
                             "distinct": int(column.nunique())}
    return summary
