"""Signed modularity of dense weight matrices: evaluation and Louvain optimisation.

Objectives
----------
With ``W+ = max(W, 0)``, ``W- = max(-W, 0)``, degrees ``k± = W± 1``, totals
``s± = sum(W±)`` and resolution ``gamma``, define
``B0 = W+ - gamma k+ k+' / s+`` and ``B1 = W- - gamma k- k-' / s-``.
The modularity of a partition is ``Q = sum_{i,j in the same module} B_ij``
(diagonal included) for

* ``"negative_asym"`` (Rubinov & Sporns 2011): ``B = B0/s+ - B1/(s+ + s-)``;
* ``"negative_sym"``: ``B = (B0 - B1) / (s+ + s-)``;
* ``"modularity"`` (Newman): ``B = B0 / s+``; negative weights are an error.

These are exactly the objectives of bctpy's ``community_louvain(W, gamma,
B=...)``, whose returned ``q`` they reproduce for symmetric ``W``.  A sign
part with zero total (e.g. no negative weights) contributes nothing.

Conventions
-----------
* ``W`` is symmetrised explicitly, ``(W + W.T) / 2``, when it is not exactly
  symmetric (a ``UserWarning`` is issued when the asymmetry is more than
  rounding), so Q is always that of the symmetrised matrix.  bctpy does not
  symmetrise: its ``q`` multiplies out- by in-degrees in the null term and
  its node moves use only the rows of B, so on asymmetric input its ``q``
  differs from ours and is not what its moves optimise.  Symmetrise before
  calling bctpy if you compare the two.
* No N x N float64 objective matrix is ever formed: ``Q`` is computed from
  ``W`` itself plus per-module sums of ``k+`` and ``k-``, accumulating in
  float64.  float32 ``W`` is used as is (never copied to float64), so an
  N = 29,696 float32 matrix (3.5 GB) can be analysed in < 10 GB.
* Partitions are ``int64`` labels ``0..k-1`` in order of first appearance.

:func:`louvain` optimises these objectives: bctpy's Louvain algorithm
(identical moves given identical node orders) followed by refinement with
single-node moves and Kernighan-Lin passes, in numba; it is more than 10x
faster than bctpy for the same number of restarts at N >= 2000, with equal
or higher Q (``benchmarks/bench_louvain.py``).

Internally every objective is written as
``Q = sum_same f(W_ij) - cp sum_c Kp_c^2 + cn sum_c Kn_c^2`` with
``f(w) = ap w`` for ``w > 0`` and ``an w`` otherwise, ``Kp_c``/``Kn_c`` the
module sums of ``k+``/``k-``, and scalars ``ap, an, cp, cn`` set by the
objective (see :func:`objective`).  On an aggregated (module-level) matrix
``f`` is already applied, so the same formula holds with ``ap = an = 1``.

The steps of one Louvain run are public (:class:`LouvainLevel`, :func:`local_moving`, :func:`coarsen`,
:func:`louvain_run`, and the kernels :func:`signed_weight` (``f``), :func:`sweep_scan`, :func:`module_sums`,
:func:`aggregate`, :func:`with_free_slot`), so that each can be checked against bctpy step by step;
:func:`louvain` is the entry point.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

from modbound.core.checks import as_matrix, as_partition
from modbound.core.defaults import GAMMA, LOUVAIN_RUNS

__all__ = ["OBJECTIVES", "Objective", "LouvainResult", "modularity", "induced_modularity",
           "louvain", "consensus", "agreement", "ari", "objective", "symmetric_matrix"]

OBJECTIVES = ("negative_asym", "negative_sym", "modularity")
_MOVE_TOL = 1e-12     # minimum gain (in units of Q) for a node move
_MAX_SWEEPS = 1000    # per level; bctpy raises after 1000, we stop
_SUMS_BUDGET = 2**30  # bytes allowed for the node-to-module table of a Louvain level
_SMALL_LEVEL = 256    # levels with at most this many nodes always use the table
_KL_PATIENCE = 50     # Kernighan-Lin pass stops after this many moves without a new best
_ASYM_RTOL = 1e-6     # asymmetry (relative to max |W|) above which we warn


# --------------------------------------------------------------------------
# numba kernels (C-contiguous float32 or float64 matrices, int64 labels)
# --------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _asymmetry(W):
    """Return (max |W_ij - W_ji|, max |W_ij|), visiting W in cache-friendly tiles."""
    n = W.shape[0]
    tile = 64
    asym = 0.0
    big = 0.0
    for i0 in range(0, n, tile):
        for j0 in range(0, i0 + 1, tile):
            for i in range(i0, min(i0 + tile, n)):
                for j in range(j0, min(j0 + tile, i + 1)):
                    asym = max(asym, abs(W[i, j] - W[j, i]))
                    big = max(big, abs(W[i, j]), abs(W[j, i]))
    return asym, big


@njit(cache=True, fastmath=True, nogil=True)
def _signed_degrees(W):
    """Row sums of the positive and negative parts: (k+, k-), float64."""
    n = W.shape[0]
    kp = np.empty(n)
    kn = np.empty(n)
    for i in range(n):
        p = 0.0
        m = 0.0
        for j in range(n):
            w = W[i, j]
            p += max(w, 0.0)
            m += max(-w, 0.0)
        kp[i] = p
        kn[i] = m
    return kp, kn


@njit(cache=True, fastmath=True, nogil=True)
def _within_sums(W, labels):
    """Sums of W+ and W- over same-module pairs (i, j), diagonal included.

    ``W`` must be symmetric: only the lower triangle is read.
    """
    n = W.shape[0]
    p = 0.0
    m = 0.0
    for i in range(n):
        li = labels[i]
        rp = 0.0
        rm = 0.0
        for j in range(i):
            w = W[i, j]
            same = labels[j] == li
            rp += max(w, 0.0) * same
            rm += max(-w, 0.0) * same
        w = W[i, i]
        p += 2.0 * rp + max(w, 0.0)
        m += 2.0 * rm + max(-w, 0.0)
    return p, m


@njit(inline="always")
def signed_weight(w, ap, an):
    """Objective weight of an entry: ``ap * w`` if positive, ``an * w`` otherwise."""
    return ap * w if w > 0 else an * w


@njit(inline="always")
def _staying(u, a, to_a, selfw, cp, cn, kp, kn, Kp, Kn):
    """``(xp, xn, stay)`` of node ``u`` in module ``a``: its degree terms ``cp kp_u``, ``cn kn_u`` and the gain of
    staying, ``B_ua`` with ``u`` taken out of ``a`` (``to_a = sum_{j in a} f(M_uj)``, self weight included)."""
    xp = cp * kp[u]
    xn = cn * kn[u]
    return xp, xn, to_a - selfw[u] - xp * (Kp[a] - kp[u]) + xn * (Kn[a] - kn[u])


@njit(inline="always")
def _isolated(b, best, a, size):
    """Module ``b`` chosen by gain, or an empty module when every gain, staying included, is negative and ``u``
    shares ``a`` with others (an empty module is worth 0)."""
    if best < 0.0 and size[a] > 1:
        empty = np.argmin(size)
        if size[empty] == 0:
            return empty
    return b


@njit(cache=True, nogil=True)
def _best_module(u, to_module, selfw, cp, cn, kp, kn, labels, Kp, Kn, size):
    """Module that node ``u`` should be in: the one with the largest gain.

    ``to_module[c] = sum_{j in c} f(M_uj)`` and ``selfw[u] = f(M_uu)``.
    With ``u`` taken out of its module ``a``, joining module ``c`` is worth
    ``B_uc = to_module[c] - cp kp_u Kp_c + cn kn_u Kn_c`` (``Kp``, ``Kn``:
    module sums of kp, kn).  ``u`` leaves ``a`` only for a gain larger than
    ``_MOVE_TOL``; an empty module (isolating ``u``) is worth 0.
    """
    a = labels[u]
    xp, xn, stay = _staying(u, a, to_module[a], selfw, cp, cn, kp, kn, Kp, Kn)
    best = stay + _MOVE_TOL
    b = a
    for c in range(size.size):
        if size[c] > 0 and c != a:
            g = to_module[c] - xp * Kp[c] + xn * Kn[c]
            if g > best:
                best = g
                b = c
    return _isolated(b, best, a, size)


@njit(cache=True, nogil=True)
def _shift(u, b, kp, kn, labels, Kp, Kn, size):
    """Put node ``u`` in module ``b``, updating the module sums and sizes."""
    a = labels[u]
    Kp[a] -= kp[u]
    Kn[a] -= kn[u]
    size[a] -= 1
    Kp[b] += kp[u]
    Kn[b] += kn[u]
    size[b] += 1
    labels[u] = b


@njit(cache=True, nogil=True)
def _relocate(u, b, M, ap, an, kp, kn, labels, Kp, Kn, size, Ht):
    """:func:`_shift` that also updates the node-to-module table ``Ht``."""
    a = labels[u]
    for j in range(M.shape[0]):
        fw = signed_weight(M[u, j], ap, an)
        Ht[a, j] -= fw
        Ht[b, j] += fw
    _shift(u, b, kp, kn, labels, Kp, Kn, size)


@njit(cache=True, nogil=True)
def _best_listed(u, to_module, selfw, cp, cn, kp, kn, labels, Kp, Kn, size, live, n_live):
    """:func:`_best_module` visiting only the modules ``live[:n_live]`` (the non-empty ones, in any order).

    The same module as :func:`_best_module`: the largest gain, ties going to the lowest module index (which
    the ascending scan of :func:`_best_module` picks), staying in ``a`` unless a gain beats staying.
    """
    a = labels[u]
    xp, xn, stay = _staying(u, a, to_module[a], selfw, cp, cn, kp, kn, Kp, Kn)
    best = stay + _MOVE_TOL
    b = a
    for k in range(n_live):
        c = live[k]
        if c != a:
            g = to_module[c] - xp * Kp[c] + xn * Kn[c]
            if g > best or (g == best and b != a and c < b):
                best = g
                b = c
    return _isolated(b, best, a, size)


@njit(cache=True, nogil=True)
def sweep_scan(M, ap, an, selfw, cp, cn, kp, kn, order, labels, Kp, Kn, size, h):
    """Louvain pass over ``order`` computing each node's module sums from its row.

    O(n^2) per pass and O(n) memory: used while there are many modules.
    ``h`` is scratch of length n.  Returns the number of moves.  The best
    module is searched among the non-empty modules only (a list kept up to
    date per move; the same moves as scanning every module slot, which cost
    more than the row itself in a first pass from singletons, where the
    emptied slots lie at random).
    """
    n = M.shape[0]
    live = np.empty(size.size, dtype=np.int64)   # non-empty modules, any order
    slot = np.empty(size.size, dtype=np.int64)   # slot[c]: position of c in live
    n_live = 0
    for c in range(size.size):
        if size[c] > 0:
            live[n_live] = c
            slot[c] = n_live
            n_live += 1
    n_moves = 0
    for u in order:
        h[:] = 0.0
        for j in range(n):
            h[labels[j]] += signed_weight(M[u, j], ap, an)
        b = _best_listed(u, h, selfw, cp, cn, kp, kn, labels, Kp, Kn, size, live, n_live)
        a = labels[u]
        if b != a:
            n_moves += 1
            _shift(u, b, kp, kn, labels, Kp, Kn, size)
            if size[a] == 0:                      # a emptied: the last listed module takes its slot
                last = live[n_live - 1]
                live[slot[a]] = last
                slot[last] = slot[a]
                n_live -= 1
            if size[b] == 1:                      # u isolated in an empty module
                live[n_live] = b
                slot[b] = n_live
                n_live += 1
    return n_moves


@njit(cache=True, nogil=True)
def _sweep_sums(M, ap, an, selfw, cp, cn, kp, kn, order, labels, Kp, Kn, size, Ht, col):
    """Louvain pass over ``order`` with a table of node-to-module sums.

    ``Ht[c, i] = sum_{j in c} f(M_ij)`` is kept up to date (two rows of
    length n per move), so a node costs O(K) instead of O(n): used once
    modules have formed.  ``col`` is scratch of length K.  Returns the
    number of moves.
    """
    n_moves = 0
    for u in order:
        col[:] = Ht[:, u]
        b = _best_module(u, col, selfw, cp, cn, kp, kn, labels, Kp, Kn, size)
        if b != labels[u]:
            n_moves += 1
            _relocate(u, b, M, ap, an, kp, kn, labels, Kp, Kn, size, Ht)
    return n_moves


@njit(cache=True, nogil=True)
def _kl_pass(M, ap, an, selfw, cp, cn, kp, kn, labels, Kp, Kn, size, Ht, patience):
    """One Kernighan-Lin pass (Newman 2006, PNAS 103:8577) over the modules.

    Repeatedly makes the best single-node move among nodes not yet moved in
    this pass -- even if it lowers Q -- and finally keeps only the prefix of
    moves with the largest total gain (if larger than ``_MOVE_TOL``).  This
    lets whole groups of nodes change module, which single improving moves
    cannot.  The pass stops early after ``patience`` moves without a new
    best.  Returns the number of moves kept.
    """
    n = M.shape[0]
    free = np.ones(n, dtype=np.bool_)
    moved = np.empty(n, dtype=np.int64)
    origin = np.empty(n, dtype=np.int64)
    total = 0.0
    best_total = _MOVE_TOL
    best_len = 0
    n_steps = 0
    while n_steps < n and n_steps - best_len <= patience:
        bu, bc, bg = -1, -1, -np.inf
        for u in range(n):
            if free[u]:
                a = labels[u]
                xp, xn, stay = _staying(u, a, Ht[a, u], selfw, cp, cn, kp, kn, Kp, Kn)
                for c in range(size.size):
                    if size[c] > 0 and c != a:
                        g = Ht[c, u] - xp * Kp[c] + xn * Kn[c] - stay
                        if g > bg:
                            bu, bc, bg = u, c, g
        if bu < 0:
            break
        moved[n_steps] = bu
        origin[n_steps] = labels[bu]
        _relocate(bu, bc, M, ap, an, kp, kn, labels, Kp, Kn, size, Ht)
        free[bu] = False
        n_steps += 1
        total += bg
        if total > best_total:
            best_total = total
            best_len = n_steps
    for s in range(n_steps - 1, best_len - 1, -1):
        _relocate(moved[s], origin[s], M, ap, an, kp, kn, labels, Kp, Kn, size, Ht)
    return best_len


@njit(cache=True, nogil=True)
def _grouped_sums(M, ap, an, rows, cols, k_rows, k_cols):
    """``out[a, b] = sum_{rows[j] == a, cols[i] == b} f(M_ji)`` (float64 k_rows x k_cols), added in
    the order of the entries of ``M`` (row by row)."""
    n = M.shape[0]
    out = np.zeros((k_rows, k_cols))
    for j in range(n):
        row = out[rows[j]]
        for i in range(n):
            row[cols[i]] += signed_weight(M[j, i], ap, an)
    return out


@njit(cache=True, nogil=True)
def module_sums(M, ap, an, labels, K):
    """Table Ht (K x n) of node-to-module sums ``Ht[c, i] = sum_{j in c} f(M_ji)``.

    :func:`_grouped_sums` with every column its own group, added in the same order, but with no
    indirection on the columns, so the row update vectorises (~2.6x faster at n = 29,696).
    """
    n = M.shape[0]
    Ht = np.zeros((K, n))
    for j in range(n):
        row = Ht[labels[j]]
        Mj = M[j]
        for i in range(n):
            row[i] += signed_weight(Mj[i], ap, an)
    return Ht


def aggregate(M, ap, an, labels, k):
    """Module-level matrix ``A_cd = sum_{i in c, j in d} f(M_ij)``, float64 k x k."""
    return _grouped_sums(M, ap, an, labels, labels, k, k)


@njit(cache=True, nogil=True)
def _aggregate_sums(Ht, labels, k):
    """Module-level matrix from the node-to-module table: ``A_cd = sum_{i in d} Ht[c, i]``."""
    A = np.zeros((k, k))
    for c in range(k):
        for i in range(labels.size):
            A[c, labels[i]] += Ht[c, i]
    return A


@njit(cache=True, nogil=True)
def _agreement_fill(P, tau, out):
    """out_ij = fraction of rows of P with P[r, i] == P[r, j] (i != j), 0 if < tau."""
    r, n = P.shape
    for i in range(n):
        out[i, i] = 0.0
        for j in range(i):
            same = 0
            for t in range(r):
                same += P[t, i] == P[t, j]
            d = same / r
            d = d if d >= tau else 0.0
            out[i, j] = d
            out[j, i] = d


# --------------------------------------------------------------------------
# objective
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Objective:
    """Scalars and degree vectors of ``Q`` for one symmetric matrix (see module doc).

    Built by :func:`objective`; :meth:`q` evaluates any partition of that matrix in O(N^2) time
    and O(N) memory, so one objective serves many partitions (e.g. a permutation null).
    """

    ap: float
    an: float
    cp: float
    cn: float
    kp: np.ndarray
    kn: np.ndarray

    def q(self, W: np.ndarray, labels: np.ndarray) -> float:
        """Q of ``labels`` (int64, 0..k-1) on ``W`` (the matrix this objective came from)."""
        wp_in, wn_in = _within_sums(W, labels)
        Kp = np.bincount(labels, weights=self.kp)
        Kn = np.bincount(labels, weights=self.kn)
        return float(self.ap * wp_in - self.an * wn_in
                     - self.cp * np.dot(Kp, Kp) + self.cn * np.dot(Kn, Kn))


def objective(W: np.ndarray, gamma: float, B: str) -> Objective:
    """The modularity objective ``B`` (one of :data:`OBJECTIVES`) of ``W`` at resolution ``gamma``.

    ``W`` must already be exactly symmetric and validated (pass it through
    :func:`symmetric_matrix`). ``objective(W, gamma, B).q(W, labels)`` is the ``Q`` of the
    partition ``labels`` (int64, 0..k-1) -- what :func:`modularity` returns -- without
    recomputing the degrees for every partition. ``ValueError`` for an unknown ``B``, a negative
    or non-finite ``gamma``, negative weights with ``B="modularity"``, or zero total weight.
    """
    if B not in OBJECTIVES:
        raise ValueError(f"unknown objective B={B!r}; expected one of {OBJECTIVES}")
    gamma = float(gamma)
    if not np.isfinite(gamma) or gamma < 0:
        raise ValueError(f"gamma must be a finite non-negative number, got {gamma}")
    kp, kn = _signed_degrees(W)
    sp, sn = float(kp.sum()), float(kn.sum())
    if B == "modularity" and sn > 0:
        raise ValueError("W has negative weights; B='modularity' (Newman) needs "
                         "non-negative W: use B='negative_asym' or 'negative_sym'")
    if sp + sn == 0:
        raise ValueError("W has zero total weight; modularity is undefined")
    if B == "negative_asym":
        ap, an = (1.0 / sp if sp else 0.0), 1.0 / (sp + sn)
    elif B == "negative_sym":
        ap = an = 1.0 / (sp + sn)
    else:
        ap, an = 1.0 / sp, 0.0
    cp = gamma * ap / sp if sp else 0.0
    cn = gamma * an / sn if sn else 0.0
    return Objective(ap, an, cp, cn, kp, kn)


def symmetric_matrix(W, name: str = "W") -> np.ndarray:
    """Validate ``W`` (:func:`modbound.core.checks.as_matrix`, square) and return it C-contiguous and
    exactly symmetric, as :func:`objective` needs it.

    float32/float64 input is not copied when already contiguous and
    symmetric; otherwise ``(W + W.T) / 2`` is returned (same dtype; a new
    N x N array).
    """
    W = np.ascontiguousarray(as_matrix(W, name=name))
    asym, big = _asymmetry(W)
    if asym == 0:
        return W
    if asym > _ASYM_RTOL * big:
        warnings.warn(f"{name} is not symmetric; using (W + W.T) / 2", UserWarning,
                      stacklevel=3)
    S = W + W.T
    S *= 0.5
    return S


# --------------------------------------------------------------------------
# evaluation of a given partition
# --------------------------------------------------------------------------

def modularity(W, ci, gamma: float = GAMMA, B: str = "negative_asym") -> float:
    """Modularity ``Q`` of the given partition ``ci`` of ``W``.

    Parameters
    ----------
    W : (N, N) array_like
        Weight matrix (e.g. a correlation matrix); float32 is used without
        conversion.  Symmetrised as ``(W + W.T) / 2`` if needed.
    ci : (N,) array_like of int
        Module label of each node (any integer labels).
    gamma : float
        Resolution parameter (>= 0).
    B : {"negative_asym", "negative_sym", "modularity"}
        Objective; see the module docstring.  ``"negative_asym"`` equals
        bctpy's ``community_louvain(W, gamma, B='negative_asym')`` q.

    Returns
    -------
    float
        ``Q = sum_{i,j same module} B_ij``, computed in O(N^2) time and O(N)
        extra memory.
    """
    W = symmetric_matrix(W)
    labels = as_partition(ci, W.shape[0], name="ci")
    return objective(W, gamma, B).q(W, labels)


def induced_modularity(ci, W, gamma: float = GAMMA, B: str = "negative_asym") -> float:
    """Q induced on matrix ``W`` by a partition ``ci`` found on another matrix.

    Same as ``modularity(W, ci, gamma, B)``; the argument order reads as
    "partition ``ci`` evaluated on ``W``".
    """
    return modularity(W, ci, gamma=gamma, B=B)


# --------------------------------------------------------------------------
# Louvain
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LouvainResult:
    """Result of :func:`louvain`.

    Attributes
    ----------
    partition : np.ndarray of int64
        Module labels ``0..k-1`` (order of first appearance).
    q : float
        Q of ``partition`` on the input matrix, recomputed by :func:`modularity`.
    q_runs : np.ndarray
        Q of each run's partition, shape ``(n_runs,)``.
    partitions : np.ndarray of int64 or None
        All runs' partitions, shape ``(n_runs, N)``, if ``return_all``.
    seed : int
        Seed the runs were derived from.
    n_runs : int
        Number of Louvain restarts.
    """

    partition: np.ndarray
    q: float
    q_runs: np.ndarray
    partitions: np.ndarray | None
    seed: int | None
    n_runs: int


@njit(cache=True, nogil=True)
def _compact(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relabel non-negative int labels to 0..k-1 in sorted order; return (labels, the k used old labels).

    What ``np.unique(labels, return_inverse=True)`` gives, by counting instead of sorting (a Louvain run
    on a small matrix calls this thousands of times).
    """
    rank = np.zeros(labels.max() + 1, dtype=np.int64)
    for v in labels:
        rank[v] = 1
    k = 0
    for v in range(rank.size):
        if rank[v]:
            rank[v] = k
            k += 1
        else:
            rank[v] = -1
    used = np.empty(k, dtype=np.int64)
    out = np.empty(labels.size, dtype=np.int64)
    for i in range(labels.size):
        out[i] = rank[labels[i]]
        used[out[i]] = labels[i]
    return out, used


