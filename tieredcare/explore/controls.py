"""The lever controls: a typed value and a slider, a yes/no, a list of names; each resettable.

A value is checked against the schema before it is taken (the whole scenario is
validated with it); a refused value stays in the box with the project's message, naming
the allowed range, and the setting on screen does not change. Sliders take their value
when released, so dragging does not start a run per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import reacton.ipyvuetify as v
import solara

from tieredcare.explore.levers import Control, ControlGroup
from tieredcare.explore.words import word

Check = Callable[[str, Any], list[str]]
"""The problems of a control's value within the current setting (none if it is taken)."""
Commit = Callable[[str, Any], None]
"""Take a control's value into the setting."""


def shown(control: Control, value: Any, lang: str) -> str:
    """A value as the control shows it: '0.85', '2,600', 'yes', 'stroke, trauma'."""
    if control.kind == "bool":
        return word("yes" if value else "no", lang)
    if control.kind == "choices":
        return ", ".join(value) if value else word("none", lang)
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def hint(control: Control, lang: str) -> str:
    """Unit, allowed range and default: 'share 0–1 · allowed ≥ 0, ≤ 1 · default 0.85'."""
    allowed = str(control.bounds) or "–"
    return word("hint", lang, unit=control.unit_label(lang), range=allowed,
                default=shown(control, control.default, lang))


@solara.component
def LeverGroup(group: ControlGroup, values: dict[str, Any], base: dict[str, Any],
               commit: Commit, check: Check, lang: str) -> None:
    """One lever of the table: its controls, and the seed documents it comes from."""
    changed = sum(values.get(c.key, base[c.key]) != base[c.key] for c in group.controls)
    title = group.title(lang) + (f"  ● {changed}" if changed else "")
    with solara.Details(summary=title, expand=group.number == 0), \
            solara.Column(gap="4px", classes=[f"lever-group-{group.number}"]):
        if group.seeds:
            docs = "; ".join(f"{d.number} {d.zh if lang == 'zh' else d.en}" for d in group.seeds)
            solara.Text(word("seeds", lang, docs=docs), classes=["lever-seeds"])
        for control in group.controls:
            LeverControl(control, values.get(control.key, base[control.key]),
                         base[control.key], commit, check, lang)


@solara.component
def LeverControl(control: Control, value: Any, base: Any, commit: Commit, check: Check,
                 lang: str) -> None:
    """One control, with its reset to the baseline's value and its source."""
    with solara.Column(gap="0px", classes=["lever", control.css]):
        with solara.Row(gap="4px", style={"align-items": "center"}):
            with solara.Column(gap="0px", style={"flex": "1 1 auto"}):
                if control.kind in ("float", "int"):
                    NumberControl(control, value, commit, check, lang)
                elif control.kind == "bool":
                    solara.Checkbox(label=control.label(lang), value=bool(value),
                                    on_value=lambda on: commit(control.key, on))
                else:
                    solara.SelectMultiple(control.label(lang), values=list(value),
                                          all_values=list(control.choices),
                                          on_value=lambda names: commit(control.key, names),
                                          dense=True, classes=["lever-choices"])
            solara.Button(icon_name="mdi-restore", icon=True, small=True,
                          disabled=value == base, on_click=lambda: commit(control.key, base),
                          classes=["lever-reset"])
        v.Html(tag="div", class_="lever-source", attributes={"title": control.meaning},
               children=[word("source", lang, source=control.source)])


@solara.component
def NumberControl(control: Control, value: float, commit: Commit, check: Check,
                  lang: str) -> None:
    """A number typed (taken on Enter or leaving the box) or set with a slider."""
    text, set_text = solara.use_state(shown(control, value, lang))
    problem, set_problem = solara.use_state("")

    def follow_value() -> None:  # a reset or the slider changed the value: show it
        set_text(shown(control, value, lang))
        set_problem("")

    solara.use_effect(follow_value, [value])

    def take(typed: str) -> None:
        set_text(typed)
        try:
            number = control.parse(typed)
        except ValueError as exc:
            set_problem(word("refused", lang, problem=str(exc)))
            return
        problems = check(control.key, number)
        if problems:
            set_problem(word("refused", lang, problem="; ".join(problems)))
            return
        set_problem("")
        commit(control.key, number)

    solara.InputText(control.label(lang), value=text, on_value=take, error=problem or False,
                     message=problem or hint(control, lang), classes=["lever-input"],
                     dense=True)
    if control.slider is not None:
        Slider(control, value, take)


@solara.component
def Slider(control: Control, value: float, take: Callable[[str], None]) -> None:
    """A slider over the control's range, taken on release."""
    low, high, step = control.slider
    digits = max(0, -math.floor(math.log10(step)))
    position = min(max(float(value), low), high)
    slider = v.Slider(v_model=position, min=low, max=high, step=step, dense=True,
                      hide_details=True, class_="lever-slider")

    def released(_widget: object, _event: str, data: float) -> None:
        number = round(float(data), digits)
        take(str(int(number)) if control.kind == "int" else f"{number:g}")

    v.use_event(slider, "change", released)
