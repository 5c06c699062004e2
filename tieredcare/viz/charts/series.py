"""The time-series chart: indicators over the days, per scenario, with bands over replicates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch

from tieredcare.viz.canvas import (
    finish,
    mark_days,
    new_figure,
    scenario_colours,
    set_title,
    set_xlabel,
)
from tieredcare.viz.charts.common import (
    HEADLINE,
    ci_half,
    joined_labels,
    retention_target,
    scenario_order,
    switch_days,
)
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import axis_label, display_scale, indicator_label, phrase, scenario_label

MONTH_DAYS = 30
BANDS = ("p10_p90", "ci95")


def series_bands(timeseries: pd.DataFrame, indicator: str, *, freq: str = "month",
                 band: str = "p10_p90") -> pd.DataFrame:
    """Mean and band of an indicator per scenario and day (or 30-day period).

    Monthly values are 30-day means of each run's daily values (a last period shorter
    than 15 days is dropped); the band is the 10th–90th percentile of the runs
    (``p10_p90``) or the 95 % t-interval of their mean (``ci95``).

    Args:
        timeseries: Daily indicators; ``scenario`` and ``replicate`` columns for several
            runs (a comparison's ``timeseries.parquet``), none for a single run.
        indicator: The indicator column.
        freq: ``month`` or ``day``.
        band: ``p10_p90`` or ``ci95``.

    Returns:
        Columns scenario, day (the period's middle day), mean, low, high, runs.
    """
    if band not in BANDS:
        raise ValueError(f"unknown band {band!r}; allowed: {', '.join(BANDS)}")
    frame = timeseries.copy()
    if "scenario" not in frame.columns:
        frame["scenario"] = "run"
    if "replicate" not in frame.columns:
        frame["replicate"] = 0
    frame = frame[["scenario", "replicate", "day", indicator]].rename(
        columns={indicator: "value"})
    if freq == "month":
        frame["period"] = frame["day"] // MONTH_DAYS
        frame = frame.groupby(["scenario", "replicate", "period"], sort=False).agg(
            day=("day", "mean"), value=("value", "mean"), days=("day", "size")).reset_index()
        frame = frame[frame["days"] >= MONTH_DAYS // 2]
    elif freq != "day":
        raise ValueError(f"unknown freq {freq!r}; allowed: month, day")
    groups = frame.groupby(["scenario", "day"], sort=False)["value"]
    table = groups.agg(mean="mean", sd="std", runs="count")
    if band == "p10_p90":
        table["low"], table["high"] = groups.quantile(0.1), groups.quantile(0.9)
    else:
        half = ci_half(table["sd"], table["runs"])
        table["low"], table["high"] = table["mean"] - half, table["mean"] + half
    return table.reset_index()[["scenario", "day", "mean", "low", "high", "runs"]]


def time_series(timeseries: pd.DataFrame, indicators: Sequence[str] = HEADLINE, *,
                freq: str = "month", band: str = "p10_p90",
                switches: Sequence[Mapping[str, Any]] | None = None,
                baseline: str | None = None, scenarios: Sequence[str] | None = None,
                lang: str = "en", source: str | None = None) -> Figure:
    """Indicators over the reported days, per scenario, with bands over replicates.

    Args:
        timeseries: Daily indicators of one run, or of every run of a comparison.
        indicators: One panel each.
        freq: ``month`` (30-day means) or ``day``.
        band: ``p10_p90`` (spread of the replicates) or ``ci95`` (interval of the mean).
        switches: Lever switch days (``day``, ``switch``) to mark with vertical lines.
        baseline: The comparison's baseline (drawn in grey).
        scenarios: Scenarios to draw, in order (default: all).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    bands = {i: series_bands(timeseries, i, freq=freq, band=band) for i in indicators}
    first = next(iter(bands.values()))
    order = scenario_order(first, baseline, scenarios)
    colours = scenario_colours(order, baseline)
    several = first["runs"].max() > 1
    with language(lang):
        figure, chart = new_figure(lang, source=source)
        axes = chart.subplots(1, len(indicators), sharex=True, squeeze=False)[0]
        days = switch_days(switches, first["day"].min(), first["day"].max(), lang)
        for ax, indicator in zip(axes, indicators, strict=True):
            series_panel(ax, bands[indicator], order, colours, indicator, baseline, lang)
            mark_days(ax, days)
        set_xlabel(chart, phrase("day", lang))
        series_legend(chart, axes[0], several, band, lang, single=len(order) == 1)
        key = "time_title_month" if freq == "month" else "time_title_day"
        set_title(chart, phrase(key, lang, indicators=joined_labels(indicators, lang)))
        return finish(figure)


def series_panel(ax: Axes, table: pd.DataFrame, order: list[str], colours: dict[str, str],
                 indicator: str, baseline: str | None, lang: str) -> None:
    """One indicator's panel: a line (and band over replicates) per scenario."""
    scale = display_scale(indicator)
    for name in order:
        rows = table[table["scenario"] == name].sort_values("day")
        colour = colours[name]
        if rows["runs"].max() > 1:
            ax.fill_between(rows["day"], rows["low"] * scale, rows["high"] * scale,
                            color=colour, alpha=0.15, linewidth=0)
        ax.plot(rows["day"], rows["mean"] * scale, color=colour, linewidth=1.8,
                marker="o" if len(rows) <= 24 else None, ms=3,
                label=scenario_label(name, lang, baseline))
    ax.set_title(indicator_label(indicator, lang))
    ax.set_ylabel(axis_label(indicator, lang))
    retention_target(ax, indicator, lang)


def series_legend(chart: SubFigure, ax: Axes, several: bool, band: str, lang: str, *,
                  single: bool) -> None:
    """The scenarios' legend, with the band's meaning when there are replicates."""
    handles, labels = ax.get_legend_handles_labels()
    if single and not several:
        return  # one run: the title says what the line is
    if several:
        handles.append(Patch(color="0.5", alpha=0.3))
        labels.append(phrase("band_p10_p90" if band == "p10_p90" else "band_ci", lang))
    chart.legend(handles, labels, loc="outside right center")
