"""Real mouse data at region level, vendored in ``data/`` (Figs 4f-j, S10): the Allen regional connectivity model
and the Gozzi lab's awake-mouse rs-fMRI FC, in the Gozzi lab's cortical parcels.

What is read (``data/PROVENANCE.md`` says where each file comes from; every file is SHA-256-checked on use by
:func:`modbound.datasets.vendored.verified`):

* ``allen/homogeneous-standard-model.csv.gz``: Knox et al. (2019)'s fit of the Oh et al. (2014) regional
  "homogeneous" model: 291 source regions (right-hemisphere injections) x targets (``ipsi``/``contra`` x Allen
  structure id), normalised connection strength (projection volume normalised by injection volume).
* ``allen/allen_structure_tree.csv``: the Allen ontology; ``structure_id_path`` tells which sources lie under the
  thalamus (TH, 549) or another subcortical division, and which targets lie under each cortical parcel.
* ``gozzi/parcellation_N53.csv`` / ``.nii.gz``: the 53 x 2 parcels of the FC matrices (25 isocortical ones per
  hemisphere, some of them merged Allen areas: VIS, AUD, ACA, ORB, AI, RSP, PTLp) and their label image.
* ``gozzi/fc/*_cormat.h5``: one FC matrix per awake mouse (Gutierrez-Barragan et al. 2022), Fisher z, +inf
  on the diagonal.

How the data set is made (:func:`prepare`):

* Nodes: the isocortical parcels of one hemisphere (``hemisphere``: ``right``, default, or ``left``).
* In-weights ``W[p, s]``: the model's strength from source region ``s`` to its *ipsilateral* targets summed
  over the Allen targets under parcel ``p`` (the strength is a projection volume, so it adds over target
  regions). The injections are in the right hemisphere, so ipsilateral targets are right cortex: with
  ``hemisphere: right`` the in-weights, FC and coordinates are of the same hemisphere. ``left`` puts the same
  ipsilateral in-weights on the left parcels (FC and coordinates of the left hemisphere), i.e. it assumes the
  two hemispheres are mirror images, as the voxel model the paper used does (Coletta et al. 2020 mirror the
  right-hemisphere injections); the paper analysed the left hemisphere.
* Sources: every model source region under each subcortical division the paper names in Fig S10 (thalamus,
  subplate, pallidum, hypothalamus, pons, medulla, midbrain, hpf, striatum, olf, cerebellum: :data:`GROUPS`).
* FC: per mouse r = tanh(z) with a unit diagonal; group FC = tanh(mean over mice of z), the diagonal (+inf in
  the files) set to 1 and left out of the mean.
* Coordinates: the centroid (mm) of each parcel's voxels in the label image (its affine is scaled x10:
  world coordinates are divided by 10).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from modbound.datasets import vendored

__all__ = ["GROUPS", "FILES", "read_structure_tree", "read_regional_model", "read_parcellation", "read_fc",
           "parcel_centroids", "under", "prepare", "fc_files"]

# Fig S10's subcortical groups (the paper's names) -> Allen division (structure id)
GROUPS = {"thalamus": 549, "subplate": 703, "pallidum": 803, "hypothalamus": 1097, "pons": 771, "medulla": 354,
          "midbrain": 313, "hpf": 1089, "striatum": 477, "olf": 698, "cerebellum": 512}
ISOCORTEX = 315
MODEL = "allen/homogeneous-standard-model.csv.gz"
TREE = "allen/allen_structure_tree.csv"
PARCELS_CSV = "gozzi/parcellation_N53.csv"
PARCELS_NII = "gozzi/parcellation_N53.nii.gz"
FILES = (MODEL, TREE, PARCELS_CSV, PARCELS_NII)
NII_SCALE = 10.0   # the label image's affine is in units of 0.1 mm


def fc_files(root: str | os.PathLike) -> list[str]:
    """Relative paths of the per-mouse FC files listed in ``root``'s checksum manifest, sorted."""
    return sorted(p for p in vendored.manifest(root) if p.startswith("gozzi/fc/") and p.endswith("_cormat.h5"))


def read_structure_tree(path):
    """Allen ontology: DataFrame indexed by structure id with ``acronym``, ``name`` and ``path`` (the ids of
    ``structure_id_path``, root first)."""
    import pandas as pd

    path = Path(path)
    try:
        df = pd.read_csv(path, usecols=["id", "acronym", "name", "structure_id_path"])
    except (ValueError, OSError) as err:
        raise ValueError(f"{path}: cannot read the Allen structure tree ({err})") from None
    df = df[df["structure_id_path"].notna()].copy()
    try:
        df["path"] = [tuple(int(x) for x in s.strip("/").split("/")) for s in df["structure_id_path"]]
    except ValueError as err:
        raise ValueError(f"{path}: bad structure_id_path ({err})") from None
    df["id"] = df["id"].astype(np.int64)
    if df["id"].duplicated().any():
        raise ValueError(f"{path}: repeated structure ids")
    bad = [i for i, p in zip(df["id"], df["path"]) if p[-1] != i]
    if bad:
        raise ValueError(f"{path}: structure_id_path does not end with the structure's own id for {bad[:5]}")
    return df.set_index("id")


