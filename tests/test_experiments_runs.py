"""Sweeps that really run: executors agree, failures are kept, a killed sweep resumes,
the folder is protected, and analyze / reproduce work on the results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from rich.console import Console
from test_experiments import COST, TINY_BASE, tiny_sweep, write
from typer.testing import CliRunner

from tieredcare.config import Scenario
from tieredcare.experiments import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    SweepStore,
    analyze_sweep,
    prepare,
    reproduce,
    run_sweep,
)
from tieredcare.experiments.tables import consolidate
from tieredcare.results import write_run
from tieredcare.run import simulate
from tieredcare.sweep_cli import _print_report, register
from tieredcare.world.network import build_synthetic, save_graphml

GRID = (f"design: grid\nreplicates: 3\nparameters: {{{COST}: [0.4, 0.8]}}\n"
        "overrides: {simulation.horizon_days: 30}\n")


def cli(*args: str | Path) -> tuple[int, str]:
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "300"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def done_ids(folder: Path) -> set[str]:
    return SweepStore(folder).done_ids()


def sorted_summary(folder: Path) -> pd.DataFrame:
    table = pd.read_parquet(folder / "summary.parquet")
    return table.sort_values(["run_id", "indicator"]).reset_index(drop=True)


def indicator_count(folder: Path) -> int:
    first = next(iter(done_ids(folder)))
    return len(SweepStore(folder).read_run_summary(first)["indicators"])


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 2-point × 3-replicate sweep run serially: (sweep file, folder)."""
    folder = tmp_path_factory.mktemp("grid")
    path = tiny_sweep(folder, GRID)
    with SerialExecutor() as executor:
        report = run_sweep(prepare(path), executor, folder / "serial")
    assert report.status == "complete" and report.done == 6
    return path, folder / "serial"


# ----------------------------------------------------------------------------- the folder


def test_sweep_folder_layout(grid_sweep: tuple[Path, Path]) -> None:
    path, out = grid_sweep
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "sweep" and manifest["status"] == "complete"
    assert manifest["sweep_text"] == path.read_text(encoding="utf-8")
    assert manifest["counts"] == {"runs": 6, "unique_runs": 6, "done": 6, "failed": 0,
                                  "missing": 0}
    assert manifest["design_summary"][COST] == {"min": 0.4, "max": 0.8, "distinct": 2}
    assert len(manifest["replicate_seeds"]) == 3 and manifest["versions"]["SALib"]
    assert manifest["sessions"][0]["executor"] == "serial"
    design = pd.read_parquet(out / "design.parquet")
    assert list(design.columns) == ["run_id", "point", "replicate", "seed", COST]
    for run_id in design["run_id"]:
        files = {p.name for p in (out / "runs" / run_id).iterdir()}
        assert files == {"scenario.yaml", "summary.json", "timeseries.parquet",
                         "groups.parquet"}
    summary = sorted_summary(out)
    assert list(summary.columns)[:6] == ["run_id", "point", "replicate", "seed", "indicator",
                                         "value"]
    assert len(summary) == 6 * indicator_count(out)
    assert not summary.duplicated(["run_id", "indicator"]).any()
    assert not list((out / "runs").glob(".*")), "staging folders left behind"


