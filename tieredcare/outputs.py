"""Where a command may write its results, and what it may replace.

A command never deletes or overwrites a folder it did not create. It writes a results
folder of one kind (``run``, ``compare``, ``sweep``) to a target that

- does not exist yet (its parents are created), or is an empty folder; or
- is a results folder of the same kind, whose ``manifest.json`` says so, and only when
  the user asked for it (``--overwrite``; ``--resume`` for a sweep).

Anything else — the working folder or one of its parents, a file, a symbolic link, a
folder holding other files, a results folder of another kind — is refused before
anything runs, naming the file and key (or option) the target came from. The check is
made again just before a finished folder is swapped in (see :func:`may_replace`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tieredcare.config import ConfigError, printable

MANIFEST = "manifest.json"
MAX_NAME_BYTES = 255
"""Longest file or folder name most file systems accept [bytes of UTF-8]."""


@dataclass(frozen=True)
class OutputTarget:
    """A results folder to write and where its path came from.

    Attributes:
        path: The folder.
        origin: What named it, for error messages: ``"--out"``, or the scenario or sweep
            file whose ``name`` it was derived from.
        key: The key in ``origin`` (``"name"``), or ``""`` for an option.
    """

    path: Path
    origin: str | None
    key: str = ""

    def error(self, message: str) -> ConfigError:
        """An error about this target, naming where it came from.

        Args:
            message: What is wrong, phrased to follow the folder ("is a file", ...).

        Returns:
            The error, attributed to ``--out <path>`` or to the file and key of the name.
        """
        if self.origin == "--out" or self.origin is None:
            prefix = "--out " if self.origin == "--out" else ""
            return ConfigError.one(f"{prefix}{self.path}", "", message)
        return ConfigError.one(self.origin, self.key,
                               f"gives the results folder {self.path}, which {message}")


def output_target(out: Path | None, default: Path, *, source: str | Path | None,
                  key: str = "name") -> OutputTarget:
    """The folder a command writes to: ``--out`` if given, else its default.

    Args:
        out: The ``--out`` option, or None.
        default: The folder derived from a name (``results/<name>``).
        source: The file that set the name (for error messages).
        key: The key that set the name.

    Returns:
        The target and where it came from.
    """
    if out is not None:
        return OutputTarget(Path(out), "--out")
    return OutputTarget(Path(default), None if source is None else str(source), key)


def manifest_kind(folder: Path) -> str | None:
    """The ``kind`` recorded in a folder's ``manifest.json``, or None if there is none."""
    path = folder / MANIFEST
    try:
        if not path.is_file() or path.stat().st_size > 64 * 2**20:
            return None
        kind = json.loads(path.read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


def check_output(target: OutputTarget, kind: str, *, overwrite: bool = False,
                 action: str = "--overwrite", ignored: tuple[str, ...] = ()) -> None:
    """Refuse a target the command may not write to (see the module docs).

    Args:
        target: The folder and where its path came from.
        kind: The kind of results folder the command writes.
        overwrite: Whether the user asked to replace results of the same kind.
        action: The option that allows replacing them, named in the message.
        ignored: Names of the command's own files that do not make a folder non-empty
            (a sweep's lock file).

    Raises:
        ConfigError: If writing there could delete or overwrite something the command
            did not create, naming the file and key (or option) of the target.
    """
    path = target.path
    problem = _path_problem(path)
    if problem:
        raise target.error(problem)
    if not os.path.lexists(path):
        return
    if path.is_symlink():
        raise target.error("is a symbolic link; allowed: a new folder or a results folder "
                           "(give the real path)")
    if not path.is_dir():
        raise target.error("is a file, not a folder; nothing was written (choose another "
                           "--out)")
    entries = [e for e in _first_entries(path, 4 + len(ignored)) if e not in ignored]
    if not entries:
        return
    found = manifest_kind(path)
    if found == kind:
        if overwrite:
            return
        raise target.error(f"already holds {kind} results; add {action} to replace them, or "
                           "choose another --out (nothing was written)")
    shown = ", ".join(repr(printable(e, 40)) for e in entries[:3])
    what = (f"holds {found} results, not {kind} results" if found
            else f"exists and is not a {kind} results folder (it holds {shown}"
                 f"{', …' if len(entries) > 3 else ''})")
    raise target.error(f"{what}; a command never replaces a folder it did not create "
                       "(choose another --out; nothing was written)")


def may_replace(kind: str) -> Callable[[Path], bool]:
    """A test for :func:`tieredcare.atomic.staged_folder`: replace only results of ``kind``.

    Args:
        kind: The kind of results folder being written.

    Returns:
        A function saying whether an existing folder may be swapped out.
    """
    return lambda folder: manifest_kind(folder) == kind


def _path_problem(path: Path) -> str | None:
    """Why ``path`` can never be a results folder, or None."""
    text = str(path)
    if not text.isprintable():
        return "holds control characters; allowed: a printable folder path"
    for part in path.parts:
        if len(part.encode("utf-8")) > MAX_NAME_BYTES:
            return (f"has a name of {len(part.encode('utf-8'))} bytes; allowed: at most "
                    f"{MAX_NAME_BYTES} bytes per folder name")
    resolved = path.resolve()
    here = Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        return ("is the working folder or one of its parents; allowed: a folder of its own "
                "(e.g. results/<name>)")
    for parent in resolved.parents:
        if parent.exists() and not parent.is_dir():
            return f"cannot be created: {printable(str(parent))} is a file"
    return None


def _first_entries(folder: Path, limit: int = 4) -> list[str]:
    """Up to ``limit`` names in a folder, without listing a huge folder whole."""
    names = []
    with os.scandir(folder) as entries:
        for entry in entries:
            names.append(entry.name)
            if len(names) >= limit:
                break
    return sorted(names)


FILE_SIGNS = {
    "graphml": (b"<graphml",),
    "geojson": (b'"FeatureCollection"',),
    "png": (b"\x89PNG",),
    "svg": (b"<svg",),
}
"""What the first kilobytes of a file of each kind hold, to recognise files we wrote."""


def check_output_file(path: Path, kind: str, *, overwrite: bool = False,
                      origin: str = "--out") -> None:
    """Refuse a file a command may not write (the rule of :func:`check_output`, for files).

    A file is written if it does not exist yet, or if it is a file of the same kind (its
    first bytes say so) and the user asked for it (``--overwrite``).

    Args:
        path: The file to write.
        kind: One of :data:`FILE_SIGNS`.
        overwrite: Whether the user asked to replace a file of the same kind.
        origin: The option or file that named it, for messages.

    Raises:
        ConfigError: If writing there could replace something else.
    """
    name = f"{origin} {path}"
    problem = _path_problem(path)
    if problem:
        raise ConfigError.one(name, "", problem)
    if not os.path.lexists(path):
        return
    if path.is_symlink() or not path.is_file():
        raise ConfigError.one(name, "", "exists and is not a plain file; allowed: a new file")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not any(sign in head for sign in FILE_SIGNS[kind]):
        raise ConfigError.one(name, "", f"exists and is not a {kind} file; it is never "
                              "replaced (choose another --out)")
    if not overwrite:
        raise ConfigError.one(name, "", f"already exists; add --overwrite to replace this "
                              f"{kind} file, or choose another --out")
