"""Named random streams derived from one root seed.

Each random process (onsets, choice, signups, ...) draws from its own generator, derived
from the root seed and the process name with :class:`numpy.random.SeedSequence`. Two
scenarios run with the same seed therefore share every draw their policies do not change
(common random numbers), and adding a new process never shifts the draws of another.
"""

from __future__ import annotations

import zlib

import numpy as np

from tieredcare import fast
from tieredcare.fast import draws as fast_draws
from tieredcare.fast.draws import GOLDEN, M1, M2


def stream_seed(root: int, name: str) -> np.random.SeedSequence:
    """Seed sequence of the stream ``name`` under ``root``.

    Args:
        root: Root seed of the run.
        name: Name of the random process.

    Returns:
        A seed sequence that depends only on ``root`` and ``name``.
    """
    # crc32 is stable across Python runs, unlike hash().
    return np.random.SeedSequence(entropy=root, spawn_key=(zlib.crc32(name.encode()),))




def _splitmix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, in place: a fast, well-mixed bijection of 64-bit integers.

    Array arithmetic in uint64 wraps around silently, which is what the mixer wants.
    """
    x += GOLDEN
    x ^= x >> np.uint64(30)
    x *= M1
    x ^= x >> np.uint64(27)
    x *= M2
    x ^= x >> np.uint64(31)
    return x


class RandomStreams:
    """Random numbers for each named process, derived from one root seed.

    ``streams[name]`` is a :class:`numpy.random.Generator` for draws made in bulk (onsets,
    the synthetic population). :meth:`uniform` gives draws keyed by an identifier instead
    (an episode id and the attempt number): the same episode gets the same number in every
    scenario run with the same seed, however many other patients choose that day, which
    keeps policy comparisons low-noise.

    Args:
        root: Root seed of the run.
    """

    def __init__(self, root: int) -> None:
        self.root = int(root)
        self._generators: dict[str, np.random.Generator] = {}
        self._keys: dict[str, np.uint64] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """The generator of process ``name``."""
        if name not in self._generators:
            self._generators[name] = np.random.default_rng(stream_seed(self.root, name))
        return self._generators[name]

    def uniform(self, name: str, keys: np.ndarray, salt: np.ndarray | int = 0) -> np.ndarray:
        """Uniform numbers in [0, 1), one per key, fixed by (root, name, key, salt).

        Args:
            name: The random process.
            keys: Identifiers, e.g. episode ids.
            salt: A second identifier, e.g. the attempt number or which draw of several.

        Returns:
            Float64 array shaped like ``keys``.
        """
        if name not in self._keys:
            self._keys[name] = stream_seed(self.root, name).generate_state(1, np.uint64)[0]
        keys = np.asarray(keys, dtype=np.int64)
        if fast.ENABLED:
            # One pass from the keys, where the salt is one number, one per key or (for
            # keys [n]) one per row of the draws, [k, 1]; other shapes take the numpy path.
            salts = np.asarray(salt, dtype=np.uint64)
            grid = keys.ndim == 1 and salts.ndim == 2 and salts.shape[1] == 1
            if salts.size == 1 and salts.ndim <= keys.ndim or salts.shape == keys.shape or grid:
                out = fast_draws.uniform_of_keys(keys.ravel(), salts.ravel(), self._keys[name],
                                                 grid)
                return out if grid else out.reshape(keys.shape)
        # A fresh array (shaped like keys and salt together) that the mixer may change.
        x = keys.view(np.uint64) * M2
        if not (isinstance(salt, int) and salt == 0):
            x = x + np.asarray(salt, dtype=np.uint64)
        x ^= self._keys[name]
        x = _splitmix(x) >> np.uint64(11)  # the top 53 bits
        return x * (1.0 / 2**53)


def replicate_seeds(root: int, n: int) -> list[int]:
    """Seeds of ``n`` replicate runs spawned from a root seed.

    Args:
        root: Root seed of a comparison or sweep.
        n: Number of replicates.

    Returns:
        ``n`` independent 63-bit seeds, the same for the same ``root``.
    """
    children = np.random.SeedSequence(root).spawn(n)
    return [int(c.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
