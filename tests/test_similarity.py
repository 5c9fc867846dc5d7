"""Similarity of rows (cosine, Gram), upper triangles, Pearson r of upper triangles, Fisher mean.

The ``_old_*`` functions are the implementations that lived in ``brain``, ``ffnn`` and ``dynamics``
before they were merged into :mod:`modbound.core.similarity`; the merged functions must return exactly the
same floats for every caller (the workflow's stats are compared byte for byte).
"""
import numpy as np
import pytest

from modbound.datasets import allen
from modbound.core import similarity
from modbound.core.checks import as_matrix


# --------------------------------------------------------------------------- the old implementations
# (``gram`` moved unchanged from ``brain`` to ``similarity``, so the old versions use it)

def _old_brain_cosine_similarity(W, block=2048):
    W = as_matrix(W, name="W", square=False)
    norms = np.linalg.norm(W.astype(np.float64), axis=1)
    Z = (W / np.where(norms > 0, norms, 1.0)[:, None]).astype(np.float32)
    S = similarity.gram(Z, block)
    np.fill_diagonal(S, 1.0)
    np.clip(S, -1.0, 1.0, out=S)
    return S


def _old_brain_timeseries_fc(ts):
    X = np.asarray(ts, dtype=np.float64)
    X = X - X.mean(axis=1, keepdims=True)
    sd = np.linalg.norm(X, axis=1)
    Z = (X / np.where(sd > 0, sd, 1.0)[:, None]).astype(np.float32)
    F = similarity.gram(Z, 2048)
    np.fill_diagonal(F, 1.0)
    return np.clip(F, -1.0, 1.0, out=F)


def _old_ffnn_cosine_similarity(W):
    W = as_matrix(W, name="W", square=False).astype(np.float64)
    norm = np.linalg.norm(W, axis=1)
    Z = np.divide(W, norm[:, None], out=np.zeros_like(W), where=norm[:, None] > 0)
    return np.clip(Z @ Z.T, -1.0, 1.0)


def _old_dynamics_row_cosine(A):
    A = np.asarray(A, dtype=np.float64)
    norm = np.linalg.norm(A, axis=-1, keepdims=True)
    Z = np.divide(A, norm, out=np.zeros_like(A), where=norm > 0)
    return np.clip(Z @ np.swapaxes(Z, -1, -2), -1.0, 1.0)


def _rows(rng, shape, dtype):
    A = rng.normal(size=shape).astype(dtype)
    A[..., 2, :] = 0          # a zero row
    A[..., 4, :] *= 1e-20     # a tiny one
    return A


# --------------------------------------------------------------------------- same floats as before

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("block", [7, 64, 2048])
def test_float32_cosine_equals_old_brain_version(dtype, block):
    rng = np.random.default_rng(11)
    W = np.abs(_rows(rng, (150, 9), dtype))
    W[7:20] = _rows(rng, (13, 9), dtype)   # negative entries too
    assert np.array_equal(similarity.cosine_similarity(W, dtype=np.float32, block=block),
                          _old_brain_cosine_similarity(W, block))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_float64_cosine_equals_old_ffnn_and_dynamics_versions(dtype):
    rng = np.random.default_rng(12)
    W = _rows(rng, (40, 6), np.float64) * 10
    W = W.astype(dtype)
    S = similarity.cosine_similarity(W)
    assert S.dtype == np.float64
    assert np.array_equal(S, _old_ffnn_cosine_similarity(W))
    assert np.array_equal(S, _old_dynamics_row_cosine(W))
    for shape in [(3, 25, 25), (2, 3, 10, 4)]:          # batched, as dynamics_analysis uses it
        A = _rows(rng, shape, np.float64)
        assert np.array_equal(similarity.cosine_similarity(A), _old_dynamics_row_cosine(A))


def test_timeseries_fc_equals_old_version():
    rng = np.random.default_rng(13)
    ts = rng.normal(size=(70, 50))
    ts[5] = 3.0                                         # a constant node
    assert np.array_equal(allen.timeseries_fc(ts), _old_brain_timeseries_fc(ts))


# --------------------------------------------------------------------------- behaviour

def test_pair_stats_match_numpy():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(30, 30)).astype(np.float32)
    A = (A + A.T) / 2
    B = (A + rng.normal(size=(30, 30)).astype(np.float32))
    B = (B + B.T) / 2
    res = similarity.pair_stats(A, B, bins=5)
    iu = np.triu_indices(30, 1)
    assert res["r"] == pytest.approx(np.corrcoef(A[iu], B[iu])[0, 1], abs=1e-6)
    assert res["hist"].sum() == res["n_pairs"] == iu[0].size
    H, _, _ = np.histogram2d(A[iu], B[iu], bins=[res["edges_a"], res["edges_b"]])
    np.testing.assert_array_equal(res["hist"], H)


def test_cosine_similarity_is_exactly_symmetric_and_correct():
    rng = np.random.default_rng(5)
    W = rng.random((300, 7)).astype(np.float32)
    W[3] = 0
    S = similarity.cosine_similarity(W, dtype=np.float32, block=64)
    assert (S == S.T).all() and S.dtype == np.float32
    Wn = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-30)
    ref = Wn @ Wn.T
    np.fill_diagonal(ref, 1)
    np.testing.assert_allclose(S, ref, atol=1e-5)
    assert S[3, 5] == 0 and S[3, 3] == 1


def test_cosine_similarity_float64_and_pearson_upper():
    A = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0]])
    S = similarity.cosine_similarity(A)
    assert S[0, 1] == pytest.approx(1.0) and S[0, 2] == 0.0
    rng = np.random.default_rng(9)
    B = rng.normal(size=(6, 6))
    assert similarity.pearson_upper(B, B) == pytest.approx(1.0)
    assert similarity.pearson_upper(B, -B) == pytest.approx(-1.0)
    assert np.isnan(similarity.pearson_upper(np.ones((4, 4)), B[:4, :4]))
