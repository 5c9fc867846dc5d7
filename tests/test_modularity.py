"""Tests for modbound.core.modularity: Q of given partitions and Louvain, against bctpy."""

import tracemalloc
import warnings

import bct
import numpy as np
import pytest

import modbound.core.modularity as mm
from modbound.core.modularity import agreement, ari, consensus, induced_modularity, louvain, modularity


# ------------------------------------------------------------------ matrices

def planted_signed(n, k, seed, noise=1.5):
    """Signed matrix with k planted modules: +0.2 within, -0.1 between, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    W = 0.3 * (labels[:, None] == labels[None, :]) - 0.1 + 0.2 * noise * rng.standard_normal((n, n))
    W = (W + W.T) / 2
    np.fill_diagonal(W, 1.0)
    return W, labels


def _corr(X):
    """Correlation matrix (exactly symmetric) of the columns of X."""
    X = X - X.mean(axis=0)
    X /= np.linalg.norm(X, axis=0)
    C = X.T @ X
    return (C + C.T) / 2


def modular_corr(n, seed, n_modules=6, noise=1.0):
    """Correlation of factor-model time series: global + module + 3 random-signed factors."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_modules, n)
    L = np.zeros((4 + n_modules, n))
    L[0] = 0.5 * rng.random(n)
    L[1 + labels, np.arange(n)] = 0.5 + rng.random(n)
    L[1 + n_modules:] = 0.5 * rng.standard_normal((3, n))
    T = max(2 * n, 200)
    X = rng.standard_normal((T, L.shape[0])) @ L
    X += noise * (1 + rng.random(n)) * rng.standard_normal((T, n))
    return _corr(X), labels


def sparse_factor_corr(n, seed):
    """Correlation of time series driven by 8 sparse random-signed factors (no planted modules)."""
    rng = np.random.default_rng(seed)
    T = max(2 * n, 200)
    L = rng.standard_normal((8, n)) * (rng.random((8, n)) < 0.3)
    return _corr(rng.standard_normal((T, 8)) @ L + 1.5 * rng.standard_normal((T, n)))


def matrix(kind, n, seed=0):
    if kind == "planted":
        return planted_signed(n, 4, seed)[0]
    if kind == "modular_corr":
        return modular_corr(n, seed)[0]
    return sparse_factor_corr(n, seed)


# ------------------------------------------------------- Q of a partition

@pytest.mark.parametrize("n", [64, 500])
@pytest.mark.parametrize("B", ["negative_asym", "negative_sym", "modularity"])
@pytest.mark.parametrize("gamma", [1.0, 1.7])
def test_modularity_equals_bctpy_q(n, B, gamma):
    W = sparse_factor_corr(n, seed=1)
    if B == "modularity":
        W = np.abs(W)
    ci, q_bct = bct.community_louvain(W, gamma=gamma, B=B, seed=3)
    assert abs(modularity(W, ci, gamma=gamma, B=B) - q_bct) < 1e-10
    # and for a partition that is not a local optimum
    rand = np.random.default_rng(0).integers(0, 5, n)
    assert abs(modularity(W, rand, gamma=gamma, B=B) - _dense_q(W, rand, gamma, B)) < 1e-10


def _dense_q(W, ci, gamma, B):
    """Reference Q from the dense objective matrix, exactly as bctpy builds it."""
    def part(X):
        k = X.sum(axis=1)
        s = X.sum()
        return X - gamma * np.outer(k, k) / s, s
    B0, s0 = part(np.where(W > 0, W, 0))
    Wn = np.where(W < 0, -W, 0)
    B1, s1 = part(Wn) if Wn.any() else (0, 0)
    Bm = {"negative_asym": B0 / s0 - B1 / (s0 + s1),
          "negative_sym": (B0 - B1) / (s0 + s1),
          "modularity": B0 / s0}[B]
    return Bm[ci[:, None] == ci[None, :]].sum()


