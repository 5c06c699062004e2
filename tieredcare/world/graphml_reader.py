"""The streaming pass over a GraphML file: expat events into typed nodes and edges.

:class:`GraphMLReader` decodes the file with its declared encoding and parses it in one
pass with expat, so memory stays bounded by the counted limits of
:mod:`tieredcare.world.limits`. DTDs and entity declarations are refused (no entity bombs),
yEd drawing data is skipped, and every ``<data>`` value is converted under its key's
``attr.type`` here, so a bad value is reported with its line, node and attribute instead of
surfacing as an exception from deep inside a library. Range checks come afterwards, in
:func:`tieredcare.world.checks.validated`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import Any, BinaryIO, NamedTuple
from xml.parsers import expat

from tieredcare.config import printable
from tieredcare.world import limits
from tieredcare.world.checks import SHOWN_CHARS, GraphError, edge_where, node_where, shown

__all__ = ["GraphMLReader"]

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_READ_CHUNK = 1 << 20


# ----------------------------------------------------------------------------- typed values


_INT = re.compile(r"[+-]?[0-9]{1,30}")
_FLOAT = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)",
                    re.IGNORECASE)
_BOOLEAN = {"true": True, "false": False, "1": True, "0": False}


def _as_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if _INT.fullmatch(text) else None


def _as_float(text: str) -> float | None:
    text = text.strip()
    return float(text) if _FLOAT.fullmatch(text) else None


class _Type(NamedTuple):
    convert: Callable[[str], Any]
    allowed: str


_TYPES = {
    "boolean": _Type(lambda t: _BOOLEAN.get(t.strip().lower()), "true, false, 1 or 0"),
    "int": _Type(_as_int, "an integer of at most 30 digits"),
    "integer": _Type(_as_int, "an integer of at most 30 digits"),  # Gephi writes this
    "long": _Type(_as_int, "an integer of at most 30 digits"),
    "float": _Type(_as_float, "a number"),
    "double": _Type(_as_float, "a number"),
    "string": _Type(str, "text"),
}
_TYPE_NAMES = "boolean, int, long, float, double, string"


class _Key(NamedTuple):
    """A ``<key>`` declaration; ``name`` None for yEd drawing keys, whose data is skipped."""

    name: str | None
    type: str
    scope: str


# ----------------------------------------------------------------------------- reader


class GraphMLReader:
    """One streaming pass over a GraphML file with expat, collecting typed nodes and edges.

    Attributes:
        nodes: Node id → attributes, in file order.
        edges: ``(source, target, attributes)`` of each edge element, in file order.
        graph_data: Attributes of the graph itself.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: list[tuple[str, str, dict[str, Any]]] = []
        self.graph_data: dict[str, Any] = {}
        self._keys: dict[str, _Key] = {}
        self._last_key: str | None = None  # the <key> a <default> belongs to
        self._defaults: dict[str, tuple[str, Any]] = {}  # key id → (scope, value)
        self._node_line: dict[str, int] = {}
        self._stack: list[str] = []  # local names of the open elements ("" if foreign)
        self._elements = 0
        self._graphs = 0
        self._owner: tuple[str, dict[str, Any]] | None = None  # where <data> goes
        self._value: tuple[str, str] | None = None  # (key id, "data"/"default") being read
        self._text: list[str] = []
        self._text_chars = 0
        self._structured = False  # the value has child elements (yEd drawing data)
        p = self._parser = expat.ParserCreate(namespace_separator=" ")
        p.buffer_text = True
        p.buffer_size = 1 << 16
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars
        p.StartDoctypeDeclHandler = self._doctype
        p.EntityDeclHandler = self._doctype
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    # ------------------------------------------------------------------ input

    def feed(self, stream: BinaryIO) -> None:
        """Parse the whole file, decoding it with its declared encoding.

        Raises:
            GraphError: On any problem (limits, encoding, XML syntax, GraphML content).
        """
        head = stream.read(_READ_CHUNK)
        decoder_name = self._encoding(head)
        decoder = codecs.getincrementaldecoder(decoder_name)()
        offset, chunk, total = 0, head, len(head)
        try:
            while True:
                last = not chunk
                self._parser.Parse(decoder.decode(chunk, final=last), last)
                if last:
                    break
                offset += len(chunk)
                chunk = stream.read(_READ_CHUNK)
                total += len(chunk)
                if total > limits.MAX_MAP_BYTES:  # the file grew after it was checked
                    raise GraphError(f"{self.source}: file grew while read; allowed: at "
                                     f"most {limits.MAX_MAP_BYTES / 2**20:.0f} MiB (MAX_MAP_BYTES)")
        except UnicodeError as err:
            at = f"byte {offset + err.start:,}" if isinstance(err, UnicodeDecodeError) else "it"
            name = printable(decoder_name, SHOWN_CHARS)
            raise GraphError(f"{self.source}: {at} is not valid {name}; "
                             "allowed: text in the encoding the XML declaration names (UTF-8 "
                             "if none)") from None
        except expat.ExpatError as err:
            raise GraphError(f"{self.source}, line {err.lineno}: not well-formed XML "
                             f"({expat.ErrorString(err.code)}, column {err.offset + 1}); "
                             "allowed: a GraphML file") from None
        if not self._graphs:
            raise GraphError(f"{self.source}: no <graph> element; allowed: a GraphML file "
                             "with one <graph> holding <node> and <edge> elements")
        self._apply_defaults()
        for u, v, _ in self.edges:
            for end in (u, v):
                if end not in self.nodes:
                    raise GraphError(f"{self.source}: {edge_where(u, v)} names "
                                     f"{node_where(end)}, which is not declared; allowed: "
                                     "ids of <node> elements")

    def _encoding(self, head: bytes) -> str:
        """Codec of the file: its byte-order mark, else its XML declaration, else UTF-8."""
        if head.startswith(b"\x1f\x8b"):
            raise GraphError(f"{self.source}: is gzip-compressed; allowed: an uncompressed "
                             "GraphML file")
        for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
            if head.startswith(bom):
                return name
        if head.startswith(b"<\x00?\x00"):
            return "utf-16-le"
        if head.startswith(b"\x00<\x00?"):
            return "utf-16-be"
        declared = re.match(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([^\"'>]{0,60})[\"']", head)
        if declared is None:
            return "utf-8"
        name = declared.group(1).decode("latin-1")
        try:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]{0,39}", name):  # XML's EncName
                raise LookupError(name)
            b"<".decode(name, "ignore")  # refuses unknown codecs and non-text ones (zlib)
            codecs.getincrementaldecoder(name)
        except (LookupError, UnicodeError, ValueError):
            raise GraphError(f"{self.source}: unknown text encoding {shown(name)} in the XML "
                             "declaration; allowed: an encoding such as UTF-8, UTF-16, GBK "
                             "or GB18030") from None
        return name

    # ------------------------------------------------------------------ handlers

    def _fail(self, message: str) -> None:
        line = self._parser.CurrentLineNumber
        raise GraphError(f"{self.source}, line {line}: {message}")

    def _doctype(self, *_: Any) -> None:
        self._fail("declares a DTD or entities (<!DOCTYPE ...>); allowed: GraphML without "
                   "a DTD (entity declarations can expand without bound)")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._elements += 1
        if self._elements > limits.MAX_ELEMENTS:
            self._fail(f"more than {limits.MAX_ELEMENTS:,} XML elements; allowed: at most "
                       f"{limits.MAX_ELEMENTS:,} (MAX_ELEMENTS)")
        uri, _, local = name.rpartition(" ")
        if uri not in ("", GRAPHML_NS):
            local = ""  # another vocabulary (yEd drawing data): skipped
        parent = self._stack[-1] if self._stack else None
        if self._value is not None:
            self._structured = True  # e.g. yEd shapes inside <data>: not a plain value
        elif parent is None and local != "graphml":
            self._fail(f"the root element is <{printable(name, SHOWN_CHARS)}>; allowed: <graphml>")
        elif local == "graph" and parent not in (None, "graphml"):
            self._fail(f"<graph> inside <{parent or 'another element'}> (a nested graph); "
                       "allowed: one flat <graph>")
        elif local in ("node", "edge", "hyperedge") and parent != "graph":
            self._fail(f"<{local}> outside <graph>; allowed: nodes and edges inside <graph>")
        elif parent is not None:
            self._open(parent, local, attrs)
        self._stack.append(local)

    def _open(self, parent: str, local: str, attrs: dict[str, str]) -> None:
        if local == "key" and parent == "graphml":
            self._key(attrs)
        elif local == "default" and parent == "key" and self._last_key is not None:
            self._begin_value(self._last_key, "default")
        elif local == "graph" and parent == "graphml":
            self._graphs += 1
            if self._graphs > 1:
                self._fail("a second <graph>; allowed: one <graph> per file")
            self._owner = ("the graph", self.graph_data)
        elif local == "node":
            self._node(attrs)
        elif local == "edge":
            self._edge(attrs)
        elif local == "hyperedge":
            self._fail("<hyperedge>; allowed: edges between two nodes")
        elif local == "data" and parent in ("node", "edge", "graph") and self._owner:
            key = attrs.get("key")
            if key not in self._keys:
                self._fail(f"<data> of {self._owner[0]} uses key {shown(key)}, which is not "
                           "declared; allowed: the id of a <key> declared before the graph")
            self._begin_value(key, "data")

    def _key(self, attrs: dict[str, str]) -> None:
        self._last_key = None
        key_id = attrs.get("id")
        if not key_id:
            self._fail("<key> without an id; allowed: <key id=... attr.name=... attr.type=...>")
        if key_id in self._keys:
            self._fail(f"key {shown(key_id)} is declared twice; allowed: unique key ids")
        scope = attrs.get("for", "all")
        if "yfiles.type" in attrs:
            self._keys[key_id] = _Key(None, "string", scope)
            return
        name, kind = attrs.get("attr.name"), attrs.get("attr.type", "string")
        if not name:
            self._fail(f"key {shown(key_id)} has no attr.name; allowed: every <key> names "
                       "the attribute it declares")
        if kind not in _TYPES:
            self._fail(f"key {shown(key_id)} ({shown(name)}) has attr.type {shown(kind)}; "
                       f"allowed: {_TYPE_NAMES}")
        self._keys[key_id] = _Key(name, kind, scope)
        self._last_key = key_id

    def _node(self, attrs: dict[str, str]) -> None:
        node = attrs.get("id")
        if not node:
            self._fail("<node> without an id; allowed: <node id=...>")
        if node in self.nodes:
            self._fail(f"{node_where(node)} is declared twice (first on line "
                       f"{self._node_line[node]}); allowed: unique node ids")
        if len(self.nodes) >= limits.MAX_FACILITIES:  # this node would be one too many
            self._fail(f"more than {limits.MAX_FACILITIES:,} nodes; allowed: at most "
                       f"{limits.MAX_FACILITIES:,} facilities (MAX_FACILITIES)")
        data: dict[str, Any] = {}
        self.nodes[node] = data
        self._node_line[node] = self._parser.CurrentLineNumber
        self._owner = (node_where(node), data)

    def _edge(self, attrs: dict[str, str]) -> None:
        u, v = attrs.get("source"), attrs.get("target")
        if not u or not v:
            self._fail("<edge> without a source or target; allowed: <edge source=... "
                       "target=...> naming two nodes")
        if len(self.edges) >= limits.MAX_ROADS:
            self._fail(f"more than {limits.MAX_ROADS:,} edges; allowed: at most "
                       f"{limits.MAX_ROADS:,} (MAX_ROADS)")
        data: dict[str, Any] = {}
        self.edges.append((u, v, data))
        self._owner = (edge_where(u, v), data)

    def _begin_value(self, key: str, kind: str) -> None:
        self._value, self._value_at = (key, kind), len(self._stack)
        self._text, self._text_chars, self._structured = [], 0, False

    def _chars(self, text: str) -> None:
        if self._value is None or self._structured:
            return
        self._text_chars += len(text)
        if self._text_chars > limits.MAX_VALUE_CHARS:
            self._fail(f"a <{self._value[1]}> value longer than {limits.MAX_VALUE_CHARS:,} "
                       f"characters; allowed: at most {limits.MAX_VALUE_CHARS:,} (MAX_VALUE_CHARS)")
        self._text.append(text)

    def _end(self, name: str) -> None:
        local = self._stack.pop()
        if self._value is not None:
            if len(self._stack) == self._value_at:  # the <data> or <default> itself
                self._finish_value()
        elif local in ("node", "edge"):
            self._owner = ("the graph", self.graph_data)
        elif local == "graph":
            self._owner = None

    def _finish_value(self) -> None:
        (key_id, kind), self._value = self._value, None
        key = self._keys[key_id]
        if self._structured or key.name is None:
            return  # drawing data, not an attribute of the model
        text = "".join(self._text)
        if kind == "default":
            value = self._typed(text, key, f"<default> of key {shown(key_id)}")
            self._defaults[key_id] = (key.scope, value)
        elif self._owner is not None:
            self._owner[1][key.name] = self._typed(text, key, self._owner[0])

    def _typed(self, text: str, key: _Key, where: str) -> Any:
        """The value of ``text`` under the key's attr.type; blank stays "" for every type."""
        if key.type == "string":
            return text
        if not text.strip():
            return ""
        value = _TYPES[key.type].convert(text)
        if value is None:
            self._fail(f"{where} attribute {shown(key.name)} is {shown(text)}, but its key "
                       f"declares attr.type {shown(key.type)}; allowed: "
                       f"{_TYPES[key.type].allowed}")
        return value

    def _apply_defaults(self) -> None:
        for key_id, (scope, value) in self._defaults.items():
            name = self._keys[key_id].name
            targets = [*(self.nodes.values() if scope in ("node", "all") else ()),
                       *(data for _, _, data in self.edges if scope in ("edge", "all"))]
            for data in targets:
                data.setdefault(name, value)

