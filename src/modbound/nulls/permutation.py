"""Null models for the modularity of a given partition.

:func:`permutation_null` asks whether a partition is more modular on ``W``
than random partitions with the same module sizes: node labels are shuffled
and ``Q`` recomputed.  :func:`empirical_p` turns any observed statistic and
its null samples into a p-value; spatial nulls (e.g. brainsmash surrogate
maps) reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modbound.core import stats as st
from modbound.core.checks import as_partition
from modbound.core.modularity import objective, symmetric_matrix

__all__ = ["NullResult", "permutation_null", "empirical_p", "null_summary"]

_TAILS = ("greater", "less", "two-sided")


@dataclass(frozen=True, eq=False)
class NullResult:
    """Observed statistic against its null distribution.

    Attributes
    ----------
    q_obs : float
        Observed modularity.
    q_null : np.ndarray
        Modularity of each shuffled partition, shape ``(n_perm,)``.
    p : float
        One-sided p-value ``(1 + #(q_null >= q_obs)) / (1 + n_perm)``.
    z : float
        ``(q_obs - mean(q_null)) / std(q_null, ddof=1)``; NaN if the null
        has zero spread.
    n_perm : int
        Number of permutations.
    seed : int or None
        Seed of the permutations.
    """

    q_obs: float
    q_null: np.ndarray
    p: float
    z: float
    n_perm: int
    seed: int | None


def empirical_p(obs: float, null, tail: str = "greater") -> float:
    """Permutation p-value of ``obs`` against null samples, with the +1 correction.

    ``"greater"``: ``(1 + #(null >= obs)) / (1 + n)``; ``"less"``: the same
    with ``null <= obs``; ``"two-sided"``: ``min(1, 2 * min(greater, less))``.
    The +1 counts the observation itself as a null sample (Phipson & Smyth
    2010), so p is never 0 and lies in ``[1 / (1 + n), 1]``.
    """
    if tail not in _TAILS:
        raise ValueError(f"tail must be one of {_TAILS}, got {tail!r}")
    obs = float(obs)
    null = np.asarray(null, dtype=np.float64)
    if null.ndim != 1 or null.size == 0:
        raise ValueError(f"null must be a non-empty 1-D array, got shape {null.shape}")
    if not np.isfinite(obs) or not np.all(np.isfinite(null)):
        raise ValueError("obs and null must be finite (no NaN or inf)")
    n = null.size
    greater = (1 + np.count_nonzero(null >= obs)) / (1 + n)
    less = (1 + np.count_nonzero(null <= obs)) / (1 + n)
    if tail == "greater":
        return greater
    if tail == "less":
        return less
    return min(1.0, 2 * min(greater, less))


def permutation_null(W, ci, n_perm: int = 1000, seed: int | None = 0,
                     gamma: float = 1.0, B: str = "negative_asym") -> NullResult:
    """Modularity of ``ci`` on ``W`` against ``n_perm`` label shuffles.

    Each null partition is ``rng.permutation(ci)`` with
    ``rng = np.random.default_rng(seed)`` (same module sizes, random
    membership).  The degree vectors and totals of ``W`` are computed once;
    each permutation then costs one pass over the lower triangle of ``W``
    (1000 permutations take about 0.4 s at N = 2000).  ``W``, ``gamma`` and
    ``B`` are as in :func:`modbound.core.modularity.modularity`.
    """
    if int(n_perm) < 1:
        raise ValueError(f"n_perm must be >= 1, got {n_perm}")
    n_perm = int(n_perm)
    W = symmetric_matrix(W)
    labels = as_partition(ci, W.shape[0], name="ci")
    obj = objective(W, gamma, B)
    q_obs = obj.q(W, labels)
    rng = np.random.default_rng(seed)
    q_null = np.array([obj.q(W, rng.permutation(labels)) for _ in range(n_perm)])
    sd = q_null.std(ddof=1) if n_perm > 1 else 0.0
    z = (q_obs - q_null.mean()) / sd if sd > 0 else float("nan")
    return NullResult(q_obs=q_obs, q_null=q_null, p=empirical_p(q_obs, q_null),
                      z=float(z), n_perm=n_perm, seed=seed)


def null_summary(res: dict, n_perm: int) -> dict:
    """Across networks: induced Q, permutation-null means, their paired t-test, fraction with p < 0.05,
    and the example network (position ``res["example_index"]``, the first when absent)."""
    q, qn, p = res["q_induced"], res["q_null"], res["p"]
    null_mean = qn.mean(axis=1)
    e = int(res["example_index"]) if "example_index" in res else 0
    return {"q_induced": st.describe(q), "q_null_mean": st.describe(null_mean), "z": st.describe(res["z"]),
            "n_modules": st.describe(res["n_modules"]), "p_per_network": p,
            "fraction_p_below_0.05": float(np.mean(p < 0.05)), "n_perm": int(n_perm),
            "ttest_q_induced_vs_null_mean": st.ttest_ind(q, null_mean),
            "example": {"q_induced": float(q[e]), "q_null_mean": float(null_mean[e]),
                        "q_null_sd": float(qn[e].std(ddof=1)) if qn.shape[1] > 1 else None, "p": float(p[e]),
                        "z": float(res["z"][e]) if np.isfinite(res["z"][e]) else None,
                        "n_modules": int(res["n_modules"][e]), "r": float(res["r"][e]) if "r" in res else None}}
