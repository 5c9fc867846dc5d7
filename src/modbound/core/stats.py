"""Statistical tests used across figures, returning plain dicts ready for the stats JSON."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

__all__ = ["typical_count", "representative_among", "describe", "ttest_ind", "ttest_1samp_r", "ttest_1samp", "ttest_rel", "compare_correlations",
           "equivalence", "representative"]


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


def ttest_rel(a, b, atol: float = 1e-12) -> dict:
    """Paired t-test of a vs b (pairs where both are finite); ``t > 0`` when a exceeds b. Untestable (t and p
    None) when every difference is within ``atol`` (identical up to rounding: no contrast to test)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"ttest_rel: paired samples differ in size (length {a.size} vs {b.size})")
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    out = {"test": "paired t-test", "n": int(d.size), "mean_a": float(a[ok].mean()) if d.size else None,
           "mean_b": float(b[ok].mean()) if d.size else None, "mean_difference": float(d.mean()) if d.size else None}
    if d.size < 2 or np.ptp(d) == 0 or np.all(np.abs(d) <= atol):
        return {**out, "t": None, "p": None, "df": None}
    res = sps.ttest_rel(a[ok], b[ok])
    return {**out, "t": float(res.statistic), "p": float(res.pvalue), "df": int(d.size - 1)}


def ttest_1samp(x, value: float, *, fisher_z: bool = False) -> dict:
    """Is the mean of ``x`` (finite values) above or below ``value``? One-sample t-test (two-sided p; ``t > 0``
    when the mean is above). ``fisher_z``: ``x`` are correlations, compared with ``value`` on the Fisher-z scale.
    When every value is the same (t undefined) the exact two-sided binomial sign test of how many values lie
    above ``value`` is used instead, and named."""
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    test = "one-sample t-test" + (" on Fisher z" if fisher_z else "") + f" vs {value:g}"
    out = {"test": test, "threshold": float(value), "value": float(value), "n": int(x.size),
           "mean": float(x.mean()) if x.size else None, "t": None, "p": None}
    if fisher_z:
        x, value = np.arctanh(np.clip(x, -0.999999, 0.999999)), float(np.arctanh(value))
    if x.size < 2:
        return out
    if np.ptp(x) == 0:
        above, below = int((x > value).sum()), int((x < value).sum())
        if above + below == 0:
            return out
        p = sps.binomtest(above, above + below, 0.5).pvalue
        return {**out, "test": f"sign test vs {out['threshold']:g} (all values equal)", "t": float(above - below),
                "p": float(p)}
    res = sps.ttest_1samp(x, value)
    return {**out, "t": float(res.statistic), "p": float(res.pvalue)}


def equivalence(x, target: float, margin: float) -> dict:
    """Two one-sided t-tests (TOST) that the mean of ``x`` lies within ``target +- margin``.

    ``t`` is the smaller of the two one-sided t statistics (positive: the mean lies inside the margin),
    ``p`` the larger of their one-sided p values (small: equivalent). A constant sample inside the
    margin is equivalent (p = 0), outside it is not (p = 1)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    out = {"test": f"TOST equivalence to {target:g} +- {margin:g}", "n": int(x.size), "target": float(target),
           "margin": float(margin), "mean": float(x.mean()) if x.size else None}
    if x.size < 2:
        return {**out, "t": None, "p": None}
    se = x.std(ddof=1) / np.sqrt(x.size)
    lo, hi = x.mean() - (target - margin), (target + margin) - x.mean()
    if se == 0:
        inside = lo > 0 and hi > 0
        return {**out, "t": float("inf") if inside else float("-inf"), "p": 0.0 if inside else 1.0}
    t = min(lo, hi) / se
    p = float(sps.t.sf(t, x.size - 1))
    return {**out, "t": float(t), "p": p}


def representative(values) -> int:
    """Position of the value closest to the median of the finite ``values`` (the first on ties): the rule
    that picks each figure's example network. ValueError when no value is finite."""
    v = np.asarray(values, dtype=np.float64).ravel()
    ok = np.isfinite(v)
    if not ok.any():
        raise ValueError("no finite value to choose a representative from")
    dist = np.where(ok, np.abs(v - np.median(v[ok])), np.inf)
    return int(np.argmin(dist))


def compare_correlations(r_a: float, n_a: int, r_b: float, n_b: int) -> dict:
    """Is correlation ``r_a`` (from ``n_a`` observations) different from ``r_b`` (``n_b``, independent)?
    Fisher r-to-z difference test: z = (atanh r_a - atanh r_b) / sqrt(1/(n_a-3) + 1/(n_b-3)), two-sided normal p."""
    if min(n_a, n_b) <= 3:
        raise ValueError(f"compare_correlations: need more than 3 observations per correlation, got {n_a}, {n_b}")
    za, zb = np.arctanh(np.clip([r_a, r_b], -0.999999, 0.999999))
    z = float((za - zb) / np.sqrt(1.0 / (n_a - 3) + 1.0 / (n_b - 3)))
    return {"test": "Fisher r-to-z difference test", "z": z, "p": float(2 * sps.norm.sf(abs(z))),
            "r_a": float(r_a), "r_b": float(r_b), "n_a": int(n_a), "n_b": int(n_b)}


def typical_count(n_modules: np.ndarray) -> int:
    """The typical module count: the ensemble median, rounded half up (4.5 -> 5)."""
    return int(np.floor(np.median(n_modules) + 0.5))


def representative_among(key: np.ndarray, n_modules: np.ndarray, typical: int) -> int:
    """The example network (Figs 1, S2): among the networks with a finite ``key`` whose module count is closest to ``typical``
    (equal where any is), the one whose ``key`` is closest to the ensemble median of ``key`` (the first on ties);
    ValueError when no key is finite."""
    key = np.asarray(key, dtype=np.float64)
    finite = np.isfinite(key)
    if not finite.any():
        return representative(key)  # raises, naming the problem
    near = np.where(finite, np.abs(np.asarray(n_modules, dtype=np.float64) - typical), np.inf)
    cand = near == near.min()
    dist = np.where(cand, np.abs(key - np.median(key[finite])), np.inf)
    return int(np.argmin(dist))
