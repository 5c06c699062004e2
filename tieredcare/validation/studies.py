"""Study files: a published evaluation, and the scenario pair that stands for it.

```yaml
id: xu2020_hospital_visits                  # names the comparison in tables and folders
label: Xu et al. 2020, hospital visits      # short, for the table and the chart
citation: "Xu J, Powell-Jackson T, Mills A. ... BMJ Glob Health 2020;5:e002792."
url: https://gh.bmj.com/content/5/8/e002792
doi: 10.1136/bmjgh-2020-002792
design: difference-in-differences
population: 200,685 NCMS enrollees in 17 townships ...
setting: rural district, northern China, 2012-2014
intervention: primary-care gatekeeping ...
outcome: hospital outpatient visits
source: abstract, Results
published:
  reported: "The pilot reduced hospital visits by 23.9% (p=0.048)"   # as published
  value: -23.9                   # in the unit below, after any conversion
  low: -47.6
  high: -0.2
  unit: percent                  # pp | percent | absolute
  interval: from p-value         # reported | from p-value | from standard error
  conversion: "..."              # how the reported figures became value, low and high
indicator: hospital_visits_per_capita        # or name@dimension=group
scenarios: {baseline: ../scenarios/a.yaml, policy: ../scenarios/b.yaml}
mapping: "..."                   # how the study's setting and policy become the pair
known_limits: "..."              # printed in the report when the model disagrees
```

The model's effect is the paired difference ``policy − baseline`` of the indicator, in
the published unit: percentage points of a share (``pp``), per cent of the baseline
(``percent``) or the indicator's own unit (``absolute``). ``size_comparable: false``
says the published size cannot be put in the model's unit (only its direction is
compared). Every file is checked before anything runs; problems name the file and key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tieredcare.calibration.targets import indicator_problems, target_range
from tieredcare.config import ConfigError, ConfigProblem, LoadedScenario, load_scenario
from tieredcare.config.keys import format_key
from tieredcare.config.messages import message
from tieredcare.config.scenario_files import load_yaml
from tieredcare.config.schema import check_name

Unit = Literal["pp", "percent", "absolute"]
UNIT_WORDS = {"pp": "percentage points", "percent": "% change", "absolute": "indicator units"}
"""What each unit means, for tables."""
MAX_STUDIES = 100
Text = Annotated[str, Field(min_length=1, max_length=4000)]
"""Free text of a study file."""


class Published(BaseModel):
    """The published effect and its interval, in the unit the model's effect is put in."""

    model_config = ConfigDict(extra="forbid")
    reported: str = Field(min_length=1, max_length=1000,
                          description="The effect exactly as the publication states it.")
    value: float = Field(allow_inf_nan=False, description="Point estimate, in unit.")
    low: float = Field(allow_inf_nan=False, description="Lower end of its 95 % interval.")
    high: float = Field(allow_inf_nan=False, description="Upper end of its 95 % interval.")
    unit: Unit = Field(description="pp (percentage points of a share), percent (change "
                       "relative to the comparison group) or absolute (the indicator's unit).")
    interval: Literal["reported", "from p-value", "from standard error"] = Field(
        "reported", description="Where the interval comes from: as published, or computed "
        "from a published p-value or standard error.")
    conversion: str = Field("", max_length=4000, description="How the reported figures "
                            "became value, low and high.")
    size_comparable: bool = Field(True, description="Whether the size can be compared with "
                                  "the model's (else only the direction is).")

    @model_validator(mode="after")
    def _interval(self) -> Published:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if not self.low <= self.value <= self.high:
            raise ValueError(f"value ({self.value}) must lie within low–high")
        return self


class Arms(BaseModel):
    """The two scenario files of the comparison (paths relative to the study file)."""

    model_config = ConfigDict(extra="forbid")
    baseline: str = Field(min_length=1, description="Scenario of the comparison group.")
    policy: str = Field(min_length=1, description="Scenario of the group under the policy.")


