"""The ``tieredcare`` command line."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from tieredcare.config import ConfigError, InputWarning, LoadedScenario, load_scenario, printable
from tieredcare.outputs import check_output, output_target
from tieredcare.world.network import GraphError

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    help="Agent-based simulation of China's tiered care system (分级诊疗) and family-doctor "
    "contracts (家庭医生签约).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
# Soft wrap: long file and key paths in error messages stay whole when piped to a file.
err = Console(stderr=True, soft_wrap=True)

BAD_INPUT = 2
"""Exit code for input that is rejected before anything runs."""
MAX_MESSAGE = 16_000
"""Most characters of one error message printed."""
MAX_WARNINGS = 20
"""Input warnings printed; further ones are only counted."""

HEADLINE = (
    ("county_retention", "County retention 县域内就诊率", "{:.1%}"),
    ("inpatient_county_retention", "Inpatient county retention", "{:.1%}"),
    ("primary_share", "Primary-care share 基层就诊率", "{:.1%}"),
    ("visits_per_capita", "Visits per capita per year", "{:.2f}"),
    ("admissions_per_100", "Admissions per 100 per year", "{:.1f}"),
    ("contract_coverage", "Family-doctor coverage 签约率", "{:.1%}"),
    ("contract_coverage_elderly", "  … residents 65+", "{:.1%}"),
    ("contract_coverage_chronic", "  … chronic patients", "{:.1%}"),
    ("unreferred_hospital_share", "Hospital use without referral", "{:.1%}"),
    ("referrals_up", "Upward referrals per 1,000/yr", "{:.0f}"),
    ("oop_per_episode", "Out-of-pocket per episode (CNY)", "{:.0f}"),
    ("unmet_need", "Unmet need", "{:.2%}"),
    ("forgone_care", "Care forgone 未就医", "{:.1%}"),
    ("self_treatment", "Self-treatment 自我医疗", "{:.1%}"),
)


@contextmanager
def rejected_input() -> Iterator[None]:
    """Turn bad input into a clear message and exit code 2, never a traceback.

    Input warnings raised inside the block are printed as they happen (the first
    :data:`MAX_WARNINGS`, then a count), so they appear before a long run starts.
    """
    shown = [0]

    def show(message: Warning | str, category: type[Warning], *args: object, **kw: object
             ) -> None:
        shown[0] += 1
        if shown[0] <= MAX_WARNINGS:
            err.print(f"[yellow]Warning:[/] {printable(str(message), 400)}", highlight=False)

    with warnings.catch_warnings():
        warnings.simplefilter("always", InputWarning)
        previous, warnings.showwarning = warnings.showwarning, _only_input_warnings(show)
        try:
            yield
        except (ConfigError, GraphError, FileExistsError) as exc:
            err.print("[bold red]Invalid input:[/]")
            err.print(printable_lines(str(exc)), highlight=False, markup=False)
            raise typer.Exit(BAD_INPUT) from None
        finally:
            warnings.showwarning = previous
            if shown[0] > MAX_WARNINGS:
                err.print(f"[yellow]… and {shown[0] - MAX_WARNINGS} more warning(s)[/]")


def _only_input_warnings(show: Callable[..., None]) -> Callable[..., None]:
    """A ``showwarning`` that prints input warnings with ``show`` and others as usual."""
    default = warnings.showwarning

    def dispatch(message: Warning | str, category: type[Warning], *args: object,
                 **kw: object) -> None:
        if issubclass(category, InputWarning):
            show(message, category)
        else:
            default(message, category, *args, **kw)  # type: ignore[arg-type]

    return dispatch


def printable_lines(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message safe for a terminal: each line's control characters escaped, bounded."""
    text = "\n".join(printable(line) for line in text.splitlines())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load(scenario: Path, overrides: list[str] | None) -> LoadedScenario:
    return load_scenario(scenario, overrides or [])


Overrides = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a scenario value: dotted.key=value, a list item as "
                 "key[i].sub=value, e.g. world.counties[0].residents=300000 (repeatable)."),
]


