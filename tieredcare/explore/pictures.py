"""What the explorer shows of a run against the baseline: headline cards and charts.

The charts are the chart pack's (:mod:`tieredcare.viz`), drawn with the baseline as the
grey "ghost" beside the setting on screen, in the pack's labels and fonts, as PNG.
Matplotlib's settings are global, so charts are drawn one at a time across sessions.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from tieredcare.explore.state import Outcome
from tieredcare.explore.words import word
from tieredcare.viz import charts, prefecture
from tieredcare.viz.canvas import figure_bytes
from tieredcare.viz.labels import indicator_label, indicator_unit, phrase
from tieredcare.viz.loadmap import load_map
from tieredcare.viz.report_values import format_change, format_value

CARDS = {"county_retention": 1, "primary_share": 1, "contract_coverage": 1,
         "mean_outpatient_wait_hours_county": -1, "oop_per_episode": -1, "forgone_care": -1}
"""The headline cards (retention, primary care, coverage, waits, out-of-pocket, forgone
care), each with the direction the reform documents aim for: +1 up, −1 down."""
COUNTY_COLUMNS = prefecture.COUNTY_INDICATORS
"""Indicators of the per-county table of a prefecture."""
SCREEN_DPI = 96
"""Resolution of charts on screen (the pack's files use 300)."""
BASELINE = "baseline"

DRAWING = threading.Lock()
"""Held while a chart is drawn: matplotlib's settings (fonts, style) are global."""


@dataclass(frozen=True)
class Card:
    """One headline indicator: its value now, the baseline's, and the change.

    Attributes:
        indicator: The indicator's name (as in ``summary.json``).
        label: Its display name.
        unit: Its display unit.
        value: Its value now (as stored: shares 0–1).
        base: The baseline's value.
        text: The value as shown.
        base_text: The baseline's value as shown.
        change: The change from the baseline as shown ('+2.1 pp').
        direction: ``up``, ``down`` or ``same``.
        aim: ``better``, ``worse`` (than the baseline, as the reforms aim) or ``same``.
    """

    indicator: str
    label: str
    unit: str
    value: float
    base: float
    text: str
    base_text: str
    change: str
    direction: str
    aim: str


def cards(now: Outcome, base: Outcome, lang: str) -> list[Card]:
    """The headline cards of a run against the baseline."""
    found = []
    for indicator, aimed in CARDS.items():
        value = float(now.output.summary.get(indicator, math.nan))
        before = float(base.output.summary.get(indicator, math.nan))
        diff = value - before
        text, base_text = format_value(indicator, value, lang), format_value(indicator,
                                                                           before, lang)
        shown = format_change(indicator, diff, lang)
        direction = "same" if not math.isfinite(diff) or text == base_text else \
            "up" if diff > 0 else "down"
        aim = "same" if direction == "same" else \
            "better" if (diff > 0) == (aimed > 0) else "worse"
        found.append(Card(indicator, indicator_label(indicator, lang),
                          indicator_unit(indicator, lang), value, before, text, base_text,
                          shown, direction, aim))
    return found


def source_line(now: Outcome, lang: str) -> str:
    """The line under every chart: what was run, with which seed, how many residents."""
    sc = now.scenario
    sep = "：" if lang == "zh" else ": "
    return (f"{phrase('source', lang)}{sep}tieredcare explore '{sc.name}' · "
            f"{phrase('seed', lang, seed=sc.seed)} · "
            f"{word('residents_count', lang, n=sc.population.residents)}")


def chart_pictures(now: Outcome, base: Outcome, lang: str,
                   check: Callable[[], None] = lambda: None) -> dict[str, bytes]:
    """The explorer's charts as PNG: over time, tier shares, facility load, counties.

    ``check`` is called before each chart (it may raise to stop the drawing).
    """
    source = source_line(now, lang)
    current = word("now", lang)
    names = {BASELINE: base.output.timeseries, current: now.output.timeseries}
    series = pd.concat([frame.assign(scenario=name) for name, frame in names.items()])
    shares = pd.concat([charts.tier_share_table(base.output.summary, BASELINE),
                        charts.tier_share_table(now.output.summary, current)])
    draw = {
        "time": lambda: charts.time_series(series, freq="day", baseline=BASELINE,
                                           switches=_switches(now), lang=lang, source=source),
        "tiers": lambda: charts.tier_shares(shares, baseline=BASELINE, lang=lang,
                                            source=source),
        "load": lambda: load_map(now.output.facilities, lang=lang, source=source),
    }
    if now.output.counties:
        table = prefecture.county_table(now.output.groups)
        draw["counties"] = lambda: prefecture.county_bars(table, lang=lang, source=source)
    pictures = {}
    for name, make in draw.items():
        check()
        with DRAWING:
            pictures[name] = figure_bytes(make(), dpi=SCREEN_DPI)
    return pictures


def _switches(now: Outcome) -> list[dict[str, object]]:
    """Lever switches inside the reported days (the warm-up's are not drawn)."""
    return [item for item in now.output.timeline if int(item["day"]) >= 0]


def county_rows(now: Outcome, base: Outcome, lang: str) -> list[list[str]]:
    """A prefecture's counties: each headline share now, with its change from the baseline."""
    rows = []
    for county, values in now.output.counties.items():
        before = base.output.counties.get(county, {})
        cells = [county]
        for indicator in COUNTY_COLUMNS:
            value = values.get(indicator, math.nan)
            diff = value - before.get(indicator, math.nan)
            cells.append(f"{format_value(indicator, value, lang)} "
                         f"({format_change(indicator, diff, lang)})")
        rows.append(cells)
    return rows
