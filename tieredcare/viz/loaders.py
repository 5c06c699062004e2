"""Reading results folders (run, compare, sweep) into DataFrames for the charts.

The folder's kind is read from ``manifest.json`` (``kind``: ``run``, ``compare`` or
``sweep``). Nothing here writes to the folder: a sweep without ``aggregate.parquet`` is
aggregated in memory, and a sweep without ``sensitivity.parquet`` simply has none. The
indicators by group (``groups.parquet``, and ``compare_groups.parquet`` of a comparison)
are optional too: folders written before they existed load with None, and the charts
drawn from them are left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tieredcare.viz.labels import phrase

MANIFEST = "manifest.json"
KINDS = ("run", "compare", "sweep", "calibration")


class ResultsError(ValueError):
    """A folder that is not a tieredcare results folder (or is missing a table)."""


@dataclass
class Results:
    """A results folder and its manifest.

    Attributes:
        path: The folder.
        manifest: Its ``manifest.json``.
    """

    path: Path
    manifest: dict[str, Any]
    kind = "results"

    @property
    def name(self) -> str:
        """Short name: the scenario, the scenarios compared, or the sweep."""
        return str(self.manifest.get("name") or self.path.name)

    @property
    def created(self) -> str:
        """Date the results were made (UTC, YYYY-MM-DD); the manifest's file date if unrecorded."""
        stamp = self.manifest.get("created")
        if stamp:
            return str(stamp)[:10]
        mtime = (self.path / MANIFEST).stat().st_mtime
        return datetime.fromtimestamp(mtime, UTC).date().isoformat()

    @property
    def switches(self) -> list[dict[str, Any]]:
        """Lever switch days: ``{"scenario", "lever", "day", "switch"}`` (on/off)."""
        return []

    def source_line(self, lang: str = "en") -> str:
        """The source line printed under every chart of these results."""
        parts = [self._what(lang), *self._how_many(lang), self.created, *self._hashes(lang)]
        commit = self.manifest.get("git_commit")
        if commit:
            parts.append(phrase("git", lang, commit=str(commit)[:7] + (
                "+dirty" if str(commit).endswith("+dirty") else "")))
        sep = "：" if lang == "zh" else ": "
        return phrase("source", lang) + sep + " · ".join(p for p in parts if p)

    def _what(self, lang: str) -> str:
        return self.name

    def _members(self, lang: str) -> list[str]:
        """'40 ensemble members' for a comparison or sweep over an ensemble."""
        ensemble = self.manifest.get("ensemble")
        return [phrase("members", lang, n=ensemble.get("members"))] if ensemble else []

    def _how_many(self, lang: str) -> list[str]:
        return []

    def _hashes(self, lang: str) -> list[str]:
        return []


@dataclass
class RunResults(Results):
    """A ``tieredcare run`` folder.

    Attributes:
        timeseries: One row per reported day, one column per indicator.
        facilities: One row per facility (tier, x, y, visits, admissions, ...).
        flows: Treated episodes by home township × facility (tier, in_county).
        summary: ``summary.json``: ``indicators``, ``episodes``, ``timeline``.
        groups: Indicators by group (indicator, dimension, group, value, numerator,
            denominator); None if the folder has no ``groups.parquet``.
    """

    timeseries: pd.DataFrame = field(default_factory=pd.DataFrame)
    facilities: pd.DataFrame = field(default_factory=pd.DataFrame)
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: dict[str, Any] = field(default_factory=dict)
    groups: pd.DataFrame | None = None
    kind = "run"

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.manifest.get("scenario") or self.path.name)

    @property
    def indicators(self) -> dict[str, float]:
        """Every indicator over the reported period (None as NaN)."""
        return {k: float("nan") if v is None else float(v)
                for k, v in self.summary.get("indicators", {}).items()}

    @property
    def switches(self) -> list[dict[str, Any]]:
        """Lever switches that happened during the run (``summary.json`` timeline)."""
        return [{"scenario": self.name, "lever": item["lever"], "day": int(item["day"]),
                 "switch": item.get("switch", "on")}
                for item in self.summary.get("timeline", [])]

    def _what(self, lang: str) -> str:
        return phrase("run_source", lang, name=self.name)

    def _how_many(self, lang: str) -> list[str]:
        seed = self.manifest.get("seed")
        return [phrase("run_one", lang)] + ([phrase("seed", lang, seed=seed)]
                                            if seed is not None else [])

    def _hashes(self, lang: str) -> list[str]:
        value = self.manifest.get("config_hash")
        return [phrase("config", lang, hash=str(value)[:8])] if value else []


