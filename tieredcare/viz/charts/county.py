"""The county map: facilities by tier, township home areas, flows out of the county."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Polygon

from tieredcare.tiers import TIERS
from tieredcare.viz.canvas import TIER_COLOURS, TIER_MARKERS, finish, new_figure, set_title
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import phrase, tier_label


def county_map(facilities: pd.DataFrame, flows: pd.DataFrame, *, lang: str = "en",
               source: str | None = None) -> Figure:
    """The county: facilities by tier, township home areas and flows out of the county.

    Marker area is proportional to a facility's visits + admissions; each township's home
    area is the hull of its villages; arrows from each township centre to the
    out-of-county hospitals its residents were treated at have widths proportional to the
    episodes, and each such hospital is labelled with its total.

    Args:
        facilities: ``facilities.parquet`` (facility, name, tier, township, x, y, visits,
            admissions, ...).
        flows: ``flows.parquet`` (home_township, facility, in_county, episodes).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    with language(lang):
        figure, chart = new_figure(lang, (8.0, 6.0), source)
        ax = chart.subplots()
        township_areas(ax, facilities)
        flow_handle = _out_flows(ax, facilities, flows, lang)
        handles = _facility_markers(ax, facilities, lang)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(phrase("km_east", lang))
        ax.set_ylabel(phrase("km_north", lang))
        ax.set_title(phrase("volume_note", lang), fontsize=8, fontweight="normal",
                     color="0.3")
        handles.append(Patch(facecolor="#ececec", edgecolor="0.6",
                             label=phrase("township_area", lang)))
        if flow_handle is not None:
            handles.append(flow_handle)
        chart.legend(handles=handles, loc="outside right center")
        set_title(chart, phrase("map_title", lang))
        return finish(figure)


def township_areas(ax: Axes, facilities: pd.DataFrame) -> None:
    """Each township's home area: the convex hull around its villages and centre."""
    from scipy.spatial import ConvexHull, QhullError

    shades = ("#f4f4f4", "#e4e4e4")
    members = facilities[facilities["township"].astype(str) != ""]
    for i, (township, group) in enumerate(members.groupby("township", sort=True)):
        points = group[["x", "y"]].to_numpy(float)
        centre = points.mean(axis=0)
        top = points[points[:, 1].argmax()]
        if len(points) >= 3:
            try:
                hull = points[ConvexHull(points).vertices]
            except QhullError:  # villages on a line: no area to draw
                hull = None
            if hull is not None:
                padded = centre + (hull - centre) * 1.12
                ax.add_patch(Polygon(padded, closed=True, facecolor=shades[i % 2],
                                     edgecolor="0.6", linewidth=0.7, zorder=0))
                top = padded[padded[:, 1].argmax()]
        # the township's name above its area, clear of the markers inside it
        ax.annotate(str(township), xy=top, xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7, color="0.3", zorder=5)


def _out_flows(ax: Axes, facilities: pd.DataFrame, flows: pd.DataFrame, lang: str
               ) -> Line2D | None:
    """Arrows from township centres to out-of-county facilities, width ∝ episodes."""
    out = flows[~flows["in_county"].astype(bool)]
    if out.empty:
        return None
    info = facilities.set_index("facility")
    centres = township_centres(facilities)
    out = out.groupby(["home_township", "facility"], as_index=False)["episodes"].sum()
    widest = float(out["episodes"].max())
    for row in out.itertuples(index=False):
        if row.home_township not in centres or row.facility not in info.index:
            continue
        start = np.asarray(centres[row.home_township], dtype=float)
        end = info.loc[row.facility, ["x", "y"]].to_numpy(float)
        width = 0.6 + 6.0 * row.episodes / widest
        # curved, so flows from townships in line with the hospital stay apart
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle="arc3,rad=0.18",
                                     arrowstyle="-|>", mutation_scale=6 + width * 1.5,
                                     linewidth=width, alpha=0.45, shrinkB=9, zorder=2,
                                     color=TIER_COLOURS.get(info.at[row.facility, "tier"],
                                                            "0.4")))
    for facility, episodes in out.groupby("facility")["episodes"].sum().items():
        if facility in info.index:
            ax.annotate(f"{info.at[facility, 'name']}\n{int(episodes):,}",
                        xy=info.loc[facility, ["x", "y"]].to_numpy(float), xytext=(0, 10),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7.5,
                        color="0.15", zorder=6)
    return Line2D([], [], color=TIER_COLOURS["city"], alpha=0.45, linewidth=4,
                  label=phrase("flow_out", lang))


def township_centres(facilities: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Map position of each township's centre, by township id.

    The township health centre of the township if there is one (on the synthetic map its
    id is the township's), else the mean position of the township's facilities.
    """
    members = facilities[facilities["township"].astype(str) != ""]
    centres = {str(t): (float(g["x"].mean()), float(g["y"].mean()))
               for t, g in members.groupby("township")}
    for row in members[members["tier"] == "township"].itertuples(index=False):
        centres[str(row.township)] = (float(row.x), float(row.y))
    return centres


def _facility_markers(ax: Axes, facilities: pd.DataFrame, lang: str) -> list:
    """Facilities by tier; marker area ∝ visits + admissions."""
    volume = (facilities["visits"] + facilities["admissions"]).to_numpy(float)
    largest = max(float(volume.max()), 1.0)
    handles = []
    for tier in TIERS:
        rows = facilities["tier"] == tier
        if not rows.any():
            continue
        ax.scatter(facilities.loc[rows, "x"], facilities.loc[rows, "y"],
                   s=12 + 480 * volume[rows.to_numpy()] / largest, marker=TIER_MARKERS[tier],
                   color=TIER_COLOURS[tier], edgecolor="white", linewidth=0.6, zorder=4,
                   alpha=0.9)
        handles.append(Line2D([], [], linestyle="", marker=TIER_MARKERS[tier], ms=7,
                              color=TIER_COLOURS[tier], label=tier_label(tier, lang)))
    return handles
