"""The briefing's key numbers, per kind of folder: a run, a comparison, a sweep.

A run's indicators; a comparison's paired differences from the baseline; a sweep's
design points with their intervals and its sensitivity indices.
"""

from __future__ import annotations

import math

import pandas as pd

from tieredcare.viz.labels import (
    display_scale,
    indicator_label,
    indicator_unit,
    parameter_label,
    scenario_label,
)
from tieredcare.viz.loaders import (
    CalibrationResults,
    CompareResults,
    Results,
    RunResults,
    SweepResults,
)
from tieredcare.viz.report_html import esc, html_table, word
from tieredcare.viz.report_values import format_difference, format_parameter, format_value

KEY_INDICATORS = (
    "county_retention", "inpatient_county_retention", "primary_share", "visits_per_capita",
    "admissions_per_100", "contract_coverage", "contract_coverage_elderly",
    "contract_coverage_chronic", "unreferred_hospital_share", "referrals_up", "oop_per_episode",
    "unmet_need", "forgone_care", "self_treatment", "illness_not_seen", "admission_not_taken",
    "catastrophic_share", "bypass_45_plus", "travel_minutes_per_contact",
    "concentration_primary_use", "concentration_hospital_use",
)
"""Indicators of the key-numbers table, in briefing order (those a folder lacks are left
out, so older folders still report)."""
SWEEP_INDICATORS = ("county_retention", "inpatient_county_retention", "primary_share")
MAX_POINTS = 20
"""Design points listed one by one; larger sweeps list the best by county retention."""


def key_numbers(results: Results, lang: str) -> str:
    """The key-numbers section's HTML for any kind of folder."""
    if isinstance(results, RunResults):
        return _run_numbers(results, lang)
    if isinstance(results, CompareResults):
        return _compare_numbers(results, lang)
    if isinstance(results, SweepResults):
        return _sweep_numbers(results, lang)
    if isinstance(results, CalibrationResults):
        from tieredcare.viz.calibration_report import fit_numbers

        return fit_numbers(results, lang)
    return ""


def _run_numbers(r: RunResults, lang: str) -> str:
    values = r.indicators
    rows = [(esc(indicator_label(i, lang)), esc(format_value(i, values.get(i), lang)),
             esc(indicator_unit(i, lang)))
            for i in KEY_INDICATORS if i in values]
    days = len(r.timeseries)
    return (f'<p class="note">{esc(word("run_note", lang, days=days))}</p>' +
            html_table([word("indicator", lang), word("value", lang), word("unit", lang)], rows,
                       numeric=(1,)))


def _compare_numbers(r: CompareResults, lang: str) -> str:
    table = r.compare.set_index(["indicator", "scenario"])
    others = [s for s in r.scenarios if s != r.baseline]
    header = [word("indicator", lang), esc(scenario_label(r.baseline, lang, r.baseline)),
              *(esc(s) for s in others)]
    rows = []
    for indicator in KEY_INDICATORS:
        if indicator not in table.index.get_level_values(0):
            continue
        cells = [esc(indicator_label(indicator, lang))]
        first = table.loc[indicator].iloc[0]
        cells.append(esc(format_value(indicator, first["baseline_mean"], lang)))
        for name in others:
            cells.append(_difference_cell(table, indicator, name, lang))
        rows.append(cells)
    replicates = r.manifest.get("replicates", "?")
    note = word("compare_note", lang, n=replicates)
    ensemble = r.manifest.get("ensemble")
    if ensemble:
        note += " " + word("ensemble_note", lang, members=ensemble.get("members"), n=replicates)
    return html_table(header, rows) + f'<p class="note">{esc(note)}</p>'


def _difference_cell(table: pd.DataFrame, indicator: str, scenario: str, lang: str) -> str:
    if (indicator, scenario) not in table.index:
        return "–"
    row = table.loc[(indicator, scenario)]
    text = format_difference(indicator, row["difference"], row["ci_low"], row["ci_high"], lang)
    clear = math.isfinite(row["ci_low"]) and (row["ci_low"] > 0 or row["ci_high"] < 0)
    diff = f"<b>{esc(text)}</b>" if clear else esc(text)
    return f"{esc(format_value(indicator, row['scenario_mean'], lang))}<br>{diff}"


