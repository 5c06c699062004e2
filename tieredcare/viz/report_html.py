"""The briefing's HTML building blocks: its words (en/zh), style sheet, tables, details."""

from __future__ import annotations

import html
from collections.abc import Container, Iterable, Sequence

from tieredcare.viz.labels import translate

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


def esc(value: object) -> str:
    """``value`` as text escaped for HTML."""
    return html.escape(str(value))


def html_table(header: Sequence[str], rows: Iterable[Sequence[str]],
               numeric: Container[int] = range(1, 99)) -> str:
    """An HTML table; cells are HTML already (escape before); ``numeric`` columns align right."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def details(summary: str, body: str) -> str:
    """A collapsible block: ``summary`` shown, ``body`` preformatted inside."""
    return f"<details><summary>{esc(summary)}</summary><pre>{esc(body)}</pre></details>"
