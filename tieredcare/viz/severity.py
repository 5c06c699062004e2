"""Where the treated episodes of each severity are treated: stacked shares by tier.

It reads the group tables of a results folder (``groups.parquet``, or a comparison's,
averaged over replicates). :func:`severity_table` turns them into what is drawn, and
:func:`severity_shares` draws the stacked shares of the treated episodes of each severity
(1–4) by tier, in the same tier colours as ``tier_shares``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tieredcare.tiers import TIERS
from tieredcare.viz.canvas import finish, new_figure, set_title, set_xlabel
from tieredcare.viz.charts.common import stacked_tiers
from tieredcare.viz.equity import has_equity
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import (
    dimension_label,
    group_label,
    group_order,
    phrase,
    scenario_label,
    tier_label,
)

SEVERITY = "severity"
TREATED_SHARES = tuple(f"treated_share_{tier}" for tier in TIERS)
"""Share of an episode group's treated episodes treated at each tier (they add up to 1)."""
ROTATE_CHARACTERS = 20
"""Scenario names in a severity panel longer than this, together, are drawn slanted."""


def has_severity(table: pd.DataFrame | None) -> bool:
    """Whether a group table holds the treated shares by severity."""
    return has_equity(table, SEVERITY, TREATED_SHARES)  # the same check, other rows


def severity_table(groups: pd.DataFrame, *, scenario: str = "run",
                   scenarios: Sequence[str] | None = None) -> pd.DataFrame:
    """Where each severity's treated episodes were treated, per scenario.

    Args:
        groups: A run's ``groups.parquet``, or a comparison's (with ``scenario`` and
            ``replicate``: the mean over replicates is taken).
        scenario: Name of the single run (a run's table).
        scenarios: Scenarios in order (default: the table's order).

    Returns:
        One row per scenario × severity (columns ``scenario``, ``severity``), columns
        ``treated_share_<tier>`` (shares 0–1 that add up to 1) and ``treated`` (treated
        episodes of the severity; NaN where the table has no counts, as in a comparison).
    """
    rows = groups[(groups["dimension"] == SEVERITY) & groups["indicator"].isin(TREATED_SHARES)]
    if "scenario" not in rows.columns:
        rows = rows.assign(scenario=scenario)
    order = list(scenarios) if scenarios is not None else list(dict.fromkeys(rows["scenario"]))
    rows = rows[rows["scenario"].isin(order)]
    shares = rows.pivot_table(index=["scenario", "group"], columns="indicator",
                              values="value", aggfunc="mean", dropna=False)
    shares = shares.reindex(columns=list(TREATED_SHARES))
    shares.columns.name = None
    if "denominator" in rows.columns:
        first = rows[rows["indicator"] == TREATED_SHARES[0]]
        shares["treated"] = first.groupby(["scenario", "group"])["denominator"].mean()
    else:
        shares["treated"] = np.nan
    severities = group_order(SEVERITY, list(rows["group"]))
    index = pd.MultiIndex.from_product([order, severities], names=["scenario", "severity"])
    shares.index = shares.index.set_names(["scenario", "severity"])
    return shares.reindex(index).reset_index()


def severity_shares(table: pd.DataFrame, *, baseline: str | None = None, lang: str = "en",
                    source: str | None = None) -> Figure:
    """Stacked bars of where the treated episodes of each severity were treated, by tier.

    A single run: one bar per severity, with its number of treated episodes. A
    comparison: a panel per severity, a bar per scenario (the baseline first).

    Args:
        table: :func:`severity_table`.
        baseline: The comparison's baseline (labelled as such).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    scenarios = list(dict.fromkeys(table["scenario"]))
    severities = list(dict.fromkeys(table["severity"]))
    with language(lang):
        figure, chart = new_figure(lang, source=source)
        shown: dict[str, Patch] = {}
        if len(scenarios) == 1:
            ax = chart.subplots()
            names = []
            for severity in severities:
                row = table[table["severity"] == severity]
                treated = row["treated"].iloc[0]
                name = group_label(SEVERITY, severity, lang)
                if math.isfinite(treated):
                    name += "\n" + phrase("treated_n", lang, n=f"{int(round(treated)):,}")
                names.append(name)
            _stacked(ax, table.set_index("severity").reindex(severities), names, shown)
            ax.set_ylabel(phrase("treated_axis", lang))
            set_xlabel(chart, dimension_label(SEVERITY, lang))
            axes = [ax]
        else:
            axes = chart.subplots(1, len(severities), sharey=True, squeeze=False)[0]
            names = [scenario_label(s, lang, baseline) for s in scenarios]
            for ax, severity in zip(axes, severities, strict=True):
                rows = table[table["severity"] == severity].set_index("scenario")
                _stacked(ax, rows.reindex(scenarios), names, shown)
                ax.set_title(group_label(SEVERITY, severity, lang))
                if sum(len(n) for n in names) > ROTATE_CHARACTERS:
                    ax.tick_params(axis="x", labelrotation=35)
                    for label in ax.get_xticklabels():
                        label.set_horizontalalignment("right")
                        label.set_rotation_mode("anchor")
            axes[0].set_ylabel(phrase("treated_axis", lang))
        for ax in axes:
            ax.set_ylim(0, 100)
        stacked = [t for t in reversed(TIERS) if t in shown]  # top to bottom, as the bars
        chart.legend([shown[t] for t in stacked], [tier_label(t, lang) for t in stacked],
                     loc="outside right center")
        set_title(chart, phrase("severity_title", lang))
        return finish(figure)



def _stacked(ax: Axes, shares: pd.DataFrame, names: list[str], shown: dict[str, Patch]
             ) -> None:
    """Upright bars of the treated shares stacked by tier (village at the bottom)."""
    stacked_tiers(ax, shares, "treated_share_{tier}", names, shown, zorder=2)
    ax.set_xlim(-0.6, len(shares) - 0.4)
