"""Charts of a prefecture run: each county's headline indicators, and a map by retention.

Both read the ``county`` rows of ``groups.parquet`` (each county's indicators, see
:mod:`tieredcare.groups`); the map places facilities from ``facilities.parquet``.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tieredcare.tiers import TIERS
from tieredcare.viz.canvas import TARGET_COLOUR, TIER_MARKERS, finish, new_figure, set_title
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import COUNTY_RETENTION_TARGET, indicator_label, phrase, tier_label

COUNTY_INDICATORS = ("county_retention", "inpatient_county_retention", "primary_share")
"""Indicators of the per-county bar chart (shares, drawn in %)."""
TITLES = {"bars": {"en": "Retention and primary-care share by county",
                   "zh": "各县（区）县域内就诊率与基层就诊率"},
          "map": {"en": "The prefecture: villages coloured by their county's retention",
                  "zh": "全市地图：各村按所在县（区）县域内就诊率着色"}}
SHARED = {"en": "City and provincial hospitals (shared)", "zh": "市级及省级医院（共享）"}
AXES = {"en": ("East of the city (km, drawn)", "North of the city (km, drawn)"),
        "zh": ("市区以东（公里，示意）", "市区以北（公里，示意）")}
"""Axis labels: the map's origin is the city hospital, and the counties are spread apart
for drawing (travel times are the roads', not these distances)."""


def has_counties(groups: pd.DataFrame | None) -> bool:
    """Whether a run's group table is a prefecture's (has a ``county`` dimension)."""
    return groups is not None and bool((groups["dimension"] == "county").any())


def county_table(groups: pd.DataFrame) -> pd.DataFrame:
    """County × indicator values of a prefecture run, counties in the run's order."""
    rows = groups[groups["dimension"] == "county"]
    order = list(dict.fromkeys(rows["group"]))
    return rows.pivot(index="group", columns="indicator", values="value").loc[order]


def county_bars(table: pd.DataFrame, *, lang: str = "en", source: str | None = None) -> Figure:
    """Grouped bars: each county's retention, inpatient retention and primary-care share.

    Args:
        table: :func:`county_table`.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure, with the national retention target as a dashed line.
    """
    with language(lang):
        figure, chart = new_figure(lang, (8.0, 4.2), source)
        ax = chart.subplots()
        x = np.arange(len(table))
        width = 0.8 / len(COUNTY_INDICATORS)
        colours = mpl.colormaps["Blues"](np.linspace(0.85, 0.45, len(COUNTY_INDICATORS)))
        for i, indicator in enumerate(COUNTY_INDICATORS):
            values = table[indicator].to_numpy(float) * 100
            bars = ax.bar(x + (i - 1) * width, values, width, color=colours[i],
                          label=indicator_label(indicator, lang))
            ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
        ax.axhline(COUNTY_RETENTION_TARGET * 100, color=TARGET_COLOUR, linestyle="--",
                   linewidth=1.2)
        ax.set_xticks(x, [str(c) for c in table.index])
        ax.set_ylabel(phrase("share_axis", lang))
        ax.set_ylim(0, 105)
        chart.legend(loc="outside right center")
        set_title(chart, TITLES["bars"][lang])
        return finish(figure)


def prefecture_map(facilities: pd.DataFrame, table: pd.DataFrame, *, lang: str = "en",
                   source: str | None = None) -> Figure:
    """The prefecture's facilities, each county's coloured by that county's retention.

    Args:
        facilities: ``facilities.parquet`` (county, tier, x, y, visits, admissions).
        table: :func:`county_table`.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure: villages as dots, hospitals and centres as tier markers, the shared
        hospitals in black.
    """
    retention = table["county_retention"].astype(float)
    norm = mpl.colors.Normalize(vmin=min(retention.min(), 0.6), vmax=1.0)
    cmap = mpl.colormaps["RdYlGn"]
    with language(lang):
        figure, chart = new_figure(lang, (8.0, 6.5), source)
        ax = chart.subplots()
        volume = (facilities["visits"] + facilities["admissions"]).to_numpy(float)
        scale = 300.0 / max(float(volume.max()), 1.0)
        handles = []
        for tier in TIERS:
            rows = facilities[facilities["tier"] == tier]
            if rows.empty:
                continue
            own = rows["county"].map(retention)
            colour = [cmap(norm(v)) if v == v else "black" for v in own]
            ax.scatter(rows["x"], rows["y"], s=4 + volume[rows.index] * scale, c=colour,
                       marker=TIER_MARKERS[tier], edgecolors="0.3", linewidths=0.3,
                       zorder=3 + TIERS.index(tier))
            handles.append(Line2D([], [], marker=TIER_MARKERS[tier], linestyle="",
                                  color="0.5", label=tier_label(tier, lang)))
        for county, part in facilities[facilities["county"] != ""].groupby("county"):
            # Above the county's facilities, and over every marker, so it hides none of them.
            ax.annotate(f"{county}  {retention[county] * 100:.0f}%",
                        ((part["x"].min() + part["x"].max()) / 2, part["y"].max()),
                        xytext=(0, 6), textcoords="offset points", ha="center", va="bottom",
                        fontsize=8, zorder=10,
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.85})
        handles.append(Line2D([], [], marker="o", linestyle="", color="black",
                              label=SHARED[lang]))
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(AXES[lang][0])
        ax.set_ylabel(AXES[lang][1])
        bar = figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6)
        bar.set_label(indicator_label("county_retention", lang))
        chart.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8)
        set_title(chart, TITLES["map"][lang])
        return finish(figure)
