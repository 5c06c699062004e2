"""Paired comparison of scenarios against a baseline with common random numbers.

Every scenario runs with the same replicate seeds as the baseline. Because each random
process has its own stream (:mod:`tieredcare.streams`), a scenario and the baseline share
every draw the policy does not change, so the per-seed difference ``scenario − baseline``
has much less noise than the difference of two independent means. The 95 % interval of
the mean paired difference is a t-interval over replicates.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from tieredcare.atomic import atomic_write_text, staged_folder, write_json, write_parquet
from tieredcare.config import LoadedScenario, Scenario, resolved_dict, scenario_hash
from tieredcare.config.policy import switch_days
from tieredcare.experiments.executors import Executor, make_executor
from tieredcare.metrics import INDICATORS
from tieredcare.outputs import may_replace
from tieredcare.results import git_commit, package_versions
from tieredcare.run import simulate
from tieredcare.streams import replicate_seeds

if TYPE_CHECKING:
    from tieredcare.calibration.members import Ensemble

CONFIDENCE = 0.95
COUNTY_HEADLINE = ("county_retention", "inpatient_county_retention", "primary_share")
"""Indicators of the per-county table of a prefecture's comparison (compare.md, printed)."""
COUNTY_DIFFERENCES = "compare_counties.parquet"
"""File of a prefecture's comparison with each county's paired differences."""
MEMBER_DIFFERENCES = "compare_members.parquet"
"""File of an ensemble comparison with each member's paired differences."""
ENSEMBLE_NOTE = (
    "Over {members} ensemble members × {replicates} seeds: the 95 % CI combines parameter "
    "uncertainty (the spread of the effect across members) and seed-to-seed noise; the "
    "seed-only interval is in compare.parquet (seed_ci_low, seed_ci_high).\n\n")


@dataclass(frozen=True)
class Job:
    """One run of a comparison: a scenario with one replicate seed."""

    scenario: Scenario
    base_dir: Path
    replicate: int
    member: int | None = None
    """Ensemble member whose parameter values the scenario carries, if any."""


def jobs(loaded: list[LoadedScenario], seeds: list[int]) -> list[Job]:
    """Every scenario × seed, the baseline (first) included."""
    return [Job(item.scenario.model_copy(update={"seed": seed}), item.base_dir, r)
            for item in loaded for r, seed in enumerate(seeds)]


def run_job(job: Job) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run one job; return its summary row, daily time series and group table, labelled."""
    output = simulate(job.scenario, base_dir=job.base_dir)
    label = {"scenario": job.scenario.name, "replicate": job.replicate,
             "seed": job.scenario.seed}
    if job.member is not None:
        label = {"scenario": job.scenario.name, "member": job.member, **label}
    summary = pd.DataFrame([{**label, **output.summary}])
    series = output.timeseries.assign(**label)
    groups = output.groups.drop(columns=["numerator", "denominator"]).assign(**label)
    return summary, series, groups


def run_jobs(items: list[Job], executor: Executor,
             progress: Callable[[], None] | None = None
             ) -> Iterator[tuple[Job, tuple[pd.DataFrame, ...]]]:
    """Run jobs on an executor, yielding each job with its result as it finishes.

    Raises:
        RuntimeError: If a run fails: a comparison needs every run.
    """
    for job, result in executor.map_unordered(run_job, items):
        if isinstance(result, BaseException):
            raise RuntimeError(f"run of {job.scenario.name} (seed {job.scenario.seed}) "
                               f"failed: {result!r}") from result
        if progress:
            progress()
        yield job, result


def paired_differences(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per scenario and indicator: means, paired difference from baseline and its interval.

    Args:
        runs: One row per (scenario, replicate) with a column per indicator.
        baseline: Name of the baseline scenario.

    Returns:
        Long table with columns scenario, indicator, replicates, baseline_mean,
        scenario_mean, difference, ci_low, ci_high, unpaired_ci_low, unpaired_ci_high.
    """
    indicators = [c for c in runs.columns if c not in ("scenario", "replicate", "seed")]
    base = runs[runs["scenario"] == baseline].set_index("replicate").sort_index()
    rows = []
    for name, group in runs[runs["scenario"] != baseline].groupby("scenario", sort=False):
        other = group.set_index("replicate").sort_index()
        for ind in indicators:
            b, s = base[ind].to_numpy(float), other[ind].reindex(base.index).to_numpy(float)
            rows.append({"scenario": name, "indicator": ind,
                         **_paired(b, s), **_unpaired(b, s)})
    return pd.DataFrame(rows)


