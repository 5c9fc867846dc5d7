"""Brain data (Figs 4f-o, S9, S10): loaders on tiny real-format files, downloads, spatial nulls, analysis."""
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import scipy.sparse as sp
import yaml

from modbound.datasets import allen, brain_dataset, brain_synthetic, download, hcp
from modbound.analyses import brain
from modbound.core import similarity
from modbound.nulls import spatial as spatial_nulls
from modbound.core import io
from modbound.core.io import load_config

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- tiny real-format files

def _brain_model_axis(n_ctx=12, n_mesh=40, n_thal=(3, 2)):
    """CIFTI-2 brain-model axis: left cortex (n_ctx of n_mesh vertices) + left/right thalamus voxels."""
    verts = np.arange(0, 2 * n_ctx, 2)[:n_ctx]
    ax = nib.cifti2.BrainModelAxis.from_surface(verts, n_mesh, "CortexLeft")
    affine = np.eye(4)
    for name, k in zip(("ThalamusLeft", "ThalamusRight"), n_thal):
        vox = np.array([[i, 0, 0] for i in range(k)]) + (0 if name.endswith("Left") else [5, 0, 0])
        ax = ax + nib.cifti2.BrainModelAxis(name=[name] * k, voxel=vox, affine=affine, volume_shape=(8, 2, 2))
    return ax, verts


def _write_dconn(path, data, ax):
    hdr = nib.cifti2.Cifti2Header.from_axes((ax, ax))
    nib.Cifti2Image(data.astype(np.float32), hdr).to_filename(str(path))


@pytest.fixture
def dconn(tmp_path):
    ax, verts = _brain_model_axis()
    n = len(ax)
    rng = np.random.default_rng(0)
    Z = rng.normal(0, 0.4, (n, n))
    Z = (Z + Z.T) / 2
    np.fill_diagonal(Z, 8.0)          # HCP zcorr diagonal: a large finite z
    path = tmp_path / "tiny.dconn.nii"
    _write_dconn(path, Z, ax)
    return path, Z, verts


def test_dconn_left_cortex_block_is_tanh_of_z(dconn):
    path, Z, verts = dconn
    fc, v = hcp.read_hcp_dconn_block(path, expected_vertices=verts)
    assert fc.shape == (12, 12) and fc.dtype == np.float32
    np.testing.assert_array_equal(v, verts)
    off = ~np.eye(12, dtype=bool)
    np.testing.assert_allclose(fc[off], np.tanh(Z[:12, :12])[off], rtol=1e-5)
    np.testing.assert_array_equal(np.diag(fc), 1.0)


def test_dconn_with_wrong_vertices_names_the_file(dconn):
    path, _, verts = dconn
    with pytest.raises(ValueError, match=r"tiny\.dconn\.nii.*do not match"):
        hcp.read_hcp_dconn_block(path, expected_vertices=verts + 1)


def test_dconn_without_left_cortex_is_rejected(tmp_path):
    affine = np.eye(4)
    ax = nib.cifti2.BrainModelAxis(name=["ThalamusLeft"] * 3, voxel=np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0]]),
                                   affine=affine, volume_shape=(4, 2, 2))
    path = tmp_path / "thal.dconn.nii"
    _write_dconn(path, np.eye(3), ax)
    with pytest.raises(ValueError, match=r"thal\.dconn\.nii: no CIFTI_STRUCTURE_CORTEX_LEFT"):
        hcp.read_hcp_dconn_block(path)


def test_not_a_cifti_file_is_rejected(tmp_path):
    path = tmp_path / "junk.dconn.nii"
    path.write_bytes(b"not a nifti file at all" * 20)
    with pytest.raises(ValueError, match="junk.dconn.nii"):
        hcp.read_hcp_dconn_block(path)


def test_thalamocortical_sc_from_dconn_and_sparse_and_npy(tmp_path, dconn):
    _, Z, _ = dconn
    ax, _ = _brain_model_axis()    # a dconn of (non-negative) SC weights with the same brain models
    A = np.abs(Z)
    sc_path = tmp_path / "sc.dconn.nii"
    _write_dconn(sc_path, A, ax)
    W = hcp.read_thalamocortical_sc(sc_path, n_cortex=12)
    np.testing.assert_allclose(W, A[:12, 12:], rtol=1e-6)          # left + right thalamus columns
    # grayordinate sparse connectome, stored as an upper triangle
    M = sp.lil_matrix((hcp.HCP_N_GRAYORDINATES,) * 2, dtype=np.float32)
    M[5, 88746] = 2.0      # left cortex vertex 5 -> first left-thalamus voxel
    M[7, 91281] = 3.0      # -> last right-thalamus voxel
    sp.save_npz(tmp_path / "sc.npz", M.tocsr())
    W = hcp.read_thalamocortical_sc(tmp_path / "sc.npz", n_cortex=hcp.HCP_N_LEFT)
    assert W.shape == (hcp.HCP_N_LEFT, 91282 - 88746)
    assert W[5, 0] == 2.0 and W[7, -1] == 3.0 and W.sum() == 5.0
    np.save(tmp_path / "bad.npy", np.ones((10, 4)))
    with pytest.raises(ValueError, match="bad.npy"):
        hcp.read_thalamocortical_sc(tmp_path / "bad.npy", n_cortex=12)
    np.save(tmp_path / "neg.npy", -np.ones((12, 4)))
    with pytest.raises(ValueError, match="non-negative"):
        hcp.read_thalamocortical_sc(tmp_path / "neg.npy", n_cortex=12)


