"""The explorer's controls, built from the scenario schema and the lever table.

A control is one dotted scenario key. Its kind, range and the choices of a list come from
the schema (:func:`tieredcare.config.messages.site`); its unit, source and meaning from
the README's parameter table (:func:`tieredcare.docs.parameter_rows`); its name in
English and Chinese from the chart labels (:func:`tieredcare.viz.labels.parameter_label`);
and its group, with the seed documents it comes from, from
:data:`tieredcare.config.lever_table.LEVER_TABLE`. Nothing about a lever is written here.
"""

from __future__ import annotations

import copy
import math
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import ValidationError

from tieredcare.config import Scenario, get_path, set_path
from tieredcare.config.introspect import Bounds
from tieredcare.config.keys import format_key, parse_key
from tieredcare.config.lever_table import LEVER_TABLE, SEED_DOCUMENTS, SeedDocument
from tieredcare.config.messages import message, show, site
from tieredcare.viz.labels import check_lang, parameter_label, parameter_unit

Kind = Literal["float", "int", "bool", "choices"]

RUN_CONTROLS = ("population.residents", "seed")
"""Settings of the run itself, offered beside the levers."""
RUN_GROUP = {"en": "County and run", "zh": "县域与模拟"}
MAX_SLIDER_SPAN = 1e6
"""Widest range a slider is offered for (residents and seeds are typed)."""


@dataclass(frozen=True)
class Control:
    """One value the user may change.

    Attributes:
        key: Dotted scenario key.
        kind: ``float``, ``int``, ``bool`` or ``choices`` (a list of names).
        bounds: Allowed range of a number.
        default: The schema's default.
        unit: Unit, as the schema writes it.
        source: Where the default comes from.
        meaning: What the value does in the model.
        choices: The names a ``choices`` list may hold.
    """

    key: str
    kind: Kind
    bounds: Bounds
    default: Any
    unit: str
    source: str
    meaning: str
    choices: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The control's name: 'Inpatient reimbursement ratio, county hospital'."""
        return parameter_label(self.key, lang)

    def unit_label(self, lang: str) -> str:
        """The unit in ``lang``."""
        return parameter_unit(self.unit, lang)

    @property
    def css(self) -> str:
        """A CSS class naming the control, for styles and for finding it on the page."""
        return "lever-" + self.key.replace(".", "-")

    @property
    def slider(self) -> tuple[float, float, float] | None:
        """Minimum, maximum and step of a slider over the whole range (None: no slider)."""
        low, high = self.bounds.low, self.bounds.high
        if self.kind not in ("float", "int") or low is None or high is None or \
                not 0 < high - low <= MAX_SLIDER_SPAN:
            return None
        step = 10.0 ** (math.floor(math.log10(high - low)) - 2)  # about 100 to 1,000 steps
        return float(low), float(high), max(step, 1.0) if self.kind == "int" else step

    def parse(self, text: str) -> int | float:
        """A number typed into the control.

        Raises:
            ValueError: Naming what is expected, if the text is not a number of the kind.
        """
        text = text.strip().replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {show(text)}") from None
        if self.kind == "int":
            if not number.is_integer():
                raise ValueError(f"expected a whole number, got {show(text)}")
            return int(number)
        return number


@dataclass(frozen=True)
class ControlGroup:
    """Controls shown together: one lever of the table, or the run's settings.

    Attributes:
        number: The lever's number in the README table (0 for the run's settings).
        en: The lever's name in English.
        zh: Its name in Chinese.
        seeds: The seed documents it comes from.
        controls: Its controls.
    """

    number: int
    en: str
    zh: str
    seeds: tuple[SeedDocument, ...]
    controls: tuple[Control, ...]

    def title(self, lang: str) -> str:
        """'1 Differential reimbursement' / '1 差别化报销'."""
        name = self.zh if check_lang(lang) == "zh" else self.en
        return f"{self.number} {name}" if self.number else name


def _documented() -> dict[str, dict[str, str]]:
    from tieredcare.docs import parameter_rows  # docs imports the whole schema and metrics

    return {row["key"]: row for row in parameter_rows()}


@cache
def control(key: str) -> Control:
    """The control of a dotted scenario key.

    Raises:
        KeyError: If the key is not a number, a yes/no or a list of names in the schema.
    """
    where = site(parse_key(key))
    kind, choices = _kind(where.annotation)
    rows = _documented()
    parents = [key.rsplit(".", n)[0] for n in range(key.count(".") + 1)]
    row = next((rows[k] for k in parents if k in rows), None)
    if kind is None or row is None:
        raise KeyError(f"{key}: not a number, yes/no or list of names of the schema")
    default = get_path(Scenario().model_dump(mode="json"), key)
    return Control(key, kind, Bounds.of(where.constraints), default, row["unit"],
                   row["source"], row["meaning"], choices)


def _kind(annotation: Any) -> tuple[Kind | None, tuple[str, ...]]:
    """The control kind of a schema type, and the names a list of names may hold."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        annotation = members[0] if len(members) == 1 else annotation
    if annotation is bool:
        return "bool", ()
    if annotation in (int, float):
        return annotation.__name__, ()
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if get_origin(item) is Literal:
            return "choices", tuple(str(name) for name in get_args(item))
    return None, ()


@cache
def control_groups() -> tuple[ControlGroup, ...]:
    """The run's settings, then every lever of the table with its controls."""
    run = ControlGroup(0, RUN_GROUP["en"], RUN_GROUP["zh"], (),
                       tuple(control(k) for k in RUN_CONTROLS))
    levers = tuple(ControlGroup(row.number, row.en, row.zh,
                                tuple(SEED_DOCUMENTS[s] for s in row.seeds),
                                tuple(control(k) for k in row.controls))
                   for row in LEVER_TABLE)
    return (run, *levers)


def controls() -> dict[str, Control]:
    """Every control by its key."""
    return {c.key: c for group in control_groups() for c in group.controls}


def with_values(base: Mapping[str, Any], values: Mapping[str, Any]
                ) -> tuple[Scenario | None, list[str]]:
    """The scenario ``base`` with the controls' values, validated by the schema.

    Args:
        base: A scenario's data (``Scenario.model_dump()``).
        values: Dotted key → value.

    Returns:
        The scenario and no problems, or None and every problem in the project's words
        ('policy.capitation.strength: 1.5 is out of range; allowed: 0 ≤ value ≤ 1
        [probability]').
    """
    data = copy.deepcopy(dict(base))
    for key, value in values.items():
        set_path(data, key, copy.deepcopy(value))
    try:
        return Scenario.model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(err) for err in exc.errors()]


def _problem(err: Any) -> str:
    where = format_key(err["loc"])
    return f"{where}: {message(err)}" if where else message(err)
