"""Compiled kernels (numba) for the hottest daily loops, and the switch between paths.

The kernels fuse what the numpy path does in dozens of array operations into one pass
over the day's patients. They give bit-identical results: each does the same
floating-point operations in the same order, and leaves the transcendental functions
(``exp``, ``log1p``) to numpy, whose vectorised versions may round differently from the
C library that compiled code would call.

The numpy path runs when numba is not installed or when the environment variable
``TIEREDCARE_NUMBA`` is ``0``; tests switch paths by setting :data:`ENABLED`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency, but the numpy path stands
    numba = None

ENABLED = numba is not None and os.environ.get("TIEREDCARE_NUMBA", "1") != "0"
"""Whether the daily stages use the compiled kernels (read at each call)."""


def njit(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``function`` with numba (cached on disk), or leave it as it is without numba.

    No ``fastmath``: the kernels must round exactly as the numpy path does.
    """
    if numba is None:  # pragma: no cover
        return function
    return numba.njit(cache=True, nogil=True)(function)