def test_prepare_human_hcp_on_tiny_files(tmp_path, dconn, monkeypatch):
    path, Z, verts = dconn
    n = 12
    rng = np.random.default_rng(3)
    geo = {"mesh_vertex": verts, "coords": rng.normal(size=(n, 3)), "flat": rng.normal(size=(n, 2)),
           "yeo7": np.arange(n) % 8, "yeo7_names": {k: f"s{k}" for k in range(8)},
           "yeo7_rgba": {k: np.ones(4) for k in range(8)}}
    monkeypatch.setattr(hcp, "hcp_geometry", lambda: geo)
    np.save(tmp_path / "sc.npy", rng.random((n, 5)).astype(np.float32))
    d = hcp.prepare_human_hcp(path, tmp_path / "sc.npy", vertices_keep=np.array([0, 2, 5, 7]))
    np.testing.assert_allclose(d["fc"], np.tanh(Z[np.ix_([0, 2, 5, 7], [0, 2, 5, 7])]) * (1 - np.eye(4)) + np.eye(4),
                               rtol=1e-5)
    assert d["W"].shape == (4, 5) and d["labels"].tolist() == [0, 2, 5, 7]
    assert d["description"].startswith("HCP S1200")
    np.save(tmp_path / "sc_bad.npy", rng.random((n + 1, 5)).astype(np.float32))
    with pytest.raises(ValueError, match=r"sc_bad\.npy: expected \[12 cortical"):
        hcp.prepare_human_hcp(path, tmp_path / "sc_bad.npy")


def test_dlabel_reader(tmp_path):
    ax, _ = _brain_model_axis()
    table = {0: ("???", (1, 1, 1, 0)), 1: ("Visual", (1, 0, 0, 1)), 2: ("Default", (0, 0, 1, 1))}
    lab_ax = nib.cifti2.LabelAxis(["yeo7"], [table])
    values = np.r_[np.arange(12) % 3, np.zeros(5)][None].astype(np.float32)
    nib.Cifti2Image(values, nib.cifti2.Cifti2Header.from_axes((lab_ax, ax))).to_filename(str(tmp_path / "y.dlabel.nii"))
    labels, names = hcp.read_dlabel(tmp_path / "y.dlabel.nii")
    np.testing.assert_array_equal(labels, np.arange(12) % 3)
    assert names[1] == "Visual" and names[2] == "Default"


def test_nifti_timeseries_mean_per_label(tmp_path):
    rng = np.random.default_rng(1)
    data = rng.normal(size=(4, 3, 2, 20))
    lab = np.zeros((4, 3, 2), dtype=np.int16)
    lab[0] = 1
    lab[1:3, :, 0] = 2
    lab[3, 0, 1] = 3
    nib.Nifti1Image(data.astype(np.float32), np.eye(4)).to_filename(str(tmp_path / "ts.nii.gz"))
    nib.Nifti1Image(lab, np.eye(4)).to_filename(str(tmp_path / "lab.nii.gz"))
    (ts,) = allen.read_timeseries([tmp_path / "ts.nii.gz"], tmp_path / "lab.nii.gz", n_nodes=3)
    for k in range(3):
        np.testing.assert_allclose(ts[k], data.astype(np.float32)[lab == k + 1].mean(axis=0), atol=1e-6)
    with pytest.raises(ValueError, match="label image"):
        allen.read_timeseries([tmp_path / "ts.nii.gz"])
    with pytest.raises(ValueError, match="expected 5"):
        allen.read_timeseries([tmp_path / "ts.nii.gz"], tmp_path / "lab.nii.gz", n_nodes=5)


def _allen_files(tmp_path):
    rng = np.random.default_rng(2)
    weights = rng.random((6, 3))            # 6 source voxels x 3 nodes
    nodes = rng.random((3, 9))              # 3 nodes x 9 target voxels
    for name, A in (("weights.csv.gz", weights), ("nodes.csv.gz", nodes)):
        with gzip.open(tmp_path / name, "wt") as fh:
            np.savetxt(fh, A, delimiter=",")
    rows = [("source", 0, "thalamus"), ("source", 1, "thalamus"), ("source", 2, "thalamus"),
            ("source", 3, "pallidum"), ("source", 4, "pallidum"), ("source", 5, "cortex")]
    ctx = [1, 2, 4, 5, 7]
    lines = ["space,index,group,x,y,z"] + [f"{s},{i},{g},,," for s, i, g in rows]
    lines += [f"target,{i},cortex,{i * 0.5},{i % 3},0.0" for i in ctx] + ["target,0,striatum,,,"]
    (tmp_path / "groups.csv").write_text("\n".join(lines) + "\n")
    ts = rng.normal(size=(2, len(ctx), 30))
    np.save(tmp_path / "fmri.npy", ts)
    return weights, nodes, ctx, ts


