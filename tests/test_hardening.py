"""Issue 16: bad or hostile input stops naming the file (or config key) and the problem, writes nothing outside
the work tree and nothing half-written; outputs get the user's permissions; no orphan temp files."""
import json
import os
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from modbound.core import io


# ---- io: permissions, orphan temp files, corrupted archives -----------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_get_the_umask_permissions_of_a_plain_write(tmp_path, umask):
    old = os.umask(umask)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        io.write_json(tmp_path / "a.json", {"a": 1})
        io.save_npz(tmp_path / "b.npz", x=np.arange(3))
    finally:
        os.umask(old)
    want = stat.S_IMODE(plain.stat().st_mode)
    assert want == 0o666 & ~umask
    for name in ("a.json", "b.npz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == want, name


def test_killed_writer_leaves_a_temp_file_that_the_next_write_removes(tmp_path):
    target = tmp_path / "fig1.pdf"
    code = ("import os, signal, sys; from modbound import io\n"
            f"with io.atomic_path({str(target)!r}) as tmp:\n"
            "    tmp.write_text('half'); os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode == -9
    orphans = io.temp_files(target)
    assert len(orphans) == 1 and not target.exists()
    other = tmp_path / "fig10.pdf"           # another target's temp files are not touched
    with io.atomic_path(other) as tmp:
        tmp.write_text("other")
    assert io.temp_files(target) == orphans
    with io.atomic_path(target) as tmp:
        tmp.write_text("whole")
    assert io.temp_files(target) == [] and target.read_text() == "whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig1.pdf", "fig10.pdf"]


def _npz(tmp_path):
    p = tmp_path / "activity.npz"
    io.save_npz(p, hidden=np.random.default_rng(0).normal(size=(50, 50)))
    return p


def test_truncated_npz_names_the_file(tmp_path):
    p = _npz(tmp_path)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"activity\.npz: corrupted or truncated"):
        io.load_npz(p)


def test_bit_flipped_npz_names_the_file(tmp_path):
    p = _npz(tmp_path)
    with zipfile.ZipFile(p) as z:
        info = z.infolist()[0]
    raw = bytearray(p.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"activity\.npz: corrupted or truncated") as err:
        io.load_npz(p)
    assert "allow_pickle" not in str(err.value)


def test_activity_loader_names_a_corrupted_file(tmp_path):
    from modbound.models import ensembles

    p = _npz(tmp_path)
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"activity\.npz: corrupted or truncated"):
        ensembles.load_activity(p)


