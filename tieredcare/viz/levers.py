"""Sweep charts: indicators against a swept lever, as levels or as paired differences.

:func:`lever_response` draws each design point's mean with its interval;
:func:`lever_differences` draws each point's paired difference from the reference point
(same seeds, and the same members over an ensemble), which is what a lever does once the
noise the points share is taken out. Over an ensemble both draw two bands: the interval
over members and seeds, and inside it the seed-only one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tieredcare.viz.canvas import (
    BASELINE_COLOUR,
    finish,
    new_figure,
    scenario_colours,
    set_title,
    set_xlabel,
    wrap_display,
)
from tieredcare.viz.charts.common import HEADLINE, difference_axis, joined_labels, retention_target
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import (
    axis_label,
    display_scale,
    indicator_label,
    parameter_axis_label,
    parameter_is_share,
    parameter_label,
    phrase,
)

PAIRED = ("county_retention", "inpatient_county_retention", "primary_share")
"""Indicators of the paired-difference chart unless told others."""
MAX_LINES = 6
"""Most lines (values of a second lever) a lever panel draws."""
INTERVALS = ("ci_low", "ci_high", "seed_ci_low", "seed_ci_high")


def lever_response(aggregate: pd.DataFrame, parameter: str, *,
                   indicators: Sequence[str] = HEADLINE, by: str | None = None,
                   lang: str = "en", source: str | None = None) -> Figure:
    """Indicators against one swept lever: mean over replicates with its 95 % interval.

    One panel per indicator. With a second lever (``by``, chosen automatically in a
    two-lever grid) one line per value of it. For designs that vary every lever at every
    point (lhs, sobol) the points are drawn as dots with error bars instead of lines.
    County-retention panels carry the 90 % target line.

    Args:
        aggregate: ``aggregate.parquet`` of a sweep (point, parameters, indicator, mean,
            ci_low, ci_high, ...).
        parameter: The lever on the x axis (a parameter column).
        indicators: Indicators, one panel each.
        by: A second parameter column to draw one line per value of.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    joined = joined_labels(indicators, lang)
    title = phrase("lever_title", lang, lever=parameter_label(parameter, lang),
                   indicators=joined if lang == "zh" else joined[0].lower() + joined[1:])
    return _lever_figure(aggregate, parameter, indicators, by, lang, source, title, False)