def test_allen_voxel_model_and_groups(tmp_path):
    weights, nodes, ctx, ts = _allen_files(tmp_path)
    d = allen.prepare_mouse_allen(tmp_path / "weights.csv.gz", tmp_path / "nodes.csv.gz", tmp_path / "groups.csv",
                                  [tmp_path / "fmri.npy"])
    assert list(d["group_names"]) == ["thalamus", "pallidum"]
    np.testing.assert_allclose(d["W"], (weights[:5] @ nodes[:, ctx]).T, rtol=1e-6)
    np.testing.assert_array_equal(d["source_groups"], [0, 0, 0, 1, 1])
    assert d["fc_subjects"].shape == (2, 5, 5)
    np.testing.assert_allclose(d["fc_subjects"][0], np.corrcoef(ts[0]), atol=1e-5)
    assert d["coords"].shape == (5, 3) and not d["description"].startswith("synthetic")
    with gzip.open(tmp_path / "nodes_bad.csv.gz", "wt") as fh:
        np.savetxt(fh, nodes[:2], delimiter=",")
    with pytest.raises(ValueError, match="inner dimensions"):
        allen.read_allen_voxel_model(tmp_path / "weights.csv.gz", tmp_path / "nodes_bad.csv.gz")


# --------------------------------------------------------------------------- downloads

# --------------------------------------------------------------------------- configured but missing

def _dry_run_with(tmp_path, mutate):
    cfg = load_config(ROOT / "config.yaml", ROOT / "configs/test.yaml")
    mutate(cfg["brain"])
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "results/stats/fig4_human.json",
                           "results/stats/fig4_mouse.json", "--configfile", str(path)],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("mutate,needle", [
    (lambda b: b["datasets"]["human"].update(source="hcp"), "brain.sources.hcp.dconn is not set"),
    (lambda b: (b["datasets"]["human"].update(source="hcp"), b["sources"]["hcp"].update(
        dconn="/no/such/HCP.dconn.nii", sc="/no/such/sc.npy")),
     "brain.sources.hcp.dconn = '/no/such/HCP.dconn.nii': file not found"),
    (lambda b: b["datasets"]["mouse"].update(source="allen_voxel"), "brain.sources.allen_voxel.voxel_groups is not set"),
])
def test_configured_but_missing_real_data_is_an_error_not_a_fallback(tmp_path, mutate, needle):
    rc, out = _dry_run_with(tmp_path, mutate)
    assert rc != 0
    assert needle in out, out
    assert "synthetic" in out   # the message says how to choose the generated data instead


def test_allen_source_plans_the_checksummed_downloads(tmp_path):
    groups = tmp_path / "g.csv"
    groups.write_text("space,index,group,x,y,z\n")
    fmri = tmp_path / "m1.npy"
    np.save(fmri, np.zeros((2, 5)))

    def mutate(b):
        b["datasets"]["mouse"]["source"] = "allen_voxel"
        b["sources"]["allen_voxel"].update(voxel_groups=str(groups), fmri=[str(fmri)])
    rc, out = _dry_run_with(tmp_path, mutate)
    assert rc == 0, out
    assert "brain_fetch_allen" in out and "resources/allen/weights.csv.gz" in out


# --------------------------------------------------------------------------- spatial nulls

def _grid(n_side=16):
    g = np.stack(np.meshgrid(np.arange(n_side), np.arange(n_side), indexing="ij"), -1).reshape(-1, 2)
    return np.c_[g.astype(float), np.zeros(len(g))]


def test_distance_memmap_is_brainsmash_layout(tmp_path):
    xyz = _grid(6)
    paths = spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(xyz), len(xyz), tmp_path, block=7)
    D, I = spatial_nulls.load_distance_memmap(paths["distmat"], paths["index"], len(xyz))
    full = np.linalg.norm(xyz[:, None] - xyz[None], axis=-1)
    assert D.dtype == np.float32 and I.dtype == np.int32
    np.testing.assert_array_equal(I[:, 0], np.arange(len(xyz)))                 # self first
    np.testing.assert_allclose(D, np.take_along_axis(full, I.astype(np.int64), 1), atol=1e-5)
    assert (np.diff(D, axis=1) >= 0).all()
    unsorted = tmp_path / "u.npy"
    np.save(unsorted, np.asarray(D[:, ::-1]))
    with pytest.raises(ValueError, match="not sorted"):
        spatial_nulls.load_distance_memmap(unsorted, paths["index"])


class _AdviceLog:
    """Stands in for a memmap's mapping: records the madvise calls made on it."""

    def __init__(self, log, name):
        self.log, self.name = log, name

    def madvise(self, option, *args):
        self.log.append((self.name, option))


