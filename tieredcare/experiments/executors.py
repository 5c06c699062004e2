"""Executors: where runs execute (this process, a process pool, or a Dask cluster).

All executors share one small interface, :meth:`Executor.map_unordered`: give it a
function and an iterable of tasks, get back ``(task, result)`` pairs as tasks finish, in
any order. A task that raises (or whose worker dies) comes back with the exception as its
result; the other tasks carry on. Tasks are drawn from the iterable lazily and only a
couple per worker are in flight at once, so memory stays flat however many runs a sweep
has.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
EXECUTORS = ("serial", "processes", "dask")
IN_FLIGHT_PER_WORKER = 2
"""Tasks queued per worker: enough to keep it busy, few enough to keep memory flat."""
PRELOAD = ("tieredcare.experiments.worker",)
"""Modules the fork server imports once for all worker processes."""


class Executor(ABC):
    """Where runs execute. Use as a context manager so workers are shut down."""

    kind = "executor"
    workers = 1

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - optional hook; serial has nothing to release
        """Release workers and connections."""

    def describe(self) -> dict[str, Any]:
        """What the manifest records about this executor."""
        return {"executor": self.kind, "workers": self.workers}

    @abstractmethod
    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]
                      ) -> Iterator[tuple[T, R | BaseException]]:
        """Apply ``fn`` to every task, yielding ``(task, result or exception)`` as each ends.

        Args:
            fn: A module-level (picklable) function of one task.
            tasks: The tasks, drawn lazily.

        Yields:
            Each task with its result, or with the exception that ended it.
        """


class SerialExecutor(Executor):
    """Runs tasks one after another in this process (debugging, tiny sweeps)."""

    kind = "serial"

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]
                      ) -> Iterator[tuple[T, R | BaseException]]:
        """See :meth:`Executor.map_unordered`."""
        for task in tasks:
            try:
                result: R | BaseException = fn(task)
            except Exception as exc:  # a failing task is reported, the others go on
                result = exc
            yield task, result


class ProcessExecutor(Executor):
    """A pool of worker processes on this machine (``concurrent.futures``).

    Workers are started with the ``forkserver`` method where the platform has it (else
    ``spawn``): a server process imports the model once and forks each worker from it,
    which is quick and, unlike plain ``fork``, safe while this process runs threads (a
    progress bar, Arrow's pools). If a worker process dies (killed, out of memory), the
    tasks it and its siblings held come back as failed with ``BrokenProcessPool`` and a
    fresh pool takes the next tasks.

    Args:
        workers: Worker processes; default ``os.cpu_count()``.
        start_method: ``forkserver``, ``spawn`` or ``fork``; default as above.
    """

    kind = "processes"

    def __init__(self, workers: int | None = None, start_method: str | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        methods = multiprocessing.get_all_start_methods()
        self.start_method = start_method or ("forkserver" if "forkserver" in methods
                                             else "spawn")
        self._context = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            self._context.set_forkserver_preload(list(PRELOAD))
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context,
                                   initializer=_start_worker,
                                   initargs=(os.getpid(), threads_per_worker(self.workers)))
        # Start every worker now and together: started one by one as tasks arrive, each
        # would import the model while the others already run.
        wait([pool.submit(_ready) for _ in range(self.workers)])
        return pool

    def describe(self) -> dict[str, Any]:
        """Executor, workers and how worker processes are started."""
        return {**super().describe(), "start_method": self.start_method}

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]
                      ) -> Iterator[tuple[T, R | BaseException]]:
        """See :meth:`Executor.map_unordered`."""
        in_flight = windowed(lambda task: self._submit(fn, task), _first_done, tasks,
                             lambda: IN_FLIGHT_PER_WORKER * self.workers)
        for task, future in in_flight:
            yield task, _outcome(future)

    def _submit(self, fn: Callable[[T], R], task: T) -> Future:
        try:
            return self._pool.submit(fn, task)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(fn, task)

    def close(self) -> None:
        """Cancel queued tasks and stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A Dask cluster: a local one, or an existing one (e.g. SLURM jobs via dask-jobqueue).

    Workers write the run folders themselves, so with a remote cluster the sweep's
    folder must be on a file system the workers share.

    Args:
        workers: Worker processes of a local cluster; default ``os.cpu_count()``.
        scheduler: Address of an existing scheduler (``tcp://host:8786``); if None, a
            ``LocalCluster`` of single-threaded worker processes is started.
    """

    kind = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        from dask.distributed import Client, LocalCluster

        self.scheduler = scheduler
        self._cluster = None
        # A remote cluster's workers are sized by whoever started them: left as they are.
        self._kernel_threads: int | None = None
        if scheduler is None:
            n = workers or os.cpu_count() or 1
            self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self._cluster)
            self._kernel_threads = threads_per_worker(n)
        else:
            self.client = Client(scheduler, timeout="60s")
        self._threads = (0.0, 0)

    @property
    def workers(self) -> int:  # type: ignore[override]
        """Worker threads the cluster has now (it may grow or shrink), checked every 5 s."""
        checked, threads = self._threads
        if time.monotonic() - checked > 5.0:
            threads = sum(self.client.nthreads().values())
            self._threads = (time.monotonic(), threads)
        return threads

    def describe(self) -> dict[str, Any]:
        """Executor, workers, scheduler address and dashboard link."""
        return {**super().describe(), "scheduler": self.client.scheduler.address,
                "dashboard": self.client.dashboard_link}

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]
                      ) -> Iterator[tuple[T, R | BaseException]]:
        """See :meth:`Executor.map_unordered`."""
        run = fn if self._kernel_threads is None else partial(
            _with_threads, fn, self._kernel_threads)

        def submit(task: T) -> Any:
            return self.client.submit(run, task, pure=False)

        def window() -> int:
            # A cluster still waiting for its jobs has no workers: queue a few tasks anyway.
            return max(4, IN_FLIGHT_PER_WORKER * self.workers)

        for task, future in windowed(submit, _dask_first_done, tasks, window):
            yield task, _outcome(future)
            future.release()

    def close(self) -> None:
        """Disconnect; stop the local cluster if this executor started it."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None
                  ) -> Executor:
    """Build an executor by name.

    Args:
        kind: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (processes, local dask).
        scheduler: Address of a running Dask scheduler (dask only).

    Returns:
        The executor; close it (or use it in a ``with`` block) when done.

    Raises:
        ValueError: For an unknown kind.
    """
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise ValueError(f"unknown executor {kind!r}; allowed: {', '.join(EXECUTORS)}")


def windowed(submit: Callable[[T], Any], first_done: Callable[[list], Iterable],
             tasks: Iterable[T], window: Callable[[], int]) -> Iterator[tuple[T, Any]]:
    """Keep at most ``window()`` tasks submitted; yield ``(task, future)`` as each ends.

    Args:
        submit: Submits one task, returning its future.
        first_done: Blocks until at least one of the given futures is done; returns those.
        tasks: The tasks, drawn lazily.
        window: How many tasks may be in flight (asked again as tasks end).

    Yields:
        Each task with its finished future.
    """
    source = iter(tasks)
    pending: dict[Any, T] = {}

    def refill() -> None:
        while len(pending) < window():
            task = next(source, _END)
            if task is _END:
                return
            pending[submit(task)] = task

    refill()
    while pending:
        for future in first_done(list(pending)):
            yield pending.pop(future), future
        refill()


_END = object()


def _ready() -> int:
    return os.getpid()


def threads_per_worker(workers: int) -> int:
    """Compiled-kernel threads each of ``workers`` processes may use: the cores shared out.

    A large run's kernels use every core (:mod:`tieredcare.fast`); with one worker per core
    that would start workers² threads on the machine's cores, each waiting for the others.
    Results do not depend on the number of threads.
    """
    return max(1, (os.cpu_count() or 1) // max(workers, 1))


def _start_worker(parent: int, threads: int) -> None:
    """Worker initializer: share the cores out, and end with the sweep's process."""
    _limit_threads(threads)
    _exit_with_parent(parent)


def _limit_threads(threads: int) -> None:
    """Let compiled kernels started from this thread use at most ``threads`` threads."""
    with suppress(ImportError):
        import numba

        # numba's setting holds for the thread that makes it, the one that runs the tasks.
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def _with_threads(fn: Callable[[T], R], threads: int, task: T) -> R:
    """``fn(task)`` with the kernels' threads limited (a Dask worker's task thread)."""
    _limit_threads(threads)
    return fn(task)


def _exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """Worker initializer: end this worker once the sweep's process is gone.

    A pool's workers wait for tasks forever, so after ``kill -9`` of the sweep they would
    linger (and finish runs nobody records); this watch ends them within ``interval``.
    """

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid now belongs to another user's process
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _first_done(futures: list[Future]) -> set[Future]:
    return wait(futures, return_when=FIRST_COMPLETED).done


def _dask_first_done(futures: list) -> Iterable:
    from dask.distributed import wait as dask_wait

    return dask_wait(futures, return_when="FIRST_COMPLETED").done


def _outcome(future: Any) -> Any:
    try:
        return future.result()
    except Exception as exc:  # the task's error, a lost worker, a broken pool
        return exc
