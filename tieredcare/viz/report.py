"""A one-file briefing of a results folder: HTML with the charts embedded as PNG.

The report holds a title, the key numbers (for a comparison: the paired differences with
their 95 % intervals), every chart of the pack, what each scenario changes, and the
manifest's provenance (config hashes, seeds, versions, git commit, date, command), so a
reader can check where every number came from and run it again.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Container, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tieredcare.atomic import atomic_write_text
from tieredcare.viz.canvas import MIN_DPI, figure_bytes
from tieredcare.viz.labels import (
    check_lang,
    display_scale,
    indicator_label,
    indicator_unit,
    indicator_unit_key,
    is_share,
    parameter_is_share,
    parameter_label,
    scenario_label,
    translate,
)
from tieredcare.viz.loaders import (
    CalibrationResults,
    CompareResults,
    Results,
    ResultsError,
    RunResults,
    SweepResults,
    load_results,
)
from tieredcare.viz.pack import draw_pack

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
INDEX_DIGITS = 3
"""Decimals of an index (a concentration index is near 0: −0.012, +0.048)."""
SWEEP_INDICATORS = ("county_retention", "inpatient_county_retention", "primary_share")
MAX_POINTS = 20
"""Design points listed one by one; larger sweeps list the best by county retention."""
REPORT_DPI = MIN_DPI
"""Embedded charts at print resolution, no more: the file stays small enough to e-mail."""

WORDS: dict[str, dict[str, str]] = {
    "title_run": {"en": "tieredcare briefing: scenario {name}",
                  "zh": "tieredcare 政策简报：情景 {name}"},
    "title_compare": {"en": "tieredcare briefing: {name}", "zh": "tieredcare 政策简报：{name}"},
    "title_sweep": {"en": "tieredcare briefing: sweep {name}",
                    "zh": "tieredcare 政策简报：参数扫描 {name}"},
    "title_calibration": {"en": "tieredcare calibration: {name}",
                          "zh": "tieredcare 参数校准：{name}"},
    "key_numbers": {"en": "Key numbers", "zh": "主要指标"},
    "charts": {"en": "Charts", "zh": "图表"},
    "scenarios": {"en": "Scenarios", "zh": "情景说明"},
    "provenance": {"en": "Provenance", "zh": "数据来源与可重复性"},
    "indicator": {"en": "Indicator", "zh": "指标"},
    "value": {"en": "Value", "zh": "数值"},
    "field": {"en": "Field", "zh": "项目"},
    "unit": {"en": "Unit", "zh": "单位"},
    "baseline": {"en": "baseline", "zh": "基线"},
    "figure": {"en": "Figure {n}", "zh": "图{n}"},
    "pp": {"en": " pp", "zh": "个百分点"},
    "compare_note": {
        "en": "Each cell: the scenario's mean, then its paired difference from the baseline "
              "with the 95 % interval over {n} replicates run with the same seeds (common "
              "random numbers). Bold: the interval excludes zero. pp = percentage points.",
        "zh": "每格依次为情景均值、与基线的配对差值及其95%置信区间（{n}次重复，与基线使用相同"
              "随机种子）。粗体：置信区间不含0。"},
    "ensemble_note": {
        "en": "Over {members} members of the calibration's ensemble × {n} seeds: the "
              "intervals combine parameter uncertainty (how the effect varies across the "
              "parameter sets the targets leave open) and seed-to-seed noise.",
        "zh": "基于校准参数集合的{members}个成员 × {n}个随机种子：区间同时包含参数不确定性"
              "（效果在目标允许的各参数组合间的差异）和随机波动。"},
    "run_note": {"en": "Every indicator over the {days} reported days of one run.",
                 "zh": "单次模拟报告期（{days}天）内的指标值。"},
    "sweep_note": {"en": "Mean over replicates at each design point, with its 95 % interval.",
                   "zh": "各设计点重复模拟的均值及95%置信区间。"},
    "sweep_ensemble_note": {
        "en": "Mean at each design point over {members} members of the calibration's "
              "ensemble × {n} seeds; the 95 % interval combines parameter uncertainty (how "
              "the value varies across the parameter sets the targets leave open) and "
              "seed-to-seed noise.",
        "zh": "各设计点在校准参数集合的{members}个成员 × {n}个随机种子上的均值；95%区间同时包含"
              "参数不确定性（数值在目标允许的各参数组合间的差异）和随机波动。"},
    "sweep_differences": {
        "en": "Second line: the paired difference from design point {point} (same seeds "
              "and, over an ensemble, the same members), with its 95 % interval; bold: the "
              "interval excludes zero.",
        "zh": "第二行：与设计点{point}的配对差值（相同随机种子；基于参数集合时也用相同成员）"
              "及其95%区间；粗体：区间不含0。"},
    "sweep_top": {"en": "The {k} of {n} design points with the highest county retention.",
                  "zh": "{n}个设计点中县域内就诊率最高的{k}个。"},
    "sensitivity": {"en": "Sensitivity of county retention (Sobol indices, ± 95 % interval)",
                    "zh": "县域内就诊率的敏感性（Sobol指数，±95%置信区间）"},
    "lever": {"en": "Lever", "zh": "政策杠杆"},
    "point": {"en": "Point", "zh": "设计点"},
    "scenario": {"en": "Scenario", "zh": "情景"},
    "description": {"en": "What it changes", "zh": "政策内容"},
    "levers": {"en": "Levers (switch-on day)", "zh": "政策杠杆（实施日）"},
    "from_start": {"en": "from the start", "zh": "从开始"},
    "day": {"en": "day {day}", "zh": "第{day}天"},
    "file": {"en": "Scenario file", "zh": "情景文件"},
    "config_hash": {"en": "Config hash", "zh": "配置哈希"},
    "not_recorded": {"en": "not recorded", "zh": "未记录"},
    "file_date": {"en": "{date} (date of manifest.json; not recorded)",
                  "zh": "{date}（manifest.json 文件日期；未记录）"},
    "resolved": {"en": "Resolved configuration of {name} (YAML)",
                 "zh": "{name} 的完整配置（YAML）"},
    "sweep_file": {"en": "Sweep file", "zh": "扫描文件"},
    "footer": {"en": "Made with tieredcare {version}. Charts and numbers come from the files "
                     "in {folder}.",
               "zh": "由 tieredcare {version} 生成。图表和数据来自 {folder}。"},
}

PROVENANCE_KEYS = {
    "run": ("kind", "scenario", "seed", "config_hash", "source_file", "overrides", "created",
            "command", "git_commit", "wall_seconds"),
    "compare": ("kind", "baseline", "scenarios", "replicates", "root_seed", "seeds",
                "ensemble", "sources", "config_hashes", "created", "command", "git_commit"),
    "calibration": ("kind", "name", "targets_file", "scenario_file", "overrides", "trials",
                    "replicates", "seed", "ensemble", "updated", "command", "git_commit"),
    "sweep": ("kind", "name", "sweep_file", "sweep_hash", "design", "points", "replicates",
              "seed", "replicate_seeds", "ensemble", "created", "updated", "status", "counts",
              "command", "git_commit"),
}

CSS = """
body { font-family: "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "Helvetica Neue", Arial, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #4575b4; padding-bottom: 0.2em; margin-top: 2em; }
.meta, .note, figcaption, footer { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f3f8; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; page-break-inside: avoid; }
figure img { width: 100%; height: auto; border: 1px solid #eee; }
code, pre { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 0.85em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; }
@media print { body { max-width: none; } h2 { page-break-after: avoid; } }
"""


def word(key: str, lang: str, **values: object) -> str:
    """A report phrase in ``lang``."""
    return translate(WORDS, key, lang, **values)


def _esc(value: object) -> str:
    return html.escape(str(value))


def format_value(indicator: str, value: float | None, lang: str) -> str:
    """An indicator's value as a reader expects it: '88.2 %', '5.90', '170 CNY'."""
    if value is None or not math.isfinite(value):
        return "–"
    shown = value * display_scale(indicator)
    if is_share(indicator):
        return f"{shown:.1f}%" if lang == "zh" else f"{shown:.1f} %"
    if _is_index(indicator):
        return f"{shown:.{INDEX_DIGITS}f}".replace("-", "−")
    return f"{shown:,.{_digits(abs(shown))}f}"


def _is_index(indicator: str) -> bool:
    return indicator_unit_key(indicator).startswith("index")


def _digits(size: float) -> int:
    """Decimals that show about three significant figures."""
    return 0 if size >= 100 else 1 if size >= 10 else 2


def format_difference(indicator: str, diff: float, low: float, high: float, lang: str) -> str:
    """'+3.4 pp [+3.1, +3.7]' (shares in percentage points)."""
    if not math.isfinite(diff):
        return "–"
    digits = _difference_digits(indicator, diff)
    low_high = ", ".join(_signed(indicator, v, digits) for v in (low, high))
    return f"{format_change(indicator, diff, lang)} [{low_high}]"


def format_change(indicator: str, diff: float, lang: str) -> str:
    """A difference between two values of an indicator: '+3.4 pp', '−12 CNY'."""
    if not math.isfinite(diff):
        return "–"
    unit = word("pp", lang) if is_share(indicator) else ""
    digits = _difference_digits(indicator, diff)
    if round(diff * display_scale(indicator), digits) == 0:
        diff = 0.0  # no change shows as +0.0, not −0.0
    return _signed(indicator, diff, digits) + unit


def _difference_digits(indicator: str, diff: float) -> int:
    return 1 if is_share(indicator) else INDEX_DIGITS if _is_index(indicator) else \
        _digits(abs(diff * display_scale(indicator)))


def _signed(indicator: str, value: float, digits: int) -> str:
    if not math.isfinite(value):
        return "?"
    return f"{value * display_scale(indicator):+.{digits}f}".replace("-", "−")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]],
           numeric: Container[int] = range(1, 99)) -> str:
    """An HTML table; cells are HTML already (escape before); ``numeric`` columns align right."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ----------------------------------------------------------------------------- key numbers


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
    rows = [(_esc(indicator_label(i, lang)), _esc(format_value(i, values.get(i), lang)),
             _esc(indicator_unit(i, lang)))
            for i in KEY_INDICATORS if i in values]
    days = len(r.timeseries)
    return (f'<p class="note">{_esc(word("run_note", lang, days=days))}</p>' +
            _table([word("indicator", lang), word("value", lang), word("unit", lang)], rows,
                   numeric=(1,)))


def _compare_numbers(r: CompareResults, lang: str) -> str:
    table = r.compare.set_index(["indicator", "scenario"])
    others = [s for s in r.scenarios if s != r.baseline]
    header = [word("indicator", lang), _esc(scenario_label(r.baseline, lang, r.baseline)),
              *(_esc(s) for s in others)]
    rows = []
    for indicator in KEY_INDICATORS:
        if indicator not in table.index.get_level_values(0):
            continue
        cells = [_esc(indicator_label(indicator, lang))]
        first = table.loc[indicator].iloc[0]
        cells.append(_esc(format_value(indicator, first["baseline_mean"], lang)))
        for name in others:
            cells.append(_difference_cell(table, indicator, name, lang))
        rows.append(cells)
    replicates = r.manifest.get("replicates", "?")
    note = word("compare_note", lang, n=replicates)
    ensemble = r.manifest.get("ensemble")
    if ensemble:
        note += " " + word("ensemble_note", lang, members=ensemble.get("members"), n=replicates)
    return _table(header, rows) + f'<p class="note">{_esc(note)}</p>'



def _difference_cell(table: pd.DataFrame, indicator: str, scenario: str, lang: str) -> str:
    if (indicator, scenario) not in table.index:
        return "–"
    row = table.loc[(indicator, scenario)]
    text = format_difference(indicator, row["difference"], row["ci_low"], row["ci_high"], lang)
    clear = math.isfinite(row["ci_low"]) and (row["ci_low"] > 0 or row["ci_high"] < 0)
    diff = f"<b>{_esc(text)}</b>" if clear else _esc(text)
    return f"{_esc(format_value(indicator, row['scenario_mean'], lang))}<br>{diff}"


def _sweep_numbers(r: SweepResults, lang: str) -> str:
    wide = _sweep_table(r)
    parameters = [p for p in r.parameters if p in wide.columns]
    ensemble = r.manifest.get("ensemble")
    note = (word("sweep_ensemble_note", lang, members=ensemble.get("members"),
                 n=r.manifest.get("replicates")) if ensemble else word("sweep_note", lang))
    if len(wide) > MAX_POINTS:
        wide = wide.sort_values("county_retention", ascending=False).head(MAX_POINTS)
        note += " " + word("sweep_top", lang, k=MAX_POINTS, n=r.manifest.get("points", "?"))
    header = [word("point", lang), *(_esc(parameter_label(p, lang)) for p in parameters),
              *(_esc(indicator_label(i, lang)) for i in SWEEP_INDICATORS)]
    rows = []
    for _, row in wide.iterrows():
        cells = [_esc(int(row["point"]))]
        cells += [_esc(format_parameter(p, row[p], lang)) for p in parameters]
        cells += [_esc(_with_interval(i, row, lang)) + _point_difference(i, row, lang)
                  for i in SWEEP_INDICATORS]
        rows.append(cells)
    if not r.differences.empty:
        reference = sorted(set(r.aggregate["point"]) - set(r.differences["point"]))
        note += " " + word("sweep_differences", lang, point=reference[0] if reference else 0)
    html_text = f'<p class="note">{_esc(note)}</p>' + _table(header, rows)
    return html_text + _sensitivity_table(r, lang)


def format_parameter(key: str, value: object, lang: str) -> str:
    """A lever's value: shares in % ('85.0 %'), other numbers to 4 significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if parameter_is_share(key):
        return f"{value * 100:.1f}%" if lang == "zh" else f"{value * 100:.1f} %"
    return f"{value:.4g}"


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
    text = _esc(format_difference(indicator, d, low, high, lang))
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
    body = [(_esc(parameter_label(p, lang)),
             *(_esc(f"{value.at[p, m]:.2f} ± {conf.at[p, m]:.2f}".replace("-", "−"))
               for m in ("ST", "S1")))
            for p in value.index]
    return (f"<h3>{_esc(word('sensitivity', lang))}</h3>" +
            _table([word("lever", lang), "ST", "S1"], body))


