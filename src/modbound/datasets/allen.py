"""Mouse (Allen) readers: Knox et al. (2018) voxel model, regional matrices, voxel groups, rs-fMRI.

Real data are converted into the dataset layout of :func:`modbound.datasets.brain_dataset.save_dataset` by
:func:`prepare_mouse_allen`. Every reader raises ``ValueError`` naming the file on bad input.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np

from modbound.core import io
from modbound.core.similarity import cosine_similarity, fisher_mean

__all__ = ["MOUSE_GROUPS", "MIN_TIMEPOINTS", "read_allen_voxel_model", "read_allen_mask_params", "read_allen_regional",
           "read_voxel_groups", "read_timeseries", "timeseries_fc", "prepare_mouse_allen"]

MOUSE_GROUPS = ("thalamus", "subplate", "pallidum", "hypothalamus", "pons", "medulla", "midbrain",
                "hpf", "striatum", "olf", "cerebellum")
MIN_TIMEPOINTS = 20   # default of config brain.mouse.allen.min_timepoints


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
    try:
        df = pd.read_csv(path)
    except Exception as err:   # pandas raises many types for a bad CSV
        raise ValueError(f"{path}: cannot read as a CSV table ({err})") from None
    need = {"space", "index", "group"}
    if not need <= set(df.columns):
        raise ValueError(f"{path}: needs columns {sorted(need)} (has {list(df.columns)})")
    if not set(df["space"]) <= {"source", "target"}:
        raise ValueError(f"{path}: 'space' must be source or target")
    index = pd.to_numeric(df["index"], errors="coerce")
    bad = index.isna() | (index != index.round()) | (index < 0)
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 2).tolist()   # + header line, 1-based
        raise ValueError(f"{path}: 'index' must be a non-negative integer (a voxel's position in its mask); "
                         f"bad on lines {rows[:10]}")
    df = df.assign(index=index.astype(np.int64))
    dup = df.duplicated(["space", "index"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise ValueError(f"{path}: {int(dup.sum())} rows repeat a (space, index) pair, e.g. {first['space']} "
                         f"{first['index']}; each voxel belongs to one group")
    ctx = df[(df["space"] == "target") & (df["group"] == "cortex")]
    if ctx.empty:
        raise ValueError(f"{path}: no target rows with group 'cortex'")
    if not {"x", "y", "z"} <= set(df.columns) or ctx[["x", "y", "z"]].isna().any().any():
        raise ValueError(f"{path}: cortex targets need x, y, z coordinates (mm)")
    if "thalamus" not in set(df.loc[df["space"] == "source", "group"]):
        raise ValueError(f"{path}: no source rows with group 'thalamus'")
    return {"table": df, "cortex_index": ctx["index"].to_numpy(np.int64),
            "cortex_xyz": ctx[["x", "y", "z"]].to_numpy(np.float64)}


def read_timeseries(paths, labels=None, n_nodes: int | None = None,
                    min_timepoints: int = MIN_TIMEPOINTS) -> list[np.ndarray]:
    """Mouse rs-fMRI, one array [n_nodes, T] per subject.

    Each path is ``.npy`` ([n_nodes, T] or [subjects, n_nodes, T]), ``.npz`` (one array per subject),
    ``.csv``/``.txt`` ([n_nodes, T]) or a 4-D NIfTI (``.nii``/``.nii.gz``); NIfTI needs ``labels``,
    a 3-D integer NIfTI on the same grid whose value k > 0 marks the voxels of node k - 1 (node
    time series = mean over its voxels). Refused, naming the file: fewer than ``min_timepoints`` time
    points, a node whose time series is constant (its FC would be undefined), non-finite values.
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
            a = io.load_npy(p, "rs-fMRI time series")
            arrays = list(a) if a.ndim == 3 else [a]
        elif name.endswith(".npz"):
            arrays = list(io.load_npz(p).values())
        elif name.endswith((".csv", ".txt")):
            arrays = [_loadtxt(p, "rs-fMRI time series")]
        else:
            raise ValueError(f"{p}: unknown rs-fMRI format (use .npy, .npz, .csv, .txt or .nii[.gz])")
        for j, a in enumerate(arrays):
            what = f"{p}" + (f" (mouse {j} of {len(arrays)})" if len(arrays) > 1 else "")
            if np.asarray(a).dtype.kind not in "iuf":
                raise ValueError(f"{what}: rs-fMRI is not a numeric array (dtype {np.asarray(a).dtype})")
            a = np.asarray(a, dtype=np.float64)
            if a.ndim != 2:
                raise ValueError(f"{what}: expected [n_nodes, time] arrays, got shape {a.shape}")
            if a.shape[1] < min_timepoints:
                raise ValueError(f"{what}: {a.shape[1]} time points, fewer than the {min_timepoints} needed for an "
                                 f"FC (config brain.mouse.allen.min_timepoints)")
            if n_nodes is not None and a.shape[0] != n_nodes:
                raise ValueError(f"{what}: {a.shape[0]} nodes, expected {n_nodes} (one per cortical node)")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{what}: non-finite values in the time series")
            flat = np.flatnonzero(np.ptp(a, axis=1) == 0)
            if flat.size:
                whole = " (every node: a constant recording)" if flat.size == a.shape[0] else ""
                raise ValueError(f"{what}: {flat.size} of {a.shape[0]} nodes have a constant time series{whole}, "
                                 f"e.g. nodes {flat[:10].tolist()}; their correlations are undefined")
            out.append(a)
    return out


def timeseries_fc(ts: np.ndarray) -> np.ndarray:
    """Pearson correlation between the rows of ``ts`` [n_nodes, T] (float32, unit diagonal)."""
    X = np.asarray(ts, dtype=np.float64)
    return cosine_similarity(X - X.mean(axis=1, keepdims=True), dtype=np.float32, name="time series")


def prepare_mouse_allen(weights, nodes, voxel_groups, fmri, fmri_labels=None,
                        min_timepoints: int = MIN_TIMEPOINTS) -> dict:
    """Real mouse dataset: Allen voxel model in-weights of every subcortical group onto the
    cortical target voxels listed in ``voxel_groups``, and per-mouse FC from the rs-fMRI (whose
    nodes must be those cortical targets, in the same order). At least two mice (Fig S10 tests
    across mice); a cortical node without any (thalamic) in-weight is refused, naming the file."""
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
    thal = groups == names.index("thalamus")
    for sel, what in ((slice(None), "subcortical"), (thal, "thalamic")):
        empty = np.flatnonzero(~W[:, sel].any(axis=1))
        if empty.size:
            raise ValueError(f"{weights}, {nodes}: {empty.size} cortical target voxels of {voxel_groups} receive no "
                             f"positive {what} weight (indices {ctx[empty][:10].tolist()}); their in-weight "
                             f"similarity is undefined")
    ts = read_timeseries(fmri, fmri_labels, n_nodes=ctx.size, min_timepoints=min_timepoints)
    if len(ts) < 2:
        raise ValueError(f"{', '.join(map(str, [fmri] if isinstance(fmri, (str, os.PathLike)) else fmri))}: "
                         f"{len(ts)} mouse; the group FC and Fig S10's tests across mice need at least 2")
    fcs = np.stack([timeseries_fc(t) for t in ts])
    return {"W": W, "source_groups": groups, "group_names": np.array(names), "fc_subjects": fcs,
            "fc": fisher_mean(fcs), "coords": vg["cortex_xyz"],
            "description": f"Allen mouse voxel model (Knox 2018; {Path(weights).name}) and rs-fMRI "
                           f"({len(ts)} mice); {ctx.size} cortical nodes"}
