"""Writing a run's folder: manifest, resolved scenario, Parquet tables, summary.

Every file is written to a temporary name and renamed into place, and the whole folder is
assembled under a temporary name first, so a run's folder appears whole or not at all.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from tieredcare.config import dump_yaml, resolved_dict, scenario_hash
from tieredcare.config.policy import switch_days
from tieredcare.run import RunOutput

PACKAGES = ("tieredcare", "mesa", "numpy", "pandas", "pyarrow", "networkx", "pydantic", "scipy")
MANIFEST = "manifest.json"
SCENARIO_FILE = "scenario.yaml"


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
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` when the block ends without error.

    An existing ``target`` is swapped out only once the new folder is complete.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    os.chmod(staging, 0o777 & ~_umask())
    try:
        yield staging
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of Python, of the packages results depend on, and of ``extra`` packages."""
    versions = {"python": platform.python_version()}
    for name in (*PACKAGES, *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(path: Path | None = None) -> str | None:
    """Commit of the git checkout holding ``path`` (or the package), with '+dirty' if changed."""
    where = path or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=where, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty.strip() else "")


def run_manifest(output: RunOutput, *, source: str | None, overrides: list[str],
                 command: list[str] | None = None) -> dict[str, Any]:
    """The manifest of a run: enough to run it again and check the result."""
    scenario = output.scenario
    return {
        "kind": "run",
        "scenario": scenario.name,
        "description": scenario.description,
        "seed": scenario.seed,
        "config_hash": scenario_hash(scenario),
        "source_file": source,
        "overrides": list(overrides),
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(output.wall_seconds, 3),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "files": ["scenario.yaml", "timeseries.parquet", "facilities.parquet", "flows.parquet",
                  "summary.json"],
        "levers": switch_days(scenario.policy),
        "resolved_config": resolved_dict(scenario),
    }


def write_run(output: RunOutput, out_dir: Path, *, source: str | None = None,
              overrides: list[str] | None = None, command: list[str] | None = None) -> Path:
    """Write a run's folder atomically.

    Args:
        output: The run's results.
        out_dir: Folder to create (replaced whole if it exists).
        source: Scenario file the run came from.
        overrides: ``--set`` overrides applied to it.
        command: Command line that made the run.

    Returns:
        The folder written.
    """
    out_dir = Path(out_dir)
    with staged_folder(out_dir) as tmp:
        atomic_write_text(tmp / SCENARIO_FILE, dump_yaml(output.scenario))
        write_parquet(tmp / "timeseries.parquet", output.timeseries)
        write_parquet(tmp / "facilities.parquet", output.facilities)
        write_parquet(tmp / "flows.parquet", output.flows)
        write_json(tmp / "summary.json", {
            "scenario": output.scenario.name, "seed": output.scenario.seed,
            "config_hash": scenario_hash(output.scenario), "indicators": output.summary,
            "episodes": output.episodes, "timeline": output.timeline})
        # The manifest goes last: its presence marks a complete folder.
        write_json(tmp / MANIFEST, run_manifest(output, source=source,
                                                overrides=overrides or [], command=command))
    return out_dir
