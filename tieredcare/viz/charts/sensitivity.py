"""The sensitivity (tornado) chart: the levers that matter most for an indicator."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tieredcare.viz.canvas import finish, new_figure, set_title
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import indicator_label, parameter_label, phrase


def sensitivity_chart(sensitivity: pd.DataFrame, indicator: str, *, top: int = 10,
                      lang: str = "en", source: str | None = None) -> Figure:
    """Tornado chart of the levers that matter most for an indicator.

    Sobol designs: total (ST) and first-order (S1) indices with their confidence
    intervals, levers sorted by ST. Morris designs: μ* with its interval.

    Args:
        sensitivity: ``sensitivity.parquet`` (indicator, parameter, measure, value, conf).
        indicator: The indicator.
        top: Most levers shown.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.

    Raises:
        ValueError: If the table has no indices for the indicator.
    """
    rows = sensitivity[sensitivity["indicator"] == indicator]
    if rows.empty:
        raise ValueError(f"no sensitivity indices for {indicator!r}")
    sobol = "ST" in set(rows["measure"])
    measures = ("ST", "S1") if sobol else ("mu_star",)
    value = rows.pivot_table(index="parameter", columns="measure", values="value")
    conf = rows.pivot_table(index="parameter", columns="measure", values="conf", dropna=False)
    value = value.sort_values(measures[0], ascending=False).head(top)
    height = min(6.5, 1.6 + 0.42 * len(value))
    with language(lang):
        figure, chart = new_figure(lang, (8.0, max(height, 3.0)), source)
        ax = chart.subplots()
        y = np.arange(len(value))
        width = 0.8 / len(measures)
        for k, (measure, colour) in enumerate(zip(measures, ("#08519c", "#9ecae1"),
                                                  strict=False)):
            errors = conf.reindex(value.index)[measure].to_numpy(float) \
                if measure in conf else None
            ax.barh(y + (k - (len(measures) - 1) / 2) * width, value[measure], height=width,
                    xerr=errors, color=colour, ecolor="0.3", capsize=2,
                    label=phrase(measure, lang))
        ax.set_yticks(y, [parameter_label(p, lang) for p in value.index])
        ax.invert_yaxis()
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.set_xlabel(phrase("sobol_axis" if sobol else "morris_axis", lang))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right")
        name = indicator_label(indicator, lang)
        set_title(chart, phrase("sensitivity_title", lang,
                                indicator=name if lang == "zh" else name[0].lower() + name[1:]))
        return finish(figure)
