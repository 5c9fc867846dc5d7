"""Spatial nulls for partitions: brainsmash variogram-matching surrogates on memory-mapped distances.

The paper (Results, mouse and human thalamocortical analysis; Burt et al. 2020) builds its null
distribution of induced Q by "randomly reordering nodes in a way that approximately preserved the
variogram of the original data", 100 times. We do exactly that with brainsmash's ``Sampled``
generator (``resample=True``: every surrogate is a re-ordering of the original map's values):

1. The partition is written as a map: each module gets its rank along the first principal component
   of the in-weights (:func:`partition_map`), so ``x`` is constant within a module and spatially as
   autocorrelated as the partition itself.
2. brainsmash draws surrogates of ``x`` whose variogram matches that of ``x``; with ``resample=True``
   a surrogate is ``x`` re-ordered, i.e. a node permutation ``pi`` with ``x[pi] = surrogate``.
3. The null partition is ``ci[pi]``: the surrogate's level sets at the module-size quantiles. Module
   sizes are preserved exactly; modules stay spatially contiguous patches (reported as the fraction
   of nearest-neighbour pairs that share a module, observed vs null).

Distances are stored once per dataset in brainsmash's memory-mapped layout (``distmat.npy``: each
row sorted, float32; ``index.npy``: the argsort of each row, int32), written block by block, so
N = 29,696 (3.5 GB each) never needs an N x N matrix in memory. ``Sampled`` only reads the first
``knn + 1`` columns. Euclidean distances (between surface or voxel coordinates) or geodesic
distances along the mesh edges (Dijkstra on the surface graph; exact along edges, an overestimate of
the true geodesic by a few per cent) are both supported.

TRAP: brainsmash 0.11 stacks surrogates with ``np.row_stack``, deprecated in numpy 2.0 and removed
in numpy 2.5: :func:`_row_stack_guard` restores it as ``np.vstack`` where it is missing and silences
the deprecation warning where it is not.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import numpy as np

from modbound.core.checks import as_partition
from modbound.core.io import atomic_path
from modbound.nulls.base import NullModel

__all__ = ["VariogramSurrogates", "write_distance_memmap", "euclidean_rows", "geodesic_rows", "matrix_rows",
           "load_distance_memmap", "whole_rows", "sampled_generator",
           "partition_map", "surrogate_maps", "partition_surrogates", "contiguous_partitions", "distance_residual",
           "neighbour_agreement"]

_BLOCK_ROWS = 256


# --------------------------------------------------------------------------- distances

def euclidean_rows(coords: np.ndarray):
    """Row function for :func:`write_distance_memmap`: Euclidean distances from ``coords`` [N, 3]."""
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or not np.all(np.isfinite(coords)):
        raise ValueError(f"coords must be a finite 2-D [N, dim] array, got shape {coords.shape}")
    sq = (coords**2).sum(axis=1)

    def rows(start: int, stop: int) -> np.ndarray:
        c = coords[start:stop]
        d2 = sq[start:stop, None] + sq[None, :] - 2.0 * c @ coords.T
        np.maximum(d2, 0.0, out=d2)
        d = np.sqrt(d2)
        d[np.arange(stop - start), np.arange(start, stop)] = 0.0
        return d
    return rows


def geodesic_rows(coords: np.ndarray, faces: np.ndarray):
    """Row function: shortest-path distances along mesh edges (edge length = Euclidean length).

    ``faces`` index into ``coords`` (a triangulated surface restricted to the analysed vertices).
    Unreachable pairs (disconnected islands) raise ``ValueError``.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    coords = np.asarray(coords, dtype=np.float64)
    faces = np.asarray(faces, dtype=np.int64)
    if faces.ndim != 2 or faces.shape[1] != 3 or faces.min() < 0 or faces.max() >= coords.shape[0]:
        raise ValueError(f"faces must be [F, 3] indices into {coords.shape[0]} vertices")
    e = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    e = np.unique(np.sort(e, axis=1), axis=0)       # each edge once (shared by two faces; coo would sum them)
    length = np.linalg.norm(coords[e[:, 0]] - coords[e[:, 1]], axis=1)
    n = coords.shape[0]
    graph = coo_matrix((np.r_[length, length], (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])),
                       shape=(n, n)).tocsr()

    def rows(start: int, stop: int) -> np.ndarray:
        d = dijkstra(graph, directed=False, indices=np.arange(start, stop))
        if not np.all(np.isfinite(d)):
            raise ValueError("surface graph is disconnected: geodesic distance undefined for some "
                             "pairs (use distance: euclidean)")
        return d
    return rows