@pytest.mark.skipif(not hasattr(__import__("mmap"), "MADV_SEQUENTIAL"), reason="no madvise on this platform")
def test_whole_rows_reads_ahead_inside_the_block_only(tmp_path, monkeypatch):
    """The distance memmaps open without read-ahead (the surrogates read row starts); a pass over whole rows
    (Fig S9's distance-matched sums) asks for sequential read-ahead and gives it back, also on error."""
    import mmap

    xyz = _grid(5)
    paths = spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(xyz), len(xyz), tmp_path)
    D, I = spatial_nulls.load_distance_memmap(paths["distmat"], paths["index"], len(xyz))  # noqa: E741
    log = []
    for name, a in (("D", D), ("I", I)):
        monkeypatch.setattr(a, "_mmap", _AdviceLog(log, name))
    with pytest.raises(RuntimeError, match="inside"):
        with spatial_nulls.whole_rows(D, I, np.zeros((3, 3))):   # a plain array is left alone
            assert log == [("D", mmap.MADV_SEQUENTIAL), ("I", mmap.MADV_SEQUENTIAL)]
            raise RuntimeError("inside")
    assert log[2:] == [("D", mmap.MADV_RANDOM), ("I", mmap.MADV_RANDOM)]
    log.clear()
    S = np.eye(len(xyz), dtype=np.float32)
    brain.distance_matched_concentration(S, np.arange(len(xyz)) % 3, D, I, n_bins=3)
    assert [option for _, option in log] == [mmap.MADV_SEQUENTIAL] * 2 + [mmap.MADV_RANDOM] * 2


def test_geodesic_rows_follow_mesh_edges():
    xyz = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    d = spatial_nulls.geodesic_rows(xyz, faces)(0, 4)
    assert d[0, 2] == pytest.approx(np.sqrt(2))               # the diagonal is a mesh edge
    assert d[1, 3] == pytest.approx(2.0)                      # 1-3 is not: two unit edges


def test_partition_surrogates_preserve_sizes_and_identity():
    ci = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 0])
    x = np.array([0, 0, 2, 2, 2, 1, 1, 1, 1, 0], float)
    same = spatial_nulls.partition_surrogates(ci, x, x[None])
    np.testing.assert_array_equal(same[0], ci)
    rng = np.random.default_rng(0)
    nulls = spatial_nulls.partition_surrogates(ci, x, rng.normal(size=(20, 10)))
    for p in nulls:
        np.testing.assert_array_equal(np.bincount(p), np.bincount(ci))


def test_row_stack_guard_works_without_np_row_stack(monkeypatch, tmp_path):
    xyz = _grid(8)
    paths = spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(xyz), len(xyz), tmp_path)
    x = xyz[:, 0].copy()
    a = spatial_nulls.surrogate_maps(x, paths["distmat"], paths["index"], 3, seed=5, knn=30, ns=40)
    monkeypatch.delattr(np, "row_stack", raising=False)      # numpy >= 2.5
    b = spatial_nulls.surrogate_maps(x, paths["distmat"], paths["index"], 3, seed=5, knn=30, ns=40)
    assert not hasattr(np, "row_stack")
    np.testing.assert_array_equal(a, b)                      # deterministic for a seed
    np.testing.assert_array_equal(np.sort(a, axis=1), np.sort(np.tile(x, (3, 1)), axis=1))   # resampled values


@pytest.mark.parametrize("kernel, resample", [("exp", True), ("gaussian", False), ("invdist", True)])
def test_surrogates_are_brainsmash_sampled_to_the_bit(tmp_path, monkeypatch, kernel, resample):
    """surrogate_maps keeps the kernel and variogram weights between smoothing steps (nulls.spatial.sampled_generator);
    its surrogates are those of brainsmash's own Sampled, bit for bit."""
    from brainsmash.mapgen.sampled import Sampled

    xyz = _grid(12)
    paths = spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(xyz), len(xyz), tmp_path)
    D, I = spatial_nulls.load_distance_memmap(paths["distmat"], paths["index"], len(xyz))  # noqa: E741
    x = np.sin(xyz[:, 0] / 3) + np.random.default_rng(4).normal(0, 0.3, len(xyz))
    ours = spatial_nulls.surrogate_maps(x, D, I, 4, seed=9, knn=60, ns=80, kernel=kernel, resample=resample)
    monkeypatch.setattr(np, "row_stack", np.vstack, raising=False)     # brainsmash 0.11 calls it
    theirs = Sampled(x, np.ascontiguousarray(D[:, :61]), np.ascontiguousarray(I[:, :61]), ns=80, pv=70, nh=25,
                     knn=60, deltas=np.array([0.3, 0.5, 0.7, 0.9]), kernel=kernel, resample=resample, seed=9,
                     n_jobs=1)(4)
    assert np.array_equal(ours, theirs)


def _spatial_example(tmp_path, related: bool, n_side=16, seed=0, null="variogram"):
    """Grid cortex. W: smooth fields. FC: driven by W (related) or spatial noise only (unrelated)."""
    rng = np.random.default_rng(seed)
    xyz = _grid(n_side)
    centres = rng.choice(len(xyz), 12, replace=False)
    W = brain_synthetic.projection_fields(xyz, centres, np.full(12, 2.5), np.ones(12), 0.01, rng)
    drive = [W] if related else []
    X = brain_synthetic.simulated_activity(xyz, drive, [1.0] * len(drive), 300, 4.0, 1.0, 0.5, rng)
    fc = allen.timeseries_fc(X)
    paths = spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(xyz), len(xyz), tmp_path)
    return brain.thalamocortical_analysis(W, fc, paths["distmat"], paths["index"], louvain_runs=3, n_surrogates=40,
                                          seed=3, hist_bins=8, surrogate_kw={"knn": 100, "ns": 100}, null=null)