def test_float32_input_is_not_copied_to_float64():
    W = sparse_factor_corr(1000, seed=2)
    ci = np.random.default_rng(0).integers(0, 6, 1000)
    W32 = W.astype(np.float32)
    louvain(W32, n_runs=1)  # compile every kernel (the first sweep's too: > 256 nodes) outside the measurement
    tracemalloc.start()
    q32 = modularity(W32, ci)
    louvain(W32, n_runs=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < W.nbytes / 2  # a float64 copy would be W.nbytes (8 MB)
    assert abs(q32 - modularity(W32.astype(np.float64), ci)) < 1e-12


def test_induced_modularity_evaluates_a_partition_on_another_matrix():
    W1, W2 = planted_signed(100, 4, 0)[0], planted_signed(100, 4, 1)[0]
    ci = louvain(W1, n_runs=2).partition
    assert induced_modularity(ci, W2) == modularity(W2, ci)
    assert induced_modularity(ci, W1) > induced_modularity(ci, W2)


def test_label_values_do_not_matter():
    W = sparse_factor_corr(64, seed=0)
    ci = np.random.default_rng(0).integers(0, 4, 64)
    assert modularity(W, ci) == pytest.approx(modularity(W, 10 * ci - 7), abs=1e-15)


# ------------------------------------------------------- Louvain vs bctpy

@pytest.mark.parametrize("B", ["negative_asym", "negative_sym"])
@pytest.mark.parametrize("kind, n", [("planted", 64), ("modular_corr", 64),
                                     ("sparse_factor_corr", 64), ("sparse_factor_corr", 500)])
def test_same_node_orders_as_bctpy_give_its_partition_then_refine_it(kind, n, B):
    """With bctpy's node orders our phases 1-2 are bctpy's algorithm; refinement only adds Q.

    So each of our runs is at least as good as the bctpy run with the same
    random orders, and best-of-R is at least bctpy's best-of-R, whatever R.
    """
    W = matrix(kind, n)
    obj = mm.objective(W, 1.0, B)
    base = mm.LouvainLevel(W, obj.ap, obj.an, obj.kp, obj.kn)
    for s in range(4):
        ci, q_bct = bct.community_louvain(W, B=B, seed=s)
        rng = np.random.RandomState(s)  # what bctpy draws its permutations from
        labels, _, A = mm.local_moving(base, obj, np.arange(n), rng, kl=False)
        assert ari(mm.coarsen(base, labels, A, obj, rng, kl=False), ci) == 1.0
        q_ours = modularity(W, mm.louvain_run(W, obj, np.random.RandomState(s)))
        assert q_ours >= q_bct - 1e-12


@pytest.mark.parametrize("kind, n, runs", [
    ("planted", 64, 5), ("modular_corr", 64, 5),
    ("planted", 500, 5), ("modular_corr", 500, 5), ("sparse_factor_corr", 500, 5),
    ("planted", 2000, 2), ("modular_corr", 2000, 2), ("sparse_factor_corr", 2000, 2),
])
def test_louvain_best_q_at_least_bctpy_best(kind, n, runs):
    """Best of ``runs`` restarts, ours (default seed) vs bctpy (seeds 0..runs-1).

    Our runs draw other node orders than bctpy's, so on small rugged matrices
    (N = 64 without planted modules) either side can be luckier; that case is
    covered with shared orders in the test above.
    """
    W = matrix(kind, n)
    q_bct = max(bct.community_louvain(W, B="negative_asym", seed=s)[1] for s in range(runs))
    res = louvain(W, n_runs=runs, seed=0)
    assert res.q >= q_bct - 1e-9
    assert res.q == pytest.approx(modularity(W, res.partition), abs=1e-12)
    assert res.q == res.q_runs.max()


@pytest.mark.parametrize("B", ["negative_sym", "modularity"])
def test_louvain_other_objectives_at_least_bctpy(B):
    W = planted_signed(200, 4, seed=5)[0]
    if B == "modularity":
        W = np.clip(W, 0, None)
    q_bct = max(bct.community_louvain(W, B=B, seed=s)[1] for s in range(5))
    assert louvain(W, B=B, n_runs=5).q >= q_bct - 1e-9


def test_louvain_runs_are_better_than_bctpy_runs_on_average():
    W = sparse_factor_corr(64, seed=1)
    q_bct = [bct.community_louvain(W, B="negative_asym", seed=s)[1] for s in range(20)]
    assert louvain(W, n_runs=20).q_runs.mean() > np.mean(q_bct)


@pytest.mark.parametrize("B", ["negative_asym", "negative_sym"])
def test_planted_modules_recovered(B):
    W, labels = planted_signed(300, 5, seed=2, noise=2.0)
    assert ari(louvain(W, B=B, n_runs=3).partition, labels) > 0.95
    C, labels = modular_corr(300, seed=2)
    assert ari(louvain(C, B=B, n_runs=3).partition, labels) > 0.95


def test_result_fields():
    W = planted_signed(80, 3, seed=0)[0]
    res = louvain(W, n_runs=4, seed=7, return_all=True)
    assert res.partition.dtype == np.int64 and res.partition[0] == 0
    assert set(res.partition) == set(range(res.partition.max() + 1))
    assert res.partitions.shape == (4, 80) and res.q_runs.shape == (4,)
    assert (res.seed, res.n_runs) == (7, 4)
    assert louvain(W, n_runs=2).partitions is None


# ----------------------------------------------------- symmetry, determinism

def test_asymmetric_input_equals_its_symmetrization():
    W = planted_signed(120, 4, seed=3)[0]
    A = W + 0.3 * np.random.default_rng(0).standard_normal(W.shape)
    S = (A + A.T) / 2
    with pytest.warns(UserWarning, match="not symmetric"):
        res_a = louvain(A, n_runs=3, seed=1)
    res_s = louvain(S, n_runs=3, seed=1)
    np.testing.assert_array_equal(res_a.partition, res_s.partition)
    assert res_a.q == res_s.q
    with pytest.warns(UserWarning):
        assert modularity(A, res_s.partition) == modularity(S, res_s.partition)


def test_rounding_level_asymmetry_does_not_warn():
    W = planted_signed(50, 2, seed=0)[0]
    W[0, 1] += 1e-15
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        modularity(W, np.zeros(50, int))


def test_same_seed_same_result_different_seed_can_differ():
    W = sparse_factor_corr(64, seed=4)
    a, b = louvain(W, n_runs=3, seed=11), louvain(W, n_runs=3, seed=11)
    np.testing.assert_array_equal(a.partition, b.partition)
    np.testing.assert_array_equal(a.q_runs, b.q_runs)
    assert a.q == b.q
    others = [louvain(W, n_runs=1, seed=s).partition for s in range(6)]
    assert any(not np.array_equal(others[0], p) for p in others[1:])


def test_threads_give_the_same_runs_in_the_same_order():
    W = sparse_factor_corr(200, seed=5)
    one = louvain(W, n_runs=6, seed=7, return_all=True)
    two = louvain(W, n_runs=6, seed=7, return_all=True, threads=2)
    np.testing.assert_array_equal(one.partitions, two.partitions)
    np.testing.assert_array_equal(one.q_runs, two.q_runs)
    np.testing.assert_array_equal(one.partition, two.partition)
    assert len({p.tobytes() for p in one.partitions}) > 1  # the runs differ, so an order mix-up would show


# ------------------------------------------------------------ consensus

def test_agreement_hand_example():
    D = agreement([[0, 0, 1], [0, 1, 1]])
    np.testing.assert_allclose(D, [[0, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0]])
    np.testing.assert_allclose(agreement([[0, 0, 1], [0, 1, 1]], tau=0.6), np.zeros((3, 3)))


def test_consensus_of_identical_partitions_is_that_partition():
    p = np.array([2, 2, 0, 0, 1])
    np.testing.assert_array_equal(consensus([p, p, p]), [0, 0, 1, 1, 2])


def test_consensus_without_agreement_above_tau_gives_singletons():
    np.testing.assert_array_equal(consensus([[0, 1, 2], [0, 0, 0]], tau=0.6), [0, 1, 2])


def test_module_table_grows_when_no_slot_is_free():
    Ht, Kp, Kn, size = mm.with_free_slot(np.ones((2, 5)), np.ones(2), np.ones(2),
                                          np.array([3, 2]))
    assert Ht.shape == (4, 5) and size.tolist() == [3, 2, 0, 0]
    assert Kp.tolist() == Kn.tolist() == [1, 1, 0, 0] and not Ht[2:].any()


def test_many_small_modules_found():
    """550 modules: more than fit the node-to-module table (the row-scan path)."""
    pairs = np.arange(1100) // 2
    W = np.where(pairs[:, None] == pairs[None, :], 1.0, -0.01)
    res = louvain(W, n_runs=1)
    assert ari(res.partition, pairs) == 1.0
    assert res.q == pytest.approx(modularity(W, pairs), abs=1e-12)


def test_anticorrelated_node_ends_alone():
    W = planted_signed(60, 3, seed=0)[0]
    W[0, 1:] = W[1:, 0] = -0.5
    part = louvain(W, n_runs=2).partition
    assert (part == part[0]).sum() == 1


def test_consensus_method_recovers_planted_modules():
    W, labels = planted_signed(200, 4, seed=6, noise=2.0)
    res = louvain(W, n_runs=6, method="consensus", return_all=True)
    assert ari(res.partition, labels) > 0.95
    assert res.q == pytest.approx(modularity(W, res.partition), abs=1e-12)


def test_ari():
    assert ari([0, 0, 1, 1], [5, 5, 3, 3]) == 1.0
    assert ari([0, 0, 1, 1], [0, 1, 0, 1]) < 0


# ------------------------------------------------------------ bad input

@pytest.mark.parametrize("W, match", [
    (np.array([[1.0, np.nan], [np.nan, 1.0]]), r"W contains 2 NaN"),
    (np.array([[1.0, np.inf], [0.5, 1.0]]), r"W contains 1 inf"),
    (np.ones((2, 3)), r"W must be square.*\(2, 3\)"),
    (np.ones(4), r"W must be 2-D"),
    (np.ones((0, 0)), r"W is empty"),
    (np.ones((2, 2), dtype=object), r"W has non-numeric dtype object"),
    (np.ones((2, 2), dtype=bool), r"W has bool dtype"),
    (np.ones((2, 2), dtype=complex), r"W has complex dtype"),
    (np.array([["1", "0"], ["0", "1"]]), r"W has non-numeric dtype <U1"),
])
@pytest.mark.parametrize("func", ["modularity", "louvain"])
def test_bad_matrix_raises(W, match, func):
    with pytest.raises(ValueError, match=match):
        if func == "modularity":
            modularity(W, np.zeros(len(W), int))
        else:
            louvain(W)


def test_bad_arguments_raise():
    W = planted_signed(20, 2, seed=0)[0]
    with pytest.raises(ValueError, match="ci has length 3, expected 20"):
        modularity(W, [0, 1, 0])
    with pytest.raises(ValueError, match="unknown objective"):
        modularity(W, np.zeros(20, int), B="potts")
    with pytest.raises(ValueError, match="negative weights"):
        modularity(W, np.zeros(20, int), B="modularity")
    with pytest.raises(ValueError, match="gamma"):
        louvain(W, gamma=-1)
    with pytest.raises(ValueError, match="zero total weight"):
        louvain(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="method"):
        louvain(W, method="fastest")
    with pytest.raises(ValueError, match="n_runs"):
        louvain(W, n_runs=0)
    with pytest.raises(ValueError, match="threads"):
        louvain(W, threads=0)


# ------------------------------------------------------------------ merged kernels: same floats as before

@mm.njit(cache=False)
def _old_module_sums(M, ap, an, labels, K):
    n = M.shape[0]
    Ht = np.zeros((K, n))
    for j in range(n):
        row = Ht[labels[j]]
        for i in range(n):
            row[i] += mm.signed_weight(M[j, i], ap, an)
    return Ht


@mm.njit(cache=False)
def _old_aggregate(M, ap, an, labels, k):
    n = M.shape[0]
    A = np.zeros((k, k))
    for i in range(n):
        row = A[labels[i]]
        for j in range(n):
            row[labels[j]] += mm.signed_weight(M[i, j], ap, an)
    return A


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_module_sums_and_aggregate_equal_old_kernels(dtype):
    W, _ = planted_signed(90, 4, seed=21)
    W = W.astype(dtype)
    labels = np.random.default_rng(22).integers(0, 7, 90).astype(np.int64)
    for ap, an in ((0.013, 0.007), (1.0, 0.0)):
        assert np.array_equal(mm.module_sums(W, ap, an, labels, 11), _old_module_sums(W, ap, an, labels, 11))
        assert np.array_equal(mm.aggregate(W, ap, an, labels, 7), _old_aggregate(W, ap, an, labels, 7))


@mm.njit(cache=False)
def _old_sweep_scan(M, ap, an, selfw, cp, cn, kp, kn, order, labels, Kp, Kn, size, h):
    """The first-sweep kernel before the list of non-empty modules: every module slot scanned in ascending
    order for the best gain (the oracle of the kernel's moves)."""
    n = M.shape[0]
    n_moves = 0
    for u in order:
        h[:] = 0.0
        for j in range(n):
            h[labels[j]] += mm.signed_weight(M[u, j], ap, an)
        a = labels[u]
        xp = cp * kp[u]
        xn = cn * kn[u]
        best = h[a] - selfw[u] - xp * (Kp[a] - kp[u]) + xn * (Kn[a] - kn[u]) + 1e-12
        b = a
        for c in range(size.size):
            if size[c] > 0 and c != a:
                g = h[c] - xp * Kp[c] + xn * Kn[c]
                if g > best:
                    best = g
                    b = c
        if best < 0.0 and size[a] > 1:
            empty = np.argmin(size)
            if size[empty] == 0:
                b = empty
        if b != a:
            n_moves += 1
            Kp[a] -= kp[u]
            Kn[a] -= kn[u]
            size[a] -= 1
            Kp[b] += kp[u]
            Kn[b] += kn[u]
            size[b] += 1
            labels[u] = b
    return n_moves


@pytest.mark.parametrize("kind", ["ties", "signed", "isolating"])
def test_sweep_scan_makes_the_moves_of_the_full_slot_scan(kind):
    """The sweep that keeps a list of non-empty modules (any order) picks the module the ascending scan of every
    slot picks, ties to the lowest index included: same labels, module sums, sizes and move counts, sweep by
    sweep, from singletons and from partitions with empty slots."""
    rng = np.random.default_rng({"ties": 31, "signed": 32, "isolating": 33}[kind])
    n = 70
    if kind == "ties":            # circulant, small integers: equal degrees, many exactly equal gains
        c = rng.integers(0, 3, n).astype(np.float64)
        W = c[(np.arange(n)[:, None] - np.arange(n)[None, :]) % n]
    elif kind == "signed":
        W = planted_signed(n, 5, seed=34)[0]
    else:                         # high resolution: every gain negative, nodes leave for empty slots
        W = rng.normal(0.0, 0.6, (n, n))
    W = (W + W.T) / 2
    obj = mm.objective(W, 4.0 if kind == "isolating" else 1.0, "negative_asym")
    selfw = np.where(np.diag(W) > 0, obj.ap * np.diag(W), obj.an * np.diag(W))
    n_isolated = 0
    for start in (np.arange(n), rng.integers(0, 9, n)):   # singletons; 9 labels (slots 9.. empty)
        new, old = start.astype(np.int64), start.astype(np.int64).copy()
        state = {}
        for labels in (new, old):
            state[id(labels)] = (np.bincount(labels, weights=obj.kp, minlength=n),
                                 np.bincount(labels, weights=obj.kn, minlength=n),
                                 np.bincount(labels, minlength=n).astype(np.int64))
        for sweep in range(6):
            before = state[id(new)][2].copy()
            order = rng.permutation(n)
            args = (W, obj.ap, obj.an, selfw, obj.cp, obj.cn, obj.kp, obj.kn, order)
            m_new = mm.sweep_scan(*args, new, *state[id(new)], np.empty(n))
            m_old = _old_sweep_scan(*args, old, *state[id(old)], np.empty(n))
            assert m_new == m_old, (kind, sweep)
            assert np.array_equal(new, old), (kind, sweep)
            for a, b in zip(state[id(new)], state[id(old)]):
                assert np.array_equal(a, b)
            n_isolated += int(((before == 0) & (state[id(new)][2] > 0)).sum())
    if kind == "isolating":
        assert n_isolated > 0     # the case it stands for happened
