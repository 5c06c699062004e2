"""Reading an ensemble folder: its members, and what each gives a scenario.

Kept free of pyabc, so ``compare --ensemble`` needs only the folder
(:mod:`tieredcare.calibration.ensemble` writes it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tieredcare.config import ConfigError
from tieredcare.config.keys import get_path

if TYPE_CHECKING:  # the targets module reads sweep machinery, which reads this one
    from tieredcare.calibration.targets import Calibration

FOLDER = "ensemble"
TABLE = "ensemble.parquet"
INFO = "ensemble.json"


def posterior_summary(cal: Calibration, table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter and target: the members' mean and 2.5–97.5 % range."""
    rows = []
    for key in cal.spec.parameters:
        rows.append({"kind": "parameter", "name": key, **_spread(table[key])})
    for key, target in cal.spec.targets.items():
        low, high = target.interval
        rows.append({"kind": "target", "name": key, **_spread(table[f"{key}:simulated"]),
                     "target_low": low, "target_high": high})
    return pd.DataFrame(rows)


def _spread(values: pd.Series) -> dict[str, float]:
    a = values.to_numpy(float)
    return {"mean": float(a.mean()), "low": float(np.quantile(a, 0.025)),
            "high": float(np.quantile(a, 0.975))}


@dataclass(frozen=True)
class Ensemble:
    """A calibration's ensemble, as ``compare --ensemble`` uses it.

    Attributes:
        folder: The ensemble folder.
        table: ``ensemble.parquet``.
        scale: Parameter key → whether its value is a factor on the scenario's entries.
    """

    folder: Path
    table: pd.DataFrame
    scale: dict[str, bool]

    @property
    def size(self) -> int:
        """Members in the ensemble."""
        return len(self.table)

    def values(self, member: int) -> dict[str, float]:
        """Parameter key → the member's value (or factor)."""
        row = self.table.iloc[member]
        return {key: _number(row[key]) for key in self.scale}

    def applied(self, config: dict, member: int) -> dict[str, Any]:
        """Dotted key → the scenario value the member gives a scenario (``--set`` style)."""
        out: dict[str, Any] = {}
        for key, x in self.values(member).items():
            if not self.scale[key]:
                out[key] = x
                continue
            current = get_path(config, key)
            out[key] = ({k: v * x for k, v in current.items()} if isinstance(current, dict)
                        else [v * x for v in current])
        return out


def _number(value: Any) -> float | int:
    """A plain Python number: whole-number parameters are stored as integers."""
    return value.item() if hasattr(value, "item") else value


def load_ensemble(path: str | Path) -> Ensemble:
    """Read an ensemble folder (or the calibration folder holding one).

    Raises:
        ConfigError: If the folder holds no readable ensemble.
    """
    folder = Path(path)
    if (folder / FOLDER / INFO).is_file():
        folder = folder / FOLDER
    info_file = folder / INFO
    if not info_file.is_file() or not (folder / TABLE).is_file():
        raise ConfigError.one(str(folder), "", f"no ensemble here (wanted {INFO} and {TABLE}; "
                              "`tieredcare calibrate` writes them under ensemble/)")
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
        scale = {key: bool(p["scale"]) for key, p in info["parameters"].items()}
        table = pd.read_parquet(folder / TABLE)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError.one(str(info_file), "", f"unreadable ensemble: {exc}") from None
    missing = [key for key in scale if key not in table.columns]
    if missing or table.empty:
        raise ConfigError.one(str(folder / TABLE), "", "no members, or columns missing: "
                              f"{', '.join(missing) or 'member rows'}")
    return Ensemble(folder, table, scale)


def check_calibrated_keys(ensemble: Ensemble, configs: Iterable[tuple[str, dict]]) -> None:
    """A compared scenario may not change a calibrated value: the ensemble sets it.

    Args:
        ensemble: The ensemble.
        configs: (file, resolved scenario) of the baseline first, then the others.

    Raises:
        ConfigError: Naming the scenario file and the key it changes.
    """
    items = list(configs)
    _, base = items[0]
    problems = []
    for file, config in items[1:]:
        for key in ensemble.scale:
            if not _same(get_path(config, key), get_path(base, key)):
                problems.append((file, key))
    if problems:
        file, key = problems[0]
        raise ConfigError.one(file, key, "differs from the baseline, but the ensemble "
                              "calibrated it; a policy scenario may not change a calibrated "
                              f"value ({', '.join(k for _, k in problems)})")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-12)
    return a == b