Overwrite = Annotated[bool, typer.Option(
    "--overwrite", help="Replace the results folder if it already holds results of the same "
    "kind (anything else is never replaced).")]


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    overrides: Overrides = None,
) -> None:
    """Check a scenario file (its extends chain and its map) without running it."""
    from tieredcare.preflight import preflight

    with rejected_input():
        loaded = _load(scenario, overrides)
        preflight(loaded)
    out.print(f"[green]OK[/] {printable(str(scenario))}: scenario '{loaded.scenario.name}' is "
              "valid.", highlight=False)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    seed: Annotated[int | None, typer.Option(help="Root seed (default: the scenario's).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/<scenario name>).")] = None,
    overrides: Overrides = None,
    overwrite: Overwrite = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run one scenario and write its results folder."""
    from tieredcare.preflight import preflight
    from tieredcare.results import write_run
    from tieredcare.run import simulate

    items = list(overrides or [])
    if seed is not None:
        items.append(f"seed={seed}")
    with rejected_input():
        loaded = _load(scenario, items)
        sc = loaded.scenario
        target = output_target(out_dir, Path("results") / sc.name, source=scenario)
        check_output(target, "run", overwrite=overwrite)
        county = preflight(loaded)
        days = sc.simulation.warmup_days + sc.simulation.horizon_days
        with _progress(f"{sc.name} (seed {sc.seed})", days, quiet) as advance:
            output = simulate(sc, base_dir=loaded.base_dir, county=county, progress=advance)
        write_run(output, target.path, source=str(scenario), overrides=items,
                  command=sys.argv)
    _print_summary(output.summary, f"{sc.name}, seed {sc.seed}, {sc.population.residents:,} "
                   f"residents, {sc.simulation.horizon_days} days", output.counties)
    out.print(f"Simulated in {output.wall_seconds:.1f} s. Results: [bold]"
              f"{printable(str(target.path))}[/]", highlight=False)


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(
        help="Baseline scenario first, then the scenarios to compare with it.")],
    replicates: Annotated[int, typer.Option(min=2, help="Seeds per scenario.")] = 10,
    seed: Annotated[int | None, typer.Option(
        help="Root seed of the replicate seeds (default: the baseline's).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/compare/<baseline>_vs_<...>).")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (default: one per core).")
                       ] = None,
    executor: Annotated[str | None, typer.Option(
        help="serial | processes | dask (default: processes, or serial with --workers 1).")
                        ] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (tcp://host:port) to run on.")] = None,
    ensemble: Annotated[Path | None, typer.Option(
        help="Calibration (or its ensemble/ folder): run every scenario on each member, "
        "for intervals with parameter uncertainty.")] = None,
    members: Annotated[int | None, typer.Option(
        min=2, help="Ensemble members to use (default: all).")] = None,
    overrides: Overrides = None,
    overwrite: Overwrite = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run scenarios against a baseline with common random numbers; report paired differences."""
    from tieredcare.compare import COUNTY_DIFFERENCES, default_folder
    from tieredcare.compare import compare as run_comparison
    from tieredcare.preflight import preflight

    if len(scenarios) < 2:
        err.print("compare needs a baseline and at least one scenario")
        raise typer.Exit(BAD_INPUT)
    with rejected_input():
        loaded = [_load(path, overrides) for path in scenarios]
        names = [item.scenario.name for item in loaded]
        if len(set(names)) != len(names):
            raise ConfigError.one(None, "name", f"scenario names must differ, got {names}")
        members_set = None
        if members is not None and ensemble is None:
            raise ConfigError.one("--members", "", "only used with --ensemble")
        if ensemble is not None:
            from tieredcare.calibration.members import load_ensemble

            members_set = load_ensemble(ensemble)
            if members is not None and members > members_set.size:
                raise ConfigError.one("--members", "", f"{members}, but the ensemble in "
                                      f"{members_set.folder} has {members_set.size} members; "
                                      f"allowed: 2 to {members_set.size}")
            members = members or members_set.size
        target = output_target(out_dir, default_folder(names), source=None)
        check_output(target, "compare", overwrite=overwrite)
        for item in loaded:
            preflight(item)
        runs = len(loaded) * replicates * (members if members_set else 1)
        label = f"{len(loaded)} scenarios × {replicates} seeds" + (
            f" × {members} members" if members_set else "")
        with run_counter(label, runs, quiet) as advance:
            table = run_comparison(loaded, replicates, target.path, root_seed=seed,
                                   workers=workers,
                                   executor=executor or ("dask" if scheduler else None),
                                   scheduler=scheduler, progress=advance,
                                   sources=[str(p) for p in scenarios],
                                   overrides=list(overrides or []), command=sys.argv,
                                   ensemble=members_set, members=members)
    _print_comparison(table, names)
    if members_set is not None:
        out.print(f"Intervals over {members} ensemble members × {replicates} seeds: parameter "
                  "and seed-to-seed uncertainty together (compare.parquet has both parts).",
                  highlight=False)
    written = "compare.parquet, compare.md, runs.parquet, timeseries.parquet"
    counties = target.path / COUNTY_DIFFERENCES
    if counties.is_file():  # a prefecture: each county's differences too
        import pandas as pd

        _print_county_comparison(pd.read_parquet(counties), names)
        written += f", {COUNTY_DIFFERENCES}"
    out.print(f"Results: [bold]{printable(str(target.path))}[/] ({written})", highlight=False)


