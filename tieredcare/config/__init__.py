"""Scenario configuration: the schema, the YAML reader and loader, and input errors."""

from tieredcare.config.errors import ConfigError, ConfigProblem, InputWarning, printable
from tieredcare.config.keys import get_path, set_path
from tieredcare.config.loading import (
    LoadedScenario,
    dump_yaml,
    load_scenario,
    resolved_dict,
    scenario_hash,
)
from tieredcare.config.overrides import parse_overrides
from tieredcare.config.schema import Scenario

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "InputWarning",
    "LoadedScenario",
    "Scenario",
    "dump_yaml",
    "get_path",
    "load_scenario",
    "parse_overrides",
    "printable",
    "resolved_dict",
    "scenario_hash",
    "set_path",
]
