"""Random recurrent networks driven through random input weights (paper eq. 1; Fig S8).

    x_t = sigmoid(W_rec x_{t-1} + W_in u_t),   x_0 ~ U(0, 1)^N,   u_t ~ N(0, 1)^{N_in} (or 0)

with ``W_rec ~ N(0, rec_gain^2 / N)`` and ``W_in ~ N(0, input_gain^2)``. The paper does not give
the weight scales; ``rec_gain = 4`` (the default) keeps the input-free network from collapsing onto
a fixed point (sigmoid slope <= 1/4), so that its correlations stay defined without input.

Correlations are taken *across runs*: ``n_samples`` runs of the same network, each from its own
random initial state (and, with input, its own input sequence), give at every step ``t`` a
correlation matrix ``C_t`` of the units over runs. "Stabilisation" is the similarity (Pearson r of
the upper triangles) of ``C_t`` and ``C_{t-1}``; the "steady-state" correlation is the mean of the
last ``steady_steps`` matrices.
"""

from __future__ import annotations

import numpy as np

from modbound.core import activity as act_mod, modularity
from modbound.core.seeding import derive_seed
from modbound.core.similarity import cosine_similarity, upper

__all__ = ["window_start", "random_weights", "simulate", "correlation_series", "matrix_similarity", "stabilisation",
           "steady_state", "experiment"]


def random_weights(n_units: int, n_inputs: int, rng: np.random.Generator, *, rec_gain: float,
                   input_gain: float) -> tuple[np.ndarray, np.ndarray]:
    """``(W_rec [N, N], W_in [N, N_in])``, Gaussian with the module docstring's scales."""
    w_rec = rng.standard_normal((n_units, n_units)) * (rec_gain / np.sqrt(n_units))
    w_in = rng.standard_normal((n_units, n_inputs)) * input_gain
    return w_rec, w_in


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


def simulate(w_rec: np.ndarray, w_in: np.ndarray, *, n_samples: int, n_steps: int, with_input: bool,
             rng: np.random.Generator) -> np.ndarray:
    """States ``[n_steps, n_samples, N]`` of ``n_samples`` runs (x_1 .. x_T; x_0 not returned)."""
    n = w_rec.shape[0]
    x = rng.random((n_samples, n))
    out = np.empty((n_steps, n_samples, n))
    for t in range(n_steps):
        drive = x @ w_rec.T
        if with_input:
            drive += rng.standard_normal((n_samples, w_in.shape[1])) @ w_in.T
        x = out[t] = _sigmoid(drive)
    return out


def correlation_series(states: np.ndarray) -> np.ndarray:
    """Correlation over runs at each step: ``[T, N, N]`` from states ``[T, runs, N]``."""
    return np.stack([act_mod.correlation(s) for s in states])


def matrix_similarity(A: np.ndarray, B: np.ndarray) -> float:
    """Pearson r between the upper triangles of two square matrices (NaN if either is constant)."""
    a, b = upper(A), upper(B)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def stabilisation(Cs: np.ndarray) -> np.ndarray:
    """``r(C_t, C_{t-1})`` for t = 2 .. T: ``[T - 1]``."""
    return np.array([matrix_similarity(Cs[t], Cs[t - 1]) for t in range(1, len(Cs))])


def steady_state(Cs: np.ndarray, steady_steps: int) -> np.ndarray:
    """Mean of the last ``steady_steps`` correlation matrices."""
    return Cs[-int(steady_steps):].mean(axis=0)


