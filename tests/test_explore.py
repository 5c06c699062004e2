"""The explorer without a browser: controls from the schema, settings, stopping, downloads.

The browser itself is driven in ``test_explore_browser.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.test_calibration import targets_file
from tieredcare.cli import app
from tieredcare.config import load_scenario, scenario_hash
from tieredcare.config.lever_table import LEVER_TABLE, SEED_DOCUMENTS

pytest.importorskip("solara", reason="the explorer needs the explore extra: "
                                      "pip install 'tieredcare[explore]'")
# Only once Solara is known to be there:
from tieredcare.explore.browser import open_folder, results_folders  # noqa: E402
from tieredcare.explore.levers import (  # noqa: E402
    control,
    control_groups,
    controls,
    with_values,
)
from tieredcare.explore.state import Superseded, open_explorer, stopper  # noqa: E402

SCRIPT = Path(sys.executable).parent / "tieredcare"
ENV = {**os.environ,  # the console script runs in other folders: this checkout's package
       "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
SMALL = ["simulation.warmup_days=20", "simulation.horizon_days=60"]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county read from copies of the example tables: a scenario with relative map paths."""
    home = tmp_path_factory.mktemp("county")
    shutil.copytree(ROOT / "examples" / "county_tables", home / "tables")
    (home / "county.yaml").write_text(yaml.safe_dump({
        "name": "tables", "seed": 5, "simulation": {"warmup_days": 20, "horizon_days": 60},
        "world": {"tables": {"facilities": "tables/facilities.csv",
                             "villages": "tables/villages.csv"}}}), encoding="utf-8")
    return home / "county.yaml"


def test_every_lever_of_the_table_has_controls_named_in_both_languages() -> None:
    groups = control_groups()
    assert [g.number for g in groups] == [0, *(row.number for row in LEVER_TABLE)]
    for group in groups:
        assert group.controls and all(s.number in SEED_DOCUMENTS for s in group.seeds)
        for c in group.controls:
            for lang in ("en", "zh"):
                assert c.label(lang) != c.key.removeprefix("policy."), (c.key, lang)
            assert c.unit and c.source, c.key
    zh = {c.label("zh") for c in controls().values()}
    assert len(zh) == len(controls()), "two controls share a Chinese name"
    for row in LEVER_TABLE:
        assert all((ROOT / "scenarios" / name).is_file() for name in row.scenarios)


def test_controls_take_kind_range_and_default_from_the_schema() -> None:
    ratio = control("policy.reimbursement.inpatient.county.ratio")
    assert (ratio.kind, ratio.default, str(ratio.bounds)) == ("float", 0.75, "≥ 0, ≤ 1")
    assert ratio.slider == (0.0, 1.0, 0.01)
    teams = control("policy.family_doctor.teams_per_township")
    assert teams.kind == "int" and teams.parse("6") == 6
    with pytest.raises(ValueError, match="whole number"):
        teams.parse("6.5")
    assert control("policy.telemedicine.enabled").kind == "bool"
    lines = control("policy.county_services.add")
    assert lines.kind == "choices" and "stroke" in lines.choices
    assert control("population.residents").slider is None  # typed, not slid
    with pytest.raises(KeyError):
        control("policy.telemedicine")


def test_values_outside_the_range_are_refused_in_the_projects_words() -> None:
    base = load_scenario(None).scenario.model_dump()
    scenario, problems = with_values(base, {"policy.capitation.strength": 1.5})
    assert scenario is None
    assert problems == ["policy.capitation.strength: 1.5 is out of range; allowed: "
                        "0 ≤ value ≤ 1 [probability]"]
    scenario, problems = with_values(base, {"policy.capitation.strength": 0.5})
    assert problems == [] and scenario.policy.capitation.strength == 0.5


def test_a_setting_is_named_for_its_own_results_folder(county: Path) -> None:
    explorer = open_explorer(county, 3000)
    assert explorer.setting({})[0] is explorer.scenario
    same = {"policy.capitation.strength": explorer.base_value("policy.capitation.strength")}
    assert explorer.setting(same)[0] is explorer.scenario
    changed, problems = explorer.setting({"policy.capitation.strength": 0.6})
    assert not problems and changed.name == "tables_explored"
    assert "policy.capitation.strength" in changed.description
    assert changed.population.residents == 3000


def test_the_downloaded_file_runs_from_any_folder_as_the_same_scenario(
        county: Path, tmp_path: Path) -> None:
    explorer = open_explorer(county, 3000)
    setting, _ = explorer.setting({"policy.telemedicine.enabled": True})
    elsewhere = tmp_path / "downloads" / "tables_explored.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(explorer.scenario_yaml(setting), encoding="utf-8")
    again = load_scenario(elsewhere).scenario
    assert Path(again.world.tables.villages).is_absolute()
    relative = again.model_copy(update={"world": setting.world})
    assert scenario_hash(relative) == scenario_hash(setting)


def test_a_run_stops_at_the_next_day_once_it_is_not_wanted(county: Path) -> None:
    explorer = open_explorer(county, 3000)
    days: list[int] = []
    wanted = threading.Event()
    wanted.set()
    check = stopper(wanted.is_set)

    def progress(done: int) -> None:
        days.append(done)
        if done == 5:
            wanted.clear()  # a newer setting came during day 5
        check(done)

    with pytest.raises(Superseded):
        explorer.run(explorer.scenario, progress)
    assert days == [1, 2, 3, 4, 5], "the run went on after it was no longer wanted"


def test_bad_scenarios_are_refused_before_the_server_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy:\n  capitation: {strength: 1.5}\n", encoding="utf-8")
    for args, words in ((["missing.yaml"], "file not found"),
                        ([str(bad)], "1.5 is out of range; allowed: 0 ≤ value ≤ 1"),
                        (["--residents", "150"], "every village needs a resident")):
        done = subprocess.run([str(SCRIPT), "explore", *args, "--port", "0"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, env=ENV)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Invalid input" in done.stderr and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_a_port_in_use_is_refused(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["explore", "--residents", "3000", "--port",
                                          str(port)])
    assert result.exit_code == 2
    assert f"--port {port}: cannot listen there" in result.output


def test_results_folders_are_found_and_a_calibration_is_shown(tmp_path: Path) -> None:
    path = targets_file(tmp_path)
    out = tmp_path / "results" / "calibration" / "small_fit"
    result = CliRunner().invoke(app, ["calibrate", str(path), "--trials", "2", "--replicates",
                                      "1", "--workers", "1", "--ensemble", "0", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    (tmp_path / "results" / "notes").mkdir()
    assert results_folders(tmp_path / "results") == [out]
    shown = open_folder(out, "en")
    assert shown.kind == "calibration" and "county_retention" in shown.fit
    assert "<table" in shown.trials and "choice" in shown.best
    with pytest.raises(ValueError, match="not a results folder"):
        open_folder(tmp_path / "results" / "notes", "en")
