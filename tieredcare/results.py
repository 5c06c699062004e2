"""Writing a run's folder: manifest, resolved scenario, Parquet tables, summary.

The folder is written with :mod:`tieredcare.atomic`, so it appears whole or not at all.
"""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tieredcare.atomic import atomic_write_text, staged_folder, write_json, write_parquet
from tieredcare.config import dump_yaml, resolved_dict, scenario_hash
from tieredcare.config.policy import switch_days
from tieredcare.outputs import may_replace
from tieredcare.run import RunOutput

PACKAGES = ("tieredcare", "mesa", "numpy", "pandas", "pyarrow", "networkx", "pydantic", "scipy")
MANIFEST = "manifest.json"
SCENARIO_FILE = "scenario.yaml"


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
                  "groups.parquet", "summary.json"],
        "levers": switch_days(scenario.policy),
        "resolved_config": resolved_dict(scenario),
    }


def write_run(output: RunOutput, out_dir: Path, *, source: str | None = None,
              overrides: list[str] | None = None, command: list[str] | None = None) -> Path:
    """Write a run's folder atomically.

    Args:
        output: The run's results.
        out_dir: Folder to create; an existing run folder there is replaced whole (check
            first with :func:`tieredcare.outputs.check_output`).
        source: Scenario file the run came from.
        overrides: ``--set`` overrides applied to it.
        command: Command line that made the run.

    Returns:
        The folder written.
    """
    out_dir = Path(out_dir)
    with staged_folder(out_dir, replace=may_replace("run")) as tmp:
        atomic_write_text(tmp / SCENARIO_FILE, dump_yaml(output.scenario))
        write_parquet(tmp / "timeseries.parquet", output.timeseries)
        write_parquet(tmp / "facilities.parquet", output.facilities)
        write_parquet(tmp / "flows.parquet", output.flows)
        write_parquet(tmp / "groups.parquet", output.groups)
        write_json(tmp / "summary.json", {
            "scenario": output.scenario.name, "seed": output.scenario.seed,
            "config_hash": scenario_hash(output.scenario), "indicators": output.summary,
            "episodes": output.episodes, "timeline": output.timeline,
            **({"counties": output.counties} if output.counties else {})})
        # The manifest goes last: its presence marks a complete folder.
        write_json(tmp / MANIFEST, run_manifest(output, source=source,
                                                overrides=overrides or [], command=command))
    return out_dir