def _module_totals(labels, kp, kn, K):
    """Per-module sums of kp and kn, and module sizes, for K module slots."""
    return (np.bincount(labels, weights=kp, minlength=K),
            np.bincount(labels, weights=kn, minlength=K),
            np.bincount(labels, minlength=K).astype(np.int64))


def with_free_slot(Ht, Kp, Kn, size):
    """Double the module slots if none is empty (so a node can be isolated)."""
    K, n = Ht.shape
    if size.min() == 0 or K == n:
        return Ht, Kp, Kn, size
    extra = min(K, n - K)
    return (np.vstack([Ht, np.zeros((extra, n))]), np.append(Kp, np.zeros(extra)),
            np.append(Kn, np.zeros(extra)), np.append(size, np.zeros(extra, np.int64)))


@dataclass(frozen=True, eq=False)
class LouvainLevel:
    """A matrix whose nodes Louvain moves: objective weights f(M) (via ap, an), degrees kp, kn."""

    M: np.ndarray
    ap: float
    an: float
    kp: np.ndarray
    kn: np.ndarray

    def coarser(self, A: np.ndarray, labels: np.ndarray) -> LouvainLevel:
        """The level whose nodes are the modules ``labels`` of this one (``A`` holds f)."""
        return LouvainLevel(A, 1.0, 1.0, np.bincount(labels, weights=self.kp),
                      np.bincount(labels, weights=self.kn))