@pytest.mark.parametrize("content", ["text", "object", "string", "npz"])
def test_npy_that_is_not_a_numeric_array_is_refused_naming_the_file(tmp_path, content):
    p = tmp_path / "mouse1.npy"
    if content == "text":
        p.write_text("1,2,3\n4,5,6\n")
    elif content == "object":
        np.save(p, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    elif content == "string":
        np.save(p, np.array([["a", "b"], ["c", "d"]]))
    else:
        with open(p, "wb") as fh:
            np.savez(fh, x=np.arange(3))
    with pytest.raises(ValueError, match=r"mouse1\.npy: rs-fMRI is not a numeric") as err:
        io.load_npy(p, "rs-fMRI")
    assert "allow_pickle" not in str(err.value)


def test_object_npz_is_refused_without_suggesting_pickle(tmp_path):
    p = tmp_path / "x.npz"
    np.savez(p, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"x\.npz: .*numeric") as err:
        io.load_npz(p)
    assert "allow_pickle" not in str(err.value)


def test_config_yaml_syntax_error_and_nan_name_the_file(tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("analysis: {gamma: [1, \n")
    with pytest.raises(ValueError, match=r"mine\.yaml: not valid YAML"):
        io.load_config(bad)
    bad.write_text("analysis:\n  gamma: .nan\n")
    with pytest.raises(ValueError, match=r"mine\.yaml: analysis\.gamma = nan: not a finite number"):
        io.load_config(bad)
    bad.write_text("dynamics:\n  inputs: {pdm: [1.0, .inf, 0.5]}\n")
    with pytest.raises(ValueError, match=r"dynamics\.inputs\.pdm\[1\] = inf"):
        io.load_config(bad)


# ---- config: names that become paths, URLs, non-finite numbers -----------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"


def _config():
    return io.load_config(ROOT / "config.yaml", ROOT / "configs/test.yaml")


def _validate(cfg):
    from snakemake.utils import validate

    io.check_finite_numbers(cfg, "config")
    validate(cfg, schema=str(SCHEMA))


def _ens_key(c, v):
    c["ensembles"][v] = c["ensembles"].pop("pdm")


@pytest.mark.parametrize("mutate,needle", [
    (_ens_key, "../../../../tmp/x"),
    (lambda c, v: c["figure_ensembles"].__setitem__("fig1", v), "fig1"),
    (lambda c, v: c["figure_ensembles"]["fig3"].__setitem__("pdm", v), "pdm"),
    (lambda c, v: c["brain"]["sources"]["allen_voxel"]["files"]["weights"].__setitem__("name", v), "name"),
    (lambda c, v: c["brain"]["sources"]["allen_voxel"]["files"]["nodes"].__setitem__("name", "/etc/passwd"), "name"),
])
def test_config_names_that_would_leave_the_work_tree_are_refused(mutate, needle):
    cfg = _config()
    mutate(cfg, "../../../../tmp/x")
    with pytest.raises(Exception, match="does not match") as err:
        _validate(cfg)
    assert needle in str(err.value)


@pytest.mark.parametrize("url", ["file:///etc/", "ftp://host/x/", "/local/folder/", "https:///x"])
def test_download_urls_must_be_web_urls(url):
    for setter in (lambda c: c["brain"]["sources"]["allen_voxel"].__setitem__("base_url", url),
                   lambda c: c["deepnets"]["digits"].__setitem__("mnist_url", url)):
        cfg = _config()
        setter(cfg)
        with pytest.raises(Exception, match="does not match"):
            _validate(cfg)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_numbers_are_refused_naming_the_key(value):
    cfg = _config()
    cfg["analysis"]["gamma"] = value
    with pytest.raises(ValueError, match=r"config: analysis\.gamma = -?(nan|inf): not a finite number"):
        _validate(cfg)


def test_valid_configs_pass():
    _validate(_config())
    _validate(io.load_config(ROOT / "config.yaml", ROOT / "configs/paper.yaml"))


@pytest.mark.parametrize("path,ok", [("results/rnn/pdm", True), ("resources/allen/a..b.csv", True),
                                     ("results/rnn/../../../x", False), ("/tmp/x", False), ("..", False),
                                     ("resources/allen/../../results/stats/p.json", True)])
def test_check_inside_is_lexical(path, ok):
    if ok:
        assert io.check_inside(path, "key") == __import__("pathlib").Path(path)
    else:
        with pytest.raises(ValueError, match="key: the path .* leaves the work tree"):
            io.check_inside(path, "key")


def _snakemake(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})


def test_traversal_ensemble_name_stops_the_run_at_start_up_writing_nothing(tmp_path):
    outside = tmp_path / "outside"
    cfg = _config()
    bad = f"../../../../{outside}/x".replace("//", "/")
    cfg["ensembles"][bad] = cfg["ensembles"]["pdm"]
    cfg["figure_ensembles"]["fig1"] = bad
    path = tmp_path / "bad.yaml"
    path.write_text(__import__("yaml").safe_dump(cfg))
    work = tmp_path / "work"
    proc = _snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--cores", "1",
                      "results/stats/fig1.json", "--configfile", str(path))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "does not match" in out and "ensembles" in out and bad in out, out
    assert not outside.exists() and not (work / "results").exists()


def test_nan_in_a_config_file_stops_the_run_naming_the_key(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("analysis: {gamma: .nan}\n")
    proc = _snakemake("-n", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path / "w"),
                      "--configfile", str(ROOT / "configs/test.yaml"), str(path))
    assert proc.returncode != 0
    assert "analysis.gamma = nan: not a finite number" in proc.stdout + proc.stderr


# ---- degenerate real brain data: stops naming the file and the problem ---------------------------

