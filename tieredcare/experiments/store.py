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
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tieredcare.atomic import atomic_write_text, staged_folder, write_json, write_parquet
from tieredcare.calibration.members import TABLE as ENSEMBLE_TABLE
from tieredcare.config import ConfigError
from tieredcare.experiments.designs import POINT
from tieredcare.experiments.members import MEMBER
from tieredcare.experiments.plan import REPLICATE, RUN_ID, SEED, RunPlan, storable
from tieredcare.outputs import OutputTarget, check_output, manifest_kind
from tieredcare.results import git_commit, package_versions

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
EXTRA_PACKAGES = ("SALib", "dask", "distributed")

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

    # ------------------------------------------------------------------ summary table

    def consolidate(self, runs: pd.DataFrame, chunk: int = 2000) -> int:
        """Rebuild ``summary.parquet`` from the finished runs' folders.

        Reads ``chunk`` runs' summaries at a time and streams them to the file, so memory
        does not grow with the number of runs.

        Args:
            runs: The design table (``design.parquet``).
            chunk: Runs read per batch.

        Returns:
            Rows written: finished runs × indicators.
        """
        done = runs[runs[RUN_ID].isin(self.done_ids())]
        return _stream_parquet(self.path(SUMMARY), (
            self._long(done.iloc[start:start + chunk])
            for start in range(0, max(len(done), 1), chunk)))

    def consolidate_groups(self, runs: pd.DataFrame, chunk: int = 500) -> int:
        """Rebuild ``groups.parquet`` from the finished runs' ``groups.parquet`` files.

        Streams ``chunk`` runs at a time, so memory does not grow with the sweep. Nothing
        is written if no finished run kept its group table.

        Args:
            runs: The design table (``design.parquet``).
            chunk: Runs read per batch.

        Returns:
            Rows written.
        """
        done = runs[runs[RUN_ID].isin(self.done_ids())]
        kept = {r for r in done[RUN_ID].unique() if (self.run_dir(r) / GROUPS).is_file()}
        done = done[done[RUN_ID].isin(kept)]
        if done.empty:
            self.path(GROUPS).unlink(missing_ok=True)
            return 0
        labels = id_columns(done)
        ids = pd.Series(done[RUN_ID].unique())
        # Each design row gets its run's table (identical points, or members, share a run).
        return _stream_parquet(self.path(GROUPS), (
            done[labels].merge(pd.concat(
                [pd.read_parquet(self.run_dir(r) / GROUPS).assign(run_id=r)
                 for r in ids.iloc[start:start + chunk]], ignore_index=True),
                on=RUN_ID, how="inner", validate="many_to_many")
            for start in range(0, len(ids), chunk)))

    def _long(self, runs: pd.DataFrame) -> pd.DataFrame:
        """Runs × indicators in long format, parameter columns repeated on every row.

        Identical design points share a run; each of their (point, replicate) rows gets
        the run's indicators.
        """
        ids, names, values = [], [], []
        for rid in runs[RUN_ID].drop_duplicates():
            for name, value in self.read_run_summary(rid)["indicators"].items():
                ids.append(rid)
                names.append(name)
                values.append(np.nan if value is None else float(value))
        long = pd.DataFrame({RUN_ID: pd.Series(ids, dtype=object),
                             INDICATOR: pd.Series(names, dtype=object),
                             VALUE: np.asarray(values, dtype=np.float64)})
        long = runs.merge(long, on=RUN_ID, how="inner", validate="many_to_many")
        head = [*id_columns(runs), INDICATOR, VALUE]
        return long[head + [c for c in runs.columns if c not in head]]

    def read_summary(self) -> pd.DataFrame:
        """``summary.parquet``: one row per run × indicator."""
        return pd.read_parquet(self.path(SUMMARY))


def id_columns(runs: pd.DataFrame) -> list[str]:
    """Columns naming a row of the design: run id, point, (member,) replicate, seed."""
    member = [MEMBER] if MEMBER in runs.columns else []
    return [RUN_ID, POINT, *member, REPLICATE, SEED]


def _stream_parquet(target: Path, frames: Iterable[pd.DataFrame]) -> int:
    """Write tables one after the other into one Parquet file, atomically.

    Args:
        target: The file to replace.
        frames: Tables with the same columns (each may be read only when its turn comes).

    Returns:
        Rows written.
    """
    tmp = _temp_path(target)
    rows, writer = 0, None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table.cast(writer.schema))
            rows += table.num_rows
        if writer is not None:
            writer.close()
            os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return rows


def _temp_path(target: Path) -> str:
    """A temporary file beside ``target``, with the permissions a new file would get."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes files private to the owner
    return tmp


# ----------------------------------------------------------------------------- run folders


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


# ----------------------------------------------------------------------------- manifest


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
