"""Thalamocortical input similarity and cortical functional connectivity (Figs 4f-o, S9, S10).

The paper treats the thalamus as the input layer of the cortex: rows of the subcortical -> cortical
structural in-weights ``W`` (cortical nodes x thalamic sources) are compared by cosine similarity,
the similarity matrix is partitioned by signed Louvain, and that partition is induced on the
cortical functional connectivity (FC). Its induced Q is compared with spatially autocorrelated null
partitions (:mod:`modbound.nulls.spatial`), and similarity is related to FC over node pairs (binned
scatter, Pearson r).

Scale: everything works on dense float32 N x N matrices built block by block (exactly symmetric,
never copied to float64; :mod:`modbound.core.similarity`), so the full human left cortex (N = 29,696;
3.5 GB per matrix) fits in < 20 GiB: similarity + FC + Louvain's tables + the memory-mapped
distance columns brainsmash reads.

Data sets (real or generated, each named in config) come through one interface,
:mod:`modbound.datasets.brain_dataset` (fields, provenance mark, storage: ``save_dataset`` / ``load_dataset``).
"""

from __future__ import annotations

import logging
import os

import numpy as np
from numba import njit

from modbound.core import modularity as mod
from modbound.nulls import spatial as sn
from modbound.core.checks import as_matrix
from modbound import nulls
from modbound.core.defaults import BRAIN_NULL, GAMMA, LOUVAIN_RUNS, N_SURROGATES
from modbound.core.similarity import BLOCK, cosine_similarity, pair_stats, pearson_p

__all__ = [
    "module_order_sample", "system_concentration", "distance_matched_concentration", "matched_pair_sums", "thalamocortical_analysis", "source_group_r",
    "in_weight_geometry", "require_in_weight_sources",
]

log = logging.getLogger("modbound.analyses.brain")


# --------------------------------------------------------------------------- summaries

def module_order_sample(ci, max_nodes: int = 400) -> np.ndarray:
    """Up to ``max_nodes`` node indices, sorted by module, evenly spaced (for plotting big matrices)."""
    ci = np.asarray(ci)
    order = np.argsort(ci, kind="stable")
    if order.size <= max_nodes:
        return order
    pick = np.unique(np.linspace(0, order.size - 1, max_nodes).round().astype(np.int64))
    return order[pick]


def system_concentration(S: np.ndarray, labels, block: int = BLOCK) -> dict:
    """Per-node mean similarity within its own system and with every system (Fig S9).

    ``labels`` assigns each node a system 1..K (0 = unassigned, left out as a target and reported).
    Returns ``to_system`` [N, K] (mean similarity of node i to the other nodes of system k, self
    excluded), ``within`` [N] and ``between`` [N] (mean to nodes of all other systems) and
    ``block_mean`` [K, K].
    """
    labels = np.asarray(labels, dtype=np.int64)
    N = S.shape[0]
    if labels.shape != (N,):
        raise ValueError(f"labels must have one entry per node ({N}), got shape {labels.shape}")
    K = int(labels.max())
    if K < 2:
        raise ValueError("system_concentration needs at least 2 systems")
    onehot = np.zeros((N, K), dtype=np.float32)
    has = labels > 0
    onehot[np.flatnonzero(has), labels[has] - 1] = 1.0
    sums = np.empty((N, K), dtype=np.float64)
    for i0 in range(0, N, block):
        sums[i0:i0 + block] = S[i0:i0 + block] @ onehot
    count = onehot.sum(axis=0).astype(np.float64)
    diag = np.diag(S).astype(np.float64)
    own = np.where(has, labels - 1, 0)
    sums[np.flatnonzero(has), own[has]] -= diag[has]        # leave self out
    cnt = np.broadcast_to(count, (N, K)).copy()
    cnt[np.flatnonzero(has), own[has]] -= 1
    with np.errstate(invalid="ignore", divide="ignore"):
        to_system = np.where(cnt > 0, sums / cnt, np.nan)
        within = np.where(has, to_system[np.arange(N), own], np.nan)
        other_sum = sums.sum(axis=1) - np.where(has, sums[np.arange(N), own], 0)
        other_cnt = cnt.sum(axis=1) - np.where(has, cnt[np.arange(N), own], 0)
        between = np.where(has & (other_cnt > 0), other_sum / other_cnt, np.nan)
    block_mean = np.full((K, K), np.nan)
    for k in range(K):
        rows = labels == k + 1
        if rows.any():
            block_mean[k] = np.nansum(sums[rows], axis=0) / np.maximum(cnt[rows].sum(axis=0), 1)
    return {"to_system": to_system, "within": within, "between": between, "block_mean": block_mean,
            "n_per_system": count.astype(np.int64), "n_unassigned": int((~has).sum())}


