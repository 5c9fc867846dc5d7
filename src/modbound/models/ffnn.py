"""Where module boundaries come from in small feed-forward networks (Figs 2, S6, S7).

Model (paper, "Connection weights determine partition boundaries"): ``N_in`` inputs feed ``N_out``
(100) linear outputs, ``y = W x`` with ``W [N_out, N_in]``; the inputs ``x`` are i.i.d. standard
Gaussian samples ("random Gaussian input with the same mean and variance"). Modules are found on
the correlation matrix of the outputs' activity; weight-based partitions are evaluated on that
matrix by their *induced* modularity (:func:`modbound.core.modularity.induced_modularity`) and compared
with the modularity Louvain reaches on the correlation matrix itself.

Weight-based partitions of the outputs (one row of ``W`` = one output's in-weights):

* **sector** (:func:`sign_partition`): the pattern of signs of the in-weights -- quadrants for
  ``N_in = 2``, octants for 3, ``2**N_in`` sectors in general;
* **Hamming** (:func:`hamming_similarity`): Louvain on the Hamming similarity of the sign patterns,
  ``1 - (number of differing signs) / N_in`` (the paper's "sector collapse": nearby sectors merge);
* **cosine** (:func:`modbound.core.similarity.cosine_similarity`): Louvain on the cosine similarity of the weight rows. For
  isotropic input the expected output correlation *is* the cosine similarity of the rows.

Generative models of module boundaries (paper Methods "Generative models", Supplement .0.2), each
making an ``[N_out, 2]`` input-weight matrix: :func:`sign_model` (weights +1/-1, parameter = fraction
of negative rows; all columns of a row equal), :func:`difference_model` (``w1 = |N(0, 1)|``,
``w2 = w1 + delta``, the column that gets ``w2`` chosen at random per row) and
:func:`sign_difference_model` (``w1 = N(0, 1)``, ``w2 = w1 + delta``). :func:`natural_partition` gives
each model's own boundary (sign; larger input; the 6 or 8 sign/difference rules of
:func:`rule_partition`).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from modbound.core import activity as act_mod, modularity, settings
from modbound import nulls
from modbound.core.checks import as_matrix
from modbound.core.defaults import NULL
from modbound.core.seeding import derive_seed
from modbound.core.similarity import cosine_similarity, upper  # ffnn.cosine_similarity, ffnn.upper: aliases for the figures

__all__ = [
    "gaussian_weights", "gaussian_input", "output_activity", "sign_codes",
    "sign_partition", "hamming_similarity", "block_means",
    "weight_partitions", "sample_network", "sweep_inputs", "GENERATIVE_MODELS", "sign_model", "difference_model",
    "sign_difference_model", "make_model", "rule_partition", "natural_partition", "sweep_generative",
    "sweep_with_examples", "generative_params", "generative_with_examples", "GENERATIVE_EXAMPLE",
]

PARTITION_KINDS = ("sector", "hamming", "cosine")


# ------------------------------------------------------------------------------------ network

def gaussian_weights(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """Random in-weights ``W [n_out, n_in]``, i.i.d. N(0, 1)."""
    return rng.standard_normal((int(n_out), int(n_in)))


def gaussian_input(n_samples: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """Input samples ``X [n_samples, n_in]``, i.i.d. N(0, 1)."""
    return rng.standard_normal((int(n_samples), int(n_in)))


def output_activity(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Linear outputs ``Y = X W^T`` ``[n_samples, n_out]`` for inputs ``X [n_samples, n_in]``."""
    W = as_matrix(W, name="W", square=False)
    X = as_matrix(X, name="X", square=False)
    if X.shape[1] != W.shape[1]:
        raise ValueError(f"X has {X.shape[1]} inputs but W has {W.shape[1]} columns")
    return X @ W.T


# ------------------------------------------------------------------------ weight partitions

def sign_codes(W: np.ndarray) -> np.ndarray:
    """Sector code of each row: ``sum_j [W_ij > 0] 2**j`` (0 .. 2**N_in - 1).

    For ``N_in = 2``: 0 = (-, -), 1 = (+, -), 2 = (-, +), 3 = (+, +). A weight of exactly 0 counts
    as negative (a measure-zero event for continuous weights).
    """
    W = as_matrix(W, name="W", square=False)
    if W.shape[1] > 62:
        raise ValueError(f"sign codes need N_in <= 62, got {W.shape[1]}")
    return ((W > 0).astype(np.int64) << np.arange(W.shape[1], dtype=np.int64)).sum(axis=1)


