"""The second tab: results folders already written (run, compare, sweep, calibration).

A folder's kind is its ``manifest.json``'s. Runs, comparisons and sweeps show their chart
pack (:func:`tieredcare.viz.pack.chart_pack`) and key numbers (as in ``tieredcare
report``); a calibration shows its fit, its best trials and ``best.yaml``. Folders are only
read, never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import solara
import solara.lab

from tieredcare.explore.pictures import DRAWING, SCREEN_DPI
from tieredcare.explore.words import word
from tieredcare.outputs import manifest_kind
from tieredcare.viz.canvas import figure_bytes
from tieredcare.viz.key_numbers import key_numbers
from tieredcare.viz.loaders import ResultsError, load_results
from tieredcare.viz.pack import chart_pack

KINDS = ("run", "compare", "sweep", "calibration")
ROOT = Path("results")
"""Where folders are looked for (relative to the folder the explorer was started in)."""
MAX_DEPTH = 3
MAX_FOLDERS = 200
TRIALS_SHOWN = 20


@dataclass
class Opened:
    """What a results folder shows.

    Attributes:
        kind: run, compare, sweep or calibration.
        name: Its name.
        charts: (title, PNG) of each chart.
        numbers: Key numbers as HTML.
        fit: A calibration's fit report (Markdown).
        trials: A calibration's best trials (HTML table).
        best: A calibration's best scenario (YAML).
    """

    kind: str
    name: str
    charts: list[tuple[str, bytes]] = field(default_factory=list)
    numbers: str = ""
    fit: str = ""
    trials: str = ""
    best: str = ""


def results_folders(root: Path = ROOT) -> list[Path]:
    """Results folders under ``root`` (not inside one another), at most a few levels down."""
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        if len(found) >= MAX_FOLDERS:
            return
        if manifest_kind(folder) in KINDS:
            found.append(folder)
            return
        if depth < MAX_DEPTH:
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir())
            except OSError:
                return
            for child in children:
                walk(child, depth + 1)

    if root.is_dir():
        walk(root, 0)
    return found


def open_folder(path: Path, lang: str) -> Opened:
    """Read a results folder and draw its charts.

    Raises:
        ResultsError: If it is not a results folder of a known kind, or lacks a table.
    """
    kind = manifest_kind(path)
    if kind == "calibration":
        return _calibration(path)
    if kind not in KINDS:
        raise ResultsError(f"{path}: not a results folder (its manifest.json, if any, is not "
                           f"of a kind {', '.join(KINDS)})")
    results = load_results(path)
    opened = Opened(kind, results.name, numbers=key_numbers(results, lang))
    for chart in chart_pack(results, lang):
        with DRAWING:
            opened.charts.append((chart.title, figure_bytes(chart.draw(), dpi=SCREEN_DPI)))
    return opened


def _calibration(path: Path) -> Opened:
    def text(name: str) -> str:
        file = path / name
        return file.read_text(encoding="utf-8") if file.is_file() else ""

    trials = ""
    if (path / "trials.parquet").is_file():
        table = pd.read_parquet(path / "trials.parquet")
        best = table.sort_values("loss", na_position="last").head(TRIALS_SHOWN)
        trials = best.to_html(index=False, float_format=lambda x: f"{x:.4g}", border=0)
    return Opened("calibration", path.name, fit=text("fit.md"), trials=trials,
                  best=text("best.yaml"))


@solara.component
def ResultsBrowser(lang: str) -> None:
    """Pick a folder found under ``results/`` or type one; see its charts and tables."""
    found = solara.use_memo(lambda: [str(p) for p in results_folders()], [])
    chosen = solara.use_reactive("")
    typed = solara.use_reactive("")
    opened = solara.lab.use_task(
        lambda: open_folder(Path(chosen.value), lang) if chosen.value else None,
        dependencies=[chosen.value, lang], raise_error=False)
    with solara.Column(classes=["tc-results"]):
        if found:
            solara.Select(word("found", lang, root=str(ROOT)), values=found, value=chosen,
                          classes=["results-found"])
        else:
            solara.Text(word("none_found", lang, root=str(ROOT)))
        with solara.Row(style={"align-items": "center"}):
            def typed_in(path: str) -> None:  # Enter (or leaving the box) opens it
                typed.set(path)
                chosen.set(path.strip())

            solara.InputText(word("folder", lang), value=typed, classes=["results-path"],
                             on_value=typed_in)
            solara.Button(word("open", lang), on_click=lambda: chosen.set(typed.value.strip()),
                          classes=["results-open"])
        if opened.pending:
            solara.Text(word("loading", lang))
            solara.ProgressLinear(True)
        elif opened.error:
            solara.Error(str(opened.exception), classes=["results-error"])
        elif opened.value is not None:
            Folder(opened.value, lang)


@solara.component
def Folder(opened: Opened, lang: str) -> None:
    """A results folder's tables and charts."""
    solara.Text(word("kind", lang, kind=opened.kind, name=opened.name),
                style={"font-size": "18px", "font-weight": "600"}, classes=["results-name"])
    parts = (("key_numbers", opened.numbers, True, "results-numbers"),
             ("fit", opened.fit, False, "results-fit"),
             ("trials", opened.trials, True, "results-trials"),
             ("best", opened.best, False, "results-best"))
    for title, content, is_html, css in parts:
        if not content:
            continue
        solara.Text(word(title, lang), style={"font-weight": "600"})
        if is_html:  # tables made here from the folder's files, values escaped
            solara.HTML(unsafe_innerHTML=content, classes=[css])
        else:
            solara.Preformatted(content, class_=css)
    for title, png in opened.charts:
        with solara.Column(classes=["tc-chart"], gap="0px"):
            solara.Text(title, style={"font-weight": "600"})
            solara.Image(png, format="png")
