"""The county map coloured by how loaded each facility was: where the queues build up.

A facility's load is the larger of its outpatient utilisation (visits / slots) and its
bed occupancy over the reported days, so a township centre whose beds are full shows as
full even when its clinic is quiet. Marker shapes are the tiers', as in every map of the
chart pack; marker area is the facility's visits + admissions.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tieredcare.tiers import TIERS
from tieredcare.viz.canvas import TIER_MARKERS, finish, new_figure, set_title
from tieredcare.viz.charts.county import township_areas
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import phrase, tier_label

TITLE = {"en": "Facility load: the busier of outpatient slots and beds",
         "zh": "医疗机构负荷：门诊号源与病床使用率中较高者"}
LOAD_AXIS = {"en": "Load (% of capacity used)", "zh": "负荷（已用容量%）"}
MAX_LOAD = 1.2
"""Top of the colour scale: 120 % (queues beyond capacity show as the darkest colour)."""


def facility_load(facilities: pd.DataFrame) -> np.ndarray:
    """Each facility's load: the larger of outpatient utilisation and bed occupancy (0–1+).

    Facilities with neither slots nor beds have load 0.
    """
    parts = [facilities[c].to_numpy(float) for c in ("outpatient_utilisation", "bed_occupancy")
             if c in facilities]
    return np.nan_to_num(np.fmax.reduce(parts), nan=0.0)


def load_map(facilities: pd.DataFrame, *, lang: str = "en", source: str | None = None,
             size: tuple[float, float] = (8.0, 6.0)) -> Figure:
    """Facilities on the map, coloured by load.

    Args:
        facilities: ``facilities.parquet`` (facility, tier, township, x, y, visits,
            admissions, outpatient_utilisation, bed_occupancy).
        lang: ``en`` or ``zh``.
        source: Source line.
        size: Width and height in inches.

    Returns:
        The figure, with a colour bar of the load in %.
    """
    load = facility_load(facilities)
    volume = (facilities["visits"] + facilities["admissions"]).to_numpy(float)
    scale = 420.0 / max(float(volume.max()), 1.0)
    norm = mpl.colors.Normalize(vmin=0.0, vmax=MAX_LOAD * 100)
    cmap = mpl.colormaps["YlOrRd"]
    with language(lang):
        figure, chart = new_figure(lang, size, source)
        ax = chart.subplots()
        township_areas(ax, facilities)
        handles = []
        for tier in TIERS:
            rows = (facilities["tier"] == tier).to_numpy()
            if not rows.any():
                continue
            ax.scatter(facilities.loc[rows, "x"], facilities.loc[rows, "y"],
                       s=10 + volume[rows] * scale, c=load[rows] * 100, cmap=cmap, norm=norm,
                       marker=TIER_MARKERS[tier], edgecolors="0.25", linewidths=0.4,
                       zorder=3 + TIERS.index(tier))
            handles.append(Line2D([], [], marker=TIER_MARKERS[tier], linestyle="",
                                  color="0.55", label=tier_label(tier, lang)))
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(phrase("km_east", lang))
        ax.set_ylabel(phrase("km_north", lang))
        ax.set_title(phrase("volume_note", lang), fontsize=8, fontweight="normal",
                     color="0.3")
        bar = figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.7)
        bar.set_label(LOAD_AXIS[lang])
        chart.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                     fontsize=8)
        set_title(chart, TITLE[lang])
        return finish(figure)
