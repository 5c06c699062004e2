"""Briefing charts drawn from real (small) results: right numbers, readable labels, fonts.

The results folders are made once per session by :func:`folders` (a run, a comparison, a
grid sweep and a Sobol sweep of a 12,000-resident county) and shared with test_report.py.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text
from typer.testing import CliRunner

from tests.conftest import BASELINE, make_small
from tieredcare.compare import compare
from tieredcare.config import LoadedScenario
from tieredcare.results import write_run
from tieredcare.run import simulate
from tieredcare.viz import (
    CompareResults,
    MissingFontError,
    ResultsError,
    RunResults,
    SweepResults,
    chart_pack,
    contract_coverage,
    county_map,
    figure_bytes,
    fonts,
    lever_response,
    load_results,
    paired_differences,
    plot_results,
    save_figure,
    sensitivity_chart,
    series_bands,
    tier_share_table,
    tier_shares,
    time_series,
)
from tieredcare.viz.labels import axis_label, indicator_label, parameter_label, tier_label

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SWITCH_DAY = 30
SMALL = {"population.residents": 12_000, "simulation.warmup_days": 20,
         "simulation.horizon_days": 90}
CAMPAIGN = {"policy.family_doctor.campaign.start_day": SWITCH_DAY,
            "policy.family_doctor.campaign.intensity": 0.6,
            "policy.family_doctor.teams_per_township": 6}
GAP = {"policy.reimbursement.start_day": SWITCH_DAY,
       "policy.reimbursement.inpatient.township.ratio": 0.95,
       "policy.reimbursement.inpatient.city.ratio": 0.40}
SWEEP_OVERRIDES = """\
overrides:
  population.residents: 8000
  world.townships: 3
  world.villages_per_township: 4
  simulation.warmup_days: 20
  simulation.horizon_days: 60