@njit(cache=True, nogil=True)
def matched_pair_sums(S, D, I, labels, i0, width, n_bins, K, w_sum, w_cnt):  # noqa: E741
    """One block of rows of :func:`distance_matched_concentration` in one pass over its pairs.

    Rows ``i0 .. i0 + len(S)``: adds each row's within-system similarity sums and counts per distance bin
    to ``w_sum``/``w_cnt`` (in place) and returns the block's between-system sums and counts per (system of
    the row, bin). Pairs are visited row by row in column order, every sum in float64 starting from zero, the
    order in which ``np.bincount`` summed them in the vectorised version this replaces (same bits, tested);
    one pass and no [block, N] temporaries instead of a dozen (the full human cortex: ~880 million pairs).
    """
    n, N = S.shape
    part_sum = np.zeros((K + 1, n_bins))
    part_cnt = np.zeros((K + 1, n_bins))
    row_bin = np.empty(N, dtype=np.int64)
    for r in range(n):
        for k in range(N):
            b = np.int64(np.float32(D[r, k]) / width)
            row_bin[I[r, k]] = min(b, n_bins - 1)
        i = i0 + r
        li = labels[i]
        if li <= 0:
            continue
        for j in range(N):
            lj = labels[j]
            if lj <= 0:
                continue
            s = np.float64(S[r, j])
            b = row_bin[j]
            if lj == li:
                if j != i:
                    w_sum[i, b] += s
                    w_cnt[i, b] += 1.0
            else:
                part_sum[li, b] += s
                part_cnt[li, b] += 1.0
    return part_sum, part_cnt


