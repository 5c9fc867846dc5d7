"""Dynamics of modules in trained ensembles (Figs 3, 5, 6, S12, S13, S14): per-ensemble analyses.

Each function takes an ensemble's recorded activity (:class:`modbound.models.ensembles.Activity`), uses its first
``n_networks`` networks that pass ``min_accuracy`` (each function states which one is its example network)
and returns flat arrays for an ``.npz`` file; the maths lives in :mod:`modbound.analyses.dynamics`.

* :func:`fixed_points`: fixed/slow points of every network under a constant input, by gradient descent from
  recorded states plus noise.
* :func:`jacobian_analysis` (Fig 3): cosine similarity of the rows of the Jacobian (averaged over the
  slow points, and along task trajectories) against the activity correlation; modules of the trajectory
  Jacobian similarity induced on the correlation, with a label-permutation null.
* :func:`perturbation_analysis` (Fig 5, S12): perturbation trials (one stimulus input held high from the
  state after fixation) after 0..K within-module lesions of the largest positive recurrent weights, for
  sign-based and difference-based input modules; distance of the end state from the decision boundary.
* :func:`flow_analysis` (Fig 6, S13): vector field on a PC1-PC2 grid; single-unit lesions -> flow distances
  -> lesion similarity, against the activity correlation and its modules.
* :func:`nullcline_analysis` (Fig S14): higher-order nullclines of every unit; their similarity against the
  activity correlation and its modules.

Units that are silent on the analysed steps (zero activity variance: correlations undefined) are left out
of every comparison with the correlation matrix and counted (``n_silent``), as in Fig 4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from modbound.core import activity as act_mod, modularity, stats as st, settings
from modbound.core import device as device_mod
from modbound.analyses import dynamics as dy
from modbound.models import ensembles
from modbound import nulls
from modbound.core.similarity import cosine_similarity, pearson_upper
from modbound.analyses.input_weights import analysed_steps
from modbound.core.seeding import derive_seed
from modbound.core.defaults import NULL
from modbound.models.tasks import PERIODS

__all__ = ["select_networks", "fixed_points", "kept_points", "jacobian_analysis", "module_members",
           "perturbation_analysis", "flow_analysis", "nullcline_analysis", "FALLBACK_FRACTION", "SEED_DERIVATION",
           "figure_settings", "similarity_summary", "weight_similarities", "perturbation_specificity", "line_fraction",
           "spread_ratio"]

FALLBACK_FRACTION = 0.1  # slowest fraction of optimised states kept when none is below speed_tol


def select_networks(act, n_networks: int) -> np.ndarray:
    """Indices of the first ``n_networks`` networks that pass ``min_accuracy`` (ValueError if none)."""
    index = np.flatnonzero(act.included)[: int(n_networks)]
    if index.size == 0:
        raise ValueError("no network reached min_accuracy: nothing to analyse")
    return index


def _weights(act, index) -> dict[str, torch.Tensor]:
    return dy.as_tensors({k: np.asarray(v)[index] for k, v in act.weights.items()})


def _modules_vs_correlation(S: np.ndarray, C: np.ndarray, *, partition_on: str, gamma: float,
                            louvain_runs: int, n_perm: int, null: str, seed: int) -> dict:
    """Louvain on one matrix, Q induced on the other against the null model ``null``; r of the upper triangles.

    ``partition_on="similarity"``: modules of ``S`` induced on ``C`` (Fig 3, S14);
    ``"correlation"``: modules of ``C`` induced on ``S`` (Fig 6, S13).
    """
    source, target = (S, C) if partition_on == "similarity" else (C, S)
    lv = modularity.louvain(source, gamma=gamma, n_runs=louvain_runs, seed=derive_seed(seed, "louvain"))
    null = nulls.modularity_null(target, lv.partition, nulls.make(null), n_perm=n_perm, seed=derive_seed(seed, "perm"),
                                 gamma=gamma)
    return {"partition": lv.partition, "q_source": lv.q, "q_induced": null.q_obs, "q_null": null.q_null,
            "p": null.p, "z": null.z, "r": pearson_upper(S, C), "n_modules": int(lv.partition.max()) + 1}


def within_minus_between(S: np.ndarray, partition: np.ndarray) -> float:
    """Mean of ``S`` over pairs of distinct units in the same module minus its mean over pairs in different
    modules (NaN when either set of pairs is empty)."""
    partition = np.asarray(partition)
    same = partition[:, None] == partition[None, :]
    np.fill_diagonal(same, False)
    between = partition[:, None] != partition[None, :]
    if not same.any() or not between.any():
        return float("nan")
    return float(S[same].mean() - S[between].mean())


def initial_states(act, index: np.ndarray, steps: np.ndarray, n: int, noise: float, *, seed: int, ensemble: str,
                   analysis: str, spread: bool = False, return_steps: bool = False):
    """``n`` recorded states (analysed steps) plus noise per network ``[len(index), n, H]``, drawn at random
    (:func:`modbound.analyses.dynamics.sample_states`) or, with ``spread``, one per equal stratum of the analysed steps
    (:func:`modbound.analyses.dynamics.spread_states`), with ``derive_seed(seed, "dynamics", ensemble, analysis, m)``
    for network m. With ``return_steps`` (random draws only), also each state's recorded step, an index into the
    analysed steps ``[len(index) * n]``."""
    if return_steps and spread:
        raise ValueError("initial_states: return_steps is for random draws (spread=False)")
    draw = dy.spread_states if spread else dy.sample_states
    extra = {"return_index": True} if return_steps else {}
    draws = [draw(act.hidden[m][None, steps], n, noise,
                  np.random.default_rng(derive_seed(seed, "dynamics", ensemble, analysis, int(m))), **extra)
             for m in index]
    if return_steps:
        return np.concatenate([d[0] for d in draws]), np.concatenate([d[1] for d in draws])
    return np.concatenate(draws)


def _live_correlation(act, m: int, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Units of network ``m`` active on the analysed ``steps`` (mask ``[H]``) and their activity correlation."""
    X = act.hidden[m][steps].astype(np.float64)
    live = ~act_mod.silent_units(X)
    return live, act_mod.correlation(X[:, live])


def _stack(rows: list[dict], keys: Sequence[str]) -> dict[str, np.ndarray]:
    return {k: np.asarray([r[k] for r in rows]) for k in keys}


