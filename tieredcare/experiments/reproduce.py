"""``tieredcare reproduce``: run stored runs again and check they give the same summary.

A run is a pure function of its resolved scenario and seed, so a fresh run must give
exactly the indicators stored in its ``summary.json`` (compared as written to JSON: the
same floats, NaN written as null). Works on a single run's folder (``tieredcare run``,
manifest kind ``run``), on a sweep (kind ``sweep``: some or all finished runs) and on a
calibration (kind ``calibration``: the best trial's replicates,
:mod:`tieredcare.calibration.reproduce`).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tieredcare.config import ConfigError, Scenario, scenario_hash
from tieredcare.experiments.executors import Executor, SerialExecutor
from tieredcare.experiments.store import MANIFEST, RUN_SCENARIO, RUN_SUMMARY, SweepStore


@dataclass(frozen=True)
class Check:
    """The outcome of running one stored run again.

    Attributes:
        run: The run's id (sweep) or folder (single run).
        seed: Its seed.
        differences: Indicator → (stored, fresh) for every value that differs.
        error: Why the run could not be checked, if it could not.
    """

    run: str
    seed: int
    differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    error: str | None = None

    @property
    def matches(self) -> bool:
        """Whether the fresh run gave exactly the stored indicators."""
        return self.error is None and not self.differences


KINDS = ("run", "sweep", "calibration")
"""Results folders that can be run again."""


def read_manifest(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """A manifest (given as the file or its folder) and the folder it describes.

    Raises:
        ConfigError: If it is missing, unreadable or of an unknown kind.
    """
    path = Path(path)
    file = path / MANIFEST if path.is_dir() else path
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError.one(file, "", "file not found") from None
    except (OSError, ValueError) as exc:
        raise ConfigError.one(file, "", f"not a readable manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("kind") not in KINDS:
        raise ConfigError.one(file, "kind", "allowed: a manifest.json of kind 'run' "
                              "(tieredcare run), 'sweep' (tieredcare sweep) or 'calibration' "
                              "(tieredcare calibrate)")
    return file.parent, manifest


def reproduce(path: str | Path, runs: int | None = 3, *, executor: Executor | None = None,
              rng: random.Random | None = None) -> list[Check]:
    """Run stored runs again and compare their summaries with the stored ones.

    Args:
        path: A ``manifest.json`` or the folder holding it.
        runs: For a sweep, how many finished runs to check, chosen at random; None for
            all of them. Ignored for a single run.
        executor: Where the runs of a sweep execute (default: this process).
        rng: Chooses the runs (default: unseeded).

    Returns:
        One check per run.
    """
    folder, manifest = read_manifest(path)
    if manifest["kind"] == "run":
        return [check_run_folder(folder, manifest)]
    if manifest["kind"] == "calibration":
        from tieredcare.calibration.reproduce import check_calibration

        return [Check(*check_calibration(folder, manifest))]
    store = SweepStore(folder)
    chosen = sorted(store.done_ids())
    if runs is not None and runs < len(chosen):
        chosen = sorted((rng or random.Random()).sample(chosen, runs))
    executor = executor or SerialExecutor()
    checks = []
    for (_, run_id), outcome in executor.map_unordered(_check_sweep_run, _jobs(folder, chosen)):
        checks.append(outcome if isinstance(outcome, Check)
                      else Check(run_id, -1, error=f"{type(outcome).__name__}: {outcome}"))
    return sorted(checks, key=lambda c: c.run)


def _jobs(folder: Path, run_ids: Iterable[str]) -> Iterable[tuple[str, str]]:
    return ((str(folder), run_id) for run_id in run_ids)


def check_run_folder(folder: Path, manifest: dict[str, Any]) -> Check:
    """Run a ``tieredcare run`` folder's scenario again and compare with its summary."""
    scenario = Scenario.model_validate(manifest["resolved_config"])
    if scenario_hash(scenario) != manifest.get("config_hash"):
        return Check(str(folder), scenario.seed, error="resolved_config does not match its "
                     "config_hash: the manifest was edited, or the schema changed since")
    source = manifest.get("source_file")
    base_dir = Path(source).resolve().parent if source and Path(source).is_file() else folder
    stored = _read_json(folder / RUN_SUMMARY)["indicators"]
    return _compare(str(folder), scenario, base_dir, stored)


def _check_sweep_run(job: tuple[str, str]) -> Check:
    """Run one finished run of a sweep again from its stored scenario and seed."""
    try:
        return _check_stored_run(*job)
    except Exception as exc:  # an unreadable run is a failed check, not a crash
        return Check(job[1], -1, error=f"{type(exc).__name__}: {exc}")


def _check_stored_run(folder: str, run_id: str) -> Check:
    run_dir = SweepStore(folder).run_dir(run_id)
    summary = _read_json(run_dir / RUN_SUMMARY)
    scenario = Scenario.model_validate(yaml.safe_load((run_dir / RUN_SCENARIO).read_text(
        encoding="utf-8")))
    if scenario_hash(scenario) != run_id:
        return Check(run_id, scenario.seed, error="scenario.yaml does not match the run id: "
                     "the file was edited, or the schema changed since")
    return _compare(run_id, scenario, Path(summary["base_dir"]), summary["indicators"])


def _compare(run: str, scenario: Scenario, base_dir: Path, stored: dict[str, Any]) -> Check:
    from tieredcare.run import simulate

    fresh = _as_json(simulate(scenario, base_dir=base_dir).summary)
    names = list(dict.fromkeys([*stored, *fresh]))
    differences = {name: (stored.get(name), fresh.get(name)) for name in names
                   if not _same(stored.get(name), fresh.get(name))}
    return Check(run, scenario.seed, differences)


def _as_json(values: dict[str, float]) -> dict[str, Any]:
    """Values as ``summary.json`` stores them: NaN and infinities as null."""
    return {k: None if v is None or not math.isfinite(float(v)) else float(v)
            for k, v in values.items()}


def _same(a: Any, b: Any) -> bool:
    return a == b if a is not None and b is not None else a is None and b is None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError.one(path, "", "file not found: the run's summary is missing") from None
