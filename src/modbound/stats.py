"""Statistical tests used across figures, returning plain dicts ready for the stats JSON."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

__all__ = ["describe", "ttest_ind", "ttest_1samp_r"]


def describe(x) -> dict:
    """n, mean, std (ddof=1), median, min, max of the finite values of ``x``."""
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"n": 0, "mean": None, "std": None, "median": None, "min": None, "max": None}
    return {"n": int(x.size), "mean": float(x.mean()), "std": float(x.std(ddof=1)) if x.size > 1 else None,
            "median": float(np.median(x)), "min": float(x.min()), "max": float(x.max())}


def ttest_ind(a, b) -> dict:
    """Two-sample (Student) t-test of a vs b, as in the paper; finite values only."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2 or (np.ptp(np.r_[a, b]) == 0):
        return {"test": "two-sample t-test", "t": None, "p": None, "df": None, "n_a": int(a.size),
                "n_b": int(b.size), "mean_a": float(a.mean()) if a.size else None,
                "mean_b": float(b.mean()) if b.size else None}
    res = sps.ttest_ind(a, b)
    return {"test": "two-sample t-test", "t": float(res.statistic), "p": float(res.pvalue),
            "df": int(a.size + b.size - 2), "n_a": int(a.size), "n_b": int(b.size),
            "mean_a": float(a.mean()), "mean_b": float(b.mean())}


def ttest_1samp_r(r) -> dict:
    """One-sample t-test of Fisher-z-transformed correlations against 0 (across networks)."""
    r = np.asarray(r, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size < 2:
        return {"test": "one-sample t-test on Fisher z", "t": None, "p": None, "n": int(r.size)}
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    if np.ptp(z) == 0:
        return {"test": "one-sample t-test on Fisher z", "t": None, "p": None, "n": int(r.size)}
    res = sps.ttest_1samp(z, 0.0)
    return {"test": "one-sample t-test on Fisher z", "t": float(res.statistic), "p": float(res.pvalue),
            "n": int(r.size)}