def _print_comparison(table, names: list[str]) -> None:
    view = Table(title=f"Paired differences from {names[0]} (95 % CI)")
    view.add_column("Indicator")
    view.add_column(names[0], justify="right")
    for name in names[1:]:
        view.add_column(name, justify="right")
    for key, label, fmt in HEADLINE:
        rows = table[table["indicator"] == key].set_index("scenario")
        if rows.empty:
            continue
        cells = [label, fmt.format(rows["baseline_mean"].iloc[0])]
        cells += [_difference_cell(fmt, rows.loc[name]) for name in names[1:]]
        view.add_row(*cells)
    out.print(view)


def _print_county_comparison(counties: pd.DataFrame, names: list[str]) -> None:
    """Each county's headline differences: a baseline row, then one row per scenario."""
    from tieredcare.compare import COUNTY_HEADLINE

    formats = {key: (label, fmt) for key, label, fmt in HEADLINE if key in COUNTY_HEADLINE}
    view = Table(title=f"Paired differences from {names[0]} by county (95 % CI)")
    view.add_column("County")
    view.add_column("Scenario")
    for key in COUNTY_HEADLINE:
        view.add_column(formats[key][0], justify="right")
    cells = {(r["county"], r["scenario"], r["indicator"]): r for _, r in counties.iterrows()}
    for county in dict.fromkeys(counties["county"]):
        first = {key: cells.get((county, names[1], key)) for key in COUNTY_HEADLINE}
        view.add_row(printable(county, 20), printable(names[0], 30), *(
            "–" if r is None else formats[key][1].format(r["baseline_mean"])
            for key, r in first.items()))
        for name in names[1:]:
            view.add_row("", printable(name, 30), *(
                "–" if (r := cells.get((county, name, key))) is None
                else _difference_cell(formats[key][1], r) for key in COUNTY_HEADLINE),
                end_section=name == names[-1])
    out.print(view)


def _difference_cell(fmt: str, r: pd.Series) -> str:
    """A scenario's value, its paired difference from the baseline and the interval."""
    return (f"{fmt.format(r['scenario_mean'])}  {_signed(fmt, r['difference'])} "
            f"[{_signed(fmt, r['ci_low'])}, {_signed(fmt, r['ci_high'])}]")


def _signed(fmt: str, value: float) -> str:
    text = fmt.format(abs(value))
    return ("−" if value < 0 else "+") + text


@contextmanager
def run_counter(label: str, total: int, quiet: bool) -> Iterator[Callable[[], None]]:
    """A progress bar over runs; yields a function to call after each run."""
    if quiet:
        yield lambda: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("runs"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


@contextmanager
def _progress(label: str, total: int, quiet: bool) -> Iterator[Callable[[int], None]]:
    if quiet:
        yield lambda done: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("days"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def _print_summary(summary: dict[str, float], title: str,
                   counties: dict[str, dict[str, float]] | None = None) -> None:
    """The headline indicators; in a prefecture, also each county's."""
    table = Table(title=title, show_header=True)
    table.add_column("Indicator")
    columns = [summary, *(counties or {}).values()]
    for name in ["Value" if not counties else "Prefecture", *(counties or {})]:
        table.add_column(printable(name, 20), justify="right")
    for name, label, fmt in HEADLINE:
        values = [column.get(name, float("nan")) for column in columns]
        table.add_row(label, *("–" if v != v else fmt.format(v) for v in values))
    out.print(table)


def _register_extensions() -> None:
    """Add the sweep, chart, map, calibration, validation and explore commands."""
    from tieredcare.calibrate_cli import register as register_calibration
    from tieredcare.explore_cli import register as register_explorer
    from tieredcare.map_cli import register as register_maps
    from tieredcare.sweep_cli import register as register_experiments
    from tieredcare.validation.cli import register as register_validation
    from tieredcare.viz.cli import register as register_viz

    register_experiments(app)
    register_viz(app)
    register_maps(app)
    register_calibration(app)
    register_validation(app)
    register_explorer(app)


_register_extensions()


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
