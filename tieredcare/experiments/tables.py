"""The consolidated tables of a sweep folder, rebuilt from the finished runs' folders.

``summary.parquet`` (one row per run × indicator) and ``groups.parquet`` (one row per run ×
indicator × group) are always written anew from ``runs/<run_id>/``, never appended to, so
resuming a sweep cannot duplicate rows. Both are streamed a batch of runs at a time into
one Parquet file, replaced atomically, so memory does not grow with the sweep.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tieredcare.experiments.designs import POINT
from tieredcare.experiments.members import MEMBER
from tieredcare.experiments.plan import REPLICATE, RUN_ID, SEED
from tieredcare.experiments.store import GROUPS, INDICATOR, SUMMARY, VALUE, SweepStore


def consolidate(store: SweepStore, runs: pd.DataFrame, chunk: int = 2000) -> int:
    """Rebuild ``summary.parquet`` from the finished runs' folders.

    Reads ``chunk`` runs' summaries at a time and streams them to the file, so memory
    does not grow with the number of runs.

    Args:
        store: The sweep's folder.
        runs: The design table (``design.parquet``).
        chunk: Runs read per batch.

    Returns:
        Rows written: finished runs × indicators.
    """
    done = runs[runs[RUN_ID].isin(store.done_ids())]
    return _stream_parquet(store.path(SUMMARY), (
        _long(store, done.iloc[start:start + chunk])
        for start in range(0, max(len(done), 1), chunk)))


def consolidate_groups(store: SweepStore, runs: pd.DataFrame, chunk: int = 500) -> int:
    """Rebuild ``groups.parquet`` from the finished runs' ``groups.parquet`` files.

    Streams ``chunk`` runs at a time, so memory does not grow with the sweep. Nothing
    is written if no finished run kept its group table.

    Args:
        store: The sweep's folder.
        runs: The design table (``design.parquet``).
        chunk: Runs read per batch.

    Returns:
        Rows written.
    """
    done = runs[runs[RUN_ID].isin(store.done_ids())]
    kept = {r for r in done[RUN_ID].unique() if (store.run_dir(r) / GROUPS).is_file()}
    done = done[done[RUN_ID].isin(kept)]
    if done.empty:
        store.path(GROUPS).unlink(missing_ok=True)
        return 0
    labels = id_columns(done)
    ids = pd.Series(done[RUN_ID].unique())
    # Each design row gets its run's table (identical points, or members, share a run).
    return _stream_parquet(store.path(GROUPS), (
        done[labels].merge(pd.concat(
            [pd.read_parquet(store.run_dir(r) / GROUPS).assign(run_id=r)
             for r in ids.iloc[start:start + chunk]], ignore_index=True),
            on=RUN_ID, how="inner", validate="many_to_many")
        for start in range(0, len(ids), chunk)))


def _long(store: SweepStore, runs: pd.DataFrame) -> pd.DataFrame:
    """Runs × indicators in long format, parameter columns repeated on every row.

    Identical design points share a run; each of their (point, replicate) rows gets
    the run's indicators.
    """
    ids, names, values = [], [], []
    for rid in runs[RUN_ID].drop_duplicates():
        for name, value in store.read_run_summary(rid)["indicators"].items():
            ids.append(rid)
            names.append(name)
            values.append(np.nan if value is None else float(value))
    long = pd.DataFrame({RUN_ID: pd.Series(ids, dtype=object),
                         INDICATOR: pd.Series(names, dtype=object),
                         VALUE: np.asarray(values, dtype=np.float64)})
    long = runs.merge(long, on=RUN_ID, how="inner", validate="many_to_many")
    head = [*id_columns(runs), INDICATOR, VALUE]
    return long[head + [c for c in runs.columns if c not in head]]


def id_columns(runs: pd.DataFrame) -> list[str]:
    """Columns naming a row of the design: run id, point, (member,) replicate, seed."""
    member = [MEMBER] if MEMBER in runs.columns else []
    return [RUN_ID, POINT, *member, REPLICATE, SEED]


def _stream_parquet(target: Path, frames: Iterable[pd.DataFrame]) -> int:
    """Write tables one after the other into one Parquet file, atomically.

    Args:
        target: The file to replace.
        frames: Tables with the same columns (each may be read only when its turn comes).

    Returns:
        Rows written.
    """
    tmp = _temp_path(target)
    rows, writer = 0, None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table.cast(writer.schema))
            rows += table.num_rows
        if writer is not None:
            writer.close()
            os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return rows


def _temp_path(target: Path) -> str:
    """A temporary file beside ``target``, with the permissions a new file would get."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes files private to the owner
    return tmp
