"""The keys of a sweep file, and what each design needs of them.

:class:`SweepFile` is the schema of the file's keys; :func:`design_problems` checks the keys
a design needs or forbids, and :func:`planned_points` and :func:`size_problems` count the
runs a file asks for from its keys alone, before anything is built.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tieredcare.config import ConfigProblem
from tieredcare.config.schema import check_name
from tieredcare.experiments.members import SweepEnsemble

RANGE_DESIGNS = ("lhs", "sobol", "morris")


class SweepFile(BaseModel):
    """The keys of a sweep file (every key is listed in README's "Sweep files")."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    name: str | None = Field(None, description="Name of the sweep and of its results folder "
                             "(default: the sweep file's name without .yaml): ASCII letters, "
                             "digits, '_', '-' and '.', starting with a letter or digit.")
    description: str = Field("", max_length=500,
                             description="One line saying what the sweep asks.")
    base: str | None = Field(None, description="Scenario file every design point starts "
                             "from, relative to the sweep file (all designs but scenarios).")
    replicates: int = Field(1, ge=1, le=100_000,
                            description="Seeds per design point; the same seeds for every "
                            "point (common random numbers).")
    seed: int = Field(ge=0, le=2**63 - 1, description="Root seed of the sweep: replicate seeds "
                      "and the lhs/sobol/morris samples are derived from it.")
    design: Literal["grid", "lhs", "sobol", "morris", "scenarios"] = Field(
        "grid", description="How parameters are sampled: grid (every combination of listed "
                            "values), lhs (Latin hypercube), sobol (Saltelli sample for Sobol "
                            "indices), morris (elementary effects), scenarios (a list of "
                            "scenario files).")
    samples: int | None = Field(None, ge=1, le=1_000_000,
                                description="lhs: number of points; sobol: base sample N "
                                "(a power of 2; N × (D + 2) points for D parameters); morris: "
                                "trajectories (N × (D + 1) points).")
    levels: int = Field(4, ge=2, le=100, description="morris only: grid levels of each "
                        "parameter's range.")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Dotted scenario key → list of values (grid) or "
        "{low, high} (lhs, sobol, morris; sampled uniformly).")
    scenarios: list[str] | None = Field(None, description="design scenarios only: scenario "
                                        "files (relative to the sweep file), one point each.")
    overrides: dict[str, Any] = Field(default_factory=dict,
                                      description="Dotted scenario key → value fixed in every "
                                      "run (applied over the base or each scenario file).")
    outputs: list[Literal["timeseries", "facilities", "flows", "groups"]] = Field(
        default_factory=lambda: ["timeseries", "groups"],
        description="Per-run tables kept besides summary.json and scenario.yaml: timeseries "
                    "(~110 kB per 365-day run), facilities (~30 kB), flows (~6 kB), groups "
                    "(indicators by group, ~30 kB; consolidated into groups.parquet).")
    ensemble: SweepEnsemble | None = Field(
        None, description="Run every design point on each member of a calibration's "
        "ensemble: {folder: <calibration folder, relative to the sweep file>, members: K}; "
        "the aggregate then combines parameter and seed uncertainty.")

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name: str | None) -> str | None:
        return None if name is None else check_name(name)


def design_problems(path: Path, spec: SweepFile) -> Iterator[ConfigProblem]:
    """Keys that the chosen design needs or forbids.

    Args:
        path: The sweep file (named in the problems).
        spec: Its keys.

    Yields:
        Each problem, naming the key.
    """
    file, design, given = str(path), spec.design, spec.model_fields_set
    if design == "scenarios":
        if not spec.scenarios:
            yield ConfigProblem(file, "scenarios", "required by design scenarios: a list of "
                                "scenario files (relative to the sweep file)")
        for key in ("base", "parameters"):
            if key in given and getattr(spec, key):
                yield ConfigProblem(file, key, "not used by design scenarios; list every "
                                    "scenario (the reference one too) under scenarios and put "
                                    "values shared by all of them under overrides")
    else:
        if spec.base is None:
            yield ConfigProblem(file, "base", f"required by design {design}: the scenario file "
                                "the design points start from (relative to the sweep file)")
        if not spec.parameters:
            yield ConfigProblem(file, "parameters", f"design {design} needs at least one "
                                "parameter: dotted scenario key → values")
        if spec.scenarios is not None:
            yield ConfigProblem(file, "scenarios", "only used by design scenarios")
    yield from _sample_problems(file, spec)


def _sample_problems(file: str, spec: SweepFile) -> Iterator[ConfigProblem]:
    design, samples = spec.design, spec.samples
    if design in RANGE_DESIGNS and samples is None:
        yield ConfigProblem(file, "samples", f"required by design {design}: "
                            f"{SweepFile.model_fields['samples'].description}")
    if design not in RANGE_DESIGNS and samples is not None:
        yield ConfigProblem(file, "samples", f"not used by design {design}; allowed only with "
                            f"{', '.join(RANGE_DESIGNS)}")
    if design == "sobol" and samples is not None and samples & (samples - 1):
        yield ConfigProblem(file, "samples", f"{samples} is not a power of 2; Sobol' sequences "
                            "converge only for N = 2^m (allowed: 8, 16, 32, 64, 128, ...)")
    if "levels" in spec.model_fields_set and design != "morris":
        yield ConfigProblem(file, "levels", "only used by design morris")


def planned_points(spec: SweepFile) -> int:
    """Design points a sweep file asks for, computed from its keys (nothing is built).

    Args:
        spec: The sweep file's keys (with the design's required keys present).

    Returns:
        grid: the product of the numbers of values; lhs: ``samples``; sobol:
        ``samples × (D + 2)``; morris: ``samples × (D + 1)``; scenarios: the number of files.
    """
    d = len(spec.parameters)
    if spec.design == "grid":
        return math.prod(len(v) if isinstance(v, list) else 1 for v in spec.parameters.values())
    if spec.design == "scenarios":
        return len(spec.scenarios or [])
    extra = {"lhs": 0, "sobol": d + 2, "morris": d + 1}[spec.design]
    return (spec.samples or 0) * max(extra, 1)


def size_problems(path: Path, spec: SweepFile, max_runs: int, members: int = 1
                  ) -> Iterator[ConfigProblem]:
    """The sweep's runs (points × members × replicates) if there are more than allowed.

    Args:
        path: The sweep file (named in the problem).
        spec: Its keys.
        max_runs: Most runs allowed.
        members: Ensemble members each point runs on (1 without an ensemble).

    Yields:
        At most one problem, naming the key that makes the sweep too large.
    """
    points = planned_points(spec)
    runs = points * members * spec.replicates
    if runs > max_runs:
        key = ("replicates" if points * members <= max_runs
               else "ensemble.members" if points <= max_runs
               else {"grid": "parameters", "scenarios": "scenarios"}.get(spec.design, "samples"))
        times = f" × {members:,} ensemble members" if spec.ensemble is not None else ""
        yield ConfigProblem(str(path), key, f"the sweep would make {runs:,} runs ({points:,} "
                            f"design points{times} × {spec.replicates:,} replicates); allowed: at "
                            f"most {max_runs:,} (raise the limit with --max-runs if you mean "
                            "it)")
