"""``tieredcare analyze``: the aggregate, difference and sensitivity tables of a sweep folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tieredcare.atomic import write_parquet
from tieredcare.config import ConfigError
from tieredcare.experiments.aggregate import aggregate, point_means
from tieredcare.experiments.differences import point_differences
from tieredcare.experiments.sensitivity import Sensitivity, morris_indices, sobol_indices
from tieredcare.experiments.store import (
    AGGREGATE,
    DIFFERENCES,
    MANIFEST,
    SALIB_SAMPLE,
    SENSITIVITY,
    SUMMARY,
    SweepStore,
)
from tieredcare.experiments.tables import consolidate
from tieredcare.streams import stream_seed


@dataclass
class Analysis:
    """The tables ``tieredcare analyze`` writes, and what they came from.

    Attributes:
        store: The sweep folder.
        manifest: Its manifest.
        aggregate: Per point × indicator statistics (``aggregate.parquet``).
        differences: Each point's paired difference from the reference point
            (``differences.parquet``); empty for a one-point design.
        reference: The reference point of ``differences``.
        sensitivity: Sobol or Morris indices (``sensitivity.parquet``), if the design has
            them.
    """

    store: SweepStore
    manifest: dict[str, Any]
    aggregate: pd.DataFrame
    differences: pd.DataFrame
    reference: int
    sensitivity: Sensitivity | None


def open_sweep(path: str | Path) -> tuple[SweepStore, dict[str, Any]]:
    """A sweep folder (or its manifest.json) and its manifest.

    Raises:
        ConfigError: If there is no sweep manifest there.
    """
    path = Path(path)
    root = path.parent if path.name == MANIFEST else path
    store = SweepStore(root)
    manifest = store.read_manifest()
    if manifest.get("kind") != "sweep":
        raise ConfigError.one(root, "", "not a sweep folder: no manifest.json of kind 'sweep' "
                              "(made by tieredcare sweep)")
    return store, manifest


def analyze_sweep(path: str | Path, *, level: float = 0.95, resamples: int = 1000,
                  reference: int = 0) -> Analysis:
    """Write ``aggregate.parquet``, ``differences.parquet`` (and ``sensitivity.parquet``).

    The summary table is rebuilt first if the last session did not finish it (a killed
    sweep), so unfinished sweeps can be looked at too.

    Args:
        path: The sweep folder or its manifest.
        level: Confidence level of the intervals.
        resamples: Bootstrap resamples of the sensitivity indices' intervals.
        reference: The design point the others' paired differences are taken from.

    Returns:
        The tables written.

    Raises:
        ConfigError: If the folder is no sweep, has no finished run, or ``reference`` is
            not one of its points.
    """
    store, manifest = open_sweep(path)
    points = int(manifest.get("points", 0))
    if not 0 <= reference < max(points, 1):
        raise ConfigError.one("--reference", "", f"{reference}; allowed: a design point, 0 "
                              f"to {points - 1}")
    if manifest.get("status") != "complete" or not store.path(SUMMARY).is_file():
        consolidate(store, store.read_design())
    summary = store.read_summary()
    if summary.empty:
        raise ConfigError.one(store.root, "", "no finished runs yet; run or resume the sweep "
                              "first")
    table = aggregate(summary, level)
    write_parquet(store.path(AGGREGATE), table)
    try:
        differences = point_differences(summary, reference, level)
    except ValueError as exc:
        raise ConfigError.one("--reference", "", f"{exc}; resume the sweep, or choose "
                              "another point") from None
    write_parquet(store.path(DIFFERENCES), differences)
    indices = sensitivity(store, manifest, summary, level=level, resamples=resamples)
    if indices is not None:
        write_parquet(store.path(SENSITIVITY), indices.table)
    return Analysis(store, manifest, table, differences, reference, indices)


def sensitivity(store: SweepStore, manifest: dict[str, Any], summary: pd.DataFrame, *,
                level: float = 0.95, resamples: int = 1000) -> Sensitivity | None:
    """Sobol or Morris indices of a sweep's indicators; None for other designs."""
    design, problem = manifest.get("design"), manifest.get("salib_problem")
    if design not in ("sobol", "morris") or problem is None:
        return None
    means = point_means(summary, int(manifest["points"]))
    seed = int(stream_seed(int(manifest["seed"]), "sensitivity").generate_state(1)[0])
    if design == "sobol":
        return sobol_indices(problem, means, seed=seed, resamples=resamples, level=level)
    sample = pd.read_parquet(store.path(SALIB_SAMPLE))[problem["names"]].to_numpy(np.float64)
    return morris_indices(problem, sample, means, levels=int(manifest["levels"]), seed=seed,
                          resamples=resamples, level=level)