def _sweep_numbers(r: SweepResults, lang: str) -> str:
    wide = _sweep_table(r)
    parameters = [p for p in r.parameters if p in wide.columns]
    ensemble = r.manifest.get("ensemble")
    note = (word("sweep_ensemble_note", lang, members=ensemble.get("members"),
                 n=r.manifest.get("replicates")) if ensemble else word("sweep_note", lang))
    if len(wide) > MAX_POINTS:
        wide = wide.sort_values("county_retention", ascending=False).head(MAX_POINTS)
        note += " " + word("sweep_top", lang, k=MAX_POINTS, n=r.manifest.get("points", "?"))
    header = [word("point", lang), *(esc(parameter_label(p, lang)) for p in parameters),
              *(esc(indicator_label(i, lang)) for i in SWEEP_INDICATORS)]
    rows = []
    for _, row in wide.iterrows():
        cells = [esc(int(row["point"]))]
        cells += [esc(format_parameter(p, row[p], lang)) for p in parameters]
        cells += [esc(_with_interval(i, row, lang)) + _point_difference(i, row, lang)
                  for i in SWEEP_INDICATORS]
        rows.append(cells)
    if not r.differences.empty:
        reference = sorted(set(r.aggregate["point"]) - set(r.differences["point"]))
        note += " " + word("sweep_differences", lang, point=reference[0] if reference else 0)
    html_text = f'<p class="note">{esc(note)}</p>' + html_table(header, rows)
    return html_text + _sensitivity_table(r, lang)


def _sweep_table(r: SweepResults) -> pd.DataFrame:
    """One row per design point: parameters, and mean, ci_low, ci_high per indicator."""
    rows = r.aggregate[r.aggregate["indicator"].isin(SWEEP_INDICATORS)]
    # Pivoted on the point alone: with several index columns, dropna=False would list
    # every combination of their values, design point or not.
    wide = rows.pivot_table(index="point", columns="indicator",
                            values=["mean", "ci_low", "ci_high"], dropna=False)
    wide.columns = [f"{i}" if stat == "mean" else f"{i}:{stat}" for stat, i in wide.columns]
    levers = ["point", *[p for p in r.parameters if p in rows.columns]]
    wide = rows.drop_duplicates("point")[levers].merge(wide.reset_index(), on="point")
    if r.differences.empty:
        return wide
    rows = r.differences[r.differences["indicator"].isin(SWEEP_INDICATORS)]
    paired = rows.pivot_table(index="point", columns="indicator",
                              values=["difference", "ci_low", "ci_high"], dropna=False)
    paired.columns = [f"{i}:d_{stat}" for stat, i in paired.columns]
    return wide.merge(paired.reset_index(), on="point", how="left")


def _point_difference(indicator: str, row: pd.Series, lang: str) -> str:
    """'<br>+3.4 pp [+3.1, +3.7]' from the reference point (bold if clear of zero)."""
    d = row.get(f"{indicator}:d_difference")
    if d is None or not math.isfinite(d):
        return ""
    low, high = row[f"{indicator}:d_ci_low"], row[f"{indicator}:d_ci_high"]
    text = esc(format_difference(indicator, d, low, high, lang))
    clear = math.isfinite(low) and (low > 0 or high < 0)
    return f"<br><b>{text}</b>" if clear else f"<br>{text}"


def _with_interval(indicator: str, row: pd.Series, lang: str) -> str:
    mean = row.get(indicator, float("nan"))
    low, high = row.get(f"{indicator}:ci_low"), row.get(f"{indicator}:ci_high")
    text = format_value(indicator, mean, lang)
    if low is not None and math.isfinite(low):
        scale = display_scale(indicator)
        text += f" [{low * scale:.1f}, {high * scale:.1f}]"
    return text


def _sensitivity_table(r: SweepResults, lang: str) -> str:
    if r.sensitivity is None:
        return ""
    rows = r.sensitivity[(r.sensitivity["indicator"] == "county_retention")
                         & r.sensitivity["measure"].isin(("ST", "S1"))]
    if rows.empty:
        return ""
    value = rows.pivot_table(index="parameter", columns="measure", values="value")
    conf = rows.pivot_table(index="parameter", columns="measure", values="conf")
    value = value.sort_values("ST", ascending=False)
    body = [(esc(parameter_label(p, lang)),
             *(esc(f"{value.at[p, m]:.2f} ± {conf.at[p, m]:.2f}".replace("-", "−"))
               for m in ("ST", "S1")))
            for p in value.index]
    return (f"<h3>{esc(word('sensitivity', lang))}</h3>" +
            html_table([word("lever", lang), "ST", "S1"], body))
