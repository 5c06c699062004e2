"""Charts of a calibration: the fit to the targets, the search history, the ensemble."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tieredcare.viz.canvas import (
    BASELINE_COLOUR,
    SCENARIO_COLOURS,
    TARGET_COLOUR,
    finish,
    new_figure,
    set_title,
)
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import indicator_label, parameter_label, phrase

MAX_PAIRS = 6
"""Parameters drawn in the pairs chart (the first ones of the targets file)."""


def target_label(key: str, lang: str) -> str:
    """A target's display name: the indicator's, with its group after a colon."""
    indicator, _, group = key.partition("@")
    name = indicator_label(indicator, lang)
    return f"{name}: {group}" if group else name


def fit_chart(fit: pd.DataFrame, ensemble: pd.DataFrame | None = None, *, lang: str = "en",
              source: str | None = None) -> Figure:
    """Each target on one scale: its ±2 sd interval, the best trial, the ensemble's range.

    Args:
        fit: ``fit.parquet`` (target, value, low, high, fitted, replicate_sd, inside).
        ensemble: ``ensemble.parquet`` (``<target>:simulated`` columns), or None.
        lang: ``en`` or ``zh``.
        source: Source line.
    """
    rows = fit.reset_index(drop=True)
    sd = (rows["high"] - rows["low"]) / 4.0
    y = np.arange(len(rows))
    with language(lang):
        figure, chart = new_figure(lang, (8.0, max(3.0, 1.6 + 0.45 * len(rows))), source)
        ax = chart.subplots()
        ax.axvspan(-2, 2, color=TARGET_COLOUR, alpha=0.10, label=phrase("fit_interval", lang))
        ax.axvline(0, color=TARGET_COLOUR, linewidth=1.0)
        if ensemble is not None:
            for i, r in rows.iterrows():
                column = f"{r['target']}:simulated"
                if column in ensemble:
                    z = (ensemble[column].to_numpy(float) - r["value"]) / sd[i]
                    lo, hi = np.quantile(z, [0.025, 0.975])
                    ax.plot([lo, hi], [i + 0.18] * 2, color=SCENARIO_COLOURS[2], linewidth=4,
                            alpha=0.7, solid_capstyle="butt",
                            label=phrase("fit_ensemble", lang) if i == 0 else None)
        z = (rows["fitted"] - rows["value"]) / sd
        ax.errorbar(z, y - 0.12, xerr=rows["replicate_sd"] / sd, fmt="o", capsize=3,
                    color=SCENARIO_COLOURS[0], label=phrase("fit_best", lang))
        for i, r in rows.iterrows():
            ax.annotate(f"{r['fitted']:.3g} ({r['low']:.3g}–{r['high']:.3g})",
                        xy=(1.0, i), xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7, color="0.3")
        ax.set_yticks(y, [target_label(t, lang) for t in rows["target"]])
        ax.set_ylim(len(rows) - 0.5, -0.6)
        limit = max(3.0, float(np.nanmax(np.abs(z))) + 0.5)
        ax.set_xlim(-limit, limit)
        ax.set_xlabel(phrase("fit_axis", lang))
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, fontsize=7, frameon=False)
        set_title(chart, phrase("fit_title", lang))
        return finish(figure)


def trial_history(trials: pd.DataFrame, *, lang: str = "en", source: str | None = None
                  ) -> Figure:
    """The loss of every finished trial, and the best loss so far."""
    done = trials[trials["state"] == "COMPLETE"].sort_values("trial")
    with language(lang):
        figure, chart = new_figure(lang, source=source)
        ax = chart.subplots()
        ax.scatter(done["trial"], done["loss"], s=12, color=SCENARIO_COLOURS[0], alpha=0.6,
                   label=phrase("history_each", lang))
        ax.step(done["trial"], done["loss"].cummin(), where="post", color=BASELINE_COLOUR,
                linewidth=1.6, label=phrase("history_best", lang))
        finite = done["loss"][np.isfinite(done["loss"])]
        if len(finite) > 4:  # keep the early, far-off trials from flattening the rest
            ax.set_ylim(finite.min() - 0.05 * np.ptp(finite), np.quantile(finite, 0.9))
        ax.set_xlabel(phrase("history_trial", lang))
        ax.set_ylabel(phrase("history_loss", lang))
        ax.legend(fontsize=8, frameon=False)
        set_title(chart, phrase("history_title", lang))
        return finish(figure)


def ensemble_pairs(ensemble: pd.DataFrame, parameters: list[str], *, lang: str = "en",
                   source: str | None = None) -> Figure:
    """Histograms of each parameter and scatter plots of each pair, over the members."""
    keys = [k for k in parameters if k in ensemble][:MAX_PAIRS]
    n = len(keys)
    with language(lang):
        figure, chart = new_figure(lang, (8.0, 8.0 if n > 2 else 4.5), source)
        axes = chart.subplots(n, n, squeeze=False)
        for i, yk in enumerate(keys):
            for j, xk in enumerate(keys):
                ax = axes[i, j]
                if j > i:
                    ax.set_visible(False)
                    continue
                if i == j:
                    ax.hist(ensemble[xk], bins=15, color=SCENARIO_COLOURS[2], alpha=0.8)
                    ax.set_yticks([])
                else:
                    ax.scatter(ensemble[xk], ensemble[yk], s=8, alpha=0.6,
                               color=SCENARIO_COLOURS[0])
                ax.tick_params(labelsize=6)
                if i == n - 1:
                    ax.set_xlabel(parameter_label(xk, lang), fontsize=7)
                if j == 0 and i > 0:
                    ax.set_ylabel(parameter_label(yk, lang), fontsize=7)
        set_title(chart, phrase("pairs_title", lang))
        return finish(figure)
