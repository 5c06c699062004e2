"""Reading YAML input files safely: bounded size, depth and alias expansion; no duplicates.

Scenario, sweep and other input files are small and written by hand, so anything far
beyond that is refused before it can cost much time or memory:

- the file must be a regular file of at most :data:`MAX_FILE_BYTES`;
- mappings and lists may nest at most :data:`MAX_DEPTH` deep;
- the document may hold at most :data:`MAX_VALUES` values, an alias (``*name``) counted
  as often as it is used: the guard against "billion laughs" documents whose aliases
  multiply a few lines into billions of values; and an anchor may not contain an alias
  to itself;
- an integer may have at most :data:`MAX_INT_DIGITS` digits;
- a key given twice in one mapping is an error (YAML loaders silently keep the last),
  reported with its line and the line of its first appearance.

Only the safe subset of YAML is read: tags such as ``!!python/object`` are refused.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 256 * 1024
"""Largest input file read [bytes]: 256 KiB, some 5,000 lines, far above any scenario or
sweep file (the default scenario, written out in full, is about 8 KiB)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists (scenarios nest about 6 deep)."""
MAX_VALUES = 50_000
"""Most values (keys, scalars, lists, mappings) a document may hold, an alias counting as
often as it is used (a full scenario holds about 600)."""
MAX_INT_DIGITS = 20
"""Most digits of an integer (2^63 has 19)."""
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlInputError(ValueError):
    """A YAML text that is refused; the message says where and what is allowed."""


def read_input_text(path: str | Path, *, limit: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 input file that is a regular file of at most ``limit`` bytes.

    A byte-order mark is dropped. The size is checked before reading, and at most
    ``limit + 1`` bytes are read, so a file that grows meanwhile cannot exhaust memory.

    Args:
        path: The file.
        limit: Largest size accepted [bytes].

    Returns:
        The file's text.

    Raises:
        FileNotFoundError: If the file does not exist.
        YamlInputError: If it is not a regular file, is too large or is not UTF-8 text.
        OSError: If it cannot be read.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise YamlInputError(f"is {kind}; allowed: a YAML text file")
    if info.st_size > limit:
        raise YamlInputError(f"is {info.st_size:,} bytes; allowed: at most {limit:,} bytes "
                             "(input files are small text files)")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise YamlInputError(f"is larger than {limit:,} bytes; allowed: at most {limit:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlInputError(f"is not UTF-8 text (byte {exc.start}); allowed: a YAML text "
                             "file in UTF-8") from None


def parse_yaml(text: str) -> Any:
    """Parse one YAML document with the bounds and checks of this module.

    Args:
        text: The YAML text.

    Returns:
        The document as plain Python data (None for an empty document).

    Raises:
        YamlInputError: On malformed YAML, a refused tag, too deep nesting, too large an
            alias expansion, a too long integer, or duplicate keys; the message gives
            the 1-based line (and column) where it can.
    """
    loader = None
    try:
        loader = _BoundedLoader(text)  # checks the characters first: may raise already
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    except YamlInputError:
        raise
    except yaml.YAMLError as exc:
        raise YamlInputError(_yaml_problem(exc)) from None
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Describe a YAML error with its 1-based line and column."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError):
        problem += " (only plain YAML is accepted; tags such as !!python/... are refused)"
    if mark is None:
        return f"invalid YAML: {problem}"
    return f"invalid YAML at {_where(mark)}: {problem}"


def _where(mark: yaml.Mark | None) -> str:
    return "an unknown line" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}"


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader with a depth limit, bounded integers and duplicate-key errors."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        # Composing recurses once per level of nesting; stop long before Python's limit.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlInputError(f"nesting deeper than {MAX_DEPTH} levels at "
                                     f"{_where(self.peek_event().start_mark)}; allowed: at "
                                     f"most {MAX_DEPTH} levels of mappings and lists")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        if isinstance(node, MappingNode):
            _check_unique_keys(self, node)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        digits = len(node.value.replace("_", "").lstrip("+-"))
        if digits > MAX_INT_DIGITS:
            raise YamlInputError(f"integer of {digits} digits at {_where(node.start_mark)}; "
                                 f"allowed: at most {MAX_INT_DIGITS} digits")
        return super().construct_yaml_int(node)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
# Numbers such as 1e-3 or 4E5 (no dot) are floats in YAML 1.2 but text in YAML 1.1; read
# them as numbers, as researchers write them.
_BoundedLoader.add_implicit_resolver("tag:yaml.org,2002:float",
                                     re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"),
                                     list("-+0123456789"))


def _check_unique_keys(loader: _BoundedLoader, node: MappingNode) -> None:
    """Raise if a key appears twice among a mapping's own keys (merged ``<<`` keys aside)."""
    seen: dict[Any, yaml.Mark] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node.start_mark)
        except TypeError:
            raise YamlInputError(f"a list or mapping used as a key at "
                                 f"{_where(key_node.start_mark)}; allowed: text keys") from None
        if first is not key_node.start_mark:
            raise YamlInputError(f"duplicate key {_short(key)} at {_where(key_node.start_mark)} "
                                 f"(first given at line {first.line + 1}); allowed: each key "
                                 "once per mapping")


def _short(key: Any, limit: int = 60) -> str:
    text = repr(key)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_expansion(root: Node) -> None:
    """Refuse a document of more than :data:`MAX_VALUES` values once aliases expand.

    Aliases make the composed document a graph whose shared nodes are counted once per
    reference; sizes are memoised per node, so the count costs one visit per node. A node
    reached again while its own size is still being counted is a recursive alias.
    """
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            in_progress.discard(key)
            if sizes[key] > MAX_VALUES:
                raise YamlInputError(f"the document holds more than {MAX_VALUES:,} values "
                                     f"(from {_where(node.start_mark)} on, aliases counted as "
                                     "often as they are used); allowed: at most that many")
            continue
        if key in sizes:
            continue
        if key in in_progress:
            raise YamlInputError(f"an anchor contains an alias to itself at "
                                 f"{_where(node.start_mark)}; allowed: aliases to finished "
                                 "values")
        in_progress.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []
