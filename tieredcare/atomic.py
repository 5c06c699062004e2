"""Atomic writes: a file or a folder appears whole or not at all.

Every file goes to a temporary name in the same folder and is renamed into place; a
folder is assembled under a temporary name and swapped in when complete. An interrupted
run, sweep or export therefore never leaves a half-written result behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads only when a table is written, so the CLI starts quickly
    import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_file(path: Path) -> tuple[int, str]:
    """A temporary file beside ``path`` with the permissions a normal file would get."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private to the owner
    return fd, tmp


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (UTF-8, indented, NaN written as null)."""
    atomic_write_text(path, json.dumps(_clean(data), indent=2, ensure_ascii=False) + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a Parquet table atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_file(path)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become None, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


@contextmanager
def staged_folder(target: Path, *, replace: Callable[[Path], bool] | None = None
                  ) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` when the block ends without error.

    An existing ``target`` is swapped out only once the new folder is complete, and only
    if it is an empty folder or ``replace(target)`` allows it. Otherwise nothing is
    replaced: the new folder is kept beside the target, under a name ending in
    ``.unsaved-<pid>``, and :class:`FileExistsError` says where.

    Args:
        target: The folder to create or replace.
        replace: Whether an existing, non-empty ``target`` may be replaced.

    Raises:
        FileExistsError: If ``target`` exists (not an empty folder) and may not be replaced.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    os.chmod(staging, 0o777 & ~_umask())
    try:
        yield staging
        old = None
        if os.path.lexists(target) and not _is_empty_folder(target):
            if replace is None or target.is_symlink() or not replace(target):
                kept = target.with_name(f"{target.name}.unsaved-{os.getpid()}")
                os.replace(staging, kept)
                raise FileExistsError(f"{target} appeared while the results were being made "
                                      f"and is not ours to replace; the results are in {kept}")
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _is_empty_folder(path: Path) -> bool:
    if path.is_symlink() or not path.is_dir():
        return False
    with os.scandir(path) as entries:
        return next(entries, None) is None
