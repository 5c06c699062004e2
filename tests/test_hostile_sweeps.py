"""Careless and hostile sweep files: refused before any plan is built, clearly and quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.hostile import answer, snapshot
from tieredcare.config import ConfigError
from tieredcare.config.schema import World
from tieredcare.experiments import prepare
from tieredcare.experiments.sweepfile import MAX_RUNS
from tieredcare.world.network import build_synthetic, save_graphml

COST = "choice.cost"
RATIO = "policy.reimbursement.inpatient.township.ratio"
BASE = ("name: tiny\nseed: 7\nsimulation: {warmup_days: 1, horizon_days: 5}\n"
        "world: {townships: 2, villages_per_township: 2}\npopulation: {residents: 1000}\n")


def sweep(folder: Path, body: str, name: str = "sweep.yaml") -> Path:
    (folder / "base.yaml").write_text(BASE, encoding="utf-8")
    path = folder / name
    path.write_text(f"base: base.yaml\nseed: 11\n{body}", encoding="utf-8")
    return path


def refused(path: Path, **kwargs: int) -> str:
    with pytest.raises(ConfigError) as info:
        prepare(path, **kwargs)
    return str(info.value)


TEN_VALUES = "[" + ", ".join(f"0.{i}" for i in range(10)) + "]"
HUGE = {
    "grid": "design: grid\nparameters:\n" + "".join(
        f"  {key}: {TEN_VALUES}\n" for key in (
            COST, RATIO, "choice.travel", "choice.wait", "choice.capable", "choice.contract",
            "choice.referred", "policy.capitation.strength", "policy.contract_bonus.ratio_points"
        )),
    "lhs": f"design: lhs\nsamples: 1000000\nreplicates: 1000\nparameters: {{{COST}: "
           "{low: 0.1, high: 1}}\n",
    "sobol": f"design: sobol\nsamples: 524288\nreplicates: 2000\nparameters: {{{COST}: "
             f"{{low: 0.1, high: 1}}, {RATIO}: {{low: 0.5, high: 0.9}}}}\n",
    "replicates": f"design: grid\nreplicates: 100000\nparameters: {{{COST}: {TEN_VALUES}, "
                  f"{RATIO}: {TEN_VALUES}}}\n",
}


@pytest.mark.parametrize("design", sorted(HUGE))
def test_a_design_of_a_billion_runs_is_refused_at_once(design: str, tmp_path: Path) -> None:
    start = time.perf_counter()
    message = refused(sweep(tmp_path, HUGE[design]))
    assert time.perf_counter() - start < 2.0
    assert f"allowed: at most {MAX_RUNS:,}" in message and "--max-runs" in message
    key = {"grid": "parameters", "lhs": "samples", "sobol": "samples",
           "replicates": "replicates"}[design]
    assert f"sweep.yaml: {key}: the sweep would make" in message, message


def test_thousands_of_bad_values_are_answered_as_fast_as_a_few(tmp_path: Path) -> None:
    values = ", ".join(f"{60 + i / 1000:.3f}" for i in range(5000))  # all above the range
    start = time.perf_counter()
    message = refused(sweep(tmp_path, f"design: grid\nparameters: {{{COST}: [{values}]}}\n"))
    assert time.perf_counter() - start < 5.0
    assert f"parameters.{COST}[0]: 60.0 is out of range" in message
    assert "further values not checked" in message


def test_the_run_limit_can_be_set(tmp_path: Path) -> None:
    path = sweep(tmp_path, f"design: grid\nreplicates: 3\nparameters: {{{COST}: [0.4, 0.6]}}\n")
    assert "6 runs" in refused(path, max_runs=5)
    assert len(prepare(path, max_runs=6).runs) == 6


@pytest.mark.parametrize("body, where", [
    (f"design: grid\nparameters: {{{COST}: [0.4, .inf]}}\n", f"parameters.{COST}[1]"),
    (f"design: grid\nparameters: {{{COST}: [.nan]}}\n", f"parameters.{COST}[0]"),
    (f"design: grid\nparameters: {{{COST}: [0.4, yes]}}\n", f"parameters.{COST}[1]"),
    (f"design: lhs\nsamples: 4\nparameters: {{{COST}: {{low: 0, high: .inf}}}}\n",
     f"parameters.{COST}"),
    (f"design: lhs\nsamples: 4\nparameters: {{{COST}: {{low: -.inf, high: 1}}}}\n",
     f"parameters.{COST}"),
    (f"design: lhs\nsamples: 4\nparameters: {{{COST}: {{low: 0, high: 1e400}}}}\n",
     f"parameters.{COST}"),
    (f"design: grid\nparameters: {{{COST}: [1, 2]}}\noverrides: {{costs: {{admission: "
     "{county: .inf}}}\n", "overrides.costs.admission.county"),
    ("design: grid\nreplicates: yes\nparameters: {choice.cost: [1]}\n", "replicates"),
])
def test_non_finite_values_in_a_sweep_are_refused(body: str, where: str, tmp_path: Path) -> None:
    message = refused(sweep(tmp_path, body))
    assert where in message, message


@pytest.mark.parametrize("body, expected", [
    (f"design: grid\ndesign: lhs\nparameters: {{{COST}: [1]}}\n", "duplicate key 'design'"),
    (f"design: grid\nparameters:\n  {COST}: [1]\n  {COST}: [2]\n", f"duplicate key '{COST}'"),
    (f"design: grid\nname: '.'\nparameters: {{{COST}: [1]}}\n", "name: '.' cannot name"),
    (f"design: grid\nname: ../up\nparameters: {{{COST}: [1]}}\n", "cannot name"),
    (f"design: grid\nparameters: {{{COST}: [{{1: a, b: c}}, {{1: a, b: c}}]}}\n",
     f"parameters.{COST}"),
])
def test_sweep_files_that_silently_mean_something_else(body: str, expected: str,
                                                       tmp_path: Path) -> None:
    assert expected in refused(sweep(tmp_path, body))


def test_an_empty_sweep_file_and_a_bad_file_name(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n", encoding="utf-8")
    assert "no keys" in refused(empty)
    odd = sweep(tmp_path, f"design: grid\nparameters: {{{COST}: [1]}}\n", name=".odd.yaml")
    assert "file name" in refused(odd)


def test_a_sweep_named_after_an_existing_folder(tmp_path: Path) -> None:
    path = sweep(tmp_path, f"design: grid\nname: taken\nparameters: {{{COST}: [0.4]}}\n")
    taken = tmp_path / "results" / "sweeps" / "taken"
    taken.mkdir(parents=True)
    (taken / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    got = answer("sweep", path.name, "--executor", "serial", "--quiet", cwd=tmp_path)
    assert not got.problems(), got.problems()
    assert f"{path.name}: name: gives the results folder" in got.stderr, got.stderr
    assert snapshot(tmp_path) == before  # no lock file, nothing else


@pytest.mark.parametrize("design", ["grid", "sobol"])
def test_the_console_refuses_huge_sweeps_within_bounds(design: str, tmp_path: Path) -> None:
    path = sweep(tmp_path, HUGE[design])
    before = snapshot(tmp_path)
    got = answer("sweep", path.name, "--quiet", cwd=tmp_path)
    assert not got.problems(), got.problems()
    assert snapshot(tmp_path) == before


def test_a_point_with_fewer_residents_than_the_map_has_villages(tmp_path: Path) -> None:
    save_graphml(build_synthetic(World(townships=3, villages_per_township=50), 5000),
                 tmp_path / "county.graphml")
    path = sweep(tmp_path, "design: grid\noverrides: {world: {graphml: county.graphml}}\n"
                           "parameters: {population.residents: [5000, 100]}\n")
    message = refused(path)
    assert "point 1: population.residents (100) is below the 150 populated villages" in message