def test_spatial_null_p_values_on_a_tiny_example(tmp_path):
    rel = _spatial_example(tmp_path / "a", related=True)
    unrel = _spatial_example(tmp_path / "b", related=False)
    # FC driven by the in-weights: the in-weight partition beats the spatial null
    assert rel["p_spatial"] <= 0.05 and rel["r"] > 0.3
    # FC with only spatial autocorrelation: label permutation is fooled; the spatial null partitions are
    # spatially autocorrelated and so induce far more Q than permuted ones (they absorb much, though not
    # all, of the spatial effect: see the neighbour-agreement check reported with every brain figure)
    assert unrel["p_perm"] <= 0.05
    assert unrel["q_null"].mean() > 3 * unrel["q_perm"].mean()
    z = {name: (d["q_induced"] - d["q_null"].mean()) / d["q_null"].std(ddof=1) for name, d in
         (("related", rel), ("unrelated", unrel))}
    z_perm_unrel = (unrel["q_induced"] - unrel["q_perm"].mean()) / unrel["q_perm"].std(ddof=1)
    assert z["unrelated"] < z_perm_unrel / 3
    assert unrel["agreement_spatial"].mean() > unrel["agreement_perm"].mean() + 0.15
    # p is the empirical p of the observed Q against the null Q of the null partitions
    assert rel["p_spatial"] == (1 + np.sum(rel["q_null"] >= rel["q_induced"])) / (1 + rel["q_null"].size)
    assert rel["agreement_observed"] > rel["agreement_perm"].mean()
    assert rel["agreement_spatial"].mean() > rel["agreement_perm"].mean()
    assert (rel["null"], rel["comparison_null"]) == ("variogram", "label_permutation")   # the output names its nulls


def test_brain_null_is_chosen_by_name(tmp_path):
    """null="label_permutation": the primary null is label permutation (drawn with the variogram's seed), the same
    statistic on the same observed partition; the comparison null is unchanged."""
    from modbound import nulls

    spatial = _spatial_example(tmp_path / "a", related=True)
    perm = _spatial_example(tmp_path / "b", related=True, null="label_permutation")
    assert perm["null"] == "label_permutation" and perm["q_induced"] == spatial["q_induced"]
    np.testing.assert_array_equal(perm["q_perm"], spatial["q_perm"])
    np.testing.assert_array_equal(perm["null_partitions"],
                                  nulls.LabelPermutation().partitions(perm["partition"], 40, seed=3 + 1))
    assert not np.array_equal(perm["q_null"], spatial["q_null"])
    with pytest.raises(ValueError, match="unknown null model 'spin'"):
        _spatial_example(tmp_path / "c", related=True, null="spin")


# --------------------------------------------------------------------------- analysis pieces

def test_system_concentration_brute_force():
    rng = np.random.default_rng(6)
    S = rng.random((12, 12))
    S = (S + S.T) / 2
    labels = np.array([1, 1, 1, 2, 2, 2, 2, 3, 3, 0, 3, 1])
    res = brain.system_concentration(S, labels, block=5)
    for i in range(12):
        if labels[i] == 0:
            assert np.isnan(res["within"][i])
            continue
        same = (labels == labels[i]) & (np.arange(12) != i)
        other = (labels > 0) & (labels != labels[i])
        assert res["within"][i] == pytest.approx(S[i, same].mean())
        assert res["between"][i] == pytest.approx(S[i, other].mean())
    assert res["n_unassigned"] == 1


def test_source_group_r_orders_the_coupled_group_first():
    rng = np.random.default_rng(7)
    xyz = _grid(10)
    Wa = brain_synthetic.projection_fields(xyz, rng.choice(100, 6), np.full(6, 2.0), np.ones(6), 0.01, rng)
    Wb = brain_synthetic.projection_fields(xyz, rng.choice(100, 6), np.full(6, 2.0), np.ones(6), 0.01, rng)
    fcs = np.stack([allen.timeseries_fc(brain_synthetic.simulated_activity(xyz, [Wa, Wb], [1.0, 0.1], 200, 2.0, 0.3, 0.5, rng))
                    for _ in range(3)])
    res = brain.source_group_r(np.hstack([Wa, Wb]), np.repeat([0, 1], 6), ["thalamus", "pons"], fcs, similarity.fisher_mean(fcs))
    assert (res["r_subject"][0] > res["r_subject"][1]).all() and res["r_group"][0] > res["r_group"][1]


