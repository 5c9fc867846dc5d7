import numpy as np
import pytest

from modbound.core import stats as st


def test_ttest_rel_sign_and_degenerate_pairs():
    rng = np.random.default_rng(0)
    b = rng.normal(size=30)
    t = st.ttest_rel(b + 0.5 + 0.1 * rng.normal(size=30), b)
    assert t["t"] > 0 and t["p"] < 1e-6 and t["n"] == 30
    # identical up to rounding: nothing to test (a rounding-level t must not become a verdict)
    same = st.ttest_rel(b + 1e-16 * rng.normal(size=30), b)
    assert same["t"] is None and same["p"] is None
    with pytest.raises(ValueError, match="length"):
        st.ttest_rel(b, b[:3])


def test_ttest_1samp_against_value_and_fisher_z():
    x = np.array([0.05, 0.0, 0.02, 0.08, 0.01])
    t = st.ttest_1samp(x, 0.1)
    assert t["t"] < 0 and t["p"] < 0.05
    r = np.array([0.7, 0.75, 0.8, 0.72])
    assert st.ttest_1samp(r, 0.5, fisher_z=True)["t"] > 0
    assert st.ttest_1samp(r, 0.9, fisher_z=True)["t"] < 0


def test_equivalence_inside_and_outside_margin():
    rng = np.random.default_rng(1)
    inside = st.equivalence(4 + 0.2 * rng.normal(size=40), 4, 1)
    assert inside["t"] > 0 and inside["p"] < 0.001
    outside = st.equivalence(6 + 0.2 * rng.normal(size=40), 4, 1)
    assert outside["t"] < 0 and outside["p"] > 0.99
    assert st.equivalence(np.full(5, 4.0), 4, 1)["p"] == 0.0


def test_representative_is_closest_to_median():
    assert st.representative([0.1, 5.0, 0.45, np.nan, 0.9, 0.5]) == 5  # median 0.5
    assert st.representative([3.0, 1.0, 2.0]) == 2
    with pytest.raises(ValueError):
        st.representative([np.nan])
