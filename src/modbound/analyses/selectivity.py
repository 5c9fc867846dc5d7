"""Representation and selectivity of activity modules in trained RNNs (Figs 1, S1, S2).

For each network: modules are found by Louvain on the correlation matrix of its recurrent
activity on test trials; each decision output ("choice") is matched to the module whose mean
activity tracks it; then (i) module activity is related to outputs and, for PDM, to the
cumulative stimulus difference, (ii) readout weights of each choice module are lesioned and
accuracy is scored separately on trials of each correct choice, and (iii) modules are used for
dimensionality reduction (reconstruction, comparison with principal components).

Matching modules to choices uses the even trials only; every reported statistic uses the odd
trials, so selecting modules by their output correlation does not inflate the statistics. The matching
rule (:func:`match_modules`): a choice's module is a module of at least ``min_module_size`` units whose
mean activity correlates with that choice's output contrast (its output minus the other choices') at
r >= ``min_selectivity_r`` on the even trials, one module per choice; a network where no module qualifies
is reported unmatched for that choice (config ``analysis.module_matching``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import optimize

from modbound.core import activity as act_mod, modularity
from modbound.analyses import lesions
from modbound.core.seeding import derive_seeds
from modbound.models.tasks import PERIODS, TrialSet, cumulative_delta_input

__all__ = ["NetworkModules", "analyse_network", "match_modules", "selectivity_r", "boundary_steps",
           "boundary_selectivity", "pearson", "pca_scores",
           "module_pc_correlation", "split_trials"]


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r of two vectors; NaN when either is constant."""
    a = np.asarray(a, dtype=np.float64) - np.mean(a)
    b = np.asarray(b, dtype=np.float64) - np.mean(b)
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def split_trials(trials: TrialSet) -> tuple[np.ndarray, np.ndarray]:
    """Step masks of the selection half (even trials) and the test half (odd trials)."""
    even = trials.trial % 2 == 0
    return even, ~even


def selectivity_r(module_means: np.ndarray, outputs: np.ndarray, choices: np.ndarray) -> np.ndarray:
    """``[k, C]`` Pearson r of each module's mean activity with each choice's output *contrast*: its output
    unit minus the mean of the other choices' output units (so a module that rises on every decision, or
    only at trial boundaries, is not selective for either choice). NaN where a series is constant."""
    out = np.asarray(outputs, dtype=np.float64)[:, np.asarray(choices)]
    contrast = out - (out.sum(axis=1, keepdims=True) - out) / max(out.shape[1] - 1, 1)
    return np.array([[pearson(module_means[:, i], contrast[:, j]) for j in range(len(choices))]
                     for i in range(module_means.shape[1])]).reshape(module_means.shape[1], len(choices))


def match_modules(module_means: np.ndarray, outputs: np.ndarray, choices: np.ndarray, sizes=None, *,
                  min_size: int = 1, min_r: float = -1.0) -> np.ndarray:
    """Module matched to each choice by the selectivity rule (use selection trials only):

    a module may stand for choice c when it has at least ``min_size`` units and its mean activity correlates
    with c's output contrast (:func:`selectivity_r`) at ``r >= min_r``; among those, one module per choice
    maximising the summed r (Hungarian). Returns ``[n_choices]`` module indices, -1 where no module qualifies
    (the network is then reported as unmatched for that choice, never forced).
    """
    r = selectivity_r(module_means, outputs, choices)
    sizes = np.full(r.shape[0], np.iinfo(np.int64).max) if sizes is None else np.asarray(sizes)
    valid = np.isfinite(r) & (r >= min_r) & (sizes[:, None] >= min_size)
    score = np.where(valid, r, -1e6)
    rows, cols = optimize.linear_sum_assignment(-score)
    out = np.full(len(choices), -1, dtype=np.int64)
    ok = valid[rows, cols]
    out[cols[ok]] = rows[ok]
    return out


def boundary_steps(trials: TrialSet) -> np.ndarray:
    """Steps at a trial boundary (mask): a trial's first step, and the first step after fixation ends
    (the decision/response period begins), where the paper's fixation modules are active."""
    first = np.zeros(trials.trial.size, dtype=bool)
    first[np.asarray(trials.trial_starts)] = True
    decision = np.zeros_like(first)
    decision[1:] = (trials.period[1:] == PERIODS.index("decision")) & (trials.period[:-1] != PERIODS.index("decision"))
    return first | decision