GROUP_KEY = ["indicator", "dimension", "group"]


def paired_group_differences(groups: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per scenario, indicator and group: means and the paired difference from baseline.

    Args:
        groups: Group tables of every run (``scenario``, ``replicate`` and the columns of
            :meth:`tieredcare.groups.GroupCounters.table`).
        baseline: Name of the baseline scenario.

    Returns:
        Columns scenario, indicator, dimension, group, replicates, baseline_mean,
        scenario_mean, difference, ci_low, ci_high (a t-interval over replicates).
    """
    index = [*GROUP_KEY, "replicate"]
    base = groups[groups["scenario"] == baseline].set_index(index)["value"]
    parts = []
    for name, other in groups[groups["scenario"] != baseline].groupby("scenario", sort=False):
        pair = pd.DataFrame({"b": base, "s": other.set_index(index)["value"]}).dropna()
        pair["d"] = pair["s"] - pair["b"]
        agg = pair.groupby(level=GROUP_KEY, sort=False).agg(
            replicates=("d", "size"), baseline_mean=("b", "mean"), scenario_mean=("s", "mean"),
            difference=("d", "mean"), sd=("d", "std"))
        half = _mean_half_width(agg["sd"].to_numpy(float), agg["replicates"].to_numpy(float))
        agg["ci_low"], agg["ci_high"] = agg["difference"] - half, agg["difference"] + half
        parts.append(agg.drop(columns="sd").reset_index().assign(scenario=name))
    if not parts:
        return pd.DataFrame(columns=["scenario", *GROUP_KEY, "replicates", "baseline_mean",
                                     "scenario_mean", "difference", "ci_low", "ci_high"])
    table = pd.concat(parts, ignore_index=True)
    return table[["scenario", *GROUP_KEY, *(c for c in table.columns
                                           if c not in ("scenario", *GROUP_KEY))]]


def county_differences(group_differences: pd.DataFrame) -> pd.DataFrame:
    """The paired differences of each county of a prefecture, from the group differences.

    These are the ``county`` rows of :func:`paired_group_differences`, so a county's
    difference and interval are the same statistic as every other group's.

    Args:
        group_differences: :func:`paired_group_differences`.

    Returns:
        Columns scenario, county, indicator, replicates, baseline_mean, scenario_mean,
        difference, ci_low, ci_high; counties in the run's order. Empty for one county.
    """
    rows = group_differences[group_differences["dimension"] == "county"]
    table = rows.drop(columns="dimension").rename(columns={"group": "county"})
    return table[["scenario", "county", "indicator",
                  *(c for c in table.columns if c not in ("scenario", "county", "indicator"))]
                 ].reset_index(drop=True)


def _paired(b: np.ndarray, s: np.ndarray) -> dict[str, float]:
    ok = np.isfinite(b) & np.isfinite(s)
    d = s[ok] - b[ok]
    n = d.size
    half = float(_mean_half_width(np.std(d, ddof=1), n)) if n > 1 else math.nan
    mean = float(d.mean()) if n else math.nan
    return {"replicates": n, "baseline_mean": float(np.mean(b[ok])) if n else math.nan,
            "scenario_mean": float(np.mean(s[ok])) if n else math.nan, "difference": mean,
            "ci_low": mean - half, "ci_high": mean + half}


def _unpaired(b: np.ndarray, s: np.ndarray) -> dict[str, float]:
    """Welch interval, as if the two scenarios had been run with independent seeds."""
    b, s = b[np.isfinite(b)], s[np.isfinite(s)]
    if b.size < 2 or s.size < 2:
        return {"unpaired_ci_low": math.nan, "unpaired_ci_high": math.nan}
    vb, vs = np.var(b, ddof=1) / b.size, np.var(s, ddof=1) / s.size
    se = math.sqrt(vb + vs)
    df = (vb + vs) ** 2 / (vb**2 / (b.size - 1) + vs**2 / (s.size - 1)) if se > 0 else 1.0
    mean, half = float(s.mean() - b.mean()), _half_width(se, df)
    return {"unpaired_ci_low": mean - half, "unpaired_ci_high": mean + half}


def _half_width(se: float, df: float) -> float:
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df) * se) if se > 0 else 0.0


def _mean_half_width(sd: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    """Half-width of the t-interval of a mean of ``n`` paired differences (NaN if n < 2).

    The one definition of the paired interval, for the indicators' table and the groups'.
    """
    sd, n = np.asarray(sd, float), np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1))
        return np.where(n > 1, t * np.nan_to_num(sd) / np.sqrt(n), np.nan)


def _sorted(frame: pd.DataFrame, order: dict[str, int], *extra: str) -> pd.DataFrame:
    rank = frame["scenario"].map(order)
    return (frame.assign(_rank=rank).sort_values(["_rank", "replicate", *extra], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))


def markdown_table(table: pd.DataFrame, indicators: list[str] | None = None) -> str:
    """The comparison as a Markdown table: one row per indicator and scenario."""
    names = indicators or list(INDICATORS)
    lines = ["| indicator | scenario | baseline | scenario value | difference | 95 % CI |",
             "|---|---|---|---|---|---|"]
    for _, r in table[table["indicator"].isin(names)].iterrows():
        lines.append(f"| {r['indicator']} | {r['scenario']} | {r['baseline_mean']:.4g} | "
                     f"{r['scenario_mean']:.4g} | {r['difference']:+.4g} | "
                     f"[{r['ci_low']:+.4g}, {r['ci_high']:+.4g}] |")
    return "\n".join(lines) + "\n"


def county_markdown(counties: pd.DataFrame, indicators: tuple[str, ...] = COUNTY_HEADLINE
                    ) -> str:
    """Each county's paired differences as a Markdown table: county × indicator × scenario."""
    lines = ["| county | indicator | scenario | baseline | scenario value | difference "
             "| 95 % CI |", "|---|---|---|---|---|---|---|"]
    rank = {"county": _first_seen(counties["county"]),
            "scenario": _first_seen(counties["scenario"]),
            "indicator": {name: k for k, name in enumerate(indicators)}}
    rows = counties[counties["indicator"].isin(indicators)].sort_values(
        ["county", "indicator", "scenario"], key=lambda column: column.map(rank[column.name]),
        kind="stable")
    for _, r in rows.iterrows():
        lines.append(f"| {r['county']} | {r['indicator']} | {r['scenario']} | "
                     f"{r['baseline_mean']:.4g} | {r['scenario_mean']:.4g} | "
                     f"{r['difference']:+.4g} | [{r['ci_low']:+.4g}, {r['ci_high']:+.4g}] |")
    return "\n".join(lines) + "\n"


def _first_seen(values: pd.Series) -> dict[str, int]:
    """Rank of each value in the order it first appears (counties: the prefecture's order)."""
    return {name: k for k, name in enumerate(dict.fromkeys(values))}


DEFAULT_ROOT = Path("results") / "compare"
LONGEST_NAME = 120
"""Longest default folder name [characters]; longer lists of names are abbreviated."""


def default_folder(names: list[str]) -> Path:
    """``results/compare/<baseline>_vs_<scenario>_vs_...``, abbreviated when long.

    A long list of scenarios becomes ``<baseline>_vs_<n>_scenarios_<hash>``, so the
    folder name stays within what file systems accept and still differs per list.

    Args:
        names: Scenario names, the baseline first.

    Returns:
        The default comparison folder.
    """
    joined = "_vs_".join(names)
    if len(joined) > LONGEST_NAME:
        digest = hashlib.sha256("\0".join(names).encode()).hexdigest()[:8]
        joined = f"{names[0][:60]}_vs_{len(names) - 1}_scenarios_{digest}"
    return DEFAULT_ROOT / joined


def compare(loaded: list[LoadedScenario], replicates: int, out_dir: Path, *,
            root_seed: int | None = None, workers: int | None = None,
            executor: str | None = None, scheduler: str | None = None,
            progress: Callable[[], None] | None = None, sources: list[str] | None = None,
            overrides: list[str] | None = None, command: list[str] | None = None,
            ensemble: Ensemble | None = None, members: int | None = None) -> pd.DataFrame:
    """Run a baseline (first) and scenarios with the same seeds and write the comparison.

    Args:
        loaded: Baseline first, then the scenarios.
        replicates: Seeds per scenario.
        out_dir: Folder to write (replaced whole, atomically).
        root_seed: Root of the replicate seeds (default: the baseline's seed).
        workers: Processes (default: one per core).
        executor: ``serial``, ``processes`` or ``dask`` (default: processes if
            ``workers > 1``).
        scheduler: Address of a running Dask scheduler to use.
        progress: Called after each run.
        sources: Scenario file names, for the manifest.
        overrides: ``--set`` overrides applied to every scenario, for the manifest.
        command: Command line, for the manifest.
        ensemble: Run every scenario on each of the first ``members`` members of this
            calibration ensemble (:mod:`tieredcare.compare_ensemble`).
        members: Members to use (default: all).

    Returns:
        The paired-difference table.
    """
    names = [item.scenario.name for item in loaded]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ, got {names}")
    root = loaded[0].scenario.seed if root_seed is None else root_seed
    seeds = replicate_seeds(root, replicates)
    workers = workers or os.cpu_count() or 1
    summaries, series, groups = [], [], []
    kind = executor or ("processes" if workers > 1 else "serial")
    if ensemble is not None:
        from tieredcare.compare_ensemble import ensemble_tables, member_jobs  # uses Job

        members = min(members or ensemble.size, ensemble.size)
        todo = member_jobs(loaded, seeds, ensemble, members)
    else:
        todo = jobs(loaded, seeds)
    with make_executor(kind, workers, scheduler) as pool:
        for _, (summary, daily, by_group) in run_jobs(todo, pool, progress):
            summaries.append(summary)
            series.append(daily)
            groups.append(by_group)
    # Runs finish in any order; store them in scenario, then replicate order.
    order = {name: k for k, name in enumerate(names)}
    first = ("member",) if ensemble is not None else ()
    runs = _sorted(pd.concat(summaries, ignore_index=True), order, *first)
    daily_all = _sorted(pd.concat(series, ignore_index=True), order, *first, "day")
    groups_all = _sorted(pd.concat(groups, ignore_index=True), order, *first)
    per_member = None
    if ensemble is not None:
        table, by_group, per_member = ensemble_tables(runs, groups_all, names[0])
    else:
        table = paired_differences(runs, names[0])
        by_group = paired_group_differences(groups_all, names[0])
    counties = county_differences(by_group)
    report = markdown_table(table)
    with staged_folder(Path(out_dir), replace=may_replace("compare")) as tmp:
        write_parquet(tmp / "runs.parquet", runs)
        write_parquet(tmp / "timeseries.parquet", daily_all)
        write_parquet(tmp / "compare.parquet", table)
        write_parquet(tmp / "groups.parquet", groups_all)
        write_parquet(tmp / "compare_groups.parquet", by_group)
        if per_member is not None:
            write_parquet(tmp / MEMBER_DIFFERENCES, per_member)
            report = ENSEMBLE_NOTE.format(members=members, replicates=replicates) + report
        if not counties.empty:
            write_parquet(tmp / COUNTY_DIFFERENCES, counties)
            report += "\n## By county\n\n" + county_markdown(counties)
        atomic_write_text(tmp / "compare.md", report)
        write_json(tmp / "manifest.json", {
            "kind": "compare", "baseline": names[0], "scenarios": names[1:],
            "replicates": replicates, "root_seed": root, "seeds": seeds,
            "ensemble": None if ensemble is None else {
                "folder": str(ensemble.folder), "members": members,
                "parameters": sorted(ensemble.scale)},
            "sources": sources, "overrides": overrides or [], "command": command,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": package_versions(), "git_commit": git_commit(),
            "config_hashes": {i.scenario.name: scenario_hash(i.scenario) for i in loaded},
            "levers": {i.scenario.name: switch_days(i.scenario.policy) for i in loaded},
            "resolved_configs": {i.scenario.name: resolved_dict(i.scenario) for i in loaded},
        })
    return table
