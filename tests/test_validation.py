"""``tieredcare validate-effects``: study files, the verdicts, and a small real run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib import image
from typer.testing import CliRunner

from tests.conftest import ROOT
from tieredcare.cli import app
from tieredcare.config import ConfigError
from tieredcare.validation.judge import direction, in_unit, judge
from tieredcare.validation.studies import load_studies, load_study

STUDIES = ROOT / "validation" / "studies"
TINY = ["--residents", "2000", "--set", "simulation.warmup_days=5",
        "--set", "simulation.horizon_days=20", "--replicates", "2", "--workers", "1",
        "--quiet"]


def study_copy(tmp_path: Path, name: str = "xu2020_hospital_visits", **changes) -> Path:
    """A shipped study file written to a folder of its own, scenario paths made absolute."""
    source = STUDIES / f"{name}.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for arm in ("baseline", "policy"):
        data["scenarios"][arm] = str((source.parent / data["scenarios"][arm]).resolve())
    for key, value in changes.items():
        *parents, last = key.split(".")
        node = data
        for part in parents:
            node = node[part]
        if value is None:
            node.pop(last)
        else:
            node[last] = value
    folder = tmp_path / "studies"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


BAD = [
    ("unknown indicator", {"indicator": "hospital_visit_per_capita"}, "indicator",
     "did you mean hospital_visits_per_capita"),
    ("missing field", {"citation": None}, "citation", "required key is missing"),
    ("unknown key", {"publshed": 1}, "publshed", "did you mean 'published'"),
    ("low not below high", {"published.low": 5.0, "published.high": 1.0}, "published",
     "must be below"),
    ("unknown unit", {"published.unit": "ratio"}, "published.unit", "pp"),
    ("pp of a rate", {"published.unit": "pp"}, "published.unit", "needs a share"),
    ("missing scenario file", {"scenarios.policy": "missing.yaml"}, "scenarios.policy",
     "file not found"),
    ("unknown group", {"indicator": "primary_visits_per_capita@age=elderly"}, "indicator",
     "no group 'elderly' in age"),
]


@pytest.mark.parametrize(("case", "change", "key", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_study_files_are_refused_with_file_and_key(tmp_path: Path, case: str,
                                                       change: dict, key: str,
                                                       words: str) -> None:
    path = study_copy(tmp_path, **change)
    with pytest.raises(ConfigError) as info:
        load_study(path)
    assert any(p.file == str(path) and p.key == key and words in p.message
               for p in info.value.problems), info.value.problems
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["validate-effects", "--studies", str(path.parent),
                                      "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert key in result.output and path.name in result.output
    assert not out.exists()


def test_shipped_study_files_load() -> None:
    studies = load_studies(STUDIES)
    assert len(studies) >= 8
    assert len({s.spec.citation for s in studies}) >= 6
    for study in studies:
        spec = study.spec
        assert spec.published.reported and spec.mapping and spec.known_limits
        assert spec.doi or spec.url
        if spec.published.interval != "reported" or spec.published.unit != "absolute":
            assert spec.published.conversion or spec.published.interval == "reported"


def test_direction_and_verdicts_on_hand_made_numbers() -> None:
    assert direction(0.5, 2.0) == 1 and direction(-3.0, -0.1) == -1
    assert direction(-1.0, 1.0) == 0 and direction(math.nan, 1.0) == 0
    # same direction, point inside the published interval
    v = judge((-23.9, -47.6, -0.2), (-10.0, -12.0, -8.0))
    assert v.direction_agrees and v.within_interval and v.intervals_overlap and v.agrees
    # same direction, too small: outside, intervals apart
    v = judge((55.3, 22.4, 88.2), (3.0, 2.0, 4.0))
    assert v.direction_agrees and not v.within_interval and not v.intervals_overlap
    assert not v.agrees
    # published decrease, model shows no clear effect: the directions differ
    v = judge((-17.5, -28.1, -5.3), (1.0, -2.0, 4.0))
    assert not v.direction_agrees and v.model_direction == 0 and not v.within_interval
    # published null (interval across 0), model null: agree, point inside
    v = judge((0.5, -1.0, 2.0), (0.1, -0.3, 0.4))
    assert v.direction_agrees and v.within_interval and v.agrees
    # the point may lie inside while the directions differ
    v = judge((7.8, 0.3, 15.2), (3.4, -3.3, 10.1))
    assert not v.direction_agrees and v.within_interval and not v.agrees
    # opposite directions, sizes not comparable: only the direction is judged
    v = judge((-0.17, -0.24, -0.094), (2.0, 1.0, 3.0), size_comparable=False)
    assert v.published_direction == -1 and v.model_direction == 1
    assert not v.direction_agrees and v.within_interval is None and not v.agrees


def test_model_effects_are_put_in_the_studys_unit() -> None:
    assert in_unit("pp", 0.021, 0.01, 0.03, 0.5) == pytest.approx((2.1, 1.0, 3.0))
    assert in_unit("percent", -0.5, -0.6, -0.4, 2.0) == pytest.approx((-25.0, -30.0, -20.0))
    assert in_unit("absolute", 1.5, 1.0, 2.0, 9.0) == (1.5, 1.0, 2.0)
    assert all(math.isnan(x) for x in in_unit("percent", 1.0, 0.5, 1.5, 0.0))
    with pytest.raises(ValueError, match="unknown unit"):
        in_unit("ratio", 1.0, 0.0, 2.0, 1.0)


def test_a_small_run_writes_the_report_chart_and_table(tmp_path: Path) -> None:
    study_copy(tmp_path, "xu2020_hospital_visits")
    study_copy(tmp_path, "cai2025_primary_care_visits")
    out = tmp_path / "validation"
    result = CliRunner().invoke(app, ["validate-effects", "--studies",
                                      str(tmp_path / "studies"), "--out", str(out), *TINY])
    assert result.exit_code == 0, result.output
    report = (out / "report.md").read_text(encoding="utf-8")
    for words in ("| study | design |", "Xu et al. 2020: hospital visits",
                  "Cai et al. 2025: PHC visits, adults 45+", "## The studies",
                  "The pilot reduced hospital visits by 23.9% (p=0.048)"):
        assert words in report
    png = (out / "validation.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    pixels = image.imread(out / "validation.png")
    assert pixels.shape[0] > 500 and pixels.shape[1] > 1000
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 10  # not blank
    table = pd.read_parquet(out / "validation.parquet")
    assert list(table["study"]) == ["cai2025_primary_care_visits", "xu2020_hospital_visits"]
    assert {"label", "design", "indicator", "unit", "published_value", "published_low",
            "published_high", "model_effect", "model_low", "model_high", "replicates",
            "direction_agrees", "within_interval", "agrees"} <= set(table.columns)
    assert (table["replicates"] == 2).all()
    assert table[["model_low", "model_high"]].notna().all().all()
    manifest = yaml.safe_load((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "validation" and len(manifest["studies"]) == 2
    for study in manifest["studies"]:
        assert (out / study["runs"] / "compare.parquet").is_file()
    again = CliRunner().invoke(app, ["validate-effects", "--studies",
                                     str(tmp_path / "studies"), "--out", str(out), *TINY])
    assert again.exit_code == 2 and "--overwrite" in again.output


@pytest.mark.slow
def test_full_validation_run(tmp_path: Path) -> None:
    out = tmp_path / "validation"
    result = CliRunner().invoke(app, ["validate-effects", "--studies", str(STUDIES),
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "validation.parquet")
    assert len(table) == len(list(STUDIES.glob("*.yaml")))
    assert table["model_effect"].notna().all()
