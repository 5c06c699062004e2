"""Charts of the indicators by group: equity by income group, where each severity is treated.

They are drawn from the same small results folders as tests/test_viz.py (made once per
session), whose run and comparison hold ``groups.parquet`` (and ``compare_groups.parquet``).
"""

from __future__ import annotations

import logging
import shutil
import warnings

import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.text import Text

from tests.test_viz import Folders, assert_png, folders, texts
from tieredcare.viz import (
    CompareResults,
    RunResults,
    chart_pack,
    equity_chart,
    equity_table,
    figure_bytes,
    load_results,
    plot_results,
    severity_shares,
    severity_table,
)
from tieredcare.viz.equity import EQUITY_INDICATORS
from tieredcare.viz.labels import (
    axis_label,
    dimension_label,
    group_label,
    group_order,
    indicator_label,
    is_share,
)
from tieredcare.viz.severity import TREATED_SHARES

INCOME = ["low", "middle", "high"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Folders:
    return folders(tmp_path_factory)


@pytest.fixture(scope="module")
def run(made: Folders) -> RunResults:
    return load_results(made.run)


@pytest.fixture(scope="module")
def comparison(made: Folders) -> CompareResults:
    return load_results(made.compare)


def unwrapped(figure) -> str:
    """Every text of a figure with wrapped lines joined again (Chinese wraps inside words)."""
    return " | ".join(t.get_text().replace("\n", "") for t in figure.findobj(Text))


def _bars(ax) -> list:
    """The bars of an axes (rectangles with a width), left to right."""
    return sorted((p for p in ax.patches if p.get_width() > 0), key=lambda p: p.get_x())


# ----------------------------------------------------------------------------- loading


def test_group_tables_are_loaded(run, comparison):
    assert {"indicator", "dimension", "group", "value", "numerator", "denominator"} <= \
        set(run.groups.columns)
    assert {"scenario", "replicate", "value"} <= set(comparison.groups.columns)
    assert {"baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high"} <= \
        set(comparison.group_differences.columns)
    assert set(comparison.group_differences["scenario"]) == {"campaign", "wider_gap"}


def test_pack_of_a_run_and_a_comparison_has_the_group_charts(run, comparison):
    assert [c.name for c in chart_pack(run)] == [
        "retention_over_time", "tier_shares", "severity", "contract_coverage", "equity",
        "county_map"]
    assert [c.name for c in chart_pack(comparison, "zh")] == [
        "paired_differences", "retention_over_time", "tier_shares", "severity",
        "contract_coverage", "equity"]


# ----------------------------------------------------------------------------- equity


def test_equity_table_of_a_run_is_the_group_table(run):
    table = equity_table(run.groups, scenario=run.name)
    assert list(dict.fromkeys(table["indicator"])) == list(EQUITY_INDICATORS)
    rows = table[table["indicator"] == "forgone_care"]
    assert list(rows["group"]) == [*INCOME, "all"]  # income order, county total last
    source = run.groups.set_index(["indicator", "dimension", "group"])["value"]
    for row in rows.itertuples():
        assert row.value == pytest.approx(source[("forgone_care", row.dimension, row.group)])
    assert rows["difference"].isna().all() and set(rows["scenario"]) == {run.name}


def test_equity_table_of_a_comparison_has_baseline_levels_and_differences(comparison):
    table = equity_table(comparison.group_differences, baseline=comparison.baseline,
                         scenarios=comparison.scenarios)
    assert list(dict.fromkeys(table["scenario"])) == comparison.scenarios
    diffs = comparison.group_differences.set_index(["scenario", "indicator", "dimension",
                                                    "group"])
    base = table[(table["scenario"] == "baseline") & (table["indicator"] == "oop_per_episode")
                 & (table["group"] == "low")].iloc[0]
    gap = table[(table["scenario"] == "wider_gap") & (table["indicator"] == "oop_per_episode")
                & (table["group"] == "low")].iloc[0]
    expected = diffs.loc[("wider_gap", "oop_per_episode", "income", "low")]
    assert base["value"] == pytest.approx(expected["baseline_mean"])
    assert np.isnan(base["difference"])
    assert gap["value"] == pytest.approx(expected["scenario_mean"])
    assert (gap["difference"], gap["ci_low"], gap["ci_high"]) == pytest.approx(
        (expected["difference"], expected["ci_low"], expected["ci_high"]))
    # the baseline's own runs give the same level
    runs = comparison.groups
    mean = runs[(runs["scenario"] == "baseline") & (runs["indicator"] == "oop_per_episode")
                & (runs["dimension"] == "income") & (runs["group"] == "low")]["value"].mean()
    assert base["value"] == pytest.approx(mean)


def test_equity_chart_of_a_run(run):
    table = equity_table(run.groups, scenario=run.name)
    figure = equity_chart(table, lang="en", source=run.source_line())
    assert_png(figure)
    assert len([ax for ax in figure.axes if ax.get_visible()]) == len(EQUITY_INDICATORS)
    forgone = table[(table["indicator"] == "forgone_care") & (table["dimension"] == "income")]
    heights = [bar.get_height() for bar in _bars(figure.axes[0])]
    assert heights == pytest.approx(list(forgone["value"] * 100))
    total = table[(table["indicator"] == "forgone_care") & (table["group"] == "all")]
    level = float(total["value"].iloc[0]) * 100
    assert any(len(ln.get_ydata()) == 2 and np.allclose(ln.get_ydata(), level)
               for ln in figure.axes[0].get_lines()), "no county-total line"
    words = texts(figure)
    for expected in ("Equity by income group", "Low income", "Middle income", "High income",
                     "Care forgone (%)", "Out-of-pocket cost per episode (CNY)",
                     "Catastrophic spending (%)", "Primary-care share of visits (%)",
                     "Whole county", "Income group", "Source: tieredcare run 'campaign'",
                     f"{forgone['value'].iloc[0] * 100:.1f}"):
        assert expected in words, expected
    assert "interval" not in words  # one run: no replicates, no interval


def test_equity_chart_of_a_comparison_shows_the_paired_intervals(comparison):
    table = equity_table(comparison.group_differences, baseline=comparison.baseline,
                         scenarios=comparison.scenarios)
    figure = equity_chart(table, baseline=comparison.baseline, lang="en",
                          source=comparison.source_line())
    assert_png(figure)
    ax = figure.axes[1]  # out-of-pocket cost per episode (CNY: no scaling)
    assert len(_bars(ax)) == len(INCOME) * len(comparison.scenarios)
    diffs = comparison.group_differences.set_index(["scenario", "indicator", "dimension",
                                                    "group"])
    intervals = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(intervals) == 2  # campaign and wider_gap; none on the baseline's bars
    gap = intervals[1]
    segments = sorted(gap.lines[2][0].get_segments(), key=lambda seg: seg[0, 0])  # by group
    spans = np.array([np.sort(seg[:, 1]) for seg in segments])
    rows = [diffs.loc[("wider_gap", "oop_per_episode", "income", g)] for g in INCOME]
    expected = np.array([[r["baseline_mean"] + r["ci_low"], r["baseline_mean"] + r["ci_high"]]
                         for r in rows])
    assert spans.ravel() == pytest.approx(expected.ravel())
    words = texts(figure)
    for expected_text in ("baseline", "campaign", "wider_gap", "Whole county, baseline",
                          "95 % interval of the paired difference scenario − baseline",
                          "3 replicates, same seeds", "difference from the baseline",
                          "interval excludes 0", "Source: tieredcare compare"):
        assert expected_text in words, expected_text
    row = diffs.loc[("wider_gap", "oop_per_episode", "income", "low")]
    label = f"{row['difference']:+.1f}".replace("-", "\u2212")
    assert label in words  # the difference is written on the scenario's bar


def test_equity_chart_in_chinese(comparison):
    table = equity_table(comparison.group_differences, baseline=comparison.baseline)
    words = unwrapped(equity_chart(table, baseline=comparison.baseline, lang="zh",
                                   source=comparison.source_line("zh")))
    for expected in ("不同收入组的公平性", "低收入", "中等收入", "高收入", "收入组",
                     "未就医比例（%）", "次均自付费用（元）", "灾难性卫生支出比例（%）",
                     "基层就诊率（%）", "全县（基线）", "基线", "配对差值的95%置信区间",
                     "3次重复", "置信区间不含0", "来源："):
        assert expected in words, expected


# ----------------------------------------------------------------------------- severity


def test_severity_table_shares_add_up(run, comparison):
    table = severity_table(run.groups, scenario=run.name)
    assert list(table["severity"]) == ["1", "2", "3", "4"]
    totals = table[list(TREATED_SHARES)].sum(axis=1)
    assert totals[table["treated"] > 0].to_numpy() == pytest.approx(1.0)
    rows = run.groups[(run.groups["dimension"] == "severity")
                      & (run.groups["indicator"] == "treated_share_county")]
    assert list(table["treated_share_county"]) == pytest.approx(list(rows["value"]),
                                                                nan_ok=True)
    assert list(table["treated"]) == list(rows["denominator"])
    several = severity_table(comparison.groups, scenarios=comparison.scenarios)
    assert len(several) == 4 * len(comparison.scenarios) and several["treated"].isna().all()
    runs = comparison.groups
    mean = runs[(runs["scenario"] == "wider_gap") & (runs["dimension"] == "severity")
                & (runs["group"] == "3")
                & (runs["indicator"] == "treated_share_city")]["value"].mean()
    row = several[(several["scenario"] == "wider_gap") & (several["severity"] == "3")]
    assert row["treated_share_city"].iloc[0] == pytest.approx(mean)


def test_severity_shares_of_a_run(run):
    table = severity_table(run.groups, scenario=run.name)
    figure = severity_shares(table, lang="en", source=run.source_line())
    assert_png(figure)
    ax = figure.axes[0]
    stacks: dict[float, float] = {}
    for bar in ax.patches:
        stacks[round(bar.get_x(), 6)] = stacks.get(round(bar.get_x(), 6), 0) + bar.get_height()
    treated = table["treated"].to_numpy()
    drawn = sorted(v for v in stacks.values() if v > 0)
    assert drawn == pytest.approx([100.0] * int((treated > 0).sum()))
    village = min((b for b in ax.patches if b.get_y() == 0), key=lambda b: b.get_x())
    assert village.get_height() == pytest.approx(table["treated_share_village"].iloc[0] * 100)
    words = texts(figure)
    for expected in ("Where each severity is treated", "1 minor", "2 moderate", "3 serious",
                     "4 critical", f"{int(treated[0]):,} treated",
                     "Share of treated episodes (%)", "Episode severity", "Village clinic",
                     "County hospital", "City hospital", "Source: "):
        assert expected in words, expected


def test_severity_shares_of_a_comparison_in_chinese(comparison):
    table = severity_table(comparison.groups, scenarios=comparison.scenarios)
    figure = severity_shares(table, baseline=comparison.baseline, lang="zh",
                             source=comparison.source_line("zh"))
    assert_png(figure)
    axes = [ax for ax in figure.axes if ax.get_visible()]
    assert len(axes) == 4  # a panel per severity
    ticks = [t.get_text() for t in axes[0].get_xticklabels()]
    assert ticks == ["基线", "campaign", "wider_gap"]
    words = texts(figure)
    for expected in ("不同严重程度的病例在哪里诊治", "1 轻症", "2 中度", "3 重症", "4 危重",
                     "诊治病例占比（%）", "村卫生室", "县级医院", "市级医院", "来源："):
        assert expected in words, expected


def test_group_charts_in_chinese_have_every_glyph(run, comparison, caplog):
    """No 'Glyph ... missing from font(s)' warning and no font fallback."""
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for results in (run, comparison):
            for chart in chart_pack(results, "zh"):
                if chart.name in ("equity", "severity"):
                    figure_bytes(chart.draw(), "png", 100)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:3]
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


