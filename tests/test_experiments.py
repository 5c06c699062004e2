"""Sweeps without running the model: sweep-file validation, designs, seeds, run ids,
executors, aggregation and sensitivity maths, the shipped sweep files and their docs."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from tieredcare.config import ConfigError, Scenario, scenario_hash
from tieredcare.experiments import (
    ProcessExecutor,
    SerialExecutor,
    SweepFile,
    aggregate,
    load_sweep,
    morris_indices,
    prepare,
    run_id,
    sobol_indices,
)
from tieredcare.experiments.designs import design_seed, make_design
from tieredcare.experiments.executors import windowed
from tieredcare.experiments.plan import storable
from tieredcare.streams import replicate_seeds
from tieredcare.sweep_cli import register

ROOT = Path(__file__).resolve().parents[1]
TOWNSHIP = "policy.reimbursement.inpatient.township.ratio"
CITY = "policy.reimbursement.inpatient.city.ratio"
COST = "choice.cost"
CAPACITY = "policy.family_doctor.team_capacity"

TINY_BASE = """\
# A county of 10,000 residents in 3 townships × 4 villages, 10 + 40 days: ~0.05 s a run.
name: tiny
seed: 7
simulation: {warmup_days: 10, horizon_days: 40}
world: {townships: 3, villages_per_township: 4}
population: {residents: 10000}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tiny_sweep(folder: Path, body: str, name: str = "sweep.yaml") -> Path:
    """A sweep file over the tiny base; ``body`` adds design and parameters."""
    write(folder, "base.yaml", TINY_BASE)
    return write(folder, name, f"base: base.yaml\nseed: 11\n{body}")


def problems_of(path: Path) -> list:
    with pytest.raises(ConfigError) as info:
        prepare(path)
    return info.value.problems


# ----------------------------------------------------------------------------- validation

BAD_SWEEPS = {
    "unknown key": (
        "design: grid\ndesing: grid\nparameters: {choice.cost: [0.5]}\n",
        "desing", ["did you mean 'design'", "allowed: name, description, base"]),
    "unknown parameter": (
        "design: grid\nparameters: {policy.reimbursment.inpatient.township.ratio: [0.8]}\n",
        "parameters.policy.reimbursment.inpatient.township.ratio",
        [f"did you mean '{TOWNSHIP}'", "allowed under policy: reimbursement"]),
    "grid value out of range": (
        f"design: grid\nparameters: {{{TOWNSHIP}: [0.8, 1.3]}}\n",
        f"parameters.{TOWNSHIP}[1]", ["1.3 is out of range", "allowed: 0 ≤ value ≤ 1"]),
    "range bound out of range": (
        f"design: lhs\nsamples: 4\nparameters: {{{CAPACITY}: {{low: -5, high: 3000}}}}\n",
        f"parameters.{CAPACITY}.low", ["-5 is out of range", "allowed: 0 ≤ value ≤ 100000"]),
    "grid with a range": (
        f"design: grid\nparameters: {{{COST}: {{low: 0.2, high: 0.9}}}}\n",
        f"parameters.{COST}", ["design grid needs a non-empty list of values"]),
    "lhs with a list": (
        f"design: lhs\nsamples: 4\nparameters: {{{COST}: [0.2, 0.9]}}\n",
        f"parameters.{COST}", ["needs a range {low: …, high: …}"]),
    "sobol with a list": (
        f"design: sobol\nsamples: 8\nparameters: {{{COST}: [0.2, 0.9]}}\n",
        f"parameters.{COST}", ["needs a range"]),
    "range upside down": (
        f"design: lhs\nsamples: 4\nparameters: {{{COST}: {{low: 0.9, high: 0.2}}}}\n",
        f"parameters.{COST}", ["low must be below high"]),
    "sobol samples not a power of 2": (
        f"design: sobol\nsamples: 10\nparameters: {{{COST}: {{low: 0.2, high: 0.9}}}}\n",
        "samples", ["not a power of 2", "allowed: 8, 16, 32"]),
    "lhs without samples": (
        f"design: lhs\nparameters: {{{COST}: {{low: 0.2, high: 0.9}}}}\n",
        "samples", ["required by design lhs"]),
    "not a number for lhs": (
        "design: lhs\nsamples: 4\nparameters: {world.provincial_hospital: {low: 0, high: 1}}\n",
        "parameters.world.provincial_hospital", ["not a number", "design grid"]),
    "seed as a parameter": (
        "design: grid\nparameters: {seed: [1, 2]}\n",
        "parameters.seed", ["set by the sweep"]),
    "bad override": (
        f"design: grid\nparameters: {{{COST}: [0.5]}}\noverrides: {{simulation.horizon_days: 0}}\n",
        "overrides.simulation.horizon_days", ["allowed: 1 ≤ value ≤ 3650"]),
    "unknown design": (
        f"design: factorial\nparameters: {{{COST}: [0.5]}}\n",
        "design", ["'grid', 'lhs', 'sobol', 'morris' or 'scenarios'"]),
    "replicates below 1": (
        f"design: grid\nreplicates: 0\nparameters: {{{COST}: [0.5]}}\n",
        "replicates", ["1 ≤ value"]),
    "invalid design point": (
        "design: grid\nparameters:\n  world.village_township_minutes.low: [10, 40]\n"
        "  world.village_township_minutes.high: [30, 60]\n",
        "parameters.world.village_township_minutes.low",
        ["point world.village_township_minutes.low=40, world.village_township_minutes.high=30",
         "high (30.0) must be >= low (40.0)"]),
}


