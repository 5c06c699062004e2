"""The tier-share chart: where visits and admissions are treated, by tier."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tieredcare.tiers import TIERS
from tieredcare.viz.canvas import finish, new_figure, set_title
from tieredcare.viz.charts.common import stacked_tiers
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import phrase, scenario_label, tier_label


def tier_share_table(values: pd.DataFrame | Mapping[str, float], scenario: str = "run"
                     ) -> pd.DataFrame:
    """Mean tier shares of visits and admissions per scenario.

    Args:
        values: ``runs.parquet`` of a comparison (one row per run, with ``scenario``), or
            a run's indicators (``summary.json`` ``indicators``).
        scenario: Name of the single run, when ``values`` is a mapping.

    Returns:
        One row per scenario (in order of appearance), columns ``visit_share_<tier>`` and
        ``admission_share_<tier>``.
    """
    columns = [f"{kind}_share_{tier}" for kind in ("visit", "admission") for tier in TIERS]
    if isinstance(values, pd.DataFrame):
        order = list(dict.fromkeys(values["scenario"]))
        table = values.groupby("scenario", sort=False)[columns].mean()
        return table.reindex(order)
    row = {c: float("nan") if values.get(c) is None else float(values[c]) for c in columns}
    return pd.DataFrame([row], index=pd.Index([scenario], name="scenario"))


def tier_shares(shares: pd.DataFrame, *, baseline: str | None = None, lang: str = "en",
                source: str | None = None) -> Figure:
    """Stacked bars of where visits (门诊) and admissions (住院) are treated, by tier.

    Args:
        shares: :func:`tier_share_table`: one row per scenario.
        baseline: The comparison's baseline scenario (labelled as such).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure: one bar per scenario, visits left and admissions right.
    """
    height = max(2.8, 1.8 + 0.5 * len(shares))
    with language(lang):
        figure, chart = new_figure(lang, (8.0, min(height, 6.5)), source)
        axes = chart.subplots(1, 2, sharey=True)
        names = [scenario_label(str(s), lang, baseline) for s in shares.index]
        shown: dict[str, Patch] = {}
        for ax, kind, word in zip(axes, ("visit", "admission"), ("visits", "admissions"),
                                  strict=True):
            stacked_tiers(ax, shares, f"{kind}_share_{{tier}}", names, shown, horizontal=True)
            ax.set_xlim(0, 100)
            ax.set_title(phrase(word, lang))
            ax.set_xlabel(phrase("share_axis", lang))
        axes[0].invert_yaxis()  # first scenario (the baseline) on top
        chart.legend(list(shown.values()), [tier_label(t, lang) for t in shown],
                     loc="outside right center")
        set_title(chart, phrase("tier_shares_title", lang))
        return finish(figure)

