"""``--set`` reaching into list items: ``world.counties[0].residents=300000``."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tieredcare.cli import app
from tieredcare.config import ConfigError, load_scenario, parse_overrides

PREFECTURE = ROOT / "scenarios" / "prefecture.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def _problem(path, overrides: list[str]) -> tuple[str | None, str, str]:
    with pytest.raises(ConfigError) as info:
        load_scenario(path, overrides)
    [problem] = info.value.problems
    return problem.file, problem.key, problem.message


@pytest.mark.parametrize("key", ["world.counties[1].residents", "world.counties.1.residents"])
def test_an_item_of_a_list_is_merged_key_by_key(key: str) -> None:
    before = load_scenario(PREFECTURE).scenario.world.counties
    after = load_scenario(PREFECTURE, [f"{key}=300000"]).scenario
    counties = after.world.counties
    assert counties[1].residents == 300_000
    # Only that key of that item changes: its name and map, and the other counties, stay.
    assert counties[1].model_copy(update={"residents": before[1].residents}) == before[1]
    assert [c for k, c in enumerate(counties) if k != 1] == \
        [c for k, c in enumerate(before) if k != 1]
    # The prefecture's total follows its counties.
    assert after.population.residents == sum(c.residents for c in counties)


def test_nested_keys_of_a_list_item_merge_into_its_mappings() -> None:
    before = load_scenario(PREFECTURE).scenario.world.counties[1].map
    county = load_scenario(PREFECTURE, ["world.counties[1].map.townships=5",
                                        "world.counties.1.map.county_city_minutes=40"]
                           ).scenario.world.counties[1]
    assert (county.map.townships, county.map.county_city_minutes) == (5, 40)
    assert county.map.map_seed == before.map_seed
    assert county.map.township_county_minutes == before.township_county_minutes


def test_an_item_of_a_list_given_whole_by_an_earlier_item() -> None:
    scenario = load_scenario(PREFECTURE, [
        "world.counties=[{name: a, residents: 1000}, {name: b, residents: 2000}]",
        "world.counties[1].residents=5000"]).scenario
    assert [(c.name, c.residents) for c in scenario.world.counties] == [("a", 1000), ("b", 5000)]


def test_an_invalid_value_in_a_list_item_is_attributed_to_set() -> None:
    file, key, message = _problem(PREFECTURE, ["world.counties[0].residents=-1"])
    assert (file, key) == ("--set", "world.counties[0].residents")
    assert "out of range" in message


@pytest.mark.parametrize("key", ["world.counties[5].residents", "world.counties.9.name"])
def test_an_index_past_the_end_names_the_items_there_are(key: str) -> None:
    file, where, message = _problem(PREFECTURE, [f"{key}=1"])
    index = key.replace(".9", "[9]").split("]")[0] + "]"
    assert (file, where) == ("--set", index)
    assert "world.counties has 5 items: 0–4" in message


def test_an_index_into_an_empty_list() -> None:
    file, key, message = _problem(BASELINE, ["world.counties[0].residents=1000"])
    assert (file, key) == ("--set", "world.counties[0]")
    assert "world.counties is an empty list" in message


@pytest.mark.parametrize(("item", "key", "what"), [
    ("world.map_seed[0]=1", "world.map_seed[0]", "world.map_seed is 1, not a list"),
    ("world.facilities.0.beds=1", "world.facilities[0]",
     "world.facilities is a mapping of keys, not a list"),
    ("world.counties[0].name[0]=x", "world.counties[0].name[0]",
     'world.counties[0].name is "Anhe", not a list'),
])
def test_an_index_into_something_that_is_not_a_list(item: str, key: str, what: str) -> None:
    file, where, message = _problem(PREFECTURE, [item])
    assert (file, where) == ("--set", key)
    assert what in message


@pytest.mark.parametrize("item", ["world.counties[x].residents=1", "world.counties[-1].name=a",
                                  "world.counties[0]residents=1"])
def test_malformed_indices_are_refused(item: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_overrides([item])
    assert info.value.problems[0].file == "--set"
    assert "world.counties[0].residents" in info.value.problems[0].message


def test_the_cli_exits_2_naming_the_key_and_the_items() -> None:
    result = CliRunner().invoke(app, ["validate", str(PREFECTURE), "--set",
                                      "world.counties[7].residents=300000"])
    assert result.exit_code == 2
    # A clean exit (typer.Exit), not an exception escaping the command.
    assert isinstance(result.exception, SystemExit)
    assert "--set: world.counties[7]: no such item: world.counties has 5 items: 0–4" \
        in result.stderr
    assert "Traceback" not in result.output


def test_the_cli_accepts_a_list_item() -> None:
    result = CliRunner().invoke(app, ["validate", str(PREFECTURE), "--set",
                                      "world.counties[0].residents=300000"])
    assert result.exit_code == 0, result.output
