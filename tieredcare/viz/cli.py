"""The ``tieredcare plot`` and ``tieredcare report`` commands.

:func:`register` adds them to the ``tieredcare`` Typer app (or any Typer app).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

# Only light imports here: matplotlib and pandas load when a command runs, so
# `tieredcare --help` stays quick.
from tieredcare.viz.formats import DEFAULT_DPI, MIN_DPI

BAD_INPUT = 2
"""Exit code for a folder that is not a results folder, or a missing font (as ``run``)."""

out = Console()
err = Console(stderr=True, soft_wrap=True)


class Lang(StrEnum):
    """Languages of the charts' labels."""

    en = "en"
    zh = "zh"


class Format(StrEnum):
    """File formats besides PNG."""

    png = "png"
    svg = "svg"
    pdf = "pdf"


ResultsDir = Annotated[Path, typer.Argument(
    help="A results folder written by tieredcare run, compare or sweep.")]
LangOption = Annotated[Lang, typer.Option(
    "--lang", help="Language of titles and labels: en, or zh (needs the zh extra).")]


def plot_command(
    results_dir: ResultsDir,
    lang: LangOption = Lang.en,
    formats: Annotated[list[Format] | None, typer.Option(
        "--format", help="Also write this format (svg, pdf); PNG is always written. "
        "Repeatable.")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the charts (default: RESULTS_DIR/figures).")] = None,
    dpi: Annotated[int, typer.Option(min=MIN_DPI, help="PNG resolution (print: ≥ 200).")
                   ] = DEFAULT_DPI,
) -> None:
    """Draw the briefing charts of a run, comparison or sweep folder."""
    from tieredcare.viz.pack import plot_results

    chosen = ("png", *(f.value for f in formats or []))
    with _rejected():
        files = plot_results(results_dir, lang=lang.value, formats=chosen, out_dir=out_dir,
                             dpi=dpi)
    for file in files:
        out.print(str(file), highlight=False, soft_wrap=True)
    out.print(f"{len(files)} files written.", highlight=False)


def report_command(
    results_dir: ResultsDir,
    lang: LangOption = Lang.en,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="HTML file to write (default: RESULTS_DIR/report.html, or "
        "report_zh.html with --lang zh).")] = None,
) -> None:
    """Write a one-file HTML briefing: key numbers, charts, scenarios and provenance."""
    from tieredcare.viz.report import write_report

    with _rejected():
        target = write_report(results_dir, lang=lang.value, out=out_file)
    out.print(f"Report: {target}", highlight=False, soft_wrap=True)


@contextmanager
def _rejected() -> Iterator[None]:
    """Turn a bad folder or a missing font into a message and exit code 2, no traceback."""
    from tieredcare.viz.fonts import MissingFontError
    from tieredcare.viz.loaders import ResultsError

    try:
        yield
    except (ResultsError, MissingFontError) as exc:
        err.print("[bold red]Cannot draw:[/]", end=" ")
        err.print(str(exc), markup=False, highlight=False)  # '[zh]' is text, not markup
        raise typer.Exit(BAD_INPUT) from None


def register(app: typer.Typer) -> None:
    """Add the ``plot`` and ``report`` commands to a Typer app.

    Args:
        app: The ``tieredcare`` app (or any Typer app).
    """
    app.command("plot")(plot_command)
    app.command("report")(report_command)
