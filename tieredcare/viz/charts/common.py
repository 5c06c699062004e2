"""What the briefing charts share: headline indicators, target line, order, labels, tier bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from tieredcare.tiers import TIERS
from tieredcare.viz.canvas import TIER_COLOURS, mark_target
from tieredcare.viz.labels import (
    COUNTY_RETENTION_TARGET,
    display_scale,
    indicator_label,
    indicator_unit,
    is_share,
    phrase,
)

HEADLINE = ("county_retention", "primary_share")
"""The two headline indicators (县域内就诊率, 基层就诊率)."""
SEGMENT_LABEL_MIN = 6.0
"""Smallest stacked segment (%) that is labelled with its value."""
DARK_TIERS = ("village", "county", "province")
"""Tiers whose colour takes a white label."""


def retention_target(ax: Axes, indicator: str, lang: str) -> None:
    """The 90 % target line on county-retention panels."""
    if indicator == "county_retention":
        value = COUNTY_RETENTION_TARGET * display_scale(indicator)
        mark_target(ax, value, phrase("target", lang, value=COUNTY_RETENTION_TARGET * 100))


def ci_half(sd: pd.Series, n: pd.Series, level: float = 0.95) -> pd.Series:
    """Half-width of the t-interval of a mean (NaN with fewer than two values).

    The sweep tables' t-interval (:func:`tieredcare.experiments.intervals.t_half_width`),
    as a Series on ``sd``'s index.

    Args:
        sd: Sample standard deviation (ddof 1) of each mean's values.
        n: Number of values, row by row with ``sd`` (the same table's rows).
        level: Confidence level.
    """
    # Imported here: the experiments package loads the model, which a chart does not need.
    from tieredcare.experiments.intervals import t_half_width

    return pd.Series(t_half_width(sd.to_numpy(float), n.to_numpy(float), level),
                     index=sd.index)


def scenario_order(frame: pd.DataFrame, baseline: str | None,
                   scenarios: Sequence[str] | None) -> list[str]:
    """Scenarios in the given order, else baseline first then order of appearance."""
    present = list(dict.fromkeys(frame["scenario"]))
    if scenarios is not None:
        return [s for s in scenarios if s in present]
    if baseline in present:
        present.remove(baseline)
        present.insert(0, baseline)
    return present


def switch_days(switches: Sequence[Mapping[str, Any]] | None, first: float, last: float,
                lang: str) -> dict[int, str]:
    """Labels of the days levers switch on (or off) within the plotted days."""
    days: dict[int, str] = {}
    for item in switches or []:
        day = int(item["day"])
        if first <= day <= last and day not in days:
            key = "policy_on" if item.get("switch", "on") == "on" else "policy_off"
            days[day] = phrase(key, lang, day=day)
    return days


def joined_labels(indicators: Sequence[str], lang: str) -> str:
    """'County retention and primary-care share of visits' / '县域内就诊率和基层就诊率'."""
    labels = [indicator_label(i, lang) for i in indicators]
    if lang == "en":  # sentence case after the first label
        labels = [labels[0]] + [s[0].lower() + s[1:] for s in labels[1:]]
    return phrase("and", lang).join(labels)


def difference_axis(indicator: str, lang: str) -> str:
    """'Difference (percentage points)' for shares, else 'Difference (<unit>)'."""
    if is_share(indicator):
        return phrase("difference_pp", lang)
    return phrase("difference_unit", lang, unit=indicator_unit(indicator, lang))


def signed(value: float, digits: int = 1) -> str:
    """'+1.2' or '−0.7' (a true minus sign, as on the axes)."""
    return f"{value:+.{digits}f}".replace("-", "\u2212")


def stacked_tiers(ax: Axes, shares: pd.DataFrame, column: str, names: list[str],
                  shown: dict[str, Patch], *, horizontal: bool = False,
                  zorder: float | None = None) -> None:
    """Bars stacked by tier (village first), each segment's % written inside where it fits.

    Args:
        ax: The panel.
        shares: One row per bar, a share (0–1) of each tier in column ``column``.
        column: Name of a tier's column, with ``{tier}`` for the tier, e.g.
            ``"visit_share_{tier}"``.
        names: Label of each bar.
        shown: Tier → legend patch; the tiers drawn are added.
        horizontal: Bars along x, the first row at y = 0; else upright, the first at x = 0.
        zorder: Drawing order of the bars (None: matplotlib's); labels are drawn above.
    """
    start = np.zeros(len(shares))
    place = np.arange(len(shares))
    for tier in TIERS:
        values = shares[column.format(tier=tier)].fillna(0.0).to_numpy(float) * 100
        if not values.any():
            continue
        style = {"color": TIER_COLOURS[tier], "edgecolor": "white", "linewidth": 0.6,
                 "zorder": zorder}
        if horizontal:
            ax.barh(place, values, left=start, height=0.62, **style)
        else:
            ax.bar(place, values, bottom=start, width=0.62, **style)
        shown.setdefault(tier, Patch(color=TIER_COLOURS[tier]))
        colour = "white" if tier in DARK_TIERS else "black"
        for i, (low, size) in enumerate(zip(start, values, strict=True)):
            if size >= SEGMENT_LABEL_MIN:  # labels only where they fit inside the segment
                middle = low + size / 2
                ax.text(*((middle, i) if horizontal else (i, middle)), f"{size:.0f}",
                        ha="center", va="center", fontsize=7.5, color=colour, zorder=3)
        start += values
    if horizontal:
        ax.set_yticks(place, names)
    else:
        ax.set_xticks(place, names)
    ax.grid(axis="y" if horizontal else "x", visible=False)
