"""The equity chart: indicators by group (income groups by default), per scenario.

It reads the group tables of a results folder (``groups.parquet``; for a comparison
``compare_groups.parquet``, the paired differences by group). As the other charts, it has
a ``*_table`` function that turns the folder's tables into what is drawn, and a chart
function that draws it: :func:`equity_chart` (from :func:`equity_table`) draws an
indicator per panel, a bar per group and scenario; a comparison's scenario bars carry the
95 % interval of their paired difference from the baseline. Where each severity is
treated is drawn by :mod:`tieredcare.viz.severity`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tieredcare.viz.canvas import (
    SCENARIO_COLOURS,
    finish,
    new_figure,
    scenario_colours,
    set_title,
    set_xlabel,
    wrap_display,
)
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import (
    axis_label,
    dimension_label,
    display_scale,
    group_label,
    group_order,
    indicator_label,
    is_share,
    phrase,
    scenario_label,
)
from tieredcare.viz.loaders import replicates as replicates_text

EQUITY_INDICATORS = ("forgone_care", "oop_per_episode", "catastrophic_share", "primary_share")
"""Indicators of the equity chart: care forgone, what a treated episode costs the patient,
catastrophic spending, and how much of their outpatient care is at the primary level."""
EQUITY_DIMENSION = "income"
EQUITY_COLUMNS = ["scenario", "indicator", "dimension", "group", "value", "difference",
                  "ci_low", "ci_high", "replicates"]
TICK_CELLS = 10
"""Group names longer than this (half-width cells) are wrapped under their bars."""
LEGEND_CELLS = 28
"""Width of the legend's notes, in half-width character cells."""
UPRIGHT_BARS = 2
"""With more bars than this per group, the numbers above them are written upwards."""
CLEAR_MARK = "*"
"""Marks a difference whose interval excludes zero (the Chinese font has no bold)."""


# ----------------------------------------------------------------------------- availability


def has_equity(table: pd.DataFrame | None, dimension: str = EQUITY_DIMENSION,
               indicators: Sequence[str] = EQUITY_INDICATORS) -> bool:
    """Whether a group table (of a run, or paired differences) can draw the equity chart."""
    if table is None or table.empty or not {"indicator", "dimension"} <= set(table.columns):
        return False
    rows = table[(table["dimension"] == dimension) & table["indicator"].isin(indicators)]
    return not rows.empty


# ----------------------------------------------------------------------------- equity


def equity_table(groups: pd.DataFrame, *, dimension: str = EQUITY_DIMENSION,
                 indicators: Sequence[str] = EQUITY_INDICATORS, scenario: str = "run",
                 baseline: str = "baseline", scenarios: Sequence[str] | None = None
                 ) -> pd.DataFrame:
    """The equity chart's numbers: each indicator by group, per scenario.

    Args:
        groups: A run's ``groups.parquet`` (column ``value``), or a comparison's
            ``compare_groups.parquet`` (columns ``scenario``, ``baseline_mean``,
            ``scenario_mean``, ``difference``, ``ci_low``, ``ci_high``, ``replicates``).
        dimension: The dimension whose groups are compared (``income``, ``age``, ...).
        indicators: The indicators, in panel order.
        scenario: Name of the single run (a run's table).
        baseline: Name of the comparison's baseline (a comparison's table).
        scenarios: The comparison's scenarios in order, the baseline among them (default:
            the baseline, then the table's order).

    Returns:
        Columns scenario, indicator, dimension, group, value, difference, ci_low, ci_high,
        replicates: one row per scenario × indicator × group of ``dimension``, plus the
        county total (dimension and group ``all``). ``value`` is the group's level (mean
        over replicates); for a comparison's scenarios ``difference`` and its 95 % interval
        ``ci_low``–``ci_high`` are the paired difference from the baseline (NaN for the
        baseline and for a single run).
    """
    rows = groups[groups["dimension"].isin((dimension, "all"))
                  & groups["indicator"].isin(indicators)]
    if "scenario_mean" not in rows.columns:  # a single run
        table = rows.assign(scenario=scenario, difference=np.nan, ci_low=np.nan,
                            ci_high=np.nan, replicates=1)
        return _ordered(table[EQUITY_COLUMNS], [scenario], indicators, dimension)
    others = rows[rows["scenario"] != baseline]
    key = ["indicator", "dimension", "group"]
    base = others.drop_duplicates(key)[key + ["baseline_mean", "replicates"]].rename(
        columns={"baseline_mean": "value"}).assign(scenario=baseline, difference=np.nan,
                                                    ci_low=np.nan, ci_high=np.nan)
    scen = others.rename(columns={"scenario_mean": "value"})
    table = pd.concat([base[EQUITY_COLUMNS], scen[EQUITY_COLUMNS]], ignore_index=True)
    order = list(scenarios) if scenarios is not None else \
        [baseline, *dict.fromkeys(others["scenario"])]
    return _ordered(table, order, indicators, dimension)


