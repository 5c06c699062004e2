"""README tables generated from the code: the levers, every scenario field, every indicator.

``python -m tieredcare.docs --write README.md`` rewrites the parts of README.md between
the ``<!-- levers -->``, ``<!-- parameters -->``, ``<!-- indicators -->`` and
``<!-- groups -->`` markers; a test checks they are current, so the README never drifts
from the schema.
"""

from __future__ import annotations

import argparse
import re
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tieredcare.config.introspect import Bounds, item_bounds, numeric_leaves
from tieredcare.config.lever_table import lever_markdown
from tieredcare.config.population import LineMix
from tieredcare.config.schema import Scenario
from tieredcare.group_summary import EXTRA_INDICATORS
from tieredcare.groups import GROUP_INDICATORS
from tieredcare.metrics import INDICATORS
from tieredcare.tiers import TIERS

_UNIT_IN_DESCRIPTION = re.compile(r"\s*\[([^\]]+)\]\.?$")


def _bounds(field: FieldInfo) -> str:
    """The field's range, and the range of each item of a list or mapping field."""
    own = str(Bounds.of(field.metadata))
    items = item_bounds(field)
    if items is None and isinstance(field.annotation, type) and \
            issubclass(field.annotation, BaseModel):
        # A small group of values, such as one per age group: show their common range.
        ranges = {leaf.bounds for leaf in numeric_leaves(field.annotation)}
        items = ranges.pop() if len(ranges) == 1 else None
    each = f"each {items}" if items is not None and str(items) else ""
    return "; ".join(part for part in (own, each) if part)


def _show(value: Any) -> str:
    if isinstance(value, LineMix):
        return ", ".join(f"{k} {v:g}" for k, v in value.shares().items())
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, BaseModel):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.model_dump().items()) + "}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return "null" if value is None else str(value)


def parameter_rows(model: BaseModel | None = None, prefix: str = "") -> list[dict[str, str]]:
    """One row per leaf field of the scenario: key, default, unit, range, source, meaning."""
    model = model if model is not None else Scenario()
    rows: list[dict[str, str]] = []
    for name, field in type(model).model_fields.items():
        key = f"{prefix}{name}"
        value = getattr(model, name)
        if isinstance(value, BaseModel) and not isinstance(value, LineMix) and \
                _is_section(value):
            rows += parameter_rows(value, f"{key}.")
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        optional = _optional_section(field)
        description = field.description or ""
        unit = str(extra.get("unit", ""))
        found = _UNIT_IN_DESCRIPTION.search(description)
        if found:
            unit = unit or found.group(1)
            description = description[: found.start()] + "."
        rows.append({"key": key, "default": _show(value), "unit": unit,
                     "range": _bounds(field), "source": str(extra.get("source", "")),
                     "meaning": description})
        if optional is not None:  # an absent section: its fields, should it be given
            rows += parameter_rows(optional.model_construct(), f"{key}.")
    return rows


def _optional_section(field: FieldInfo) -> type[BaseModel] | None:
    """The section class of a field typed ``Section | None`` (absent unless given)."""
    args = typing.get_args(field.annotation)
    if type(None) not in args:
        return None
    for arg in args:
        if isinstance(arg, type) and issubclass(arg, BaseModel) and any(
                isinstance(f.json_schema_extra, dict) for f in arg.model_fields.values()):
            return arg
    return None


def _is_section(value: BaseModel) -> bool:
    """Sections are expanded field by field; small value groups (a tier rule) stay whole."""
    return any(isinstance(f.json_schema_extra, dict) or isinstance(
        getattr(value, n), BaseModel) for n, f in type(value).model_fields.items()) or \
        set(type(value).model_fields) in ({"ratio", "deductible"},)


def parameters_markdown() -> str:
    """The scenario reference as a Markdown table."""
    lines = ["| key | default | unit | range | source | meaning |", "|---|---|---|---|---|---|"]
    for r in parameter_rows():
        cells = [f"`{r['key']}`", r["default"], r["unit"], r["range"], r["source"], r["meaning"]]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def indicators_markdown() -> str:
    """Every indicator with its unit and definition, as a Markdown table."""
    lines = ["| indicator | unit | definition |", "|---|---|---|"]
    for ind in INDICATORS.values():
        lines.append(f"| `{ind.name}` | {ind.unit} | {ind.definition} |")
    tiers = "/".join(TIERS)
    lines.append(f"| `p90_wait_<tier>` ({tiers}) | days | 90th percentile of days from joining "
                 "the queue to being seen or admitted, over contacts at the tier. |")
    for name, (unit, definition) in EXTRA_INDICATORS.items():
        lines.append(f"| `{name}` | {unit} | {definition} |")
    return "\n".join(lines)


def groups_markdown() -> str:
    """Every indicator reported by group, as numerator and denominator slots."""
    lines = ["| indicator | numerator | denominator | by severity |", "|---|---|---|---|"]
    for ind in GROUP_INDICATORS:
        scale = f" × {ind.scale:,.0f}" if ind.scale != 1.0 else ""
        lines.append(f"| `{ind.name}` | {' + '.join(ind.numerator)}{scale} | "
                     f"{' + '.join(ind.denominator)} | {'yes' if ind.by_severity else 'no'} |")
    return "\n".join(lines)


SECTIONS = {"levers": lever_markdown, "parameters": parameters_markdown,
            "indicators": indicators_markdown, "groups": groups_markdown}


def update(text: str) -> str:
    """README text with every generated section replaced by its current content."""
    for name, render in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README has no '<!-- {name}:start/end -->' markers")
        text = pattern.sub(lambda m, r=render: m.group(1) + r() + "\n" + m.group(2), text)
    return text


def main() -> None:
    """Print the tables, or rewrite them in a README with --write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="README file to update in place")
    args = parser.parse_args()
    if args.write:
        args.write.write_text(update(args.write.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(parameters_markdown())
        print()
        print(indicators_markdown())


if __name__ == "__main__":
    main()
