"""The chart pack of a results folder: which charts apply to a run, a comparison, a sweep.

:func:`chart_pack` yields ``(name, title, figure)`` one chart at a time (figures are
large; the caller saves or embeds each and lets it go); :func:`plot_results` saves them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from matplotlib.figure import Figure

from tieredcare.atomic import write_json
from tieredcare.viz import calibration, charts, equity, levers, prefecture, severity
from tieredcare.viz.canvas import DEFAULT_DPI, save_figure
from tieredcare.viz.labels import check_lang, indicator_label, parameter_label, phrase
from tieredcare.viz.loaders import (
    CalibrationResults,
    CompareResults,
    Results,
    ResultsError,
    RunResults,
    SweepResults,
    load_results,
)

FIGURES = "figures"
FIGURES_KIND = "figures"
"""The ``kind`` in the ``manifest.json`` of a folder of charts."""
SENSITIVITY_INDICATORS = ("county_retention", "inpatient_county_retention", "primary_share")
MAX_LEVER_CHARTS = 4
"""Lever-response charts drawn for a sweep (the most influential levers first)."""
DIFFERENCE_DESIGNS = ("grid", "scenarios")
"""Designs whose points differ from the reference point in a lever or two, so that a
paired difference says what those levers do (in lhs/sobol/morris every lever moves)."""


@dataclass(frozen=True)
class Chart:
    """A chart of the pack, drawn when asked for.

    Attributes:
        name: File name without suffix, e.g. ``tier_shares``.
        title: What it shows, for the report's captions.
        draw: Makes the figure.
    """

    name: str
    title: str
    draw: Callable[[], Figure]


def chart_pack(results: Results, lang: str = "en") -> list[Chart]:
    """The charts that apply to a results folder, in briefing order.

    Args:
        results: A loaded run, compare or sweep folder.
        lang: ``en`` or ``zh``.

    Returns:
        The charts (not drawn yet).
    """
    check_lang(lang)
    if isinstance(results, RunResults):
        return _run_charts(results, lang)
    if isinstance(results, CompareResults):
        return _compare_charts(results, lang)
    if isinstance(results, SweepResults):
        return _sweep_charts(results, lang)
    if isinstance(results, CalibrationResults):
        return _calibration_charts(results, lang)
    raise TypeError(f"no charts for {type(results).__name__}")


def _run_charts(r: RunResults, lang: str) -> list[Chart]:
    src = r.source_line(lang)
    pack = [
        Chart("retention_over_time", _title("time", lang), lambda: charts.time_series(
            r.timeseries, switches=r.switches, lang=lang, source=src)),
        Chart("tier_shares", _title("tiers", lang), lambda: charts.tier_shares(
            charts.tier_share_table(r.indicators, r.name), lang=lang, source=src)),
    ]
    if severity.has_severity(r.groups):
        pack.append(Chart("severity", _title("severity", lang), lambda: severity.severity_shares(
            severity.severity_table(r.groups, scenario=r.name), lang=lang, source=src)))
    pack.append(Chart("contract_coverage", _title("coverage", lang),
                      lambda: charts.contract_coverage(r.timeseries, switches=r.switches,
                                                       lang=lang, source=src)))
    if equity.has_equity(r.groups):
        pack.append(Chart("equity", _title("equity", lang), lambda: equity.equity_chart(
            equity.equity_table(r.groups, scenario=r.name), lang=lang, source=src)))
    pack.append(Chart("county_map", _title("map", lang), lambda: charts.county_map(
        r.facilities, r.flows, lang=lang, source=src)))
    if prefecture.has_counties(r.groups):
        table = prefecture.county_table(r.groups)
        pack += [
            Chart("counties", prefecture.TITLES["bars"][lang], lambda: prefecture.county_bars(
                table, lang=lang, source=src)),
            Chart("prefecture_map", prefecture.TITLES["map"][lang],
                  lambda: prefecture.prefecture_map(r.facilities, table, lang=lang,
                                                    source=src)),
        ]
    return pack


def _compare_charts(r: CompareResults, lang: str) -> list[Chart]:
    src = r.source_line(lang)
    common = {"baseline": r.baseline, "scenarios": r.scenarios, "lang": lang, "source": src}
    pack = [
        Chart("paired_differences", _title("differences", lang),
              lambda: charts.paired_differences(r.compare, **common)),
        Chart("retention_over_time", _title("time", lang), lambda: charts.time_series(
            r.timeseries, switches=r.switches, **common)),
        Chart("tier_shares", _title("tiers", lang), lambda: charts.tier_shares(
            charts.tier_share_table(r.runs).reindex(r.scenarios), baseline=r.baseline,
            lang=lang, source=src)),
    ]
    if severity.has_severity(r.groups):
        pack.append(Chart("severity", _title("severity", lang), lambda: severity.severity_shares(
            severity.severity_table(r.groups, scenarios=r.scenarios), baseline=r.baseline,
            lang=lang, source=src)))
    pack.append(Chart("contract_coverage", _title("coverage", lang),
                      lambda: charts.contract_coverage(r.timeseries, switches=r.switches,
                                                       **common)))
    if equity.has_equity(r.group_differences):
        pack.append(Chart("equity", _title("equity_compare", lang), lambda: equity.equity_chart(
            equity.equity_table(r.group_differences, baseline=r.baseline,
                                scenarios=r.scenarios), baseline=r.baseline, lang=lang,
            source=src)))
    return pack


def _sweep_charts(r: SweepResults, lang: str) -> list[Chart]:
    src = r.source_line(lang)
    pack = []
    for parameter in _levers_by_importance(r)[:MAX_LEVER_CHARTS]:
        pack.append(Chart(f"lever_{_slug(parameter)}",
                          _title("lever", lang, lever=parameter_label(parameter, lang)),
                          lambda p=parameter: levers.lever_response(
                              r.aggregate, p, lang=lang, source=src)))
        if not r.differences.empty and r.manifest.get("design") in DIFFERENCE_DESIGNS:
            pack.append(Chart(f"lever_difference_{_slug(parameter)}",
                              _title("lever_difference", lang,
                                     lever=parameter_label(parameter, lang)),
                              lambda p=parameter: levers.lever_differences(
                                  r.differences, r.aggregate, p, lang=lang, source=src)))
    if r.sensitivity is not None:
        present = set(r.sensitivity["indicator"])
        for indicator in SENSITIVITY_INDICATORS:
            if indicator in present:
                pack.append(Chart(f"sensitivity_{indicator}",
                                  _title("sensitivity", lang,
                                         indicator=_lower(indicator_label(indicator, lang),
                                                          lang)),
                                  lambda i=indicator: charts.sensitivity_chart(
                                      r.sensitivity, i, lang=lang, source=src)))
    return pack


def _calibration_charts(r: CalibrationResults, lang: str) -> list[Chart]:
    src = r.source_line(lang)
    pack = [
        Chart("fit", phrase("fit_title", lang), lambda: calibration.fit_chart(
            r.fit, r.ensemble, lang=lang, source=src)),
        Chart("trial_history", phrase("history_title", lang), lambda: calibration.trial_history(
            r.trials, lang=lang, source=src)),
    ]
    if r.ensemble is not None and len(r.parameters) > 0:
        pack.append(Chart("ensemble_pairs", phrase("pairs_title", lang),
                          lambda: calibration.ensemble_pairs(r.ensemble, r.parameters,
                                                             lang=lang, source=src)))
    return pack


def _levers_by_importance(r: SweepResults) -> list[str]:
    """The sweep's levers, by total Sobol index for county retention when known."""
    levers = [p for p in r.parameters if r.aggregate[p].nunique() > 1] \
        if r.parameters else []
    table = r.sensitivity
    if table is None or "ST" not in set(table["measure"]):
        return levers
    rows = table[(table["indicator"] == "county_retention") & (table["measure"] == "ST")]
    rank = dict(zip(rows["parameter"], rows["value"], strict=True))
    return sorted(levers, key=lambda p: -rank.get(p, float("-inf")))


