"""Statistical tests used across figures, returning plain dicts ready for the stats JSON."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

__all__ = ["describe", "ttest_ind", "ttest_1samp_r", "ttest_1samp", "ttest_rel",
           "compare_correlations"]


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


def ttest_1samp(x, threshold: float) -> dict:
    """Is the mean of ``x`` (finite values) above or below ``threshold``? One-sample t-test of x - threshold
    (two-sided p; ``t`` > 0 when the mean is above). When every value is the same (t undefined) the exact
    two-sided binomial sign test of how many values lie above the threshold is used instead, and named."""
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    out = {"test": f"one-sample t-test vs {threshold:g}", "threshold": float(threshold), "n": int(x.size),
           "mean": float(x.mean()) if x.size else None, "t": None, "p": None}
    if x.size < 2:
        return out
    if np.ptp(x) == 0:
        above, below = int((x > threshold).sum()), int((x < threshold).sum())
        if above + below == 0:
            return out
        p = sps.binomtest(above, above + below, 0.5).pvalue
        return {**out, "test": f"sign test vs {threshold:g} (all values equal)", "t": float(above - below),
                "p": float(p)}
    res = sps.ttest_1samp(x, threshold)
    return {**out, "t": float(res.statistic), "p": float(res.pvalue)}


def ttest_rel(a, b) -> dict:
    """Paired t-test of a vs b (same units measured twice); pairs with a non-finite value are left out."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"ttest_rel: paired samples differ in size ({a.size} vs {b.size})")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    d = a - b
    out = {"test": "paired t-test", "t": None, "p": None, "n": int(a.size),
           "mean_difference": float(d.mean()) if d.size else None}
    if d.size < 2 or np.ptp(d) == 0:
        return out
    res = sps.ttest_rel(a, b)
    return {**out, "t": float(res.statistic), "p": float(res.pvalue)}


def compare_correlations(r_a: float, n_a: int, r_b: float, n_b: int) -> dict:
    """Is correlation ``r_a`` (from ``n_a`` observations) different from ``r_b`` (``n_b``, independent)?
    Fisher r-to-z difference test: z = (atanh r_a - atanh r_b) / sqrt(1/(n_a-3) + 1/(n_b-3)), two-sided normal p."""
    if min(n_a, n_b) <= 3:
        raise ValueError(f"compare_correlations: need more than 3 observations per correlation, got {n_a}, {n_b}")
    za, zb = np.arctanh(np.clip([r_a, r_b], -0.999999, 0.999999))
    z = float((za - zb) / np.sqrt(1.0 / (n_a - 3) + 1.0 / (n_b - 3)))
    return {"test": "Fisher r-to-z difference test", "z": z, "p": float(2 * sps.norm.sf(abs(z))),
            "r_a": float(r_a), "r_b": float(r_b), "n_a": int(n_a), "n_b": int(n_b)}