def boundary_selectivity(module_means: np.ndarray, boundary: np.ndarray) -> np.ndarray:
    """``[k]`` d' of each module's mean activity at boundary steps vs the other steps (pooled sd; NaN when
    the activity is constant)."""
    a, b = module_means[boundary], module_means[~boundary]
    sd = np.sqrt((a.var(axis=0, ddof=1) + b.var(axis=0, ddof=1)) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sd > 0, (a.mean(axis=0) - b.mean(axis=0)) / sd, np.nan)


def pca_scores(X: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores on the first ``n`` principal components and the explained-variance ratios."""
    Xc = X - X.mean(axis=0)
    U, S, _ = np.linalg.svd(Xc, full_matrices=False)
    var = S**2 / max((S**2).sum(), np.finfo(float).tiny)
    return U[:, :n] * S[:n], var[:n]


def module_pc_correlation(module_means: np.ndarray, pcs: np.ndarray) -> np.ndarray:
    """|r| of each module with its best-matching PC (one PC per module, Hungarian matching)."""
    r = np.abs(np.array([[pearson(m, p) for p in pcs.T] for m in module_means.T]))
    r = np.nan_to_num(r)
    rows, cols = optimize.linear_sum_assignment(-r)
    out = np.full(module_means.shape[1], np.nan)
    out[rows] = r[rows, cols]
    return out


@dataclasses.dataclass(frozen=True)
class NetworkModules:
    """Per-network results; arrays over choices are ordered as ``choices``."""

    partition: np.ndarray  # [H] module of each unit; -1 for silent units (left out)
    q: float
    n_modules: int
    choices: np.ndarray  # [C] output units of the decisions
    choice_module: np.ndarray  # [C] module matched to each choice (-1: none qualifies)
    choice_module_size: np.ndarray  # [C] units in it (0: none)
    selection_r: np.ndarray  # [C] even-trial r of the matched module with the choice's output contrast
    r_module_output: np.ndarray  # [C] test-half r(choice module mean, its output)
    r_module_cumdelta: np.ndarray  # [C] test-half r(choice module mean, cumulative delta), PDM only
    sign_dprime: np.ndarray  # [C] test-half d' of choice module mean, cumulative delta > 0 vs < 0, PDM only
    lesion_accuracy: np.ndarray  # [C lesioned module, C trial type]: accuracy on test trials
    control_accuracy: np.ndarray  # [C trial type]
    r_between_choice_modules: float  # test-half r of the first two choice modules' mean activity
    boundary_dprime: float  # largest d' (boundary steps vs others, test half) among non-choice modules
    reconstruction_r: float  # mean over time points
    module_pc_r: float  # mean |r| of modules with matched PCs
    n_silent: int


def analyse_network(hidden: np.ndarray, outputs: np.ndarray, W_out: np.ndarray, b_out: np.ndarray,
                    trials: TrialSet, *, gamma: float, louvain_runs: int, seed: int, min_module_size: int = 1,
                    min_selectivity_r: float = -1.0) -> NetworkModules:
    """Modules of one network and their selectivity, lesion effects and reduction quality."""
    X = np.asarray(hidden, dtype=np.float64)
    silent = act_mod.silent_units(X)
    live = np.flatnonzero(~silent)
    if live.size < 2:
        raise ValueError(f"only {live.size} active units: no modules to find")
    # Silent units have no defined correlation: leave them out (label -1) instead of letting each
    # form a singleton module.
    res = modularity.louvain(act_mod.correlation(X[:, live]), gamma=gamma, n_runs=louvain_runs, seed=seed)
    part = np.full(X.shape[1], -1, dtype=np.int64)
    part[live] = res.partition
    means = act_mod.module_activity(X[:, live], res.partition)
    sel, test = split_trials(trials)
    choices = np.unique(trials.ground_truth)
    sizes = np.bincount(res.partition, minlength=means.shape[1])
    matched = match_modules(means[sel], outputs[sel], choices, sizes, min_size=min_module_size,
                            min_r=min_selectivity_r)
    r_sel = selectivity_r(means[sel], outputs[sel], choices)
    sel_r = np.array([r_sel[k, i] if k >= 0 else np.nan for i, k in enumerate(matched)])
    r_between = (pearson(means[test, matched[0]], means[test, matched[1]])
                 if len(matched) >= 2 and matched[0] >= 0 and matched[1] >= 0 else float("nan"))
    others = [k for k in range(means.shape[1]) if k not in set(matched.tolist()) and sizes[k] >= min_module_size]
    dprime = boundary_selectivity(means[test][:, others], boundary_steps(trials)[test]) if others else np.array([])
    boundary_dprime = float(np.nanmax(dprime)) if np.isfinite(dprime).any() else float("nan")

    has_stimulus = "pdm" in trials.task_names and trials.task_names == ("pdm",)
    cumdelta = cumulative_delta_input(trials.x, trials.trial) if has_stimulus else None
    stim_test = test & (trials.period == 1)
    r_out = np.full(len(choices), np.nan)
    r_cum = np.full(len(choices), np.nan)
    sign_d = np.full(len(choices), np.nan)
    for i, (c, k) in enumerate(zip(choices, matched)):
        if k < 0:
            continue
        r_out[i] = pearson(means[test, k], outputs[test, c])
        if cumdelta is not None:
            r_cum[i] = pearson(means[stim_test, k], cumdelta[stim_test])
            nonzero = stim_test & (cumdelta != 0)
            sign_d[i] = boundary_selectivity(means[nonzero][:, [k]], cumdelta[nonzero] > 0)[0]

    test_trials = np.unique(trials.trial[test])
    last = trials.last_decision_step[test_trials]
    truth = trials.ground_truth[test_trials]

    def accuracy_by_type(W: np.ndarray) -> np.ndarray:
        choice = lesions.readout(X[last], W, b_out).argmax(axis=1)
        return np.array([np.mean(choice[truth == c] == c) if np.any(truth == c) else np.nan for c in choices])

    control = accuracy_by_type(W_out)
    lesioned = np.full((len(choices), len(choices)), np.nan)
    for i, k in enumerate(matched):
        if k >= 0:
            lesioned[i] = accuracy_by_type(lesions.output_lesion(W_out, part == k))

    pcs, _ = pca_scores(X[:, live], means.shape[1])
    return NetworkModules(
        partition=part, q=res.q, n_modules=means.shape[1], choices=choices, choice_module=matched,
        choice_module_size=np.array([sizes[k] if k >= 0 else 0 for k in matched]), selection_r=sel_r,
        r_between_choice_modules=r_between, boundary_dprime=boundary_dprime,
        r_module_output=r_out, r_module_cumdelta=r_cum, sign_dprime=sign_d, lesion_accuracy=lesioned, control_accuracy=control,
        reconstruction_r=float(np.nanmean(act_mod.reconstruction_r(X[:, live], res.partition))),
        module_pc_r=float(np.nanmean(module_pc_correlation(means, pcs))),
        n_silent=int(silent.sum()),
    )


_STACKED = ("partition", "q", "n_modules", "choice_module", "choice_module_size", "selection_r",
            "r_between_choice_modules", "boundary_dprime", "r_module_output", "r_module_cumdelta",
            "sign_dprime",            "lesion_accuracy", "control_accuracy", "reconstruction_r", "module_pc_r", "n_silent")


def analyse_ensemble(act, *, gamma: float, louvain_runs: int, master_seed: int, ensemble: str,
                     min_module_size: int = 1, min_selectivity_r: float = -1.0) -> dict[str, np.ndarray]:
    """:func:`analyse_network` for every included network of an :class:`~modbound.models.ensembles.Activity`.

    ``seeds[m]`` seeds network m's Louvain runs. Returns stacked arrays (first axis: included
    networks, in ensemble order) plus ``model_index`` and ``choices``.
    """
    seeds = derive_seeds(master_seed, act.n_models, ensemble, "louvain")  # network m: seeds[m]
    index = np.flatnonzero(act.included)
    if index.size == 0:
        raise ValueError("no network reached min_accuracy: nothing to analyse")
    results = [
        analyse_network(act.hidden[m], act.outputs[m], act.weights["W_out"][m], act.weights["b_out"][m],
                        act.trials, gamma=gamma, louvain_runs=louvain_runs, seed=seeds[m],
                        min_module_size=min_module_size, min_selectivity_r=min_selectivity_r)
        for m in index
    ]
    out = {name: np.stack([np.asarray(getattr(r, name)) for r in results]) for name in _STACKED}
    out["model_index"] = index
    out["choices"] = results[0].choices
    out["louvain_seeds"] = np.asarray([seeds[m] for m in index])
    out["min_module_size"] = np.int64(min_module_size)
    out["min_selectivity_r"] = np.float64(min_selectivity_r)
    return out
