"""Tests for modbound.core.checks (input validation)."""

import numpy as np
import pytest

from modbound.core.checks import as_matrix, as_partition


# ---------------------------------------------------------------- as_matrix

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_as_matrix_keeps_float_arrays_without_copy(dtype):
    W = np.eye(3, dtype=dtype)
    out = as_matrix(W)
    assert out is W


def test_as_matrix_converts_ints_and_lists_to_float64():
    assert as_matrix(np.eye(2, dtype=np.int32)).dtype == np.float64
    out = as_matrix([[1, 2], [3, 4]])
    assert out.dtype == np.float64 and out.shape == (2, 2)


def test_as_matrix_dtype_argument_casts():
    assert as_matrix(np.eye(2), dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="float dtype"):
        as_matrix(np.eye(2), dtype=np.int64)


def test_as_matrix_non_square_allowed_when_asked():
    assert as_matrix(np.ones((2, 3)), square=False).shape == (2, 3)


def test_nan_message_gives_count_and_first_index():
    W = np.zeros((4, 4))
    W[1, 2] = np.nan
    W[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"W contains 2 NaN value\(s\); first non-finite "
                                         r"entry at index \(1, 2\)"):
        as_matrix(W, name="W")


def test_inf_message_and_allow_nan():
    W = np.zeros((3, 3))
    W[2, 1] = -np.inf
    with pytest.raises(ValueError, match=r"1 inf.*\(2, 1\)"):
        as_matrix(W)
    W[2, 1] = np.nan
    assert np.isnan(as_matrix(W, allow_nan=True)[2, 1])
    W[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"1 inf.*\(0, 0\)"):
        as_matrix(W, allow_nan=True)


def test_non_finite_found_beyond_first_chunk():
    W = np.zeros((1500, 3), dtype=np.float32)
    W[1234, 2] = np.nan
    with pytest.raises(ValueError, match=r"\(1234, 2\)"):
        as_matrix(W, square=False)


@pytest.mark.parametrize("W, match", [
    (np.ones((2, 3)), r"M must be square, got non-square shape \(2, 3\)"),
    (np.ones(3), r"M must be 2-D, got 1-D"),
    (np.ones((2, 2, 2)), r"M must be 2-D, got 3-D"),
    (np.ones((0, 0)), r"M is empty"),
    (np.ones((2, 2), dtype=bool), r"M has bool dtype"),
    (np.ones((2, 2), dtype=complex), r"M has complex dtype complex128"),
    (np.array([[1, None], [None, 1]], dtype=object), r"M has non-numeric dtype object"),
    (np.array([["a", "b"], ["c", "d"]]), r"M has non-numeric dtype <U1"),
])
def test_as_matrix_rejects_bad_input(W, match):
    with pytest.raises(ValueError, match=match):
        as_matrix(W, name="M")


# ------------------------------------------------------------- as_partition

def test_as_partition_relabels_in_order_of_first_appearance():
    out = as_partition([5, 5, 2, 9, 2, -1], 6)
    np.testing.assert_array_equal(out, [0, 0, 1, 2, 1, 3])
    assert out.dtype == np.int64


def test_as_partition_accepts_integral_floats():
    np.testing.assert_array_equal(as_partition(np.array([3.0, 1.0, 3.0]), 3), [0, 1, 0])


@pytest.mark.parametrize("ci, n, match", [
    ([0, 1], 3, r"ci has length 2, expected 3"),
    ([[0, 1]], 2, r"ci must be 1-D, got 2-D"),
    ([0.0, np.nan, 1.0], 3, r"ci contains 1 NaN and 0 inf label\(s\); first at index 1"),
    ([0.0, 0.5], 2, r"ci contains non-integer labels"),
    ([True, False], 2, r"ci has bool dtype"),
    (["a", "b"], 2, r"ci has non-numeric dtype"),
])
def test_as_partition_rejects_bad_input(ci, n, match):
    with pytest.raises(ValueError, match=match):
        as_partition(ci, n, name="ci")