def lever_differences(differences: pd.DataFrame, aggregate: pd.DataFrame, parameter: str, *,
                      indicators: Sequence[str] = PAIRED, by: str | None = None,
                      lang: str = "en", source: str | None = None) -> Figure:
    """Each design point's paired difference from the reference point, against a lever.

    The reference point is drawn at zero. Shares are in percentage points.

    Args:
        differences: ``differences.parquet`` of a sweep (point, parameters, indicator,
            difference, ci_low, ci_high, ...).
        aggregate: ``aggregate.parquet``, for the reference point's lever values.
        parameter: The lever on the x axis.
        indicators: Indicators, one panel each.
        by: A second parameter column to draw one line per value of.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    table, reference = _with_reference(differences, aggregate)
    title = phrase("lever_difference_title", lang, lever=parameter_label(parameter, lang),
                   point=reference)
    return _lever_figure(table, parameter, indicators, by, lang, source, title, True)


def _with_reference(differences: pd.DataFrame, aggregate: pd.DataFrame
                    ) -> tuple[pd.DataFrame, int]:
    """Differences as a table of levels (``mean``), the reference point added at zero."""
    missing = sorted(set(aggregate["point"]) - set(differences["point"]))
    reference = int(missing[0]) if missing else 0
    columns = list(aggregate.columns)
    keep = [*columns[:columns.index("indicator") + 1], "mean",
            *[c for c in INTERVALS if c in differences.columns]]
    zero = aggregate[aggregate["point"] == reference].assign(
        **{c: 0.0 for c in keep[keep.index("mean"):]})
    table = pd.concat([zero[keep], differences.rename(columns={"difference": "mean"})[keep]],
                      ignore_index=True)
    return table, reference


def _lever_figure(table: pd.DataFrame, parameter: str, indicators: Sequence[str],
                  by: str | None, lang: str, source: str | None, title: str,
                  difference: bool) -> Figure:
    if parameter not in table.columns:
        raise ValueError(f"{parameter!r} is not a parameter of the sweep")
    by = by if by is not None else _second_lever(table, parameter)
    with language(lang):
        figure, chart = new_figure(lang, source=source)
        axes = chart.subplots(1, len(indicators), sharex=True, squeeze=False)[0]
        drawn = set()
        for ax, indicator in zip(axes, indicators, strict=True):
            rows = table[table["indicator"] == indicator]
            drawn |= _lever_panel(ax, rows, parameter, by, indicator, lang)
            # Three panels side by side leave room for about 20 characters a title line.
            ax.set_title("\n".join(wrap_display(indicator_label(indicator, lang),
                                                 60 // len(indicators))))
            if difference:
                ax.axhline(0, color=BASELINE_COLOUR, linewidth=1.0, zorder=1)
                ax.set_ylabel(difference_axis(indicator, lang))
            else:
                ax.set_ylabel(axis_label(indicator, lang))
                retention_target(ax, indicator, lang)
        set_xlabel(chart, parameter_axis_label(parameter, lang))
        _lever_legend(chart, axes[0], drawn, by, lang)
        set_title(chart, title)
        return finish(figure)


def _other_parameters(aggregate: pd.DataFrame, parameter: str) -> list[str]:
    """The swept levers besides ``parameter`` that vary: columns between point and indicator."""
    columns = list(aggregate.columns)
    levers = columns[columns.index("point") + 1:columns.index("indicator")]
    return [c for c in levers if c != parameter and aggregate[c].nunique() > 1]


def _second_lever(aggregate: pd.DataFrame, parameter: str) -> str | None:
    """The other lever of a two-lever grid with few values, if that is what the sweep is."""
    others = _other_parameters(aggregate, parameter)
    if len(others) == 1 and aggregate[others[0]].nunique() <= MAX_LINES:
        return others[0]
    return None


def _lever_panel(ax: Axes, rows: pd.DataFrame, parameter: str, by: str | None,
                 indicator: str, lang: str) -> set[str]:
    """Draw one indicator's panel; return what it shows ('band', 'ensemble', 'points')."""
    drawn = set()
    scale = display_scale(indicator)
    others = [c for c in _other_parameters(rows, parameter) if c != by]
    numeric = pd.api.types.is_numeric_dtype(rows[parameter])
    x_scale = 100.0 if numeric and parameter_is_share(parameter) else 1.0
    groups = [(None, rows)] if by is None else list(rows.groupby(by, sort=True))
    colours = scenario_colours([str(v) for v, _ in groups], None)
    for value, group in groups:
        group = group.sort_values(parameter if numeric else "point")  # files: design order
        colour = colours[str(value)] if by is not None else "#08519c"
        label = None if by is None else _by_label(by, value, lang)
        if not numeric:
            positions = np.arange(len(group))
            ax.set_xticks(positions, [Path(str(v)).stem for v in group[parameter]],
                          rotation=20, ha="right")  # scenario files: their names
            x = positions
        else:
            x = group[parameter].to_numpy(float) * x_scale
        mean, low, high = (group[c].to_numpy(float) * scale for c in ("mean", "ci_low",
                                                                       "ci_high"))
        seed = ([group[c].to_numpy(float) * scale for c in ("seed_ci_low", "seed_ci_high")]
                if "seed_ci_low" in group else None)  # an ensemble: the seed-only part too
        if np.isfinite(low).any():
            drawn.add("band" if seed is None else "ensemble")
        if others or not numeric:  # other levers vary too: a line would mislead
            drawn |= {"points"} if others else set()
            ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="o", ms=3.5,
                        color=colour, ecolor=colour, alpha=0.8, capsize=2, label=label)
            if seed is not None:
                ax.errorbar(x, mean, yerr=[mean - seed[0], seed[1] - mean], fmt="none",
                            ecolor=colour, elinewidth=3.5, alpha=0.8)
        else:
            ax.fill_between(x, low, high, color=colour, alpha=0.14, linewidth=0)
            if seed is not None:
                ax.fill_between(x, seed[0], seed[1], color=colour, alpha=0.3, linewidth=0)
            ax.plot(x, mean, marker="o", ms=4, color=colour, linewidth=1.8, label=label)
            if len(x) <= 8:
                ax.set_xticks(x, [f"{v:g}" for v in np.round(x, 3)])
    return drawn


def _by_label(by: str, value: Any, lang: str) -> str:
    """A line's legend entry: the second lever's value ('45 %')."""
    if parameter_is_share(by):
        return f"{float(value) * 100:.0f}%" if lang == "zh" else f"{float(value) * 100:.0f} %"
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _lever_legend(chart: SubFigure, ax: Axes, drawn: set[str], by: str | None,
                  lang: str) -> None:
    """Lines named by the second lever's value (its name as the title), points, bands."""
    handles, labels = ax.get_legend_handles_labels()
    if "points" in drawn:
        handles.append(Line2D([], [], linestyle="", marker="o", color="#08519c"))
        labels.append(phrase("design_points", lang))
    if "band" in drawn:
        handles.append(Patch(color="0.5", alpha=0.3))
        labels.append(phrase("band_ci", lang))
    if "ensemble" in drawn:
        handles += [Patch(color="0.5", alpha=0.2), Patch(color="0.5", alpha=0.45)]
        labels += [phrase("band_members", lang), phrase("band_seeds_only", lang)]
    if handles:
        title = "\n".join(wrap_display(parameter_label(by, lang), 26)) if by else None
        chart.legend(handles, labels, loc="outside right center", title=title,
                     alignment="left")
