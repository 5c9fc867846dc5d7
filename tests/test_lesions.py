import numpy as np
import pytest

from modbound.analyses import lesions


def test_output_lesion_zeroes_exactly_the_module_columns():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 8))
    partition = np.array([0, 1, 0, 2, 1, 1, 0, 2])
    Wl = lesions.output_lesion(W, partition == 1)
    assert np.all(Wl[:, partition == 1] == 0)
    assert np.array_equal(Wl[:, partition != 1], W[:, partition != 1])
    assert np.array_equal(lesions.output_lesion(W, np.flatnonzero(partition == 1)), Wl)
    assert not np.shares_memory(Wl, W) and np.all(W[:, partition == 1] != 0)


def test_output_lesion_rejects_bad_units():
    W = np.ones((2, 4))
    with pytest.raises(ValueError, match="shape"):
        lesions.output_lesion(W, np.array([True, False]))
    with pytest.raises(ValueError, match="out of range"):
        lesions.output_lesion(W, np.array([5]))


def test_readout_matches_matrix_product():
    rng = np.random.default_rng(1)
    h = rng.normal(size=(10, 4))
    W = rng.normal(size=(3, 4))
    b = rng.normal(size=3)
    assert np.allclose(lesions.readout(h, W, b), np.einsum("oh,th->to", W, h) + b)


def test_lesion_crossover_and_own_minus_other_drop():
    # 2 networks, 2 choice modules, 2 trial types; control accuracy 1.0 everywhere
    control = np.ones((2, 2))
    lesion = np.array([[[0.2, 0.9], [0.8, 0.1]],      # network 0: each lesion hurts its own trials (crossover)
                       [[0.5, 0.5], [0.5, 0.5]]])     # network 1: both lesions hurt every trial alike
    np.testing.assert_allclose(lesions.accuracy_drop(lesion, control)[0], [[0.8, 0.1], [0.2, 0.9]])
    np.testing.assert_allclose(lesions.lesion_crossover(lesion, control), [0.7 + 0.7, 0.0])
    np.testing.assert_allclose(lesions.own_minus_other_drop(lesion, control, [0, 1]), [0.7, 0.0])
    np.testing.assert_allclose(lesions.own_minus_other_drop(lesion, control, [1]), [0.7, 0.0])