def under(tree, ids, ancestor: int) -> np.ndarray:
    """Boolean mask: which structure ``ids`` lie under (or are) ``ancestor`` in the ontology."""
    paths = tree["path"]
    missing = [int(i) for i in ids if int(i) not in paths.index]
    if missing:
        raise ValueError(f"structure ids {missing[:10]} are not in the Allen structure tree")
    return np.array([int(ancestor) in paths[int(i)] for i in ids])


def read_regional_model(path):
    """The regional model as (ids of sources, ipsilateral target ids, ipsilateral strengths [sources, targets])."""
    import pandas as pd

    path = Path(path)
    try:
        with gzip.open(path, "rt") as fh:
            df = pd.read_csv(fh, header=[0, 1], index_col=0)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"{path}: cannot read the Allen regional model ({err})") from None
    hemi = df.columns.get_level_values(0)
    if not set(hemi) <= {"ipsi", "contra"} or "ipsi" not in set(hemi):
        raise ValueError(f"{path}: first header row must be ipsi/contra, got {sorted(set(hemi))[:5]}")
    ipsi = df.loc[:, hemi == "ipsi"]
    try:
        targets = np.array([int(t) for t in ipsi.columns.get_level_values(1)], dtype=np.int64)
        sources = np.asarray(df.index, dtype=np.int64)
        A = ipsi.to_numpy(dtype=np.float64)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{path}: structure ids and strengths must be numbers ({err})") from None
    if not np.all(np.isfinite(A)) or (A < 0).any():
        raise ValueError(f"{path}: connection strengths must be finite and non-negative")
    return sources, targets, A


def read_parcellation(path):
    """The Gozzi-lab parcel table: row k = row/column k of the FC matrices (``parcel_ids`` = k + 1)."""
    import pandas as pd

    path = Path(path)
    try:
        df = pd.read_csv(path, index_col=0)
    except (ValueError, OSError) as err:
        raise ValueError(f"{path}: cannot read the parcel table ({err})") from None
    need = {"acro", "allen_ids", "parcel_ids", "side"}
    if not need <= set(df.columns):
        raise ValueError(f"{path}: needs columns {sorted(need)} (has {list(df.columns)})")
    if not np.array_equal(df["parcel_ids"].to_numpy(), np.arange(1, len(df) + 1)):
        raise ValueError(f"{path}: parcel_ids must be 1..{len(df)} in row order (row k = matrix row k)")
    if not set(df["side"]) <= {"left", "right"}:
        raise ValueError(f"{path}: side must be left or right")
    return df.reset_index(drop=True)


def read_fc(path, n: int) -> np.ndarray:
    """One mouse's FC (HDF5 key ``correlation_matrix``), Fisher z [n, n]: symmetric, finite off the diagonal
    (which is +inf in these files and is returned as +inf)."""
    import h5py

    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            if "correlation_matrix" not in f:
                raise ValueError(f"{path}: no dataset 'correlation_matrix' (has {list(f.keys())})")
            Z = np.asarray(f["correlation_matrix"], dtype=np.float64)
    except OSError as err:
        raise ValueError(f"{path}: cannot read as HDF5 ({err})") from None
    if Z.shape != (n, n):
        raise ValueError(f"{path}: FC is {Z.shape}, expected ({n}, {n}) (one row per parcel)")
    off = ~np.eye(n, dtype=bool)
    if not np.all(np.isfinite(Z[off])):
        raise ValueError(f"{path}: non-finite FC values off the diagonal")
    if not np.allclose(Z, Z.T, equal_nan=True, atol=1e-6):
        raise ValueError(f"{path}: FC is not symmetric")
    return Z


def parcel_centroids(path, parcel_ids) -> np.ndarray:
    """Centroid (mm) of the voxels of each parcel id in the label image ``path`` (world coordinates of its
    affine divided by :data:`NII_SCALE`). A parcel without voxels is refused, naming the file."""
    import nibabel as nib

    path = Path(path)
    try:
        img = nib.load(str(path))
        lab = np.asarray(img.dataobj)
    except Exception as err:   # nibabel raises many types for a bad file
        raise ValueError(f"{path}: cannot read the label image ({err})") from None
    if lab.ndim != 3:
        raise ValueError(f"{path}: expected a 3-D label image, got {lab.ndim}-D")
    lab = np.rint(lab).astype(np.int64)
    out = np.empty((len(parcel_ids), 3))
    for k, pid in enumerate(parcel_ids):
        vox = np.argwhere(lab == int(pid))
        if vox.size == 0:
            raise ValueError(f"{path}: parcel {pid} has no voxels")
        out[k] = nib.affines.apply_affine(img.affine, vox.mean(axis=0)) / NII_SCALE
    return out