# ------------------------------------------------------------------------------------------ fixed points


def _torch_dtype(dtype: str, where: str) -> torch.dtype:
    if dtype not in ("float32", "float64"):
        raise ValueError(f"{where}: dtype must be 'float32' or 'float64', got {dtype!r}")
    return getattr(torch, dtype)


def fixed_points(act, *, ensemble: str, n_networks: int, x, alpha: float, n_inits: int, init_noise: float,
                 n_steps: int, lr: float, seed: int, drop_first_trial: bool = True, speed_tol: float | None = None,
                 dtype: str = "float64", device: str = "cpu") -> dict[str, np.ndarray]:
    """Slow/fixed points of each selected network under the constant input ``x``.

    Initial states: ``n_inits`` recorded states (analysed steps) plus noise (:func:`modbound.analyses.dynamics.sample_states`),
    drawn with ``derive_seed(seed, "dynamics", ensemble, "fixed_points", m)`` for network m. With ``speed_tol``,
    a state stops once it is a slow point (:func:`modbound.analyses.dynamics.minimise_speed`'s ``tol``); ``dtype``:
    the precision of the descent ('float32' or 'float64'); ``device``: where it runs (config ``device``).
    Returns ``states [n, n_inits, H]``, ``q [n, n_inits]`` (1/2 |F(h) - h|^2), ``init``, ``init_period
    [n, n_inits]`` (the task period, an index into :data:`modbound.models.tasks.PERIODS`, of the recorded step each start
    was drawn from: Fig 5b keeps the slow points reached from the stimulus period), ``x``, ``model_index``.
    """
    device_mod.resolve(device, "config device")  # before any work
    index = select_networks(act, n_networks)
    steps = analysed_steps(act.trials, drop_first_trial)
    h0, drawn = initial_states(act, index, steps, n_inits, init_noise, seed=seed, ensemble=ensemble,
                               analysis="fixed_points", return_steps=True)
    init_period = np.asarray(act.trials.period)[np.flatnonzero(steps)[drawn]]
    states, q = dy.minimise_speed(_weights(act, index), np.asarray(x, dtype=np.float64), h0, alpha,
                                  n_steps=n_steps, lr=lr, tol=speed_tol, dtype=_torch_dtype(dtype, "fixed_points"),
                                  device=device)
    return {"states": states, "q": q, "init": h0, "init_period": init_period.astype(np.int8),
            "x": np.asarray(x, dtype=np.float64), "model_index": index,
            "seed_path": np.asarray([derive_seed(seed, "dynamics", ensemble, "fixed_points", int(m)) for m in index])}


