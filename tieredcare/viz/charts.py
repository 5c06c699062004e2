"""The briefing charts: each takes loaded results (DataFrames) and returns a Figure.

Every chart has a title, axis labels with units and, given ``source``, a source line at the
bottom (see :meth:`tieredcare.viz.loaders.Results.source_line`). Shares are drawn in %,
differences of shares in percentage points. Save a chart with
:func:`~tieredcare.viz.canvas.save_figure`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Polygon
from scipy import stats

from tieredcare.tiers import TIERS
from tieredcare.viz.canvas import (
    BASELINE_COLOUR,
    TIER_COLOURS,
    TIER_MARKERS,
    finish,
    mark_days,
    mark_target,
    new_figure,
    scenario_colours,
    set_title,
    set_xlabel,
)
from tieredcare.viz.fonts import language
from tieredcare.viz.labels import (
    COUNTY_RETENTION_TARGET,
    axis_label,
    display_scale,
    indicator_label,
    indicator_unit,
    is_share,
    parameter_label,
    phrase,
    scenario_label,
    tier_label,
)

HEADLINE = ("county_retention", "primary_share")
"""The two headline indicators (县域内就诊率, 基层就诊率)."""
DIFFERENCES = ("county_retention", "inpatient_county_retention", "primary_share",
               "contract_coverage")
"""Indicators of the paired-difference chart unless told others."""
COVERAGE = ("contract_coverage", "contract_coverage_elderly", "contract_coverage_chronic")
COVERAGE_PHRASES = ("coverage_all", "coverage_elderly", "coverage_chronic")
COVERAGE_COLOURS = ("#08519c", "#e6550d", "#756bb1")
MONTH_DAYS = 30
BANDS = ("p10_p90", "ci95")


# ----------------------------------------------------------------------------- helpers


def retention_target(ax: Axes, indicator: str, lang: str) -> None:
    """The 90 % target line on county-retention panels."""
    if indicator == "county_retention":
        value = COUNTY_RETENTION_TARGET * display_scale(indicator)
        mark_target(ax, value, phrase("target", lang, value=COUNTY_RETENTION_TARGET * 100))


def _ci_half(sd: pd.Series, n: pd.Series, level: float = 0.95) -> pd.Series:
    """Half-width of the t-interval of a mean (NaN with fewer than two values)."""
    dof = n.where(n >= 2) - 1
    return pd.Series(stats.t.ppf(0.5 + level / 2, dof), index=sd.index) * sd / np.sqrt(n)


def _scenario_order(frame: pd.DataFrame, baseline: str | None,
                    scenarios: Sequence[str] | None) -> list[str]:
    """Scenarios in the given order, else baseline first then order of appearance."""
    present = list(dict.fromkeys(frame["scenario"]))
    if scenarios is not None:
        return [s for s in scenarios if s in present]
    if baseline in present:
        present.remove(baseline)
        present.insert(0, baseline)
    return present


def _switch_days(switches: Sequence[Mapping[str, Any]] | None, first: float, last: float,
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


# ----------------------------------------------------------------------------- tier shares


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
            _stacked_panel(ax, shares, kind, names, shown, lang)
            ax.set_title(phrase(word, lang))
            ax.set_xlabel(phrase("share_axis", lang))
        axes[0].invert_yaxis()  # first scenario (the baseline) on top
        chart.legend(list(shown.values()), [tier_label(t, lang) for t in shown],
                     loc="outside right center")
        set_title(chart, phrase("tier_shares_title", lang))
        return finish(figure)


def _stacked_panel(ax: Axes, shares: pd.DataFrame, kind: str, names: list[str],
                   shown: dict[str, Patch], lang: str) -> None:
    left = np.zeros(len(shares))
    y = np.arange(len(shares))
    for tier in TIERS:
        values = shares[f"{kind}_share_{tier}"].fillna(0.0).to_numpy(float) * 100
        if not values.any():
            continue
        ax.barh(y, values, left=left, color=TIER_COLOURS[tier], height=0.62,
                edgecolor="white", linewidth=0.6)
        shown.setdefault(tier, Patch(color=TIER_COLOURS[tier]))
        for row, (start, width) in enumerate(zip(left, values, strict=True)):
            if width >= 6:  # labels only where they fit inside the segment
                dark = tier in ("village", "county", "province")
                ax.text(start + width / 2, row, f"{width:.0f}", ha="center", va="center",
                        fontsize=7.5, color="white" if dark else "black")
        left += values
    ax.set_yticks(y, names)
    ax.set_xlim(0, 100)
    ax.grid(axis="y", visible=False)


# ----------------------------------------------------------------------------- time series


def series_bands(timeseries: pd.DataFrame, indicator: str, *, freq: str = "month",
                 band: str = "p10_p90") -> pd.DataFrame:
    """Mean and band of an indicator per scenario and day (or 30-day period).

    Monthly values are 30-day means of each run's daily values (a last period shorter
    than 15 days is dropped); the band is the 10th–90th percentile of the runs
    (``p10_p90``) or the 95 % t-interval of their mean (``ci95``).

    Args:
        timeseries: Daily indicators; ``scenario`` and ``replicate`` columns for several
            runs (a comparison's ``timeseries.parquet``), none for a single run.
        indicator: The indicator column.
        freq: ``month`` or ``day``.
        band: ``p10_p90`` or ``ci95``.

    Returns:
        Columns scenario, day (the period's middle day), mean, low, high, runs.
    """
    if band not in BANDS:
        raise ValueError(f"unknown band {band!r}; allowed: {', '.join(BANDS)}")
    frame = timeseries.copy()
    if "scenario" not in frame.columns:
        frame["scenario"] = "run"
    if "replicate" not in frame.columns:
        frame["replicate"] = 0
    frame = frame[["scenario", "replicate", "day", indicator]].rename(
        columns={indicator: "value"})
    if freq == "month":
        frame["period"] = frame["day"] // MONTH_DAYS
        frame = frame.groupby(["scenario", "replicate", "period"], sort=False).agg(
            day=("day", "mean"), value=("value", "mean"), days=("day", "size")).reset_index()
        frame = frame[frame["days"] >= MONTH_DAYS // 2]
    elif freq != "day":
        raise ValueError(f"unknown freq {freq!r}; allowed: month, day")
    groups = frame.groupby(["scenario", "day"], sort=False)["value"]
    table = groups.agg(mean="mean", sd="std", runs="count")
    if band == "p10_p90":
        table["low"], table["high"] = groups.quantile(0.1), groups.quantile(0.9)
    else:
        half = _ci_half(table["sd"], table["runs"])
        table["low"], table["high"] = table["mean"] - half, table["mean"] + half
    return table.reset_index()[["scenario", "day", "mean", "low", "high", "runs"]]


def time_series(timeseries: pd.DataFrame, indicators: Sequence[str] = HEADLINE, *,
                freq: str = "month", band: str = "p10_p90",
                switches: Sequence[Mapping[str, Any]] | None = None,
                baseline: str | None = None, scenarios: Sequence[str] | None = None,
                lang: str = "en", source: str | None = None) -> Figure:
    """Indicators over the reported days, per scenario, with bands over replicates.

    Args:
        timeseries: Daily indicators of one run, or of every run of a comparison.
        indicators: One panel each.
        freq: ``month`` (30-day means) or ``day``.
        band: ``p10_p90`` (spread of the replicates) or ``ci95`` (interval of the mean).
        switches: Lever switch days (``day``, ``switch``) to mark with vertical lines.
        baseline: The comparison's baseline (drawn in grey).
        scenarios: Scenarios to draw, in order (default: all).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    bands = {i: series_bands(timeseries, i, freq=freq, band=band) for i in indicators}
    first = next(iter(bands.values()))
    order = _scenario_order(first, baseline, scenarios)
    colours = scenario_colours(order, baseline)
    several = first["runs"].max() > 1
    with language(lang):
        figure, chart = new_figure(lang, source=source)
        axes = chart.subplots(1, len(indicators), sharex=True, squeeze=False)[0]
        days = _switch_days(switches, first["day"].min(), first["day"].max(), lang)
        for ax, indicator in zip(axes, indicators, strict=True):
            _series_panel(ax, bands[indicator], order, colours, indicator, baseline, lang)
            mark_days(ax, days)
        set_xlabel(chart, phrase("day", lang))
        _series_legend(chart, axes[0], several, band, lang, single=len(order) == 1)
        key = "time_title_month" if freq == "month" else "time_title_day"
        set_title(chart, phrase(key, lang, indicators=joined_labels(indicators, lang)))
        return finish(figure)


def _series_panel(ax: Axes, table: pd.DataFrame, order: list[str], colours: dict[str, str],
                  indicator: str, baseline: str | None, lang: str) -> None:
    scale = display_scale(indicator)
    for name in order:
        rows = table[table["scenario"] == name].sort_values("day")
        colour = colours[name]
        if rows["runs"].max() > 1:
            ax.fill_between(rows["day"], rows["low"] * scale, rows["high"] * scale,
                            color=colour, alpha=0.15, linewidth=0)
        ax.plot(rows["day"], rows["mean"] * scale, color=colour, linewidth=1.8,
                marker="o" if len(rows) <= 24 else None, ms=3,
                label=scenario_label(name, lang, baseline))
    ax.set_title(indicator_label(indicator, lang))
    ax.set_ylabel(axis_label(indicator, lang))
    retention_target(ax, indicator, lang)


def _series_legend(chart: SubFigure, ax: Axes, several: bool, band: str, lang: str, *,
                   single: bool) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if single and not several:
        return  # one run: the title says what the line is
    if several:
        handles.append(Patch(color="0.5", alpha=0.3))
        labels.append(phrase("band_p10_p90" if band == "p10_p90" else "band_ci", lang))
    chart.legend(handles, labels, loc="outside right center")


# ----------------------------------------------------------------------------- differences


def paired_differences(compare: pd.DataFrame, indicators: Sequence[str] = DIFFERENCES, *,
                       baseline: str = "baseline", scenarios: Sequence[str] | None = None,
                       lang: str = "en", source: str | None = None) -> Figure:
    """Forest plot of each scenario's paired difference from the baseline, with 95 % CI.

    Args:
        compare: ``compare.parquet`` (scenario, indicator, baseline_mean, difference,
            ci_low, ci_high, ...).
        indicators: One panel each.
        baseline: The baseline's name (for the title).
        scenarios: Scenarios in order (default: order of the table).
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    table = compare[compare["indicator"].isin(indicators)]
    order = list(scenarios) if scenarios is not None else list(dict.fromkeys(table["scenario"]))
    order = [s for s in order if s != baseline]
    colours = scenario_colours(order, None)
    ncols = 2 if len(indicators) > 2 else 1
    nrows = -(-len(indicators) // ncols)
    height = min(7.5, 1.3 + nrows * (0.75 + 0.32 * len(order)))
    with language(lang):
        figure, chart = new_figure(lang, (8.0, max(height, 3.0)), source)
        axes = chart.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
        for ax, indicator in zip(axes, indicators, strict=False):
            rows = table[table["indicator"] == indicator].set_index("scenario")
            _forest_panel(ax, rows.reindex(order), order, colours, indicator, lang)
        for ax in axes[len(indicators):]:
            ax.set_visible(False)
        who = phrase("baseline_the", lang) if baseline == "baseline" else \
            phrase("baseline_named", lang, name=baseline)
        set_title(chart, phrase("difference_title", lang, baseline=who))
        if "seed_ci_low" in table:
            chart.supxlabel(phrase("ensemble_bands", lang), fontsize=7.5, color="0.3")
        return finish(figure)


def _forest_panel(ax: Axes, rows: pd.DataFrame, order: list[str], colours: dict[str, str],
                  indicator: str, lang: str) -> None:
    scale = display_scale(indicator)
    y = np.arange(len(order))
    diff, low, high = (rows[c].to_numpy(float) * scale for c in ("difference", "ci_low",
                                                                  "ci_high"))
    ax.axvline(0, color=BASELINE_COLOUR, linewidth=1.0, zorder=1)
    for i, name in enumerate(order):
        ax.errorbar(diff[i], y[i], xerr=[[diff[i] - low[i]], [high[i] - diff[i]]], fmt="o",
                    color=colours[name], capsize=3, ms=5, linewidth=1.6)
        if "seed_ci_low" in rows:  # an ensemble comparison: the seed-only part, thick
            seed = rows.loc[name, ["seed_ci_low", "seed_ci_high"]].to_numpy(float) * scale
            ax.plot(seed, [y[i]] * 2, color=colours[name], linewidth=5, alpha=0.45,
                    solid_capstyle="butt")
        if np.isfinite(diff[i]):
            ax.annotate(signed(diff[i]), xy=(diff[i], y[i]), xytext=(0, 5),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7.5)
    ax.set_yticks(y, order)
    ax.set_ylim(len(order) - 0.4, -0.75)
    base = rows["baseline_mean"].dropna()
    level = ""
    if not base.empty:  # the level the difference is from, on a second title line
        unit = indicator_unit(indicator, lang)
        space = "" if unit == "%" or lang == "zh" else " "
        level = f"\n{phrase('baseline', lang)} {base.iloc[0] * scale:.1f}{space}{unit}"
    ax.set_title(indicator_label(indicator, lang) + level)
    ax.set_xlabel(difference_axis(indicator, lang))
    span = np.nanmax(np.abs(np.concatenate([low, high, [0.0]])))
    if np.isfinite(span) and span > 0:
        ax.set_xlim(-1.15 * span, 1.15 * span)  # zero in the middle: direction at a glance
    ax.grid(axis="y", visible=False)


# ----------------------------------------------------------------------------- sensitivity


def sensitivity_chart(sensitivity: pd.DataFrame, indicator: str, *, top: int = 10,
                      lang: str = "en", source: str | None = None) -> Figure:
    """Tornado chart of the levers that matter most for an indicator.

    Sobol designs: total (ST) and first-order (S1) indices with their confidence
    intervals, levers sorted by ST. Morris designs: μ* with its interval.

    Args:
        sensitivity: ``sensitivity.parquet`` (indicator, parameter, measure, value, conf).
        indicator: The indicator.
        top: Most levers shown.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.

    Raises:
        ValueError: If the table has no indices for the indicator.
    """
    rows = sensitivity[sensitivity["indicator"] == indicator]
    if rows.empty:
        raise ValueError(f"no sensitivity indices for {indicator!r}")
    sobol = "ST" in set(rows["measure"])
    measures = ("ST", "S1") if sobol else ("mu_star",)
    value = rows.pivot_table(index="parameter", columns="measure", values="value")
    conf = rows.pivot_table(index="parameter", columns="measure", values="conf", dropna=False)
    value = value.sort_values(measures[0], ascending=False).head(top)
    height = min(6.5, 1.6 + 0.42 * len(value))
    with language(lang):
        figure, chart = new_figure(lang, (8.0, max(height, 3.0)), source)
        ax = chart.subplots()
        y = np.arange(len(value))
        width = 0.8 / len(measures)
        for k, (measure, colour) in enumerate(zip(measures, ("#08519c", "#9ecae1"),
                                                  strict=False)):
            errors = conf.reindex(value.index)[measure].to_numpy(float) \
                if measure in conf else None
            ax.barh(y + (k - (len(measures) - 1) / 2) * width, value[measure], height=width,
                    xerr=errors, color=colour, ecolor="0.3", capsize=2,
                    label=phrase(measure, lang))
        ax.set_yticks(y, [parameter_label(p, lang) for p in value.index])
        ax.invert_yaxis()
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.set_xlabel(phrase("sobol_axis" if sobol else "morris_axis", lang))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right")
        name = indicator_label(indicator, lang)
        set_title(chart, phrase("sensitivity_title", lang,
                                indicator=name if lang == "zh" else name[0].lower() + name[1:]))
        return finish(figure)


# ----------------------------------------------------------------------------- county map


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
        _township_areas(ax, facilities)
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


def _township_areas(ax: Axes, facilities: pd.DataFrame) -> None:
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


# ----------------------------------------------------------------------------- coverage


def contract_coverage(timeseries: pd.DataFrame, *,
                      switches: Sequence[Mapping[str, Any]] | None = None,
                      baseline: str | None = None, scenarios: Sequence[str] | None = None,
                      band: str = "p10_p90", lang: str = "en", source: str | None = None
                      ) -> Figure:
    """Family-doctor contract coverage over time: all residents, 65+, chronic patients.

    One run: one panel, a line per group. Several scenarios: a panel per group, a line
    (and band over replicates) per scenario.

    Args:
        timeseries: Daily indicators of one run or of every run of a comparison.
        switches: Lever switch days to mark.
        baseline: The comparison's baseline.
        scenarios: Scenarios to draw, in order.
        band: ``p10_p90`` or ``ci95``.
        lang: ``en`` or ``zh``.
        source: Source line.

    Returns:
        The figure.
    """
    bands = {i: series_bands(timeseries, i, freq="day", band=band) for i in COVERAGE}
    first = bands[COVERAGE[0]]
    order = _scenario_order(first, baseline, scenarios)
    with language(lang):
        figure, chart = new_figure(lang, source=source)
        days = _switch_days(switches, first["day"].min(), first["day"].max(), lang)
        if len(order) == 1:
            ax = chart.subplots()
            _coverage_groups(ax, bands, lang)
            axes = [ax]
            chart.legend(loc="outside right center")
        else:
            axes = chart.subplots(1, 3, sharey=True)
            colours = scenario_colours(order, baseline)
            for ax, indicator, key in zip(axes, COVERAGE, COVERAGE_PHRASES, strict=True):
                _series_panel(ax, bands[indicator], order, colours, indicator, baseline, lang)
                ax.set_title(phrase(key, lang))
                ax.set_ylabel("")
            axes[0].set_ylabel(phrase("coverage_axis", lang))
            _series_legend(chart, axes[0], first["runs"].max() > 1, band, lang,
                           single=False)
        for ax in axes:
            mark_days(ax, days)
            ax.set_ylim(0, 100)  # coverage on its full scale: levels compare at a glance
        set_xlabel(chart, phrase("day", lang))
        set_title(chart, phrase("coverage_title", lang))
        return finish(figure)


def _coverage_groups(ax: Axes, bands: dict[str, pd.DataFrame], lang: str) -> None:
    for indicator, key, colour in zip(COVERAGE, COVERAGE_PHRASES, COVERAGE_COLOURS,
                                      strict=True):
        rows = bands[indicator].sort_values("day")
        if rows["runs"].max() > 1:
            ax.fill_between(rows["day"], rows["low"] * 100, rows["high"] * 100, color=colour,
                            alpha=0.15, linewidth=0)
        ax.plot(rows["day"], rows["mean"] * 100, color=colour, linewidth=1.8,
                label=phrase(key, lang))
    ax.set_ylabel(phrase("coverage_axis", lang))
