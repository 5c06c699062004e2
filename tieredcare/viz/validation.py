"""The validation chart: each study's published interval beside the model's.

One row per comparison, grouped into panels by unit (percentage points, % change, the
indicator's unit); comparisons whose size cannot be compared are drawn in a last panel
with each interval scaled to its own size, so only their directions can be read. The
published interval is a grey bar, the model's a point with its 95 % interval, blue where
the model agrees with the study and red where it does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tieredcare.viz.canvas import BASELINE_COLOUR, finish, new_figure, set_title
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import phrase

AGREES, DIFFERS, PUBLISHED = "#2166ac", "#b2182b", "0.72"
PANELS = ("pp", "percent", "absolute", "direction")


def _panel(row: pd.Series) -> str:
    return row["unit"] if row["size_comparable"] else "direction"


def _scaled(row: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Published and model (value, low, high), each divided by its largest end (direction panel)."""
    published = np.array([row["published_value"], row["published_low"],
                          row["published_high"]], dtype=float)
    model = np.array([row["model_effect"], row["model_low"], row["model_high"]], dtype=float)
    for values in (published, model):
        size = np.nanmax(np.abs(values))
        if np.isfinite(size) and size > 0:
            values /= size
    return published, model


def _draw_rows(ax: Axes, rows: pd.DataFrame, scaled: bool) -> None:
    y = np.arange(len(rows))
    ax.axvline(0, color=BASELINE_COLOUR, linewidth=1.0, zorder=1)
    for i, (_, row) in enumerate(rows.iterrows()):
        if scaled:
            published, model = _scaled(row)
        else:
            published = np.array([row["published_value"], row["published_low"],
                                  row["published_high"]], dtype=float)
            model = np.array([row["model_effect"], row["model_low"], row["model_high"]],
                             dtype=float)
        ax.plot(published[1:], [y[i] - 0.14] * 2, color=PUBLISHED, linewidth=7,
                solid_capstyle="butt", zorder=2)
        ax.plot(published[0], y[i] - 0.14, marker="D", color="0.25", ms=5, zorder=3)
        colour = AGREES if row["agrees"] else DIFFERS
        if np.all(np.isfinite(model)):
            ax.errorbar(model[0], y[i] + 0.14, xerr=[[model[0] - model[1]],
                                                     [model[2] - model[0]]],
                        fmt="o", color=colour, ms=5, capsize=3, linewidth=1.6, zorder=4)
    ax.set_yticks(y, list(rows["label"]))
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.grid(axis="y", visible=False)


def effects_chart(table: pd.DataFrame, *, lang: str = "en", source: str | None = None
                  ) -> Figure:
    """Forest plot of the published and the model's effects.

    Args:
        table: ``validation.parquet`` (label, unit, size_comparable, published_value,
            published_low, published_high, model_effect, model_low, model_high, agrees).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    parts = [(name, table[table.apply(_panel, axis=1) == name]) for name in PANELS]
    parts = [(name, rows) for name, rows in parts if not rows.empty]
    heights = [max(len(rows), 1) + 1.2 for _, rows in parts]
    with language(lang):
        figure, chart = new_figure(lang, (8.0, min(2.0 + 0.42 * sum(heights), 11.0)), source)
        axes = chart.subplots(len(parts), 1, squeeze=False,
                              gridspec_kw={"height_ratios": heights}).ravel()
        for ax, (name, rows) in zip(axes, parts, strict=True):
            _draw_rows(ax, rows, scaled=name == "direction")
            ax.set_xlabel(phrase(f"effect_{name}", lang))
        handles = [Patch(color=PUBLISHED, label=phrase("published_effect", lang)),
                   Line2D([], [], marker="o", color=AGREES, label=phrase("model_effect", lang)),
                   Line2D([], [], marker="o", color=DIFFERS,
                          label=phrase("model_effect_differs", lang))]
        axes[0].legend(handles=handles, loc="lower right", fontsize=7.5)
        set_title(chart, phrase("validation_title", lang))
        return finish(figure)
