"""Similarity of rows and comparisons of similarity matrices.

One place for the maths the feed-forward (Fig 2), dynamics (Figs 5-7) and brain (Figs 4f-o, S9,
S10) analyses share: the Gram matrix and cosine similarity of rows, upper triangles, Pearson r
between upper triangles (small matrices: :func:`pearson_upper`; 29,696-node matrices in one pass:
:func:`pair_stats`), its p-value and the Fisher mean of correlation matrices.

Two precisions of :func:`cosine_similarity` exist because the callers need them: the small
analyses work in float64 (batched ``[..., n, k]`` input, one matmul), the brain analysis in float32
built block by block (exactly symmetric, unit diagonal, never copied to float64), so that the full
human left cortex (N = 29,696; 3.5 GB per matrix) fits in memory.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from modbound.core.checks import as_matrix

__all__ = ["BLOCK", "gram", "cosine_similarity", "upper", "pearson_upper", "pair_stats", "pearson_p",
           "fisher_mean"]

#: Rows per block of the float32 Gram matrices (:func:`gram`).
BLOCK = 2048


def gram(Z: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """``Z @ Z.T`` as an exactly symmetric float32 matrix, computed block by block.

    ``Z`` is [N, k]. Only the lower block triangle is multiplied and mirrored, so the result is
    bit-for-bit symmetric (Louvain then never needs a symmetrised copy).
    """
    Z = np.ascontiguousarray(Z, dtype=np.float32)
    n = Z.shape[0]
    G = np.empty((n, n), dtype=np.float32)
    for i0 in range(0, n, block):
        i1 = min(i0 + block, n)
        for j0 in range(0, i0 + 1, block):
            j1 = min(j0 + block, n)
            blk = Z[i0:i1] @ Z[j0:j1].T
            if i0 == j0:
                blk = 0.5 * (blk + blk.T)
            G[i0:i1, j0:j1] = blk
            G[j0:j1, i0:i1] = blk.T
    return G


def cosine_similarity(A, *, dtype=np.float64, block: int = BLOCK, name: str = "A") -> np.ndarray:
    """Cosine similarity of the rows of ``A``, clipped to [-1, 1].

    ``dtype=np.float64`` (default; the feed-forward and dynamics analyses): ``A`` is ``[..., n, k]``
    (batches allowed, so entries are not validated: a row whose norm is 0 or NaN counts as a zero
    row), the result ``[..., n, n]`` float64 from one matmul; a zero row has similarity 0 with every
    row, itself included.

    ``dtype=np.float32`` (the brain analysis): ``A`` is 2-D [n, k]; rows are normalised in float64,
    then the float32 Gram matrix is built ``block`` rows at a time (:func:`gram`: exactly
    symmetric) and the diagonal set to 1 (a zero row has similarity 0 with the others and 1 with
    itself).
    """
    if np.dtype(dtype) == np.float32:
        W = as_matrix(A, name=name, square=False)
        norms = np.linalg.norm(W.astype(np.float64), axis=1)
        Z = (W / np.where(norms > 0, norms, 1.0)[:, None]).astype(np.float32)
        S = gram(Z, block)
        np.fill_diagonal(S, 1.0)
        np.clip(S, -1.0, 1.0, out=S)
        return S
    if np.dtype(dtype) != np.float64:
        raise ValueError(f"cosine_similarity: dtype must be float32 or float64, got {np.dtype(dtype)}")
    A = np.asarray(A, dtype=np.float64)
    if A.ndim < 2:
        raise ValueError(f"{name} must be [..., n, k] (at least 2-D), got shape {A.shape}")
    norm = np.linalg.norm(A, axis=-1, keepdims=True)
    Z = np.divide(A, norm, out=np.zeros_like(A), where=norm > 0)
    return np.clip(Z @ np.swapaxes(Z, -1, -2), -1.0, 1.0)


def upper(M: np.ndarray) -> np.ndarray:
    """Upper-triangle entries (k = 1) of a square matrix, as a vector (row-major order)."""
    M = np.asarray(M)
    return M[np.triu_indices(M.shape[0], k=1)]


def pearson_upper(A: np.ndarray, B: np.ndarray) -> float:
    """Pearson r between the upper triangles of two square matrices (NaN if either is constant)."""
    a, b = upper(A).astype(np.float64), upper(B).astype(np.float64)
    a, b = a - a.mean(), b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def fisher_mean(mats: np.ndarray) -> np.ndarray:
    """Group FC: ``tanh(mean_s arctanh(r_s))`` over subjects (float32, unit diagonal)."""
    mats = np.asarray(mats)
    out = np.zeros(mats.shape[1:], dtype=np.float64)
    for m in mats:
        out += np.arctanh(np.clip(m.astype(np.float64), -0.999999, 0.999999))
    out = np.tanh(out / len(mats)).astype(np.float32)
    np.fill_diagonal(out, 1.0)
    return out


@njit(cache=True)
def _upper_range(A, B):
    lo_a, hi_a, lo_b, hi_b = np.inf, -np.inf, np.inf, -np.inf
    n = A.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            a = A[i, j]
            b = B[i, j]
            lo_a = min(lo_a, a)
            hi_a = max(hi_a, a)
            lo_b = min(lo_b, b)
            hi_b = max(hi_b, b)
    return lo_a, hi_a, lo_b, hi_b


@njit(cache=True)
def _upper_stats(A, B, lo_a, w_a, lo_b, w_b, H):
    """Sums for Pearson r over i < j pairs and a 2-D histogram (bins of width w_a, w_b)."""
    n = A.shape[0]
    nb = H.shape[0]
    sa = sb = saa = sbb = sab = 0.0
    for i in range(n):
        ra = rb = raa = rbb = rab = 0.0
        for j in range(i + 1, n):
            a = A[i, j]
            b = B[i, j]
            ra += a
            rb += b
            raa += a * a
            rbb += b * b
            rab += a * b
            ka = min(int((a - lo_a) / w_a), nb - 1)
            kb = min(int((b - lo_b) / w_b), nb - 1)
            H[ka, kb] += 1
        sa += ra
        sb += rb
        saa += raa
        sbb += rbb
        sab += rab
    return sa, sb, saa, sbb, sab


def pair_stats(A: np.ndarray, B: np.ndarray, bins: int = 40) -> dict:
    """Pearson r between the upper triangles (i < j) of ``A`` and ``B`` and their binned scatter.

    Computed in one pass without flattening (O(1) extra memory besides the histogram). Returns
    ``r``, ``n_pairs``, the histogram ``hist`` [bins, bins] (rows: A bins, columns: B bins) and the
    bin edges ``edges_a``, ``edges_b``.
    """
    A = np.ascontiguousarray(as_matrix(A, name="A"))
    B = np.ascontiguousarray(as_matrix(B, name="B"))
    if A.shape != B.shape:
        raise ValueError(f"pair_stats: shapes differ {A.shape} vs {B.shape}")
    n = A.shape[0]
    if n < 3:
        raise ValueError("pair_stats: need at least 3 nodes")
    lo_a, hi_a, lo_b, hi_b = _upper_range(A, B)
    w_a = max((hi_a - lo_a) / bins, 1e-12)
    w_b = max((hi_b - lo_b) / bins, 1e-12)
    H = np.zeros((bins, bins), dtype=np.int64)
    sa, sb, saa, sbb, sab = _upper_stats(A, B, lo_a, w_a, lo_b, w_b, H)
    m = n * (n - 1) / 2
    cov = sab / m - (sa / m) * (sb / m)
    va = saa / m - (sa / m) ** 2
    vb = sbb / m - (sb / m) ** 2
    r = cov / np.sqrt(va * vb) if va > 0 and vb > 0 else float("nan")
    return {"r": float(r), "n_pairs": int(m), "hist": H,
            "edges_a": lo_a + w_a * np.arange(bins + 1), "edges_b": lo_b + w_b * np.arange(bins + 1)}


def pearson_p(r: float, n: int) -> float:
    """Two-sided p of a Pearson r over n pairs (t distribution); NaN if undefined."""
    from scipy import stats as sps

    if not np.isfinite(r) or n < 3:
        return float("nan")
    r = float(np.clip(r, -0.999999999, 0.999999999))
    t = r * np.sqrt((n - 2) / (1 - r * r))
    return float(2 * sps.t.sf(abs(t), n - 2))
