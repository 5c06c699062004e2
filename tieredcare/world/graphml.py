"""County maps as GraphML files: reading them safely and writing them.

A map file may come from anywhere (a GIS export, a colleague, a hand edit), so it is read
defensively. The file is checked with ``stat`` before it is opened (a regular file of at
most :data:`~tieredcare.world.limits.MAX_MAP_BYTES`), then parsed in one streaming pass
(:mod:`tieredcare.world.graphml_reader`) and checked as every map is
(:func:`~tieredcare.world.checks.validated`).

Every problem is a :class:`~tieredcare.world.checks.GraphError` naming the file, the node or
edge, the attribute and what is allowed. Input that is valid but suspicious raises an
:class:`~tieredcare.config.InputWarning`.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

import networkx as nx
import numpy as np

from tieredcare.atomic import atomic_write_bytes
from tieredcare.config import printable
from tieredcare.world import limits
from tieredcare.world.checks import SHOWN_CHARS, GraphError, validated
from tieredcare.world.graphml_reader import GraphMLReader

__all__ = ["GraphError", "load_graphml", "save_graphml", "validated"]


# ----------------------------------------------------------------------------- files


def load_graphml(path: str | os.PathLike[str]) -> nx.Graph:
    """Read a county from GraphML, validating and coercing every attribute.

    Directed graphs and parallel edges are folded into one undirected edge with the
    shortest ``minutes``: roads are taken to be two-way. Key defaults (``<default>``)
    apply to nodes and edges without the attribute. Edges joining a node to itself are
    ignored, with a warning.

    Args:
        path: GraphML file (uncompressed; any text encoding Python knows).

    Returns:
        An undirected graph with string node ids and typed attributes (see module docs of
        :mod:`tieredcare.world.network`).

    Raises:
        GraphError: If the file cannot be read, is too large, is not well-formed GraphML
            or has a missing or invalid attribute; the message names the file, the node or
            edge, the attribute and what is allowed.
    """
    source = printable(os.fspath(path), 400)
    with _open_map(Path(path), source) as stream:
        reader = GraphMLReader(source)
        reader.feed(stream)
    return validated(reader.nodes.items(), reader.edges, source, reader.graph_data)


def save_graphml(graph: nx.Graph, path: str | os.PathLike[str]) -> None:
    """Write a county graph to GraphML atomically.

    The file is written to a temporary file in the same directory and then moved over
    ``path``, so readers never see a half-written file.

    Args:
        graph: County graph, e.g. from :func:`~tieredcare.world.network.build_synthetic`.
        path: Destination file.
    """
    buffer = io.BytesIO()
    nx.write_graphml(_plain_copy(graph), buffer)
    atomic_write_bytes(Path(path), buffer.getvalue())


def _plain_copy(graph: nx.Graph) -> nx.Graph:
    """Copy ``graph`` with numpy scalars turned into Python ones, which GraphML can type."""
    def plain(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v.item() if isinstance(v, np.generic) else v for k, v in data.items()}

    copy = graph.__class__()
    copy.graph.update(plain(graph.graph))
    copy.add_nodes_from((n, plain(d)) for n, d in graph.nodes(data=True))
    copy.add_edges_from((u, v, plain(d)) for u, v, d in graph.edges(data=True))
    return copy


def _open_map(path: Path, source: str) -> BinaryIO:
    """Open a map file for reading after checking, without blocking, that it is one."""
    try:
        info = path.stat()
    except FileNotFoundError as err:
        raise GraphError(f"{source}: GraphML file not found; allowed: the path of an "
                         "existing GraphML file") from err
    except (OSError, ValueError) as err:  # ValueError: a NUL byte in the path
        raise GraphError(f"{source}: cannot be read ({_reason(err)}); allowed: a readable "
                         "GraphML file") from err
    _check_file(info, source)
    try:
        # O_NONBLOCK: if a pipe was swapped in after the check, opening it cannot hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise GraphError(f"{source}: cannot be read ({_reason(err)}); allowed: a readable "
                         "GraphML file") from err
    stream = os.fdopen(fd, "rb")
    try:
        _check_file(os.fstat(fd), source)
    except GraphError:
        stream.close()
        raise
    return stream


def _check_file(info: os.stat_result, source: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise GraphError(f"{source}: is a directory; allowed: a GraphML file")
    if not stat.S_ISREG(info.st_mode):
        raise GraphError(f"{source}: is not a regular file (a device, pipe or socket); "
                         "allowed: a GraphML file")
    if info.st_size > limits.MAX_MAP_BYTES:
        raise GraphError(f"{source}: file is {info.st_size / 2**20:,.1f} MiB; allowed: at "
                         f"most {limits.MAX_MAP_BYTES / 2**20:.0f} MiB (MAX_MAP_BYTES)")


def _reason(err: Exception) -> str:
    return printable(getattr(err, "strerror", None) or str(err), SHOWN_CHARS)
