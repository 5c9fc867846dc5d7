"""The real MNIST digits vendored in the repository (``data/mnist/mnist.npz``; Fig S4, paper Supplement .0.1).

The archive holds ``x_train`` uint8 [60000, 28, 28], ``y_train`` uint8 [60000], ``x_test`` uint8 [10000, 28, 28]
and ``y_test`` uint8 [10000] in the canonical MNIST order (``data/PROVENANCE.md``). It is checked against
``data/SHA256SUMS`` before it is read (:func:`modbound.datasets.vendored.verified`), so a changed or truncated
copy stops with an error naming it; nothing is downloaded.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from modbound.core import io
from modbound.datasets import vendored

__all__ = ["RELPATH", "SPLITS", "DESCRIPTION", "load", "root_of"]

#: The archive, relative to the vendored data folder (``data/``).
RELPATH = "mnist/mnist.npz"
#: Split -> number of images in the canonical MNIST files.
SPLITS = {"train": 60_000, "test": 10_000}
#: How figures and stats name the data set.
DESCRIPTION = "MNIST (LeCun et al. 1998; 28x28 px, 60,000 training and 10,000 test images; vendored, SHA-256 checked)"


def root_of(path: str | os.PathLike) -> Path:
    """The vendored data folder of the archive ``path`` (``<root>/mnist/mnist.npz``); ``ValueError`` naming the
    path if it is not laid out so (its checksum is listed relative to that folder)."""
    path = Path(path)
    if path.parts[-len(Path(RELPATH).parts):] != Path(RELPATH).parts:
        raise ValueError(f"{path}: not the vendored MNIST archive (expected <data folder>/{RELPATH})")
    return path.parents[len(Path(RELPATH).parts) - 1]


def load(root: str | os.PathLike) -> dict[str, np.ndarray]:
    """``x_train``, ``y_train``, ``x_test``, ``y_test`` (uint8) from ``root/mnist/mnist.npz`` (``root``: the
    vendored ``data/`` folder), after its checksum; ``ValueError`` naming the file if it is not MNIST-shaped."""
    path = vendored.verified(root, RELPATH)
    arrays = io.load_npz(path, required=("x_train", "y_train", "x_test", "y_test"))
    for split, n in SPLITS.items():
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.shape != (n, 28, 28):
            raise ValueError(f"{path}: x_{split} must be uint8 [{n}, 28, 28], got {x.dtype} {list(x.shape)}")
        if y.dtype != np.uint8 or y.shape != (n,) or int(y.max()) > 9:
            raise ValueError(f"{path}: y_{split} must be uint8 [{n}] digits 0..9, got {y.dtype} {list(y.shape)}")
    return {k: arrays[k] for k in ("x_train", "y_train", "x_test", "y_test")}
