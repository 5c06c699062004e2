"""Compiled kernels (numba) for the hottest daily loops, and the switch between paths.

The kernels fuse what the numpy path does in dozens of array operations into one pass
over the day's patients. They give bit-identical results: each does the same
floating-point operations in the same order, and leaves the transcendental functions
(``exp``, ``log1p``) to numpy, whose vectorised versions may round differently from the
C library that compiled code would call.

Kernels whose rows are independent (each patient's choice) loop over them with
:data:`prange`: on a day with at least :data:`PARALLEL_FROM` rows they run on every core
(numba's threads; ``NUMBA_NUM_THREADS`` limits them), on smaller days in one thread. Each
row's arithmetic is the same either way, so the results do not depend on the threads.

The numpy path runs when numba is not installed or when the environment variable
``TIEREDCARE_NUMBA`` is ``0``; tests switch paths by setting :data:`ENABLED`.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from typing import Any

try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency, but the numpy path stands
    numba = None

prange = numba.prange if numba is not None else range
"""``range`` whose iterations may run on several threads (in a :func:`by_rows` kernel)."""

ENABLED = numba is not None and os.environ.get("TIEREDCARE_NUMBA", "1") != "0"
"""Whether the daily stages use the compiled kernels (read at each call)."""
PARALLEL_FROM = 20_000
"""Rows from which a :func:`by_rows` kernel runs on every core: below, starting the
threads costs more than they save (a prefecture's day has some 30,000 choosers)."""


def njit(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``function`` with numba (cached on disk), or leave it as it is without numba.

    No ``fastmath``: the kernels must round exactly as the numpy path does.
    """
    if numba is None:  # pragma: no cover
        return function
    return numba.njit(cache=True, nogil=True)(function)


def by_rows(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``function`` twice, in one thread and on every core; each call picks one.

    ``function``'s first argument is its rows; its :data:`prange` loops must not depend
    on one another's iterations. Calls with at least :data:`PARALLEL_FROM` rows take the
    threaded version (compiled, or loaded from the cache, at the first such call).
    """
    if numba is None:  # pragma: no cover
        return function
    serial = njit(function)
    # A copy under its own name: numba's cache keeps one entry per function name.
    twin = types.FunctionType(function.__code__, function.__globals__,
                              f"{function.__name__}_threaded", function.__defaults__,
                              function.__closure__)
    twin.__qualname__ = f"{function.__qualname__}_threaded"
    threaded = numba.njit(cache=True, nogil=True, parallel=True)(twin)

    def call(rows: Any, *args: Any) -> Any:
        return (threaded if rows.size >= PARALLEL_FROM else serial)(rows, *args)

    call.py_func = function  # type: ignore[attr-defined]
    call.__doc__ = function.__doc__
    return call
