"""Named random streams derived from one root seed.

Each random process (onsets, choice, signups, ...) draws from its own generator, derived
from the root seed and the process name with :class:`numpy.random.SeedSequence`. Two
scenarios run with the same seed therefore share every draw their policies do not change
(common random numbers), and adding a new process never shifts the draws of another.
"""

from __future__ import annotations

import zlib

import numpy as np


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


class RandomStreams:
    """One :class:`numpy.random.Generator` per named process, created on first use.

    Args:
        root: Root seed of the run.
    """

    def __init__(self, root: int) -> None:
        self.root = int(root)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """The generator of process ``name``."""
        if name not in self._generators:
            self._generators[name] = np.random.default_rng(stream_seed(self.root, name))
        return self._generators[name]


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
