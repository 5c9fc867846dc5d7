"""The real mouse data (Figs 4f-j, S10): the vendored Allen regional model and Gozzi-lab FC, read through the
dataset interface; known values; a corrupted copy stops naming the file; the small-N spatial null tools."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from modbound.datasets import allen_gozzi, brain_dataset
from modbound.nulls import spatial

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def mouse():
    return brain_dataset.build("mouse", "allen_gozzi", {"root": str(DATA), "hemisphere": "right"}, {}, seed=0)


def test_real_mouse_shapes_ids_and_provenance(mouse):
    d = mouse
    assert d["mark"] == "REAL" and d["source"] == "allen_gozzi"
    assert d["resolution"] == ("REAL, region level: 25 isocortical parcels (right hemisphere), 40 thalamic source "
                               "regions; the paper used voxels")
    assert "10 awake mice" in d["description"] and "lightly anaesthetised" in d["description"]
    assert d["W"].shape == (25, 248) and d["fc"].shape == (25, 25) and d["fc_subjects"].shape == (10, 25, 25)
    assert d["coords"].shape == (25, 3)
    assert list(d["node_names"][:3]) == ["FRP", "MOp", "MOs"] and d["node_names"][-1] == "ECT"
    # the right hemisphere's rows of the 106 x 106 matrices: 53 + 0..24
    assert d["node_rows"].tolist() == list(range(53, 78))
    names = list(d["group_names"])
    assert names == list(allen_gozzi.GROUPS)
    assert np.bincount(d["source_groups"]).tolist() == [40, 7, 9, 41, 21, 43, 33, 12, 14, 11, 17]
    th = d["source_ids"][d["source_groups"] == 0]
    assert {362, 733, 1020, 718} <= set(th.tolist())     # MD, VPM, PO, VPL
    assert len(d["unassigned_targets"]) == 0              # every isocortical target falls in one parcel
    assert np.all(d["W"] >= 0) and np.all(np.isfinite(d["W"]))
    np.testing.assert_array_equal(np.diag(d["fc"]), 1.0)
    assert np.allclose(d["fc"], d["fc"].T)


def test_real_mouse_known_values(mouse):
    import gzip

    import pandas as pd

    d = mouse
    with gzip.open(DATA / allen_gozzi.MODEL, "rt") as fh:
        df = pd.read_csv(fh, header=[0, 1], index_col=0)
    tree = allen_gozzi.read_structure_tree(DATA / allen_gozzi.TREE)
    ipsi = df.loc[:, df.columns.get_level_values(0) == "ipsi"]
    tid = np.array([int(t) for t in ipsi.columns.get_level_values(1)])
    # VPM (733) -> the VIS parcel (669): the sum of its ipsilateral strengths to the visual areas under 669
    vis = [t for t in tid if 669 in tree.loc[t, "path"]]
    assert len(vis) >= 6
    k = list(d["node_names"]).index("VIS")
    j = list(d["source_ids"]).index(733)
    want = ipsi.loc[733, [c for c in ipsi.columns if int(c[1]) in vis]].sum()
    assert d["W"][k, j] == pytest.approx(want, rel=1e-6)
    # a parcel that is one Allen area (MOp, 985) gets exactly the model's column
    k = list(d["node_names"]).index("MOp")
    np.testing.assert_allclose(d["W"][k], ipsi.loc[d["source_ids"], ("ipsi", "985")].to_numpy(), rtol=1e-6)
    # group FC = tanh(mean over mice of Fisher z), diagonal +inf left out
    z = np.stack([allen_gozzi.read_fc(DATA / f, 106)[53:78, 53:78] for f in allen_gozzi.fc_files(DATA)])
    assert np.isinf(z[0, 0, 0])
    assert d["fc"][0, 1] == pytest.approx(np.tanh(z[:, 0, 1].mean()), abs=1e-6)
    assert d["fc_subjects"][3, 2, 7] == pytest.approx(np.tanh(z[3, 2, 7]), abs=1e-6)
    # coordinates: parcel centroids in mm (affine / 10); right and left MOp mirror each other across the midline
    import nibabel as nib
    img = nib.load(str(DATA / allen_gozzi.PARCELS_NII))
    vox = np.argwhere(np.asarray(img.dataobj) == 55)        # right MOp: row 54 of the table, parcel id 55
    assert len(vox) == 156
    want = (img.affine[:3, :3] @ vox.mean(0) + img.affine[:3, 3]) / 10
    mop = d["coords"][list(d["node_names"]).index("MOp")]
    np.testing.assert_allclose(mop, want, atol=1e-9)
    assert mop == pytest.approx([-2.3702, 2.9565, 2.2544], abs=1e-4)
    left = allen_gozzi.prepare(DATA, hemisphere="left")
    assert left["node_rows"].tolist() == list(range(25))
    np.testing.assert_array_equal(left["W"], d["W"])      # the same ipsilateral in-weights, left parcels' FC
    assert abs(left["coords"][1, 0] - d["coords"][1, 0]) > 3 and left["coords"][1, 2] == pytest.approx(
        d["coords"][1, 2], abs=0.1)


@pytest.mark.parametrize("rel", [allen_gozzi.MODEL, allen_gozzi.PARCELS_NII,
                                 "gozzi/fc/ag200610c_awCort_5_rs1_smoothed_cormat.h5"])
def test_corrupted_copy_stops_naming_the_file(tmp_path, rel):
    root = tmp_path / "data"
    shutil.copytree(DATA / "allen", root / "allen")
    shutil.copytree(DATA / "gozzi", root / "gozzi")
    shutil.copy(DATA / "SHA256SUMS", root / "SHA256SUMS")
    allen_gozzi.prepare(root)                               # the copy is good
    f = root / rel
    f.write_bytes(f.read_bytes()[:-100])                    # truncated
    with pytest.raises(ValueError, match=f"{f}: checksum mismatch .*SHA256SUMS: changed or truncated"):
        allen_gozzi.prepare(root)


def test_readers_name_the_file_on_bad_content(tmp_path):
    bad = tmp_path / "parc.csv"
    bad.write_text(",acro,allen_ids,parcel_ids,side\n0,FRP,184,2,left\n")
    with pytest.raises(ValueError, match=r"parc\.csv: parcel_ids must be 1\.\.1"):
        allen_gozzi.read_parcellation(bad)
    with pytest.raises(ValueError, match=r"fc\.h5: cannot read as HDF5"):
        (tmp_path / "fc.h5").write_bytes(b"nope")
        allen_gozzi.read_fc(tmp_path / "fc.h5", 106)
    with pytest.raises(ValueError, match="expected \\(50, 50\\)"):
        allen_gozzi.read_fc(DATA / allen_gozzi.fc_files(DATA)[0], 50)
    with pytest.raises(ValueError, match="config brain.sources.allen_gozzi.root = .*no vendored data"):
        brain_dataset.source_inputs("allen_gozzi", {"root": str(tmp_path), "hemisphere": "right"},
                                    "brain.sources.allen_gozzi")
    # the vendored folder is relative to the repository, whatever the working directory
    rel = brain_dataset.resolve_settings("allen_gozzi", {"root": "data", "hemisphere": "right"}, ROOT)
    assert rel == {"root": str(DATA), "hemisphere": "right"}
    assert brain_dataset.resolve_settings("allen_gozzi", {"root": "/x/d", "hemisphere": "left"}, ROOT)["root"] == "/x/d"
    assert brain_dataset.resolve_settings("synthetic_mouse", {"n_nodes": 5}, ROOT) == {"n_nodes": 5}
    files = brain_dataset.source_inputs("allen_gozzi", {"root": str(DATA), "hemisphere": "right"}, "x")["vendored"]
    assert len(files) == 4 + 10 and all(Path(f).is_file() for f in files)


def test_small_n_spatial_null_tools(tmp_path):
    coords = allen_gozzi.prepare(DATA)["coords"]
    paths = spatial.write_distance_memmap(spatial.euclidean_rows(coords), 25, tmp_path)
    D, I = spatial.load_distance_memmap(paths["distmat"], paths["index"], 25)  # noqa: E741
    ci = np.repeat([0, 1, 2, 3, 4], 5)
    parts = spatial.contiguous_partitions(ci, I, 20, seed=3)
    assert parts.shape == (20, 25) and all(np.array_equal(np.bincount(p), [5] * 5) for p in parts)
    assert np.array_equal(parts, spatial.contiguous_partitions(ci, I, 20, seed=3))
    x = ci.astype(float)
    base = spatial.surrogate_maps(x, D, I, 5, seed=1, generator="base", pv=70, nh=25)
    assert base.shape == (5, 25) and all(np.array_equal(np.sort(s), np.sort(x)) for s in base)
    with pytest.raises(ValueError, match="generator must be"):
        spatial.surrogate_maps(x, D, I, 5, seed=1, generator="spin")
    # distance residual: an FC that is a function of distance alone leaves nothing
    d = np.linalg.norm(coords[:, None] - coords[None], axis=-1)
    R = spatial.distance_residual(np.exp(-d / 2.0), D, I, n_bins=50)
    iu = np.triu_indices(25, 1)
    assert np.percentile(np.abs(R[iu]), 95) < 0.02 and np.allclose(R, R.T)   # flat beyond the end bins: not exact there
    assert np.percentile(np.abs(np.exp(-d / 2.0)[iu] - np.exp(-d / 2.0)[iu].mean()), 95) > 0.2


@pytest.mark.slow
def test_real_mouse_figures_end_to_end(tmp_path):
    """Figs 4f-j and S10 on the real mouse data at tiny scale: REAL with its resolution in the stats, the claims and
    on the figure; the spatial-null claim reported, not judged; a rerun gives identical stats."""
    import os
    import subprocess
    import sys

    import yaml

    from modbound.core.io import load_config

    cfg = load_config(ROOT / "config.yaml", ROOT / "configs/test.yaml")
    cfg["brain"]["datasets"]["mouse"] = {"source": "allen_gozzi", "distance": "euclidean",
                                         "spatial_null_claim": "descriptive"}
    cfg["brain"]["sources"]["allen_gozzi"]["root"] = str(DATA)
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg))

    def run(work):
        return subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
                               "--directory", str(work), "--cores", "2", "results/stats/fig4_mouse.json",
                               "results/stats/figS10.json", "results/figures/fig4_mouse.png",
                               "--configfile", str(tmp_path / "cfg.yaml")],
                              capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    proc = run(tmp_path / "a")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = "REAL, region level: 25 isocortical parcels (right hemisphere), 40 thalamic source regions"
    f4 = json.loads((tmp_path / "a/results/stats/fig4_mouse.json").read_text())
    assert f4["data_mark"] == "REAL" and f4["resolution"].startswith(res) and f4["synthetic"] is False
    assert f4["n_nodes"] == 25 and f4["n_sources"] == 40 and f4["source"] == "allen_gozzi"
    assert f4["spatial_null"]["claim"] == "descriptive" and f4["spatial_null"]["smallest_possible_p"] == 1 / 11
    rows = {c["id"]: c for c in f4["claims"]}
    assert rows["fig4_mouse.induced_q_beats_spatial_null"]["verdict"] == "untested"
    assert "not valid at 25 nodes" in rows["fig4_mouse.induced_q_beats_spatial_null"]["detail"]
    assert res in rows["fig4_mouse.similarity_tracks_fc"]["detail"]
    s10 = json.loads((tmp_path / "a/results/stats/figS10.json").read_text())
    assert [g["group"] for g in s10["groups"]] == list(allen_gozzi.GROUPS) and s10["n_subjects"] == 10
    assert s10["data_mark"] == "REAL" and "generator_couplings" not in s10
    assert (tmp_path / "a/results/figures/fig4_mouse.png").stat().st_size > 10_000
    assert run(tmp_path / "b").returncode == 0
    for name in ("fig4_mouse.json", "figS10.json"):
        assert (tmp_path / "b/results/stats" / name).read_bytes() == (tmp_path / "a/results/stats" / name).read_bytes()
