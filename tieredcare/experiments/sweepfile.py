"""Sweep files: what a sweep varies, how it samples it, and over how many seeds.

A sweep file names a base scenario, the parameters to vary (dotted scenario keys, the same
names as in scenario files and the README's parameter table), a design that samples them,
and the number of replicate seeds. :func:`load_sweep` validates all of it before anything
runs and reports every problem as a :class:`~tieredcare.config.ConfigError` naming the
sweep file, the key path (``parameters.<key>``) and what is allowed.

This module reads the file, loads its base scenarios and ensemble, and gathers the
problems; what the keys are and what each design needs of them is in :mod:`.spec`, the
checks of the parameters and overrides in :mod:`.parameters`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tieredcare.config import ConfigError, ConfigProblem, load_scenario
from tieredcare.config.errors import MAX_PROBLEMS
from tieredcare.config.keys import format_key
from tieredcare.config.messages import message
from tieredcare.config.reader import read_input_text
from tieredcare.config.scenario_files import load_yaml
from tieredcare.config.schema import check_name
from tieredcare.experiments.members import calibrated_key_problems, open_ensemble
from tieredcare.experiments.parameters import flat_overrides, parameter_problems
from tieredcare.experiments.points import Base, build_point, leaf_kind, point_problems
from tieredcare.experiments.spec import SweepFile, design_problems, size_problems

if TYPE_CHECKING:
    from tieredcare.calibration.members import Ensemble

MAX_RUNS = 100_000
"""Most runs (design points × replicates) a sweep may plan unless told otherwise: about
ten hours on two cores at 100,000 residents; ``--max-runs`` raises it for a cluster."""


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file, ready to be designed and run.

    Attributes:
        spec: The sweep file's keys.
        path: The sweep file.
        text: The sweep file's text, kept for the manifest.
        bases: Scenarios the design points start from: one (the base) for parameter
            designs, one per scenario file for design ``scenarios``; each already has the
            sweep's fixed overrides applied.
        kinds: Parameter key → ``"int"``, ``"float"`` or ``"other"`` (ints are rounded).
        ensemble: The calibration ensemble every point runs on, if the file names one.
        members: How many of its members each point runs on (0 without an ensemble).
    """

    spec: SweepFile
    path: Path
    text: str
    bases: tuple[Base, ...]
    kinds: dict[str, str]
    ensemble: Ensemble | None = None
    members: int = 0

    @property
    def name(self) -> str:
        """Name of the sweep (the file name if the file sets none)."""
        return self.spec.name or self.path.stem

    @property
    def parameters(self) -> list[str]:
        """Parameter keys in file order."""
        return list(self.spec.parameters)


def load_sweep(path: str | Path, *, max_runs: int = MAX_RUNS) -> Sweep:
    """Read and validate a sweep file, its base scenario and every parameter value.

    The number of runs is checked first, from the file's keys alone, so a design of
    billions of runs is refused before anything is built.

    Args:
        path: The sweep YAML file.
        max_runs: Most runs (design points × replicates) allowed.

    Returns:
        The validated sweep.

    Raises:
        ConfigError: With every problem found (file, key path, what is allowed).
    """
    path = Path(path)
    spec = _validated_spec(path, load_yaml(path))
    text = read_input_text(path)  # already read once: within the size limit
    problems = [*design_problems(path, spec), *_name_problems(path, spec)]
    ensemble, members = _ensemble(path, spec, problems)
    too_large = list(size_problems(path, spec, max_runs, max(members, 1)))
    if too_large:  # before the base scenario is loaded and any point is built
        _raise_if(problems + too_large)
    bases = _bases(path, spec, problems)
    kinds = {key: leaf_kind(key) for key in spec.parameters}
    problems += _first(parameter_problems(path, spec, bases[0] if bases else None, kinds),
                       path)
    if ensemble is not None and bases:
        varied = {**{f"parameters.{k}": k for k in spec.parameters},
                  **{f"overrides.{k}": k for k in bases[0].overrides}}
        problems += calibrated_key_problems(path, ensemble, varied,
                                            [(str(b.file), b.config) for b in bases])
    _raise_if(problems)
    return Sweep(spec, path, text, tuple(bases), kinds, ensemble, members)