def _ordered(table: pd.DataFrame, scenarios: Sequence[str], indicators: Sequence[str],
             dimension: str) -> pd.DataFrame:
    """Rows by scenario, indicator, then group in the dimension's order (total last)."""
    table = table[table["scenario"].isin(scenarios)].copy()
    groups = group_order(dimension, list(table.loc[table["dimension"] == dimension, "group"]))
    rank = {g: i for i, g in enumerate(groups)}
    table["_s"] = table["scenario"].map({s: i for i, s in enumerate(scenarios)})
    table["_i"] = table["indicator"].map({s: i for i, s in enumerate(indicators)})
    table["_g"] = [len(rank) if d == "all" else rank[g]
                   for d, g in zip(table["dimension"], table["group"], strict=True)]
    table = table.sort_values(["_s", "_i", "_g"], kind="stable")
    return table.drop(columns=["_s", "_i", "_g"]).reset_index(drop=True)


def equity_chart(table: pd.DataFrame, *, baseline: str | None = None, lang: str = "en",
                 source: str | None = None) -> Figure:
    """Bars of indicators by group: one panel per indicator, a bar per group and scenario.

    A single run: one bar per group, its value on top, and the county total as a dashed
    line. A comparison: side by side per group, the baseline (grey) and each scenario;
    a scenario's bar carries the 95 % interval of its paired difference from the baseline
    (drawn around the scenario's mean, so a bar whose interval reaches the baseline's
    level is not clearly different) and is labelled with that difference, marked ``*`` where
    the interval excludes zero. The dashed line is then the baseline's county total.

    Args:
        table: :func:`equity_table`.
        baseline: The comparison's baseline (grey, and the level differences are from).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    indicators = list(dict.fromkeys(table["indicator"]))
    dimension = next((d for d in table["dimension"] if d != "all"), "all")
    scenarios = list(dict.fromkeys(table["scenario"]))
    compare = len(scenarios) > 1
    colours = scenario_colours(scenarios, baseline) if compare else \
        {scenarios[0]: SCENARIO_COLOURS[0]}
    ncols = 2 if len(indicators) > 1 else 1
    nrows = -(-len(indicators) // ncols)
    with language(lang):
        figure, chart = new_figure(lang, (8.0, min(7.5, 1.9 + 2.35 * nrows)), source)
        axes = chart.subplots(nrows, ncols, squeeze=False).ravel()
        shown: dict[str, object] = {}
        for ax, indicator in zip(axes, indicators, strict=False):
            rows = table[table["indicator"] == indicator]
            shown |= _equity_panel(ax, rows, scenarios, colours, baseline, lang)
        for ax in axes[len(indicators):]:
            ax.set_visible(False)
        _equity_legend(chart, shown, scenarios, colours, baseline, table, lang)
        set_xlabel(chart, dimension_label(dimension, lang))
        name = dimension_label(dimension, lang)
        set_title(chart, phrase("equity_title", lang,
                                dimension=name if lang == "zh" else name.lower()))
        return finish(figure)


def _equity_panel(ax: Axes, rows: pd.DataFrame, scenarios: list[str],
                  colours: dict[str, str], baseline: str | None, lang: str
                  ) -> dict[str, object]:
    """Draw one indicator's bars; return what the legend explains (line, interval, numbers)."""
    indicator = str(rows["indicator"].iloc[0])
    scale = display_scale(indicator)
    by_group = rows[rows["dimension"] != "all"]
    dimension = str(by_group["dimension"].iloc[0]) if not by_group.empty else "all"
    groups = list(dict.fromkeys(by_group["group"]))
    x = np.arange(len(groups))
    width = 0.8 / len(scenarios)
    upright = len(scenarios) > UPRIGHT_BARS  # narrow bars: numbers written upwards
    base = by_group[by_group["scenario"] == (baseline or scenarios[0])].set_index("group")
    base_level = base["value"].reindex(groups).to_numpy(float)
    handles: dict[str, object] = {}
    tops = [0.0]
    for j, name in enumerate(scenarios):
        mine = by_group[by_group["scenario"] == name].set_index("group").reindex(groups)
        height = mine["value"].to_numpy(float) * scale
        where = x + (j - (len(scenarios) - 1) / 2) * width
        ax.bar(where, np.nan_to_num(height), width * 0.9, color=colours[name], zorder=2)
        diff, ci_low, ci_high = (mine[c].to_numpy(float) for c in ("difference", "ci_low",
                                                                   "ci_high"))
        low, high = (base_level + ci_low) * scale, (base_level + ci_high) * scale
        has_interval = np.isfinite(low) & np.isfinite(high)
        if has_interval.any():
            errors = ax.errorbar(where[has_interval], height[has_interval],
                                 yerr=[np.maximum(height - low, 0)[has_interval],
                                       np.maximum(high - height, 0)[has_interval]],
                                 fmt="none", ecolor="0.15", elinewidth=1.0, capsize=2.5,
                                 zorder=3)
            handles.setdefault("interval", errors)
        for i in range(len(groups)):
            if not math.isfinite(height[i]):
                continue
            top = max(height[i], high[i]) if has_interval[i] else height[i]
            tops.append(top)
            if math.isfinite(diff[i]):
                clear = ci_low[i] > 0 or ci_high[i] < 0
                text = _signed(diff[i] * scale) + (CLEAR_MARK if clear else "")
                handles.setdefault("numbers", text.removesuffix(CLEAR_MARK))
            else:
                text = _level(indicator, height[i])
            ax.annotate(text, xy=(where[i], top), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7, rotation=90 if upright else 0,
                        zorder=4, bbox={"boxstyle": "round,pad=0.1", "fc": "white",
                                        "ec": "none", "alpha": 0.7})
    total = rows[(rows["dimension"] == "all") & (rows["scenario"] == (baseline or
                                                                       scenarios[0]))]
    if not total.empty and math.isfinite(total["value"].iloc[0]):
        level = float(total["value"].iloc[0]) * scale
        handles["county"] = ax.axhline(level, color="0.3", linestyle="--", linewidth=1.0,
                                       zorder=1)
        tops.append(level)
    ax.set_xticks(x, ["\n".join(wrap_display(group_label(dimension, g, lang), TICK_CELLS))
                      for g in groups])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    headroom = 1.35 if upright else 1.2  # room for the numbers above the bars
    ax.set_ylim(0, max(tops) * headroom if max(tops) > 0 else 1.0)
    ax.set_title(indicator_label(indicator, lang))
    ax.set_ylabel(axis_label(indicator, lang))
    ax.grid(axis="x", visible=False)
    return handles


