"""Problems with input files, as errors that name the file, the key path and what is allowed.

Messages are printed to terminals and logs, so they are made safe there: control
characters (a key made of escape codes, say) are shown escaped, each problem line is
bounded in length, and an error keeps at most :data:`MAX_PROBLEMS` problems plus a count
of the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_PROBLEMS = 50
"""Problems an error keeps; the rest are only counted."""
MAX_LINE = 400
"""Longest problem line printed [characters]."""


def printable(text: str, limit: int | None = None) -> str:
    r"""Text safe to print: control characters escaped, optionally shortened.

    Args:
        text: Any text, e.g. a key read from a file.
        limit: Longest result [characters, about]; longer text is cut and ends in
            ``… (N characters)``, so a 5,000-digit value is shown as a few dozen.

    Returns:
        The text with each control or other non-printable character written as a Python
        escape (``\x1b``, ``\n``, ``\u202e``); ordinary letters of any script are kept.
    """
    head = text if limit is None else text[:limit]
    if not head.isprintable():
        head = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in head)
    if limit is not None and (len(head) > limit or len(text) > limit):
        return f"{head[:limit - 1]}… ({len(text):,} characters)"
    return head


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with an input.

    Attributes:
        file: The file that set the offending key, ``"--set"`` for an override, an option
            such as ``"--out"``, or None.
        key: Dotted key path (list items as ``[i]``), or ``""`` for a file-level problem.
        message: What is wrong and what is allowed.
    """

    file: str | None
    key: str
    message: str

    def __str__(self) -> str:
        parts = (self.file, self.key, self.message)
        return printable(": ".join(p for p in parts if p), MAX_LINE)


class ConfigError(Exception):
    """An input could not be used; carries the problems found, one per line.

    Args:
        problems: The problems; only the first :data:`MAX_PROBLEMS` are kept.
        omitted: Further problems found but not kept.
    """

    def __init__(self, problems: Iterable[ConfigProblem], omitted: int = 0) -> None:
        found = list(problems)
        self.problems: list[ConfigProblem] = found[:MAX_PROBLEMS]
        self.omitted = omitted + len(found) - len(self.problems)
        lines = [str(p) for p in self.problems]
        if self.omitted:
            lines.append(f"… and {self.omitted:,} more problem(s) not shown; fix these first")
        super().__init__("\n".join(lines))

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


class InputWarning(UserWarning):
    """Input that is valid but probably not what was meant (e.g. a lever that never starts).

    Raised with :func:`warnings.warn`; the command line prints these before running.
    """
