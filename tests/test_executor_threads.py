"""Worker processes share the cores out: each one's compiled kernels use its part only."""

from __future__ import annotations

import operator
import os

import numba
import pytest

from tieredcare.experiments.executors import (
    DaskExecutor,
    ProcessExecutor,
    threads_per_worker,
)


def test_threads_per_worker_shares_the_cores() -> None:
    cores = os.cpu_count() or 1
    assert threads_per_worker(1) == cores
    assert threads_per_worker(cores) == 1
    assert threads_per_worker(4 * cores) == 1


@pytest.mark.parametrize("kind", [ProcessExecutor, DaskExecutor])
def test_each_worker_uses_its_share_of_the_cores(kind: type) -> None:
    expected = min(threads_per_worker(2), numba.config.NUMBA_NUM_THREADS)
    with kind(workers=2) as executor:
        threads = [r for _, r in executor.map_unordered(
            operator.call, [numba.get_num_threads] * 4)]
    assert threads == [expected] * 4


def test_a_remote_scheduler_runs_tasks_on_its_own_workers() -> None:
    from dask.distributed import LocalCluster

    # A real cluster started apart from the executor, reached by its scheduler's address.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:
        with DaskExecutor(scheduler=cluster.scheduler_address) as executor:
            assert executor.workers == 1
            assert executor.describe()["scheduler"] == cluster.scheduler_address
            results = sorted(r for _, r in executor.map_unordered(abs, [-3, -1, 2]))
        assert cluster.status.name == "running"  # closing the executor leaves it running
    assert results == [1, 2, 3]