"""


@dataclass(frozen=True)
class Folders:
    """The results folders every chart and report test draws from."""

    run: Path
    compare: Path
    grid: Path
    sobol: Path


def _loaded(name: str, overrides: dict) -> LoadedScenario:
    scenario = make_small({**SMALL, **overrides}).model_copy(update={"name": name})
    return LoadedScenario(scenario=scenario, path=None, base_dir=Path.cwd())


def _sweep(root: Path, name: str, body: str) -> Path:
    from tieredcare.experiments import SerialExecutor, analyze_sweep, prepare, run_sweep

    file = root / f"{name}.yaml"
    file.write_text(f"name: {name}\nbase: {BASELINE}\nseed: 5\n{body}{SWEEP_OVERRIDES}",
                    encoding="utf-8")
    with SerialExecutor() as executor:
        run_sweep(prepare(file), executor, root / name)
    analyze_sweep(root / name, resamples=100)
    return root / name


def folders(factory: pytest.TempPathFactory) -> Folders:
    """Make the results folders once per session (on disk, so test modules share them)."""
    root = factory.getbasetemp() / "viz_results"
    made = Folders(root / "run", root / "compare", root / "grid", root / "sobol")
    if (root / "done").is_file():
        return made
    root.mkdir(exist_ok=True)
    output = simulate(make_small({**SMALL, **CAMPAIGN}).model_copy(update={"name": "campaign"}))
    write_run(output, made.run, source="tests", command=["pytest"])
    compare([_loaded("baseline", {}), _loaded("campaign", CAMPAIGN), _loaded("wider_gap", GAP)],
            replicates=3, out_dir=made.compare, workers=1, sources=["a.yaml", "b.yaml", "c.yaml"])
    _sweep(root, "grid", "replicates: 2\ndesign: grid\nparameters:\n"
           "  policy.reimbursement.inpatient.township.ratio: [0.8, 0.9, 0.95]\n"
           "  policy.reimbursement.inpatient.city.ratio: [0.45, 0.65]\n")
    _sweep(root, "sobol", "replicates: 1\ndesign: sobol\nsamples: 8\nparameters:\n"
           "  policy.reimbursement.inpatient.township.ratio: {low: 0.75, high: 0.95}\n"
           "  policy.reimbursement.inpatient.city.ratio: {low: 0.40, high: 0.70}\n"
           "  policy.family_doctor.gatekeeping.adherence: {low: 0.3, high: 0.9}\n")
    (root / "done").touch()
    return made


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Folders:
    return folders(tmp_path_factory)


@pytest.fixture(scope="module")
def run(made: Folders) -> RunResults:
    return load_results(made.run)


@pytest.fixture(scope="module")
def comparison(made: Folders) -> CompareResults:
    return load_results(made.compare)


@pytest.fixture(scope="module")
def grid(made: Folders) -> SweepResults:
    return load_results(made.grid)


@pytest.fixture(scope="module")
def sobol(made: Folders) -> SweepResults:
    return load_results(made.sobol)


def texts(figure: Figure) -> str:
    """Every text of a figure (titles, labels, ticks, legend, notes), line breaks as spaces."""
    return " | ".join(t.get_text().replace("\n", " ") for t in figure.findobj(Text))


def assert_png(figure: Figure, dpi: int = 200, min_kb: int = 20) -> np.ndarray:
    data = figure_bytes(figure, "png", dpi)
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > min_kb * 1024, f"PNG only {len(data)} bytes"
    image = imread(io.BytesIO(data))
    width, height = figure.get_size_inches()
    assert image.shape[:2] == (round(height * dpi), round(width * dpi))
    assert image[..., :3].std() > 0.05, "blank image"
    return image


def lines_at(figure: Figure, x: float) -> list:
    """Vertical lines drawn at x (policy switch days)."""
    return [ln for ax in figure.axes for ln in ax.get_lines()
            if len(ln.get_xdata()) == 2 and np.allclose(ln.get_xdata(), x)]


# ----------------------------------------------------------------------------- loading


def test_folders_load_by_kind(run, comparison, grid, sobol):
    assert (run.kind, comparison.kind, grid.kind, sobol.kind) == ("run", "compare", "sweep",
                                                                  "sweep")
    assert run.switches[0]["day"] == SWITCH_DAY
    assert {s["scenario"] for s in comparison.switches} == {"campaign", "wider_gap"}
    assert grid.sensitivity is None and sobol.sensitivity is not None
    assert comparison.scenarios == ["baseline", "campaign", "wider_gap"]


def test_source_line_names_results_replicates_date_and_hash(run, comparison, grid):
    line = comparison.source_line("en")
    hashes = comparison.manifest["config_hashes"]
    assert line.startswith("Source: tieredcare compare baseline vs campaign, wider_gap")
    assert "3 replicates" in line and hashes["campaign"][:8] in line
    assert run.manifest["config_hash"][:8] in run.source_line("en")
    assert f"seed {run.manifest['seed']}" in run.source_line("en")
    assert grid.manifest["sweep_hash"][:8] in grid.source_line("zh")
    assert comparison.source_line("zh").startswith("来源：") and "3次重复" in \
        comparison.source_line("zh")


def test_not_a_results_folder_is_rejected(tmp_path):
    with pytest.raises(ResultsError, match="not a results folder"):
        load_results(tmp_path)
    (tmp_path / "manifest.json").write_text('{"kind": "poster"}', encoding="utf-8")
    with pytest.raises(ResultsError, match="unknown kind"):
        load_results(tmp_path)


# ----------------------------------------------------------------------------- each chart


def test_time_series_of_a_comparison(comparison):
    figure = time_series(comparison.timeseries, switches=comparison.switches,
                         baseline="baseline", lang="en", source=comparison.source_line())
    assert_png(figure)
    words = texts(figure)
    for expected in ("County retention (%)", "Primary-care share of visits (%)",
                     "target 90 %", "policy on (day 30)", "Day of the reported period",
                     "10–90 % of replicates", "campaign", "wider_gap", "Source: ", "30-day"):
        assert expected in words, expected
    assert lines_at(figure, SWITCH_DAY), "no vertical line at the switch-on day"


def test_time_series_values_are_monthly_means_of_runs(comparison):
    ts = comparison.timeseries
    bands = series_bands(ts, "county_retention", freq="month")
    runs = ts[(ts["scenario"] == "campaign") & (ts["day"] < 30)]
    expected = runs.groupby("replicate")["county_retention"].mean().mean()
    first = bands[(bands["scenario"] == "campaign")].sort_values("day").iloc[0]
    assert first["mean"] == pytest.approx(expected)
    assert first["runs"] == 3 and len(bands) == 3 * 3  # 3 scenarios × 3 months
    assert (bands["low"] <= bands["mean"] + 1e-12).all()
    assert (bands["mean"] <= bands["high"] + 1e-12).all()
    daily = series_bands(ts, "primary_share", freq="day", band="ci95")
    assert len(daily) == 3 * 90


def test_time_series_of_one_run_marks_switch_day(run):
    figure = time_series(run.timeseries, switches=run.switches, freq="day", lang="zh",
                         source=run.source_line("zh"))
    assert_png(figure)
    words = texts(figure)
    for expected in ("县域内就诊率", "基层就诊率", "目标 90%", "政策实施（第30天）", "来源："):
        assert expected in words, expected
    assert lines_at(figure, SWITCH_DAY)


def test_tier_shares_bars_add_up_and_match_runs(comparison):
    shares = tier_share_table(comparison.runs)
    figure = tier_shares(shares, baseline="baseline", lang="en",
                         source=comparison.source_line())
    assert_png(figure)
    visits_ax = figure.axes[0]
    by_row: dict[float, float] = {}
    for bar in visits_ax.patches:
        by_row[round(bar.get_y(), 6)] = by_row.get(round(bar.get_y(), 6), 0) + bar.get_width()
    assert sorted(by_row.values()) == pytest.approx([100.0] * 3, abs=0.01)
    expected = comparison.runs.groupby("scenario")["visit_share_village"].mean()["baseline"]
    first = min(visits_ax.patches, key=lambda b: (b.get_y(), b.get_x()))
    assert first.get_width() == pytest.approx(expected * 100)
    words = texts(figure)
    for tier in ("village", "township", "county", "city"):
        assert tier_label(tier, "en") in words
    assert "Outpatient visits" in words and "Admissions" in words and "Share (%)" in words


def test_tier_shares_of_one_run_in_chinese(run):
    figure = tier_shares(tier_share_table(run.indicators, run.name), lang="zh",
                         source=run.source_line("zh"))
    assert_png(figure)
    words = texts(figure)
    for expected in ("村卫生室", "乡镇卫生院", "县级医院", "市级医院", "门诊", "住院", "占比（%）"):
        assert expected in words, expected


def test_paired_differences_plot_the_table(comparison):
    indicators = ("county_retention", "primary_share", "oop_per_episode")
    figure = paired_differences(comparison.compare, indicators, baseline="baseline",
                                lang="en", source=comparison.source_line())
    assert_png(figure)
    table = comparison.compare.set_index(["indicator", "scenario"])
    retention_ax = figure.axes[0]
    points = [ln for ln in retention_ax.get_lines() if ln.get_marker() == "o"]
    plotted = sorted(float(ln.get_xdata()[0]) for ln in points)
    expected = sorted(table.loc["county_retention"]["difference"] * 100)
    assert plotted == pytest.approx(expected)
    words = texts(figure)
    for expected_text in ("Change from the baseline", "Difference (percentage points)",
                          "Difference (CNY)", "County retention", "baseline"):
        assert expected_text in words, expected_text
    assert any(ln.get_xdata()[0] == 0 for ln in retention_ax.get_lines()
               if len(ln.get_xdata()) == 2), "no zero line"


def test_paired_differences_in_chinese(comparison):
    figure = paired_differences(comparison.compare, baseline="baseline", lang="zh")
    words = texts(figure)
    for expected in ("与基线相比的变化", "差值（百分点）", "住院县域内就诊率", "家庭医生签约率",
                     "基线"):
        assert expected in words, expected


def test_lever_response_shows_means_band_and_target(grid):
    parameter = "policy.reimbursement.inpatient.township.ratio"
    figure = lever_response(grid.aggregate, parameter, lang="en", source=grid.source_line())
    assert_png(figure)
    words = texts(figure)
    assert "target 90 %" in words and "95 % CI over replicates" in words
    assert "Inpatient reimbursement ratio, township health centre (%)" in words
    assert "Inpatient reimbursement ratio, city hospital" in words and "45 %" in words
    rows = grid.aggregate[(grid.aggregate["indicator"] == "county_retention")
                          & (grid.aggregate["policy.reimbursement.inpatient.city.ratio"]
                             == 0.45)].sort_values(parameter)
    line = next(ln for ln in figure.axes[0].get_lines()
                if ln.get_label() == "45 %")
    assert list(line.get_xdata()) == pytest.approx([80, 90, 95])
    assert list(line.get_ydata()) == pytest.approx(list(rows["mean"] * 100))
    assert any(len(ln.get_ydata()) == 2 and np.allclose(ln.get_ydata(), 90)
               for ln in figure.axes[0].get_lines()), "no 90 % target line"


def test_lever_response_of_a_sobol_design_in_chinese(sobol):
    figure = lever_response(sobol.aggregate, "policy.family_doctor.gatekeeping.adherence",
                            lang="zh", source=sobol.source_line("zh"))
    assert_png(figure)
    words = texts(figure)
    assert "基层首诊依从率（%）" in words and "目标 90%" in words and "县域内就诊率" in words


def test_sensitivity_chart_sorted_by_total_index(sobol):
    figure = sensitivity_chart(sobol.sensitivity, "county_retention", lang="en",
                               source=sobol.source_line())
    assert_png(figure)
    rows = sobol.sensitivity[(sobol.sensitivity["indicator"] == "county_retention")
                             & (sobol.sensitivity["measure"] == "ST")]
    top = rows.sort_values("value", ascending=False)["parameter"].iloc[0]
    ax = figure.axes[0]
    first_label = min(ax.get_yticklabels(), key=lambda t: t.get_position()[1]).get_text()
    assert first_label == parameter_label(top, "en")
    words = texts(figure)
    assert "total effect ST" in words and "first-order S1" in words
    assert "Which lever matters most for county retention?" in words
    zh = texts(sensitivity_chart(sobol.sensitivity, "primary_share", lang="zh"))
    assert "总效应指数 ST" in zh and "基层就诊率" in zh


def test_sensitivity_chart_needs_indices(sobol):
    with pytest.raises(ValueError, match="no sensitivity indices"):
        sensitivity_chart(sobol.sensitivity, "not_an_indicator")


def test_county_map_draws_tiers_areas_and_out_of_county_flows(run):
    figure = county_map(run.facilities, run.flows, lang="en", source=run.source_line())
    assert_png(figure)
    out = run.flows[~run.flows["in_county"]]
    arrows = [p for p in figure.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(out.groupby(["home_township", "facility"]))
    widths = sorted(a.get_linewidth() for a in arrows)
    assert widths[-1] > widths[0]  # width ∝ episodes
    words = texts(figure)
    for expected in ("Village clinic", "Township health centre", "County hospital",
                     "City hospital", "Township home area", "Treated out of county",
                     f"{int(out['episodes'].sum()):,}", "(km)"):
        assert expected in words, expected
    zh = texts(county_map(run.facilities, run.flows, lang="zh"))
    assert "县外就医" in zh and "乡镇辖区" in zh and "公里" in zh


def test_contract_coverage_of_a_run_and_a_comparison(run, comparison):
    one = contract_coverage(run.timeseries, switches=run.switches, lang="en",
                            source=run.source_line())
    assert_png(one)
    words = texts(one)
    for expected in ("All residents", "Residents 65+", "Chronic patients",
                     "Contracted residents (%)", "policy on (day 30)"):
        assert expected in words, expected
    several = contract_coverage(comparison.timeseries, switches=comparison.switches,
                                baseline="baseline", lang="zh",
                                source=comparison.source_line("zh"))
    assert_png(several)
    words = texts(several)
    for expected in ("家庭医生签约率", "全体居民", "65岁及以上老人", "慢性病患者", "基线"):
        assert expected in words, expected
    assert len([ax for ax in several.axes if ax.get_visible()]) == 3


# ----------------------------------------------------------------------------- languages


def test_chinese_charts_have_every_glyph(run, comparison, sobol, caplog):
    """No 'Glyph ... missing from font(s)' warning and no font fallback in Chinese."""
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for results in (run, comparison, sobol):
            for chart in chart_pack(results, "zh"):
                figure_bytes(chart.draw(), "png", 100)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:3]
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


def test_chinese_uses_the_packaged_noto_font():
    assert fonts.packaged_font() is not None, "install the zh extra: pip install -e '.[zh]'"
    assert fonts.font_families("zh")[0] == "Noto Sans SC"
    assert fonts.font_families("en") == ["DejaVu Sans"]


def test_missing_cjk_font_fails_with_install_hint(monkeypatch):
    latin = [f for f in font_manager.fontManager.ttflist
             if f.name not in fonts.SYSTEM_CJK_FAMILIES]
    monkeypatch.setattr(fonts, "packaged_font", lambda: None)
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    fonts.cjk_family.cache_clear()
    try:
        with pytest.raises(MissingFontError, match=r"pip install 'tieredcare\[zh\]'"):
            fonts.font_families("zh")
        assert fonts.font_families("en") == ["DejaVu Sans"]  # English needs no CJK font
    finally:
        fonts.cjk_family.cache_clear()


def test_unknown_language_is_rejected(comparison):
    with pytest.raises(ValueError, match="unknown language"):
        tier_shares(tier_share_table(comparison.runs), lang="fr")


def test_labels_carry_units():
    assert axis_label("county_retention", "en") == "County retention (%)"
    assert axis_label("county_retention", "zh") == "县域内就诊率（%）"
    assert axis_label("oop_per_episode", "zh") == "次均自付费用（元）"
    assert axis_label("mean_wait_county", "en") == "Mean wait, county hospital (days)"
    assert indicator_label("inpatient_county_retention", "zh") == "住院县域内就诊率"
    assert indicator_label("contract_coverage", "zh") == "家庭医生签约率"
    assert parameter_label("policy.reimbursement.inpatient.township.ratio", "zh") == \
        "住院报销比例（乡镇卫生院）"


# ----------------------------------------------------------------------------- saving


def test_save_figure_writes_print_png_and_vector_formats(comparison, tmp_path):
    figure = tier_shares(tier_share_table(comparison.runs), baseline="baseline")
    files = save_figure(figure, tmp_path / "tiers", ("png", "svg", "pdf"))
    assert [f.name for f in files] == ["tiers.png", "tiers.svg", "tiers.pdf"]
    image = imread(files[0])
    assert image.shape[1] == 8 * 300  # 300 dpi by default
    assert files[1].read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert files[2].read_bytes()[:5] == b"%PDF-"
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(ValueError, match="print resolution"):
        save_figure(figure, tmp_path / "blurred", dpi=100)


def test_plot_results_draws_the_pack_of_each_kind(made, tmp_path):
    names = {kind: sorted(p.name for p in plot_results(getattr(made, kind), out_dir=tmp_path
                                                       / kind, dpi=200))
             for kind in ("run", "compare", "grid", "sobol")}
    assert names["run"] == ["contract_coverage.png", "county_map.png", "equity.png",
                            "retention_over_time.png", "severity.png", "tier_shares.png"]
    assert names["compare"] == ["contract_coverage.png", "equity.png",
                                "paired_differences.png", "retention_over_time.png",
                                "severity.png", "tier_shares.png"]
    assert names["grid"] == ["lever_difference_reimbursement_inpatient_city_ratio.png",
                             "lever_difference_reimbursement_inpatient_township_ratio.png",
                             "lever_reimbursement_inpatient_city_ratio.png",
                             "lever_reimbursement_inpatient_township_ratio.png"]
    assert "sensitivity_county_retention.png" in names["sobol"]
    assert not any(n.startswith("lever_difference") for n in names["sobol"])  # all levers move
    assert not any(n.startswith("sensitivity") for n in names["grid"])  # no table: skipped


def test_plot_command_writes_figures_folder(made, tmp_path):
    import typer

    from tieredcare.viz.cli import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    out = tmp_path / "figs"
    result = runner.invoke(app, ["plot", str(made.compare), "--lang", "zh", "--format", "pdf",
                                 "--out", str(out), "--dpi", "200"])
    assert result.exit_code == 0, result.output
    assert (out / "paired_differences_zh.png").is_file()
    assert (out / "paired_differences_zh.pdf").is_file()
    assert (out / "equity_zh.png").is_file() and (out / "severity_zh.pdf").is_file()
    assert "paired_differences_zh.png" in result.output and "12 files written" in result.output
    bad = runner.invoke(app, ["plot", str(tmp_path)])
    assert bad.exit_code == 2 and "not a results folder" in bad.output
    assert runner.invoke(app, ["plot", str(made.run), "--dpi", "72"]).exit_code == 2


def test_plot_default_folder_is_inside_results(made, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(made.run, copy)
    files = plot_results(copy, dpi=200)
    assert all(f.parent == copy / "figures" for f in files) and len(files) == 6


def test_series_bands_of_a_single_run_has_no_band(run):
    bands = series_bands(run.timeseries, "county_retention")
    assert (bands["runs"] == 1).all() and set(bands["scenario"]) == {"run"}
    assert isinstance(bands, pd.DataFrame) and len(bands) == 3
