"""Scenario configuration: the schema and the YAML loader."""

from tieredcare.config.loading import (
    ConfigError,
    ConfigProblem,
    LoadedScenario,
    dump_yaml,
    get_path,
    load_scenario,
    parse_overrides,
    resolved_dict,
    scenario_hash,
    set_path,
)
from tieredcare.config.schema import Scenario

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "LoadedScenario",
    "Scenario",
    "dump_yaml",
    "get_path",
    "load_scenario",
    "parse_overrides",
    "resolved_dict",
    "scenario_hash",
    "set_path",
]