def _compact(labels: np.ndarray) -> np.ndarray:
    """Relabel to 0..k-1 in order of first appearance (modbound's partition convention)."""
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inv.reshape(-1)]


def sign_partition(W: np.ndarray) -> np.ndarray:
    """Sector partition: outputs with the same sign pattern of in-weights share a module."""
    return _compact(sign_codes(W))


def hamming_similarity(W: np.ndarray) -> np.ndarray:
    """``S_ij = 1 - (number of inputs whose weights onto i and j differ in sign) / N_in``."""
    W = as_matrix(W, name="W", square=False)
    P = (W > 0).astype(np.float64)
    n_in = W.shape[1]
    differ = P @ (1 - P).T + (1 - P) @ P.T
    return 1.0 - differ / n_in


def block_means(C: np.ndarray, partition: np.ndarray) -> np.ndarray:
    """Mean of ``C`` over each module-by-module block (diagonal entries excluded)."""
    C = np.asarray(C, dtype=np.float64)
    labels = np.unique(partition)
    out = np.full((labels.size, labels.size), np.nan)
    off = ~np.eye(C.shape[0], dtype=bool)
    for a, la in enumerate(labels):
        for b, lb in enumerate(labels):
            mask = np.outer(partition == la, partition == lb) & off
            if mask.any():
                out[a, b] = C[mask].mean()
    return out


def weight_partitions(W: np.ndarray, *, gamma: float, louvain_runs: int, seed: int) -> dict[str, np.ndarray]:
    """The sector, Hamming-Louvain and cosine-Louvain partitions of the rows of ``W``."""
    return {
        "sector": sign_partition(W),
        "hamming": modularity.louvain(hamming_similarity(W), gamma=gamma, n_runs=louvain_runs,
                                      seed=derive_seed(seed, "hamming")).partition,
        "cosine": modularity.louvain(cosine_similarity(W), gamma=gamma, n_runs=louvain_runs,
                                     seed=derive_seed(seed, "cosine")).partition,
    }


