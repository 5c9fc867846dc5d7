"""The null-model interface: a null model draws null partitions, and any statistic of a partition is tested
against its values on them.

A null model (:class:`NullModel`) has a ``name`` (the one config chooses it by) and one method,
``partitions(ci, n, seed) -> [n, N]``: ``n`` null partitions of the observed partition ``ci``, each with its
module sizes, drawn deterministically from ``seed``. :func:`null_test` evaluates a statistic (a function of a
partition, e.g. the modularity it induces on a matrix) on ``ci`` and on each null partition, and returns a
:class:`NullResult` with the null's name, so that every analysis can write which null it used.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

__all__ = ["NullModel", "NullResult", "null_test", "empirical_p"]

_TAILS = ("greater", "less", "two-sided")


@dataclass(frozen=True, eq=False)
class NullResult:
    """Observed statistic against its null distribution.

    Attributes
    ----------
    q_obs : float
        Observed statistic (the modularity induced by the observed partition, for the nulls of Q).
    q_null : np.ndarray
        The statistic of each null partition, shape ``(n_perm,)``.
    p : float
        One-sided p-value ``(1 + #(q_null >= q_obs)) / (1 + n_perm)``.
    z : float
        ``(q_obs - mean(q_null)) / std(q_null, ddof=1)``; NaN if the null has zero spread.
    n_perm : int
        Number of null samples.
    seed : int or None
        Seed of the null samples.
    null : str
        Name of the null model (:data:`modbound.nulls.NULL_MODELS`).
    partitions : np.ndarray or None
        The null partitions ``[n_perm, N]`` (None where not kept).
    """

    q_obs: float
    q_null: np.ndarray
    p: float
    z: float
    n_perm: int
    seed: int | None
    null: str = ""
    partitions: np.ndarray | None = None


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


class NullModel(ABC):
    """A null model of partitions. Subclasses set ``name`` and implement :meth:`partitions`; whatever else a
    null needs (distances, a map of the nodes) is given to its constructor."""

    name: ClassVar[str]
    #: what the constructor needs (given to :func:`modbound.nulls.make` as keywords)
    requires: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def partitions(self, ci: np.ndarray, n: int, seed: int | None) -> np.ndarray:
        """``n`` null partitions of ``ci`` (int64 ``[n, N]``, same module sizes), deterministic for ``seed``."""


def null_test(model: NullModel, statistic: Callable[[np.ndarray], float], ci: np.ndarray, n: int,
              seed: int | None, *, keep_partitions: bool = False) -> NullResult:
    """``statistic(ci)`` against ``statistic`` of ``n`` null partitions of ``model`` (one-sided, greater)."""
    if int(n) < 1:
        raise ValueError(f"the number of null samples must be >= 1, got {n}")
    n = int(n)
    obs = float(statistic(ci))
    parts = model.partitions(ci, n, seed)
    null = np.array([statistic(p) for p in parts], dtype=np.float64)
    sd = null.std(ddof=1) if n > 1 else 0.0
    z = (obs - null.mean()) / sd if sd > 0 else float("nan")
    return NullResult(q_obs=obs, q_null=null, p=empirical_p(obs, null), z=float(z), n_perm=n, seed=seed,
                      null=model.name, partitions=parts if keep_partitions else None)
