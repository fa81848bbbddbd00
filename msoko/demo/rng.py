"""Deterministic random streams for the demo.

Every part of the generator draws from its own stream, keyed by the seed and by what it is
generating (``stream(seed, "vpr", 2024, "M1", "math", 5)``). A stream does not depend on
how many numbers other parts drew or in which order they ran, so the region can be
generated municipality by municipality, in chunks, and still give the same data.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _entropy(seed: int, keys: tuple[object, ...]) -> list[int]:
    digest = hashlib.sha256("\x1f".join(str(k) for k in keys).encode()).digest()
    return [
        int(seed) & 0xFFFFFFFF,
        *(int.from_bytes(digest[i : i + 4], "little") for i in (0, 4, 8, 12)),
    ]


def stream(seed: int, *keys: object) -> np.random.Generator:
    """A numpy generator for ``keys`` under ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(_entropy(seed, keys)))


def stable_unit(*keys: object) -> float:
    """A number in [0, 1) that depends only on ``keys`` (not on the seed): for fixed
    properties such as the difficulty of a task of a work."""
    digest = hashlib.sha256("\x1f".join(str(k) for k in keys).encode()).digest()
    return int.from_bytes(digest[:8], "little") / 2**64