def _mouse_files(tmp_path, n_mice=3, T=30):
    """Tiny Allen-format voxel model, voxel groups and rs-fMRI files (one .npy per mouse)."""
    import gzip

    rng = np.random.default_rng(2)
    for name, A in (("weights.csv.gz", rng.random((6, 3))), ("nodes.csv.gz", rng.random((3, 9)))):
        with gzip.open(tmp_path / name, "wt") as fh:
            np.savetxt(fh, A, delimiter=",")
    rows = [("source", i, "thalamus" if i < 3 else "pallidum") for i in range(5)]
    ctx = [1, 2, 4, 5, 7]
    lines = ["space,index,group,x,y,z"] + [f"{s},{i},{g},,," for s, i, g in rows]
    lines += [f"target,{i},cortex,{i * 0.5},{i % 3},0.0" for i in ctx]
    (tmp_path / "groups.csv").write_text("\n".join(lines) + "\n")
    fmri = []
    for m in range(n_mice):
        fmri.append(tmp_path / f"mouse{m}.npy")
        np.save(fmri[-1], rng.normal(size=(len(ctx), T)))
    return {"weights": tmp_path / "weights.csv.gz", "nodes": tmp_path / "nodes.csv.gz",
            "voxel_groups": tmp_path / "groups.csv", "fmri": fmri}


def _prepare(files, **kw):
    from modbound.datasets import allen

    return allen.prepare_mouse_allen(files["weights"], files["nodes"], files["voxel_groups"], files["fmri"],
                                     min_timepoints=kw.get("min_timepoints", 10))


def test_tiny_mouse_files_are_accepted(tmp_path):
    d = _prepare(_mouse_files(tmp_path))
    assert d["fc_subjects"].shape == (3, 5, 5)


def test_constant_fmri_mouse_is_refused(tmp_path):
    files = _mouse_files(tmp_path)
    np.save(files["fmri"][1], np.full((5, 30), 3.0))
    with pytest.raises(ValueError, match=r"mouse1\.npy: 5 of 5 nodes have a constant time series \(every node"):
        _prepare(files)


def test_constant_fmri_rows_are_refused(tmp_path):
    files = _mouse_files(tmp_path)
    ts = np.load(files["fmri"][2])
    ts[[1, 3]] = 0.5
    np.save(files["fmri"][2], ts)
    with pytest.raises(ValueError, match=r"mouse2\.npy: 2 of 5 nodes have a constant time series, e\.g\. nodes \[1, 3\]"):
        _prepare(files)


def test_too_few_time_points_are_refused(tmp_path):
    files = _mouse_files(tmp_path, T=3)
    with pytest.raises(ValueError, match=r"mouse0\.npy: 3 time points, fewer than the 10 needed"):
        _prepare(files)


def test_a_single_mouse_is_refused(tmp_path):
    files = _mouse_files(tmp_path, n_mice=1)
    with pytest.raises(ValueError, match=r"mouse0\.npy: 1 mouse; .* at least 2"):
        _prepare(files)


@pytest.mark.parametrize("line,needle", [("source,-1,thalamus,,,", "non-negative integer"),
                                         ("source,1.5,thalamus,,,", "non-negative integer"),
                                         ("source,x,thalamus,,,", "non-negative integer"),
                                         ("source,4,thalamus,,,", "repeat a \\(space, index\\) pair")])
def test_bad_voxel_indices_are_refused(tmp_path, line, needle):
    files = _mouse_files(tmp_path)
    with open(files["voxel_groups"], "a") as fh:
        fh.write(line + "\n")
    with pytest.raises(ValueError, match=rf"groups\.csv: .*{needle}"):
        _prepare(files)


def test_cortical_targets_without_thalamic_weight_are_refused(tmp_path):
    import gzip

    files = _mouse_files(tmp_path)
    nodes = np.random.default_rng(0).random((3, 9))
    nodes[:, 4] = 0.0                       # target voxel 4 receives nothing
    with gzip.open(files["nodes"], "wt") as fh:
        np.savetxt(fh, nodes, delimiter=",")
    with pytest.raises(ValueError, match=r"nodes\.csv\.gz: 1 cortical target voxels .*indices \[4\]"):
        _prepare(files)


def test_fmri_npy_that_is_text_is_refused(tmp_path):
    files = _mouse_files(tmp_path)
    files["fmri"][0].write_text("1,2,3\n")
    with pytest.raises(ValueError, match=r"mouse0\.npy: rs-fMRI time series is not a numeric") as err:
        _prepare(files)
    assert "allow_pickle" not in str(err.value)