@dataclass
class CompareResults(Results):
    """A ``tieredcare compare`` folder.

    Attributes:
        runs: One row per run: scenario, replicate, seed, one column per indicator.
        timeseries: Daily indicators of every run, with scenario, replicate, seed, day.
        compare: Paired differences: scenario, indicator, baseline_mean, scenario_mean,
            difference, ci_low, ci_high, ...
        groups: Indicators by group of every run (scenario, replicate, seed, indicator,
            dimension, group, value); None if the folder has no ``groups.parquet``.
        group_differences: Paired differences by group (scenario, indicator, dimension,
            group, replicates, baseline_mean, scenario_mean, difference, ci_low, ci_high);
            None if the folder has no ``compare_groups.parquet``.
    """

    runs: pd.DataFrame = field(default_factory=pd.DataFrame)
    timeseries: pd.DataFrame = field(default_factory=pd.DataFrame)
    compare: pd.DataFrame = field(default_factory=pd.DataFrame)
    groups: pd.DataFrame | None = None
    group_differences: pd.DataFrame | None = None
    kind = "compare"

    @property
    def baseline(self) -> str:
        """The baseline scenario's name."""
        return str(self.manifest["baseline"])

    @property
    def scenarios(self) -> list[str]:
        """Every scenario, the baseline first."""
        return [self.baseline, *self.manifest.get("scenarios", [])]

    @property
    def name(self) -> str:
        """'baseline vs a, b'."""
        return f"{self.baseline} vs {', '.join(self.manifest.get('scenarios', []))}"

    @property
    def switches(self) -> list[dict[str, Any]]:
        """Days the scenarios' levers switch on (and off) in the reported period."""
        rows = []
        for scenario, levers in (self.manifest.get("levers") or {}).items():
            for lever in levers:
                for key, switch in (("start_day", "on"), ("end_day", "off")):
                    if lever.get(key) is not None:
                        rows.append({"scenario": scenario, "lever": lever["lever"],
                                     "day": int(lever[key]), "switch": switch})
        return rows

    def descriptions(self) -> dict[str, str]:
        """Each scenario's one-line description, from its resolved configuration."""
        configs = self.manifest.get("resolved_configs") or {}
        return {name: str(configs.get(name, {}).get("description", "")) for name in
                self.scenarios}

    def _what(self, lang: str) -> str:
        return phrase("compare_source", lang, names=self.name)

    def _how_many(self, lang: str) -> list[str]:
        parts = [replicates(self.manifest.get("replicates"), lang)]
        return parts + self._members(lang)

    def _hashes(self, lang: str) -> list[str]:
        hashes = self.manifest.get("config_hashes") or {}
        if not hashes:
            return []
        return [phrase("config", lang, hash="/".join(str(h)[:8] for h in hashes.values()))]


@dataclass
class SweepResults(Results):
    """A ``tieredcare sweep`` folder.

    Attributes:
        design: One row per run: run_id, point, replicate, seed, parameter columns.
        summary: One row per run × indicator (long format).
        aggregate: One row per design point × indicator: parameters, n, mean, ci_low,
            ci_high, sd, median, p10, p90 (over an ensemble, both parts of the spread too).
        differences: Each other point's paired difference from the reference point
            (empty for a one-point sweep).
        sensitivity: Sobol (S1, ST) or Morris indices with ``conf``; None if the folder
            has no ``sensitivity.parquet``.
    """

    design: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    aggregate: pd.DataFrame = field(default_factory=pd.DataFrame)
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame | None = None
    kind = "sweep"

    @property
    def parameters(self) -> list[str]:
        """The swept parameter columns, in the sweep file's order."""
        skip = {"run_id", "point", "member", "replicate", "seed"}
        return [c for c in self.design.columns if c not in skip]

    def _what(self, lang: str) -> str:
        return phrase("sweep_source", lang, name=self.name)

    def _how_many(self, lang: str) -> list[str]:
        parts = [phrase("sweep_points", lang, points=self.manifest.get("points", "?"),
                        replicates=replicates(self.manifest.get("replicates"), lang))]
        return parts + self._members(lang)

    def _hashes(self, lang: str) -> list[str]:
        value = self.manifest.get("sweep_hash")
        return [phrase("sweep_hash", lang, hash=str(value)[:8])] if value else []


@dataclass
class CalibrationResults(Results):
    """A ``tieredcare calibrate`` folder.

    Attributes:
        trials: Every trial: trial, state, loss, each parameter, each target's mean and sd.
        fit: Per target: value, low, high, fitted, replicate_sd, inside.
        ensemble: The members (``ensemble/ensemble.parquet``), or None if none was sampled.
    """

    trials: pd.DataFrame = field(default_factory=pd.DataFrame)
    fit: pd.DataFrame = field(default_factory=pd.DataFrame)
    ensemble: pd.DataFrame | None = None
    kind = "calibration"

    @property
    def parameters(self) -> list[str]:
        """The calibrated scenario keys."""
        return list((self.manifest.get("targets") or {}).get("parameters", {}))

    @property
    def created(self) -> str:
        """Date of the last session (UTC, YYYY-MM-DD)."""
        return str(self.manifest.get("updated") or super().created)[:10]

    def _what(self, lang: str) -> str:
        return phrase("calibration_source", lang, name=self.name)

    def _how_many(self, lang: str) -> list[str]:
        done = int((self.trials["state"] == "COMPLETE").sum()) if not self.trials.empty else 0
        parts = [phrase("trials", lang, n=done), replicates(self.manifest.get("replicates"),
                                                           lang)]
        if self.ensemble is not None:
            parts.append(phrase("members", lang, n=len(self.ensemble)))
        return parts


