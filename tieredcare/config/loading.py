"""Load scenario YAML files into a validated :class:`~tieredcare.config.schema.Scenario`.

A scenario is built from layers, later layers winning: the schema defaults, the chain of
files named by ``extends:`` (root first), the scenario file itself and finally the
``--set key=value`` overrides. Mappings merge key by key; lists and scalars replace. A
service-line mix (an open mapping whose keys are data, not fields) is always replaced as
a whole, because merging two mixes key by key would silently break their sum to 1.

Every problem is reported as a :class:`ConfigError` naming the file that set the key, the
dotted key path and what is allowed there, so a typo deep in a sweep never surfaces as a
bare pydantic traceback.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from tieredcare.config.schema import Scenario

OVERRIDE_SOURCE = "--set"
"""The pseudo file name of problems caused by ``--set`` overrides."""

Loc = tuple[str | int, ...]

# ----------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a scenario.

    Attributes:
        file: The file that set the offending key, ``"--set"`` for an override, or None.
        key: Dotted key path (list items as ``[i]``), or ``""`` for a file-level problem.
        message: What is wrong and what is allowed.
    """

    file: str | None
    key: str
    message: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.key, self.message) if part)


class ConfigError(Exception):
    """A scenario could not be loaded; carries every problem found, one per line."""

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems: list[ConfigProblem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, file: str | Path | None, key: str, message: str) -> ConfigError:
        """Build an error holding a single problem.

        Args:
            file: File the problem is attributed to (or None).
            key: Dotted key path, or ``""`` for a file-level problem.
            message: What is wrong and what is allowed.

        Returns:
            The error.
        """
        return cls([ConfigProblem(None if file is None else str(file), key, message)])


# ----------------------------------------------------------------------------- dotted paths

_NAME = r"[^.\[\]\s]+"
_PATH = re.compile(rf"{_NAME}(?:\.{_NAME}|\[\d+\])*")


def _tokens(dotted: str) -> list[str | int]:
    """Split ``a.b[2].c`` into ``["a", "b", 2, "c"]``; raise KeyError if malformed."""
    if not _PATH.fullmatch(dotted):
        raise KeyError(f"malformed key path {dotted!r}")
    return [name or int(index) for name, index in re.findall(rf"({_NAME})|\[(\d+)\]", dotted)]


def format_key(loc: Sequence[str | int]) -> str:
    """Render a location as a dotted key path, list items as ``[i]``.

    Args:
        loc: Keys and list indices from the root.

    Returns:
        E.g. ``"population.income_shares[0]"``.
    """
    out = ""
    for item in loc:
        out += f"[{item}]" if isinstance(item, int) else (f".{item}" if out else str(item))
    return out


def get_path(d: Any, dotted: str) -> Any:
    """Read a nested value by dotted key path.

    Args:
        d: Nested mappings and lists.
        dotted: Key path such as ``"policy.referral.recovery_stay_days"`` or
            ``"choice.quality[2]"``.

    Returns:
        The value at that path.

    Raises:
        KeyError: If the path is malformed or does not exist.
    """
    node = d
    for token in _tokens(dotted):
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            raise KeyError(dotted) from None
    return node


def set_path(d: dict, dotted: str, value: Any) -> None:
    """Set a nested value by dotted key path, creating missing mappings on the way.

    Args:
        d: Nested mappings (changed in place).
        dotted: Key path; list items (``[i]``) must already exist.
        value: The value to store.

    Raises:
        KeyError: If the path is malformed or runs through a scalar or a missing list item.
    """
    *parents, last = _tokens(dotted)
    node: Any = d
    for token in parents:
        if isinstance(token, str) and isinstance(node, dict):
            node = node.setdefault(token, {})
        elif isinstance(token, int) and isinstance(node, list) and token < len(node):
            node = node[token]
        else:
            raise KeyError(dotted)
        if not isinstance(node, dict | list):
            raise KeyError(dotted)
    if isinstance(last, int) and not (isinstance(node, list) and last < len(node)):
        raise KeyError(dotted)
    if isinstance(last, str) and not isinstance(node, dict):
        raise KeyError(dotted)
    node[last] = value


def _contains(d: Any, loc: Loc) -> bool:
    """Whether a nested document has any value at ``loc``."""
    node = d
    for item in loc:
        if not isinstance(node, dict | list):
            return False
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            return False
    return True


# ----------------------------------------------------------------------------- schema walking