def _cifti_axis(n_ctx=12, n_mesh=40):
    import nibabel as nib

    verts = np.arange(0, 2 * n_ctx, 2)[:n_ctx]
    ax = nib.cifti2.BrainModelAxis.from_surface(verts, n_mesh, "CortexLeft")
    for name, k, off in (("ThalamusLeft", 3, 0), ("ThalamusRight", 2, 5)):
        vox = np.array([[i + off, 0, 0] for i in range(k)])
        ax = ax + nib.cifti2.BrainModelAxis(name=[name] * k, voxel=vox, affine=np.eye(4), volume_shape=(8, 2, 2))
    return ax, verts


def _write_dconn(path, data, ax):
    import nibabel as nib

    nib.Cifti2Image(data.astype(np.float32), nib.cifti2.Cifti2Header.from_axes((ax, ax))).to_filename(str(path))


def test_all_zero_dconn_is_refused(tmp_path):
    from modbound.datasets import hcp

    ax, verts = _cifti_axis()
    _write_dconn(tmp_path / "zero.dconn.nii", np.zeros((len(ax),) * 2), ax)
    with pytest.raises(ValueError, match=r"zero\.dconn\.nii: 12 of 12 CIFTI_STRUCTURE_CORTEX_LEFT vertices have no "
                                         r"functional connectivity .*\(all of them\)"):
        hcp.read_hcp_dconn_block(tmp_path / "zero.dconn.nii", expected_vertices=verts)


def _hcp_geometry(monkeypatch, verts):
    from modbound.datasets import hcp

    n = verts.size
    rng = np.random.default_rng(3)
    geo = {"mesh_vertex": verts, "coords": rng.normal(size=(n, 3)), "flat": rng.normal(size=(n, 2)),
           "yeo7": np.arange(n) % 8, "yeo7_names": {k: f"s{k}" for k in range(8)},
           "yeo7_rgba": {k: np.ones(4) for k in range(8)}}
    monkeypatch.setattr(hcp, "hcp_geometry", lambda: geo)


def test_sc_rows_of_zeros_are_refused_among_kept_vertices(tmp_path, monkeypatch):
    from modbound.datasets import hcp

    ax, verts = _cifti_axis()
    _hcp_geometry(monkeypatch, verts)
    Z = np.random.default_rng(0).normal(0, 0.4, (len(ax),) * 2)
    _write_dconn(tmp_path / "fc.dconn.nii", (Z + Z.T) / 2, ax)
    W = np.random.default_rng(1).random((12, 4))
    W[[3, 8]] = 0.0
    np.save(tmp_path / "sc.npy", W)
    d = hcp.prepare_human_hcp(tmp_path / "fc.dconn.nii", tmp_path / "sc.npy", vertices_keep=np.array([0, 1, 2]))
    assert d["W"].shape == (3, 4)       # zero rows among the vertices left out do not matter
    with pytest.raises(ValueError, match=r"sc\.npy: 2 of 12 kept cortical vertices receive no thalamic weight.*\[3, 8\]"):
        hcp.prepare_human_hcp(tmp_path / "fc.dconn.nii", tmp_path / "sc.npy")


@pytest.mark.parametrize("name,content", [("sc.txt", b"1 2 3"), ("sc.npy", b"not numpy"), ("sc.npz", b"not a zip")])
def test_sc_format_is_checked_before_the_dconn_is_read(tmp_path, monkeypatch, name, content):
    from modbound.datasets import hcp

    ax, verts = _cifti_axis()
    _hcp_geometry(monkeypatch, verts)
    (tmp_path / name).write_bytes(content)
    read = []
    monkeypatch.setattr(hcp, "read_hcp_dconn_block", lambda *a, **k: read.append(a))
    with pytest.raises(ValueError, match=rf"{name.replace('.', '[.]')}: "):
        hcp.prepare_human_hcp(tmp_path / "fc.dconn.nii", tmp_path / name)
    assert read == []


# ---- stats files that would silently drop a figure's claims ---------------------------------------

def _good_stats():
    from modbound.reporting import claims

    return {"figure": "fig1", "scale": "test",
            "claims": [claims.claim("a", "A > 0", test="t", statistic=2.0, p=0.01, n=5, direction="greater")]}


