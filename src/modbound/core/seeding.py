"""Deterministic seed derivation.

Every random choice in the workflow takes its seed from the configuration's master ``seed``.
Sub-seeds are derived from the master seed and a path of names/indices with NumPy's
``SeedSequence`` (stable across platforms and Python versions, unlike ``hash()``).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["derive_seed", "derive_seeds"]


def _key(part: int | str) -> int:
    if isinstance(part, (bool, np.bool_)):
        raise TypeError("seed path parts must be int or str, not bool")
    if isinstance(part, (int, np.integer)):
        if part < 0:
            raise ValueError(f"seed path parts must be non-negative, got {part}")
        return int(part)
    if isinstance(part, str):
        return zlib.crc32(part.encode("utf-8"))
    raise TypeError(f"seed path parts must be int or str, got {type(part).__name__}")


def derive_seed(master: int, *path: int | str) -> int:
    """A 31-bit integer seed derived from ``master`` and a path such as ``("pdm", "init", 3)``."""
    ss = np.random.SeedSequence([_key(master), *(_key(p) for p in path)])
    return int(ss.generate_state(1, dtype=np.uint32)[0] >> 1)


def derive_seeds(master: int, n: int, *path: int | str) -> list[int]:
    """``n`` distinct-stream seeds: ``derive_seed(master, *path, i)`` for i in range(n)."""
    return [derive_seed(master, *path, i) for i in range(n)]
