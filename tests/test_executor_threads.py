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
