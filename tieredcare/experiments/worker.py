"""One run of a sweep, as executed on a worker: simulate, write the run's folder, report.

:func:`execute_run` is a pure function of its task (the resolved scenario and its seed),
so any executor and any number of workers give the same files. It never raises for a
failing run: the error and its traceback are written to ``error.json`` and returned in a
small record, and the sweep goes on (:func:`write_failure` also records a run whose
worker was lost).
"""

from __future__ import annotations

import os
import platform
import time
import traceback
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from tieredcare.atomic import atomic_write_text, staged_folder, write_json, write_parquet
from tieredcare.config import Scenario, dump_yaml, scenario_hash
from tieredcare.experiments.store import RUN_ERROR, RUN_SCENARIO, RUN_SUMMARY, now
from tieredcare.run import RunOutput, simulate

DONE, FAILED = "done", "failed"


@dataclass(frozen=True)
class RunTask:
    """What a worker needs to make one run.

    Attributes:
        run_id: The run's id (fingerprint of ``scenario``).
        scenario: The resolved scenario as plain data (with an ensemble member's values
            set, validated when the run starts), its ``seed`` set.
        base_dir: Directory relative paths in the scenario refer to.
        run_dir: Folder the run's files go to (``<sweep>/runs/<run_id>``).
        outputs: Tables kept besides the summary: timeseries, facilities, flows, groups.
    """

    run_id: str
    scenario: dict
    base_dir: str
    run_dir: str
    outputs: tuple[str, ...] = ("timeseries", "groups")

    @property
    def seed(self) -> int:
        """The run's seed."""
        return int(self.scenario["seed"])


@dataclass(frozen=True)
class RunRecord:
    """What a worker reports back: small, whatever the size of the run.

    Attributes:
        run_id: The run's id.
        status: ``"done"`` or ``"failed"``.
        wall_seconds: Time the run took on the worker, writing included.
        error: One line saying why it failed (the traceback is in ``error.json``).
    """

    run_id: str
    status: str
    wall_seconds: float
    error: str | None = None


def execute_run(task: RunTask) -> RunRecord:
    """Simulate one run and write its folder atomically.

    Args:
        task: The run.

    Returns:
        Its record; failures are recorded, not raised.
    """
    start = time.perf_counter()
    scenario_yaml = None
    try:
        scenario = Scenario.model_validate(task.scenario)
        scenario_yaml = dump_yaml(scenario)
        output = simulate(scenario, base_dir=Path(task.base_dir))
        write_run_folder(task, output, scenario_yaml)
        return RunRecord(task.run_id, DONE, time.perf_counter() - start)
    except Exception as exc:  # any failure of a run is recorded, never raised
        wall = time.perf_counter() - start
        message = write_failure(Path(task.run_dir), task.run_id, task.seed, exc, wall,
                                scenario_yaml)
        return RunRecord(task.run_id, FAILED, wall, message)


def write_run_folder(task: RunTask, output: RunOutput, scenario_yaml: str) -> None:
    """Write a finished run's files into its folder, which appears whole or not at all.

    Args:
        task: The run.
        output: Its results.
        scenario_yaml: Its resolved scenario as YAML (``tieredcare run`` accepts it).
    """
    # Everything under a sweep's runs/ belongs to the sweep: a failed attempt is replaced.
    with staged_folder(Path(task.run_dir), replace=lambda _: True) as tmp:
        atomic_write_text(tmp / RUN_SCENARIO, scenario_yaml)
        for table in task.outputs:
            write_parquet(tmp / f"{table}.parquet", getattr(output, table))
        # The summary goes last: its presence marks the run as done.
        write_json(tmp / RUN_SUMMARY, {
            "run_id": task.run_id, "seed": task.seed, "scenario": output.scenario.name,
            "config_hash": scenario_hash(output.scenario), "base_dir": task.base_dir,
            "wall_seconds": round(output.wall_seconds, 3), "host": platform.node(),
            "pid": os.getpid(), "indicators": output.summary, "episodes": output.episodes,
            "timeline": getattr(output, "timeline", [])})


def write_failure(run_dir: Path, run_id: str, seed: int, error: BaseException | str,
                  wall_seconds: float, scenario_yaml: str | None = None) -> str:
    """Record a failed run as ``runs/<run_id>/error.json`` (written atomically).

    A folder that already holds a summary is left alone: a finished run is never replaced
    by a later failure of the same run (e.g. a duplicate attempt after a lost worker).

    Args:
        run_dir: The run's folder.
        run_id: The run's id.
        seed: The run's seed.
        error: The exception, or its text.
        wall_seconds: Time spent before failing.
        scenario_yaml: The run's resolved scenario, kept to debug it.

    Returns:
        The one-line error message.
    """
    if isinstance(error, BaseException):
        message = "".join(traceback.format_exception_only(error)).strip()
        text = "".join(traceback.format_exception(error))
    else:
        message, text = error.strip().splitlines()[-1] if error.strip() else "", error
    if (run_dir / RUN_SUMMARY).is_file():
        return message
    with suppress(OSError), staged_folder(run_dir, replace=lambda _: True) as tmp:
        if scenario_yaml is not None:
            atomic_write_text(tmp / RUN_SCENARIO, scenario_yaml)
        write_json(tmp / RUN_ERROR, {
            "run_id": run_id, "seed": seed, "error": message, "traceback": text,
            "wall_seconds": round(wall_seconds, 3), "host": platform.node(), "pid": os.getpid(),
            "time": now()})
    return message
