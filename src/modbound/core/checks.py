"""Input validation shared by the whole project.

Every public function that takes a matrix or a partition should pass it
through :func:`as_matrix` / :func:`as_partition` first, so that bad input
fails early with a ``ValueError`` naming the argument and the problem
(instead of a NaN result or an obscure numba typing error later on).

Conventions
-----------
* Matrices are returned as real floating ``np.ndarray``.  With ``dtype=None``
  float32 and float64 input is returned unchanged (no copy -- important for
  the 29,696 x 29,696 float32 matrices); other real numeric types (integers,
  float16, ...) are converted to float64.
* Bool, complex, object and string dtypes are rejected: they are almost
  always a bug upstream (a mask or an FFT output passed by mistake).
* Finiteness is checked without allocating an N x N temporary.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_matrix", "as_partition"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_CHUNK_ROWS = 512  # rows scanned at a time when locating non-finite entries


def _reject_dtype(dtype: np.dtype, name: str) -> None:
    """Raise if ``dtype`` is not a real, non-bool numeric dtype."""
    if dtype == np.bool_:
        raise ValueError(f"{name} has bool dtype; cast it to a float dtype explicitly")
    if np.issubdtype(dtype, np.complexfloating):
        raise ValueError(f"{name} has complex dtype {dtype}; a real matrix is required")
    if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
        raise ValueError(f"{name} has non-numeric dtype {dtype}")


def _non_finite(W: np.ndarray, allow_nan: bool) -> tuple[int, int, tuple[int, int] | None]:
    """Count NaN and inf entries of a 2-D float array; return (n_nan, n_inf, first bad index).

    NaNs are not counted as bad when ``allow_nan`` is True.  The common
    all-finite case costs one float64 sum (no temporary); only when that sum
    is not finite are rows scanned in chunks.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(W, dtype=np.float64)):
            return 0, 0, None
    n_nan = n_inf = 0
    first = None
    for start in range(0, W.shape[0], _CHUNK_ROWS):
        block = W[start:start + _CHUNK_ROWS]
        nan = np.isnan(block)
        inf = np.isinf(block)
        n_nan += int(nan.sum())
        n_inf += int(inf.sum())
        bad = inf if allow_nan else (nan | inf)
        if first is None and bad.any():
            r, c = np.unravel_index(int(np.argmax(bad)), bad.shape)
            first = (start + int(r), int(c))
    return n_nan, n_inf, first


def as_matrix(W, *, name: str = "matrix", square: bool = True,
              allow_nan: bool = False, dtype=None) -> np.ndarray:
    """Validate a 2-D real matrix and return it as a float ``np.ndarray``.

    Parameters
    ----------
    W : array_like
        The matrix.
    name : str
        Name used in error messages (e.g. ``"W"``).
    square : bool
        Require ``W.shape[0] == W.shape[1]``.
    allow_nan : bool
        Accept NaN entries (inf is always rejected).
    dtype : dtype or None
        Target float dtype.  ``None`` keeps float32/float64 unchanged (no
        copy) and converts other real numeric types to float64.

    Raises
    ------
    ValueError
        If ``W`` is not 2-D, is empty, is not square (when required), has a
        bool / complex / object / string dtype, or contains NaN (unless
        allowed) or inf.  The message names ``name`` and the problem.
    """
    A = np.asarray(W)
    _reject_dtype(A.dtype, name)
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got {A.ndim}-D array of shape {A.shape}")
    if A.size == 0:
        raise ValueError(f"{name} is empty (shape {A.shape})")
    if square and A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be square, got non-square shape {A.shape}")
    if dtype is not None:
        target = np.dtype(dtype)
        if not np.issubdtype(target, np.floating):
            raise ValueError(f"dtype for {name} must be a float dtype, got {target}")
    else:
        target = A.dtype if A.dtype in _FLOATS else np.dtype(np.float64)
    A = A.astype(target, copy=False)
    n_nan, n_inf, first = _non_finite(A, allow_nan)
    if first is not None:
        problems = []
        if n_nan and not allow_nan:
            problems.append(f"{n_nan} NaN")
        if n_inf:
            problems.append(f"{n_inf} inf")
        raise ValueError(f"{name} contains {' and '.join(problems)} value(s); "
                         f"first non-finite entry at index {first}")
    return A


def as_partition(ci, n: int, *, name: str = "partition") -> np.ndarray:
    """Validate a partition (one module label per node) and relabel it.

    Parameters
    ----------
    ci : array_like
        1-D labels of length ``n``.  Integer dtype, or float with integral
        values (as some toolboxes return); any hashable-by-value integers,
        negative ones included, are valid labels.
    n : int
        Expected number of nodes.
    name : str
        Name used in error messages.

    Returns
    -------
    np.ndarray of int64
        Labels relabelled to ``0..k-1`` in order of first appearance, e.g.
        ``[5, 5, 2, 9, 2] -> [0, 0, 1, 2, 1]``.

    Raises
    ------
    ValueError
        Wrong dimension or length, bool / non-numeric dtype, NaN or inf, or
        non-integral float labels.
    """
    c = np.asarray(ci)
    _reject_dtype(c.dtype, name)
    if c.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got {c.ndim}-D array of shape {c.shape}")
    if c.shape[0] != n:
        raise ValueError(f"{name} has length {c.shape[0]}, expected {n} (one label per node)")
    if np.issubdtype(c.dtype, np.floating):
        bad = ~np.isfinite(c)
        if bad.any():
            raise ValueError(f"{name} contains {int(np.isnan(c).sum())} NaN and "
                             f"{int(np.isinf(c).sum())} inf label(s); "
                             f"first at index {int(np.argmax(bad))}")
        if np.any(c != np.round(c)):
            raise ValueError(f"{name} contains non-integer labels")
    _, first_idx, inverse = np.unique(c, return_index=True, return_inverse=True)
    rank = np.empty(first_idx.size, dtype=np.int64)
    rank[np.argsort(first_idx, kind="stable")] = np.arange(first_idx.size)
    return rank[inverse.reshape(-1)]