# ----------------------------------------------------------------------------- scenarios


def scenarios_section(results: Results, lang: str) -> str:
    """What each scenario changes, when its levers switch on, and its resolved YAML."""
    if isinstance(results, RunResults):
        config = results.manifest.get("resolved_config") or {}
        described = {results.name: results.manifest.get("description", "")}
        levers = {results.name: results.manifest.get("levers", [])}
        configs = {results.name: config}
        sources = {results.name: results.manifest.get("source_file")}
    elif isinstance(results, CompareResults):
        described = results.descriptions()
        levers = results.manifest.get("levers") or {}
        configs = results.manifest.get("resolved_configs") or {}
        files = results.manifest.get("sources") or []
        sources = dict(zip(results.scenarios, files, strict=False))
    elif isinstance(results, CalibrationResults):
        from tieredcare.viz.calibration_report import targets_section

        return targets_section(results, lang)
    else:
        return _sweep_section(results, lang)
    rows = [(_esc(scenario_label(name, lang, getattr(results, "baseline", None))),
             _esc(text), _esc(_lever_days(levers.get(name, []), lang)),
             f"<code>{_esc(sources.get(name) or '–')}</code>")
            for name, text in described.items()]
    parts = [_table([word("scenario", lang), word("description", lang), word("levers", lang),
                     word("file", lang)], rows, numeric=())]
    for name, config in configs.items():
        parts.append(_details(word("resolved", lang, name=name),
                              yaml.safe_dump(config, allow_unicode=True, sort_keys=False)))
    return "".join(parts)