def test_consolidation_streams_in_chunks(grid_sweep: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = grid_sweep
    store = SweepStore(out)
    whole = sorted_summary(out)
    consolidate(store, store.read_design(), chunk=2)  # three batches of two runs
    pd.testing.assert_frame_equal(sorted_summary(out), whole)


def test_existing_folder_needs_resume_and_the_same_sweep(grid_sweep: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    path, out = grid_sweep
    code, output = cli("sweep", path, "--executor", "serial", "--out", out, "--quiet")
    assert code == 2 and "already holds sweep" in output and "--resume" in output
    code, output = cli("sweep", path, "--executor", "serial", "--out", out, "--resume", "--quiet")
    assert code == 0 and "6 of 6 runs done" in output and "This session: 0 runs" in output
    changed = tiny_sweep(path.parent, GRID.replace("0.8]", "0.9]"), name="changed.yaml")
    code, output = cli("sweep", changed, "--executor", "serial", "--out", out, "--resume")
    assert code == 2 and "holds a different sweep" in output
    write(tmp_path / "other", "notes.txt", "mine")
    code, output = cli("sweep", path, "--executor", "serial", "--out", tmp_path / "other")
    assert code == 2 and "is not a sweep results folder" in output
    # Neither the refused folder nor its file is touched: no lock file is left behind.
    assert [p.name for p in (tmp_path / "other").iterdir()] == ["notes.txt"]
    code, output = cli("sweep", path, "--executor", "serial", "--out", out, "--overwrite",
                       "--quiet")
    assert code == 0 and "6 of 6 runs done" in output and "This session: 6 runs" in output
    assert "Traceback" not in output


def test_resume_redoes_only_missing_runs(grid_sweep: tuple[Path, Path], tmp_path: Path) -> None:
    path, _ = grid_sweep
    out = tmp_path / "copy"
    with SerialExecutor() as executor:  # --resume on a new folder starts the sweep
        assert run_sweep(prepare(path), executor, out, resume=True).done == 6
    victim = sorted(done_ids(out))[0]
    for file in (out / "runs" / victim).iterdir():
        file.unlink()
    (out / "runs" / victim).rmdir()
    kept = {rid: (out / "runs" / rid / "summary.json").stat().st_mtime_ns
            for rid in done_ids(out)}
    with SerialExecutor() as executor:
        report = run_sweep(prepare(path), executor, out, resume=True)
    assert (report.already_done, report.done) == (5, 1)
    assert all((out / "runs" / rid / "summary.json").stat().st_mtime_ns == t
               for rid, t in kept.items())
    assert len(sorted_summary(out)) == 6 * indicator_count(out)


# ----------------------------------------------------------------------------- executors


def test_executors_give_identical_results(grid_sweep: tuple[Path, Path], tmp_path: Path) -> None:
    path, serial = grid_sweep
    plan = prepare(path)
    with ProcessExecutor(workers=2) as executor:
        run_sweep(plan, executor, tmp_path / "processes")
    with DaskExecutor(workers=2) as executor:
        assert executor.workers == 2
        run_sweep(plan, executor, tmp_path / "dask")
    expected = sorted_summary(serial)
    for name in ("processes", "dask"):
        pd.testing.assert_frame_equal(sorted_summary(tmp_path / name), expected)
        manifest = json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["sessions"][0]["executor"] == name
        assert manifest["sessions"][0]["workers"] == 2
        run_id = plan.runs["run_id"].iloc[-1]
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / name / "runs" / run_id / "timeseries.parquet"),
            pd.read_parquet(serial / "runs" / run_id / "timeseries.parquet"))


# ----------------------------------------------------------------------------- failures


def _crowded_map(folder: Path) -> Path:
    """A valid GraphML county of 3 townships × 40 villages (120 populated villages)."""
    world = Scenario.model_validate({"world": {"townships": 3,
                                               "villages_per_township": 40}}).world
    path = folder / "county.graphml"
    save_graphml(build_synthetic(world, 12_000), path)
    return path


