"""The one-file HTML briefing: every chart embedded, key numbers, provenance."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest
import typer
from typer.testing import CliRunner

from tests.test_viz import PNG_SIGNATURE, Folders, folders
from tieredcare.viz import build_report, chart_pack, load_results, write_report
from tieredcare.viz.cli import register
from tieredcare.viz.report_values import format_difference, format_value

IMG = re.compile(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')
CAPTION = re.compile(r'<figure id="([a-z_]+)">.*?<figcaption>([^<]*)</figcaption>', re.S)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Folders:
    return folders(tmp_path_factory)


class _Tags(HTMLParser):
    """Counts opened and closed tags, to check the document is well formed."""

    VOID = {"meta", "img", "br", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def well_formed(text: str) -> bool:
    parser = _Tags()
    parser.feed(text)
    return not parser.errors and not parser.stack


def test_compare_report_has_every_chart_key_numbers_and_provenance(made, tmp_path):
    target = write_report(made.compare, out=tmp_path / "brief.html")
    text = target.read_text(encoding="utf-8")
    results = load_results(made.compare)
    images = IMG.findall(text)
    assert len(images) == text.count("<img") == len(chart_pack(results)) == 6
    for data in images:
        assert base64.b64decode(data)[:8] == PNG_SIGNATURE
    manifest = results.manifest
    for name, digest in manifest["config_hashes"].items():
        assert digest in text, name
    for seed in manifest["seeds"]:
        assert str(seed) in text
    assert manifest["git_commit"] in text and manifest["versions"]["mesa"] in text
    row = results.compare.set_index(["indicator", "scenario"]).loc[("county_retention",
                                                                   "wider_gap")]
    assert format_difference("county_retention", row["difference"], row["ci_low"],
                             row["ci_high"], "en") in text
    for expected in ("Key numbers", "Charts", "Scenarios", "Provenance", "County retention",
                     "Figure 6.", "common random numbers", "a.yaml", "not recorded",
                     "Care forgone", "Concentration index of primary-care use"):
        assert expected in text, expected
    captions = dict(CAPTION.findall(text))
    assert captions["severity"].startswith("Figure 4. Where each severity (1–4) is treated")
    assert captions["equity"].startswith("Figure 6. Equity by income group, baseline vs each "
                                         "scenario, with the 95 % interval")
    assert well_formed(text)
    assert not list(tmp_path.glob(".*.tmp"))


def test_default_report_name_and_chinese_report(made, tmp_path):
    import shutil

    copy = tmp_path / "compare"
    shutil.copytree(made.compare, copy)
    english, chinese = write_report(copy), write_report(copy, lang="zh")
    assert (english.name, chinese.name) == ("report.html", "report_zh.html")
    text = chinese.read_text(encoding="utf-8")
    for expected in ('lang="zh-CN"', "主要指标", "县域内就诊率", "基层就诊率", "家庭医生签约率",
                     "基线", "个百分点", "数据来源与可重复性", "图6", "未就医比例",
                     "45岁及以上越级就诊比例"):
        assert expected in text, expected
    assert text.count("<img") == 6
    captions = dict(CAPTION.findall(text))
    assert captions["severity"] == "图4. 各严重程度（1–4）病例在哪一级机构诊治"
    assert captions["equity"].startswith("图6. 不同收入组的公平性")


def test_run_report_names_seed_and_config_hash(made):
    results = load_results(made.run)
    text = build_report(results)
    assert text.count("<img") == len(chart_pack(results)) == 6
    captions = dict(CAPTION.findall(text))
    assert captions["severity"] == "Figure 3. Where each severity (1–4) is treated: shares " \
        "of treated episodes by tier"
    assert captions["equity"].startswith("Figure 5. Equity by income group: care forgone")
    assert results.manifest["config_hash"] in text
    assert str(results.manifest["seed"]) in text
    assert format_value("county_retention", results.indicators["county_retention"], "en") \
        in text
    assert "Resolved configuration of campaign" in text and "pytest" in text
    assert well_formed(text)


def test_sweep_report_has_design_points_and_sensitivity(made):
    results = load_results(made.sobol)
    text = build_report(results)
    assert text.count("<img") == len(chart_pack(results))
    assert results.manifest["sweep_hash"] in text
    assert "Sensitivity of county retention" in text and "Gatekeeping adherence" in text
    assert str(results.manifest["replicate_seeds"][0]) in text
    grid = build_report(load_results(made.grid), "zh")
    # Two levers, each drawn as levels and as paired differences from point 0.
    assert "住院报销比例（乡镇卫生院）" in grid and grid.count("<img") == 4
    assert "与设计点0的配对差值" in grid
    assert well_formed(grid)


def test_report_command(made, tmp_path):
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    out = tmp_path / "b.html"
    result = runner.invoke(app, ["report", str(made.compare), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "Report:" in result.output
    bad = runner.invoke(app, ["report", str(tmp_path)])
    assert bad.exit_code == 2 and "not a results folder" in bad.output


def test_number_formats():
    assert format_value("county_retention", 0.8812, "en") == "88.1 %"
    assert format_value("county_retention", 0.8812, "zh") == "88.1%"
    assert format_value("oop_per_episode", 170.4, "en") == "170"
    assert format_value("visits_per_capita", 5.904, "en") == "5.90"
    assert format_value("unmet_need", float("nan"), "en") == "–"
    assert format_value("concentration_hospital_use", -0.0476, "en") == "−0.048"
    assert format_value("bypass_45_plus", 0.4365, "zh") == "43.6%"
    assert format_difference("concentration_primary_use", 0.0021, -0.0004, 0.0046, "en") == \
        "+0.002 [−0.000, +0.005]"
    assert format_difference("primary_share", 0.034, 0.031, 0.037, "en") == \
        "+3.4 pp [+3.1, +3.7]"
    assert format_difference("oop_per_episode", -16.9, -17.9, -15.9, "en") == \
        "−16.9 [−17.9, −15.9]"