def _lever_days(levers: list[dict[str, Any]], lang: str) -> str:
    if not levers:
        return "–"
    items = []
    for lever in levers:
        day = lever.get("start_day")
        when = word("from_start", lang) if day is None else word("day", lang, day=day)
        items.append(f"{lever['lever']} ({when})")
    return "; ".join(items)


def _sweep_section(r: SweepResults, lang: str) -> str:
    m = r.manifest
    rows = [(_esc(parameter_label(p, lang)), f"<code>{_esc(p)}</code>",
             _esc(m.get("parameters", {}).get(p, ""))) for p in r.parameters]
    text = f"<p>{_esc(m.get('description', ''))}</p>" + _table(
        [word("lever", lang), "key", "values"], rows, numeric=())
    if m.get("sweep_text"):
        text += _details(word("sweep_file", lang), str(m["sweep_text"]))
    return text


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{_esc(summary)}</summary><pre>{_esc(body)}</pre></details>"


# ----------------------------------------------------------------------------- provenance


def provenance_section(results: Results, lang: str) -> str:
    """Config hashes, seeds, versions, git commit, created date and command, as a table."""
    m = results.manifest
    rows = []
    for key in PROVENANCE_KEYS[results.kind]:
        value = m.get(key)
        if key == "created" and not value:
            value = word("file_date", lang, date=results.created)
        elif key == "command" and value:
            value = " ".join(str(v) for v in value) if isinstance(value, list) else value
        elif value is None or value == []:
            value = word("not_recorded", lang)
        rows.append((f"<code>{_esc(key)}</code>", _provenance_value(value)))
    versions = m.get("versions") or {}
    rows.append(("<code>versions</code>",
                 _esc(", ".join(f"{k} {v}" for k, v in versions.items()))))
    return _table([word("field", lang), word("value", lang)], rows, numeric=())


