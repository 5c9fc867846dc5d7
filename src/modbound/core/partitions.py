"""Comparing partitions across conditions (Figs S3, S4, S5).

A "condition" is a task, a digit or a sentence: activity recorded under it gives one partition.
Partitions are compared with the adjusted Rand index (ARI); if partitions carry information
about the condition, ARI is higher within than between conditions, and each set can be
assigned to its condition from ARI alone.
"""

from __future__ import annotations

import numpy as np

from modbound.core import activity as act_mod, modularity, stats as st
from modbound.core.seeding import derive_seeds

__all__ = ["partition_sets", "ari_matrix", "within_between", "classify_by_similarity", "task_partitions"]


def partition_sets(activity: np.ndarray, set_of_step: np.ndarray, *, gamma: float, louvain_runs: int,
                   seed: int) -> np.ndarray:
    """One Louvain partition per set of time steps: ``set_of_step[t]`` in 0..S-1 (or -1: unused).

    Returns ``[S, n_units]``; set s is seeded with ``seed`` spawned per set. Units silent within a
    set (zero variance) are left out of Louvain and labelled -1 (one "silent" group), rather than
    each forming a singleton module.
    """
    set_of_step = np.asarray(set_of_step)
    n_sets = int(set_of_step.max()) + 1
    seeds = np.random.SeedSequence(seed).spawn(n_sets)
    out = []
    for s in range(n_sets):
        X = activity[set_of_step == s]
        live = ~act_mod.silent_units(X)
        labels = np.full(X.shape[1], -1, dtype=np.int64)
        if live.sum() >= 2:
            labels[live] = modularity.louvain(act_mod.correlation(X[:, live]), gamma=gamma, n_runs=louvain_runs,
                                              seed=int(seeds[s].generate_state(1)[0])).partition
        out.append(labels)
    return np.stack(out)


def ari_matrix(partitions: np.ndarray) -> np.ndarray:
    """Symmetric matrix of pairwise ARI between partitions (unit diagonal)."""
    P = np.asarray(partitions)
    n = len(P)
    S = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            S[i, j] = S[j, i] = modularity.ari(P[i], P[j])
    return S


def _pairs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    iu = np.triu_indices(len(labels), k=1)
    same = labels[iu[0]] == labels[iu[1]]
    return iu, same


def within_between(S: np.ndarray, labels: np.ndarray) -> dict:
    """ARI within vs between conditions (upper triangle), two-sample t-test."""
    labels = np.asarray(labels)
    iu, same = _pairs(labels)
    vals = S[iu]
    return {"within": st.describe(vals[same]), "between": st.describe(vals[~same]),
            "ttest_within_vs_between": st.ttest_ind(vals[same], vals[~same])}


def classify_by_similarity(S: np.ndarray, labels: np.ndarray) -> float:
    """Leave-one-out accuracy of assigning each set to the condition of highest mean ARI."""
    labels = np.asarray(labels)
    conditions = np.unique(labels)
    correct = 0
    for i in range(len(labels)):
        others = np.arange(len(labels)) != i
        score = [S[i, others & (labels == c)].mean() if np.any(others & (labels == c)) else -np.inf
                 for c in conditions]
        correct += conditions[int(np.argmax(score))] == labels[i]
    return correct / len(labels)


def sets_by_condition(trial_condition: np.ndarray, trial_of_step: np.ndarray,
                      n_sets: int) -> tuple[np.ndarray, np.ndarray]:
    """Split each condition's trials (in order) into ``n_sets`` contiguous sets.

    Returns ``set_of_step`` (set index of every step) and ``set_condition`` ``[n_conditions * n_sets]``.
    """
    trial_condition = np.asarray(trial_condition)
    set_of_trial = np.full(len(trial_condition), -1)
    set_condition = []
    for c in np.unique(trial_condition):
        idx = np.flatnonzero(trial_condition == c)
        if len(idx) < n_sets:
            raise ValueError(f"condition {c}: {len(idx)} trials cannot form {n_sets} sets")
        for chunk in np.array_split(idx, n_sets):
            set_of_trial[chunk] = len(set_condition)
            set_condition.append(c)
    return set_of_trial[np.asarray(trial_of_step)], np.asarray(set_condition)


def task_partitions(act, *, n_sets: int, gamma: float, louvain_runs: int, master_seed: int) -> dict[str, np.ndarray]:
    """Per included network of a multitask ensemble: partitions of ``n_sets`` trial sets per task, their ARI
    matrix, within/between-task ARI means and leave-one-out task classification accuracy. Network m's Louvain
    seed is ``derive_seed(master_seed, "multitask", "partition_sets", m)``."""
    seeds = derive_seeds(master_seed, act.n_models, "multitask", "partition_sets")
    trials = act.trials
    set_of_step, set_task = sets_by_condition(trials.trial_task, trials.trial, n_sets)
    index = np.flatnonzero(act.included)
    if index.size == 0:
        raise ValueError("no network reached min_accuracy: nothing to analyse")
    ari, within, between, accuracy, parts = [], [], [], [], []
    for m in index:
        P = partition_sets(act.hidden[m], set_of_step, gamma=gamma, louvain_runs=louvain_runs,
                                      seed=seeds[m])
        S = ari_matrix(P)
        wb = within_between(S, set_task)
        ari.append(S)
        parts.append(P)
        within.append(wb["within"]["mean"])
        between.append(wb["between"]["mean"])
        accuracy.append(classify_by_similarity(S, set_task))
    return {"ari": np.stack(ari), "partitions": np.stack(parts), "set_task": set_task,
            "within": np.asarray(within, dtype=float), "between": np.asarray(between, dtype=float),
            "accuracy": np.asarray(accuracy), "model_index": index,
            "louvain_seeds": np.asarray([seeds[m] for m in index])}
