"""The ``tieredcare sweep``, ``analyze`` and ``reproduce`` commands.

:func:`register` adds them to the ``tieredcare`` Typer app. ``python -m
tieredcare.experiments`` offers the same commands on their own. The experiments package
(SALib, scipy, Dask) is imported only when a command runs, so ``tieredcare --help`` and
``tieredcare validate`` start quickly.
"""

from __future__ import annotations

import random
import sys
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from tieredcare.config import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from tieredcare.experiments.executors import Executor
    from tieredcare.experiments.plan import RunPlan
    from tieredcare.experiments.sweep import SessionReport
    from tieredcare.experiments.worker import RunRecord

HEADLINE = ("county_retention", "inpatient_county_retention", "primary_share")
"""Indicators ``analyze`` prints unless told others."""
INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells use."""


class ExecutorKind(StrEnum):
    """Where runs execute."""

    serial = "serial"
    processes = "processes"
    dask = "dask"


def register(app: typer.Typer) -> None:
    """Add the ``sweep``, ``analyze`` and ``reproduce`` commands to a Typer app.

    Args:
        app: The ``tieredcare`` app (or any Typer app).
    """
    app.command("sweep")(sweep_command)
    app.command("analyze")(analyze_command)
    app.command("reproduce")(reproduce_command)


def _main() -> ModuleType:
    # Imported when a command runs, not at import time: tieredcare.cli imports this module
    # to register the commands, so importing it back here at the top would be circular.
    from tieredcare import cli

    return cli


# ----------------------------------------------------------------------------- sweep


def sweep_command(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep YAML file.", metavar="SWEEP.yaml")],
    workers: Annotated[int | None, typer.Option(
        min=1, help="Worker processes (default: all cores; serial uses one).")] = None,
    executor: Annotated[ExecutorKind | None, typer.Option(
        help="Where runs execute (default: processes, or dask with --scheduler).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://node17:8786.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the sweep in the folder: redo failed and missing runs "
        "only.")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Start the sweep in the folder again, replacing its runs (only a "
        "sweep folder is ever replaced).")] = False,
    max_runs: Annotated[int | None, typer.Option(
        min=1, help="Most runs (points × replicates) the sweep may plan (default 100,000; "
        "see README).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Sweep folder (default: results/sweeps/<name>).")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run a sweep: every design point × replicate seed; resumable after a crash."""
    from tieredcare.experiments.store import SweepStore
    from tieredcare.experiments.sweep import default_folder, prepare, run_sweep
    from tieredcare.outputs import output_target

    main = _main()
    with main.rejected_input():
        kind = executor_kind(executor, scheduler)
        plan = prepare(sweep_file, **({} if max_runs is None else {"max_runs": max_runs}))
        target = output_target(out_dir, default_folder(plan), source=sweep_file)
        # Before any worker starts.
        SweepStore(target.path).check_target(plan, resume=resume, overwrite=overwrite,
                                             target=target)
        with open_executor(kind, workers, scheduler) as pool:
            try:
                with _ProgressBar(main.err, plan.sweep.name, quiet) as bar:
                    report = run_sweep(plan, pool, target.path, resume=resume,
                                       overwrite=overwrite, progress=bar, command=sys.argv,
                                       target=target)
            except KeyboardInterrupt:
                main.err.print(f"Interrupted. Finished runs are kept; continue with: "
                               f"tieredcare sweep {sweep_file} --resume --out {target.path}")
                raise typer.Exit(INTERRUPTED) from None
            described = pool.describe()
    _print_report(main.out, plan, report, described, sweep_file)
    if report.status != "complete":
        raise typer.Exit(1)


def executor_kind(executor: ExecutorKind | None, scheduler: str | None) -> str:
    """The executor the options ask for: dask with a scheduler, else processes by default."""
    if executor is None:
        return "dask" if scheduler else "processes"
    if scheduler and executor is not ExecutorKind.dask:
        raise ConfigError.one("--scheduler", "", f"only used with --executor dask, not "
                              f"{executor.value}")
    return executor.value


def open_executor(kind: str, workers: int | None, scheduler: str | None) -> Executor:
    """The executor, or a clear error if its Dask scheduler cannot be reached."""
    from tieredcare.experiments.executors import make_executor

    try:
        return make_executor(kind, workers, scheduler)
    except (OSError, TimeoutError) as exc:
        raise ConfigError.one("--scheduler", "", f"cannot reach the Dask scheduler at "
                              f"{scheduler}: {exc}") from None