def _lower(text: str, lang: str) -> str:
    """Lower-case first letter inside an English sentence."""
    return text if lang == "zh" else text[0].lower() + text[1:]


def _slug(parameter: str) -> str:
    return parameter.removeprefix("policy.").replace(".", "_")


_TITLES = {
    "time": {"en": "County retention and primary-care share over time",
             "zh": "县域内就诊率和基层就诊率变化趋势"},
    "tiers": {"en": "Visits and admissions by tier", "zh": "各级医疗机构门诊与住院占比"},
    "coverage": {"en": "Family-doctor contract coverage", "zh": "家庭医生签约率"},
    "map": {"en": "County map and flows out of the county", "zh": "县域地图与县外就医流向"},
    "differences": {"en": "Paired differences from the baseline", "zh": "与基线相比的配对差值"},
    "lever": {"en": "Retention and primary-care share vs {lever}",
              "zh": "{lever}与县域内就诊率、基层就诊率"},
    "lever_difference": {"en": "Paired differences from the reference point vs {lever}",
                         "zh": "{lever}：与参照设计点相比的配对差值"},
    "sensitivity": {"en": "Which lever matters most for {indicator}",
                    "zh": "哪项政策杠杆对{indicator}影响最大"},
    "severity": {"en": "Where each severity (1–4) is treated: shares of treated episodes by "
                       "tier",
                 "zh": "各严重程度（1–4）病例在哪一级机构诊治"},
    "equity": {"en": "Equity by income group: care forgone, out-of-pocket cost, catastrophic "
                     "spending and primary-care share",
               "zh": "不同收入组的公平性：未就医、次均自付费用、灾难性卫生支出与基层就诊率"},
    "equity_compare": {"en": "Equity by income group, baseline vs each scenario, with the 95 % "
                             "interval of each paired difference",
                       "zh": "不同收入组的公平性：基线与各情景对比及配对差值的95%置信区间"},
}


