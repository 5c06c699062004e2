"""Reading scenario files: one YAML file, the chain of files it ``extends``, and map paths.

A file is read with the bounds of :mod:`tieredcare.config.reader` and must be a mapping
with at least one key. ``extends: other.yaml`` names the file's parent, relative to the
file that says it; the chain is read root first, each file a :class:`Layer`. Map file
paths (``world.graphml``, ``world.tables.*`` and a county's ``map``) are written relative
to the file that holds them, so a chain spread over folders is rebased onto the file run.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from tieredcare.config.errors import ConfigError
from tieredcare.config.layers import Layer, merge_layers
from tieredcare.config.messages import show
from tieredcare.config.reader import YamlInputError, parse_yaml, read_input_text


def load_yaml(path: str | Path) -> dict:
    """Read one input YAML file: bounded, safe, duplicate keys refused, at least one key.

    Args:
        path: The file to read.

    Returns:
        The top-level mapping.

    Raises:
        ConfigError: If the file is missing, unreadable, too large or not UTF-8; is not
            valid YAML or breaks a bound of :mod:`tieredcare.config.reader`; uses a tag the
            safe loader refuses (e.g. ``!!python/object``); is not a mapping; or holds no
            keys (empty, only comments, or ``null``).
    """
    try:
        data = parse_yaml(read_input_text(path))
    except FileNotFoundError:
        raise ConfigError.one(path, "", "file not found") from None
    except YamlInputError as exc:
        raise ConfigError.one(path, "", str(exc)) from None
    except OSError as exc:
        raise ConfigError.one(path, "", f"cannot read file: {exc.strerror or exc}") from None
    if data is None or data == {}:
        raise ConfigError.one(path, "", "no keys: the file is empty, holds only comments or "
                              "is null; allowed: a mapping of keys such as 'name: ...' (see "
                              "the parameter table in README.md)")
    if not isinstance(data, dict):
        raise ConfigError.one(path, "", f"top level must be a mapping of keys, "
                                        f"got {type(data).__name__}")
    return data


def extends_chain(path: Path, stack: tuple[Path, ...] = ()) -> list[Layer]:
    """Layers of ``path`` and its ``extends`` ancestors, root first.

    Args:
        path: The scenario file.
        stack: The files that extend ``path``, nearest last (to find cycles).

    Returns:
        One layer per file, without the ``extends`` key.

    Raises:
        ConfigError: On unreadable or malformed files, a missing parent or a cycle.
    """
    stack = (*stack, path)
    doc = load_yaml(path)
    parent = doc.pop("extends", None)
    if parent is None:
        return [Layer(str(path), doc)]
    if not isinstance(parent, str) or not parent.strip():
        raise ConfigError.one(path, "extends", f"must be the path of a YAML file, got "
                                               f"{show(parent)}")
    target = path.parent / parent
    if any(_same_file(target, seen) for seen in stack):
        chain = " → ".join(str(p) for p in (*stack, target))
        raise ConfigError.one(path, "extends", f"cycle: {chain}")
    if not target.is_file():
        raise ConfigError.one(path, "extends", f"file not found: {target} "
                                               f"(paths are relative to the extending file)")
    return [*extends_chain(target, stack), Layer(str(path), doc)]


def resolve_extends(path: str | Path) -> dict:
    """Load a scenario file and merge it over the chain of files it ``extends``.

    ``extends: other.yaml`` is resolved relative to the file that says it. The child is
    deep-merged over its parent (see :mod:`tieredcare.config.layers` for the rules) and
    the ``extends`` key is dropped. Schema defaults are not applied here.

    Args:
        path: The scenario file.

    Returns:
        The merged mapping.

    Raises:
        ConfigError: On unreadable or malformed files, a missing parent or a cycle.
    """
    return merge_layers(extends_chain(Path(path)))


# ----------------------------------------------------------------------------- map paths

MAP_PATHS = (("graphml",), ("tables", "facilities"), ("tables", "villages"), ("tables", "travel"))
"""File paths of a map's settings (``world`` or a county's ``map``)."""


def rebased(layer: Layer, home: Path) -> Layer:
    """A layer whose map paths, relative to its own file, are made relative to ``home``.

    Map files are found relative to the scenario file that is run; a path written in an
    ``extends`` ancestor in another folder means the file beside that ancestor.

    Args:
        layer: A layer read from a file.
        home: The folder of the scenario file that is run.

    Returns:
        ``layer`` itself if its file is in ``home``, else a copy with rebased map paths.
    """
    here = Path(layer.file).parent
    if _same_file(here, home):
        return layer
    data = copy.deepcopy(layer.data)
    for parent, key in _relative_map_paths(data):
        parent[key] = os.path.relpath(here.resolve() / parent[key], home.resolve())
    return Layer(layer.file, data)


def _relative_map_paths(data: dict) -> list[tuple[dict, str]]:
    """Where scenario data holds a relative map file path: (mapping, key) pairs.

    The map settings are ``world`` and each county's ``map`` (see :data:`MAP_PATHS`).
    """
    world = data.get("world")
    holders = [world] if isinstance(world, dict) else []
    counties = world.get("counties") if isinstance(world, dict) else None
    holders += [c["map"] for c in counties or [] if isinstance(c, dict)
                and isinstance(c.get("map"), dict)] if isinstance(counties, list) else []
    found = []
    for holder in holders:
        for keys in MAP_PATHS:
            parent = holder.get(keys[0]) if len(keys) == 2 else holder
            value = parent.get(keys[-1]) if isinstance(parent, dict) else None
            if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
                found.append((parent, keys[-1]))
    return found


def absolute_map_paths(data: dict, base_dir: Path) -> dict:
    """Scenario data whose map file paths are absolute, so it runs from any folder.

    Args:
        data: Scenario data (``resolved_dict``), not changed.
        base_dir: The folder its relative paths are relative to.

    Returns:
        A copy with every relative map path resolved against ``base_dir``.
    """
    data = copy.deepcopy(data)
    for parent, key in _relative_map_paths(data):
        parent[key] = str((Path(base_dir) / Path(parent[key]).expanduser()).resolve())
    return data


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()
