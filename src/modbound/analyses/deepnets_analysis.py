"""Analyses of deep networks (paper Supplement .0.1): Fig S4's digit-set partitions of a classifier's hidden
layer and Fig S5's sentence partitions of a transformer's first layers. Models and data: :mod:`modbound.models.deepnets`."""

from __future__ import annotations

import numpy as np

from modbound.models import deepnets
from modbound.core import partitions, settings
from modbound.core.seeding import derive_seed

__all__ = ["digit_partitions", "record_sentences", "sentence_partitions", "sentence_pair_values", "PAIR_KINDS"]

PAIR_KINDS = ("same_subject", "same_form", "unrelated")


def digit_partitions(data: deepnets.DigitData, model: deepnets.DigitMLP, *, n_sets: int, samples_per_set: int,
                     gamma: float, louvain_runs: int, master_seed: int) -> dict[str, np.ndarray]:
    """Hidden activity of each set of training images of one digit -> partitions -> ARI matrix (Louvain seed
    ``derive_seed(master_seed, "figS4", "partition_sets")``)."""
    seed = derive_seed(master_seed, "figS4", "partition_sets")
    sets = deepnets.digit_sets(data.y_train, n_sets=n_sets, samples_per_set=samples_per_set)
    index = sets["index"]
    H = deepnets.hidden_activity(model, data.X_train[index.ravel()])
    live = H.std(axis=0) > 1e-12     # dead ReLUs (silent for every analysed image) carry nothing: left out
    if live.sum() < 2:
        raise ValueError(f"only {int(live.sum())} hidden units respond to the analysed images: nothing to partition")
    H = H[:, live]
    set_of_step = np.repeat(np.arange(len(index)), sets["size"])
    P = partitions.partition_sets(H, set_of_step, gamma=gamma, louvain_runs=louvain_runs, seed=seed)
    silent = np.array([(H[set_of_step == s].std(axis=0) <= 1e-12).sum() for s in range(len(index))])
    examples = np.stack([data.X_train[np.flatnonzero(data.y_train == d)[0]].reshape(data.image_shape)
                         for d in sets["digits"]])
    return {"partitions": P, "ari": partitions.ari_matrix(P), "set_digit": sets["set_digit"],
            "set_index": index, "set_size": np.int64(sets["size"]), "samples_per_set": np.int64(samples_per_set),
            "n_sets": np.int64(n_sets), "reduced": np.bool_(sets["reduced"]), "train_counts": sets["counts"],
            "digits": sets["digits"], "n_modules": P.max(axis=1) + 1, "n_silent": silent, "live_units": live,
            "examples": examples.astype(np.float32), "louvain_seed": np.int64(seed),
            **settings.record(gamma=gamma, louvain_runs=louvain_runs)}


def record_sentences(model_path: str | None, *, n_layers: int, drop_special_tokens: bool) -> tuple[dict, dict]:
    """Hidden states of the first ``n_layers`` layers for the nine sentences.

    Returns arrays (``states`` [n_layers, n_tokens_total, hidden], ``token_sentence``, ``tokens``,
    ``sentences``, ``subject``, ``form``) and the model description.
    """
    tokenizer, model, info = deepnets.load_transformer(model_path)
    sents = deepnets.sentences()
    states, token_sentence, tokens = [], [], []
    for k, s in enumerate(sents):
        H, toks = deepnets.hidden_states(tokenizer, model, s, n_layers=n_layers,
                                         drop_special_tokens=drop_special_tokens)
        states.append(H)
        token_sentence += [k] * len(toks)
        tokens += toks
    subject, form = deepnets.sentence_labels()
    arrays = {"states": np.concatenate(states, axis=1), "token_sentence": np.asarray(token_sentence),
              "tokens": np.asarray(tokens, dtype=str), "sentences": np.asarray(sents, dtype=str),
              "subject": subject, "form": form}
    info = {**info, "n_layers_used": n_layers, "drop_special_tokens": drop_special_tokens}
    return arrays, info


def sentence_partitions(act: dict, *, gamma: float, louvain_runs: int, seed: int) -> dict[str, np.ndarray]:
    """Per layer: one partition per sentence (units = hidden dimensions, samples = tokens) and the
    9 x 9 ARI matrix."""
    parts, ari, seeds = [], [], []
    for layer in range(act["states"].shape[0]):
        s = derive_seed(seed, "figS5", "layer", layer + 1)
        P = partitions.partition_sets(act["states"][layer], act["token_sentence"], gamma=gamma,
                                      louvain_runs=louvain_runs, seed=s)
        parts.append(P)
        ari.append(partitions.ari_matrix(P))
        seeds.append(s)
    return {"partitions": np.stack(parts), "ari": np.stack(ari), "louvain_seeds": np.asarray(seeds),
            "subject": act["subject"], "form": act["form"], "sentences": act["sentences"],
            "n_tokens": np.bincount(act["token_sentence"]), "tokens": act["tokens"],
            "token_sentence": act["token_sentence"], **settings.record(gamma=gamma, louvain_runs=louvain_runs)}


def sentence_pair_values(S: np.ndarray, subject: np.ndarray, form: np.ndarray) -> dict[str, np.ndarray]:
    """ARI of sentence pairs (upper triangle) by kind: same subject, same form, unrelated."""
    iu = np.triu_indices(len(subject), k=1)
    same_s = subject[iu[0]] == subject[iu[1]]
    same_f = form[iu[0]] == form[iu[1]]
    v = S[iu]
    return {"same_subject": v[same_s & ~same_f], "same_form": v[same_f & ~same_s], "unrelated": v[~same_s & ~same_f]}