def _title(key: str, lang: str, **values: str) -> str:
    return _TITLES[key][lang].format(**values)


def draw_pack(results: Results, lang: str = "en") -> Iterator[tuple[Chart, Figure]]:
    """Draw the pack one chart at a time."""
    for chart in chart_pack(results, lang):
        yield chart, chart.draw()


def plot_results(path: str | Path, *, lang: str = "en", formats: tuple[str, ...] = ("png",),
                 out_dir: str | Path | None = None, dpi: int = DEFAULT_DPI) -> list[Path]:
    """Draw every applicable chart of a results folder and save them.

    Files are named after the chart (``tier_shares.png``); Chinese charts get a ``_zh``
    suffix so both languages can sit side by side.

    Args:
        path: A run, compare or sweep folder.
        lang: ``en`` or ``zh``.
        formats: Any of png, svg, pdf.
        out_dir: Where to write (default: ``<path>/figures``).
        dpi: PNG resolution (≥ 200).

    Returns:
        The files written.
    """
    results = load_results(path)
    target = Path(out_dir) if out_dir is not None else results.path / FIGURES
    if out_dir is not None:  # the default lies inside the results folder, which is ours
        _check_figures_folder(target)
    suffix = "" if lang == "en" else f"_{lang}"
    written: list[Path] = []
    for chart, figure in draw_pack(results, lang):
        written += save_figure(figure, target / f"{chart.name}{suffix}", formats, dpi)
    _record_figures(target, results.path, lang, written)
    return written


def _check_figures_folder(target: Path) -> None:
    """Refuse an ``--out`` folder that holds anything but charts this command drew."""
    from tieredcare.config import ConfigError
    from tieredcare.outputs import OutputTarget, check_output

    try:
        check_output(OutputTarget(target, "--out"), FIGURES_KIND, overwrite=True)
    except ConfigError as exc:
        raise ResultsError(str(exc)) from None


def _record_figures(target: Path, source: Path, lang: str, files: list[Path]) -> None:
    """A manifest beside the charts: what they were drawn from, so the folder is known."""
    manifest = target / "manifest.json"
    old = {}
    if manifest.is_file():
        with contextlib.suppress(OSError, ValueError):
            old = json.loads(manifest.read_text(encoding="utf-8"))
    names = sorted({*old.get("files", []), *(f.name for f in files)})
    write_json(manifest, {"kind": FIGURES_KIND, "source": str(source), "lang": lang,
                          "files": names, "created": datetime.now(UTC).isoformat(
                              timespec="seconds")})