def replicates(n: int | None, lang: str) -> str:
    """'3 replicates', '1 replicate' / '3次重复'."""
    return phrase("replicate_one", lang) if n == 1 else phrase("replicates", lang,
                                                                  n="?" if n is None else n)


def read_manifest(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """A results folder (given as the folder or its manifest) and its manifest.

    Raises:
        ResultsError: If there is no readable manifest of a known kind.
    """
    path = Path(path)
    folder = path.parent if path.name == MANIFEST else path
    file = folder / MANIFEST
    if not file.is_file():
        raise ResultsError(f"{folder}: not a results folder (no {MANIFEST}); give a folder "
                           "written by tieredcare run, compare or sweep")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{file}: cannot read the manifest ({exc})") from None
    if manifest.get("kind") not in KINDS:
        raise ResultsError(f"{file}: unknown kind {manifest.get('kind')!r}; expected one of "
                           f"{', '.join(KINDS)}")
    return folder, manifest


def load_results(path: str | Path
                 ) -> RunResults | CompareResults | SweepResults | CalibrationResults:
    """Load a results folder of any kind.

    Args:
        path: A folder written by ``tieredcare run``, ``compare``, ``sweep`` or
            ``calibrate`` (or its
            ``manifest.json``).

    Returns:
        The folder's tables, by kind.

    Raises:
        ResultsError: If the folder is not a results folder or lacks a table.
    """
    folder, manifest = read_manifest(path)
    loader = {"run": load_run, "compare": load_compare, "sweep": load_sweep,
              "calibration": load_calibration}[manifest["kind"]]
    return loader(folder, manifest)


def _table(folder: Path, name: str) -> pd.DataFrame:
    file = folder / name
    if not file.is_file():
        raise ResultsError(f"{folder}: {name} is missing")
    return pd.read_parquet(file)


def _optional_table(folder: Path, name: str) -> pd.DataFrame | None:
    """A table that older folders do not have: None if the file is missing."""
    file = folder / name
    return pd.read_parquet(file) if file.is_file() else None


def load_run(folder: Path, manifest: dict[str, Any]) -> RunResults:
    """Load a run folder."""
    summary_file = folder / "summary.json"
    if not summary_file.is_file():
        raise ResultsError(f"{folder}: summary.json is missing")
    return RunResults(folder, manifest, timeseries=_table(folder, "timeseries.parquet"),
                      facilities=_table(folder, "facilities.parquet"),
                      flows=_table(folder, "flows.parquet"),
                      summary=json.loads(summary_file.read_text(encoding="utf-8")),
                      groups=_optional_table(folder, "groups.parquet"))


def load_compare(folder: Path, manifest: dict[str, Any]) -> CompareResults:
    """Load a compare folder."""
    return CompareResults(folder, manifest, runs=_table(folder, "runs.parquet"),
                          timeseries=_table(folder, "timeseries.parquet"),
                          compare=_table(folder, "compare.parquet"),
                          groups=_optional_table(folder, "groups.parquet"),
                          group_differences=_optional_table(folder, "compare_groups.parquet"))


def load_sweep(folder: Path, manifest: dict[str, Any]) -> SweepResults:
    """Load a sweep folder; tables ``analyze`` has not written yet are computed in memory."""
    from tieredcare.experiments.aggregate import aggregate as aggregate_summary
    from tieredcare.experiments.differences import point_differences

    summary = _table(folder, "summary.parquet")
    aggregate = _optional_table(folder, "aggregate.parquet")
    if aggregate is None:
        aggregate = aggregate_summary(summary)
    differences = _optional_table(folder, "differences.parquet")
    if differences is None:
        try:
            differences = point_differences(summary)
        except ValueError:  # no finished run at point 0 yet
            differences = pd.DataFrame()
    return SweepResults(folder, manifest, design=_table(folder, "design.parquet"),
                        summary=summary, aggregate=aggregate, differences=differences,
                        sensitivity=_optional_table(folder, "sensitivity.parquet"))


def load_calibration(folder: Path, manifest: dict[str, Any]) -> CalibrationResults:
    """Load a calibration folder (its ensemble too, if it has one)."""
    return CalibrationResults(folder, manifest, trials=_table(folder, "trials.parquet"),
                              fit=_table(folder, "fit.parquet"),
                              ensemble=_optional_table(folder / "ensemble", "ensemble.parquet"))
