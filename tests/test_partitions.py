import numpy as np

from modbound.core import partitions


def test_ari_matrix_within_between_and_classification():
    # two conditions; partitions within a condition identical up to relabelling
    a = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    b = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    P = np.stack([a, (a + 1) % 3, a, b, 1 - b, b])
    labels = np.array([0, 0, 0, 1, 1, 1])
    S = partitions.ari_matrix(P)
    assert np.allclose(np.diag(S), 1) and np.allclose(S, S.T)
    assert np.allclose(S[:3, :3], 1) and np.allclose(S[3:, 3:], 1)
    wb = partitions.within_between(S, labels)
    assert wb["within"]["mean"] == 1.0 and wb["between"]["mean"] < 0.2
    assert partitions.classify_by_similarity(S, labels) == 1.0
    assert partitions.classify_by_similarity(S, np.array([0, 1, 0, 1, 0, 1])) < 1.0


def test_partition_sets_recovers_condition_specific_modules():
    rng = np.random.default_rng(0)
    T = 300
    s1, s2 = rng.normal(size=(T, 2)).T
    X1 = np.column_stack([s1] * 4 + [s2] * 4) + 0.1 * rng.normal(size=(T, 8))
    X2 = np.column_stack([s1, s2] * 4) + 0.1 * rng.normal(size=(T, 8))
    X = np.vstack([X1, X2])
    sets = np.repeat([0, 1], T)
    P = partitions.partition_sets(X, sets, gamma=1.0, louvain_runs=3, seed=0)
    assert P.shape == (2, 8)
    assert len(np.unique(P[0][:4])) == 1 and P[0][0] != P[0][4]
    assert P[1][0] == P[1][2] and P[1][0] != P[1][1]
    assert np.array_equal(P, partitions.partition_sets(X, sets, gamma=1.0, louvain_runs=3, seed=0))


def test_partition_sets_labels_silent_units_minus_one():
    rng = np.random.default_rng(1)
    s1, s2 = rng.normal(size=(2, 200))
    X = np.column_stack([s1, s1, s2, s2, np.zeros(200)]) + np.r_[[0.05] * 4, [0]] * rng.normal(size=(200, 5))
    P = partitions.partition_sets(X, np.zeros(200, dtype=int), gamma=1.0, louvain_runs=2, seed=0)
    assert P[0, 4] == -1 and P[0, 0] == P[0, 1] != P[0, 2] == P[0, 3] >= 0