def distance_matched_concentration(S: np.ndarray, labels, D, I, *, n_bins: int = 50,  # noqa: E741
                                   reference: str = "between", block: int = BLOCK) -> dict:
    """Per-node within-system similarity in excess of between-system pairs AT THE SAME DISTANCE (Fig S9).

    Similarity of smooth in-weight fields falls with distance, so a compact system has high raw
    within-system similarity by distance alone. Here each pair's distance (``D``, ``I``: brainsmash's
    sorted distance rows, the same distances as the spatial null) falls in one of ``n_bins`` equal-width
    bins over [0, max distance]; for each system k, ``curve_between[k, b]`` is the mean similarity of
    pairs with one node in k and the other in another system, at distance bin b. The concentration of
    node i of system k is the mean over its within-system partners j (bins where the reference has
    pairs) of ``S_ij - ref(bin(d_ij))``: 0 when being in the same system adds nothing beyond distance.
    ``reference``: ``"between"`` (default) ``ref = curve_between[k]``, the pairs crossing the boundary
    of i's own system; ``"all"``: all labelled pairs at that distance, whatever their systems (the paper
    does not say how concentration was normalised; both are config options). ``curve_within`` [K,
    n_bins] is the same curve for within-system pairs (for plotting). Unlabelled nodes (0) get NaN.
    """
    if reference not in ("between", "all"):
        raise ValueError(f"reference must be 'between' or 'all', got {reference!r}")
    labels = np.asarray(labels, dtype=np.int64)
    N = S.shape[0]
    if labels.shape != (N,):
        raise ValueError(f"labels must have one entry per node ({N}), got shape {labels.shape}")
    if D.shape != (N, N) or I.shape != (N, N):
        raise ValueError(f"distance rows must be [{N}, {N}], got {D.shape} and {I.shape}")
    if n_bins < 2:
        raise ValueError(f"n_bins must be >= 2, got {n_bins}")
    K = int(labels.max())
    if K < 2:
        raise ValueError("distance_matched_concentration needs at least 2 systems")
    dmax = float(max(np.max(D[i0:i0 + block, -1]) for i0 in range(0, N, block)))
    if not np.isfinite(dmax) or dmax <= 0:
        raise ValueError(f"distances must be finite and not all zero (max {dmax})")
    width = dmax / n_bins * (1 + 1e-9)
    w_sum = np.zeros((N, n_bins))       # per node, per bin: within-system similarity sum / count
    w_cnt = np.zeros((N, n_bins))
    b_sum = np.zeros((K + 1, n_bins))   # per system, per bin: between-system similarity sum / count
    b_cnt = np.zeros((K + 1, n_bins))
    width32 = np.float32(width)         # bins as before: float32 distance / float32 width, truncated
    with sn.whole_rows(D, I):           # memmaps: read ahead (one pass over whole rows)
        for i0 in range(0, N, block):
            i1 = min(i0 + block, N)
            part_sum, part_cnt = matched_pair_sums(np.asarray(S[i0:i1]), np.asarray(D[i0:i1]), np.asarray(I[i0:i1]),
                                                    labels, i0, width32, n_bins, K, w_sum, w_cnt)
            b_sum += part_sum           # per block, then added: the summation order of the numpy version
            b_cnt += part_cnt
    with np.errstate(invalid="ignore", divide="ignore"):
        curve_between = np.where(b_cnt > 0, b_sum / b_cnt, np.nan)[1:]
        wk_sum = np.stack([w_sum[labels == k].sum(0) for k in range(1, K + 1)])
        wk_cnt = np.stack([w_cnt[labels == k].sum(0) for k in range(1, K + 1)])
        curve_within = np.where(wk_cnt > 0, wk_sum / wk_cnt, np.nan)
        if reference == "between":      # pairs crossing the boundary of node i's own system
            ref = curve_between[np.where(labels > 0, labels - 1, 0)]
        else:                           # all labelled pairs at that distance
            tot = b_cnt[1:].sum(0) + wk_cnt.sum(0)
            ref = np.broadcast_to(np.where(tot > 0, (b_sum[1:].sum(0) + wk_sum.sum(0)) / np.maximum(tot, 1),
                                           np.nan), (N, n_bins))
        ok = np.isfinite(ref) & (w_cnt > 0) & (labels[:, None] > 0)
        excess = np.where(ok, w_sum - w_cnt * np.where(ok, ref, 0), 0).sum(1)
        n_matched = np.where(ok, w_cnt, 0).sum(1)
        conc = np.where(n_matched > 0, excess / n_matched, np.nan)
    return {"concentration": conc, "n_matched": n_matched.astype(np.int64), "curve_between": curve_between,
            "curve_within": curve_within, "bin_edges": np.arange(n_bins + 1) * width,
            "n_pairs_between": b_cnt[1:].astype(np.int64), "n_pairs_within": wk_cnt.astype(np.int64),
            "reference": np.array(reference)}


def in_weight_geometry(W, *, tol: float = 1e-9) -> dict:
    """What cosine similarity of in-weight rows can express, for judging whether a data set can test the claims.

    ``W`` [N, n_sources]. Returns ``n_nodes``, ``n_sources``, ``rank`` (numerical rank of ``W``: the similarity
    matrix has at most rank ``rank``), ``n_zero_rows`` (nodes without any in-weight: similarity undefined),
    ``n_directions`` (distinct directions among the other rows, to ``tol``), ``largest_direction`` (nodes sharing
    the most common direction: similarity exactly 1 among them), ``similarity_range`` (min, max over pairs of
    nodes with in-weights) and ``angle_deg`` [N] for two sources (NaN for zero rows), since with two sources the
    cosine similarity of nodes i and j is cos(angle_i - angle_j): one number per node. ``testable`` is False with
    ``reason`` when the similarity cannot carry a topography over sources: fewer than 3 sources (then it orders
    nodes along one angle) or any node without in-weights."""
    W = as_matrix(W, name="W", square=False).astype(np.float64)
    N, k = W.shape
    norm = np.linalg.norm(W, axis=1)
    zero = norm <= tol * max(float(norm.max()), 1.0)
    U = W[~zero] / norm[~zero, None]
    rank = int(np.linalg.matrix_rank(W)) if N else 0
    if U.shape[0]:
        keys = np.round(U / tol ** 0.5).astype(np.int64)
        _, counts = np.unique(keys, axis=0, return_counts=True)
        S = U @ U.T
        iu = np.triu_indices(U.shape[0], 1)
        rng = (float(S[iu].min()), float(S[iu].max())) if iu[0].size else (float("nan"), float("nan"))
    else:
        counts, rng = np.zeros(0, dtype=np.int64), (float("nan"), float("nan"))
    angle = np.full(N, np.nan)
    if k == 2:
        angle[~zero] = np.degrees(np.arctan2(W[~zero, 1], W[~zero, 0]))
    reasons = []
    if k < 3:
        reasons.append(f"{k} source{'s' if k != 1 else ''}: the cosine similarity of two nodes is cos(angle_i - angle_j) "
                       "of one angle per node (the balance of the two sources), so similarity modules are intervals "
                       "of one number, not a topography over sources")
    if zero.any():
        reasons.append(f"{int(zero.sum())} of {N} nodes have no in-weight (similarity undefined)")
    return {"n_nodes": int(N), "n_sources": int(k), "rank": rank, "n_zero_rows": int(zero.sum()),
            "n_directions": int(counts.size), "largest_direction": int(counts.max()) if counts.size else 0,
            "similarity_range": rng, "angle_deg": angle, "testable": not reasons, "reason": "; ".join(reasons)}


