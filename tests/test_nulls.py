"""Tests for modbound.nulls.permutation: label-permutation null of Q and empirical p-values."""

import numpy as np
import pytest

from modbound.core.modularity import modularity
from modbound.nulls import empirical_p, permutation_null


def planted_signed(n, k, seed, noise=1.5):
    """Signed matrix with k planted modules: +0.2 within, -0.1 between, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    W = 0.3 * (labels[:, None] == labels[None, :]) - 0.1 + 0.2 * noise * rng.standard_normal((n, n))
    W = (W + W.T) / 2
    np.fill_diagonal(W, 1.0)
    return W, labels


# ---------------------------------------------------------------- empirical_p

def test_empirical_p_hand_example():
    null = [1.0, 2.0, 3.0, 4.0]
    assert empirical_p(2.0, null) == pytest.approx(4 / 5)  # 2, 3, 4 >= 2, plus 1
    assert empirical_p(2.0, null, tail="less") == pytest.approx(3 / 5)
    assert empirical_p(2.0, null, tail="two-sided") == 1.0
    assert empirical_p(5.0, null) == pytest.approx(1 / 5)
    assert empirical_p(5.0, null, tail="two-sided") == pytest.approx(2 / 5)
    assert empirical_p(0.0, null, tail="less") == pytest.approx(1 / 5)


@pytest.mark.parametrize("obs, null, tail, match", [
    (1.0, [1.0], "both", "tail must be one of"),
    (1.0, [], "greater", "non-empty 1-D"),
    (1.0, [[1.0]], "greater", "non-empty 1-D"),
    (np.nan, [1.0], "greater", "finite"),
    (1.0, [1.0, np.inf], "greater", "finite"),
])
def test_empirical_p_bad_input(obs, null, tail, match):
    with pytest.raises(ValueError, match=match):
        empirical_p(obs, null, tail=tail)


# ----------------------------------------------------------- permutation_null

def test_planted_partition_is_significant():
    W, labels = planted_signed(200, 4, seed=0)
    res = permutation_null(W, labels, n_perm=500, seed=1)
    assert res.q_obs == modularity(W, labels)
    assert res.p == pytest.approx(1 / 501)
    assert res.z > 10
    assert res.q_null.shape == (500,) and (res.n_perm, res.seed) == (500, 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_partition_is_not_significant(seed):
    W, _ = planted_signed(200, 4, seed=0)
    ci = np.random.default_rng(100 + seed).integers(0, 4, 200)
    res = permutation_null(W, ci, n_perm=300, seed=seed)
    assert 0.05 < res.p <= 1
    assert abs(res.z) < 3


def test_null_values_are_modularity_of_shuffled_labels():
    W, labels = planted_signed(120, 3, seed=4)
    res = permutation_null(W, labels, n_perm=5, seed=9, gamma=1.3, B="negative_sym")
    rng = np.random.default_rng(9)
    expected = [modularity(W, rng.permutation(labels), gamma=1.3, B="negative_sym")
                for _ in range(5)]
    np.testing.assert_allclose(res.q_null, expected, rtol=0, atol=1e-14)


def test_determinism_with_seed():
    W, labels = planted_signed(100, 3, seed=5)
    a = permutation_null(W, labels, n_perm=50, seed=3)
    b = permutation_null(W, labels, n_perm=50, seed=3)
    c = permutation_null(W, labels, n_perm=50, seed=4)
    np.testing.assert_array_equal(a.q_null, b.q_null)
    assert (a.p, a.z) == (b.p, b.z)
    assert not np.array_equal(a.q_null, c.q_null)


def test_single_module_gives_p_one_and_nan_z():
    W, _ = planted_signed(30, 2, seed=0)
    res = permutation_null(W, np.zeros(30, int), n_perm=20)
    assert res.p == 1.0 and np.isnan(res.z)


def test_bad_input():
    W, labels = planted_signed(30, 2, seed=0)
    with pytest.raises(ValueError, match="n_perm"):
        permutation_null(W, labels, n_perm=0)
    with pytest.raises(ValueError, match="ci has length 29"):
        permutation_null(W, labels[:-1])
    W[0, 0] = np.nan
    with pytest.raises(ValueError, match="W contains 1 NaN"):
        permutation_null(W, labels)


# ----------------------------------------------------------- the null-model interface

def test_every_null_model_is_chosen_by_its_config_name():
    """The registry is the schema's choice of nulls: a null added to one and not the other fails here."""
    import yaml
    from pathlib import Path

    from modbound import nulls

    schema = yaml.safe_load((Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml").read_text())
    props = schema["properties"]
    assert set(props["brain"]["properties"]["null_model"]["enum"]) == set(nulls.NULL_MODELS)
    # networks without coordinates: only the nulls that need nothing but the partition
    assert set(props["analysis"]["properties"]["null_model"]["enum"]) == {
        name for name, cls in nulls.NULL_MODELS.items() if not cls.requires}
    for name, cls in nulls.NULL_MODELS.items():
        assert cls.name == name and issubclass(cls, nulls.NullModel)


def test_make_names_an_unknown_null_and_what_a_null_lacks():
    from modbound import nulls

    with pytest.raises(ValueError, match=r"unknown null model 'spin'; known: \['label_permutation', 'variogram'\]"):
        nulls.make("spin")
    with pytest.raises(ValueError, match="null model 'variogram' needs distmat, index, weights"):
        nulls.make("variogram")
    assert isinstance(nulls.make("label_permutation"), nulls.LabelPermutation)


def test_null_test_evaluates_any_statistic_on_the_null_partitions():
    from modbound import nulls

    ci = np.repeat([0, 1, 2], 10)
    model = nulls.LabelPermutation()
    parts = model.partitions(ci, 40, seed=3)
    assert parts.shape == (40, 30) and (np.sort(parts, axis=1) == ci).all()   # module sizes kept
    np.testing.assert_array_equal(parts, model.partitions(ci, 40, seed=3))    # deterministic for a seed

    def first_module_contiguous(p):           # a statistic that is not Q: how many of 0..9 share label p[0]
        return float(np.sum(p[:10] == p[0]))

    res = nulls.null_test(model, first_module_contiguous, ci, 40, 3, keep_partitions=True)
    assert res.null == "label_permutation" and res.q_obs == 10.0 and res.n_perm == 40
    np.testing.assert_array_equal(res.partitions, parts)
    np.testing.assert_array_equal(res.q_null, [first_module_contiguous(p) for p in parts])
    assert res.p == pytest.approx(1 / 41)                                       # no shuffle keeps the module whole
    with pytest.raises(ValueError, match="must be >= 1"):
        nulls.null_test(model, first_module_contiguous, ci, 0, 3)


def test_permutation_null_is_the_label_permutation_model():
    from modbound import nulls

    W, labels = planted_signed(60, 3, seed=2)
    a = permutation_null(W, labels, n_perm=30, seed=7, gamma=0.8)
    b = nulls.modularity_null(W, labels, nulls.make("label_permutation"), n_perm=30, seed=7, gamma=0.8)
    assert a.null == b.null == "label_permutation"
    np.testing.assert_array_equal(a.q_null, b.q_null)
    assert (a.q_obs, a.p, a.z) == (b.q_obs, b.p, b.z)