def _provenance_value(value: Any) -> str:
    if isinstance(value, dict):
        return "<br>".join(f"{_esc(k)}: <code>{_esc(v)}</code>" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(f"<code>{_esc(v)}</code>" for v in value)
    return f"<code>{_esc(value)}</code>"


# ----------------------------------------------------------------------------- document


def charts_section(results: Results, lang: str, dpi: int = REPORT_DPI) -> str:
    """Every chart of the pack as an embedded PNG with a numbered caption."""
    figures = []
    for n, (chart, figure) in enumerate(draw_pack(results, lang), start=1):
        data = base64.b64encode(figure_bytes(figure, "png", dpi)).decode("ascii")
        caption = f"{word('figure', lang, n=n)}. {chart.title}"
        figures.append(f'<figure id="{_esc(chart.name)}"><img alt="{_esc(chart.title)}" '
                       f'src="data:image/png;base64,{data}"><figcaption>{_esc(caption)}'
                       "</figcaption></figure>")
    return "\n".join(figures)


def build_report(results: Results, lang: str = "en") -> str:
    """The briefing of loaded results as one HTML document.

    Args:
        results: A loaded run, compare or sweep folder.
        lang: ``en`` or ``zh``.

    Returns:
        The HTML text.
    """
    check_lang(lang)
    title = word(f"title_{results.kind}", lang, name=results.name)
    version = (results.manifest.get("versions") or {}).get("tieredcare", "")
    sections = [
        ("key-numbers", word("key_numbers", lang), key_numbers(results, lang)),
        ("charts", word("charts", lang), charts_section(results, lang)),
        ("scenarios", word("scenarios", lang), scenarios_section(results, lang)),
        ("provenance", word("provenance", lang), provenance_section(results, lang)),
    ]
    body = "\n".join(f'<section id="{key}"><h2>{_esc(head)}</h2>\n{content}</section>'
                     for key, head, content in sections)
    return (f'<!doctype html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>'
            f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f'{GENERATOR}'
            f"<title>{_esc(title)}</title><style>{CSS}</style></head>\n<body>\n"
            f"<header><h1>{_esc(title)}</h1>"
            f'<p class="meta">{_esc(results.source_line(lang))}</p></header>\n{body}\n'
            f"<footer><p>{_esc(word('footer', lang, version=version, folder=results.path))}"
            "</p></footer>\n</body>\n</html>\n")


GENERATOR = '<meta name="generator" content="tieredcare">'
"""Marks a briefing written by tieredcare, so ``--out`` replaces only such a file."""


def is_briefing(path: Path) -> bool:
    """Whether ``path`` is an HTML briefing written by tieredcare (its head says so)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    return GENERATOR in head


def default_report_path(folder: Path, lang: str) -> Path:
    """``<folder>/report.html`` (``report_zh.html`` in Chinese)."""
    return folder / ("report.html" if lang == "en" else f"report_{lang}.html")


def write_report(path: str | Path, *, lang: str = "en", out: str | Path | None = None) -> Path:
    """Write the HTML briefing of a results folder, atomically.

    Args:
        path: A run, compare or sweep folder.
        lang: ``en`` or ``zh``.
        out: The file to write (default :func:`default_report_path`).

    Returns:
        The file written.

    Raises:
        ResultsError: If ``path`` is not a results folder, or ``out`` exists and is not a
            briefing written by tieredcare.
    """
    results = load_results(path)
    target = Path(out) if out is not None else default_report_path(results.path, lang)
    if os.path.lexists(target) and (target.is_symlink() or not is_briefing(target)):
        raise ResultsError(f"--out {target}: exists and is not a briefing written by "
                           "tieredcare; it is never replaced (choose another --out)")
    atomic_write_text(target, build_report(results, lang))
    return target