def require_in_weight_sources(W, what: str, minimum: int = 3) -> None:
    """Refuse in-weights with fewer than ``minimum`` source columns for the similarity analysis (``ValueError``
    naming ``what``): with two sources the cosine similarity orders nodes along one angle
    (:func:`in_weight_geometry`), so its modules and its relation to FC cannot test the claims."""
    k = np.shape(W)[1]
    if k < minimum:
        raise ValueError(f"{what}: in-weights have {k} source column(s); the similarity analysis needs at least "
                         f"{minimum} (with 2 the cosine similarity is a function of one angle per node; see "
                         "docs/data.md, 'Human')")


# --------------------------------------------------------------------------- the analysis

def thalamocortical_analysis(W, fc, distmat, index, *, gamma: float = GAMMA, louvain_runs: int = LOUVAIN_RUNS,
                             n_surrogates: int = N_SURROGATES, null: str = BRAIN_NULL, seed: int = 0, hist_bins: int = 40,
                             surrogate_kw: dict | None = None, labels=None, max_plot: int = 400,
                             concentration_kw: dict | None = None, timings: dict | None = None,
                             threads: int = 1) -> dict:
    """Figs 4g-j / 4l-o: similarity modules of thalamocortical in-weights induced on cortical FC.

    Parameters
    ----------
    W : [N, n_sources] in-weights (rows: cortical nodes).
    fc : [N, N] functional connectivity (Pearson r; symmetric).
    distmat, index : brainsmash sorted distance memmaps (paths or arrays) of the N nodes.
    null : name of the null model of the partition (:data:`modbound.nulls.NULL_MODELS`; config ``brain.null_model``),
        drawn with ``seed + 1``; label permutation (``seed + 2``) is always drawn beside it for comparison.
    seed : seeds Louvain (``seed``) and the nulls -- pass a derived seed.
    labels : optional [N] system labels (1..K, 0 = none) for the Fig S9 concentration analysis.
    concentration_kw : keywords of :func:`distance_matched_concentration` (``n_bins``, ``reference``).
    timings : optional dict, filled with the wall time (s) of each step (for benchmarks).
    threads : Louvain runs done side by side (:func:`modbound.core.modularity.louvain`; same result for any value).

    Returns a dict of arrays (ready for ``io.save_npz``); the big matrices are not returned, only
    their module-ordered samples of at most ``max_plot`` nodes.
    """
    import time

    surrogate_kw = dict(surrogate_kw or {})
    timings = {} if timings is None else timings
    clock = [time.perf_counter()]

    def lap(name):
        now = time.perf_counter()
        timings[name] = now - clock[0]
        clock[0] = now
    fc = mod.symmetric_matrix(fc, "fc")     # no copy when exactly symmetric (as our FC builders make it)
    N = fc.shape[0]
    W = as_matrix(W, name="W", square=False)
    if W.shape[0] != N:
        raise ValueError(f"W has {W.shape[0]} cortical rows but fc has {N} nodes")
    S = cosine_similarity(W, dtype=np.float32, name="W")
    lap("similarity")
    log.info("similarity %d x %d (%d sources); Louvain x %d", N, N, W.shape[1], louvain_runs)
    lv = mod.louvain(S, gamma=gamma, n_runs=louvain_runs, seed=seed, threads=threads)
    ci = lv.partition
    lap("louvain")
    obj = mod.objective(fc, gamma, "negative_asym")
    q_induced = obj.q(fc, ci)
    log.info("%d modules, Q(similarity) = %.4f, induced Q(FC) = %.4f", ci.max() + 1, lv.q, q_induced)

    x = sn.partition_map(ci, W)
    D, I = (sn.load_distance_memmap(distmat, index, N) if isinstance(distmat, (str, os.PathLike))  # noqa: E741
            else (distmat, index))

    def induced(p):
        return obj.q(fc, p)

    # the null model config chooses, and label permutation beside it (same number of samples) for comparison
    spatial = nulls.null_test(nulls.make(null, distmat=D, index=I, weights=W, **surrogate_kw), induced, ci,
                              n_surrogates, seed + 1, keep_partitions=True)
    lap("null")
    perm = nulls.null_test(nulls.LabelPermutation(), induced, ci, n_surrogates, seed + 2, keep_partitions=True)
    null_parts, q_null, p_spatial = spatial.partitions, spatial.q_null, spatial.p
    perm_parts, q_perm, p_perm = perm.partitions, perm.q_null, perm.p
    lap("permutation")
    log.info("%s null Q %.4f +- %.4f (p = %.4g); label permutation %.4f (p = %.4g)", null,
             q_null.mean(), q_null.std(ddof=1) if q_null.size > 1 else 0, p_spatial, q_perm.mean(), p_perm)
    agree = sn.neighbour_agreement(np.vstack([ci[None], null_parts, perm_parts]), I)

    ps = pair_stats(S, fc, hist_bins)
    lap("pairs")
    sample = module_order_sample(ci, max_plot)
    out = {
        "partition": ci, "q_similarity": lv.q, "q_runs": lv.q_runs, "q_induced": q_induced,
        "q_null": q_null, "q_perm": q_perm, "p_spatial": p_spatial, "p_perm": p_perm,
        "null_partitions": null_parts.astype(np.int16 if ci.max() < 32000 else np.int64),
        "null_map": x, "agreement_observed": agree[0], "agreement_spatial": agree[1:1 + n_surrogates],
        "agreement_perm": agree[1 + n_surrogates:],
        "r": ps["r"], "p_r": pearson_p(ps["r"], ps["n_pairs"]), "n_pairs": ps["n_pairs"],
        "hist": ps["hist"], "edges_similarity": ps["edges_a"], "edges_fc": ps["edges_b"],
        "plot_nodes": sample, "S_plot": S[np.ix_(sample, sample)], "fc_plot": fc[np.ix_(sample, sample)],
        "n_nodes": N, "n_sources": W.shape[1], "seed": seed, "n_surrogates": n_surrogates,
        "louvain_runs": louvain_runs, "gamma": gamma, "null": null, "comparison_null": perm.null,
    }
    if labels is not None:
        conc = system_concentration(S, labels)
        out.update({f"systems_{k}": v for k, v in conc.items()})
        dm = distance_matched_concentration(S, labels, D, I, **dict(concentration_kw or {}))
        out.update({f"systems_dm_{k}": v for k, v in dm.items()})
        lap("systems")
    log.info("timings (s): %s", {k: round(v, 1) for k, v in timings.items()})
    del S
    return out