def _equity_legend(chart: SubFigure, shown: dict[str, object], scenarios: list[str],
                   colours: dict[str, str], baseline: str | None, table: pd.DataFrame,
                   lang: str) -> None:
    """Scenarios, the county line, and notes on what the interval and numbers are."""
    handles, labels = [], []
    if len(scenarios) > 1:
        for name in scenarios:
            handles.append(Patch(color=colours[name]))
            labels.append(scenario_label(name, lang, baseline))
    if "county" in shown:
        handles.append(Line2D([], [], color="0.3", linestyle="--", linewidth=1.0))
        labels.append(phrase("county_total_baseline" if len(scenarios) > 1 else
                             "county_total", lang))
    if isinstance(shown.get("interval"), ErrorbarContainer):
        n = table["replicates"].max()
        handles.append(shown["interval"])
        labels.append(_wrapped(phrase("paired_interval", lang, n=replicates_text(
            int(n) if math.isfinite(n) else None, lang))))
    if "numbers" in shown:
        handles.append(Line2D([], [], linestyle="", marker=""))
        labels.append(_wrapped(phrase("difference_numbers", lang,
                                      example=str(shown["numbers"]))))
    if handles:
        chart.legend(handles, labels, loc="outside right center", handlelength=1.6)


def _wrapped(text: str) -> str:
    return "\n".join(wrap_display(text, LEGEND_CELLS))


def _digits(size: float) -> int:
    """Decimals that show two to three significant figures."""
    return 0 if size >= 100 else 1 if size >= 1 else 2


def _level(indicator: str, shown: float) -> str:
    """A bar's value as drawn: shares in % with one decimal, others by size."""
    return f"{shown:.1f}" if is_share(indicator) and shown >= 1 else \
        f"{shown:.{_digits(abs(shown))}f}"


def _signed(value: float) -> str:
    """'+1.2' or '−0.07' (a true minus sign)."""
    return f"{value:+.{_digits(abs(value))}f}".replace("-", "\u2212")
