"""Careless and hostile scenario files: each is refused clearly, quickly, and changes nothing.

The bad files are written by the tests. Most cases are checked in-process (fast); the
resource bombs and one case of each class also go through the console script, with the
bounds of :mod:`tests.hostile` (exit 2, no traceback, ≤ 20 s, ≤ 1.5 GB, ≤ 64 kB printed,
nothing written).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BASELINE
from tests.hostile import answer, snapshot
from tieredcare.config import ConfigError, InputWarning, Scenario, load_scenario
from tieredcare.config.introspect import numeric_leaves
from tieredcare.config.keys import get_path, set_path
from tieredcare.config.reader import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES
from tieredcare.preflight import warn_idle_levers

DEFAULTS = Scenario().model_dump(mode="json")
TINY = "population: {residents: 1000}\nsimulation: {warmup_days: 1, horizon_days: 3}\n"


def write(folder: Path, text: str, name: str = "bad.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, overrides: list[str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_scenario(path, overrides)
    return str(info.value)


# ----------------------------------------------------------------------------- numbers


def concrete_keys() -> list[tuple[str, str]]:
    """Every numeric leaf as a concrete dotted key (first list item, first mapping key)."""
    found = []
    for leaf in numeric_leaves():
        key, node, parts = "", DEFAULTS, leaf.key.split(".")
        for part in parts:
            name = part.replace("[]", "").replace("{}", "")
            if name:
                if node[name] is None or node[name] == []:  # world.tables, world.counties:
                    break  # optional sections, tested with them
                node = node[name]
                key = f"{key}.{name}" if key else name
            if "{}" in part:  # a mapping whose keys are data: take its first key
                first = next(iter(node))
                node, key = node[first], f"{key}.{first}"
            if "[]" in part:
                node, key = node[0], f"{key}[0]"
        else:
            found.append((leaf.key, key))
    return found


LEAVES = concrete_keys()


def test_every_number_of_a_scenario_is_bounded_at_both_ends() -> None:
    leaves = list(numeric_leaves())
    assert len(leaves) > 150
    open_ended = [leaf.key for leaf in leaves if not leaf.bounds.closed]
    assert not open_ended, f"numeric fields without a lower and an upper bound: {open_ended}"
    for leaf in leaves:
        assert all(math.isfinite(end) for end in (leaf.bounds.low, leaf.bounds.high))


def scenario_file_with(folder: Path, key: str, value: Any) -> Path:
    """A scenario file setting one value: the list or mapping holding it is written whole
    (lists and service-line mixes replace, they do not merge), the sections above it only
    down to it."""
    slot: str | int
    if key.endswith("]"):
        container, slot = key[:key.rindex("[")], int(key[key.rindex("[") + 1:-1])
    else:
        container, _, slot = key.rpartition(".")
    if not container:
        data: dict = {slot: value}
    else:
        holder = copy.deepcopy(get_path(DEFAULTS, container))
        holder[slot] = value
        data = {}
        set_path(data, container, holder)
    return write(folder, yaml.safe_dump(data, sort_keys=False), "one_bad_value.yaml")


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan, True, "1"],
                         ids=["inf", "-inf", "nan", "bool", "text"])
def test_every_number_refuses_non_finite_booleans_and_text(bad: Any, tmp_path: Path) -> None:
    for generic, key in LEAVES:
        message = problems(scenario_file_with(tmp_path, key, bad))
        assert key in message, (generic, message)
        assert "Traceback" not in message


def test_every_number_refuses_values_outside_its_range(tmp_path: Path) -> None:
    by_key = {leaf.key: leaf for leaf in numeric_leaves()}
    for generic, key in LEAVES:
        bounds = by_key[generic].bounds
        below = bounds.low - (1 if by_key[generic].kind == "int" else 1e-6 * max(
            1.0, abs(bounds.low))) if bounds.low_inclusive else bounds.low
        above = bounds.high + (1 if by_key[generic].kind == "int" else 1e-6 * max(
            1.0, abs(bounds.high))) if bounds.high_inclusive else bounds.high
        for value in (below, above):
            value = int(value) if by_key[generic].kind == "int" else float(value)
            message = problems(scenario_file_with(tmp_path, key, value))
            assert key in message, (generic, value, message)


def test_big_yaml_numbers_are_refused(tmp_path: Path) -> None:
    # 1e309 (no dot) is a number as in YAML 1.2, and too large to be finite.
    assert "finite" in problems(write(tmp_path, "costs: {catastrophic_threshold: 1e309}\n"))
    assert "finite" in problems(write(tmp_path, "costs: {catastrophic_threshold: 1.0e+309}\n"))
    assert "finite" in problems(write(tmp_path, "choice: {cost: .nan}\n"))
    text = "population: {residents: " + "9" * 5000 + "}\n"
    message = problems(write(tmp_path, text))
    assert "5000 digits" in message and "line 1" in message


def test_negative_factors_and_costs_are_refused(tmp_path: Path) -> None:
    message = problems(write(tmp_path, "costs:\n  severity_stay_factor: [-1, 1, 1]\n"
                                       "  outpatient_visit: {village: -5}\n"))
    assert "costs.severity_stay_factor[0]" in message
    assert "costs.outpatient_visit.village" in message


# ----------------------------------------------------------------------------- YAML meaning


@pytest.mark.parametrize("text, key", [
    ("name: a\nname: b\n", "'name'"),
    ("policy:\n  capitation:\n    strength: 0.1\n  capitation:\n    strength: 0.9\n",
     "'capitation'"),
    ("policy:\n  capitation:\n    strength: 0.1\n    strength: 0.9\n", "'strength'"),
    ("costs: {catastrophic_threshold: 0.1, catastrophic_threshold: 0.2}\n",
     "'catastrophic_threshold'"),
], ids=["top", "nested", "leaf", "flow"])
def test_duplicate_keys_are_refused_with_their_lines(text: str, key: str, tmp_path: Path) -> None:
    message = problems(write(tmp_path, text))
    assert f"duplicate key {key}" in message and "first given at line" in message


def test_a_merge_key_is_not_a_duplicate(tmp_path: Path) -> None:
    text = ("x-rule: &rule {ratio: 0.9, deductible: 100}\n"
            "policy: {reimbursement: {inpatient: {township: {<<: *rule, ratio: 0.8}}}}\n")
    # x-rule is not a scenario key: the merge works, the stray anchor holder is reported.
    message = problems(write(tmp_path, text))
    assert "x-rule: unknown key" in message and "duplicate" not in message


@pytest.mark.parametrize("text, key", [
    ("simulation: {warmup_days: yes}\n", "simulation.warmup_days"),
    ("choice: {cost: on}\n", "choice.cost"),
    ("policy: {capitation: {strength: no}}\n", "policy.capitation.strength"),
    ("policy: {telemedicine: {enabled: 1}}\n", "policy.telemedicine.enabled"),
])
def test_booleans_only_for_yes_no_fields(text: str, key: str, tmp_path: Path) -> None:
    message = problems(write(tmp_path, text))
    assert key in message
    assert ("true or false" in message) == key.endswith("enabled")


def test_yes_no_fields_accept_yaml_booleans(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, "policy: {telemedicine: {enabled: yes}}\n"))
    assert loaded.scenario.policy.telemedicine.enabled is True


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "null\n", "~\n", "{}\n",
                                  "--- \n...\n"])
def test_a_file_without_keys_is_refused(text: str, tmp_path: Path) -> None:
    assert "no keys" in problems(write(tmp_path, text))


# ----------------------------------------------------------------------------- resource bombs


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """A 'billion laughs' document whose bomb sits inside a field, not at the top."""
    lines = ["x0: &a0 [" + ", ".join(["1"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"policy: {{county_services: {{add: *a{levels - 1}}}}}")
    return "\n".join(lines) + "\n"


BOMBS = {
    "alias_expansion_in_a_field": alias_bomb(),
    "recursive_alias": "policy: &p {capitation: *p}\n",
    "nested_block_mappings": "".join(" " * i + f"k{i}:\n" for i in range(600)) + " " * 600
    + "v: 1\n",
    "nested_flow_lists": "name: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "long_integer": "seed: " + "7" * 5000 + "\n",
    "many_unknown_keys": "".join(f"key{i:06d}: 1\n" for i in range(20_000)),
    "huge_file": "# " + "x" * (MAX_FILE_BYTES + 10) + "\nname: x\n",
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_resource_bombs_are_refused_in_process(case: str, tmp_path: Path) -> None:
    message = problems(write(tmp_path, BOMBS[case]))
    assert len(message) < 32_000
    if case == "alias_expansion_in_a_field":
        assert f"more than {MAX_VALUES:,} values" in message
    if case.startswith("nested"):
        assert f"deeper than {MAX_DEPTH}" in message
    if case == "huge_file":
        assert f"at most {MAX_FILE_BYTES:,} bytes" in message


def test_special_files_are_refused(tmp_path: Path) -> None:
    assert "folder" in problems(tmp_path)
    assert "not a regular file" in problems(Path("/dev/zero"))
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\xfe\x00\x01\n")
    assert "UTF-8" in problems(binary)


def test_control_characters_in_keys_are_printed_escaped(tmp_path: Path) -> None:
    message = problems(write(tmp_path, 'name: x\n"\\e[2J\\e[31mboom": 1\n'))
    assert "\x1b" not in message and "\\x1b[2J" in message


# ----------------------------------------------------------------------------- warnings


def test_a_lever_that_never_starts_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "simulation: {horizon_days: 100}\n"
                           "policy: {capitation: {strength: 0.5, start_day: 400}}\n")
    with pytest.warns(InputWarning, match="policy.capitation.start_day: 400"):
        found = warn_idle_levers(load_scenario(path).scenario)
    assert len(found) == 1
    quiet = write(tmp_path, "policy: {capitation: {strength: 0.5, start_day: 10}}\n", "ok.yaml")
    assert warn_idle_levers(load_scenario(quiet).scenario) == []


# ----------------------------------------------------------------------------- the CLI


CLI_CASES = {
    **BOMBS,
    "duplicate_key": "name: a\nname: b\n",
    "boolean_days": "simulation: {warmup_days: yes}\n",
    "infinite_cost": "costs: {admission: {county: .inf}}\n",
    "comments_only": "# nothing here\n",
    "escape_codes": '"\\e[2J\\e[31m": 1\n',
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_console_answers_bad_files_within_bounds(case: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    path = write(work, CLI_CASES[case])
    (work / "results" / "baseline").mkdir(parents=True)
    (work / "results" / "baseline" / "keep.txt").write_text("a researcher's file")
    before = snapshot(work)
    for command in ("validate", "run"):
        got = answer(command, path.name, "--quiet", cwd=work) if command == "run" \
            else answer(command, path.name, cwd=work)
        assert not got.problems(), (case, command, got.problems(), got.stderr[-2000:])
        assert "\x1b[2J" not in got.stderr
    assert snapshot(work) == before


def test_a_lever_after_the_horizon_warns_on_the_console(tmp_path: Path) -> None:
    path = write(tmp_path, f"extends: {BASELINE}\nname: late\n{TINY}"
                           "policy: {capitation: {strength: 0.5, start_day: 40}}\n")
    got = answer("validate", path, cwd=tmp_path)
    assert got.code == 0, got.stderr
    assert "Warning:" in got.stderr and "policy.capitation.start_day: 40" in got.stderr