@pytest.mark.parametrize("mutate,needle", [
    (lambda s: {}, r"'figure' is None, expected 'fig1'"),
    (lambda s: [], r"stats of fig1 must be a JSON object, got list"),
    (lambda s: {**s, "figure": "fig2"}, r"'figure' is 'fig2', expected 'fig1'"),
    (lambda s: {k: v for k, v in s.items() if k != "claims"}, r"'claims' must be a list .* missing"),
    (lambda s: {**s, "claims": {"a": 1}}, r"'claims' must be a list .* a dict"),
    (lambda s: {**s, "claims": [3]}, r"claims\[0\] must be an object"),
    (lambda s: {**s, "claims": [{k: v for k, v in s["claims"][0].items() if k != "verdict"}]},
     r"claims\[0\] \('a'\) lacks \['verdict'\]"),
    (lambda s: {**s, "claims": s["claims"] * 2}, r"claims\[1\]: claim id 'a' appears twice"),
])
def test_malformed_stats_are_refused_naming_the_file(mutate, needle):
    from modbound.reporting import claims

    assert claims.validate_stats("fig1", _good_stats(), "results/stats/fig1.json")["figure"] == "fig1"
    with pytest.raises(ValueError, match=r"^results/stats/fig1\.json: " + needle):
        claims.validate_stats("fig1", mutate(_good_stats()), "results/stats/fig1.json")


def test_claims_rule_fails_on_an_empty_stats_file_naming_it(tmp_path, monkeypatch):
    """The claims script, as the rule runs it, on stats files of which one is {}."""
    from types import SimpleNamespace

    stats = tmp_path / "results/stats"
    stats.mkdir(parents=True)
    io.write_json(stats / "fig1.json", _good_stats())
    (stats / "fig2.json").write_text("{}\n")
    smk = SimpleNamespace(
        input=SimpleNamespace(stats=[str(stats / "fig1.json"), str(stats / "fig2.json")], replicate_stats=[]),
        output=SimpleNamespace(md=str(tmp_path / "claims.md"), json=str(tmp_path / "claims.json")),
        params=SimpleNamespace(seed=0, replicate_seeds=[], figures=["fig1", "fig2"]),
        log=[str(tmp_path / "claims.log")])
    code = (ROOT / "workflow/scripts/claims.py").read_text()
    monkeypatch.setattr(io, "setup_logging", lambda *a, **k: None)   # leave this process's logging alone
    with pytest.raises(ValueError, match=r"fig2\.json: 'figure' is None, expected 'fig2'"):
        exec(compile(code, "claims.py", "exec"), {"snakemake": smk, "__name__": "__main__"})
    assert not (tmp_path / "claims.md").exists() and not (tmp_path / "claims.json").exists()


@pytest.mark.parametrize("content,needle", [("{}", r"manifest key 'ensemble' must be a str"),
                                            ("[]", r"a manifest must be a JSON object, got list"),
                                            ('{"ensemble": "pdm", "task": "pdm", "n_models": 2, "seeds": {"init": [1, 2]},'
                                             ' "rnn": {}, "files": [{"path": "a"}]}', r"'files' must list one")])
def test_malformed_manifest_is_refused_naming_the_file(tmp_path, content, needle):
    from modbound.models import ensembles
    from modbound import figures

    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=rf"manifest\.json: {needle}"):
        ensembles.load(path)
    with pytest.raises(ValueError, match=rf"manifest\.json: {needle}"):
        figures.load_inputs({"manifest": str(path)})["manifest"]


def test_missing_real_data_of_one_species_blocks_only_its_own_targets(tmp_path):
    import yaml

    cfg = _config()
    cfg["brain"]["datasets"]["mouse"]["source"] = "allen_voxel"
    cfg["brain"]["sources"]["allen_voxel"].update(voxel_groups=str(tmp_path / "absent.csv"), fmri=[str(tmp_path / "m.npy")])
    path = tmp_path / "allen.yaml"
    path.write_text(yaml.safe_dump(cfg))
    common = ("-n", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path / "w"))
    # Fig S9 needs only the human data (Fig 4k-o also reads the mouse analysis, to compare the two species)
    ok = _snakemake(*common, "results/stats/figS9.json", "--configfile", str(path))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = _snakemake(*common, "results/stats/figS10.json", "--configfile", str(path))
    assert bad.returncode != 0
    assert "config brain.sources.allen_voxel.voxel_groups" in bad.stdout + bad.stderr and "absent.csv" in bad.stdout + bad.stderr