def _ensemble(path: Path, spec: SweepFile, problems: list[ConfigProblem]
              ) -> tuple[Ensemble | None, int]:
    """The ensemble the file names (problems are added to ``problems``)."""
    if spec.ensemble is None:
        return None, 0
    if spec.replicates < 2:
        problems.append(ConfigProblem(str(path), "replicates", f"{spec.replicates}; a sweep "
                                      "over an ensemble needs at least 2 replicates, to tell "
                                      "seed noise from parameter uncertainty"))
    try:
        return open_ensemble(path, spec.ensemble)
    except ConfigError as exc:
        problems += exc.problems
        return None, 0


def _first(problems: Iterator[ConfigProblem], path: Path) -> list[ConfigProblem]:
    """The first :data:`MAX_PROBLEMS` problems of a stream of checks, then a note.

    Checking stops there, so a file of thousands of bad values is answered as quickly as
    one of a few.
    """
    keep = MAX_PROBLEMS - 1  # and room for the note
    found = list(itertools.islice(problems, keep))
    if len(found) == keep and next(problems, None) is not None:
        found.append(ConfigProblem(str(path), "parameters", f"further values not checked "
                                   f"after {MAX_PROBLEMS} problems; fix these first"))
    return found


def _name_problems(path: Path, spec: SweepFile) -> Iterator[ConfigProblem]:
    """The sweep file's own name stands in for a missing ``name``: it must suit a folder."""
    if spec.name is None:
        try:
            check_name(path.stem)
        except ValueError as exc:
            yield ConfigProblem(str(path), "name", f"not given, and the file name {exc}; set "
                                "name: to a folder name")


def _raise_if(problems: Iterable[ConfigProblem]) -> None:
    problems = list(problems)
    if problems:
        raise ConfigError(problems)


# ----------------------------------------------------------------------------- the file's keys


def _validated_spec(path: Path, data: dict) -> SweepFile:
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_spec_problem(path, err) for err in exc.errors()) from None


def _spec_problem(path: Path, err: Any) -> ConfigProblem:
    return ConfigProblem(str(path), format_key(tuple(err["loc"])), message(err, SweepFile))


# ----------------------------------------------------------------------------- base scenarios


def _bases(path: Path, spec: SweepFile, problems: list[ConfigProblem]) -> list[Base]:
    """The base scenario (or each listed scenario), loaded, with the fixed overrides set.

    Problems are added to ``problems``; the bases are returned only if all loaded.
    """
    key = "scenarios" if spec.design == "scenarios" else "base"
    names = spec.scenarios if key == "scenarios" else [spec.base]
    files = [path.parent / str(name) for name in names or [] if name is not None]
    for i, target in enumerate(files):
        if not target.is_file():
            problems.append(ConfigProblem(str(path), f"{key}[{i}]" if key == "scenarios" else key,
                                          f"file not found: {target} (paths are relative to "
                                          "the sweep file)"))
    found = len(problems)
    overrides = flat_overrides(path, spec.overrides, problems)
    if len(problems) > found or not files or not all(f.is_file() for f in files):
        return []
    try:
        return [_base(path, target, overrides) for target in files]
    except ConfigError as exc:
        problems += exc.problems
        return []


def _base(sweep_path: Path, file: Path, overrides: dict[str, Any]) -> Base:
    loaded = load_scenario(file)  # problems in the scenario file itself name that file
    bare = Base(file, loaded.scenario.model_dump(mode="json"), loaded.base_dir, {})
    _raise_if(point_problems(bare, overrides, sweep_path, lambda k: f"overrides.{k}",
                             describe=False))
    return Base(file, build_point(bare, overrides), loaded.base_dir, overrides)