def kept_points(q: np.ndarray, speed_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Mask ``[n, N]`` of the slow points kept per network (q < speed_tol, or the slowest
    ``FALLBACK_FRACTION`` when none is) and a per-network flag ``[n]`` telling where the fallback was used."""
    q = np.asarray(q)
    kept = q < speed_tol
    fallback = ~kept.any(axis=1)
    n_keep = max(1, int(np.ceil(FALLBACK_FRACTION * q.shape[1])))
    for i in np.flatnonzero(fallback):
        kept[i, np.argsort(q[i], kind="stable")[:n_keep]] = True
    return kept, fallback


# --------------------------------------------------------------------------------------------- Fig 3


def _trajectory_pairs(act, steps: np.ndarray, n_trials) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps of the first ``n_trials`` analysed trials (``"all"``: every analysed trial) and, for each, the
    state before it (``[M, K, H]``) and its input (``[K, I]``): the Jacobian of step t is taken at
    ``(h_{t-1}, x_t)``."""
    trials = np.unique(act.trials.trial[steps])
    if n_trials != "all":
        trials = trials[: int(n_trials)]
    t = np.flatnonzero(steps & np.isin(act.trials.trial, trials))
    prev = np.where(t[None, :, None] > 0, act.hidden[:, np.maximum(t - 1, 0)], 0.0)
    return prev, act.trials.x[t], t


def weight_similarities(W_rec: np.ndarray, units: np.ndarray) -> dict[str, np.ndarray]:
    """Cosine similarity of ``W_rec``'s rows (each unit's recurrent in-weights) and of its columns (out-weights),
    restricted to ``units`` (mask or indices) on both sides: the paper's weight baseline of Fig 3."""
    W = np.asarray(W_rec, dtype=np.float64)
    sub = np.ix_(units, units)
    return {"rows": cosine_similarity(W[sub]), "columns": cosine_similarity(W.T[sub])}


def jacobian_analysis(act, fp: dict, *, ensemble: str, n_networks: int, alpha: float, speed_tol: float,
                      trajectory_trials, gamma: float, louvain_runs: int, n_perm: int, seed: int, null: str = NULL,
                      drop_first_trial: bool = True, example_trials: int = 3) -> dict[str, np.ndarray]:
    """Fig 3 for the first ``n_networks`` networks of ``fp`` (the output of :func:`fixed_points`).

    Per network: the Jacobian averaged over its kept slow points (input ``fp["x"]``) and averaged along the
    task trajectory of the first ``trajectory_trials`` analysed trials (``"all"``: every analysed trial; the
    recorded inputs); cosine similarity of their rows; ``r`` of each with the activity correlation (upper
    triangles), and the paper's baseline: ``r`` of the cosine similarity of ``W_rec``'s rows (in-weights,
    ``r_w_rec_rows``) and columns (out-weights, ``r_w_rec_columns``). Units are compared when active on the
    analysed steps (correlation defined) and active at least once along the Jacobian's trajectory (no
    all-zero Jacobian rows); the others are counted (``n_silent``, ``n_inactive_in_trajectory``).

    With alpha = dt / tau = 1 the mean Jacobian's row i is row i of W_rec times the fraction of steps where
    unit i is active, so its row similarity equals that of W_rec's rows exactly on the compared units: the
    contrast with the weights is then degenerate (``max_abs_diff_trajectory_vs_rows`` measures it).
    Modules of the trajectory Jacobian similarity are induced on the correlation, with a permutation null, and
    compared with the correlation's own modules (``ari_vs_correlation``). The example network (``example_index``, a position in ``model_index``) is the one whose ``r_trajectory``
    is closest to the ensemble median (:func:`modbound.core.stats.representative`).
    """
    index = np.asarray(fp["model_index"])[: int(n_networks)]
    w = _weights(act, index)
    steps = analysed_steps(act.trials, drop_first_trial)
    prev, x_traj, t_traj = _trajectory_pairs(act, steps, trajectory_trials)
    J_traj = dy.mean_jacobian(w, prev[index], x_traj, alpha).numpy()
    kept, fallback = kept_points(fp["q"][: index.size], speed_tol)
    J_fp = dy.mean_jacobian(w, fp["states"][: index.size], fp["x"], alpha, valid=kept).numpy()
    rows, mats = [], []
    for i, m in enumerate(index):
        active, _ = _live_correlation(act, m, steps)
        in_traj = np.abs(J_traj[i]).sum(axis=1) > 0
        live = active & in_traj
        X = act.hidden[m][steps].astype(np.float64)
        C = act_mod.correlation(X[:, live])
        sub = np.ix_(live, live)
        S_traj, S_fp = cosine_similarity(J_traj[i][sub]), cosine_similarity(J_fp[i][sub])
        S_w = weight_similarities(act.weights["W_rec"][m], live)
        mod = _modules_vs_correlation(S_traj, C, partition_on="similarity", gamma=gamma, louvain_runs=louvain_runs,
                                      n_perm=n_perm, null=null, seed=derive_seed(seed, "dynamics", ensemble, "jacobian", int(m)))
        corr_modules = modularity.louvain(C, gamma=gamma, n_runs=louvain_runs,
                                          seed=derive_seed(seed, "dynamics", ensemble, "jacobian", int(m), "corr"))
        rows.append({"r_trajectory": mod["r"],
                     "ari_vs_correlation": modularity.ari(mod["partition"], corr_modules.partition), "r_fixed_point": pearson_upper(S_fp, C),
                     "r_w_rec": pearson_upper(S_w["rows"], C), "r_w_rec_columns": pearson_upper(S_w["columns"], C),
                     "max_abs_diff_trajectory_vs_rows": float(np.abs(S_traj - S_w["rows"]).max()),
                     "q_induced": mod["q_induced"], "q_null": mod["q_null"],
                     "p": mod["p"], "z": mod["z"], "q_similarity": mod["q_source"], "n_modules": mod["n_modules"],
                     "n_silent": int((~active).sum()), "n_inactive_in_trajectory": int((active & ~in_traj).sum()),
                     "n_inactive_at_slow_points": int((np.abs(J_fp[i][live]).sum(axis=1) == 0).sum()),
                     "n_kept": int(kept[i].sum())})
        mats.append({"example_J": J_traj[i][sub], "example_S": S_traj, "example_S_fixed_point": S_fp,
                     "example_S_w_rec_rows": S_w["rows"], "example_S_w_rec_columns": S_w["columns"],
                     "example_C": C, "example_partition": mod["partition"], "example_live": live,
                     "example_partition_correlation": corr_modules.partition})
    out = _stack(rows, list(rows[0]))
    ex = st.representative(out["r_trajectory"])
    out.update(mats[ex])
    out.update({"model_index": index, "example_index": np.int64(ex), "fp_fallback": fallback,
                "speed_tol": np.float64(speed_tol), "alpha": np.float64(alpha),
                "q_kept_median": np.asarray([np.median(fp["q"][i][kept[i]]) for i in range(index.size)]),
                "n_trajectory_steps": np.int64(t_traj.size),
                "trajectory_trials": np.int64(0 if trajectory_trials == "all" else trajectory_trials),
                "n_steps_used": np.int64(steps.sum()), "fixed_point_input": fp["x"]})
    # example network in PC space (panel a): its first example_trials trials and kept slow points
    X0 = act.hidden[index[ex]][steps].astype(np.float64)
    mean, comps, var = dy.pca(X0, 2)
    shown = t_traj[np.isin(act.trials.trial[t_traj], np.unique(act.trials.trial[t_traj])[:example_trials])]
    out.update({"example_pc_explained": var,
                "example_trajectory_pc": dy.project(act.hidden[index[ex]][shown], mean, comps),
                "example_trajectory_trial": act.trials.trial[shown],
                "example_fixed_points_pc": dy.project(fp["states"][ex][kept[ex]], mean, comps)})
    out.update(settings.record(gamma=gamma, louvain_runs=louvain_runs, n_perm=n_perm, null=null, alpha=alpha))
    return out


# --------------------------------------------------------------------------------------- Fig 5, S12

PARTITION_KINDS = ("sign", "difference")


def module_members(W_in: np.ndarray, kind: str, stimulus_columns: Sequence[int]) -> np.ndarray:
    """Input-weight modules of every network: ``[M, 2, H]`` bool (module 1, module 2).

    ``"sign"``: module 1 = units with a positive weight from the first stimulus input, module 2 = the rest;
    ``"difference"``: module 1 = units whose weight from stimulus 1 exceeds that from stimulus 2 (paper
    Methods, "module lesions").
    """
    W = np.asarray(W_in, dtype=np.float64)
    a, b = (W[..., int(c)] for c in stimulus_columns)
    if kind == "sign":
        one = a > 0
    elif kind == "difference":
        one = a > b
    else:
        raise ValueError(f"partition kind must be one of {PARTITION_KINDS}, got {kind!r}")
    return np.stack([one, ~one], axis=1)


def _end_states(w: dict, rank: np.ndarray, levels: np.ndarray, h_start: torch.Tensor, X: np.ndarray,
                alpha: float, n_steps: int) -> np.ndarray:
    """End states ``[M, L, S, H]`` of every network after each number of within-module lesions ``levels [L]``
    (order ``rank [M, H, H]``, :func:`modbound.analyses.dynamics.within_module_rank`), each run from ``h_start [M, 1, H]``
    under each constant input ``X [S, I]``. All levels of a chunk of networks run as one batch."""
    W_rec = w["W_rec"].numpy()
    M, H = W_rec.shape[:2]
    L = levels.size
    per_net = L * H * H
    chunk = max(1, (1 << 23) // per_net)
    out = []
    for lo in range(0, M, chunk):
        Wl = dy.lesion_levels(W_rec[lo:lo + chunk], rank[lo:lo + chunk], levels)  # [c, L, H, H]
        c = Wl.shape[0]
        mo = torch.arange(lo, lo + c).repeat_interleave(L)
        wc = {"W_in": w["W_in"][mo], "b": w["b"][mo], "W_rec": torch.as_tensor(Wl.reshape(c * L, H, H))}
        h0 = h_start[mo].expand(-1, X.shape[0], -1)
        out.append(dy.run_constant(wc, h0, X, alpha, n_steps=n_steps).reshape(c, L, X.shape[0], H))
    return np.concatenate(out)


def perturbation_analysis(act, *, n_networks: int, alpha: float, fixation_input, base_input, amplitude: float,
                          stimulus_columns: Sequence[int], choice_units: Sequence[int], n_steps: int,
                          max_lesions: int, example_levels: Sequence[int],
                          drop_first_trial: bool = True) -> dict[str, np.ndarray]:
    """Fig 5 / S12: perturbation trials after 0..max_lesions within-module lesions.

    Every network starts from the state after one fixation step from h0 = 0 (input ``fixation_input``); a
    perturbation trial holds ``base_input`` with ``amplitude`` on one stimulus input for ``n_steps`` steps.
    Decision variable of a state: ``out[choice 1] - out[choice 2]`` (readout with bias; 0 on the decision
    boundary). ``distance`` = the decision variable signed toward the perturbed stimulus's choice (+ for
    stimulus 1, - for stimulus 2): it falls as lesions pull the end state to the boundary and is negative
    past it. For each partition kind (:func:`module_members`) and module, the largest positive
    within-module recurrent weights are zeroed one at a time (all levels 0..max_lesions batched).
    Returns ``distance [n, kind, module, level, stimulus]``, ``decision [...]`` (unsigned decision variable),
    module sizes and eligible-weight counts, and, for the example network, the end state at every level and
    full trajectories at ``example_levels``, with its PCA (stimulus-period activity of the analysed trials).
    """
    index = select_networks(act, n_networks)
    w = _weights(act, index)
    M, H = w["W_rec"].shape[:2]
    cols = [int(c) for c in stimulus_columns]
    X = np.tile(np.asarray(base_input, dtype=np.float64), (2, 1))
    X[0, cols[0]] += amplitude
    X[1, cols[1]] += amplitude
    h_start = dy.update(w, torch.zeros(M, 1, H, dtype=dy.DTYPE), np.asarray(fixation_input, dtype=np.float64), alpha)
    W_out = w["W_out"].numpy()
    b_out = w["b_out"].numpy()
    c1, c2 = (int(c) for c in choice_units)
    readout = (W_out[:, c1] - W_out[:, c2]), (b_out[:, c1] - b_out[:, c2])  # [M, H], [M]
    levels = np.arange(int(max_lesions) + 1)
    W_rec = w["W_rec"].numpy()
    sign = np.array([1.0, -1.0])
    n_kinds = len(PARTITION_KINDS)
    decision = np.empty((M, n_kinds, 2, levels.size, 2))
    members_all = np.empty((M, n_kinds, 2, H), dtype=bool)
    eligible = np.empty((M, n_kinds, 2), dtype=np.int64)
    ends = {}
    for k, kind in enumerate(PARTITION_KINDS):
        members = module_members(w["W_in"].numpy(), kind, cols)
        members_all[:, k] = members
        for mod in range(2):
            rank, eligible[:, k, mod] = dy.within_module_rank(W_rec, members[:, mod])
            end = _end_states(w, rank, levels, h_start, X, alpha, n_steps)  # [M, L, 2, H]
            decision[:, k, mod] = np.einsum("mlsh,mh->mls", end, readout[0]) + readout[1][:, None, None]
            ends[k, mod] = end
    distance = decision * sign
    # example network (Figs 5, S12): lesion specificity (sign-based modules) closest to the ensemble median
    ex = st.representative(perturbation_specificity(distance[:, 0]))
    example_end = np.stack([np.stack([ends[k, mod][ex] for mod in range(2)]) for k in range(n_kinds)])
    # example network: trajectories at a few lesion levels, in the PC space of its activity
    ex_levels = np.asarray([lv for lv in example_levels if lv <= max_lesions], dtype=np.int64)
    w0 = {n: t[ex:ex + 1] for n, t in w.items()}
    traj = np.empty((n_kinds, 2, ex_levels.size, 2, n_steps + 1, H))
    for k, kind in enumerate(PARTITION_KINDS):
        for mod in range(2):
            rank, _ = dy.within_module_rank(W_rec[ex:ex + 1], members_all[ex:ex + 1, k, mod])
            Wl = dy.lesion_levels(W_rec[ex:ex + 1], rank, ex_levels)[0]  # [L, H, H]
            wc = {"W_in": w0["W_in"].expand(ex_levels.size, -1, -1), "b": w0["b"].expand(ex_levels.size, -1),
                  "W_rec": torch.as_tensor(Wl)}
            h0 = h_start[ex:ex + 1].expand(ex_levels.size, 2, H)
            traj[k, mod] = dy.run_constant(wc, h0, X, alpha, n_steps=n_steps, record=True)
    stimulus = analysed_steps(act.trials, drop_first_trial) & (act.trials.period == PERIODS.index("stimulus"))
    X0 = act.hidden[index[ex]][stimulus].astype(np.float64)
    mean, comps, var = dy.pca(X0, 2)
    return {"model_index": index, "example_index": np.int64(ex), "distance": distance, "decision": decision, "levels": levels,
            "members": members_all, "module_size": members_all.sum(-1), "n_eligible": eligible,
            "inputs": X, "h_start": h_start.numpy()[:, 0], "example_end": example_end,
            "example_levels": ex_levels, "example_trajectories": traj, "pc_mean": mean, "pc_components": comps,
            "pc_explained": var, "readout_diff": readout[0][ex], "readout_bias": np.float64(readout[1][ex]),
            "example_activity": X0, "example_trial": act.trials.trial[stimulus],
            "example_ground_truth": act.trials.ground_truth,
            "choice_units": np.asarray([c1, c2]), "stimulus_columns": np.asarray(cols),
            "example_W_rec": W_rec[ex], "example_W_in": w["W_in"][ex].numpy()}


def perturbation_specificity(distance: np.ndarray) -> np.ndarray:
    """Per network, from ``distance [n, module, level, stimulus]`` (:func:`perturbation_analysis`, one partition
    kind): how much more the last lesion level of each module pulls its own stimulus's perturbation toward the
    boundary than the other's, summed over both modules:
    ``(d[m1, s2] - d[m1, s1]) + (d[m2, s1] - d[m2, s2])`` at the last level (> 0: module-specific effects)."""
    d = np.asarray(distance)[:, :, -1]
    return (d[:, 0, 1] - d[:, 0, 0]) + (d[:, 1, 0] - d[:, 1, 1])


def spread_ratio(start: np.ndarray, end: np.ndarray) -> float:
    """RMS distance of the ``end`` points from their centroid over that of the ``start`` points (``[N, d]``
    each): below 1 when a set of states contracts (e.g. onto a limit set)."""
    def rms(X):
        X = np.asarray(X, dtype=np.float64)
        return float(np.sqrt(((X - X.mean(axis=0)) ** 2).sum(axis=1).mean()))
    s0 = rms(start)
    return rms(end) / s0 if s0 > 0 else float("nan")


def task_slow_points(fp: Mapping, n: int, speed_tol: float, period: int = 1) -> np.ndarray:
    """Mask ``[n, n_inits]`` of the slow points of the attractor the trials use (Fig 5b): end points of the first
    ``n`` networks' starts drawn from a step of task period ``period`` (1: the stimulus period) with
    q below ``speed_tol`` (no fallback). ValueError naming the key if ``fp`` has no ``init_period`` (older run)."""
    if "init_period" not in fp:
        raise ValueError("fixed points: no 'init_period' (made by an older modbound): rerun rule dynamics_fixed_points")
    return (np.asarray(fp["q"][:n]) < float(speed_tol)) & (np.asarray(fp["init_period"][:n]) == int(period))


def line_fraction(points: np.ndarray) -> float:
    """Fraction of the variance of a point cloud ``[N, H]`` along its first principal axis (1 = on a line;
    NaN for fewer than 2 points or no spread)."""
    X = np.asarray(points, dtype=np.float64)
    if X.shape[0] < 2:
        return float("nan")
    sv = np.linalg.svd(X - X.mean(axis=0), compute_uv=False) ** 2
    return float(sv[0] / sv.sum()) if sv.sum() > 0 else float("nan")


# ----------------------------------------------------------------------------------------- Fig 6, S13


def flow_analysis(act, *, ensemble: str, n_networks: int, alpha: float, x, grid_size: int, margin: float,
                  run_steps: int, long_steps: int, period_steps: int, fixed_tol: float, return_tol: float,
                  lesion_mode: str, gamma: float, louvain_runs: int, n_perm: int, seed: int, null: str = NULL,
                  drop_first_trial: bool = True, example_trials: int = 4) -> dict[str, np.ndarray]:
    """Fig 6 / S13: vector field on a PC1-PC2 grid and single-unit lesion similarity.

    Per network: PCA of the activity (analysed steps), a ``grid_size`` x ``grid_size`` grid spanning the
    PC1-PC2 scores (:func:`modbound.analyses.dynamics.pc_grid`), mapped back to states in the plane through the mean
    activity and stepped once under the constant input ``x``; one lesioned copy per unit
    (:func:`modbound.analyses.dynamics.flow_distances`, mode ``lesion_mode``) gives a flow-distance array per unit;
    lesion similarity = Pearson r between the arrays of two units. Compared, on live units, with the
    activity correlation: r of the upper triangles, and the Louvain modules of the correlation induced on
    the lesion similarity with a permutation null.

    Long run (Fig 6b,c, "all initial points fell onto a limit cycle"): every network's grid states are run
    ``long_steps`` steps under ``x``, then ``period_steps`` more, recorded; :func:`modbound.analyses.dynamics.classify_end_states`
    says where each ends (fixed point, periodic orbit, neither). Tolerances are relative to the network's
    activity scale ``s`` (RMS norm of its recorded state vectors on the analysed steps): a fixed point moves
    less than ``fixed_tol * s`` per tau (per step: ``fixed_tol * s * alpha``, so the same speed at any dt),
    an orbit returns within ``return_tol * s``. Per network: ``frac_fixed``, ``frac_orbit``, ``frac_neither``.

    Two example networks, each chosen by the statistic of the claim its panels show
    (:func:`modbound.core.stats.representative`): the lesion example (``example_index``, a position in ``model_index``),
    whose lesion-vs-correlation ``r`` is closest to the ensemble median, keeps its matrices and flow-distance arrays
    (its grid axes: ``lesion_axis1``, ``lesion_axis2``, ``lesion_pc_explained``); the vector-field example
    (``flow_example_index``), whose fraction of grid states on a periodic orbit is closest to the ensemble median,
    keeps the grid, one-step flow, the grid trajectories over ``run_steps`` steps, its long-run end states and
    classes, and the task trajectory of ``example_trials`` trials.
    """
    index = select_networks(act, n_networks)
    w = _weights(act, index)
    steps = analysed_steps(act.trials, drop_first_trial)
    M = index.size
    pcs = [dy.pca(act.hidden[m][steps], 2) for m in index]
    grids = [dy.pc_grid(dy.project(act.hidden[m][steps], mean, comps), grid_size, margin)
             for m, (mean, comps, _) in zip(index, pcs)]
    states = np.stack([dy.from_pcs(g[0], mean, comps) for g, (mean, comps, _) in zip(grids, pcs)])  # [M, G, H]
    x = np.asarray(x, dtype=np.float64)
    D, intact = dy.flow_distances(w, states, x, alpha, mode=lesion_mode)
    rows, examples = [], []
    for i, m in enumerate(index):
        live, C = _live_correlation(act, m, steps)
        L = act_mod.correlation(D[i][live].T)  # units whose lesion changes nothing get r = 0
        mod = _modules_vs_correlation(L, C, partition_on="correlation", gamma=gamma, louvain_runs=louvain_runs,
                                      n_perm=n_perm, null=null, seed=derive_seed(seed, "dynamics", ensemble, "flow", int(m)))
        own = modularity.louvain(L, gamma=gamma, n_runs=louvain_runs,
                                 seed=derive_seed(seed, "dynamics", ensemble, "flow_own", int(m)))
        rows.append({"r": mod["r"], "q_induced": mod["q_induced"], "q_null": mod["q_null"], "p": mod["p"],
                     "z": mod["z"], "q_correlation": mod["q_source"], "n_modules": mod["n_modules"],
                     "lesion_within_minus_between": within_minus_between(L, mod["partition"]),
                     "q_lesion_own": own.q, "ari_own_vs_correlation": modularity.ari(own.partition, mod["partition"]),
                     "n_silent": int((~live).sum()), "n_no_effect": int((D[i][live].std(axis=1) == 0).sum()),
                     "mean_flow_distance": float(D[i][live].mean())})
        examples.append({"example_L": L, "example_C": C, "example_partition": mod["partition"], "example_live": live,
                         "example_distance": D[i], "example_partition_lesion": own.partition})
    out = _stack(rows, list(rows[0]))
    ex = st.representative(out["r"])  # the lesion example (panels c-h): r closest to the median
    out.update(examples[ex])
    out.update(long_run(w, states, x, alpha, act.hidden[index][:, steps], long_steps=long_steps,
                        period_steps=period_steps, fixed_tol=fixed_tol, return_tol=return_tol, example=None))
    fx = int(out.pop("long_run_example_index"))  # the vector-field example (panels a, b): fraction on an orbit
    mean, comps, var = pcs[fx]
    grid, a1, a2 = grids[fx]
    traj = dy.run_constant({n: t[fx:fx + 1] for n, t in w.items()}, states[fx:fx + 1], x, alpha, n_steps=run_steps,
                           record=True)[0]
    trials = np.unique(act.trials.trial[steps])[:example_trials]
    t_ex = np.flatnonzero(steps & np.isin(act.trials.trial, trials))
    out.update({
        "model_index": index, "example_index": np.int64(ex), "flow_example_index": np.int64(fx),
        "lesion_axis1": grids[ex][1], "lesion_axis2": grids[ex][2], "lesion_pc_explained": pcs[ex][2],
        "grid": grid, "axis1": a1, "axis2": a2,
        "pc_explained": var,
        "flow_pc": dy.project(intact[fx], mean, comps) - grid,
        "speed": np.linalg.norm(intact[fx] - states[fx], axis=-1),
        "grid_trajectories_pc": dy.project(traj, mean, comps),  # [G, run_steps + 1, 2]
        "example_end_pc": dy.project(out.pop("example_end_state"), mean, comps),  # [G, 2] after the long run
        "example_orbit_pc": dy.project(out.pop("example_orbit_window"), mean, comps),  # [G, period_steps + 1, 2]
        "task_trajectory_pc": dy.project(act.hidden[index[fx]][t_ex], mean, comps),
        "task_trajectory_trial": act.trials.trial[t_ex], "task_trajectory_period": act.trials.period[t_ex],
        "activity_pc": dy.project(act.hidden[index[fx]][steps], mean, comps),
        "x": x, "grid_size": np.int64(grid_size), "n_steps_used": np.int64(steps.sum()),
        "lesion_mode": np.asarray(lesion_mode), "alpha": np.float64(alpha),
    })
    out.update(settings.record(gamma=gamma, louvain_runs=louvain_runs, n_perm=n_perm, null=null, alpha=alpha))
    return out


def activity_scale(hidden) -> np.ndarray:
    """RMS Euclidean norm of the recorded state vectors, per network: ``hidden [M, T, H]`` -> ``[M]`` (the scale
    the long-run tolerances of :func:`flow_analysis` are relative to)."""
    X = np.asarray(hidden, dtype=np.float64)
    return np.sqrt((X ** 2).sum(axis=-1).mean(axis=-1))


def long_run(w: Mapping, states, x, alpha: float, hidden, *, long_steps: int, period_steps: int, fixed_tol: float,
             return_tol: float, example: int | None = None) -> dict[str, np.ndarray]:
    """Where the grid ``states [M, G, H]`` of every network end after ``long_steps`` steps under the constant
    input ``x``: the next ``period_steps`` steps are recorded and classified
    (:func:`modbound.analyses.dynamics.classify_end_states`) with tolerances relative to each network's activity scale
    (:func:`activity_scale` of ``hidden [M, T, H]``): fixed point below ``fixed_tol * scale`` per tau
    (``* alpha`` per step), orbit return within ``return_tol * scale``. Returns per network ``frac_fixed``,
    ``frac_orbit``, ``frac_neither``, ``orbit_period_median`` and ``orbit_size_median`` (largest distance from the
    end state within the last period, over the activity scale; NaN without orbits), ``activity_scale``, and for
    the network at position ``example`` its ``end_class`` and ``end_period`` per grid state, end states and
    recorded window (``example_end_state``, ``example_orbit_window``). ``example=None`` picks it by the long run's
    own statistic: the network whose fraction of grid states on an orbit is closest to the ensemble median
    (:func:`modbound.core.stats.representative`); its position is returned as ``long_run_example_index``."""
    if int(long_steps) < 0 or int(period_steps) < 4:
        raise ValueError(f"long_run: long_steps must be >= 0 and period_steps >= 4, got {long_steps}, {period_steps}")
    scale = activity_scale(hidden)
    start = dy.run_constant(w, states, x, alpha, n_steps=int(long_steps))  # [M, G, H]

    def classify(i: int):  # one network at a time: the recorded window is [G, period_steps + 1, H]
        window = dy.run_constant({n: t[i:i + 1] for n, t in w.items()}, start[i:i + 1], x, alpha,
                                 n_steps=int(period_steps), record=True)[0]
        code, period = dy.classify_end_states(window, fixed_tol=fixed_tol * scale[i] * alpha,
                                              return_tol=return_tol * scale[i])
        return window, code, period

    def example_of(window, code, period):
        return {"example_end_class": code, "example_end_period": period, "example_end_state": window[:, -1],
                "example_orbit_window": window}

    rows, ex = [], {}
    for i in range(start.shape[0]):
        window, code, period = classify(i)
        orbit = code == 1
        # orbit size: largest distance of a state of the last period from the end state, over the activity scale
        size = [np.linalg.norm(window[g, -1 - period[g]:] - window[g, -1], axis=-1).max() / scale[i]
                for g in np.flatnonzero(orbit)]
        rows.append({"frac_fixed": float(np.mean(code == 0)), "frac_orbit": float(np.mean(orbit)),
                     "frac_neither": float(np.mean(code == 2)),
                     "orbit_period_median": float(np.median(period[orbit])) if orbit.any() else float("nan"),
                     "orbit_size_median": float(np.median(size)) if orbit.any() else float("nan")})
        if i == example:
            ex = example_of(window, code, period)
    out = _stack(rows, list(rows[0]))
    if example is None:  # the same computation again for the chosen network (same inputs, same batch of one)
        example = st.representative(out["frac_orbit"])
        ex = example_of(*classify(example))
        out["long_run_example_index"] = np.int64(example)
    out.update(ex)
    out.update({"activity_scale": scale, "long_steps": np.int64(long_steps), "period_steps": np.int64(period_steps),
                "fixed_tol": np.float64(fixed_tol), "return_tol": np.float64(return_tol)})
    return out


def long_run_summary(res: Mapping, majority: float = 0.5) -> dict:
    """Across networks, the long run of the grid states (:func:`long_run`, in a :func:`flow_analysis` result):
    settings and rule, per-network fractions on fixed points / periodic orbits / neither, the one-sample test
    that the fraction on an orbit exceeds ``majority`` (:func:`modbound.core.stats.ttest_1samp`), and the example's counts."""
    code = np.asarray(res["example_end_class"])
    period = np.asarray(res["example_end_period"])
    frac = {k: np.asarray(res[f"frac_{k}"], dtype=np.float64) for k in ("fixed", "orbit", "neither")}
    return {
        "long_steps": int(res["long_steps"]), "period_steps": int(res["period_steps"]),
        "fixed_tol": float(res["fixed_tol"]), "return_tol": float(res["return_tol"]),
        "rule": "after long_steps steps, the next period_steps are recorded; fixed point: every step shorter than "
                "fixed_tol x activity scale x alpha (speed per tau); periodic orbit: not fixed, and for some period "
                "2 <= p <= period_steps / 2 the last p + 1 states repeat those p steps earlier within return_tol x "
                "activity scale while leaving that distance from the end state; neither: otherwise. Activity scale: "
                "RMS norm of the network's recorded states (modbound.analyses.dynamics.classify_end_states)",
        "activity_scale": st.describe(res["activity_scale"]),
        **{f"frac_{k}": st.describe(v) for k, v in frac.items()},
        "per_network": {f"frac_{k}": v for k, v in frac.items()},
        "orbit_period_median": st.describe(res["orbit_period_median"]),
        "orbit_size_median_over_activity_scale": st.describe(res["orbit_size_median"]),
        "frac_not_fixed": st.describe(1.0 - frac["fixed"]),
        "majority": float(majority),
        "n_networks_majority_orbit": int(np.sum(frac["orbit"] > majority)),
        "n_networks_all_fixed": int(np.sum(frac["fixed"] == 1.0)),
        "ttest_frac_orbit_vs_majority": st.ttest_1samp(frac["orbit"], majority),
        "example": {"n_states": int(code.size), "n_fixed": int(np.sum(code == 0)), "n_orbit": int(np.sum(code == 1)),
                    "n_neither": int(np.sum(code == 2)),
                    "orbit_periods": sorted({int(p) for p in period[code == 1]})},
    }


# --------------------------------------------------------------------------------------------- Fig S14


def nullcline_analysis(act, fp: dict, *, ensemble: str, n_networks: int, alpha: float, x, n_samples: int,
                       init_noise: float, n_steps: int, lr: float, speed_tol: float, gamma: float,
                       louvain_runs: int, n_perm: int, seed: int, null: str = NULL,
                       drop_first_trial: bool = True, dtype: str = "float64",
                       stop_converged: bool = False, device: str = "cpu") -> dict[str, np.ndarray]:
    """Fig S14: higher-order nullclines of every unit and their similarity, for the first ``n_networks``
    networks of ``fp`` (the output of :func:`fixed_points`: all analysed networks).

    Per network: ``n_samples`` initial states spread over the whole recording (one recorded state per equal
    stratum of the analysed steps, all trials and periods, plus noise; :func:`modbound.analyses.dynamics.spread_states`,
    seed ``derive_seed(seed, "dynamics", ensemble, "nullclines", m)``), the same for every unit's nullcline;
    gradient descent on ``1/2 sum_{j != i} (F_j - h_j)^2`` (:func:`modbound.analyses.dynamics.nullcline_samples`, in
    ``dtype``: 'float32' is ~2.4x faster on CPU, its jitter at q ~ 1e-7 is far below the speed tolerance; with
    ``stop_converged`` a sample stops once its q is below half ``speed_tol``; ``device``: where the descent runs,
    config ``device``).
    Nullcline similarity = correlation of two nullclines' sampled clouds, paired by initial state, each
    centred on its mean state (:func:`modbound.analyses.dynamics.nullcline_similarity`), between live units; compared
    with the activity correlation (r of upper triangles) and its modules: Louvain on the nullcline similarity
    induced on the correlation, with a permutation null, and the ARI of those modules with the correlation's own.
    Secondary, not tested: ``r_directions``, r of the cosine similarity of the nullcline directions
    (:func:`modbound.analyses.dynamics.nullcline_directions`) with the correlation. The example network
    (``example_index``, a position in ``model_index``) is the one whose ``r`` is closest to the ensemble median
    (:func:`modbound.core.stats.representative`); it keeps its samples and its kept slow points (``fp``, looked up by
    network).
    """
    device_mod.resolve(device, "config device")  # before any work
    index = np.asarray(fp["model_index"])[: int(n_networks)]
    w = _weights(act, index)
    steps = analysed_steps(act.trials, drop_first_trial)
    h0 = initial_states(act, index, steps, n_samples, init_noise, seed=seed, ensemble=ensemble,
                         analysis="nullclines", spread=True)
    samples, q = dy.nullcline_samples(w, np.asarray(x, dtype=np.float64), h0, alpha, n_steps=n_steps, lr=lr,
                                      dtype=_torch_dtype(dtype, "nullcline_analysis"),
                                      tol=speed_tol if stop_converged else None, device=device)
    directions = dy.nullcline_directions(samples)
    rows, mats = [], []
    for i, m in enumerate(index):
        live, C = _live_correlation(act, m, steps)
        N = dy.nullcline_similarity(samples[i][live])
        N_dir = cosine_similarity(directions[i][live])
        mod = _modules_vs_correlation(
            N, C, partition_on="similarity", gamma=gamma, louvain_runs=louvain_runs, n_perm=n_perm, null=null,
            seed=derive_seed(seed, "dynamics", ensemble, "nullcline_mod", int(m)))
        corr_modules = modularity.louvain(C, gamma=gamma, n_runs=louvain_runs,
                                          seed=derive_seed(seed, "dynamics", ensemble, "nullcline_mod", int(m), "corr"))
        init_live = h0[i][:, live]
        rows.append({"r": mod["r"], "r_directions": pearson_upper(N_dir, C),
                     "q_induced": mod["q_induced"], "q_null": mod["q_null"], "p": mod["p"],
                     "z": mod["z"], "q_similarity": mod["q_source"], "n_modules": mod["n_modules"],
                     "n_modules_correlation": int(corr_modules.partition.max()) + 1,
                     "ari_vs_correlation": modularity.ari(mod["partition"], corr_modules.partition),
                     "n_silent": int((~live).sum()), "q_median": float(np.median(q[i])),
                     "frac_converged": float(np.mean(q[i] < speed_tol)),
                     "init_spread": _spread(init_live, act.hidden[m][steps][:, live])})
        mats.append({"example_N": N, "example_N_directions": N_dir, "example_C": C,
                     "example_partition": mod["partition"], "example_partition_correlation": corr_modules.partition,
                     "example_live": live})
    out = _stack(rows, list(rows[0]))
    ex = st.representative(out["r"])
    out.update(mats[ex])
    out.update({"example_samples": samples[ex], "example_q": q[ex], "example_directions": directions[ex]})
    net = int(index[ex])
    X0 = act.hidden[net][steps & (act.trials.period == PERIODS.index("stimulus"))].astype(np.float64)
    mean, comps, var = dy.pca(X0, 2)  # display plane: stimulus-period activity
    kept, _ = kept_points(fp["q"][ex:ex + 1], speed_tol)  # index is fp's model_index cut: the same positions
    fps = fp["states"][ex][kept[0]]
    out.update({"model_index": index, "example_index": np.int64(ex), "pc_mean": mean, "pc_components": comps,
                "pc_explained": var,
                "example_samples_pc": dy.project(samples[ex], mean, comps),  # [H, S, 2]
                "example_init_pc": dy.project(h0[ex], mean, comps),
                "example_fixed_points_pc": dy.project(fps, mean, comps),
                "activity_pc": dy.project(X0, mean, comps), "x": np.asarray(x, dtype=np.float64),
                "speed_tol": np.float64(speed_tol), "n_steps_used": np.int64(steps.sum()),
                "n_samples": np.int64(n_samples)})
    out.update(settings.record(gamma=gamma, louvain_runs=louvain_runs, n_perm=n_perm, null=null, alpha=alpha))
    return out


def _spread(states: np.ndarray, recorded: np.ndarray) -> float:
    """Spread of initial ``states [n, H]`` relative to the recorded activity ``[T, H]``: the ratio of their
    total sd, ``sqrt(sum_u var(states_u) / sum_u var(recorded_u))`` (1: as spread as the activity; the noise
    added to the recorded states makes it larger). NaN when the activity does not vary."""
    total = float(recorded.var(axis=0).sum())
    return float(np.sqrt(states.var(axis=0).sum() / total)) if total > 0 else float("nan")


# How every dynamics analysis seeds network m (stated in the figures' stats).
SEED_DERIVATION = "derive_seed(seed, 'dynamics', ensemble, analysis, network)"


def figure_settings(kind: str, dynamics: Mapping, results: Sequence[Mapping] = (), *, seed: int | None = None,
                    ensemble: str | None = None) -> dict:
    """The settings a dynamics figure states it was made with (its stats' ``settings``): the config's ``dynamics``
    section, and the modularity settings (gamma, Louvain runs, null size) that the analyses in ``results`` used,
    read from them (they must agree): ``kind`` is 'jacobian' (Fig 3), 'perturbation' (Figs 5, S12), 'flow'
    (Figs 6, S13) or 'nullclines' (Fig S14)."""
    fp = dynamics["fixed_points"]
    if kind == "perturbation":
        return {**dynamics["perturbation"], "ensemble": ensemble, "speed_tol": fp["speed_tol"],
                "line_min_points": fp["line_min_points"], "drop_first_trial": dynamics["drop_first_trial"]}
    used = [settings.read(res, "gamma", "louvain_runs", "n_perm", source=f"{kind} analysis") for res in results]
    if not used or any(u != used[0] for u in used):
        raise ValueError(f"figure_settings({kind!r}): the analyses used different settings (or none given): {used}")
    louvain = used[0]
    seeds = {"seed": seed, "seed_derivation": SEED_DERIVATION}
    common = {"inputs": dynamics["inputs"], "drop_first_trial": dynamics["drop_first_trial"]}
    if kind == "jacobian":
        fp = {k: v for k, v in fp.items() if k != "line_min_points"}  # a Fig 5 setting
        return {**fp, **dynamics["jacobian"], **louvain, **seeds, **common}
    if kind == "flow":
        return {**dynamics["flow"], **louvain, **seeds, **common, "ensemble": ensemble}
    if kind == "nullclines":
        return {**dynamics["nullclines"], **louvain, **seeds, "ensemble": ensemble, **common,
                "init_noise": fp["init_noise"], "speed_tol": fp["speed_tol"]}
    raise ValueError(f"figure_settings: unknown kind {kind!r} (jacobian, perturbation, flow, nullclines)")


def similarity_summary(res: Mapping, evaluation: Mapping, manifest: Mapping, ensemble: str) -> tuple[dict, dict, dict]:
    """Across the networks of a flow or nullcline analysis: which networks were used
    (:func:`modbound.models.ensembles.summary`), r(similarity, activity correlation) with its one-sample t-test on
    Fisher z, and the permutation-null summary of the correlation modules (:func:`modbound.nulls.permutation.null_summary`)."""
    info = ensembles.summary(res["model_index"], evaluation, manifest, ensemble)
    r = {**st.describe(res["r"]), **st.ttest_1samp_r(res["r"])}
    return info, r, nulls.null_summary(res, res["q_null"].shape[1])
