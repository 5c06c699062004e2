"""The explorer's own words in English and Chinese.

Indicators, tiers and levers take the chart pack's words, from :mod:`tieredcare.viz.labels`.
"""

from __future__ import annotations

from tieredcare.viz.labels import translate

WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "tieredcare explorer", "zh": "分级诊疗政策模拟"},
    "explore_tab": {"en": "Explore the levers", "zh": "调整政策杠杆"},
    "results_tab": {"en": "Results folders", "zh": "结果文件夹"},
    "scenario": {"en": "Scenario {name}: {residents} residents, seed {seed}",
                 "zh": "情景 {name}：常住人口 {residents}，随机种子 {seed}"},
    "now": {"en": "on screen", "zh": "当前设置"},
    "baseline": {"en": "baseline", "zh": "基线"},
    "vs_baseline": {"en": "baseline {value}", "zh": "基线 {value}"},
    "reset": {"en": "Reset", "zh": "恢复"},
    "reset_all": {"en": "Reset all levers", "zh": "全部恢复"},
    "download": {"en": "Download scenario", "zh": "下载情景文件"},
    "running": {"en": "Running the county…", "zh": "正在模拟…"},
    "updated": {"en": "Updated in {seconds:.1f} s ({changed} changed)",
                "zh": "已更新，用时 {seconds:.1f} 秒（改动 {changed} 项）"},
    "first_run": {"en": "Running the baseline…", "zh": "正在模拟基线…"},
    "run_failed": {"en": "The run failed; the figures below are the last that ran.",
                   "zh": "模拟失败；下方为上一次成功模拟的结果。"},
    "refused": {"en": "Not accepted: {problem}", "zh": "不接受：{problem}"},
    "hint": {"en": "{unit} · allowed {range} · default {default}",
             "zh": "{unit} · 取值范围 {range} · 默认 {default}"},
    "source": {"en": "Source: {source}", "zh": "依据：{source}"},
    "seeds": {"en": "Seed documents: {docs}", "zh": "政策文件：{docs}"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "none": {"en": "none", "zh": "无"},
    "residents_count": {"en": "{n:,} residents", "zh": "常住人口 {n:,}"},
    "time_chart": {"en": "Over time", "zh": "随时间变化"},
    "tiers_chart": {"en": "Where patients are treated", "zh": "患者在哪里就诊"},
    "load_chart": {"en": "County map: facility load", "zh": "县域地图：机构负荷"},
    "counties": {"en": "Counties of the prefecture", "zh": "全市各县（区）"},
    "county": {"en": "County", "zh": "县（区）"},
    "folder": {"en": "Results folder", "zh": "结果文件夹"},
    "open": {"en": "Open", "zh": "打开"},
    "found": {"en": "Results found under {root}", "zh": "{root} 下的结果"},
    "none_found": {"en": "No results folders under {root}.", "zh": "{root} 下没有结果文件夹。"},
    "loading": {"en": "Drawing the charts…", "zh": "正在绘制图表…"},
    "kind": {"en": "{kind} · {name}", "zh": "{kind} · {name}"},
    "fit": {"en": "Fit to the targets", "zh": "拟合结果"},
    "trials": {"en": "Trials (best first)", "zh": "试验（最优在前）"},
    "best": {"en": "Best scenario (best.yaml)", "zh": "最优情景（best.yaml）"},
    "key_numbers": {"en": "Key numbers", "zh": "主要指标"},
    "language": {"en": "中文", "zh": "English"},
}
"""Phrases of the explorer's page."""


def word(key: str, lang: str, **values: object) -> str:
    """A phrase of the page in ``lang``, with ``{placeholders}`` filled in."""
    return translate(WORDS, key, lang, **values)
