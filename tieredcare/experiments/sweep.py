"""Running a sweep: plan it, prepare its folder, execute the missing runs, consolidate.

:func:`run_sweep` ties the parts together; each part lives in its own module (what is
varied: :mod:`.sweepfile`; how it is sampled: :mod:`.designs`; where runs execute:
:mod:`.executors`; how results are stored: :mod:`.store`, with the manifest in
:mod:`.manifest` and the consolidated tables in :mod:`.tables`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from tieredcare.experiments.designs import POINT
from tieredcare.experiments.executors import Executor
from tieredcare.experiments.manifest import new_manifest
from tieredcare.experiments.members import MEMBER
from tieredcare.experiments.plan import RUN_ID, SEED, RunPlan, plan_sweep
from tieredcare.experiments.store import SweepStore, now
from tieredcare.experiments.sweepfile import MAX_RUNS, load_sweep
from tieredcare.experiments.tables import consolidate, consolidate_groups
from tieredcare.experiments.worker import (
    DONE,
    FAILED,
    RunRecord,
    RunTask,
    execute_run,
    write_failure,
)
from tieredcare.outputs import OutputTarget

DEFAULT_ROOT = Path("results") / "sweeps"
FAILURES_LISTED = 20


class Progress(Protocol):
    """Receives news of a sweep session (e.g. a progress bar)."""

    def start(self, total: int, done: int) -> None:
        """The session begins: ``total`` distinct runs, ``done`` of them already finished."""

    def advance(self, record: RunRecord) -> None:
        """A run has ended (done or failed)."""


@dataclass
class SessionReport:
    """What one session of a sweep did.

    Attributes:
        folder: The sweep's folder.
        total: Distinct runs of the sweep.
        already_done: Runs finished before this session.
        done: Runs this session finished.
        failed: Runs this session saw fail.
        wall_seconds: Length of the session.
        status: ``complete``, ``incomplete`` (failures remain) or ``interrupted``.
        failures: The first failed runs' records.
        started: When the session began (UTC).
    """

    folder: Path
    total: int
    already_done: int
    done: int = 0
    failed: int = 0
    wall_seconds: float = 0.0
    status: str = "running"
    failures: list[RunRecord] = field(default_factory=list)
    started: str = field(default_factory=now)

    @property
    def ran(self) -> int:
        """Runs attempted in this session."""
        return self.done + self.failed

    def add(self, record: RunRecord) -> None:
        """Count one ended run."""
        if record.status == DONE:
            self.done += 1
        else:
            self.failed += 1
            if len(self.failures) < FAILURES_LISTED:
                self.failures.append(record)


def prepare(sweep_file: str | Path, *, max_runs: int = MAX_RUNS) -> RunPlan:
    """Validate a sweep file and every design point; nothing runs or is written.

    Args:
        sweep_file: The sweep YAML file.
        max_runs: Most runs (design points × replicates) allowed.

    Returns:
        The plan of runs.

    Raises:
        ConfigError: With every problem found.
    """
    return plan_sweep(load_sweep(sweep_file, max_runs=max_runs))


def default_folder(plan: RunPlan) -> Path:
    """``results/sweeps/<name>`` (relative to the working directory)."""
    return DEFAULT_ROOT / plan.sweep.name


def run_sweep(plan: RunPlan, executor: Executor, out: str | Path | None = None, *,
              resume: bool = False, overwrite: bool = False, progress: Progress | None = None,
              command: list[str] | None = None, target: OutputTarget | None = None
              ) -> SessionReport:
    """Run every run of the plan that is not done yet, and consolidate the summary.

    Args:
        plan: The validated plan.
        executor: Where runs execute.
        out: The sweep's folder (default :func:`default_folder`).
        resume: Continue the sweep already in ``out``: redo failed and missing runs only.
        overwrite: Start the sweep already in ``out`` again, replacing its runs.
        progress: Told of the start and of every ended run.
        command: The command line, for the manifest.
        target: ``out`` and where its path came from, for error messages.

    Returns:
        What the session did.

    Raises:
        ConfigError: If ``out`` holds another sweep, this one without ``resume`` or
            ``overwrite``, or anything but a sweep (see :mod:`tieredcare.outputs`).
    """
    store = SweepStore(out if out is not None else default_folder(plan))
    # Checked before the lock is taken, so a refused folder gets no lock file, and again
    # under the lock, in case another session started meanwhile.
    store.check_target(plan, resume=resume, overwrite=overwrite, target=target)
    with store.locked():
        store.check_target(plan, resume=resume, overwrite=overwrite, target=target)
        if overwrite:
            store.clear()
        manifest = store.read_manifest() or new_manifest(plan, command=command)
        store.initialise(plan, {**manifest, "status": "running"})
        todo = pending_runs(plan, store)
        total = plan.runs[RUN_ID].nunique()
        report = SessionReport(store.root, total, total - len(todo))
        if progress is not None:
            progress.start(total, report.already_done)
        start = time.perf_counter()
        try:
            for record in execute(plan, store, executor, todo):
                report.add(record)
                if progress is not None:
                    progress.advance(record)
        except KeyboardInterrupt:
            report.status = "interrupted"
            raise
        finally:
            report.wall_seconds = time.perf_counter() - start
            _finish(plan, store, executor, report, command)
    return report


def pending_runs(plan: RunPlan, store: SweepStore) -> pd.DataFrame:
    """Distinct runs without a finished folder (missing or failed), in running order."""
    unique = plan.unique_runs()
    return unique[~unique[RUN_ID].isin(store.done_ids())]


def execute(plan: RunPlan, store: SweepStore, executor: Executor, runs: pd.DataFrame
            ) -> Iterator[RunRecord]:
    """Execute runs, yielding a record as each ends; crashes of workers become failures."""
    for task, outcome in executor.map_unordered(execute_run, tasks(plan, store, runs)):
        if isinstance(outcome, RunRecord):
            yield outcome
        else:  # the worker itself was lost, so the run wrote nothing: record it here
            message = write_failure(Path(task.run_dir), task.run_id, task.seed, outcome, 0.0)
            yield RunRecord(task.run_id, FAILED, 0.0, message)


def tasks(plan: RunPlan, store: SweepStore, runs: pd.DataFrame) -> Iterable[RunTask]:
    """The tasks of some runs, built one at a time as the executor asks for them."""
    outputs = tuple(plan.sweep.spec.outputs)
    members = runs[MEMBER] if MEMBER in runs.columns else [None] * len(runs)
    for rid, point, seed, member in zip(runs[RUN_ID], runs[POINT], runs[SEED], members,
                                        strict=True):
        member = None if member is None else int(member)
        yield RunTask(rid, plan.scenario_of(int(point), int(seed), member),
                      str(plan.base_dirs[point]), str(store.run_dir(rid)), outputs)


def _finish(plan: RunPlan, store: SweepStore, executor: Executor, report: SessionReport,
            command: list[str] | None) -> None:
    """Rebuild the summary table and record the session and the counts in the manifest."""
    consolidate(store, plan.runs)
    consolidate_groups(store, plan.runs)
    ids = set(plan.runs[RUN_ID])
    done, failed = len(store.done_ids() & ids), len(store.failed_ids() & ids)
    if report.status != "interrupted":
        report.status = "complete" if done == report.total else "incomplete"
    manifest = store.read_manifest()
    minutes = report.wall_seconds / 60
    manifest["sessions"] = [*manifest.get("sessions", []), {
        "started": report.started, "finished": now(), "command": command,
        **executor.describe(),
        "ran": report.ran, "done": report.done, "failed": report.failed,
        "wall_seconds": round(report.wall_seconds, 3),
        "runs_per_minute": round(report.ran / minutes, 2) if minutes > 0 else None,
        "status": report.status}]
    manifest["status"] = report.status
    manifest["counts"] = {"runs": len(plan.runs), "unique_runs": report.total, "done": done,
                          "failed": failed, "missing": report.total - done - failed}
    manifest["updated"] = now()
    store.write_manifest(manifest)
