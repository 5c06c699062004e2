"""Results folders: a command never deletes or overwrites what it did not create."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import BASELINE
from tests.hostile import answer, snapshot
from tieredcare.config import ConfigError, load_scenario
from tieredcare.outputs import OutputTarget, check_output, manifest_kind

TINY = (f"extends: {BASELINE}\npopulation: {{residents: 1000}}\n"
        "world: {townships: 2, villages_per_township: 3}\n"
        "simulation: {warmup_days: 1, horizon_days: 3}\n")


def scenario(folder: Path, name: str, file: str = "s.yaml") -> Path:
    path = folder / file
    path.write_text(TINY + f"name: {name!r}\n" if name is not None else TINY, encoding="utf-8")
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A working folder whose results/ already holds a researcher's own files."""
    (tmp_path / "results" / "other").mkdir(parents=True)
    (tmp_path / "results" / "other" / "table.csv").write_text("1,2,3\n")
    (tmp_path / "results" / "README.md").write_text("my notes\n")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "draft.docx").write_text("a draft")
    return tmp_path


BAD_NAMES = [".", "..", "a/b", "../escape", "/tmp/x", "结果", "-rf", ".hidden", "a\\b", "x" * 81,
             "a b", "a\x1b[2Jb", ""]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_that_is_not_a_folder_name_is_refused(name: str, tmp_path: Path) -> None:
    path = scenario(tmp_path, name)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert f"{path}: name:" in str(info.value)


DANGEROUS = [("file", "."), ("file", ".."), ("--set", "."), ("--set", ".."),
             ("--set", "../mine"), ("--out", "."), ("--out", ".."), ("--out", "results"),
             ("--out", "results/other"), ("--out", "mine"), ("--out", "results/README.md")]


@pytest.mark.parametrize("how, name", DANGEROUS)
def test_a_bad_name_or_out_leaves_every_existing_file_intact(how: str, name: str,
                                                             work: Path) -> None:
    path = scenario(work, name if how == "file" else "tiny")
    before = snapshot(work)
    extra = {"file": [], "--set": ["--set", f"name={name}"], "--out": ["--out", name]}[how]
    got = answer("run", path.name, "--quiet", "--overwrite", *extra, cwd=work)
    assert not got.problems(), (got.problems(), got.stderr)
    assert snapshot(work) == before
    assert (path.name if how == "file" else how) in got.stderr, got.stderr


def test_overwrite_replaces_only_a_run_folder(work: Path) -> None:
    path = scenario(work, "tiny")
    assert answer("run", path.name, "--quiet", cwd=work).code == 0
    first = snapshot(work / "results" / "tiny")
    again = answer("run", path.name, "--quiet", cwd=work)
    assert again.code == 2 and "--overwrite" in again.stderr
    assert snapshot(work / "results" / "tiny") == first
    assert answer("run", path.name, "--quiet", "--overwrite", cwd=work).code == 0
    assert manifest_kind(work / "results" / "tiny") == "run"
    for foreign in ("results", "results/other", "mine", "."):
        before = snapshot(work)
        got = answer("run", path.name, "--quiet", "--overwrite", "--out", foreign, cwd=work)
        assert got.code == 2, (foreign, got.stderr)
        assert snapshot(work) == before


def test_a_run_folder_is_not_replaced_by_a_comparison(work: Path) -> None:
    base, other = scenario(work, "base", "a.yaml"), scenario(work, "other", "b.yaml")
    assert answer("run", base.name, "--quiet", "--out", "out", cwd=work).code == 0
    before = snapshot(work)
    got = answer("compare", base.name, other.name, "--replicates", "2", "--workers", "1",
                 "--out", "out", "--overwrite", "--quiet", cwd=work)
    assert got.code == 2 and "holds run results, not compare results" in got.stderr
    assert snapshot(work) == before


def test_an_empty_folder_may_be_used(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    check_output(OutputTarget(tmp_path / "empty", "--out"), "run")


def test_files_links_and_the_working_folder_are_refused(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    (tmp_path / "deep").mkdir()
    cases = {"file.txt": "is a file", "link": "symbolic link", ".": "working folder",
             "..": "working folder", "file.txt/sub": "is a file", "a" * 300: "bytes"}
    for out, expected in cases.items():
        with pytest.raises(ConfigError) as info:
            check_output(OutputTarget(Path(out), "--out"), "run", overwrite=True)
        assert expected in str(info.value), (out, str(info.value))
    monkeypatch.chdir(tmp_path / "deep")
    with pytest.raises(ConfigError, match="working folder"):
        check_output(OutputTarget(tmp_path, "--out"), "run", overwrite=True)


def test_a_name_derived_folder_names_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "results" / "tiny").mkdir(parents=True)
    (tmp_path / "results" / "tiny" / "x.txt").write_text("x")
    target = OutputTarget(tmp_path / "results" / "tiny", "tiny.yaml", "name")
    with pytest.raises(ConfigError) as info:
        check_output(target, "run")
    assert str(info.value).startswith("tiny.yaml: name: gives the results folder")


def test_plot_and_report_never_replace_foreign_files(work: Path) -> None:
    path = scenario(work, "tiny")
    assert answer("run", path.name, "--quiet", cwd=work).code == 0
    before = snapshot(work)
    got = answer("plot", "results/tiny", "--out", "mine", cwd=work)
    assert got.code == 2 and "mine" in got.stderr
    got = answer("report", "results/tiny", "--out", "results/README.md", cwd=work)
    assert got.code == 2 and "never replaced" in got.stderr
    assert snapshot(work) == before
    assert answer("plot", "results/tiny", "--out", "charts", cwd=work).code == 0
    assert manifest_kind(work / "charts") == "figures"
    assert answer("plot", "results/tiny", "--out", "charts", cwd=work).code == 0  # again
    assert answer("report", "results/tiny", "--out", "brief.html", cwd=work).code == 0
    assert answer("report", "results/tiny", "--out", "brief.html", cwd=work).code == 0
