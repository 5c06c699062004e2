"""The results folder of a sweep: manifest, design, one folder per run, consolidated summary.

Layout (every file written atomically, each run folder assembled under a temporary name
and renamed into place, so it appears whole or not at all)::

    <out>/manifest.json        what was run, with which code, seeds and timings
    <out>/design.parquet       one row per run: run_id, point, replicate, seed, parameters
    <out>/salib_sample.parquet sobol and morris only: the sampler's matrix, unrounded
    <out>/runs/<run_id>/       scenario.yaml + summary.json (+ timeseries.parquet, ...)
                               or scenario.yaml + error.json for a failed run
    <out>/summary.parquet      one row per run × indicator, rebuilt from the run folders
    <out>/groups.parquet       one row per run × indicator × group (when runs keep groups)
    <out>/aggregate.parquet    written by analyze: per point × indicator (and, beside it,
                               differences.parquet and sensitivity.parquet)

A run is done if and only if ``runs/<run_id>/summary.json`` exists. The summary table is
always rebuilt from the run folders, never appended to, so resuming cannot duplicate rows.

:class:`SweepStore` holds the paths and the bookkeeping of a resumable sweep (which runs
are done or failed, whether a folder may be written, the lock); the manifest's contents
are made in :mod:`.manifest`, the consolidated tables in :mod:`.tables`, and a run's
folder is written by :mod:`.worker`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tieredcare.atomic import write_json, write_parquet
from tieredcare.config import ConfigError
from tieredcare.experiments.designs import POINT
from tieredcare.experiments.plan import RunPlan
from tieredcare.outputs import OutputTarget, check_output, manifest_kind

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
SALIB_SAMPLE = "salib_sample.parquet"
SUMMARY = "summary.parquet"
GROUPS = "groups.parquet"
AGGREGATE = "aggregate.parquet"
DIFFERENCES = "differences.parquet"
SENSITIVITY = "sensitivity.parquet"
RUNS = "runs"
RUN_SUMMARY = "summary.json"
RUN_ERROR = "error.json"
RUN_SCENARIO = "scenario.yaml"
LOCK = ".lock"
INDICATOR, VALUE = "indicator", "value"

try:  # advisory locks exist on POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class SweepStore:
    """Paths and bookkeeping of one sweep's results folder.

    Args:
        root: The sweep's folder (need not exist yet).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        """``manifest.json``."""
        return self.root / MANIFEST

    @property
    def runs_dir(self) -> Path:
        """Folder holding one folder per run."""
        return self.root / RUNS

    def path(self, name: str) -> Path:
        """A file of the sweep folder, e.g. ``store.path(SUMMARY)``."""
        return self.root / name

    def run_dir(self, run_id: str) -> Path:
        """The folder of one run."""
        return self.runs_dir / run_id

    # ------------------------------------------------------------------ state of the runs

    def done_ids(self) -> set[str]:
        """Run ids whose folder holds a summary: the finished runs."""
        return {name for name in self._run_names() if (self.run_dir(name) / RUN_SUMMARY).is_file()}

    def failed_ids(self) -> set[str]:
        """Run ids whose last attempt failed (an error.json and no summary)."""
        return {name for name in self._run_names()
                if (self.run_dir(name) / RUN_ERROR).is_file()
                and not (self.run_dir(name) / RUN_SUMMARY).is_file()}

    def _run_names(self) -> Iterator[str]:
        if not self.runs_dir.is_dir():
            return
        with os.scandir(self.runs_dir) as entries:
            for entry in entries:
                if entry.is_dir() and not entry.name.startswith("."):
                    yield entry.name

    def read_error(self, run_id: str) -> dict[str, Any]:
        """The error record of a failed run."""
        return json.loads((self.run_dir(run_id) / RUN_ERROR).read_text(encoding="utf-8"))

    def read_run_summary(self, run_id: str) -> dict[str, Any]:
        """The ``summary.json`` of a finished run."""
        return json.loads((self.run_dir(run_id) / RUN_SUMMARY).read_text(encoding="utf-8"))

    def clean_staging(self) -> None:
        """Remove temporary files and folders left by a killed session.

        Staging folders end in ``.tmp``; ``.<run_id>.old-<pid>`` is a failed run's folder
        caught between being moved aside and deleted when its redo succeeded.
        """
        for folder in (self.root, self.runs_dir):
            if not folder.is_dir():
                continue
            for leftover in [*folder.glob(".*.tmp"), *folder.glob(".*.old-*")]:
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)

    # ------------------------------------------------------------------ manifest and design

    def read_manifest(self) -> dict[str, Any]:
        """The manifest, or an empty mapping if there is none yet."""
        if not self.manifest_path.is_file():
            return {}
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        write_json(self.manifest_path, manifest)

    def check_target(self, plan: RunPlan, *, resume: bool, overwrite: bool = False,
                     target: OutputTarget | None = None) -> None:
        """Refuse a folder that holds something else, or this sweep without ``--resume``.

        Args:
            plan: The sweep to write.
            resume: Continue the sweep already in the folder.
            overwrite: Start the sweep in the folder again, replacing its runs.
            target: The folder and where its path came from (for messages).

        Raises:
            ConfigError: If the folder holds a sweep and neither ``resume`` nor
                ``overwrite`` is set, holds a different sweep and ``resume`` is set, or
                is not a sweep folder and not empty (see :mod:`tieredcare.outputs`).
        """
        target = target or OutputTarget(self.root, None)
        if resume and overwrite:
            raise ConfigError.one("--resume", "", "and --overwrite exclude each other: "
                                  "--resume continues the sweep, --overwrite starts it again")
        # Refuses the working folder, files, links and folders holding anything but a sweep.
        check_output(target, "sweep", overwrite=True, ignored=(LOCK,))
        if manifest_kind(self.root) != "sweep" or overwrite:
            return
        old = self.read_manifest()
        done = len(self.done_ids())
        if not resume:
            raise target.error(f"already holds sweep {old.get('name')!r} ({done} of "
                               f"{old.get('runs')} runs done); use --resume to continue it, "
                               "--overwrite to start it again, or --out to write elsewhere")
        if old.get("sweep_hash") != plan.sweep_hash:
            raise target.error(f"holds a different sweep (hash {old.get('sweep_hash')}, this "
                               f"one {plan.sweep_hash}): its file, base scenario or the model's "
                               "defaults have changed since; use --out for a new folder or "
                               "--overwrite to start again")

    def clear(self) -> None:
        """Remove the sweep's files (for ``--overwrite``), keeping the folder and its lock.

        Only a folder whose manifest says it holds a sweep is cleared.
        """
        if manifest_kind(self.root) != "sweep":
            return
        for entry in list(self.root.iterdir()):
            if entry.name == LOCK:
                continue
            aside = entry.with_name(f".{entry.name}.old-{os.getpid()}")
            os.replace(entry, aside)
            if aside.is_dir() and not aside.is_symlink():
                shutil.rmtree(aside, ignore_errors=True)
            else:
                aside.unlink(missing_ok=True)

    def initialise(self, plan: RunPlan, manifest: dict[str, Any]) -> None:
        """Write the manifest first (so a killed start is still resumable), then the design.

        The design tables are written again on every session; they follow from the sweep
        file, which the sweep hash has just checked.
        """
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.clean_staging()
        self.write_manifest(manifest)
        write_parquet(self.path(DESIGN), plan.runs)
        if plan.design.problem is not None and plan.design.sample is not None:
            sample = pd.DataFrame(plan.design.sample, columns=plan.design.problem["names"])
            sample.insert(0, POINT, np.arange(len(sample), dtype=np.int64))
            write_parquet(self.path(SALIB_SAMPLE), sample)

    def read_design(self) -> pd.DataFrame:
        """``design.parquet``: one row per run."""
        return pd.read_parquet(self.path(DESIGN))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an advisory lock on the folder so two sessions never write it at once.

        Raises:
            ConfigError: If another process holds the lock.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+", encoding="utf-8") as handle:
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise ConfigError.one(self.root, "", "another tieredcare sweep is writing "
                                          "to this folder; wait for it or use another --out"
                                          ) from None
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def read_summary(self) -> pd.DataFrame:
        """``summary.parquet``: one row per run × indicator."""
        return pd.read_parquet(self.path(SUMMARY))
