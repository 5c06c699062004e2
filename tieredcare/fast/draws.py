"""Keyed uniform draws in one compiled pass (see :meth:`tieredcare.streams.RandomStreams.uniform`).

The numpy path mixes the keys with a dozen whole-array operations; on a small day their
fixed cost is most of the draw. Integer arithmetic wraps around the same in both.
"""

from __future__ import annotations

import numpy as np

from tieredcare.fast import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
"""The splitmix64 constants (:func:`tieredcare.streams._splitmix` uses them too)."""
M1, M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31)


@njit
def uniform_of_keys(keys, salt, key, grid):  # pragma: no cover - compiled
    """Uniform numbers in [0, 1) from ``keys`` [n] (int64), ``salt`` (uint64), the stream's key.

    As :meth:`~tieredcare.streams.RandomStreams.uniform`: each key times M2 plus its salt,
    ``key`` xor-ed in, the splitmix64 finaliser, the top 53 bits. ``salt`` holds one
    number per key [n], one for all [1], or with ``grid`` one per row of the result [k]
    (the numpy path's broadcast of a [k, 1] salt): [k, n].
    """
    n_rows = salt.size if grid else 1
    out = np.empty((n_rows, keys.size))
    step = 1 if salt.size == keys.size and not grid else 0
    for j in range(n_rows):
        for i in range(keys.size):
            z = np.uint64(keys[i]) * M2 + salt[j if grid else i * step]
            z = (z ^ key) + GOLDEN
            z ^= z >> _S30
            z *= M1
            z ^= z >> _S27
            z *= M2
            z ^= z >> _S31
            out[j, i] = np.float64(z >> _S11) * (1.0 / 2**53)
    return out


def warm_up() -> None:
    """Compile the kernel, or load it from numba's cache, before the first day."""
    uniform_of_keys(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.uint64), np.uint64(0),
                    False)