# ----------------------------------------------------------------------------- older folders


def test_folder_without_group_tables_plots_without_the_group_charts(made, tmp_path):
    run_copy, compare_copy = tmp_path / "run", tmp_path / "compare"
    shutil.copytree(made.run, run_copy)
    shutil.copytree(made.compare, compare_copy)
    (run_copy / "groups.parquet").unlink()
    for name in ("groups.parquet", "compare_groups.parquet"):
        (compare_copy / name).unlink()
    old_run, old_compare = load_results(run_copy), load_results(compare_copy)
    assert old_run.groups is None and old_compare.group_differences is None
    assert [c.name for c in chart_pack(old_compare)] == [
        "paired_differences", "retention_over_time", "tier_shares", "contract_coverage"]
    files = plot_results(run_copy, out_dir=tmp_path / "figures", dpi=200)
    assert sorted(f.name for f in files) == ["contract_coverage.png", "county_map.png",
                                             "retention_over_time.png", "tier_shares.png"]


# ----------------------------------------------------------------------------- labels


def test_labels_of_the_new_indicators():
    zh = {"forgone_care": "未就医比例", "self_treatment": "自我医疗比例",
          "illness_not_seen": "患病未就诊比例", "admission_not_taken": "应住院未住院比例",
          "bypass_45_plus": "45岁及以上越级就诊比例",
          "concentration_primary_use": "基层服务利用集中指数",
          "concentration_hospital_use": "医院服务利用集中指数",
          "unreferred_hospital_share": "未经转诊在医院就诊比例",
          "perceived_quality_township": "乡镇卫生院感知质量"}
    for indicator, label in zh.items():
        assert indicator_label(indicator, "zh") == label
        assert indicator_label(indicator, "en") != indicator  # an English name too
    assert axis_label("travel_minutes_per_contact", "zh") == "每次就诊单程时间（分钟）"
    assert axis_label("travel_minutes_per_contact", "en") == \
        "One-way travel time per contact (minutes)"
    assert axis_label("bypass_45_plus", "en") == "Residents 45+ bypassing primary care (%)"
    assert axis_label("treated_share_city", "zh") == "市级医院诊治病例占比（%）"
    assert is_share("bypass_45_plus") and is_share("treated_share_village")
    assert not is_share("concentration_primary_use")


def test_dimension_and_group_labels():
    assert [group_label("income", g, "zh") for g in INCOME] == ["低收入", "中等收入", "高收入"]
    assert group_label("scheme", "resident", "zh") == "城乡居民医保"
    assert group_label("scheme", "employee", "zh") == "职工医保"
    assert group_label("age", "65+", "zh") == "65岁及以上"
    assert group_label("distance", "45+ min", "zh") == "45分钟及以上"
    assert group_label("severity", "4", "zh") == "4 危重"
    assert group_label("chronic", "chronic", "en") == "Chronic patients"
    assert group_label("township", "T03", "zh") == "T03"  # ids stay as they are
    assert dimension_label("income", "zh") == "收入组"
    assert dimension_label("distance", "en") == "Travel time to the township centre"
    assert group_order("income", ["high", "low", "middle"]) == INCOME
    assert group_order("township", ["T02", "T01"]) == ["T02", "T01"]