def matrix_rows(D, name: str = "distances"):
    """Row function for :func:`write_distance_memmap` from a precomputed distance matrix (e.g. geodesic
    distances between parcel centroids): square, finite, non-negative, symmetric, zero diagonal and positive off
    it (``ValueError`` naming ``name`` otherwise)."""
    D = np.asarray(D, dtype=np.float64)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"{name}: expected a square distance matrix, got shape {D.shape}")
    off = ~np.eye(D.shape[0], dtype=bool)
    if not np.all(np.isfinite(D)) or np.any(np.diag(D) != 0) or np.any(D[off] <= 0):
        raise ValueError(f"{name}: distances must be finite, 0 on the diagonal and positive off it")
    if np.abs(D - D.T).max() > 1e-6 * max(float(D.max()), 1.0):
        raise ValueError(f"{name}: distance matrix is not symmetric")

    def rows(start: int, stop: int) -> np.ndarray:
        return D[start:stop]
    return rows


def write_distance_memmap(rows, n: int, out_dir: str | os.PathLike, block: int = _BLOCK_ROWS) -> dict:
    """Write brainsmash's sorted memory-mapped distance files ``distmat.npy`` and ``index.npy``.

    ``rows(start, stop)`` returns the float distances of nodes ``start:stop`` to all ``n`` nodes.
    Rows are sorted and streamed to disk block by block (resident memory ~ ``block * n * 24`` bytes,
    never the N x N files); both files are written atomically. Returns ``{"distmat": path, "index": path}`` as brainsmash's
    ``txt2memmap`` does.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"distmat": out_dir / "distmat.npy", "index": out_dir / "index.npy"}
    fmt = np.lib.format
    with atomic_path(paths["distmat"]) as tmp_d, atomic_path(paths["index"]) as tmp_i, \
            open(tmp_d, "wb") as fd, open(tmp_i, "wb") as fi:
        # streamed .npy writes (not a writable memmap), so resident memory stays ~ one block
        for fh, dtype in ((fd, np.float32), (fi, np.int32)):
            fmt.write_array_header_2_0(fh, {"descr": fmt.dtype_to_descr(np.dtype(dtype)),
                                            "fortran_order": False, "shape": (n, n)})
        for start in range(0, n, block):
            stop = min(start + block, n)
            d = np.asarray(rows(start, stop), dtype=np.float32)
            if d.shape != (stop - start, n):
                raise ValueError(f"distance rows {start}:{stop} have shape {d.shape}, expected "
                                 f"{(stop - start, n)}")
            # self first (distance 0), then the rest by distance; stable for ties
            d[np.arange(stop - start), np.arange(start, stop)] = -1.0
            order = np.argsort(d, axis=1, kind="stable")
            sd = np.take_along_axis(d, order, axis=1)
            sd[:, 0] = 0.0
            fd.write(np.ascontiguousarray(sd, dtype=np.float32).tobytes())
            fi.write(np.ascontiguousarray(order, dtype=np.int32).tobytes())
    return {k: str(v) for k, v in paths.items()}


def load_distance_memmap(distmat: str | os.PathLike, index: str | os.PathLike, n: int | None = None):
    """Open the two memory-mapped files read-only and check them (shape, dtype, sortedness)."""
    out = []
    for path, dtype in ((distmat, np.float32), (index, np.int32)):
        try:
            a = np.load(path, mmap_mode="r")
        except (OSError, ValueError) as err:
            raise ValueError(f"{path}: cannot open as a memory-mapped .npy ({err})") from None
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.dtype != dtype:
            raise ValueError(f"{path}: expected a square {np.dtype(dtype)} matrix, got {a.dtype} {a.shape}")
        if n is not None and a.shape[0] != n:
            raise ValueError(f"{path}: {a.shape[0]} nodes, expected {n}")
        _no_readahead(a)
        out.append(a)
    D, I = out  # noqa: E741
    if D.shape != I.shape:
        raise ValueError(f"{distmat} and {index} have different shapes {D.shape} vs {I.shape}")
    probe = np.asarray(D[: min(8, D.shape[0]), : min(64, D.shape[1])])
    if np.any(np.diff(probe, axis=1) < 0):
        raise ValueError(f"{distmat}: rows are not sorted (not a brainsmash sorted distance memmap)")
    return D, I


def _advise(a, advice: str) -> None:
    """``madvise`` the whole file mapping behind memmap ``a`` (a no-op for arrays and where unsupported)."""
    import mmap

    mm = getattr(a, "_mmap", None)
    if mm is not None and hasattr(mm, "madvise") and hasattr(mmap, advice):
        mm.madvise(getattr(mmap, advice))


def _no_readahead(a) -> None:
    """Only the first ``knn + 1`` columns of each row are read: tell the kernel not to read ahead,
    so touching row starts does not pull (and count as resident) whole neighbouring pages."""
    _advise(a, "MADV_RANDOM")


@contextlib.contextmanager
def whole_rows(*arrays):
    """Read the distance memmaps of :func:`load_distance_memmap` row after row, whole rows, inside this block.

    Those memmaps are opened without read-ahead (the surrogates read row starts only), which makes a pass over
    whole rows fault in one 4 KiB page at a time: at 29,696 nodes that pass took minutes instead of seconds
    (Fig S9's distance-matched sums, cold page cache). Inside the block the kernel reads ahead sequentially;
    after it the memmaps are back without read-ahead. Plain arrays are left alone.
    """
    for a in arrays:
        _advise(a, "MADV_SEQUENTIAL")
    try:
        yield
    finally:
        for a in arrays:
            _no_readahead(a)


# --------------------------------------------------------------------------- surrogates

@contextlib.contextmanager
def _row_stack_guard():
    """brainsmash 0.11 calls ``np.row_stack`` (removed in numpy 2.5): provide it / silence it."""
    missing = not hasattr(np, "row_stack")
    if missing:
        np.row_stack = np.vstack
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*row_stack.*", category=DeprecationWarning)
            yield
    finally:
        if missing:
            del np.row_stack


def partition_map(ci, W: np.ndarray) -> np.ndarray:
    """Partition written as a map: each node gets its module's rank along PC1 of the in-weights.

    ``W`` is [N, n_sources]; rows are L2-normalised (as for cosine similarity), centred, and the
    first principal component score is averaged per module; modules are ranked by that mean (ties
    broken by label) and node ``i`` gets ``rank(module(i))`` as a float.
    """
    W = np.asarray(W, dtype=np.float64)
    ci = as_partition(ci, W.shape[0], name="ci")
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    Z = W / np.where(norms > 0, norms, 1.0)
    Z -= Z.mean(axis=0)
    # PC1 via the small n_sources x n_sources covariance (no N x N matrix)
    _, vecs = np.linalg.eigh(Z.T @ Z)
    score = Z @ vecs[:, -1]
    k = int(ci.max()) + 1
    mean = np.bincount(ci, weights=score, minlength=k) / np.bincount(ci, minlength=k)
    rank = np.empty(k)
    rank[np.lexsort((np.arange(k), mean))] = np.arange(k)
    return rank[ci]


def sampled_generator():
    """brainsmash's ``Sampled``, keeping what its smoothing steps recompute with the same inputs: the same surrogates.

    For every surrogate ``Sampled`` smooths the permuted map with the k nearest neighbours for each of its deltas
    and again for the best one, each time computing the kernel weights of the same distances and their row
    sums, and smooths five variograms over the same sampled distances ``u``, each time computing the same
    Gaussian weights of ``u``. This subclass computes the kernel weights (and sums) once per k and the
    variogram weights (and sums) once per ``u``, with brainsmash's own expressions, so every surrogate is the
    same to the bit (tested against ``Sampled`` itself); at 29,696 nodes, 1,000 neighbours and 500 samples that
    is about half the time of a surrogate. It costs the weights' memory: N x (sum of the k) kernel weights
    (~0.3 GB at that size) and one [nh, len(u)] float64 array.
    """
    from brainsmash.mapgen.sampled import Sampled

    class CachedSampled(Sampled):
        def smooth_map(self, x, k):
            cache = self.__dict__.setdefault("_kernel_weights", {})
            if k not in cache:
                weights = self._kernel(self._D[:, :k])
                cache[k] = (weights, weights.sum(axis=1))
            weights, total = cache[k]
            return (weights * x[self._index[:, :k]]).sum(axis=1) / total

        def smooth_variogram(self, u, v, return_h=False):
            if len(u) != len(v):
                raise ValueError("u and v must have same number of elements")
            last = self.__dict__.get("_variogram_weights")
            if last is None or not np.array_equal(last[0], u):
                du = np.abs(u - self._h[:, None])
                w = np.exp(-np.square(2.68 * du / self._b) / 2)
                last = self.__dict__["_variogram_weights"] = (u.copy(), w, np.nansum(w, axis=1))
            _, w, denom = last
            output = np.nansum(w * v[None, :], axis=1) / denom
            return (output, self._h) if return_h else output

    return CachedSampled


def surrogate_maps(x, distmat, index, n: int, seed: int, *, knn: int = 1000, ns: int = 500,
                   pv: float = 70, nh: int = 25, deltas=(0.3, 0.5, 0.7, 0.9), kernel: str = "exp",
                   resample: bool = True, generator: str = "sampled") -> np.ndarray:
    """``n`` variogram-matched surrogates of map ``x`` (brainsmash ``Sampled``; ``generator="base"``: brainsmash's
    dense ``Base`` on the full distance matrix, with ``pv``, ``nh``, ``kernel`` and its own default deltas),
    shape (n, N).

    ``distmat``/``index`` are the memory-mapped sorted distance files (or arrays). ``knn`` and
    ``ns`` are capped at N - 1 and N. Deterministic for a given ``seed`` (``n_jobs=1``).
    """
    x = np.asarray(x, dtype=np.float64)
    N = x.size
    if N < 4:
        raise ValueError(f"surrogate_maps: need at least 4 nodes, got {N}")
    D, I = (load_distance_memmap(distmat, index, N) if isinstance(distmat, (str, os.PathLike))  # noqa: E741
            else (distmat, index))
    if generator == "base":
        from brainsmash.mapgen.base import Base

        full = np.empty((N, N))
        full[np.arange(N)[:, None], np.asarray(I)] = np.asarray(D)
        full = (full + full.T) / 2
        with _row_stack_guard():
            gen = Base(x, full, kernel=kernel, pv=pv, nh=nh, resample=resample, seed=int(seed), n_jobs=1)
            surr = gen(int(n))
        return np.atleast_2d(np.asarray(surr, dtype=np.float64))
    if generator != "sampled":
        raise ValueError(f"surrogate_maps: generator must be 'sampled' or 'base', got {generator!r}")
    knn = int(min(knn, N - 1))
    ns = int(min(ns, N))
    # Sampled only uses columns 1..knn: copy those (2 x N x (knn + 1) x 4 bytes) out of the memmaps
    D = np.ascontiguousarray(D[:, :knn + 1])
    I = np.ascontiguousarray(I[:, :knn + 1])  # noqa: E741
    with _row_stack_guard():
        gen = sampled_generator()(x, D, I, ns=ns, pv=pv, nh=nh, knn=knn, deltas=np.asarray(deltas), kernel=kernel,
                                  resample=resample, seed=int(seed), n_jobs=1)
        surr = gen(int(n))
    return np.atleast_2d(np.asarray(surr, dtype=np.float64))


def partition_surrogates(ci, x, surrogates: np.ndarray) -> np.ndarray:
    """Null partitions from surrogates of ``x``: ``ci[pi]`` with ``pi`` the node re-ordering.

    For each surrogate ``s`` (a re-ordering of ``x`` when drawn with ``resample=True``; any
    continuous map otherwise), node ``i`` takes the label of the node holding the same rank in ``x``
    as ``s[i]`` holds in ``s``. Module sizes are preserved exactly. Returns int64 (n, N).
    """
    x = np.asarray(x, dtype=np.float64)
    ci = as_partition(ci, x.size, name="ci")
    S = np.atleast_2d(np.asarray(surrogates, dtype=np.float64))
    if S.shape[1] != x.size:
        raise ValueError(f"surrogates have {S.shape[1]} nodes, map has {x.size}")
    by_x = np.argsort(x, kind="stable")
    out = np.empty(S.shape, dtype=np.int64)
    for k, s in enumerate(S):
        rank = np.empty(x.size, dtype=np.int64)
        rank[np.argsort(s, kind="stable")] = np.arange(x.size)
        out[k] = ci[by_x[rank]]
    return out


def contiguous_partitions(ci, index, n: int, seed: int, *, k: int = 6, max_tries: int = 1000) -> np.ndarray:
    """``n`` random spatially contiguous partitions with the module sizes of ``ci`` (a null for few nodes).

    Each module grows from a random free seed node by adding, one at a time, a random free node adjacent to it
    in the symmetrised ``k``-nearest-neighbour graph (``index``: sorted-distance index, column 0 = the node
    itself), largest module first; an attempt that gets stuck (no free neighbour) is restarted, up to
    ``max_tries`` times per partition. The last module takes the nodes left, which need not be contiguous.
    Returns int64 (n, N). Deterministic for a given ``seed``.
    """
    ci = as_partition(ci, np.asarray(index).shape[0], name="ci")
    N = ci.size
    nb = np.asarray(index)[:, 1:k + 1]
    adj = np.zeros((N, N), dtype=bool)
    adj[np.repeat(np.arange(N), nb.shape[1]), nb.ravel()] = True
    adj |= adj.T
    sizes = np.bincount(ci)
    order = np.argsort(-sizes, kind="stable")
    rng = np.random.default_rng(seed)
    out = np.empty((int(n), N), dtype=np.int64)
    for r in range(int(n)):
        for _ in range(max_tries):
            lab = np.full(N, -1)
            ok = True
            for m in order[:-1]:
                free = np.flatnonzero(lab < 0)
                cur = [int(rng.choice(free))]
                lab[cur[0]] = m
                while len(cur) < sizes[m]:
                    front = np.flatnonzero(adj[cur].any(0) & (lab < 0))
                    if front.size == 0:
                        ok = False
                        break
                    j = int(rng.choice(front))
                    lab[j] = m
                    cur.append(j)
                if not ok:
                    break
            if ok:
                lab[lab < 0] = order[-1]
                out[r] = lab
                break
        else:
            raise ValueError(f"contiguous_partitions: no contiguous partition with module sizes {sizes.tolist()} "
                             f"found in {max_tries} tries (k = {k})")
    return out


def distance_residual(fc, distmat, index, n_bins: int = 10) -> np.ndarray:
    """``fc`` minus its trend with distance: the off-diagonal pairs are put in ``n_bins`` bins of equal pair counts
    by distance, the trend is the mean FC per bin linearly interpolated between the bins' mean distances (flat
    beyond the first and last), and each pair's FC minus the trend at its distance is returned (diagonal 0,
    symmetric, float64). For few nodes, where a variogram-matched null cannot be drawn: a partition that still
    induces modularity on the residual does so beyond what distance explains."""
    fc = np.asarray(fc, dtype=np.float64)
    N = fc.shape[0]
    D, I = (load_distance_memmap(distmat, index, N) if isinstance(distmat, (str, os.PathLike))  # noqa: E741
            else (distmat, index))
    dist = np.empty((N, N))
    dist[np.arange(N)[:, None], np.asarray(I)] = np.asarray(D)
    dist = (dist + dist.T) / 2
    iu = np.triu_indices(N, 1)
    d, f = dist[iu], fc[iu]
    if d.size < 2 * n_bins:
        raise ValueError(f"distance_residual: {d.size} pairs are too few for {n_bins} distance bins")
    order = np.argsort(d, kind="stable")
    chunks = np.array_split(order, n_bins)
    xs = np.array([d[c].mean() for c in chunks])
    ys = np.array([f[c].mean() for c in chunks])
    trend = np.interp(dist, xs, ys)
    out = fc - trend
    np.fill_diagonal(out, 0.0)
    return (out + out.T) / 2


def neighbour_agreement(partitions, index, k: int = 6) -> np.ndarray:
    """Fraction of (node, k nearest neighbours) pairs in the same module, per partition.

    ``index`` is the sorted-distance index memmap (column 0 is the node itself). A spatially
    contiguous partition scores near 1, a random one near the chance level sum_c (n_c / N)^2.
    """
    P = np.atleast_2d(np.asarray(partitions))
    nb = np.asarray(index[:, 1:k + 1])
    return np.array([(p[nb] == p[:, None]).mean() for p in P])


class VariogramSurrogates(NullModel):
    """brainsmash variogram-matched surrogates (config name ``variogram``): the partition as a map of the nodes
    (:func:`partition_map` of ``weights``), surrogates of that map (:func:`surrogate_maps` on the distance
    memmaps, keywords ``surrogate_kw``), and their level sets as null partitions (:func:`partition_surrogates`).
    """

    name = "variogram"
    requires = ("distmat", "index", "weights")

    def __init__(self, distmat, index, weights, **surrogate_kw) -> None:
        self.distmat, self.index, self.weights, self.surrogate_kw = distmat, index, weights, surrogate_kw

    def map(self, ci) -> np.ndarray:
        """The map of the nodes whose surrogates are drawn."""
        return partition_map(ci, self.weights)

    def partitions(self, ci, n: int, seed: int | None) -> np.ndarray:
        x = self.map(ci)
        return partition_surrogates(ci, x, surrogate_maps(x, self.distmat, self.index, n, seed,
                                                          **self.surrogate_kw))
