"""A county map on its own: facilities by tier and villages by population (``map show``).

Unlike the run chart ``county_map`` (:mod:`tieredcare.viz.charts`), which sizes facilities
by what they did in a run, this draws the map as it is: villages sized by residents,
other facilities by their outpatient slots and beds, in the tier colours of the chart
pack, with each township's home area shaded.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tieredcare.tiers import TIERS
from tieredcare.viz.canvas import TIER_COLOURS, TIER_MARKERS, finish, new_figure, set_title
from tieredcare.viz.charts.county import township_areas
from tieredcare.viz.fonts import LATIN_FAMILY, language, require_cjk_family
from tieredcare.viz.labels import phrase, tier_label

TITLE = {"en": "{name}: facilities by tier, villages by residents",
         "zh": "{name}：各级医疗机构与村庄人口"}
NOTE = {"en": "Marker area: residents (villages), outpatient slots + beds (others)",
        "zh": "标记面积：村庄为人口，其他机构为门诊号源与床位数"}


def map_frame(county) -> pd.DataFrame:
    """The facilities of a county map as a table for drawing (one row per facility).

    Args:
        county: A :class:`~tieredcare.world.network.CountyMap`.

    Returns:
        Columns name, tier, township, x, y, size (residents of villages; slots + beds of
        the others).
    """
    population = np.zeros(county.n_facilities)
    population[county.villages] = county.village_population
    tier = [TIERS[t] for t in county.tier]
    township = [county.township_ids[t] if t >= 0 else "" for t in county.facility_township]
    size = np.where(np.asarray(county.tier) == TIERS.index("village"), population,
                    county.outpatient_slots + county.beds)
    return pd.DataFrame({"facility": county.ids, "name": county.names, "tier": tier,
                         "township": township, "x": county.x, "y": county.y, "size": size})


def _names_font(frame: pd.DataFrame, lang: str) -> dict:
    """Facility names may be Chinese in an English chart: then a CJK font backs Latin up."""
    if lang == "zh" or all(str(n).isascii() for n in frame["name"]):
        return {}
    # The packaged CJK font has one weight: no bold titles, as in Chinese charts.
    return {"font.family": [LATIN_FAMILY, require_cjk_family()], "axes.titleweight": "normal",
            "figure.titleweight": "normal"}


def map_figure(frame: pd.DataFrame, *, name: str, lang: str = "en",
               source: str | None = None) -> Figure:
    """Draw a county map from :func:`map_frame`.

    Args:
        frame: The facilities to draw.
        name: What the map is (a file or scenario name), for the title.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    with language(lang), mpl.rc_context(_names_font(frame, lang)):
        figure, chart = new_figure(lang, (8.0, 6.5), source)
        ax = chart.subplots()
        township_areas(ax, frame)
        scale = 600.0 / max(float(frame["size"].max()), 1.0)
        handles = []
        for tier in TIERS:
            rows = frame[frame["tier"] == tier]
            if rows.empty:
                continue
            ax.scatter(rows["x"], rows["y"], s=12 + rows["size"] * scale,
                       c=TIER_COLOURS[tier], marker=TIER_MARKERS[tier], edgecolors="white",
                       linewidths=0.5, alpha=0.9, zorder=3 + TIERS.index(tier))
            handles.append(Line2D([], [], marker=TIER_MARKERS[tier], linestyle="",
                                  color=TIER_COLOURS[tier], label=tier_label(tier, lang)))
        for _, row in frame[frame["tier"] != "village"].iterrows():
            ax.annotate(str(row["name"]), (row["x"], row["y"]), xytext=(4, 4),
                        textcoords="offset points", fontsize=6, color="0.25", zorder=9)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(phrase("km_east", lang))
        ax.set_ylabel(phrase("km_north", lang))
        ax.set_title(NOTE[lang], fontsize=8, fontweight="normal", color="0.3")
        chart.legend(handles=handles, loc="outside right center")
        set_title(chart, TITLE[lang].format(name=name))
        return finish(figure)
