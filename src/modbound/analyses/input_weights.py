"""Input weights and the modules of trained RNNs (Figs 4a-e, S6 trained panels, S11).

* :func:`analyse_network` / :func:`analyse_ensemble` (Fig 4a-e): the cosine similarity of the rows
  of ``W_in`` (each recurrent unit's in-weights from the input units) is partitioned by Louvain; that
  partition's modularity *induced* on the correlation matrix of the recurrent activity is compared
  with a label-permutation null (:func:`modbound.nulls.permutation.permutation_null`), and the similarity and
  correlation matrices are correlated entry by entry. Silent units (zero activity variance: their
  correlations are undefined) are left out and counted.
* :func:`weight_change` (Fig S6): % negative input weights and input-weight differences of the
  stimulus inputs before training (rebuilt from each network's init seed,
  :func:`modbound.models.ensembles.initial_weights`) and after training.
* :func:`init_comparison` (Fig S11): similarity *across networks of one ensemble* of activity
  partitions (ARI, unit i of one network against unit i of another), of recurrent weights and of
  recurrent node strengths.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from modbound.core import activity as act_mod, modularity, settings
from modbound import nulls
from modbound.core.defaults import NULL
from modbound.core.seeding import derive_seed, derive_seeds
from modbound.core.similarity import cosine_similarity, upper
from modbound.core.stats import representative

__all__ = ["stimulus_columns", "analysed_steps", "split_half_ari", "analyse_network", "analyse_ensemble", "weight_change", "node_strength",
           "init_comparison"]


def stimulus_columns(input_names: Sequence[str]) -> np.ndarray:
    """Indices of the inputs other than fixation (the paper ignores the tonic fixation input when
    it partitions by input weights)."""
    cols = np.array([i for i, name in enumerate(input_names) if name != "fixation"], dtype=np.int64)
    if cols.size == 0:
        raise ValueError(f"no non-fixation inputs in {tuple(input_names)}")
    return cols


def analysed_steps(trials, drop_first_trial: bool) -> np.ndarray:
    """Time-step mask of the recorded test sequence used for correlations: everything, or everything
    after the first trial. Networks start from h0 = 0, and in the first steps some units fire once and
    never again; their near-perfect correlation with each other would form a spurious module."""
    steps = np.ones(trials.trial.shape, dtype=bool)
    if drop_first_trial:
        steps &= trials.trial != trials.trial[0]
    return steps


def analyse_network(W_in: np.ndarray, hidden: np.ndarray, *, gamma: float, louvain_runs: int, n_perm: int,
                    seed: int, columns: np.ndarray | None = None, null: str = NULL) -> dict:
    """Fig 4b-e for one network: ``W_in [H, I]``, ``hidden [T, H]``.

    ``columns`` restricts the in-weights to those inputs (None: all). Returns the live-unit mask,
    the cosine similarity ``S`` and correlation ``C`` of live units, the Louvain partition of ``S``,
    its induced Q on ``C`` against the null model ``null``, and ``r`` between the upper triangles.
    """
    live = ~act_mod.silent_units(hidden)
    W = np.asarray(W_in, dtype=np.float64)[live]
    if columns is not None:
        W = W[:, columns]
    S = cosine_similarity(W)
    C = act_mod.correlation(np.asarray(hidden, dtype=np.float64)[:, live])
    lv = modularity.louvain(S, gamma=gamma, n_runs=louvain_runs, seed=derive_seed(seed, "louvain"))
    null = nulls.modularity_null(C, lv.partition, nulls.make(null), n_perm=n_perm, seed=derive_seed(seed, "perm"),
                                 gamma=gamma)
    return {"live": live, "S": S, "C": C, "partition": lv.partition, "q_similarity": lv.q,
            "q_induced": null.q_obs, "q_null": null.q_null, "p": null.p, "z": null.z,
            "r": float(np.corrcoef(upper(S), upper(C))[0, 1])}


def analyse_ensemble(act, *, input_names: Sequence[str], gamma: float, louvain_runs: int, n_perm: int,
                     master_seed: int, ensemble: str, hist_bins: int, null: str = NULL,
                     drop_first_trial: bool = True) -> dict[str, np.ndarray]:
    """Fig 4a-e for every included network of an ensemble (:class:`modbound.models.ensembles.Activity`).

    Per network, with all inputs (keys without suffix) and with the stimulus inputs only (suffix
    ``_stim``): ``q_induced``, ``q_null`` ``[n, n_perm]``, ``p``, ``z``, ``r``, ``n_modules``; plus
    ``n_silent``. The example network (``example_index``, a position in ``model_index``) is the one whose ``r``
    (all inputs) is closest to the ensemble median (:func:`modbound.core.stats.representative`): its ``S``, ``C``,
    partition and the 2-D histogram (``hist_bins`` per axis over [-1, 1]^2) of (similarity, correlation) are kept;
    ``pooled_hist`` (all inputs) sums that histogram over every network (Fig 4e: one network has too few unit pairs
    per bin). Activity: the steps of :func:`analysed_steps`.
    """
    seeds = derive_seeds(master_seed, act.n_models, ensemble, "input_modules")  # network m: seeds[m]
    steps = analysed_steps(act.trials, drop_first_trial)
    index = np.flatnonzero(act.included)
    if index.size == 0:
        raise ValueError("no network reached min_accuracy: nothing to analyse")
    stim = stimulus_columns(input_names)
    keys = ("q_induced", "q_null", "p", "z", "r", "n_modules", "q_similarity")
    out: dict[str, list] = {f"{k}{suffix}": [] for k in keys for suffix in ("", "_stim")}
    out["n_silent"] = []
    kept = []  # per network: {suffix: analyse_network result} (matrices of 64 units: small)
    for m in index:
        hidden = act.hidden[m][steps]
        kept.append({})
        for suffix, cols in (("", None), ("_stim", stim)):
            res = analyse_network(act.weights["W_in"][m], hidden, gamma=gamma, louvain_runs=louvain_runs,
                                  n_perm=n_perm, seed=derive_seed(int(seeds[m]), suffix or "all"), columns=cols,
                                  null=null)
            for k in keys:
                out[f"{k}{suffix}"].append(res["partition"].max() + 1 if k == "n_modules" else res[k])
            kept[-1][suffix] = res
        out["n_silent"].append(int((~res["live"]).sum()))
    result = {k: np.asarray(v) for k, v in out.items()}
    ex = representative(result["r"]) if np.isfinite(result["r"]).any() else 0  # no finite r: the first network
    edges = np.linspace(-1.0, 1.0, int(hist_bins) + 1)
    result["pooled_hist"] = sum(np.histogram2d(upper(k[""]["S"]), upper(k[""]["C"]), bins=[edges, edges])[0]
                                for k in kept)
    for suffix, res in kept[ex].items():
        hist, _, _ = np.histogram2d(upper(res["S"]), upper(res["C"]), bins=[edges, edges])
        result.update({f"example_S{suffix}": res["S"], f"example_C{suffix}": res["C"],
                       f"example_partition{suffix}": res["partition"], f"example_hist{suffix}": hist,
                       f"example_live{suffix}": res["live"]})
    result.update({"hist_edges": edges, "model_index": index, "example_index": np.int64(ex),
                   "seeds": np.asarray([int(seeds[m]) for m in index]), "stimulus_columns": stim,
                   "n_steps_used": np.int64(steps.sum()), "drop_first_trial": np.bool_(drop_first_trial)})
    result.update(settings.record(gamma=gamma, louvain_runs=louvain_runs, n_perm=n_perm, null=null))
    return result


def weight_change(initial: np.ndarray, trained: np.ndarray, columns: Sequence[int]) -> dict[str, np.ndarray]:
    """Fig S6 (trained RNNs): per network, % negative weights and mean |w_a - w_b| between the
    weights from the two ``columns`` inputs, before (``initial [M, H, I]``) and after training."""
    cols = np.asarray(columns)
    if cols.size != 2:
        raise ValueError(f"input-weight differences need exactly 2 stimulus inputs, got columns {cols}")
    out = {}
    for key, W in (("before", np.asarray(initial, dtype=np.float64)), ("after", np.asarray(trained, dtype=np.float64))):
        Ws = W[:, :, cols]
        out[f"pct_negative_{key}"] = 100.0 * (Ws < 0).mean(axis=(1, 2))
        out[f"difference_{key}"] = np.abs(Ws[:, :, 0] - Ws[:, :, 1]).mean(axis=1)
        out[f"w_{key}"] = Ws.astype(np.float32)
    return out


def node_strength(W_rec: np.ndarray) -> np.ndarray:
    """Total absolute recurrent weight of each unit, in + out: ``[..., H]`` from ``[..., H, H]``."""
    A = np.abs(np.asarray(W_rec, dtype=np.float64))
    return A.sum(axis=-1) + A.sum(axis=-2)


def _mean_offdiag(S: np.ndarray) -> np.ndarray:
    """Per row: mean over the other columns (NaN entries ignored)."""
    off = np.where(np.eye(S.shape[0], dtype=bool), np.nan, S)
    return np.nanmean(off, axis=1)


def split_half_ari(hidden: np.ndarray, trial: np.ndarray, *, gamma: float, louvain_runs: int, seed: int) -> float:
    """ARI between the Louvain partitions of one network's correlation matrix computed on two halves of its
    trials (even- and odd-numbered trials in recording order), over the units live in both halves: the
    reference level for partition similarity between networks (a network compared with itself, given the
    recorded trials). ``hidden [T, H]``, ``trial [T]`` (trial id of each step). NaN with fewer than 2 trials
    or fewer than 2 units live in both halves."""
    trials = np.unique(trial)
    if trials.size < 2:
        return float("nan")
    halves = [np.isin(trial, trials[k::2]) for k in (0, 1)]
    live = ~act_mod.silent_units(hidden[halves[0]]) & ~act_mod.silent_units(hidden[halves[1]])
    if live.sum() < 2:
        return float("nan")
    parts = [modularity.louvain(act_mod.correlation(hidden[h][:, live]), gamma=gamma, n_runs=louvain_runs,
                                seed=derive_seed(seed, k)).partition for k, h in enumerate(halves)]
    return float(modularity.ari(parts[0], parts[1]))


def init_comparison(acts: Mapping[str, object], *, gamma: float, louvain_runs: int, master_seed: int,
                    initial: Mapping[str, Mapping[str, np.ndarray]] | None = None,
                    drop_first_trial: bool = True) -> dict[str, np.ndarray]:
    """Fig S11: for each ensemble (name -> :class:`modbound.models.ensembles.Activity`), over its included
    networks: Louvain partitions of the recurrent correlation of the live units (seed
    ``derive_seed(master_seed, "s11", name, m)``; silent units labelled -1), the pairwise ARI
    matrix over the units live in both networks, pairwise r of the recurrent weights (all entries)
    and of node strengths, and per network the mean of each over the other networks; with
    ``initial`` (name -> initial weights, :func:`modbound.models.ensembles.initial_weights`), also each
    network's mean r of its *initial* W_in with the others' (1 for a shared W_in).
    Reference level (``<name>__split_half_ari``): per network, the ARI between the partitions of its two
    halves of trials (:func:`split_half_ari`), i.e. how similar one network's partition is to itself given
    the finite recording; cross-network ARIs are read against it.
    Keys ``<name>__<quantity>``. Activity: the steps of :func:`analysed_steps`.
    """
    out: dict[str, np.ndarray] = {}
    for name, act in acts.items():
        steps = analysed_steps(act.trials, drop_first_trial)
        index = np.flatnonzero(act.included)
        if index.size < 2:
            raise ValueError(f"ensemble {name!r}: {index.size} networks pass min_accuracy; "
                             "comparing networks needs at least 2")
        n = index.size
        parts = np.full((n, act.hidden.shape[2]), -1, dtype=np.int64)  # -1: silent unit
        split = np.full(n, np.nan)
        for i, m in enumerate(index):
            hidden = act.hidden[m][steps]
            live = ~act_mod.silent_units(hidden)
            parts[i, live] = modularity.louvain(act_mod.correlation(hidden[:, live]), gamma=gamma, n_runs=louvain_runs,
                                                seed=derive_seed(master_seed, "s11", name, int(m))).partition
            split[i] = split_half_ari(hidden, act.trials.trial[steps], gamma=gamma, louvain_runs=louvain_runs,
                                      seed=derive_seed(master_seed, "s11", name, int(m), "split_half"))
        ari = np.eye(n)
        for i in range(n):
            for j in range(i + 1, n):
                both = (parts[i] >= 0) & (parts[j] >= 0)
                ari[i, j] = ari[j, i] = (modularity.ari(parts[i][both], parts[j][both]) if both.sum() >= 2
                                         else np.nan)
        W_rec = act.weights["W_rec"][index].reshape(n, -1).astype(np.float64)
        strength = node_strength(act.weights["W_rec"][index])
        out.update({
            f"{name}__partitions": parts, f"{name}__ari": ari, f"{name}__w_rec_r": np.corrcoef(W_rec),
            f"{name}__strength_r": np.corrcoef(strength), f"{name}__model_index": index,
            f"{name}__ari_mean": _mean_offdiag(ari), f"{name}__w_rec_r_mean": _mean_offdiag(np.corrcoef(W_rec)),
            f"{name}__strength_r_mean": _mean_offdiag(np.corrcoef(strength)),
            f"{name}__split_half_ari": split,
        })
        if initial is not None and name in initial:
            w0 = np.asarray(initial[name]["W_in"])[index].reshape(n, -1).astype(np.float64)
            out[f"{name}__initial_w_in_r_mean"] = _mean_offdiag(np.corrcoef(w0))
    out["drop_first_trial"] = np.bool_(drop_first_trial)
    return out