def test_dataset_roundtrip_and_inconsistency(tmp_path):
    s = {"n_nodes": 40, "n_sources_per_group": 3, "n_subjects": 2, "n_timepoints": 30}
    d = brain_dataset.build("mouse", "synthetic_mouse", s, {}, seed=1)
    assert d["description"].startswith("synthetic") and d["mark"] == "SYNTHETIC" and d["name"] == "mouse"
    assert d["resolution"].startswith("SYNTHETIC: 40 generated nodes")
    # the interface derives the generator's seed from the master seed and the data set's name
    direct = brain_synthetic.synthetic_mouse(40, 3, 2, 30, seed=brain_dataset.seed_for(1, "mouse"))
    np.testing.assert_array_equal(d["W"], direct["W"])
    brain_dataset.save_dataset(tmp_path / "m", **d)
    back = brain_dataset.load_dataset(tmp_path / "m", mmap=True)
    np.testing.assert_array_equal(back["W"], d["W"])
    assert back["fc_subjects"].shape == (2, 40, 40) and back["description"] == d["description"]
    assert back["mark"] == "SYNTHETIC" and back["source"] == "synthetic_mouse" and brain_dataset.is_synthetic(back)
    th = brain_dataset.analysis_weights(back)
    assert th.shape == (40, 3) and np.array_equal(th, d["W"][:, d["source_groups"] == 0])
    prov = brain_dataset.provenance(back)
    assert prov["data_mark"] == "SYNTHETIC" and prov["synthetic"] is True and prov["dataset"] == "mouse"
    np.save(tmp_path / "m" / "fc.npy", np.zeros((5, 5), np.float32))
    with pytest.raises(ValueError, match="inconsistent files in"):
        brain_dataset.load_dataset(tmp_path / "m")
    (tmp_path / "m" / "dataset.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"m/dataset\.npz: cannot read"):
        brain_dataset.load_dataset(tmp_path / "m")
    with pytest.raises(FileNotFoundError, match=r"nowhere/dataset\.npz: file not found"):
        brain_dataset.load_dataset(tmp_path / "nowhere")


def test_dataset_interface_refuses_bad_fields(tmp_path):
    d = brain_synthetic.synthetic_mouse(30, 2, 2, 30, seed=0)
    with pytest.raises(ValueError, match="mark must be one of"):
        brain_dataset.save_dataset(tmp_path / "x", mark="MAYBE", resolution="r", **d)
    with pytest.raises(ValueError, match="resolution and description"):
        brain_dataset.save_dataset(tmp_path / "x", mark="REAL", resolution=" ", **d)
    with pytest.raises(ValueError, match="one row per cortical node"):
        brain_dataset.save_dataset(tmp_path / "x", mark="REAL", resolution="r", **{**d, "coords": d["coords"][:5]})
    assert not (tmp_path / "x").exists()   # nothing written for a bad data set
    with pytest.raises(ValueError, match="unknown brain data source 'nope'"):
        brain_dataset.build("m", "nope", {}, {}, 0)
    with pytest.raises(ValueError, match="no source group 'thalamus'"):
        brain_dataset.analysis_weights({"W": np.ones((3, 2)), "source_groups": np.array([0, 1]),
                                        "group_names": np.array(["pons", "olf"])})


def test_synthetic_human_uses_real_hcp_surface():
    geo = hcp.hcp_geometry()
    assert geo["coords"].shape == (hcp.HCP_N_LEFT, 3) and geo["thalamus_n"] == 2536
    assert set(np.unique(geo["yeo7"])) <= set(range(8)) and geo["yeo7_names"][1] == "Visual"
    assert geo["faces"].max() < hcp.HCP_N_LEFT
    d = brain_synthetic.synthetic_human(200, 20, 50, seed=0)
    assert d["W"].shape == (200, 20) and d["fc"].shape == (200, 200)
    np.testing.assert_array_equal(d["coords"], geo["coords"][d["vertices"]])
    assert d["description"].startswith("synthetic")


# --------------------------------------------------------------------------- real-data path, end to end

def _tiny_allen_project(tmp_path, corrupt_sha=False):
    """Allen-format files in a local 'publication folder' (config brain.sources.allen_voxel.mirror), user CSV + rs-fMRI,
    and a config."""
    rng = np.random.default_rng(8)
    pub = tmp_path / "publication"
    pub.mkdir()
    n_src, n_model, n_tgt = 30, 6, 70
    ctx = np.arange(5, 65)
    for name, A in (("weights.csv.gz", rng.random((n_src, n_model))), ("nodes.csv.gz", rng.random((n_model, n_tgt)))):
        with gzip.open(pub / name, "wt") as fh:
            np.savetxt(fh, A, delimiter=",")
    lines = ["space,index,group,x,y,z"]
    lines += [f"source,{i},{('thalamus', 'pallidum', 'pons')[i // 10]},,," for i in range(n_src)]
    lines += [f"target,{t},cortex,{(t % 10) * 0.3},{(t // 10) * 0.3},0.0" for t in ctx]
    (tmp_path / "groups.csv").write_text("\n".join(lines) + "\n")
    fmri = []
    for m in range(3):
        np.save(tmp_path / f"mouse{m}.npy", rng.normal(size=(ctx.size, 40)))
        fmri.append(str(tmp_path / f"mouse{m}.npy"))
    cfg = load_config(ROOT / "config.yaml", ROOT / "configs/test.yaml")
    allen_cfg = cfg["brain"]["sources"]["allen_voxel"]
    allen_cfg["mirror"] = str(pub)
    for key in ("weights", "nodes"):
        digest = io.verify_sha256(pub / allen_cfg["files"][key]["name"], None)
        allen_cfg["files"][key]["sha256"] = ("0" * 64) if (corrupt_sha and key == "nodes") else digest
    allen_cfg.update(voxel_groups=str(tmp_path / "groups.csv"), fmri=fmri)
    cfg["brain"]["datasets"]["mouse"]["source"] = "allen_voxel"
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    return tmp_path / "cfg.yaml"


def _snakemake(workdir, cfg, *targets):
    return subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory",
                           str(workdir), "--cores", "2", *targets, "--configfile", str(cfg)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})


