"""The family-doctor contract coverage chart: all residents, 65+, chronic patients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tieredcare.viz.canvas import (
    finish,
    mark_days,
    new_figure,
    scenario_colours,
    set_title,
    set_xlabel,
)
from tieredcare.viz.charts.common import scenario_order, switch_days
from tieredcare.viz.charts.series import series_bands, series_legend, series_panel
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import phrase

COVERAGE = ("contract_coverage", "contract_coverage_elderly", "contract_coverage_chronic")
COVERAGE_PHRASES = ("coverage_all", "coverage_elderly", "coverage_chronic")
COVERAGE_COLOURS = ("#08519c", "#e6550d", "#756bb1")


def contract_coverage(timeseries: pd.DataFrame, *,
                      switches: Sequence[Mapping[str, Any]] | None = None,
                      baseline: str | None = None, scenarios: Sequence[str] | None = None,
                      band: str = "p10_p90", lang: str = "en", source: str | None = None
                      ) -> Figure:
    """Family-doctor contract coverage over time: all residents, 65+, chronic patients.

    One run: one panel, a line per group. Several scenarios: a panel per group, a line
    (and band over replicates) per scenario.

    Args:
        timeseries: Daily indicators of one run or of every run of a comparison.
        switches: Lever switch days to mark.
        baseline: The comparison's baseline.
        scenarios: Scenarios to draw, in order.
        band: ``p10_p90`` or ``ci95``.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    bands = {i: series_bands(timeseries, i, freq="day", band=band) for i in COVERAGE}
    first = bands[COVERAGE[0]]
    order = scenario_order(first, baseline, scenarios)
    with language(lang):
        figure, chart = new_figure(lang, source=source)
        days = switch_days(switches, first["day"].min(), first["day"].max(), lang)
        if len(order) == 1:
            ax = chart.subplots()
            _coverage_groups(ax, bands, lang)
            axes = [ax]
            chart.legend(loc="outside right center")
        else:
            axes = chart.subplots(1, 3, sharey=True)
            colours = scenario_colours(order, baseline)
            for ax, indicator, key in zip(axes, COVERAGE, COVERAGE_PHRASES, strict=True):
                series_panel(ax, bands[indicator], order, colours, indicator, baseline, lang)
                ax.set_title(phrase(key, lang))
                ax.set_ylabel("")
            axes[0].set_ylabel(phrase("coverage_axis", lang))
            series_legend(chart, axes[0], first["runs"].max() > 1, band, lang,
                          single=False)
        for ax in axes:
            mark_days(ax, days)
            ax.set_ylim(0, 100)  # coverage on its full scale: levels compare at a glance
        set_xlabel(chart, phrase("day", lang))
        set_title(chart, phrase("coverage_title", lang))
        return finish(figure)


def _coverage_groups(ax: Axes, bands: dict[str, pd.DataFrame], lang: str) -> None:
    for indicator, key, colour in zip(COVERAGE, COVERAGE_PHRASES, COVERAGE_COLOURS,
                                      strict=True):
        rows = bands[indicator].sort_values("day")
        if rows["runs"].max() > 1:
            ax.fill_between(rows["day"], rows["low"] * 100, rows["high"] * 100, color=colour,
                            alpha=0.15, linewidth=0)
        ax.plot(rows["day"], rows["mean"] * 100, color=colour, linewidth=1.8,
                label=phrase(key, lang))
    ax.set_ylabel(phrase("coverage_axis", lang))
