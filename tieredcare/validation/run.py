"""Run every study's scenario pair with common random numbers and judge the effects.

Each pair is an ordinary comparison (:func:`tieredcare.compare.compare`): the two
scenarios run with the same replicate seeds and the model's effect is their paired
difference with its t-interval. Studies that share a pair share its runs. The results
folder holds, besides ``report.md``, ``validation.parquet``, the chart and the manifest, a
``runs/`` folder with each pair's comparison, which ``tieredcare plot`` can draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from tieredcare.atomic import atomic_write_text, staged_folder, write_json, write_parquet
from tieredcare.compare import compare
from tieredcare.config import ConfigError, scenario_hash
from tieredcare.outputs import may_replace
from tieredcare.results import git_commit, package_versions
from tieredcare.validation.judge import in_unit, judge
from tieredcare.validation.report import markdown_report, summary_counts
from tieredcare.validation.studies import Study

KIND = "validation"
"""Kind of results folder (``manifest.json``)."""
RUNS = "runs"
"""Subfolder holding each scenario pair's comparison."""
CHART = "validation"
"""Name of the chart file (``validation.png``)."""


@dataclass(frozen=True)
class Settings:
    """How the pairs are run.

    Attributes:
        replicates: Seeds per scenario (the same for both scenarios of a pair).
        workers: Processes (default: one per core).
        executor: ``serial``, ``processes`` or ``dask`` (default: processes if workers > 1).
        scheduler: Address of a running Dask scheduler.
        root_seed: Root of the replicate seeds (default: each baseline's seed).
        overrides: ``--set`` items applied to every scenario (for the manifest).
        lang: Language of the chart.
    """

    replicates: int
    workers: int | None = None
    executor: str | None = None
    scheduler: str | None = None
    root_seed: int | None = None
    overrides: tuple[str, ...] = ()
    lang: str = "en"


def run_pairs(studies: list[Study], settings: Settings, folder: Path,
              progress: Callable[[], None] | None = None) -> dict[tuple[Path, Path], Path]:
    """Run each distinct scenario pair once, as a comparison in a folder of its own.

    Returns:
        Pair (baseline file, policy file) → its comparison folder.
    """
    folders: dict[tuple[Path, Path], Path] = {}
    for study in studies:
        if study.pair in folders:
            continue
        name = f"{study.baseline.scenario.name}_vs_{study.policy.scenario.name}"
        target = folder / name
        if target in folders.values():
            target = folder / f"{name}-{len(folders)}"
        compare([study.baseline, study.policy], settings.replicates, target,
                root_seed=settings.root_seed, workers=settings.workers,
                executor=settings.executor, scheduler=settings.scheduler, progress=progress,
                sources=[str(study.baseline.path), str(study.policy.path)],
                overrides=list(settings.overrides))
        folders[study.pair] = target
    return folders


def paired_row(folder: Path, indicator: str) -> pd.Series:
    """The paired difference of an indicator (or ``name@dimension=group``) in a comparison.

    Raises:
        ValueError: If the comparison has no value for it (e.g. a group without residents).
    """
    name, _, group = indicator.partition("@")
    if group:
        dimension, _, value = group.partition("=")
        table = pd.read_parquet(folder / "compare_groups.parquet")
        rows = table[(table["indicator"] == name) & (table["dimension"] == dimension)
                     & (table["group"] == value)]
    else:
        table = pd.read_parquet(folder / "compare.parquet")
        rows = table[table["indicator"] == name]
    if rows.empty:
        raise ValueError(f"{indicator} has no paired difference in {folder}")
    return rows.iloc[0]