@pytest.mark.slow
def test_allen_real_data_path_end_to_end(tmp_path):
    cfg = _tiny_allen_project(tmp_path)
    work = tmp_path / "work"
    proc = _snakemake(work, cfg, "results/stats/fig4_mouse.json", "results/stats/figS10.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stats = json.loads((work / "results/stats/fig4_mouse.json").read_text())
    assert stats["synthetic"] is False and stats["data"].startswith("Allen mouse voxel model")
    assert stats["data_mark"] == "REAL" and stats["resolution"].startswith("REAL, voxel level: 60 cortical")
    assert stats["n_nodes"] == 60 and stats["n_sources"] == 10
    s10 = json.loads((work / "results/stats/figS10.json").read_text())
    assert [g["group"] for g in s10["groups"]] == ["thalamus", "pallidum", "pons"] and s10["n_subjects"] == 3
    assert "sha256" in (work / "logs/data/brain_fetch_allen_nodes.csv.gz.log").read_text()


@pytest.mark.slow
def test_allen_download_with_wrong_checksum_stops_and_leaves_nothing(tmp_path):
    cfg = _tiny_allen_project(tmp_path, corrupt_sha=True)
    work = tmp_path / "work"
    proc = _snakemake(work, cfg, "resources/allen/nodes.csv.gz")
    assert proc.returncode != 0
    log = (work / "logs/data/brain_fetch_allen_nodes.csv.gz.log").read_text()
    assert "nodes.csv.gz: checksum mismatch" in log and "nothing was written" in log
    assert not list((work / "resources/allen").glob("*nodes*"))


def _systems_sheet(plant, seed=0):
    """30 x 30 sheet, systems: 1 compact corner square, 2 thin stripe, 3 band, 4 the rest; smooth shared
    in-weight fields everywhere, plus (``plant``) a few broad sources confined to each planted system."""
    n = 30
    g = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), -1).reshape(-1, 2).astype(float)
    xyz = np.c_[g, np.zeros(len(g))]
    x, y = g[:, 0], g[:, 1]
    lab = np.full(len(g), 4)
    lab[(x < 10) & (y < 10)] = 1
    lab[y >= 27] = 2
    lab[(x >= 10) & (x < 20) & (y < 27)] = 3
    rng = np.random.default_rng(seed)
    W = brain_synthetic.projection_fields(xyz, rng.choice(len(g), 150), np.full(150, 4.0), np.ones(150), 0.02, rng)
    for k in plant:
        m = lab == k
        F = brain_synthetic.projection_fields(xyz, rng.choice(np.flatnonzero(m), 3), np.full(3, 30.0),
                                              np.full(3, 0.5), 0.0, rng)
        W = np.hstack([W, F * m[:, None]])
    return xyz, lab, W


@pytest.mark.parametrize("reference", ["between", "all"])
def test_distance_matched_concentration_recovers_a_planted_effect_and_not_compactness(tmp_path, reference):
    means = {}
    for plant in ((), (2, 3)):
        xyz, lab, W = _systems_sheet(plant)
        paths = spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(xyz), len(xyz), tmp_path)
        D, I = spatial_nulls.load_distance_memmap(paths["distmat"], paths["index"], len(xyz))  # noqa: E741
        S = similarity.cosine_similarity(W, dtype=np.float32, name="W")
        dm = brain.distance_matched_concentration(S, lab, D, I, n_bins=30, reference=reference, block=128)
        raw = brain.system_concentration(S, lab)
        means[plant] = (np.array([dm["concentration"][lab == k].mean() for k in range(1, 5)]),
                        np.array([(raw["within"] - raw["between"])[lab == k].mean() for k in range(1, 5)]))
    dm0, raw0 = means[()]
    dm1, _ = means[(2, 3)]
    assert np.argmax(raw0) == 0 and raw0[0] > 0.3        # raw measure: the compact square "wins" with no effect
    assert np.abs(dm0).max() < 0.03                      # control: nothing beyond distance
    assert set(np.argsort(-dm1)[:2]) == {1, 2}           # planted systems (2, 3) rank first
    assert dm1[[1, 2]].min() > dm1[[0, 3]].max() + 0.01


