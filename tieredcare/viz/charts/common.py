"""What the briefing charts share: headline indicators, target line, order, labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from tieredcare.viz.canvas import mark_target
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


def retention_target(ax: Axes, indicator: str, lang: str) -> None:
    """The 90 % target line on county-retention panels."""
    if indicator == "county_retention":
        value = COUNTY_RETENTION_TARGET * display_scale(indicator)
        mark_target(ax, value, phrase("target", lang, value=COUNTY_RETENTION_TARGET * 100))


def ci_half(sd: pd.Series, n: pd.Series, level: float = 0.95) -> pd.Series:
    """Half-width of the t-interval of a mean (NaN with fewer than two values)."""
    dof = n.where(n >= 2) - 1
    return pd.Series(stats.t.ppf(0.5 + level / 2, dof), index=sd.index) * sd / np.sqrt(n)


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