def _pair_means(S: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item: mean of ``S`` with the other items of its group, and with items of other groups."""
    same = group[:, None] == group[None, :]
    off = ~np.eye(len(group), dtype=bool)
    within = np.array([S[i, same[i] & off[i]].mean() for i in range(len(group))])
    between = np.array([S[i, ~same[i]].mean() for i in range(len(group))])
    return within, between


def experiment(*, n_units: int, n_inputs: int, n_steps: int, n_samples: int, n_w_in: int, n_w_rec: int,
               rec_gain: float, input_gain: float, steady_steps: int, gamma: float, louvain_runs: int,
               master_seed: int) -> dict[str, np.ndarray]:
    """Fig S8: ``n_w_in`` input matrices, each paired with ``n_w_rec`` recurrent matrices.

    Network (a, b) has ``W_in`` number a and its own ``W_rec`` (seeds ``derive_seed(master_seed,
    "random_rnn", "w_in", a)`` and ``(..., "w_rec", a, b)``); it is run with input and, from other
    initial states, without input. Returned (networks flattened in (a, b) order, n = A * B):

    * ``stab_input``, ``stab_none`` ``[n, T - 1]``: r(C_t, C_{t-1}) with / without input;
    * ``steady_input``, ``steady_none`` ``[n, N, N]``: steady-state correlations;
    * ``sim_input``, ``sim_none`` ``[n, n]``: r between steady states of every pair of networks;
    * ``r_with_without`` ``[n]``: r between each network's steady states with and without input;
    * ``same_w_in`` / ``diff_w_in`` ``[n]``: each network's mean similarity (with input) to the
      networks sharing its W_in / to the others; ``same_w_in_none`` / ``diff_w_in_none``: the same
      pairs without input (where W_in plays no role: the control);
    * ``ari_same_w_in`` / ``ari_diff_w_in`` ``[n]``: same for the ARI of the Louvain partitions of
      the steady states with input; ``partitions`` ``[n, N]``;
    * ``r_cos_w_in`` ``[n]``: r between the steady state with input and the cosine similarity of
      the rows of W_in; ``group`` ``[n]``: a of each network; ``seeds_w_in`` ``[A]``, ``seeds_w_rec`` ``[n]``.
    """
    n_net = n_w_in * n_w_rec
    group = np.repeat(np.arange(n_w_in), n_w_rec)
    stab = {k: np.empty((n_net, n_steps - 1)) for k in ("input", "none")}
    steady = {k: np.empty((n_net, n_units, n_units)) for k in ("input", "none")}
    partitions = np.empty((n_net, n_units), dtype=np.int64)
    r_cos = np.empty(n_net)
    q_input = np.empty(n_net)
    for a in range(n_w_in):
        _, w_in = random_weights(n_units, n_inputs, np.random.default_rng(
            derive_seed(master_seed, "random_rnn", "w_in", a)), rec_gain=rec_gain, input_gain=input_gain)
        cos = cosine_similarity(w_in)
        for b in range(n_w_rec):
            i = a * n_w_rec + b
            w_rec, _ = random_weights(n_units, n_inputs, np.random.default_rng(
                derive_seed(master_seed, "random_rnn", "w_rec", a, b)), rec_gain=rec_gain, input_gain=input_gain)
            for key, with_input in (("input", True), ("none", False)):
                rng = np.random.default_rng(derive_seed(master_seed, "random_rnn", "run", a, b, key))
                Cs = correlation_series(simulate(w_rec, w_in, n_samples=n_samples, n_steps=n_steps,
                                                 with_input=with_input, rng=rng))
                stab[key][i] = stabilisation(Cs)
                steady[key][i] = steady_state(Cs, steady_steps)
            lv = modularity.louvain(steady["input"][i], gamma=gamma, n_runs=louvain_runs,
                                    seed=derive_seed(master_seed, "random_rnn", "louvain", a, b))
            partitions[i] = lv.partition
            q_input[i] = lv.q
            r_cos[i] = matrix_similarity(steady["input"][i], cos)
    sim = {k: np.array([[matrix_similarity(steady[k][i], steady[k][j]) if i != j else 1.0
                         for j in range(n_net)] for i in range(n_net)]) for k in ("input", "none")}
    ari = np.array([[modularity.ari(partitions[i], partitions[j]) for j in range(n_net)] for i in range(n_net)])
    out = {
        "stab_input": stab["input"], "stab_none": stab["none"],
        "steady_input": steady["input"].astype(np.float32), "steady_none": steady["none"].astype(np.float32),
        "sim_input": sim["input"], "sim_none": sim["none"],
        "r_with_without": np.array([matrix_similarity(steady["input"][i], steady["none"][i])
                                    for i in range(n_net)]),
        "partitions": partitions, "q_input": q_input, "r_cos_w_in": r_cos, "group": group,
        "seeds_w_in": np.array([derive_seed(master_seed, "random_rnn", "w_in", a) for a in range(n_w_in)]),
        "seeds_w_rec": np.array([derive_seed(master_seed, "random_rnn", "w_rec", a, b)
                                 for a in range(n_w_in) for b in range(n_w_rec)]),
    }
    out["same_w_in"], out["diff_w_in"] = _pair_means(sim["input"], group)
    out["same_w_in_none"], out["diff_w_in_none"] = _pair_means(sim["none"], group)
    out["ari_same_w_in"], out["ari_diff_w_in"] = _pair_means(ari, group)
    return out


def window_start(n_cols: int, stability_from: float) -> int:
    """Column of ``stab [n, n_steps - 1]`` (column j is step t = j + 2) where the stability window starts: step
    t = ceil(stability_from x n_steps), at least 2, and at most the second-to-last step (a window of two or more)."""
    if not 0.0 <= stability_from < 1.0:
        raise ValueError(f"origin.random_rnn.stability_from must be in [0, 1), got {stability_from}")
    return int(max(0, min(np.ceil(stability_from * (n_cols + 1)) - 2, n_cols - 2)))
