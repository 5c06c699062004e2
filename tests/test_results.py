"""Run folders: complete on success, untouched on failure, JSON without NaN."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tieredcare.results as results
from tieredcare.config import scenario_hash
from tieredcare.run import RunOutput

FILES = {"manifest.json", "scenario.yaml", "timeseries.parquet", "facilities.parquet",
         "flows.parquet", "groups.parquet", "summary.json"}


def strict_json(path: Path) -> object:
    """Load JSON, refusing the non-standard NaN/Infinity tokens."""

    def refuse(token: str) -> object:
        raise ValueError(f"non-standard JSON constant {token} in {path.name}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


class Boom(RuntimeError):
    pass


@pytest.fixture
def fail_second_parquet(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[Path]]:
    """Arm a failure of the second Parquet write; the list returned records the calls."""

    def arm() -> list[Path]:
        real = results.write_parquet
        calls: list[Path] = []

        def write_parquet(path: Path, frame: pd.DataFrame) -> None:
            calls.append(path)
            if len(calls) == 2:
                raise Boom(f"disk full while writing {path.name}")
            real(path, frame)

        monkeypatch.setattr(results, "write_parquet", write_parquet)
        return calls

    return arm


def test_write_run_creates_complete_folder(small_output: RunOutput, tmp_path: Path) -> None:
    target = tmp_path / "runs" / "small"
    assert results.write_run(small_output, target, source="x.yaml", overrides=["seed=3"]) \
        == target
    assert {p.name for p in target.iterdir()} == FILES
    assert [p.name for p in target.parent.iterdir()] == ["small"]  # no temp leftovers
    pd.testing.assert_frame_equal(pd.read_parquet(target / "timeseries.parquet"),
                                  small_output.timeseries)
    pd.testing.assert_frame_equal(pd.read_parquet(target / "flows.parquet"), small_output.flows)
    summary = strict_json(target / "summary.json")
    assert summary["config_hash"] == scenario_hash(small_output.scenario)
    assert summary["episodes"] == small_output.episodes
    manifest = strict_json(target / "manifest.json")
    assert manifest["overrides"] == ["seed=3"] and manifest["source_file"] == "x.yaml"
    assert set(manifest["files"]) | {"manifest.json"} == FILES


def test_summary_json_writes_nan_as_null(small_output: RunOutput, tmp_path: Path) -> None:
    nan_names = [k for k, v in small_output.summary.items() if math.isnan(v)]
    assert nan_names, "expected NaN indicators (no provincial hospital in the small county)"
    target = results.write_run(small_output, tmp_path / "run")
    indicators = strict_json(target / "summary.json")["indicators"]
    assert set(indicators) == set(small_output.summary)
    for name, value in small_output.summary.items():
        if math.isnan(value):
            assert indicators[name] is None, name
        else:
            assert indicators[name] == pytest.approx(value, rel=1e-12), name


def test_write_json_cleans_nan_infinity_and_numpy(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    results.write_json(path, {"nan": float("nan"), "inf": np.float64("inf"),
                              "list": [np.nan, np.int64(3), -np.inf], "ok": np.float32(0.5)})
    assert strict_json(path) == {"nan": None, "inf": None, "list": [None, 3, None], "ok": 0.5}


def test_failure_leaves_no_folder_and_no_leftovers(
        small_output: RunOutput, tmp_path: Path,
        fail_second_parquet: Callable[[], list[Path]]) -> None:
    parent = tmp_path / "runs"
    target = parent / "small"
    calls = fail_second_parquet()
    with pytest.raises(Boom):
        results.write_run(small_output, target)
    assert len(calls) == 2
    assert not target.exists()
    assert list(parent.iterdir()) == [], list(parent.iterdir())


def test_failure_keeps_existing_folder_intact(
        small_output: RunOutput, tmp_path: Path,
        fail_second_parquet: Callable[[], list[Path]]) -> None:
    target = tmp_path / "small"
    results.write_run(small_output, target)
    before = snapshot(target)
    calls = fail_second_parquet()
    with pytest.raises(Boom):
        results.write_run(small_output, target, overrides=["seed=99"])
    assert len(calls) == 2
    assert snapshot(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["small"]


def test_success_replaces_an_older_run_folder_whole(small_output: RunOutput,
                                                   tmp_path: Path) -> None:
    target = tmp_path / "small"
    results.write_run(small_output, target)
    (target / "stale.txt").write_text("from an older run")
    results.write_run(small_output, target)
    assert {p.name for p in target.iterdir()} == FILES
    assert [p.name for p in tmp_path.iterdir()] == ["small"]


def test_a_folder_that_is_not_a_run_is_never_replaced(small_output: RunOutput,
                                                      tmp_path: Path) -> None:
    target = tmp_path / "small"
    target.mkdir()
    (target / "notes.txt").write_text("a researcher's own file")
    with pytest.raises(FileExistsError, match="unsaved"):
        results.write_run(small_output, target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("small.unsaved-")]
    assert len(kept) == 1 and {p.name for p in kept[0].iterdir()} == FILES