def local_moving(level: LouvainLevel, obj: Objective, labels, rng, kl: bool):
    """Louvain phase 1: move single nodes of ``level`` until no move increases Q.

    Each sweep visits the nodes in a fresh random order from ``rng``.  While
    there are more than ``max(n/4, _SMALL_LEVEL)`` modules (or more than fit
    a modules x nodes table of node-to-module sums in ``_SUMS_BUDGET``
    bytes), sweeps use :func:`sweep_scan`; then the table is built once and
    :func:`_sweep_sums` updates it per move.  Both make the same moves.  With
    ``kl``, a Kernighan-Lin pass
    (:func:`_kl_pass`) follows each sweep that moves nothing, and sweeping
    resumes if it improved Q.

    Returns
    -------
    labels : np.ndarray
        Compact labels 0..k-1.
    n_moves : int
        Number of node moves made.
    A : np.ndarray or None
        Module-level matrix ``A_cd = sum_{i in c, j in d} f(M_ij)`` (k x k),
        or None if every node is its own module.
    """
    M, ap, an, kp, kn = level.M, level.ap, level.an, level.kp, level.kn
    n = M.shape[0]
    limit = min(max(n // 4, _SMALL_LEVEL), _SUMS_BUDGET // (16 * n))
    diag = np.diagonal(M).astype(np.float64)
    selfw = np.where(diag > 0, ap * diag, an * diag)  # f(M_uu)
    labels, used = _compact(labels)
    n_moves = 0
    h = np.empty(n)
    for _ in range(_MAX_SWEEPS):
        if used.size <= limit:
            break
        Kp, Kn, size = _module_totals(labels, kp, kn, n)
        moved = sweep_scan(M, ap, an, selfw, obj.cp, obj.cn, kp, kn, rng.permutation(n),
                            labels, Kp, Kn, size, h)
        labels, used = _compact(labels)
        n_moves += moved
        if not moved:
            break
    if used.size > limit:
        A = None if used.size == n else aggregate(M, ap, an, labels, used.size)
        return labels, n_moves, A

    K = min(n, 2 * used.size + 8)
    Ht = module_sums(M, ap, an, labels, K)
    Kp, Kn, size = _module_totals(labels, kp, kn, K)
    for _ in range(_MAX_SWEEPS):
        Ht, Kp, Kn, size = with_free_slot(Ht, Kp, Kn, size)
        moved = _sweep_sums(M, ap, an, selfw, obj.cp, obj.cn, kp, kn, rng.permutation(n),
                            labels, Kp, Kn, size, Ht, np.empty(Ht.shape[0]))
        if not moved and kl:
            moved = _kl_pass(M, ap, an, selfw, obj.cp, obj.cn, kp, kn, labels, Kp, Kn, size,
                             Ht, _KL_PATIENCE)
        n_moves += moved
        if not moved:
            break
    labels, used = _compact(labels)
    A = None if used.size == n else _aggregate_sums(Ht[used], labels, used.size)
    return labels, n_moves, A


def coarsen(base: LouvainLevel, labels, A, obj, rng, kl: bool) -> np.ndarray:
    """Louvain phase 2: merge the modules ``labels`` of ``base`` while Q increases.

    ``A`` is the module-level matrix of ``labels``.  Module-nodes are moved
    with :func:`local_moving` (with Kernighan-Lin passes if ``kl``),
    aggregated again, and so on until no module-node moves.  Returns the
    base-node labels of the result.
    """
    level = base.coarser(A, labels)
    while True:
        merged, n_moves, A = local_moving(level, obj, np.arange(A.shape[0]), rng, kl)
        if not n_moves:
            return labels
        labels = merged[labels]
        level = level.coarser(A, merged)


def louvain_run(W, obj, rng) -> np.ndarray:
    """One Louvain run from singletons, then refinement on the original nodes.

    The first round -- phase 1 (single-node moves on ``W``) then phase 2
    (:func:`coarsen`) -- is exactly bctpy's ``community_louvain``: given the
    same node orders it returns the same partition.  Later rounds start from
    the current partition and add Kernighan-Lin passes to phase 1; they run
    until phase 1 changes nothing, so the result is locally optimal for
    single-node moves, KL move sequences and module merges.  Every round
    strictly increases Q, so a run is never worse than the bctpy run with the
    same orders, and it terminates.
    """
    base = LouvainLevel(W, obj.ap, obj.an, obj.kp, obj.kn)
    labels, kl = np.arange(W.shape[0]), False
    while True:
        labels, n_moves, A = local_moving(base, obj, labels, rng, kl)
        if not n_moves or A is None:
            return as_partition(labels, labels.size)
        labels = coarsen(base, labels, A, obj, rng, kl)
        kl = True


def _runs(W, obj, rngs, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Partitions (n_runs, N) and their Q for one Louvain run per generator.

    Runs are independent (each draws only from its own generator), so ``threads`` > 1 runs them side by side
    in threads (the numba kernels release the GIL) with the same result, in the same order.
    """
    if threads <= 1 or len(rngs) < 2:
        parts = [louvain_run(W, obj, rng) for rng in rngs]
    else:
        with ThreadPoolExecutor(max_workers=min(threads, len(rngs))) as pool:
            parts = list(pool.map(lambda rng: louvain_run(W, obj, rng), rngs))
    parts = np.stack(parts)
    return parts, np.array([obj.q(W, p) for p in parts])


def louvain(W, gamma: float = GAMMA, B: str = "negative_asym", n_runs: int = LOUVAIN_RUNS,
            seed: int | None = 0, method: str = "best",
            return_all: bool = False, threads: int = 1) -> LouvainResult:
    """Maximise modularity of a dense signed matrix with multi-level Louvain.

    Each of ``n_runs`` independent runs starts from singletons and visits
    nodes in random orders drawn from its own generator,
    ``np.random.default_rng(seed).spawn(n_runs)[r]``, so results are
    reproducible for a given ``seed`` (runs are sequential).

    A run first does exactly what bctpy's ``community_louvain`` does (same
    objective; same partition given the same node orders): move single nodes
    to the module with the largest gain until none gains, aggregate modules
    into a module-level matrix, repeat.  Gains come from the dense row of
    ``W`` or a modules x nodes table of node-to-module sums, plus per-module
    degree sums -- never an N x N objective matrix.  The run then refines
    its partition on the original nodes with single-node moves and
    Kernighan-Lin passes (Newman 2006), re-aggregating, until nothing
    improves; so each run is at least as good as the bctpy run with the same
    node orders (see :func:`louvain_run`).

    Parameters
    ----------
    W : (N, N) array_like
        Weights; symmetrised if needed; float32 is not copied to float64.
    gamma, B
        Resolution and objective, as in :func:`modularity`.
    n_runs : int
        Number of random restarts.
    seed : int or None
        Seed of the runs.
    method : {"best", "consensus"}
        ``"best"``: the run with the highest Q.  ``"consensus"``: the
        consensus partition of the runs, see :func:`consensus` (needs one
        extra N x N float32 matrix).
    return_all : bool
        Keep every run's partition in ``result.partitions``.
    threads : int
        Runs done side by side (threads; the same result for any value). Each
        running run holds its own node-to-module table (up to 1 GiB).

    Returns
    -------
    LouvainResult
    """
    if method not in ("best", "consensus"):
        raise ValueError(f"method must be 'best' or 'consensus', got {method!r}")
    if int(n_runs) < 1:
        raise ValueError(f"n_runs must be >= 1, got {n_runs}")
    if int(threads) < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    n_runs, threads = int(n_runs), int(threads)
    W = symmetric_matrix(W)
    obj = objective(W, gamma, B)
    rng = np.random.default_rng(seed)
    parts, q_runs = _runs(W, obj, rng.spawn(n_runs), threads)
    if method == "best":
        partition = parts[int(np.argmax(q_runs))]
    else:
        partition = consensus(parts, rng=rng)
    return LouvainResult(partition=partition, q=obj.q(W, partition), q_runs=q_runs,
                         partitions=parts if return_all else None,
                         seed=seed, n_runs=n_runs)


# --------------------------------------------------------------------------
# consensus and comparison helpers
# --------------------------------------------------------------------------

def agreement(partitions, *, tau: float = 0.0, dtype=np.float64) -> np.ndarray:
    """Agreement matrix of a set of partitions.

    ``D_ij`` is the fraction of partitions (rows of ``partitions``, shape
    ``(R, N)``) in which nodes ``i`` and ``j`` share a module; the diagonal
    is 0 (as in bctpy's ``agreement``) and entries below ``tau`` are set to 0.
    """
    P = np.asarray(partitions)
    if P.ndim != 2 or P.shape[0] == 0:
        raise ValueError(f"partitions must be a non-empty 2-D (runs, nodes) array, "
                         f"got shape {P.shape}")
    P = np.stack([as_partition(p, P.shape[1], name="partitions") for p in P])
    out = np.empty((P.shape[1], P.shape[1]), dtype=dtype)
    _agreement_fill(P, float(tau), out)
    return out


def consensus(partitions, *, tau: float = 0.5, rng=None, max_iter: int = 20) -> np.ndarray:
    """Consensus partition (Lancichinetti & Fortunato 2012).

    Repeatedly: build the agreement matrix of the current partitions,
    zero entries below ``tau`` (and the diagonal), and re-partition it with
    ``R`` runs of :func:`louvain` (Newman modularity, gamma = 1), until all
    ``R`` partitions are identical.  Nodes left without any agreement above
    ``tau`` become singletons.  If ``max_iter`` rounds do not converge, the
    best-Q partition of the last agreement matrix is returned.

    Parameters
    ----------
    partitions : (R, N) array_like of int
        Partitions to reconcile (e.g. Louvain restarts).
    tau : float
        Agreement threshold in [0, 1].
    rng : np.random.Generator, int or None
        Source of the re-partitioning runs' generators.
    max_iter : int
        Maximum number of re-partitioning rounds.

    Returns
    -------
    np.ndarray of int64
        Labels 0..k-1 in order of first appearance.
    """
    P = np.asarray(partitions)
    if P.ndim != 2 or P.shape[0] == 0:
        raise ValueError(f"partitions must be a non-empty 2-D (runs, nodes) array, "
                         f"got shape {P.shape}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    rng = np.random.default_rng(rng)
    P = np.stack([as_partition(p, P.shape[1], name="partitions") for p in P])
    for _ in range(max_iter):
        if (P == P[0]).all():
            return P[0]
        D = agreement(P, tau=tau, dtype=np.float32)
        if not D.any():
            return np.arange(P.shape[1], dtype=np.int64)
        P, q_runs = _runs(D, objective(D, 1.0, "modularity"), rng.spawn(P.shape[0]))
    return P[int(np.argmax(q_runs))]


def ari(a, b) -> float:
    """Adjusted Rand index between two partitions (1 = identical, ~0 = chance)."""
    from sklearn.metrics import adjusted_rand_score

    a = np.asarray(a)
    b = as_partition(b, a.shape[0], name="b")
    return float(adjusted_rand_score(as_partition(a, a.shape[0], name="a"), b))