@dataclass(frozen=True)
class _Site:
    """What the schema says about one location."""

    field: FieldInfo | None  # the field at the location, if it is a declared field
    annotation: Any  # type expected at the location (None when unknown)
    unit: str | None  # unit of the field, or of the nearest ancestor that has one


def _unwrap_optional(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap_optional(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _unit_of(field: FieldInfo) -> str | None:
    """Unit from ``json_schema_extra``, else from a trailing ``[unit]`` in the description."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("unit"), str):
        return extra["unit"]
    match = re.search(r"\[([^\[\]]+)\]\.?\s*$", field.description or "")
    return match[1] if match else None


def _step(annotation: Any, item: str | int) -> Any:
    """Type expected one level down from ``annotation`` at key or index ``item``."""
    annotation = _unwrap_optional(annotation)
    args = get_args(annotation)
    origin = get_origin(annotation)
    if isinstance(item, int) and origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _site(loc: Loc) -> _Site:
    """Walk the schema from :class:`Scenario` along ``loc``."""
    annotation: Any = Scenario
    field: FieldInfo | None = None
    unit: str | None = None
    for item in loc:
        owner = _as_model(annotation)
        if owner is not None and isinstance(item, str):
            field = owner.model_fields.get(item)
            annotation = field.annotation if field else None
            unit = (_unit_of(field) if field else None) or unit
        else:
            field = None
            annotation = _step(annotation, item)
    return _Site(field, annotation, unit)


def _is_open_mapping(loc: Loc) -> bool:
    """Whether ``loc`` holds a model whose keys are data (``extra="allow"``)."""
    model = _as_model(_site(loc).annotation)
    return model is not None and model.model_config.get("extra") == "allow"


# ----------------------------------------------------------------------------- merging


def _merge(base: Any, over: Any, loc: Loc = ()) -> Any:
    """Deep-merge ``over`` onto ``base``: mappings key by key, anything else replaces."""
    if not (isinstance(base, dict) and isinstance(over, dict)) or (loc and _is_open_mapping(loc)):
        return copy.deepcopy(over)
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(base[key], value, (*loc, key)) if key in base else copy.deepcopy(value)
    return merged


@dataclass(frozen=True)
class _Layer:
    """One source of values: a file, the overrides, or the schema defaults (file None)."""

    file: str | None
    data: dict


def _merge_layers(layers: Iterable[_Layer]) -> dict:
    merged: dict = {}
    for layer in layers:
        merged = _merge(merged, layer.data)
    return merged


def _origin(layers: Sequence[_Layer], loc: Loc, default: str | None) -> str | None:
    """The last file that set ``loc`` (or its nearest set ancestor), else ``default``."""
    sources = [layer for layer in layers if layer.file is not None]
    for depth in range(len(loc), 0, -1):
        for layer in reversed(sources):
            if _contains(layer.data, loc[:depth]):
                return layer.file
    return default


# ----------------------------------------------------------------------------- reading files


def load_yaml(path: str | Path) -> dict:
    """Read one YAML file with the safe loader.

    Args:
        path: The file to read. An empty file reads as an empty mapping.

    Returns:
        The top-level mapping.

    Raises:
        ConfigError: If the file is missing or unreadable, is not valid YAML, uses a tag
            the safe loader refuses (e.g. ``!!python/object``), or is not a mapping.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.one(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.one(path, "", f"cannot read file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError.one(path, "", _yaml_problem(exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError.one(path, "", f"top level must be a mapping of keys, "
                                        f"got {type(data).__name__}")
    return data


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Describe a YAML error with its 1-based line and column."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError):
        problem += " (only plain YAML is accepted; tags such as !!python/... are refused)"
    if mark is None:
        return f"invalid YAML: {problem}"
    return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def _extends_chain(path: Path, stack: tuple[Path, ...] = ()) -> list[_Layer]:
    """Layers of ``path`` and its ``extends`` ancestors, root first."""
    stack = (*stack, path)
    doc = load_yaml(path)
    parent = doc.pop("extends", None)
    if parent is None:
        return [_Layer(str(path), doc)]
    if not isinstance(parent, str) or not parent.strip():
        raise ConfigError.one(path, "extends", f"must be the path of a YAML file, got "
                                               f"{_show(parent)}")
    target = path.parent / parent
    if any(_same_file(target, seen) for seen in stack):
        chain = " → ".join(str(p) for p in (*stack, target))
        raise ConfigError.one(path, "extends", f"cycle: {chain}")
    if not target.is_file():
        raise ConfigError.one(path, "extends", f"file not found: {target} "
                                               f"(paths are relative to the extending file)")
    return [*_extends_chain(target, stack), _Layer(str(path), doc)]


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def resolve_extends(path: str | Path) -> dict:
    """Load a scenario file and merge it over the chain of files it ``extends``.

    ``extends: other.yaml`` is resolved relative to the file that says it. The child is
    deep-merged over its parent (see the module docstring for the rules) and the
    ``extends`` key is dropped. Schema defaults are not applied here.

    Args:
        path: The scenario file.

    Returns:
        The merged mapping.

    Raises:
        ConfigError: On unreadable or malformed files, a missing parent or a cycle.
    """
    return _merge_layers(_extends_chain(Path(path)))


# ----------------------------------------------------------------------------- overrides


def parse_overrides(items: Iterable[str]) -> dict:
    """Parse ``--set dotted.key=value`` items into one nested mapping.

    Values are read with ``yaml.safe_load``, so ``0.9``, ``true``, ``[1, 2]`` and
    ``{a: 1}`` have their YAML types; an empty value is null. Later items win.

    Args:
        items: Strings of the form ``dotted.key=value``.

    Returns:
        The overrides as a nested mapping.

    Raises:
        ConfigError: Attributed to ``"--set"``, for an item without ``=``, with an empty
            or malformed key, or with a value that is not valid YAML.
    """
    result: dict = {}
    problems: list[ConfigProblem] = []
    for item in items:
        try:
            key, value = _parse_override(item)
            _merge_into(result, key, value)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return result


def _parse_override(item: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep:
        raise ConfigError.one(OVERRIDE_SOURCE, "", f"{item!r} is not of the form key=value "
                                                   f"(e.g. policy.referral.recovery_stay_days=5)")
    parts = key.split(".")
    if not key or not all(re.fullmatch(r"[^\s.\[\]=]+", p) for p in parts):
        raise ConfigError.one(OVERRIDE_SOURCE, "", f"{item!r} has an empty or malformed key; "
                              f"use dotted names such as policy.referral.recovery_stay_days "
                              f"(set a list whole, e.g. choice.quality=[1, 2, 3, 4])")
    try:
        return key, yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError.one(OVERRIDE_SOURCE, key, _yaml_problem(exc)) from None


def _merge_into(result: dict, key: str, value: Any) -> None:
    node = result
    *parents, last = key.split(".")
    for part in parents:
        if not isinstance(node.get(part, {}), dict):
            # An earlier item set this prefix to a scalar; the later, deeper item wins.
            node[part] = {}
        node = node.setdefault(part, {})
    node[last] = value


# ----------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and where it came from.

    Attributes:
        scenario: The validated scenario.
        path: The scenario file, or None if built from defaults and overrides only.
        base_dir: Directory that relative paths in the scenario (e.g. ``world.graphml``)
            are resolved against: the scenario file's directory, else the working directory.
    """

    scenario: Scenario
    path: Path | None
    base_dir: Path

    def resolve(self, relative: str | Path) -> Path:
        """Resolve a path written in the scenario against :attr:`base_dir`.

        Args:
            relative: A path as written in the scenario file.

        Returns:
            The path itself if absolute, else ``base_dir / relative``.
        """
        return self.base_dir / Path(relative).expanduser()


def load_scenario(path: str | Path | None, overrides: Sequence[str] | None = None
                  ) -> LoadedScenario:
    """Load, merge and validate a scenario.

    Layers, later winning: schema defaults, the ``extends`` chain, the file, the overrides.

    Args:
        path: The scenario YAML file, or None for the defaults.
        overrides: ``dotted.key=value`` items, applied last.

    Returns:
        The validated scenario with its file and base directory.

    Raises:
        ConfigError: With every problem found, each attributed to the file (or ``"--set"``)
            that set the offending key.
    """
    file = None if path is None else Path(path)
    layers = [_Layer(None, Scenario().model_dump(mode="json"))]
    if file is not None:
        layers += _extends_chain(file)
    if overrides:
        layers.append(_Layer(OVERRIDE_SOURCE, parse_overrides(overrides)))
    try:
        scenario = Scenario.model_validate(_merge_layers(layers))
    except ValidationError as exc:
        default = None if file is None else str(file)
        raise ConfigError(_problem(err, layers, default) for err in exc.errors()) from None
    base_dir = file.resolve().parent if file is not None else Path.cwd()
    return LoadedScenario(scenario, file, base_dir)


def _problem(err: Any, layers: Sequence[_Layer], default: str | None) -> ConfigProblem:
    loc: Loc = tuple(err["loc"])
    return ConfigProblem(_origin(layers, loc, default), format_key(loc), _message(err, loc))


_EXPECTED = {
    "int_parsing": "an integer", "int_type": "an integer", "int_from_float": "a whole number",
    "float_parsing": "a number", "float_type": "a number", "bool_parsing": "true or false",
    "bool_type": "true or false", "string_type": "a string", "list_type": "a list",
    "dict_type": "a mapping of keys", "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys", "finite_number": "a finite number",
}
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _message(err: Any, loc: Loc) -> str:
    """Turn one pydantic error into a message saying what is allowed."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "extra_forbidden":
        return _unknown_key_message(loc)
    site = _site(loc)
    unit = f" [{site.unit}]" if site.unit else ""
    if kind in _RANGE_ERRORS:
        return f"{_show(value)} is out of range; allowed: {_bounds(site.field, ctx)}{unit}"
    if kind in _EXPECTED:
        allowed = _allowed_keys(site.annotation)
        keys = f" (allowed: {allowed})" if allowed and "mapping" in _EXPECTED[kind] else ""
        return f"expected {_EXPECTED[kind]}{unit}{keys}, got {_show(value)}"
    if kind == "missing":
        allowed = f"; {site.field.description}" if site.field and site.field.description else ""
        return f"required key is missing{unit}{allowed}"
    if kind in ("too_short", "too_long"):
        count = ctx.get("actual_length", "?")
        return f"expected {_length(site.field, ctx)} items{unit}, got {count}: {_show(value)}"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return f"{err['msg']}; got {_show(value)}{unit}"


def _unknown_key_message(loc: Loc) -> str:
    owner = _as_model(_site(loc[:-1]).annotation)
    allowed = list(owner.model_fields) if owner else []
    key = str(loc[-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint}  (allowed: {', '.join(allowed)})"


def _allowed_keys(annotation: Any) -> str:
    model = _as_model(annotation)
    if model is None or model.model_config.get("extra") == "allow":
        return ""
    return ", ".join(model.model_fields)


def _bounds(field: FieldInfo | None, ctx: dict) -> str:
    """The allowed range, from the field's constraints (both ends) or the error context."""
    limits = _constraints(field, ("gt", "ge", "lt", "le")) | ctx
    lower = (f"{_num(limits['ge'])} ≤ " if "ge" in limits
             else f"{_num(limits['gt'])} < " if "gt" in limits else "")
    upper = (f" ≤ {_num(limits['le'])}" if "le" in limits
             else f" < {_num(limits['lt'])}" if "lt" in limits else "")
    return f"{lower}value{upper}"


def _constraints(field: FieldInfo | None, names: Iterable[str]) -> dict[str, Any]:
    """Constraints such as ``ge`` or ``max_length`` declared on a field."""
    found: dict[str, Any] = {}
    for meta in field.metadata if field else []:
        for name in names:
            if getattr(meta, name, None) is not None:
                found[name] = getattr(meta, name)
    return found


def _length(field: FieldInfo | None, ctx: dict) -> str:
    """The allowed number of items, from the field's constraints or the error context."""
    limits = _constraints(field, ("min_length", "max_length")) | ctx
    low, high = limits.get("min_length"), limits.get("max_length")
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _show(value: Any, limit: int = 80) -> str:
    """A value as the user would write it in YAML, shortened."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----------------------------------------------------------------------------- output


def resolved_dict(scenario: Scenario) -> dict:
    """Every parameter of a scenario, defaults included, as plain JSON-compatible data.

    Args:
        scenario: A validated scenario.

    Returns:
        ``scenario.model_dump(mode="json")``.
    """
    return scenario.model_dump(mode="json")


def scenario_hash(scenario: Scenario) -> str:
    """A short, stable fingerprint of every parameter of a scenario.

    Args:
        scenario: A validated scenario.

    Returns:
        The first 16 hex digits of the SHA-256 of the canonical JSON of
        :func:`resolved_dict` (sorted keys, compact separators).
    """
    canonical = json.dumps(resolved_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def dump_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML that loads back to an equal scenario.

    Args:
        scenario: A validated scenario.

    Returns:
        YAML text, keys in schema order.
    """
    return yaml.safe_dump(resolved_dict(scenario), sort_keys=False, allow_unicode=True)
