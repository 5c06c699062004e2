"""``tieredcare calibrate``: fit a county's parameters to its statistics with Optuna."""

from __future__ import annotations

import dataclasses
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from tieredcare.outputs import OutputTarget, check_output, manifest_kind, output_target
from tieredcare.sweep_cli import INTERRUPTED, ExecutorKind, executor_kind, open_executor

if TYPE_CHECKING:  # optuna is imported only when the command runs
    from tieredcare.calibration.posterior import AbcSettings
    from tieredcare.calibration.study import Settings
    from tieredcare.calibration.targets import Calibration

KIND = "calibration"
DEFAULT_ROOT = Path("results") / "calibration"


def register(app: typer.Typer) -> None:
    """Add the command to the main app."""
    app.command("calibrate")(calibrate_command)


def calibrate_command(
    targets_file: Annotated[Path, typer.Argument(help="Targets YAML file.",
                                                 metavar="TARGETS.yaml")],
    trials: Annotated[int, typer.Option(min=1, max=100_000, help="Trials to finish.")] = 200,
    replicates: Annotated[int, typer.Option(
        min=1, max=100, help="Seeds per trial (common random numbers).")] = 3,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Worker processes (default: all cores; serial uses one).")] = None,
    executor: Annotated[ExecutorKind | None, typer.Option(
        help="Where runs execute (default: processes, or dask with --scheduler).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler.")] = None,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1,
                                      help="Seed of the sampler and first replicate.")] = 1,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/calibration/<name>).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the calibration in the folder (no finished trial is run "
        "again).")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace a calibration folder and start again.")] = False,
    overrides: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a value of the scenario: dotted.key=value (repeatable).")
    ] = None,
    ensemble: Annotated[int, typer.Option(
        min=0, max=10_000, help="Members of the posterior ensemble (ABC-SMC); 0: none.")] = 100,
    population: Annotated[int | None, typer.Option(
        min=10, max=10_000, help="ABC-SMC particles per generation (default: --ensemble).")
    ] = None,
    generations: Annotated[int, typer.Option(
        min=1, max=100, help="Most ABC-SMC generations.")] = 12,
    max_simulations: Annotated[int, typer.Option(
        min=10, help="Most simulated years for the ensemble.")] = 20_000,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Fit the targets file's parameters to its targets; writes best.yaml and the fit."""
    from tieredcare import cli as main  # imported here: tieredcare.cli registers this command
    from tieredcare.calibration.posterior import AbcSettings
    from tieredcare.calibration.report import write_results
    from tieredcare.calibration.study import Settings, finished, open_study, run_study
    from tieredcare.calibration.targets import load_targets

    with main.rejected_input():
        kind = executor_kind(executor, scheduler)
        cal = load_targets(targets_file, overrides)
        target = output_target(out_dir, DEFAULT_ROOT / cal.name, source=targets_file)
        _prepare_folder(target, resume=resume, overwrite=overwrite)
        settings = Settings(trials, replicates, seed)
        abc = AbcSettings(population or ensemble, generations, max_simulations, seed)
        study = open_study(cal, target.path, settings, resume)
        _write_manifest(target.path, cal, settings, kind, abc if ensemble else None, ensemble)
        with open_executor(kind, workers, scheduler) as pool:
            try:
                with _TrialBar(main.err, cal.name, trials, finished(study), quiet) as bar:
                    run_study(cal, study, settings, pool, progress=bar.update)
                if ensemble:
                    table = _sample_ensemble(main.err, cal, target.path, abc, ensemble, pool,
                                             resume=resume, quiet=quiet)
            except KeyboardInterrupt:
                main.err.print(f"Interrupted. Finished trials are kept; continue with: "
                               f"tieredcare calibrate {targets_file} --resume --out "
                               f"{target.path}")
                raise typer.Exit(INTERRUPTED) from None
    fit, diagnostics = write_results(cal, study, target.path, table if ensemble else None)
    _print_fit(main.out, fit, diagnostics, target.path)
    if ensemble:
        _print_posterior(main.out, cal, table, target.path)


