"""Activity-based networks: correlation matrices and module-level activity.

The paper's modules are found by modularity maximisation on the correlation matrix of recurrent
activity (time points x neurons). ReLU networks often have silent neurons (zero variance): their
correlations are undefined, so they are given zero correlation with every other neuron (and 1 on
the diagonal) and reported, never silently turned into NaN.
"""

from __future__ import annotations

import numpy as np

from modbound.core.checks import as_matrix, as_partition

__all__ = ["correlation", "silent_units", "module_activity", "reconstruct", "reconstruction_r"]


def silent_units(activity: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Boolean mask of units whose activity has (numerically) zero variance."""
    X = as_matrix(activity, name="activity", square=False)
    return X.std(axis=0) <= tol


def correlation(activity: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Pearson correlation between the columns (units) of ``activity`` [time, units].

    Silent units get zero off-diagonal correlation and a unit diagonal.
    """
    X = as_matrix(activity, name="activity", square=False).astype(np.float64)
    if X.shape[0] < 2:
        raise ValueError(f"activity: need at least 2 time points, got shape {X.shape}")
    Xc = X - X.mean(axis=0)
    sd = np.sqrt((Xc**2).sum(axis=0))
    live = sd > tol * np.sqrt(X.shape[0])
    Z = np.zeros_like(Xc)
    Z[:, live] = Xc[:, live] / sd[live]
    C = Z.T @ Z
    np.fill_diagonal(C, 1.0)
    return np.clip(C, -1.0, 1.0)


def module_activity(activity: np.ndarray, partition: np.ndarray) -> np.ndarray:
    """Mean activity of each module: [time, n_modules], module k = label k (labels 0..k-1)."""
    X = as_matrix(activity, name="activity", square=False)
    ci = as_partition(partition, X.shape[1])
    k = int(ci.max()) + 1
    onehot = np.zeros((X.shape[1], k))
    onehot[np.arange(X.shape[1]), ci] = 1.0
    return (X @ onehot) / onehot.sum(axis=0)


def reconstruct(activity: np.ndarray, partition: np.ndarray) -> np.ndarray:
    """Map module-mean activity back onto each unit (dimensionality reduction by modules)."""
    ci = as_partition(partition, np.shape(activity)[1])
    return module_activity(activity, ci)[:, ci]


def reconstruction_r(activity: np.ndarray, partition: np.ndarray) -> np.ndarray:
    """Per time point: correlation across units between original and module-reconstructed activity.

    Time points where either vector is constant give NaN (excluded by nan-aware summaries).
    """
    X = np.asarray(activity, dtype=np.float64)
    R = reconstruct(X, partition)
    Xc = X - X.mean(axis=1, keepdims=True)
    Rc = R - R.mean(axis=1, keepdims=True)
    num = (Xc * Rc).sum(axis=1)
    den = np.sqrt((Xc**2).sum(axis=1) * (Rc**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