def sample_network(n_in: int, index: int, *, n_outputs: int, n_samples: int,
                   master_seed: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Network ``index`` of the ``N_in = n_in`` sweep: ``(seed, W, Y)``, seeded by
    ``derive_seed(master_seed, "ffnn", n_in, index)`` (weights first, then inputs)."""
    seed = derive_seed(master_seed, "ffnn", int(n_in), int(index))
    rng = np.random.default_rng(seed)
    W = gaussian_weights(n_outputs, n_in, rng)
    return seed, W, output_activity(W, gaussian_input(n_samples, n_in, rng))


def sweep_inputs(n_inputs: Sequence[int], *, n_seeds: int, n_outputs: int, n_samples: int, gamma: float,
                 louvain_runs: int, master_seed: int) -> dict[str, np.ndarray]:
    """Fig 2h-j: for each ``N_in`` and network seed, Q of each weight partition induced on the
    output correlation, and Q of Louvain directly on the correlation.

    Network ``s`` with ``N_in = n`` draws ``W`` and its inputs from
    ``derive_seed(master_seed, "ffnn", n, s)``; its Louvain runs from the same path + "louvain".
    Returns arrays ``[len(n_inputs), n_seeds]``: ``q_louvain``, ``q_<kind>``, ``k_<kind>``
    (number of modules) and ``ari_<kind>`` (ARI with the Louvain partition of the correlation)
    for kind in sector/hamming/cosine, ``k_louvain``, ``r_cos_corr`` (r between
    the cosine similarity of the weights and the output correlation), ``r_cos_cov`` (same with
    the output covariance), and the seeds.
    """
    shape = (len(n_inputs), int(n_seeds))
    out: dict[str, np.ndarray] = {key: np.full(shape, np.nan) for key in
                                  ("q_louvain", "k_louvain", "r_cos_corr", "r_cos_cov",
                                   *(f"{stat}_{k}" for stat in ("q", "k", "ari") for k in PARTITION_KINDS))}
    out["seeds"] = np.zeros(shape, dtype=np.int64)
    for i, n_in in enumerate(n_inputs):
        for s in range(int(n_seeds)):
            seed, W, Y = sample_network(n_in, s, n_outputs=n_outputs, n_samples=n_samples,
                                        master_seed=master_seed)
            C = act_mod.correlation(Y)
            lv = modularity.louvain(C, gamma=gamma, n_runs=louvain_runs, seed=derive_seed(seed, "louvain"))
            out["seeds"][i, s] = seed
            out["q_louvain"][i, s] = lv.q
            out["k_louvain"][i, s] = lv.partition.max() + 1
            for kind, part in weight_partitions(W, gamma=gamma, louvain_runs=louvain_runs, seed=seed).items():
                out[f"q_{kind}"][i, s] = modularity.induced_modularity(part, C, gamma=gamma)
                out[f"k_{kind}"][i, s] = part.max() + 1
                out[f"ari_{kind}"][i, s] = modularity.ari(part, lv.partition)
            cos = upper(cosine_similarity(W))
            out["r_cos_corr"][i, s] = np.corrcoef(cos, upper(C))[0, 1]
            out["r_cos_cov"][i, s] = np.corrcoef(cos, upper(np.cov(Y, rowvar=False)))[0, 1]
    out["n_inputs"] = np.asarray(n_inputs, dtype=np.int64)
    return out


# ---------------------------------------------------------------------- generative models

def _check_n(n_out: int) -> int:
    n_out = int(n_out)
    if n_out < 2:
        raise ValueError(f"need at least 2 outputs, got {n_out}")
    return n_out


def sign_model(n_out: int, frac_negative: float, rng: np.random.Generator, n_in: int = 2) -> np.ndarray:
    """Sign-based model: every weight is +1, then ``round(frac_negative * n_out)`` rows chosen at
    random are set to -1 (all columns of a row take the same value)."""
    n_out = _check_n(n_out)
    if not 0.0 <= frac_negative <= 1.0:
        raise ValueError(f"frac_negative must be in [0, 1], got {frac_negative}")
    W = np.ones((n_out, int(n_in)))
    W[rng.permutation(n_out)[: int(round(frac_negative * n_out))]] = -1.0
    return W


def _two_columns(w1: np.ndarray, delta: float, rng: np.random.Generator) -> np.ndarray:
    """Rows ``(w1, w1 + delta)`` with the two values' columns swapped at random per row."""
    W = np.stack([w1, w1 + float(delta)], axis=1)
    swap = rng.random(w1.size) < 0.5
    W[swap] = W[swap, ::-1]
    return W


def difference_model(n_out: int, delta: float, rng: np.random.Generator) -> np.ndarray:
    """Difference-based model: ``w1 = |N(0, 1)|``, ``w2 = w1 + delta``; one column of each row at
    random gets ``w1``, the other ``w2``."""
    n_out = _check_n(n_out)
    return _two_columns(np.abs(rng.standard_normal(n_out)), delta, rng)


def sign_difference_model(n_out: int, delta: float, rng: np.random.Generator) -> np.ndarray:
    """Sign-difference model: as :func:`difference_model` but ``w1 = N(0, 1)`` (about half negative)."""
    n_out = _check_n(n_out)
    return _two_columns(rng.standard_normal(n_out), delta, rng)


GENERATIVE_MODELS = {"sign": sign_model, "difference": difference_model,
                     "sign_difference": sign_difference_model}
NULL_PARAMETER = {"sign": 0.0, "difference": 0.0}  # parameter at which the model makes no modules


def make_model(model: str, n_out: int, param: float, rng: np.random.Generator) -> np.ndarray:
    if model not in GENERATIVE_MODELS:
        raise ValueError(f"unknown generative model {model!r}; expected one of {sorted(GENERATIVE_MODELS)}")
    return GENERATIVE_MODELS[model](n_out, param, rng)


def rule_partition(W: np.ndarray, n_rules: int = 6) -> np.ndarray:
    """The sign/difference rules of Supplement .0.2 for two inputs (``W [n, 2]``).

    1) both positive, w1 >= w2; 2) both positive, w2 > w1; 3) w1 positive, w2 negative;
    4) w1 negative, w2 positive; 5) both negative, |w1| >= |w2|; 6) both negative, |w2| > |w1|.
    With ``n_rules = 8``, rules 3 and 4 are split by which weight is larger in absolute value.
    Returns raw rule numbers 0..n_rules-1 (not compacted, so colours stay tied to rules).
    """
    W = as_matrix(W, name="W", square=False)
    if W.shape[1] != 2:
        raise ValueError(f"rules are defined for 2 inputs, W has {W.shape[1]} columns")
    if n_rules not in (6, 8):
        raise ValueError(f"n_rules must be 6 or 8, got {n_rules}")
    a, b = W[:, 0], W[:, 1]
    pa, pb = a > 0, b > 0
    first_larger = np.abs(a) >= np.abs(b)
    rule = np.where(pa & pb, np.where(a >= b, 0, 1),
                    np.where(pa & ~pb, 2, np.where(~pa & pb, 3, np.where(first_larger, 4, 5))))
    if n_rules == 8:
        rule = np.where((rule == 2) & ~first_larger, 6, rule)
        rule = np.where((rule == 3) & first_larger, 7, rule)
    return rule.astype(np.int64)


def natural_partition(model: str, W: np.ndarray) -> np.ndarray:
    """The boundary a generative model builds in: sign of the (equal) weights for 'sign'; which
    input gets the larger weight for 'difference' (one module when they are equal); the 6 rules
    for 'sign_difference'. Compacted to 0..k-1."""
    W = as_matrix(W, name="W", square=False)
    if model == "sign":
        return _compact((W[:, 0] > 0).astype(np.int64))
    if model == "difference":
        return _compact(np.sign(W[:, 1] - W[:, 0]).astype(np.int64))
    if model == "sign_difference":
        return _compact(rule_partition(W, 6))
    raise ValueError(f"unknown generative model {model!r}")


def sweep_generative(params: Mapping[str, Sequence[float]], *, n_seeds: int, n_outputs: int, n_samples: int,
                     gamma: float, louvain_runs: int, master_seed: int) -> dict[str, np.ndarray]:
    """Fig S6/S7: for each model, parameter value and seed, Q of Louvain on the output correlation,
    Q induced by the model's natural partition and its agreement (ARI) with the Louvain modules (and, for
    sign-difference, the same for the 8-rule partition),
    and r between the cosine similarity of the weights and the output covariance / correlation.

    ``params`` maps model name -> parameter values. Seeds: ``derive_seed(master_seed,
    "generative", model, j, s)`` for parameter index j and seed s. Returns ``<model>__<key>``
    arrays ``[n_params, n_seeds]`` plus ``<model>__param``.
    """
    out: dict[str, np.ndarray] = {}
    for model, values in params.items():
        shape = (len(values), int(n_seeds))
        res = {k: np.full(shape, np.nan) for k in ("q_louvain", "k_louvain", "q_natural", "k_natural",
                                                   "ari_natural", "q_rules8", "ari_rules8", "r_cos_cov",
                                                   "r_cos_corr")}
        res["seeds"] = np.zeros(shape, dtype=np.int64)
        for j, value in enumerate(values):
            for s in range(int(n_seeds)):
                seed = derive_seed(master_seed, "generative", model, j, s)
                rng = np.random.default_rng(seed)
                W = make_model(model, n_outputs, float(value), rng)
                Y = output_activity(W, gaussian_input(n_samples, W.shape[1], rng))
                C = act_mod.correlation(Y)
                lv = modularity.louvain(C, gamma=gamma, n_runs=louvain_runs, seed=derive_seed(seed, "louvain"))
                nat = natural_partition(model, W)
                res["seeds"][j, s] = seed
                res["q_louvain"][j, s] = lv.q
                res["k_louvain"][j, s] = lv.partition.max() + 1
                res["q_natural"][j, s] = modularity.induced_modularity(nat, C, gamma=gamma)
                res["k_natural"][j, s] = nat.max() + 1
                res["ari_natural"][j, s] = modularity.ari(nat, lv.partition)
                if model == "sign_difference":
                    rules8 = rule_partition(W, 8)
                    res["q_rules8"][j, s] = modularity.induced_modularity(rules8, C, gamma=gamma)
                    res["ari_rules8"][j, s] = modularity.ari(rules8, lv.partition)
                cos = upper(cosine_similarity(W))
                cov = upper(np.cov(Y, rowvar=False))
                with np.errstate(invalid="ignore", divide="ignore"):
                    if np.ptp(cos) > 0 and np.ptp(cov) > 0:
                        res["r_cos_cov"][j, s] = np.corrcoef(cos, cov)[0, 1]
                    if np.ptp(cos) > 0 and np.ptp(upper(C)) > 0:
                        res["r_cos_corr"][j, s] = np.corrcoef(cos, upper(C))[0, 1]
        res["param"] = np.asarray(values, dtype=np.float64)
        out.update({f"{model}__{k}": v for k, v in res.items()})
    return out


# ---- Fig 2 / S7: the N_in sweep with two example networks --------------------------------------

def sweep_with_examples(cfg: Mapping, *, gamma: float, louvain_runs: int, n_perm: int,
                        master_seed: int, null: str = NULL) -> dict[str, np.ndarray]:
    """The N_in sweep (:func:`sweep_inputs`) plus the two example networks (network 0
    of the sweep at each ``cfg['example_inputs']``): weights, correlation, covariance, sector codes,
    Louvain partition and the null (model ``null``) of the sector partition's Q."""
    out = sweep_inputs(cfg["n_inputs"], n_seeds=cfg["n_seeds"], n_outputs=cfg["n_outputs"],
                       n_samples=cfg["n_samples"], gamma=gamma, louvain_runs=louvain_runs, master_seed=master_seed)
    for n_in in cfg["example_inputs"]:
        seed, W, Y = sample_network(n_in, 0, n_outputs=cfg["n_outputs"], n_samples=cfg["n_samples"],
                                    master_seed=master_seed)
        C = act_mod.correlation(Y)
        codes = sign_codes(W)
        test = nulls.modularity_null(C, codes, nulls.make(null), n_perm=n_perm, seed=derive_seed(seed, "perm"),
                                     gamma=gamma)
        lv = modularity.louvain(C, gamma=gamma, n_runs=louvain_runs, seed=derive_seed(seed, "louvain"))
        parts = weight_partitions(W, gamma=gamma, louvain_runs=louvain_runs, seed=seed)
        pre = f"example{n_in}_"
        out.update({pre + "hamming": parts["hamming"], pre + "cosine": parts["cosine"]})
        out.update({pre + "W": W, pre + "C": C, pre + "cov": np.cov(Y, rowvar=False), pre + "codes": codes,
                    pre + "louvain": lv.partition, pre + "q_louvain": np.float64(lv.q),
                    pre + "q_sector": np.float64(test.q_obs), pre + "q_null": test.q_null,
                    pre + "p": np.float64(test.p), pre + "seed": np.int64(seed)})
    out["example_inputs"] = np.asarray(cfg["example_inputs"], dtype=np.int64)
    out["n_outputs"] = np.int64(cfg["n_outputs"])
    out["n_samples"] = np.int64(cfg["n_samples"])
    out.update(settings.record(gamma=gamma, louvain_runs=louvain_runs, n_perm=n_perm, null=null))
    return out


# ---- Fig S6 / S7: the generative-model sweeps with one example network per model ---------------

# Example parameter shown per model (the configured value nearest to it is used).
GENERATIVE_EXAMPLE = {"sign": 0.3, "difference": 1.0, "sign_difference": 1.0}


def generative_params(cfg: Mapping) -> dict[str, list[float]]:
    return {"sign": list(cfg["fractions"]), "difference": list(cfg["deltas"]),
            "sign_difference": list(cfg["deltas"])}


def generative_with_examples(cfg: Mapping, *, gamma: float, louvain_runs: int,
                             master_seed: int) -> dict[str, np.ndarray]:
    """:func:`sweep_generative` over the configured parameters, plus one example network
    per model (seed 0 at the parameter nearest :data:`GENERATIVE_EXAMPLE`): weights and output correlation."""
    params = generative_params(cfg)
    out = sweep_generative(params, n_seeds=cfg["n_seeds"], n_outputs=cfg["n_outputs"],
                           n_samples=cfg["n_samples"], gamma=gamma, louvain_runs=louvain_runs, master_seed=master_seed)
    for model, values in params.items():
        j = int(np.argmin(np.abs(np.asarray(values) - GENERATIVE_EXAMPLE[model])))
        seed = int(out[f"{model}__seeds"][j, 0])
        rng = np.random.default_rng(seed)  # as in sweep_generative: weights first, then inputs
        W = make_model(model, cfg["n_outputs"], float(values[j]), rng)
        Y = output_activity(W, gaussian_input(cfg["n_samples"], 2, rng))
        out.update({f"{model}__example_W": W, f"{model}__example_C": act_mod.correlation(Y),
                    f"{model}__example_cov": np.cov(Y, rowvar=False),
                    f"{model}__example_param": np.float64(values[j]), f"{model}__example_seed": np.int64(seed)})
    out["n_outputs"] = np.int64(cfg["n_outputs"])
    out["n_samples"] = np.int64(cfg["n_samples"])
    return out