def _sample_ensemble(console, cal: Calibration, folder: Path, abc: AbcSettings, members: int,
                     pool, *, resume: bool, quiet: bool):
    """Sample the posterior by ABC-SMC and write the ensemble folder."""
    from rich.progress import SpinnerColumn

    from tieredcare.calibration.ensemble import write_ensemble
    from tieredcare.calibration.members import FOLDER
    from tieredcare.calibration.posterior import sample_posterior

    columns = (SpinnerColumn(), TextColumn("ensemble (ABC-SMC): generation {task.fields[t]}, "
                                           "{task.completed} simulated years"))
    with Progress(*columns, console=console, disable=quiet) as bar:
        task = bar.add_task("ensemble", total=None, t="–")
        history = sample_posterior(cal, folder / FOLDER, abc, pool, resume=resume,
                                   progress=lambda t, n: bar.update(task, advance=n, t=t))
    return write_ensemble(cal, history, folder / FOLDER, abc, members)


def _print_posterior(console, cal: Calibration, table, folder: Path) -> None:
    from tieredcare.calibration.members import posterior_summary

    summary = posterior_summary(cal, table)
    out = Table(title=f"Ensemble: {len(table)} members (posterior mean and 95 % range)")
    for column in ("", "mean", "2.5 %", "97.5 %", "target interval"):
        out.add_column(column, justify="left" if not column else "right")
    for r in summary.itertuples():
        interval = (f"{r.target_low:.4g}–{r.target_high:.4g}" if r.kind == "target" else "")
        out.add_row(r.name, f"{r.mean:.4g}", f"{r.low:.4g}", f"{r.high:.4g}", interval)
    console.print(out)
    console.print(f"Ensemble: [bold]{folder / 'ensemble'}[/]", highlight=False)


def _prepare_folder(target: OutputTarget, *, resume: bool, overwrite: bool) -> None:
    """Refuse a folder the calibration may not write to; clear it for --overwrite."""
    path = target.path
    if resume:
        if manifest_kind(path) != KIND:
            raise target.error(f"holds no calibration to resume ({path}); run without "
                               "--resume to start one")
        return
    check_output(target, KIND, overwrite=overwrite)
    if overwrite and manifest_kind(path) == KIND:
        shutil.rmtree(path)  # only a calibration folder is ever replaced
    path.mkdir(parents=True, exist_ok=True)


def _write_manifest(folder: Path, cal: Calibration, settings: Settings, executor: str,
                    abc: AbcSettings | None, members: int) -> None:
    from tieredcare.atomic import write_json
    from tieredcare.results import git_commit, package_versions

    write_json(folder / "manifest.json", {
        "kind": KIND, "name": cal.name, "targets_file": str(cal.path),
        "scenario_file": str(cal.base.file), "overrides": cal.overrides, "trials": settings.trials,
        "replicates": settings.replicates, "seed": settings.seed, "executor": executor,
        "ensemble": None if abc is None else {**dataclasses.asdict(abc), "members": members},
        "command": sys.argv, "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(("optuna", "pyabc")), "git_commit": git_commit(),
        "files": ["study.journal", "trials.parquet", "best.yaml", "fit.parquet", "fit.md",
                  "ensemble/"],
        "targets": cal.spec.model_dump(mode="json"),
    })


class _TrialBar:
    """Trials finished / total, best loss and time left, on stderr."""

    def __init__(self, console, label: str, total: int, done: int, quiet: bool) -> None:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("trials  best loss {task.fields[best]}"), TextColumn("left"),
                   TimeRemainingColumn())
        self._bar = None if quiet else Progress(*columns, console=console)
        self._args = (label, total, done)
        self._started = time.perf_counter()

    def __enter__(self) -> _TrialBar:
        if self._bar is not None:
            label, total, done = self._args
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, completed=done, best="–")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, study, done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, best=f"{study.best_value:.3f}")


def _print_fit(console, fit, diagnostics, folder: Path) -> None:
    table = Table(title="Fit of the best trial")
    for column in ("target", "value", "interval", "fitted", "inside"):
        table.add_column(column, justify="left" if column == "target" else "right")
    for r in fit.itertuples():
        table.add_row(r.target, f"{r.value:.4g}", f"{r.low:.4g}–{r.high:.4g}",
                      f"{r.fitted:.4g} ± {r.replicate_sd:.2g}", "yes" if r.inside else "[red]no")
    console.print(table)
    for title, items in (("Targets not met", diagnostics.missed),
                         ("Parameters at a bound", diagnostics.at_bound),
                         ("Parameters the targets barely move", diagnostics.weak)):
        console.print(f"{title}: {', '.join(items) if items else 'none'}", highlight=False)
    console.print(f"Results: [bold]{folder}[/] (best.yaml, fit.md, fit.parquet, "
                  "trials.parquet)", highlight=False)

