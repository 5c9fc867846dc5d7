"""Lesions of trained CTRNNs.

Output lesions (paper Methods, "Output lesions"): the readout weights from the units of one
module to every output unit are set to zero. Since the readout does not feed back into the
recurrent state, lesioned outputs are computed exactly from recorded hidden activity:
``y = W_out' h + b_out``.
"""

from __future__ import annotations

import numpy as np

from modbound.core.checks import as_matrix

__all__ = ["output_lesion", "readout"]


def output_lesion(W_out: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Copy of ``W_out`` [n_output, n_hidden] with the columns of ``units`` set to zero.

    ``units`` is a boolean mask over hidden units or an array of unit indices.
    """
    W = as_matrix(W_out, name="W_out", square=False).copy()
    units = np.asarray(units)
    if units.dtype == bool:
        if units.shape != (W.shape[1],):
            raise ValueError(f"units mask has shape {units.shape}, expected ({W.shape[1]},)")
    elif units.size and (units.min() < 0 or units.max() >= W.shape[1]):
        raise ValueError(f"unit indices out of range 0..{W.shape[1] - 1}")
    W[:, units] = 0.0
    return W


def readout(hidden: np.ndarray, W_out: np.ndarray, b_out: np.ndarray) -> np.ndarray:
    """Linear readout of hidden activity [..., n_hidden] -> outputs [..., n_output]."""
    return np.asarray(hidden) @ np.asarray(W_out).T + np.asarray(b_out)
