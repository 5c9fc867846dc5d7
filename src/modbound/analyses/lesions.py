"""Lesions of trained CTRNNs.

Output lesions (paper Methods, "Output lesions"): the readout weights from the units of one
module to every output unit are set to zero. Since the readout does not feed back into the
recurrent state, lesioned outputs are computed exactly from recorded hidden activity:
``y = W_out' h + b_out``.
"""

from __future__ import annotations

import numpy as np

from modbound.core.checks import as_matrix

__all__ = ["output_lesion", "readout", "accuracy_drop", "lesion_crossover", "own_minus_other_drop"]


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


def accuracy_drop(lesion: np.ndarray, control: np.ndarray) -> np.ndarray:
    """Drop in accuracy ``[n, lesioned module, trial type]`` from ``control [n, trial type]`` (intact network) to
    ``lesion [n, lesioned module, trial type]``."""
    return control[:, None, :] - lesion


def lesion_crossover(lesion: np.ndarray, control: np.ndarray) -> np.ndarray:
    """Per network, the module x trial-type interaction of the first two choice modules' lesions: each module's
    drop on its own trials minus its drop on the other's, summed over both modules (``[n]``; > 0: each lesion
    hurts its own choice more than the other lesion does)."""
    drop = accuracy_drop(lesion, control)
    return (drop[:, 0, 0] - drop[:, 0, 1]) + (drop[:, 1, 1] - drop[:, 1, 0])


def own_minus_other_drop(lesion: np.ndarray, control: np.ndarray, modules) -> np.ndarray:
    """Per network: accuracy drop on the lesioned module's own trials minus the mean drop on the other trials,
    averaged over ``modules`` (NaN where a module is unmatched)."""
    drop = accuracy_drop(lesion, control)
    vals = []
    for i in modules:
        other = [j for j in range(lesion.shape[2]) if j != i]
        vals.append(drop[:, i, i] - drop[:, i, other].mean(axis=1))
    return np.mean(vals, axis=0)