def prepare(root: str | os.PathLike, *, hemisphere: str = "right") -> dict:
    """The real mouse data set (fields of :mod:`modbound.datasets.brain_dataset`), from the vendored files in
    ``root`` (the ``data/`` folder); see the module docstring for what is summed how."""
    if hemisphere not in ("right", "left"):
        raise ValueError(f"hemisphere must be 'right' or 'left', got {hemisphere!r}")
    root = Path(root)
    tree = read_structure_tree(vendored.verified(root, TREE))
    sources, targets, A = read_regional_model(vendored.verified(root, MODEL))
    parc_path = vendored.verified(root, PARCELS_CSV)
    parc = read_parcellation(parc_path)
    n_all = len(parc)

    # nodes: the isocortical parcels of the chosen hemisphere, in the matrices' order
    ctx = parc[(parc["side"] == hemisphere) & under(tree, parc["allen_ids"], ISOCORTEX)]
    if len(ctx) < 3:
        raise ValueError(f"{parc_path}: {len(ctx)} isocortical parcels on the {hemisphere}; need at least 3")
    pids = ctx["allen_ids"].to_numpy(np.int64)

    # ipsilateral isocortical targets -> the parcel whose Allen id is on their path
    iso = under(tree, targets, ISOCORTEX)
    member = np.zeros((len(ctx), targets.size), dtype=bool)
    for k, pid in enumerate(pids):
        member[k] = iso & under(tree, targets, pid)
    twice = np.flatnonzero(member.sum(0) > 1)
    if twice.size:
        raise ValueError(f"{parc_path}: Allen targets {targets[twice][:5].tolist()} fall under two parcels")
    empty = np.flatnonzero(~member.any(1))
    if empty.size:
        raise ValueError(f"{parc_path}: parcels {ctx['acro'].to_numpy()[empty].tolist()} contain no isocortical "
                         f"target of {root / MODEL}")
    unassigned = targets[iso & ~member.any(0)]
    W_all = (A @ member.T.astype(np.float64)).T          # [parcels, sources]

    # source groups (Fig S10): model sources under each subcortical division
    names, groups, cols = [], [], []
    for g, (name, division) in enumerate(GROUPS.items()):
        sel = np.flatnonzero(under(tree, sources, division))
        if sel.size == 0:
            raise ValueError(f"{root / MODEL}: no source region under {name} (Allen id {division})")
        names.append(name)
        cols.extend(sel.tolist())
        groups.extend([g] * sel.size)
    cols = np.asarray(cols)
    W = W_all[:, cols]
    groups = np.asarray(groups)
    th = groups == 0
    dead = np.flatnonzero(~(W[:, th] > 0).any(1))
    if dead.size:
        raise ValueError(f"{root / MODEL}: parcels {ctx['acro'].to_numpy()[dead].tolist()} receive no thalamic "
                         f"in-weight; their similarity is undefined")

    # FC: every awake mouse; per-mouse r = tanh(z), group = tanh(mean z)
    files = fc_files(root)
    if len(files) < 2:
        raise ValueError(f"{root}: {len(files)} FC files under gozzi/fc/; Fig S10 tests across mice need 2 or more")
    idx = ctx.index.to_numpy()
    Z = np.stack([read_fc(vendored.verified(root, f), n_all)[np.ix_(idx, idx)] for f in files])
    off = ~np.eye(idx.size, dtype=bool)
    fc_subjects = np.where(off, np.tanh(np.where(off, Z, 0.0)), 1.0)
    fc = np.where(off, np.tanh(np.where(off, Z, 0.0).mean(axis=0)), 1.0)

    coords = parcel_centroids(vendored.verified(root, PARCELS_NII), ctx["parcel_ids"].to_numpy())
    acr = tree["acronym"]
    n_th = int(th.sum())
    mice = [Path(f).name.split("_")[0] for f in files]
    return {
        "W": W.astype(np.float32), "fc": fc.astype(np.float32), "fc_subjects": fc_subjects.astype(np.float32),
        "coords": coords, "source_groups": groups, "group_names": np.array(names),
        "source_ids": sources[cols], "source_names": np.array([acr[int(s)] for s in sources[cols]]),
        "node_names": ctx["acro"].to_numpy().astype(str), "node_allen_ids": pids,
        "node_rows": idx.astype(np.int64), "subjects": np.array(mice),
        # the label image's voxel axes are (medio-lateral, dorso-ventral, antero-posterior: 18 coronal slices);
        # its orientation codes are not anatomical, so the map is drawn from the axes, not from their codes
        "map_xy": coords[:, [0, 2]], "map_labels": np.array(["medio-lateral (mm)", "antero-posterior (mm)"]),
        "unassigned_targets": unassigned,
        "mark": "REAL",
        "resolution": (f"REAL, region level: {len(ctx)} isocortical parcels ({hemisphere} hemisphere), "
                       f"{n_th} thalamic source regions; the paper used voxels"),
        "description": (f"Allen regional model (Oh et al. 2014, fit of Knox et al. 2019; right-hemisphere "
                        f"injections, ipsilateral targets summed into the Gozzi-lab parcels) and rs-fMRI FC of "
                        f"{len(files)} awake mice (Gutierrez-Barragan et al. 2022; the paper's mice were lightly "
                        f"anaesthetised); {len(ctx)} {hemisphere} isocortical parcels, {W.shape[1]} subcortical "
                        f"source regions in {len(names)} groups"),
    }