def test_distance_matched_concentration_by_brute_force(tmp_path):
    rng = np.random.default_rng(3)
    xyz = rng.random((40, 3)) * 10
    S = rng.random((40, 40))
    S = ((S + S.T) / 2).astype(np.float32)
    lab = rng.integers(0, 4, 40)
    lab[:3] = [1, 2, 3]
    paths = spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(xyz), 40, tmp_path)
    D, I = spatial_nulls.load_distance_memmap(paths["distmat"], paths["index"], 40)  # noqa: E741
    res = brain.distance_matched_concentration(S, lab, D, I, n_bins=4, block=7)
    d = np.linalg.norm(xyz[:, None] - xyz[None], axis=-1)
    b = np.minimum((d / (res["bin_edges"][1])).astype(int), 3)
    for i in range(40):
        if lab[i] == 0:
            assert np.isnan(res["concentration"][i])
            continue
        cross = (lab[:, None] == lab[i]) & (lab[None] > 0) & (lab[None] != lab[i])
        ref = [S[cross & (b == k)].mean() if (cross & (b == k)).any() else np.nan for k in range(4)]
        js = [j for j in range(40) if j != i and lab[j] == lab[i] and np.isfinite(ref[b[i, j]])]
        want = np.mean([S[i, j] - ref[b[i, j]] for j in js]) if js else np.nan
        np.testing.assert_allclose(res["concentration"][i], want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="reference"):
        brain.distance_matched_concentration(S, lab, D, I, reference="nearest")


def _vectorised_pair_sums(S, labels, D, I, n_bins, width, block):  # noqa: E741
    """The numpy version that brain.matched_pair_sums replaced (oracle for its exact sums)."""
    N, K = S.shape[0], int(labels.max())
    w_sum, w_cnt = np.zeros((N, n_bins)), np.zeros((N, n_bins))
    b_sum, b_cnt = np.zeros((K + 1, n_bins)), np.zeros((K + 1, n_bins))
    for i0 in range(0, N, block):
        i1 = min(i0 + block, N)
        b = i1 - i0
        dist = np.empty((b, N), dtype=np.float32)
        dist[np.arange(b)[:, None], np.asarray(I[i0:i1])] = np.asarray(D[i0:i1])
        bins = np.minimum((dist / width).astype(np.int64), n_bins - 1)
        s = np.asarray(S[i0:i1], dtype=np.float64)
        li = labels[i0:i1, None]
        same = (li == labels[None]) & (li > 0)
        same[np.arange(b), np.arange(i0, i1)] = False
        rows = np.broadcast_to(np.arange(b)[:, None], (b, N))
        key = rows[same] * n_bins + bins[same]
        w_sum[i0:i1] += np.bincount(key, s[same], b * n_bins).reshape(b, n_bins)
        w_cnt[i0:i1] += np.bincount(key, None, b * n_bins).reshape(b, n_bins)
        other = (li != labels[None]) & (li > 0) & (labels[None] > 0)
        key = np.broadcast_to(li, (b, N))[other] * n_bins + bins[other]
        b_sum += np.bincount(key, s[other], (K + 1) * n_bins).reshape(K + 1, n_bins)
        b_cnt += np.bincount(key, None, (K + 1) * n_bins).reshape(K + 1, n_bins)
    return w_sum, w_cnt, b_sum, b_cnt


@pytest.mark.parametrize("block", [16, 37, 500])
def testmatched_pair_sums_give_the_bits_of_the_vectorised_sums(tmp_path, block):
    # the one-pass kernel must sum the same pairs in the same order (stats byte-identical to the numpy version)
    rng = np.random.default_rng(11)
    n, n_bins = 300, 50
    xyz = rng.random((n, 3)) * 40
    S = rng.standard_normal((n, n))     # float64: sums of float32 values are exact, so only these see the order
    lab = rng.integers(0, 6, n)
    paths = spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(xyz), n, tmp_path)
    D, I = spatial_nulls.load_distance_memmap(paths["distmat"], paths["index"], n)  # noqa: E741
    dmax = float(np.max(D[:, -1]))
    width = dmax / n_bins * (1 + 1e-9)
    K = int(lab.max())
    w_sum, w_cnt = np.zeros((n, n_bins)), np.zeros((n, n_bins))
    b_sum, b_cnt = np.zeros((K + 1, n_bins)), np.zeros((K + 1, n_bins))
    for i0 in range(0, n, block):
        ps, pc = brain.matched_pair_sums(S[i0:i0 + block], np.asarray(D[i0:i0 + block]),
                                          np.asarray(I[i0:i0 + block]), lab.astype(np.int64), i0,
                                          np.float32(width), n_bins, K, w_sum, w_cnt)
        b_sum += ps
        b_cnt += pc
    want = _vectorised_pair_sums(S, lab.astype(np.int64), D, I, n_bins, width, block)
    for got, ref in zip((w_sum, w_cnt, b_sum, b_cnt), want):
        assert got.tobytes() == ref.tobytes()
    S32 = S.astype(np.float32)          # the dtype of the human analysis
    w32 = np.zeros((n, n_bins)), np.zeros((n, n_bins))
    got32 = brain.matched_pair_sums(S32, np.asarray(D), np.asarray(I), lab.astype(np.int64), 0, np.float32(width),
                                     n_bins, K, *w32)
    want32 = _vectorised_pair_sums(S32, lab.astype(np.int64), D, I, n_bins, width, n)
    for got, ref in zip((*w32, *got32), want32):
        assert got.tobytes() == ref.tobytes()
    assert w_cnt.sum() > 0 and b_cnt.sum() > 0 and (w_cnt > 0).sum(1).max() > 10   # pairs in many bins