class _ProgressBar:
    """Runs done / total, failures, elapsed time and ETA, on stderr."""

    def __init__(self, console: Console, label: str, quiet: bool) -> None:
        self._label, self._failed, self._task = label, 0, None
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("runs  [red]{task.fields[failed]} failed"), TimeElapsedColumn(),
                   TextColumn("ETA"), TimeRemainingColumn())
        self._bar = None if quiet else Progress(*columns, console=console)

    def __enter__(self) -> _ProgressBar:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start(self, total: int, done: int) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(self._label, total=total, completed=done, failed=0)

    def advance(self, record: RunRecord) -> None:
        from tieredcare.experiments.worker import FAILED

        self._failed += record.status == FAILED
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, failed=self._failed)


def _print_report(console: Console, plan: RunPlan, report: SessionReport,
                  executor: dict[str, Any], sweep_file: Path) -> None:
    done = report.already_done + report.done
    rate = report.ran / report.wall_seconds * 60 if report.wall_seconds > 0 else 0.0
    console.print(f"Sweep [bold]{plan.sweep.name}[/]: {done} of {report.total} runs done, "
                  f"{report.total - done} not done. This session: {report.ran} runs "
                  f"({report.failed} failed) in {report.wall_seconds:.1f} s, {rate:.0f} "
                  f"runs/min, {executor['executor']} × {executor['workers']}.")
    for record in report.failures[:5]:
        console.print(f"  [red]failed[/] {record.run_id}: {record.error}", highlight=False)
    if report.failures:
        console.print(f"Details in {report.folder}/runs/<run_id>/error.json. Redo failed "
                      f"runs with: tieredcare sweep {sweep_file} --resume --out {report.folder}")
    console.print(f"Results: [bold]{report.folder}[/]  (next: tieredcare analyze "
                  f"{report.folder})")


# ----------------------------------------------------------------------------- analyze


def analyze_command(
    sweep_dir: Annotated[Path, typer.Argument(help="Sweep folder (or its manifest.json).")],
    indicators: Annotated[list[str] | None, typer.Option(
        "--indicator", "-i", help="Indicator to print (repeatable; default: county "
        "retention, inpatient county retention, primary-care share).")] = None,
    level: Annotated[float, typer.Option(min=0.5, max=0.999,
                                         help="Confidence level of the intervals.")] = 0.95,
    rows: Annotated[int, typer.Option(min=1, help="Design points printed at most.")] = 20,
    reference: Annotated[int, typer.Option(
        min=0, help="Design point the others' paired differences are taken from.")] = 0,
) -> None:
    """Summarise a sweep: means and paired differences per point with CIs; write tables.

    Sobol and Morris designs get their sensitivity indices too.
    """
    from tieredcare.experiments.analysis import analyze_sweep
    from tieredcare.experiments.store import AGGREGATE, DIFFERENCES, SENSITIVITY

    main = _main()
    with main.rejected_input():
        analysis = analyze_sweep(sweep_dir, level=level, reference=reference)
        names = _indicators(analysis.aggregate, indicators)
    console = main.out
    ensemble = analysis.manifest.get("ensemble")
    console.print(_aggregate_table(analysis.aggregate, names, "mean",
                                   _title("Mean", ensemble, level), rows))
    if not analysis.differences.empty:
        console.print(_aggregate_table(
            analysis.differences, names, "difference",
            _title(f"Paired difference from point {analysis.reference}", ensemble, level),
            rows))
    if ensemble:
        console.print(f"Over {ensemble['members']} ensemble members: the CIs combine "
                      "parameter uncertainty (the spread across members) and seed noise; "
                      "aggregate.parquet and differences.parquet give both parts "
                      "(parameter_sd, stochastic_sd) and the seed-only interval.")
    if analysis.sensitivity is not None:
        console.print(_sensitivity_table(analysis.sensitivity.table, names))
        for name in names:
            if name in analysis.sensitivity.skipped:
                console.print(f"{name}: no indices ({analysis.sensitivity.skipped[name]})")
    written = [AGGREGATE, DIFFERENCES] + ([SENSITIVITY] if analysis.sensitivity is not None
                                          else [])
    console.print(f"Wrote {', '.join(str(analysis.store.path(w)) for w in written)}")


def _indicators(table: pd.DataFrame, wanted: list[str] | None) -> list[str]:
    known = list(dict.fromkeys(table["indicator"]))
    names = wanted or [n for n in HEADLINE if n in known]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError.one("--indicator", "", f"unknown indicator(s) {unknown}; allowed: "
                              f"{', '.join(known)}")
    return names


def _title(what: str, ensemble: dict | None, level: float) -> str:
    over = (f"over {ensemble['members']} members × replicates" if ensemble
            else "over replicates")
    return f"{what} {over} [{level:.0%} CI]"