@pytest.mark.parametrize("case", list(BAD_SWEEPS))
def test_bad_sweep_names_file_key_and_allowed(tmp_path: Path, case: str) -> None:
    body, key, fragments = BAD_SWEEPS[case]
    path = tiny_sweep(tmp_path, body)
    found = [p for p in problems_of(path) if p.key == key]
    assert found, f"no problem at {key}: {problems_of(path)}"
    assert found[0].file == str(path)
    for fragment in fragments:
        assert fragment in found[0].message, str(found[0])


def test_missing_base_file(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", f"base: nowhere.yaml\nseed: 1\nparameters: {{{COST}: [1]}}\n")
    (problem,) = problems_of(path)
    assert (problem.file, problem.key) == (str(path), "base")
    assert "file not found" in problem.message and "relative to the sweep file" in problem.message


def test_design_scenarios_needs_scenarios(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "seed: 1\ndesign: scenarios\n")
    (problem,) = problems_of(path)
    assert (problem.key, problem.file) == ("scenarios", str(path))
    assert "required by design scenarios" in problem.message


def test_missing_seed_is_required(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", TINY_BASE)
    path = write(tmp_path, "s.yaml", f"base: base.yaml\nparameters: {{{COST}: [1]}}\n")
    (problem,) = problems_of(path)
    assert problem.key == "seed" and "required key is missing" in problem.message


def test_problems_of_base_file_name_the_base_file(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "population: {residents: 5}\n")
    path = write(tmp_path, "s.yaml", f"base: base.yaml\nseed: 1\nparameters: {{{COST}: [1]}}\n")
    (problem,) = problems_of(path)
    assert problem.file == str(tmp_path / "base.yaml")
    assert problem.key == "population.residents"


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    body = (f"design: grid\nparameters:\n  {TOWNSHIP}: [1.5]\n  {CITY}: [-1]\n"
            "  choice.cosst: [1]\n")
    keys = {p.key for p in problems_of(tiny_sweep(tmp_path, body))}
    assert keys == {f"parameters.{TOWNSHIP}[0]", f"parameters.{CITY}[0]",
                    "parameters.choice.cosst"}


def test_bad_sweep_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tiny_sweep(tmp_path, f"design: grid\nparameters: {{{TOWNSHIP}: [0.8, 1.3]}}\n")
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Invalid input" in result.output
    assert f"parameters.{TOWNSHIP}[1]: 1.3 is out of range" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- designs


def test_grid_is_the_cartesian_product(tmp_path: Path) -> None:
    path = tiny_sweep(tmp_path, f"design: grid\nreplicates: 3\nparameters:\n"
                                f"  {TOWNSHIP}: [0.8, 0.85, 0.9, 0.95]\n"
                                f"  {CITY}: [0.45, 0.55, 0.65]\n")
    plan = prepare(path)
    points = plan.design.points
    assert list(points.columns) == ["point", TOWNSHIP, CITY]
    assert len(points) == 12 and len(plan.runs) == 36
    assert points.drop(columns="point").drop_duplicates().shape[0] == 12
    # The first parameter varies slowest, as written.
    assert points[TOWNSHIP].tolist()[:3] == [0.8, 0.8, 0.8]
    assert points[CITY].tolist()[:3] == [0.45, 0.55, 0.65]
    scenario = Scenario.model_validate(plan.scenario_of(4, plan.seeds[0]))
    assert scenario.policy.reimbursement.inpatient.township.ratio == 0.85
    assert scenario.policy.reimbursement.inpatient.city.ratio == 0.55


def test_lhs_within_bounds_stratified_rounded_and_seeded(tmp_path: Path) -> None:
    body = (f"design: lhs\nsamples: 20\nparameters:\n  {COST}: {{low: 0.2, high: 0.9}}\n"
            f"  {CAPACITY}: {{low: 1000, high: 3000}}\n")
    sweep = load_sweep(tiny_sweep(tmp_path, body))
    points = make_design(sweep).points
    assert len(points) == 20
    assert points[COST].between(0.2, 0.9).all()
    assert points[CAPACITY].between(1000, 3000).all()
    assert points[CAPACITY].dtype == np.int64
    # Latin hypercube: exactly one point in each of the 20 equal slices of each range.
    slices = np.floor((points[COST] - 0.2) / 0.7 * 20).astype(int)
    assert sorted(slices) == list(range(20))
    again = make_design(load_sweep(tiny_sweep(tmp_path, body))).points
    pd.testing.assert_frame_equal(points, again)
    other = make_design(load_sweep(tiny_sweep(tmp_path, body, name="other.yaml"))).points
    pd.testing.assert_frame_equal(points, other)  # same seed in another file: same points
    reseeded = tiny_sweep(tmp_path, body, name="reseeded.yaml")
    reseeded.write_text(reseeded.read_text().replace("seed: 11", "seed: 12"))
    assert not make_design(load_sweep(reseeded)).points[COST].equals(points[COST])


def test_sobol_point_count_and_problem(tmp_path: Path) -> None:
    body = (f"design: sobol\nsamples: 8\nparameters:\n  {COST}: {{low: 0.2, high: 0.9}}\n"
            f"  {TOWNSHIP}: {{low: 0.7, high: 0.95}}\n  {CAPACITY}: {{low: 1000, high: 3000}}\n")
    plan = prepare(tiny_sweep(tmp_path, body + "replicates: 2\n"))
    assert len(plan.design.points) == 8 * (3 + 2)
    assert len(plan.runs) == 8 * 5 * 2
    assert plan.design.problem == {"num_vars": 3, "names": [COST, TOWNSHIP, CAPACITY],
                                   "bounds": [[0.2, 0.9], [0.7, 0.95], [1000.0, 3000.0]]}
    assert plan.design.sample.shape == (40, 3)
    assert (plan.design.points[CAPACITY] == np.rint(plan.design.sample[:, 2])).all()


def test_morris_point_count(tmp_path: Path) -> None:
    body = (f"design: morris\nsamples: 5\nlevels: 6\nparameters:\n"
            f"  {COST}: {{low: 0.2, high: 0.9}}\n  {TOWNSHIP}: {{low: 0.7, high: 0.95}}\n")
    assert len(prepare(tiny_sweep(tmp_path, body)).design.points) == 5 * (2 + 1)


def test_design_scenarios_one_point_per_file(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", TINY_BASE)
    write(tmp_path, "b.yaml", TINY_BASE + "policy: {referral: {recovery_stay_days: 3}}\n")
    path = write(tmp_path, "s.yaml", "seed: 1\ndesign: scenarios\nscenarios: [a.yaml, b.yaml]\n"
                                     "replicates: 2\noverrides: {simulation.horizon_days: 20}\n")
    plan = prepare(path)
    assert plan.design.points["scenario_file"].tolist() == ["a.yaml", "b.yaml"]
    assert [s["policy"]["referral"]["recovery_stay_days"] for s in plan.scenarios] == [7.0, 3.0]
    assert all(s["simulation"]["horizon_days"] == 20 for s in plan.scenarios)
    assert len(plan.runs) == 4


def test_overrides_apply_to_every_point(tmp_path: Path) -> None:
    body = (f"design: grid\nparameters: {{{COST}: [0.4, 0.6]}}\n"
            "overrides:\n  simulation: {horizon_days: 25}\n  world.townships: 2\n")
    plan = prepare(tiny_sweep(tmp_path, body))
    for scenario in plan.scenarios:
        assert scenario["simulation"] == {"warmup_days": 10, "horizon_days": 25}
        assert scenario["world"]["townships"] == 2


def test_list_items_and_mapping_entries_as_parameters(tmp_path: Path) -> None:
    body = ("design: grid\nparameters:\n  choice.quality[3]: [10.0, 14.0]\n"
            "  policy.family_doctor.signup_probability.elderly: [0.5, 0.7]\n")
    plan = prepare(tiny_sweep(tmp_path, body))
    last = plan.scenarios[-1]
    assert last["choice"]["quality"][3] == 14.0
    assert last["policy"]["family_doctor"]["signup_probability"]["elderly"] == 0.7


# ----------------------------------------------------------------------------- seeds, run ids


def test_every_point_gets_the_same_replicate_seeds(tmp_path: Path) -> None:
    path = tiny_sweep(tmp_path, f"design: grid\nreplicates: 4\nparameters: {{{COST}: [0.4, 0.6, "
                                f"0.8]}}\n")
    plan = prepare(path)
    expected = replicate_seeds(11, 4)
    assert list(plan.seeds) == expected
    for _, rows in plan.runs.groupby("point"):
        assert rows.sort_values("replicate")["seed"].tolist() == expected


def test_run_ids_are_scenario_hashes_stable_and_distinct(tmp_path: Path) -> None:
    path = tiny_sweep(tmp_path, f"design: grid\nreplicates: 3\n"
                                f"parameters: {{{COST}: [0.4, 0.6]}}\n")
    plan, again = prepare(path), prepare(path)
    assert plan.runs["run_id"].tolist() == again.runs["run_id"].tolist()
    assert plan.sweep_hash == again.sweep_hash
    assert plan.runs["run_id"].is_unique
    assert all(re.fullmatch(r"[0-9a-f]{16}", rid) for rid in plan.runs["run_id"])
    for row in plan.runs.itertuples(index=False):
        scenario = Scenario.model_validate(plan.scenario_of(row.point, row.seed))
        assert scenario_hash(scenario) == row.run_id == run_id(plan.scenarios[row.point], row.seed)


def test_sweep_hash_changes_with_what_is_run(tmp_path: Path) -> None:
    first = prepare(tiny_sweep(tmp_path, f"design: grid\nparameters: {{{COST}: [0.4, 0.6]}}\n"))
    other = prepare(tiny_sweep(tmp_path, f"design: grid\nparameters: {{{COST}: [0.4, 0.7]}}\n",
                               name="other.yaml"))
    described = tiny_sweep(tmp_path, f"description: words only\ndesign: grid\nparameters: "
                                     f"{{{COST}: [0.4, 0.6]}}\n", name="described.yaml")
    assert first.sweep_hash != other.sweep_hash
    assert first.sweep_hash == prepare(described).sweep_hash


def test_design_seed_is_32_bit_and_derived_from_the_sweep_seed(tmp_path: Path) -> None:
    path = tiny_sweep(tmp_path, f"design: grid\nparameters: {{{COST}: [0.4]}}\n")
    seed = design_seed(load_sweep(path))
    assert 0 <= seed < 2**32 and seed == design_seed(load_sweep(path))


def test_storable_turns_mixed_columns_into_json() -> None:
    frame = pd.DataFrame({"a": [1, 2.5], "b": ["x", 1], "c": [[1, 2], [3]], "d": [True, False]})
    out = storable(frame)
    assert out["a"].tolist() == [1, 2.5]
    assert out["b"].tolist() == ['"x"', "1"]
    assert out["c"].tolist() == ["[1, 2]", "[3]"]
    assert out["d"].tolist() == [True, False]


# ----------------------------------------------------------------------------- executors


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def _die_on_zero(x: int) -> int:
    if x == 0:
        os._exit(1)  # a worker lost for real: killed, out of memory, segfault
    return x


def test_serial_executor_reports_errors_and_goes_on() -> None:
    with SerialExecutor() as executor:
        results = dict(executor.map_unordered(_fail_on_three, range(5)))
    assert isinstance(results.pop(3), ValueError)
    assert results == {0: 0, 1: 1, 2: 2, 4: 4}


def test_process_executor_keeps_a_bounded_window() -> None:
    drawn = []

    def tasks():
        for i in range(30):
            drawn.append(i)
            yield i

    with ProcessExecutor(workers=2) as executor:
        seen = 0
        for task, result in executor.map_unordered(_square, tasks()):
            seen += 1
            assert result == task * task
            assert len(drawn) - seen <= 2 * executor.workers
    assert seen == 30


def test_process_executor_survives_a_dying_worker() -> None:
    with ProcessExecutor(workers=2) as executor:
        results = dict(executor.map_unordered(_die_on_zero, range(12)))
    assert sorted(results) == list(range(12))
    assert isinstance(results[0], Exception)
    assert results[11] == 11  # a fresh pool took the tasks after the loss


def test_windowed_never_exceeds_window() -> None:
    from concurrent.futures import Future

    in_flight, peak = set(), [0]

    def submit(task: int) -> Future:
        future: Future = Future()
        future.set_result(task)
        in_flight.add(future)
        peak[0] = max(peak[0], len(in_flight))
        return future

    def first_done(futures: list) -> list:
        in_flight.discard(futures[0])
        return [futures[0]]

    out = [t for t, _ in windowed(submit, first_done, range(10), lambda: 3)]
    assert sorted(out) == list(range(10)) and peak[0] == 3


# ----------------------------------------------------------------------------- aggregation


def test_aggregate_matches_hand_computation() -> None:
    summary = pd.DataFrame({
        "run_id": list("abcdefg"), "point": [0, 0, 0, 0, 1, 1, 2],
        "replicate": [0, 1, 2, 3, 0, 1, 0], "seed": [1, 2, 3, 4, 1, 2, 1],
        "indicator": ["x"] * 7, "value": [1.0, 2.0, 3.0, 4.0, 10.0, np.nan, 5.0],
        COST: [0.4, 0.4, 0.4, 0.4, 0.6, 0.6, 0.8]})
    table = aggregate(summary).set_index("point")
    assert list(table.columns) == [COST, "indicator", "n", "mean", "ci_low", "ci_high", "sd",
                                   "median", "p10", "p90"]
    # Point 0: mean 2.5, sd √(5/3), t(0.975, 3) = 3.182446305284263 (tables).
    sd = (5 / 3) ** 0.5
    half = 3.182446305284263 * sd / 2
    row = table.loc[0]
    assert row["n"] == 4 and row["mean"] == pytest.approx(2.5)
    assert row["sd"] == pytest.approx(sd)
    assert row["ci_low"] == pytest.approx(2.5 - half)
    assert row["ci_high"] == pytest.approx(2.5 + half)
    assert row["median"] == pytest.approx(2.5)
    assert row["p10"] == pytest.approx(1.3) and row["p90"] == pytest.approx(3.7)
    assert row[COST] == 0.4
    # Point 1: the NaN replicate is left out; one value has no interval.
    assert table.loc[1, "n"] == 1 and table.loc[1, "mean"] == 10.0
    assert np.isnan(table.loc[1, "ci_low"]) and np.isnan(table.loc[1, "sd"])
    assert table.loc[2, "median"] == 5.0


def test_aggregate_level_widens_the_interval() -> None:
    summary = pd.DataFrame({"run_id": list("abc"), "point": [0, 0, 0], "replicate": [0, 1, 2],
                            "seed": [1, 2, 3], "indicator": ["x"] * 3, "value": [1.0, 2.0, 4.0]})
    narrow, wide = aggregate(summary, 0.8).iloc[0], aggregate(summary, 0.99).iloc[0]
    assert wide["ci_high"] - wide["ci_low"] > narrow["ci_high"] - narrow["ci_low"]


# ----------------------------------------------------------------------------- sensitivity


def test_sobol_indices_of_a_known_function() -> None:
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = sobol_sample.sample(problem, 1024, calc_second_order=False, seed=3)
    # y = 4a + b: Var = 16/12 + 1/12, so S1(a) = 16/17, S1(b) = 1/17, c does nothing.
    means = pd.DataFrame({"y": 4 * x[:, 0] + x[:, 1], "flat": np.ones(len(x))})
    result = sobol_indices(problem, means, seed=1, resamples=100)
    s1 = result.table.query("measure == 'S1'").set_index("parameter")["value"]
    st = result.table.query("measure == 'ST'").set_index("parameter")["value"]
    assert s1["a"] == pytest.approx(16 / 17, abs=0.03)
    assert s1["b"] == pytest.approx(1 / 17, abs=0.03)
    assert abs(st["c"]) < 0.01
    assert result.skipped == {"flat": "constant over the design"}
    assert list(result.table.columns) == ["indicator", "parameter", "measure", "value", "conf"]
    assert result.table["conf"].notna().all()


def test_morris_measures_of_a_known_function() -> None:
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    x = morris_sample.sample(problem, 20, num_levels=4, seed=2)
    means = pd.DataFrame({"y": 3 * x[:, 0]})
    table = morris_indices(problem, x, means, levels=4, seed=1, resamples=50).table
    mu_star = table.query("measure == 'mu_star'").set_index("parameter")["value"]
    assert mu_star["a"] == pytest.approx(3.0) and mu_star["b"] == pytest.approx(0.0)


def test_sensitivity_skips_indicators_undefined_somewhere() -> None:
    problem = {"num_vars": 1, "names": ["a"], "bounds": [[0, 1]]}
    means = pd.DataFrame({"y": [0.1, np.nan, 0.3, 0.2, 0.5, 0.4]})
    result = sobol_indices(problem, means, seed=1, resamples=10)
    assert result.table.empty and "1 design points" in result.skipped["y"]


# ----------------------------------------------------------------------------- shipped files


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_sweep_files_are_valid(path: Path) -> None:
    plan = prepare(path)
    assert plan.sweep.spec.name == path.stem
    assert len(plan.runs) == (len(plan.design.points) * plan.sweep.spec.replicates
                              * max(plan.sweep.members, 1))
    if plan.sweep.spec.design == "sobol":
        d = len(plan.sweep.parameters)
        assert 5 <= d <= 8 and len(plan.design.points) == plan.sweep.spec.samples * (d + 2)


def test_shipped_sweep_files_cover_the_issue() -> None:
    names = {p.stem for p in (ROOT / "scenarios" / "sweeps").glob("*.yaml")}
    assert {"reimbursement_gap", "family_doctor_gatekeeping", "sobol_levers"} <= names
    gap = load_sweep(ROOT / "scenarios" / "sweeps" / "reimbursement_gap.yaml")
    assert gap.bases[0].file.name == "baseline.yaml"
    assert (gap.spec.design, gap.spec.replicates) == ("grid", 10)


def test_docs_describe_every_sweep_key_and_command() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for key in SweepFile.model_fields:
        assert f"`{key}`" in text, key
    for command in ("tieredcare sweep", "tieredcare analyze", "tieredcare reproduce",
                    "--resume", "--scheduler", "bench_sweep.py"):
        assert command in text, command


def test_slurm_job_script_runs_single_threaded_workers_of_this_python() -> None:
    pytest.importorskip("dask_jobqueue")
    from tieredcare.experiments.slurm import slurm_cluster

    cluster = slurm_cluster(cores=4, memory="8GB", walltime="01:00:00", queue="normal",
                            job_extra=["--exclusive"], port=0)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -p normal" in script and "#SBATCH --exclusive" in script
    assert "--nthreads 1" in script and "--nworkers 4" in script
    assert sys.executable in script
