"""Scenario loading: extends chains, overrides, error messages, hashing and round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tieredcare.config import (
    ConfigError,
    LoadedScenario,
    Scenario,
    dump_yaml,
    get_path,
    load_scenario,
    parse_overrides,
    resolved_dict,
    scenario_hash,
    set_path,
)
from tieredcare.config.scenario_files import load_yaml, resolve_extends

RATIO = "policy.reimbursement.inpatient.township.ratio"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path | None, overrides: list[str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_scenario(path, overrides)
    return info.value


# ----------------------------------------------------------------------------- loading


def test_default_scenario_validates() -> None:
    scenario = Scenario()
    assert Scenario.model_validate(resolved_dict(scenario)) == scenario
    assert scenario.policy.reimbursement.inpatient.township.ratio == pytest.approx(0.85)


def test_name_only_file_loads_with_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "name: x\n")
    loaded = load_scenario(path)
    assert isinstance(loaded, LoadedScenario)
    assert loaded.scenario.name == "x"
    assert loaded.scenario.model_copy(update={"name": "baseline"}) == Scenario()
    assert loaded.path == path
    assert loaded.base_dir == tmp_path.resolve()


def test_no_file_gives_defaults_but_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert load_scenario(None).scenario == Scenario()
    # An empty file is more likely a mistake than a wish to run the 400,000-resident default.
    for text in ("", "# only a comment\n", "null\n", "~\n", "{}\n", "---\n"):
        error = config_error(write(tmp_path, "empty.yaml", text))
        assert "no keys" in str(error), (text, str(error))


def test_partial_nested_section_keeps_sibling_defaults(tmp_path: Path) -> None:
    # TierRule has no default for ratio; the schema defaults are the bottom layer, so
    # setting only the deductible must keep the default ratio (and vice versa).
    path = write(tmp_path, "s.yaml", "policy: {reimbursement: {inpatient: {township: "
                                     "{deductible: 50}}}}\n")
    township = load_scenario(path).scenario.policy.reimbursement.inpatient.township
    assert township.deductible == 50
    assert township.ratio == pytest.approx(0.85)


def test_service_line_mix_is_replaced_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "episodes: {service_lines: {minor_acute: "
                                     "{general: 0.9, dentistry: 0.1}}}\n")
    lines = load_scenario(path).scenario.episodes.service_lines
    assert lines["minor_acute"].shares() == {"general": 0.9, "dentistry": 0.1}
    assert lines["serious"] == Scenario().episodes.service_lines["serious"]


def test_extends_chain_deep_merges(tmp_path: Path) -> None:
    write(tmp_path, "base/root.yaml",
          "seed: 7\npolicy:\n  referral:\n    down_referral_probability: 0.2\n"
          "    recovery_stay_days: 3\npopulation:\n  residents: 5000\n")
    write(tmp_path, "base/mid.yaml",
          "extends: root.yaml\npolicy:\n  referral:\n    recovery_stay_days: 4\n"
          "  family_doctor:\n    gatekeeping:\n      adherence: 0.7\n")
    top = write(tmp_path, "top.yaml",
                "extends: base/mid.yaml\nname: top\npolicy:\n  referral:\n"
                "    down_referral_probability: 0.4\n")

    merged = resolve_extends(top)
    assert "extends" not in merged
    assert merged["policy"]["referral"] == {"down_referral_probability": 0.4,
                                            "recovery_stay_days": 4}

    scenario = load_scenario(top).scenario
    assert scenario.name == "top"
    assert scenario.seed == 7
    assert scenario.population.residents == 5000
    assert scenario.policy.referral.down_referral_probability == pytest.approx(0.4)
    assert scenario.policy.referral.recovery_stay_days == pytest.approx(4)
    assert scenario.policy.family_doctor.gatekeeping.adherence == pytest.approx(0.7)
    assert scenario.policy.family_doctor.renewal_probability == pytest.approx(0.713)


def test_lists_replace_rather_than_merge(tmp_path: Path) -> None:
    write(tmp_path, "parent.yaml", "choice: {quality: [1, 2, 3, 4]}\n")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nchoice: {quality: [5, 6, 7, 8]}\n")
    assert load_scenario(child).scenario.choice.quality == [5, 6, 7, 8]


# ----------------------------------------------------------------------------- bad input


def test_unknown_key_suggests_closest(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "policy:\n  reimbursment: {}\n")
    text = str(config_error(path))
    assert f"{path}: policy.reimbursment: unknown key" in text
    assert "did you mean 'reimbursement'?" in text
    assert "allowed: reimbursement, referral_incentives," in text


def test_wrong_type_says_expected_type(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "population:\n  residents: many\n")
    text = str(config_error(path))
    assert f"{path}: population.residents: expected an integer" in text
    assert '"many"' in text
    assert "[persons]" in text


def test_out_of_range_gives_range_and_unit(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml",
                 "policy:\n  reimbursement:\n    inpatient:\n      township:\n        ratio: 1.3\n")
    err = config_error(path)
    assert str(err) == (f"{path}: {RATIO}: 1.3 is out of range; "
                        f"allowed: 0 ≤ value ≤ 1 [share 0–1]")
    assert [(p.file, p.key) for p in err.problems] == [(str(path), RATIO)]


def test_all_problems_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml",
                 "population: {residents: many}\nchoice: {quality: [1, 2, 3, x]}\nbogus: 1\n")
    err = config_error(path)
    keys = {p.key for p in err.problems}
    assert keys == {"population.residents", "choice.quality[3]", "bogus"}
    assert len(str(err).splitlines()) == 3


def test_model_validator_message_passes_through(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "world:\n  village_township_minutes: {low: 30, high: 5}\n")
    text = str(config_error(path))
    assert f"{path}: world.village_township_minutes: high (5.0) must be >= low (30.0)" in text


def test_error_attributed_to_file_that_set_the_key(tmp_path: Path) -> None:
    parent = write(tmp_path, "parent.yaml", "population: {residents: 5}\n")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nseed: -1\n")
    err = config_error(child)
    files = {p.key: p.file for p in err.problems}
    assert files == {"population.residents": str(parent), "seed": str(child)}


def test_missing_extends_file(tmp_path: Path) -> None:
    path = write(tmp_path, "child.yaml", "extends: nowhere.yaml\n")
    err = config_error(path)
    assert [(p.file, p.key) for p in err.problems] == [(str(path), "extends")]
    assert "nowhere.yaml" in str(err)
    assert "not found" in str(err)


def test_extends_cycle_names_both_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    text = str(config_error(a))
    assert "cycle" in text
    assert "a.yaml" in text
    assert "b.yaml" in text
    assert ": extends: " in text


def test_malformed_yaml_gives_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "name: x\nseed: 1\npolicy: {a: 1]\nworld: {}\n")
    err = config_error(path)
    assert err.problems[0].file == str(path)
    assert err.problems[0].key == ""
    assert str(err).startswith(f"{path}: invalid YAML at line 3, column")


def test_malformed_yaml_line_is_one_based(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "name: x\n  seed: 1\n")
    assert "line 2, column" in str(config_error(path))


def test_top_level_must_be_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", "- 1\n- 2\n")
    assert "mapping" in str(config_error(path))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    text = str(config_error(path))
    assert str(path) in text
    assert "not found" in text


def test_override_error_attributed_to_set(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.yaml", "name: ok\n")
    err = config_error(path, ["population.residents=-5"])
    assert [(p.file, p.key) for p in err.problems] == [("--set", "population.residents")]
    assert str(err).startswith("--set: population.residents: -5 is out of range; allowed: 100 ≤")


def test_override_without_equals() -> None:
    with pytest.raises(ConfigError) as info:
        parse_overrides(["population.residents"])
    problem = info.value.problems[0]
    assert (problem.file, problem.key) == ("--set", "")
    assert "key=value" in str(info.value)


@pytest.mark.parametrize("item", ["=5", "a..b=1", ".a=1", "a.=1", "a[]=1", "a[-1]=1",
                                  "[0].b=1", "a[0]b=1"])
def test_override_with_malformed_key(item: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_overrides([item])
    assert info.value.problems[0].file == "--set"


def test_safe_loader_refuses_python_tags(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = write(tmp_path, "evil.yaml",
                 f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ConfigError) as info:
        load_yaml(path)
    assert str(path) in str(info.value)
    assert "line 1" in str(info.value)
    assert not marker.exists()
    with pytest.raises(ConfigError):
        load_scenario(path)
    assert not marker.exists()


# ----------------------------------------------------------------------------- overrides


def test_parse_overrides_types() -> None:
    parsed = parse_overrides(["a.b=0.9", "a.c=true", "d=[1,2]", "e={x: 1}", "f=", "g=text",
                              "a.h=x=y"])
    assert parsed == {"a": {"b": 0.9, "c": True, "h": "x=y"}, "d": [1, 2], "e": {"x": 1},
                      "f": None, "g": "text"}


def test_override_takes_effect(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: s\n")
    township = load_scenario(path, [f"{RATIO}=0.95"]).scenario.policy.reimbursement.inpatient
    assert township.township.ratio == pytest.approx(0.95)
    assert township.township.deductible == pytest.approx(200)


def test_overrides_apply_after_extends(tmp_path: Path) -> None:
    write(tmp_path, "parent.yaml", f"{_nested(RATIO, 0.5)}")
    child = write(tmp_path, "child.yaml", f"extends: parent.yaml\n{_nested(RATIO, 0.6)}")
    assert load_scenario(child).scenario.policy.reimbursement.inpatient.township.ratio == 0.6
    scenario = load_scenario(child, [f"{RATIO}=0.95", "seed=3"]).scenario
    assert scenario.policy.reimbursement.inpatient.township.ratio == pytest.approx(0.95)
    assert scenario.seed == 3


def test_overrides_without_file() -> None:
    loaded = load_scenario(None, ["name=cli"])
    assert loaded.scenario.name == "cli"
    assert loaded.path is None


def _nested(dotted: str, value: object) -> str:
    data: dict = {}
    set_path(data, dotted, value)
    return yaml.safe_dump(data)


# ----------------------------------------------------------------------------- helpers


def test_get_and_set_path() -> None:
    data: dict = {"a": {"b": [1, 2, 3]}}
    set_path(data, "a.c.d", 4)
    set_path(data, "a.b[1]", 20)
    assert data == {"a": {"b": [1, 20, 3], "c": {"d": 4}}}
    assert get_path(data, "a.c.d") == 4
    assert get_path(data, "a.b[2]") == 3
    with pytest.raises(KeyError):
        get_path(data, "a.x")
    with pytest.raises(KeyError):
        set_path(data, "a.b[9]", 1)
    with pytest.raises(KeyError):
        set_path(data, "a.c.d.e", 1)
    assert get_path(resolved_dict(Scenario()), RATIO) == pytest.approx(0.85)


def test_scenario_hash_stable_and_sensitive() -> None:
    base = Scenario()
    first = scenario_hash(base)
    assert len(first) == 16
    assert all(c in "0123456789abcdef" for c in first)
    assert scenario_hash(Scenario()) == first
    changed = Scenario.model_validate(resolved_dict(base) | {"seed": base.seed + 1})
    assert scenario_hash(changed) != first


def test_dump_yaml_round_trip(tmp_path: Path) -> None:
    source = write(tmp_path, "s.yaml", "name: rt\npopulation: {residents: 1234}\n"
                                       "description: 乡镇卫生院\n")
    scenario = load_scenario(source).scenario
    text = dump_yaml(scenario)
    assert "乡镇卫生院" in text
    assert Scenario.model_validate(yaml.safe_load(text)) == scenario
    dumped = write(tmp_path, "dumped.yaml", text)
    assert load_scenario(dumped).scenario == scenario
    assert scenario_hash(load_scenario(dumped).scenario) == scenario_hash(scenario)