def _aggregate_table(table: pd.DataFrame, names: list[str], value: str, title: str,
                     rows: int) -> Table:
    """Points × indicators, each cell ``value [ci_low, ci_high]`` (differences signed)."""
    parameters = list(table.columns[1:table.columns.get_loc("indicator")])
    difference = value == "difference"
    out = Table(title=title)
    for column in ["point", *parameters]:
        out.add_column(_short(column), justify="right")
    for name in names:
        out.add_column(name, justify="right")
    wide = table[table["indicator"].isin(names)].set_index(["point", "indicator"])
    points = table.drop_duplicates("point")
    for _, point in points.head(rows).iterrows():
        cells = [str(point["point"]), *(_value(point[p]) for p in parameters)]
        for name in names:
            row = wide.loc[(point["point"], name)]
            low, high = (_value(row[c], name, difference) for c in ("ci_low", "ci_high"))
            cells.append(f"{_value(row[value], name, difference)} [{low}, {high}]")
        out.add_row(*cells)
    if len(points) > rows:
        file = "differences" if difference else "aggregate"
        out.caption = f"… {len(points) - rows} more points in {file}.parquet"
    return out


def _sensitivity_table(table: pd.DataFrame, names: list[str]) -> Table:
    import pandas as pd

    measures = list(dict.fromkeys(table["measure"]))
    out = Table(title="Sensitivity (± half-width of the bootstrap CI)")
    out.add_column("indicator")
    out.add_column("parameter")
    for measure in measures:
        out.add_column(measure, justify="right")
    for (indicator, parameter), group in table[table["indicator"].isin(names)].groupby(
            ["indicator", "parameter"], sort=False):
        by = group.set_index("measure")
        out.add_row(indicator, parameter, *(
            f"{by.at[m, 'value']:.3f}" + ("" if pd.isna(by.at[m, "conf"])
                                          else f" ± {by.at[m, 'conf']:.3f}")
            for m in measures))
    return out


def _short(key: str) -> str:
    """The last two parts of a dotted key, enough to tell levers apart in a table."""
    return ".".join(key.split(".")[-2:])


def _value(value: Any, indicator: str | None = None, difference: bool = False) -> str:
    """A table cell: shares in per cent (differences of shares in percentage points)."""
    import pandas as pd

    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "–"
    share = indicator is not None and _unit(indicator) == "share"
    if difference:
        return f"{value * 100:+.1f} pp" if share else f"{value:+.4g}"
    return f"{value:.1%}" if share else f"{value:.4g}"


def _unit(indicator: str) -> str:
    from tieredcare.metrics import INDICATORS

    found = INDICATORS.get(indicator)
    return getattr(found, "unit", "")


# ----------------------------------------------------------------------------- reproduce


def reproduce_command(
    manifest: Annotated[Path, typer.Argument(
        help="manifest.json of a run or sweep folder (or the folder).", metavar="MANIFEST")],
    runs: Annotated[str, typer.Option(
        help="Sweeps: how many finished runs to check, chosen at random, or 'all'.")] = "3",
    workers: Annotated[int, typer.Option(min=1, help="Worker processes for sweeps.")] = 1,
    seed: Annotated[int | None, typer.Option(
        help="Seed of the random choice of runs (default: a fresh choice).")] = None,
) -> None:
    """Run stored runs again from their resolved scenario and seed; compare summaries."""
    from tieredcare.experiments.executors import make_executor
    from tieredcare.experiments.reproduce import reproduce

    main = _main()
    with main.rejected_input():
        count = _run_count(runs)
        with make_executor("processes" if workers > 1 else "serial", workers) as pool:
            checks = reproduce(manifest, count, executor=pool, rng=random.Random(seed))
    table = Table(title=f"Reproduce {manifest}")
    for column in ("run", "seed", "result"):
        table.add_column(column)
    for check in checks:
        table.add_row(check.run, str(check.seed), _verdict(check))
    main.out.print(table)
    bad = sum(not c.matches for c in checks)
    main.out.print(f"{len(checks) - bad} of {len(checks)} runs reproduced exactly.")
    if bad or not checks:
        raise typer.Exit(1)


def _run_count(runs: str) -> int | None:
    if runs.strip().lower() == "all":
        return None
    if runs.strip().isdigit() and int(runs) > 0:
        return int(runs)
    raise ConfigError.one("--runs", "", f"{runs!r}; allowed: a whole number ≥ 1, or 'all'")


def _verdict(check: Any) -> str:
    if check.error:
        return f"[red]error[/]: {check.error}"
    if check.matches:
        return "[green]match[/]"
    shown = "; ".join(f"{k}: {a} → {b}" for k, (a, b) in list(check.differences.items())[:3])
    return f"[red]mismatch[/] ({len(check.differences)} indicators: {shown})"