class StudyFile(BaseModel):
    """A study file as written."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="Short name: letters, digits, '_', '-', '.'.")
    label: str = Field(min_length=1, max_length=60, description="Short label for tables.")
    citation: Text
    url: str = Field(min_length=1, max_length=500)
    doi: str | None = Field(None, max_length=200)
    design: Text
    population: Text
    setting: Text
    intervention: Text
    outcome: Text
    source: str = Field(min_length=1, max_length=1000,
                        description="Where in the publication the figures are.")
    published: Published
    indicator: str = Field(min_length=1, max_length=200,
                           description="A run indicator, or indicator@dimension=group.")
    scenarios: Arms
    mapping: Text
    known_limits: str = Field("", max_length=4000,
                              description="What the model lacks; printed when it disagrees.")


@dataclass(frozen=True)
class Study:
    """A checked study file with its scenario pair loaded.

    Attributes:
        path: The study file.
        spec: Its contents.
        baseline: The comparison group's scenario.
        policy: The policy group's scenario.
    """

    path: Path
    spec: StudyFile
    baseline: LoadedScenario
    policy: LoadedScenario

    @property
    def pair(self) -> tuple[Path, Path]:
        """The two scenario files, resolved: studies sharing a pair share its runs."""
        return (self.baseline.path.resolve(), self.policy.path.resolve())


def load_study(path: str | Path, overrides: Sequence[str] = ()) -> Study:
    """Read and check one study file and load its two scenarios.

    Args:
        path: The study file.
        overrides: ``dotted.key=value`` items applied to both scenarios.

    Raises:
        ConfigError: Naming the file and key path of every problem found.
    """
    path = Path(path)
    file = str(path)
    data = load_yaml(path)
    try:
        spec = StudyFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([ConfigProblem(file, format_key(tuple(e["loc"])),
                                         message(e, StudyFile)) for e in exc.errors()]) from None
    problems = _id_problems(file, spec.id)
    arms: dict[str, LoadedScenario] = {}
    for arm in ("baseline", "policy"):
        scenario = path.parent / getattr(spec.scenarios, arm)
        if not scenario.is_file():
            problems.append(ConfigProblem(file, f"scenarios.{arm}", f"file not found: "
                                          f"{scenario} (relative to the study file)"))
        else:
            arms[arm] = load_scenario(scenario, list(overrides))
    names = {arm: loaded.scenario.name for arm, loaded in arms.items()}
    if len(set(names.values())) < len(names) == 2:
        problems.append(ConfigProblem(file, "scenarios", "the two scenarios must have "
                                      f"different names, both are {names['policy']!r}"))
    base = arms.get("baseline")
    counties = [c.name for c in base.scenario.world.counties] if base else []
    found = indicator_problems(file, "indicator", spec.indicator, counties)
    problems += found
    if not found and spec.published.unit == "pp" and target_range(
            spec.indicator.partition("@")[0]) != (0.0, 1.0):
        problems.append(ConfigProblem(file, "published.unit", f"pp needs a share; "
                                      f"{spec.indicator} is not one (allowed: percent, absolute)"))
    if problems:
        raise ConfigError(problems)
    return Study(path, spec, arms["baseline"], arms["policy"])


def load_studies(folder: str | Path, overrides: Sequence[str] = ()) -> list[Study]:
    """Every study file (``*.yaml``) of a folder, in file-name order, all checked at once.

    Raises:
        ConfigError: With the problems of every file, before anything runs.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError.one(f"--studies {folder}", "", "not a folder of study files")
    files = sorted(folder.glob("*.yaml"))
    if not files or len(files) > MAX_STUDIES:
        raise ConfigError.one(f"--studies {folder}", "", f"holds {len(files)} study files "
                              f"(*.yaml); allowed: 1 to {MAX_STUDIES}")
    studies, problems = [], []
    for file in files:
        try:
            studies.append(load_study(file, overrides))
        except ConfigError as exc:
            problems += exc.problems
    seen: dict[str, Path] = {}
    for study in studies:
        first = seen.setdefault(study.spec.id, study.path)
        if first != study.path:
            problems.append(ConfigProblem(str(study.path), "id", f"{study.spec.id!r} is "
                                          f"already the id of {first}"))
    if problems:
        raise ConfigError(problems)
    return studies


def _id_problems(file: str, name: str) -> list[ConfigProblem]:
    try:
        check_name(name)
    except ValueError as exc:
        return [ConfigProblem(file, "id", str(exc))]
    return []