def source_group_r(W, groups, group_names, fc_subjects, fc_group=None) -> dict:
    """Fig S10: r(similarity of each source group's in-weights, FC) per subject and for the group FC.

    ``W`` [N, n_sources] holds every subcortical source; ``groups`` [n_sources] indexes
    ``group_names``. Returns ``r_subject`` [n_groups, n_subjects], ``r_group`` [n_groups] (if
    ``fc_group`` given) and ``n_sources`` per group.
    """
    W = as_matrix(W, name="W", square=False)
    groups = np.asarray(groups, dtype=np.int64)
    if groups.shape != (W.shape[1],):
        raise ValueError(f"groups must have one entry per source column ({W.shape[1]})")
    G = len(group_names)
    r_sub = np.full((G, len(fc_subjects)), np.nan)
    r_grp = np.full(G, np.nan)
    n_src = np.bincount(groups, minlength=G)
    for g in range(G):
        cols = groups == g
        if cols.sum() < 2:
            continue
        S = cosine_similarity(W[:, cols], dtype=np.float32, name="W")
        for s, F in enumerate(fc_subjects):
            r_sub[g, s] = pair_stats(S, np.ascontiguousarray(F, dtype=np.float32), 2)["r"]
        if fc_group is not None:
            r_grp[g] = pair_stats(S, fc_group, 2)["r"]
    return {"r_subject": r_sub, "r_group": r_grp, "n_sources_per_group": n_src}