def result_row(study: Study, row: pd.Series) -> dict:
    """One line of ``validation.parquet``: the published effect, the model's, the verdict."""
    spec, pub = study.spec, study.spec.published
    effect = in_unit(pub.unit, float(row["difference"]), float(row["ci_low"]),
                     float(row["ci_high"]), float(row["baseline_mean"]))
    verdict = judge((pub.value, pub.low, pub.high), effect, pub.size_comparable)
    return {
        "study": spec.id, "label": spec.label, "citation": spec.citation, "design": spec.design,
        "indicator": spec.indicator, "unit": pub.unit, "published_value": pub.value,
        "published_low": pub.low, "published_high": pub.high,
        "interval_source": pub.interval, "size_comparable": pub.size_comparable,
        "baseline": study.baseline.scenario.name, "policy": study.policy.scenario.name,
        "replicates": int(row["replicates"]), "baseline_mean": float(row["baseline_mean"]),
        "policy_mean": float(row["scenario_mean"]), "difference": float(row["difference"]),
        "model_effect": effect[0], "model_low": effect[1], "model_high": effect[2],
        "published_direction": verdict.published_direction,
        "model_direction": verdict.model_direction,
        "direction_agrees": verdict.direction_agrees,
        "within_interval": verdict.within_interval,
        "intervals_overlap": verdict.intervals_overlap, "agrees": verdict.agrees,
    }


def results_table(studies: list[Study], folders: dict[tuple[Path, Path], Path]
                  ) -> pd.DataFrame:
    """Every study's line, in the studies' order.

    Raises:
        ConfigError: Naming the study file, if a comparison has no value for its indicator.
    """
    rows = []
    for study in studies:
        try:
            rows.append(result_row(study, paired_row(folders[study.pair],
                                                     study.spec.indicator)))
        except ValueError as exc:
            raise ConfigError.one(study.path, "indicator", str(exc)) from None
    table = pd.DataFrame(rows)
    for column in ("within_interval", "intervals_overlap"):
        table[column] = table[column].astype("boolean")  # None where sizes do not compare
    return table


def validate_effects(studies: list[Study], out_dir: Path, settings: Settings, *,
                     progress: Callable[[], None] | None = None,
                     command: list[str] | None = None) -> pd.DataFrame:
    """Run the studies' pairs and write the validation folder (replaced whole, atomically).

    Args:
        studies: Checked study files (:func:`~tieredcare.validation.studies.load_studies`).
        out_dir: Folder to write.
        settings: Replicates, executor and chart language.
        progress: Called after each run.
        command: Command line, for the manifest and the report.

    Returns:
        The table written to ``validation.parquet``.
    """
    from tieredcare.viz.canvas import save_figure
    from tieredcare.viz.validation import effects_chart

    with staged_folder(Path(out_dir), replace=may_replace(KIND)) as tmp:
        folders = run_pairs(studies, settings, tmp / RUNS, progress)
        table = results_table(studies, folders)
        runs = {s.spec.id: folders[s.pair].relative_to(tmp).as_posix() for s in studies}
        write_parquet(tmp / "validation.parquet", table)
        atomic_write_text(tmp / "report.md", markdown_report(studies, table, runs, command))
        source = f"tieredcare validate-effects · {settings.replicates} replicates per scenario"
        save_figure(effects_chart(table, lang=settings.lang, source=source), tmp / CHART)
        write_json(tmp / "manifest.json", _manifest(studies, table, runs, settings, command))
    return table


def _manifest(studies: list[Study], table: pd.DataFrame, runs: dict[str, str],
              settings: Settings, command: list[str] | None) -> dict:
    return {
        "kind": KIND, "replicates": settings.replicates, "root_seed": settings.root_seed,
        "overrides": list(settings.overrides), "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(), "git_commit": git_commit(),
        "files": ["report.md", "validation.parquet", f"{CHART}.png", f"{RUNS}/"],
        "summary": summary_counts(table),
        "studies": [{"id": s.spec.id, "file": str(s.path), "indicator": s.spec.indicator,
                     "baseline": str(s.baseline.path), "policy": str(s.policy.path),
                     "config_hashes": [scenario_hash(s.baseline.scenario),
                                       scenario_hash(s.policy.scenario)],
                     "runs": runs[s.spec.id]} for s in studies],
    }
