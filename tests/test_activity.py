import numpy as np
import pytest

from modbound.core import activity


def test_correlation_matches_numpy_and_handles_silent_units():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    X[:, 2] = 0.0  # silent unit
    C = activity.correlation(X)
    live = [0, 1, 3, 4]
    assert np.allclose(C[np.ix_(live, live)], np.corrcoef(X[:, live].T))
    assert np.all(C[2, live] == 0) and C[2, 2] == 1.0
    assert activity.silent_units(X).tolist() == [False, False, True, False, False]


def test_correlation_rejects_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        activity.correlation(np.array([[np.nan, 1.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="2 time points"):
        activity.correlation(np.ones((1, 3)))


def test_module_activity_and_perfect_reconstruction():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(50, 2))
    X = np.repeat(base, [3, 2], axis=1)  # units 0-2 copy signal 0, units 3-4 copy signal 1
    part = np.array([0, 0, 0, 1, 1])
    M = activity.module_activity(X, part)
    assert np.allclose(M, base)
    assert np.allclose(activity.reconstruct(X, part), X)
    assert np.allclose(activity.reconstruction_r(X, part), 1.0)
