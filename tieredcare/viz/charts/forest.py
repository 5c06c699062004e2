"""The forest plot: each scenario's paired difference from the baseline, with 95 % CI."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tieredcare.viz.canvas import BASELINE_COLOUR, finish, new_figure, scenario_colours, set_title
from tieredcare.viz.charts.common import difference_axis, signed
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import display_scale, indicator_label, indicator_unit, phrase

DIFFERENCES = ("county_retention", "inpatient_county_retention", "primary_share",
               "contract_coverage")
"""Indicators of the paired-difference chart unless told others."""


def paired_differences(compare: pd.DataFrame, indicators: Sequence[str] = DIFFERENCES, *,
                       baseline: str = "baseline", scenarios: Sequence[str] | None = None,
                       lang: str = "en", source: str | None = None) -> Figure:
    """Forest plot of each scenario's paired difference from the baseline, with 95 % CI.

    Args:
        compare: ``compare.parquet`` (scenario, indicator, baseline_mean, difference,
            ci_low, ci_high, ...).
        indicators: One panel each.
        baseline: The baseline's name (for the title).
        scenarios: Scenarios in order (default: order of the table).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    table = compare[compare["indicator"].isin(indicators)]
    order = list(scenarios) if scenarios is not None else list(dict.fromkeys(table["scenario"]))
    order = [s for s in order if s != baseline]
    colours = scenario_colours(order, None)
    ncols = 2 if len(indicators) > 2 else 1
    nrows = -(-len(indicators) // ncols)
    height = min(7.5, 1.3 + nrows * (0.75 + 0.32 * len(order)))
    with language(lang):
        figure, chart = new_figure(lang, (8.0, max(height, 3.0)), source)
        axes = chart.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
        for ax, indicator in zip(axes, indicators, strict=False):
            rows = table[table["indicator"] == indicator].set_index("scenario")
            _forest_panel(ax, rows.reindex(order), order, colours, indicator, lang)
        for ax in axes[len(indicators):]:
            ax.set_visible(False)
        who = phrase("baseline_the", lang) if baseline == "baseline" else \
            phrase("baseline_named", lang, name=baseline)
        set_title(chart, phrase("difference_title", lang, baseline=who))
        if "seed_ci_low" in table:
            chart.supxlabel(phrase("ensemble_bands", lang), fontsize=7.5, color="0.3")
        return finish(figure)


def _forest_panel(ax: Axes, rows: pd.DataFrame, order: list[str], colours: dict[str, str],
                  indicator: str, lang: str) -> None:
    scale = display_scale(indicator)
    y = np.arange(len(order))
    diff, low, high = (rows[c].to_numpy(float) * scale for c in ("difference", "ci_low",
                                                                  "ci_high"))
    ax.axvline(0, color=BASELINE_COLOUR, linewidth=1.0, zorder=1)
    for i, name in enumerate(order):
        ax.errorbar(diff[i], y[i], xerr=[[diff[i] - low[i]], [high[i] - diff[i]]], fmt="o",
                    color=colours[name], capsize=3, ms=5, linewidth=1.6)
        if "seed_ci_low" in rows:  # an ensemble comparison: the seed-only part, thick
            seed = rows.loc[name, ["seed_ci_low", "seed_ci_high"]].to_numpy(float) * scale
            ax.plot(seed, [y[i]] * 2, color=colours[name], linewidth=5, alpha=0.45,
                    solid_capstyle="butt")
        if np.isfinite(diff[i]):
            ax.annotate(signed(diff[i]), xy=(diff[i], y[i]), xytext=(0, 5),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7.5)
    ax.set_yticks(y, order)
    ax.set_ylim(len(order) - 0.4, -0.75)
    base = rows["baseline_mean"].dropna()
    level = ""
    if not base.empty:  # the level the difference is from, on a second title line
        unit = indicator_unit(indicator, lang)
        space = "" if unit == "%" or lang == "zh" else " "
        level = f"\n{phrase('baseline', lang)} {base.iloc[0] * scale:.1f}{space}{unit}"
    ax.set_title(indicator_label(indicator, lang) + level)
    ax.set_xlabel(difference_axis(indicator, lang))
    span = np.nanmax(np.abs(np.concatenate([low, high, [0.0]])))
    if np.isfinite(span) and span > 0:
        ax.set_xlim(-1.15 * span, 1.15 * span)  # zero in the middle: direction at a glance
    ax.grid(axis="y", visible=False)
