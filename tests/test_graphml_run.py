"""A county exported to GraphML and loaded back runs exactly like the synthetic one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.conftest import make_small
from tieredcare.config import load_scenario
from tieredcare.run import simulate
from tieredcare.world.network import build_synthetic, save_graphml


def test_run_on_exported_map_matches_the_synthetic_run(tmp_path: Path) -> None:
    scenario = make_small()
    save_graphml(build_synthetic(scenario.world, scenario.population.residents),
                 tmp_path / "maps" / "county.graphml")
    scenario_file = tmp_path / "mapped.yaml"
    scenario_file.write_text(
        "name: small\nseed: 12345\nsimulation: {warmup_days: 30, horizon_days: 90}\n"
        "world: {graphml: maps/county.graphml}\npopulation: {residents: 20000}\n",
        encoding="utf-8")
    loaded = load_scenario(scenario_file)  # the map path is relative to the scenario file

    from_file = simulate(loaded.scenario, base_dir=loaded.base_dir)
    synthetic = simulate(scenario)

    pd.testing.assert_frame_equal(from_file.timeseries, synthetic.timeseries)
    pd.testing.assert_series_equal(pd.Series(from_file.summary), pd.Series(synthetic.summary))
    assert from_file.facilities["facility"].tolist() == synthetic.facilities["facility"].tolist()
