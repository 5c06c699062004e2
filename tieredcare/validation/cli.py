"""``tieredcare validate-effects``: published studies against the model's effects."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tieredcare.outputs import check_output, output_target

DEFAULT_STUDIES = Path("validation") / "studies"
DEFAULT_OUT = Path("results") / "validation"


def register(app: typer.Typer) -> None:
    """Add the command to the main app."""
    app.command("validate-effects")(validate_effects_command)


def validate_effects_command(
    studies_dir: Annotated[Path, typer.Option(
        "--studies", help="Folder of study files (*.yaml).")] = DEFAULT_STUDIES,
    replicates: Annotated[int, typer.Option(
        min=2, max=200, help="Seeds per scenario (common random numbers).")] = 10,
    residents: Annotated[int | None, typer.Option(
        min=100, max=20_000_000, help="Residents of every scenario (default: each "
        "study's own).")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Processes (default: one per core).")] = None,
    executor: Annotated[str | None, typer.Option(
        help="serial | processes | dask (default: processes, or serial with --workers 1).")
                        ] = None,
    seed: Annotated[int | None, typer.Option(
        help="Root seed of the replicate seeds (default: each baseline's).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/validation).")] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace a validation folder written before.")] = False,
    overrides: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a value of every scenario: dotted.key=value (repeatable).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the chart: en | zh.")] = "en",
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run each study's scenario pair and compare the model's effect with the published one."""
    from tieredcare import cli as main  # imported here: tieredcare.cli registers this command
    from tieredcare.config import ConfigError
    from tieredcare.validation.run import KIND, Settings, validate_effects
    from tieredcare.validation.studies import load_studies

    items = ([f"population.residents={residents}"] if residents else []) + list(overrides or [])
    with main.rejected_input():
        if lang not in ("en", "zh"):
            raise ConfigError.one("--lang", "", f"{lang!r}; allowed: en, zh")
        studies = load_studies(studies_dir, items)
        target = output_target(out_dir, DEFAULT_OUT, source=None)
        check_output(target, KIND, overwrite=overwrite)
        settings = Settings(replicates, workers, executor, root_seed=seed,
                            overrides=tuple(items), lang=lang)
        pairs = len({s.pair for s in studies})
        with main.run_counter(f"{len(studies)} studies, {pairs} scenario pairs × "
                              f"{replicates} seeds", 2 * pairs * replicates, quiet) as advance:
            table = validate_effects(studies, target.path, settings, progress=advance,
                                     command=sys.argv)
    _print_table(main.out, table)
    main.out.print(f"Results: [bold]{target.path}[/] (report.md, validation.parquet, "
                   "validation.png, runs/)", highlight=False)


def _print_table(console, table) -> None:
    from tieredcare.validation.report import effect_text, summary_sentence, yes_no

    view = Table(title="Published effects and the model's (95 % intervals)")
    for column in ("study", "published", "model", "direction", "within interval"):
        view.add_column(column, justify="left" if column == "study" else "right")
    for r in table.itertuples():
        within = yes_no(r.within_interval) if r.size_comparable else "n/a"
        view.add_row(r.label, effect_text(r.published_value, r.published_low,
                                          r.published_high, r.unit),
                     effect_text(r.model_effect, r.model_low, r.model_high, r.unit),
                     yes_no(r.direction_agrees).strip("*"), within.strip("*"))
    console.print(view)
    console.print(summary_sentence(table), highlight=False)