def test_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    # A real failure inside simulate, in a worker process: the map was valid when the
    # sweep was planned, and is truncated before its runs start (a file changed under a
    # long sweep), so the workers that read it fail with the map's error.
    county = _crowded_map(tmp_path)
    write(tmp_path, "good.yaml", TINY_BASE)
    write(tmp_path, "mapped.yaml", TINY_BASE.replace(
        "world: {townships: 3, villages_per_township: 4}", "world: {graphml: county.graphml}"))
    path = write(tmp_path, "sweep.yaml", "seed: 3\ndesign: scenarios\nreplicates: 2\n"
                                         "scenarios: [good.yaml, mapped.yaml]\n")
    out = tmp_path / "out"
    plan = prepare(path)
    intact = county.read_bytes()
    county.write_bytes(intact[: len(intact) // 2])
    with ProcessExecutor(2) as executor:
        report = run_sweep(plan, executor, out)
    assert (report.status, report.done, report.failed) == ("incomplete", 2, 2)
    console = Console(record=True, width=300)
    _print_report(console, plan, report, executor.describe(), path)
    output = console.export_text()
    assert "2 of 4 runs done" in output and "(2 failed)" in output
    assert "county.graphml" in output and "--resume" in output
    store = SweepStore(out)
    failed = set(plan.runs.query("point == 1")["run_id"])
    assert store.failed_ids() == failed
    for run_id in failed:
        error = store.read_error(run_id)
        assert "GraphError: " in error["error"] and "not well-formed" in error["error"]
        assert "Traceback (most recent call last)" in error["traceback"]
        assert (out / "runs" / run_id / "scenario.yaml").is_file()
    manifest = store.read_manifest()
    assert manifest["status"] == "incomplete"
    assert manifest["counts"] == {"runs": 4, "unique_runs": 4, "done": 2, "failed": 2,
                                  "missing": 0}
    assert set(store.read_summary()["run_id"]) == set(plan.runs.query("point == 0")["run_id"])
    assert len(store.read_summary()) == 2 * indicator_count(out)

    # While the map is broken, --resume is refused before anything runs.
    code, output = cli("sweep", path, "--executor", "serial", "--out", out, "--resume")
    assert code == 2 and "county.graphml" in output
    # Once it is mended, --resume redoes the failed runs and leaves the rest alone.
    county.write_bytes(intact)
    good = {rid: (out / "runs" / rid / "summary.json").stat().st_mtime_ns
            for rid in store.done_ids()}
    code, output = cli("sweep", path, "--executor", "serial", "--out", out, "--resume",
                       "--quiet")
    assert code == 0 and "This session: 2 runs (0 failed)" in output, output
    assert all((out / "runs" / r / "summary.json").stat().st_mtime_ns == t
               for r, t in good.items())
    assert store.failed_ids() == set() and len(store.done_ids()) == 4


# ----------------------------------------------------------------------------- kill -9


def test_resume_after_kill_9(tmp_path: Path) -> None:
    body = (f"design: grid\nreplicates: 3\nparameters: {{{COST}: [0.4, 0.5, 0.6, 0.7]}}\n"
            "overrides: {population.residents: 20000, simulation.horizon_days: 60}\n")
    path = tiny_sweep(tmp_path, body)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "tieredcare.experiments", "sweep", str(path),
               "--executor", "serial", "--out", str(out), "--quiet"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if len(done_ids(out)) >= 3:
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    finished = done_ids(out)
    assert 3 <= len(finished) < 12, "the sweep must be killed half-way"
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    mtimes = {rid: {f.name: f.stat().st_mtime_ns for f in (out / "runs" / rid).iterdir()}
              for rid in finished}

    resumed = subprocess.run([*command, "--resume"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    plan = prepare(path)
    assert done_ids(out) == set(plan.runs["run_id"])
    for rid, files in mtimes.items():  # finished runs were not redone
        assert {f.name: f.stat().st_mtime_ns for f in (out / "runs" / rid).iterdir()} == files
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 12 * indicator_count(out)
    assert not summary.duplicated(["run_id", "indicator"]).any()
    assert not summary.duplicated(["point", "replicate", "indicator"]).any()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["sessions"][-1]["ran"] == 12 - len(finished)
    assert not list((out / "runs").glob(".*.tmp")) and not list(out.glob(".*.tmp"))


def test_kill_9_leaves_no_worker_processes_behind(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    path = tiny_sweep(tmp_path, f"design: grid\nreplicates: 20\nparameters: {{{COST}: [0.5]}}\n"
                                "overrides: {population.residents: 20000}\n")
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "tieredcare.experiments", "sweep",
                                str(path), "--workers", "2", "--out", str(out), "--quiet"],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and not done_ids(out):
        time.sleep(0.01)
    children = psutil.Process(process.pid).children(recursive=True)
    assert len(children) >= 2
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"orphaned workers: {[p.pid for p in alive]}"


# ----------------------------------------------------------------------------- analyze


def test_analyze_writes_aggregate_and_prints_headline(grid_sweep: tuple[Path, Path]) -> None:
    _, out = grid_sweep
    code, output = cli("analyze", out)
    assert code == 0, output
    assert "county_retention" in output and "Mean over replicates [95% CI]" in output
    table = pd.read_parquet(out / "aggregate.parquet")
    assert len(table) == 2 * indicator_count(out)
    assert (table["n"][table["indicator"] == "county_retention"] == 3).all()
    assert COST in table.columns
    code, output = cli("analyze", out, "--indicator", "no_such_indicator")
    assert code == 2 and "unknown indicator" in output


def test_sobol_sweep_end_to_end(tmp_path: Path) -> None:
    body = (f"design: sobol\nsamples: 8\nparameters:\n  {COST}: {{low: 0.2, high: 1.5}}\n"
            "  policy.reimbursement.inpatient.township.ratio: {low: 0.6, high: 0.95}\n"
            "overrides: {simulation.horizon_days: 20, population.residents: 5000}\n")
    path = tiny_sweep(tmp_path, body)
    with SerialExecutor() as executor:
        run_sweep(prepare(path), executor, tmp_path / "out")
    analysis = analyze_sweep(tmp_path / "out", resamples=100)
    table = pd.read_parquet(tmp_path / "out" / "sensitivity.parquet")
    assert analysis.sensitivity is not None
    pd.testing.assert_frame_equal(table, analysis.sensitivity.table)
    rows = table[table["indicator"] == "primary_share"]
    assert len(rows) == 2 * 2  # two parameters × (S1, ST)
    assert np.isfinite(rows["value"]).all() and np.isfinite(rows["conf"]).all()
    assert "visit_share_province" in analysis.sensitivity.skipped
    code, output = cli("analyze", tmp_path / "out", "-i", "primary_share")
    assert code == 0 and "Sensitivity" in output and "ST" in output


# ----------------------------------------------------------------------------- reproduce


def test_reproduce_a_run_folder(tmp_path: Path) -> None:
    scenario = Scenario.model_validate({**_tiny(), "seed": 99})
    folder = write_run(simulate(scenario), tmp_path / "run")
    (check,) = reproduce(folder / "manifest.json")
    assert check.matches and check.seed == 99
    code, output = cli("reproduce", folder / "manifest.json")
    assert code == 0 and "1 of 1 runs reproduced exactly" in output
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["indicators"]["county_retention"] += 1e-12
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    code, output = cli("reproduce", folder)
    assert code == 1 and "mismatch" in output and "county_retention" in output


def test_reproduce_a_sweep(grid_sweep: tuple[Path, Path], tmp_path: Path) -> None:
    path, _ = grid_sweep
    out = tmp_path / "sweep"
    with SerialExecutor() as executor:
        run_sweep(prepare(path), executor, out)
    checks = reproduce(out / "manifest.json", runs=2)
    assert len(checks) == 2 and all(c.matches for c in checks)
    code, output = cli("reproduce", out / "manifest.json", "--runs", "all", "--workers", "2")
    assert code == 0 and "6 of 6 runs reproduced exactly" in output
    victim = sorted(done_ids(out))[0]
    summary_file = out / "runs" / victim / "summary.json"
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    summary["indicators"]["primary_share"] = 0.5
    summary_file.write_text(json.dumps(summary), encoding="utf-8")
    code, output = cli("reproduce", out, "--runs", "all")
    assert code == 1 and "5 of 6 runs reproduced exactly" in output and victim in output
    code, output = cli("reproduce", out, "--runs", "some")
    assert code == 2 and "allowed: a whole number" in output


def _tiny() -> dict:
    import yaml

    return yaml.safe_load(TINY_BASE)
