"""The ``tieredcare`` console script, run as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tieredcare.config import load_scenario, resolved_dict, scenario_hash

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SCRIPT = Path(sys.executable).parent / "tieredcare"
FILES = {"manifest.json", "scenario.yaml", "timeseries.parquet", "facilities.parquet",
         "flows.parquet", "groups.parquet", "summary.json"}
RECOVERY = "policy.referral.recovery_stay_days"

SMALL_YAML = f"""\
extends: {BASELINE}
name: cli_small
description: Small county for the CLI tests
simulation:
  warmup_days: 30
  horizon_days: 90
world:
  townships: 4
  villages_per_township: 5
population:
  residents: 20000
"""


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def cli(*args: str | Path, cwd: Path | None = None, columns: int | None = 400) -> Result:
    """Run the console script. Rich wraps output at $COLUMNS (80 if unset) when not on a
    terminal; a wide default keeps these tests independent of the temp-dir depth."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    done = subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)
    return Result(done.returncode, done.stdout, done.stderr)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    (folder / "small.yaml").write_text(SMALL_YAML, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def plain_run(work: Path) -> Path:
    """``tieredcare run small.yaml`` with no seed or overrides."""
    out = work / "plain"
    result = cli("run", work / "small.yaml", "--out", out, "--quiet")
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


@pytest.fixture(scope="module")
def seeded_run(work: Path) -> Path:
    """``tieredcare run small.yaml --seed 7 --set policy.referral.recovery_stay_days=5``."""
    out = work / "seeded"
    result = cli("run", work / "small.yaml", "--seed", "7", "--set", f"{RECOVERY}=5",
                 "--out", out, "--quiet")
    assert result.code == 0, result.stderr
    return out


def test_console_script_exists() -> None:
    assert SCRIPT.is_file(), f"console script not installed at {SCRIPT}"


def test_run_writes_results_folder(plain_run: Path, work: Path) -> None:
    assert {p.name for p in plain_run.iterdir()} == FILES
    assert not [p for p in work.iterdir() if p.name.startswith(".")], "temp leftovers"
    manifest = read_json(plain_run / "manifest.json")
    loaded = load_scenario(work / "small.yaml").scenario
    assert manifest["seed"] == loaded.seed
    assert manifest["scenario"] == "cli_small"
    assert manifest["config_hash"] == scenario_hash(loaded)
    assert manifest["resolved_config"] == resolved_dict(loaded)
    assert {"python", "numpy", "mesa", "pandas", "tieredcare"} <= set(manifest["versions"])
    assert manifest["overrides"] == []
    summary = read_json(plain_run / "summary.json")
    assert summary["config_hash"] == manifest["config_hash"]
    assert 0.0 < summary["indicators"]["primary_share"] < 1.0
    written = yaml.safe_load((plain_run / "scenario.yaml").read_text(encoding="utf-8"))
    assert written == manifest["resolved_config"]


def test_seed_option_and_set_override(seeded_run: Path, plain_run: Path) -> None:
    manifest = read_json(seeded_run / "manifest.json")
    assert manifest["seed"] == 7
    assert f"{RECOVERY}=5" in manifest["overrides"]
    assert manifest["resolved_config"]["policy"]["referral"]["recovery_stay_days"] == 5
    assert manifest["resolved_config"]["seed"] == 7
    written = yaml.safe_load((seeded_run / "scenario.yaml").read_text(encoding="utf-8"))
    assert written["seed"] == 7 and written["policy"]["referral"]["recovery_stay_days"] == 5
    plain = read_json(plain_run / "manifest.json")
    assert manifest["config_hash"] != plain["config_hash"]
    assert read_json(seeded_run / "summary.json")["indicators"] != \
        read_json(plain_run / "summary.json")["indicators"]


def test_rerun_from_written_scenario_reproduces_summary(plain_run: Path, work: Path) -> None:
    again = work / "again"
    result = cli("run", plain_run / "scenario.yaml", "--out", again, "--quiet")
    assert result.code == 0, result.stderr
    first, second = read_json(plain_run / "summary.json"), read_json(again / "summary.json")
    assert second["seed"] == first["seed"]
    assert second["config_hash"] == first["config_hash"]
    assert second["indicators"] == first["indicators"]
    assert second["episodes"] == first["episodes"]


def test_validate_good_file(work: Path, tmp_path: Path) -> None:
    result = cli("validate", work / "small.yaml")
    assert result.code == 0, result.stderr
    assert "valid" in result.stdout
    # extends given relative to the extending file
    relative = os.path.relpath(BASELINE, tmp_path)
    path = tmp_path / "rel.yaml"
    path.write_text(f"extends: {relative}\nname: rel\n", encoding="utf-8")
    result = cli("validate", path, "--set", f"{RECOVERY}=3")
    assert result.code == 0, result.stderr


BAD_FILES = {
    "unknown_key": ("simulation:\n  warmup_days: 30\n  horizn_days: 90\n",
                    ["simulation.horizn_days", "horizon_days"]),
    "ratio_out_of_range": ("policy:\n  reimbursement:\n    inpatient:\n      township:\n"
                           "        ratio: 1.3\n",
                           ["policy.reimbursement.inpatient.township.ratio", "1.3"]),
    "missing_extends": ("extends: no_such_parent.yaml\nname: x\n",
                        ["extends", "no_such_parent.yaml"]),
    "malformed_yaml": ("population:\n  residents: [20000\nname: x\n", ["line"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_rejected_clearly(case: str, tmp_path: Path) -> None:
    text, expected = BAD_FILES[case]
    extends = "" if "extends:" in text else f"extends: {BASELINE}\n"
    path = tmp_path / f"{case}.yaml"
    path.write_text(extends + text, encoding="utf-8")
    result = cli("validate", path)
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    assert str(path) in result.stderr, result.stderr
    for fragment in expected:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout


BAD_SETS = {
    "not_key_value": (["--set", "recovery_stay_days"], ["--set", "recovery_stay_days"]),
    "wrong_type": (["--set", f"{RECOVERY}=abc"], ["--set", RECOVERY]),
    "unknown_key": (["--set", "policy.referral.no_such_key=1"],
                    ["--set", "policy.referral.no_such_key"]),
    "bad_yaml_value": (["--set", f"{RECOVERY}=[1"], ["--set", RECOVERY]),
}


@pytest.mark.parametrize("case", sorted(BAD_SETS))
def test_bad_set_is_rejected_clearly(case: str, work: Path) -> None:
    args, expected = BAD_SETS[case]
    result = cli("validate", work / "small.yaml", *args)
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    for fragment in expected:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout


def test_run_rejects_bad_input_before_running(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {BASELINE}\npolicy:\n  reimbursement:\n    inpatient:\n"
                    "      township:\n        ratio: 1.3\n", encoding="utf-8")
    out = tmp_path / "out"
    result = cli("run", path, "--out", out, "--quiet")
    assert result.code == 2, result.stderr
    assert str(path) in result.stderr and "township.ratio" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_long_path_survives_in_error_message(tmp_path: Path) -> None:
    folder = tmp_path / ("a_scenario_folder_with_a_rather_long_name_" * 2)
    folder.mkdir()
    path = folder / "bad.yaml"
    path.write_text(f"extends: {BASELINE}\npolicy:\n  reimbursement:\n    inpatient:\n"
                    "      township:\n        ratio: 1.3\n", encoding="utf-8")
    result = cli("validate", path, columns=None)  # as in a log file or CI job
    assert result.code == 2
    assert f"{path}: policy.reimbursement.inpatient.township.ratio" in result.stderr, \
        result.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_too_few_residents_for_the_villages_is_bad_input(command: str, tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    # The default map has 15 × 14 = 210 villages; 150 residents (the schema allows >= 100)
    # cannot give each village one.
    path.write_text(f"extends: {BASELINE}\nname: tiny\npopulation:\n  residents: 150\n"
                    "simulation:\n  warmup_days: 0\n  horizon_days: 1\n", encoding="utf-8")
    result = cli(command, path, "--out", tmp_path / "out", "--quiet") if command == "run" \
        else cli(command, path)
    assert result.code == 2, (result.code, result.stderr[-500:])
    assert "Traceback" not in result.stderr
    assert "residents" in result.stderr


def test_missing_graphml_file_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "mapped.yaml"
    path.write_text(f"extends: {BASELINE}\nname: mapped\nworld:\n  graphml: nothere.graphml\n",
                    encoding="utf-8")
    result = cli("validate", path)
    assert result.code == 2, (result.code, result.stderr[-500:])
    assert "Traceback" not in result.stderr
    assert "nothere.graphml" in result.stderr
