"""Hardening: claims are never lost silently, every load names its file, run names cannot
collide, counts are bounded, checkpoints get the user's permissions, the report checks what it reads, training
records the CPU it ran on. See docs/faults.md."""
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from modbound.reporting import claims, registry
from modbound.core import io

ROOT = Path(__file__).resolve().parents[1]
PAPER = claims.load_paper_claims(ROOT / "workflow/paper_claims.yaml")


# ---- (2) claims lost silently ------------------------------------------------------------------------------------

def test_every_paper_claim_is_registered_to_a_figure_of_the_registry():
    figures = registry.load()
    assert {claims.registered_figure(p["id"]) for p in PAPER} <= set(figures)
    assert claims.registered_figure("fig4rnn.x") == "fig4_rnn" and claims.registered_figure("s14.y") == "figS14"
    assert claims.registered_figure("fig1.lesion_mod1") == "fig1"
    with pytest.raises(ValueError, match="'banana': its id does not name a figure"):
        claims.registered_figure("banana")


def _rows(figure, ids):
    return [claims.claim(f"r{i}", "x", test="t", statistic=1.0, p=0.01, n=3, direction="greater", paper=pid)
            for i, pid in enumerate(ids)]


def _fig1_ids():
    return [p["id"] for p in PAPER if claims.registered_figure(p["id"]) == "fig1"]


def test_a_figure_without_rows_for_its_paper_claims_is_refused_naming_the_file():
    ids = _fig1_ids()
    assert len(ids) >= 3
    full = {"figure": "fig1", "claims": _rows("fig1", ids)}
    claims.check_figure_rows("fig1", full, PAPER, "results/stats/fig1.json")        # all there: fine
    untested = {"figure": "fig1", "claims": [*_rows("fig1", ids[1:]), claims.untested("u", "x", "why", paper=ids[0])]}
    claims.check_figure_rows("fig1", untested, PAPER, "p")                        # an untested row counts
    for kept in ([], ids[:2]):
        with pytest.raises(ValueError, match=r"^results/stats/fig1\.json: no claim row for the paper claim\(s\) "
                                             rf"\[.*{ids[-1]!r}\] that fig1 is registered to test"):
            claims.check_figure_rows("fig1", {"figure": "fig1", "claims": _rows("fig1", kept)}, PAPER,
                                     "results/stats/fig1.json")


def _stats(figure):
    ids = [p["id"] for p in PAPER if claims.registered_figure(p["id"]) == figure]
    return {"figure": figure, "scale": "test", "claims": _rows(figure, ids)}


def _run_claims_script(tmp_path, main, replicates=None, variants=None):
    """workflow/scripts/claims.py as the rule runs it; ``main``/``replicates[seed]``/``variants[name]``: {fig: stats}."""
    replicates, variants = replicates or {}, variants or {}
    figures = list(main)

    def write(prefix, stats):
        paths = []
        for fig, st in stats.items():
            path = tmp_path / prefix / "stats" / f"{fig}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(st))
            paths.append(str(path))
        return paths

    smk = SimpleNamespace(
        input=SimpleNamespace(stats=write("results", main),
                              replicate_stats=[p for s, st in replicates.items() for p in write(f"rep/seed{s}", st)],
                              paper_claims=str(ROOT / "workflow/paper_claims.yaml"),
                              variant_stats=[p for v, st in variants.items() for p in write(f"var/{v}", st)]),
        output=SimpleNamespace(md=str(tmp_path / "claims.md"), json=str(tmp_path / "claims.json")),
        params=SimpleNamespace(seed=0, config_sha256="c0ffee", replicate_seeds=list(replicates), figures=figures,
                               variants={v: list(st) for v, st in variants.items()},
                               variant_descriptions={v: "" for v in variants}),
        log=[str(tmp_path / "claims.log")])
    code = (ROOT / "workflow/scripts/claims.py").read_text()
    import modbound.core.io
    setup = modbound.core.io.setup_logging
    modbound.core.io.setup_logging = lambda *a, **k: None
    try:
        exec(compile(code, "claims.py", "exec"), {"snakemake": smk, "__name__": "__main__"})
    finally:
        modbound.core.io.setup_logging = setup


def _all_figures():
    return {fig: _stats(fig) for fig in ("fig1", "fig2", "figS3")}


def test_claims_rule_runs_on_complete_stats(tmp_path):
    _run_claims_script(tmp_path, _all_figures(), {1: _all_figures()}, {"dt20": {"fig1": _stats("fig1")}})
    doc = json.loads((tmp_path / "claims.json").read_text())
    assert doc["runs"] == ["main", "dt20", "seed1"]
    import numpy
    import torch
    assert doc["run"]["config_sha256"] == "c0ffee"     # which settings, which CPU code path and versions (item 12)
    assert doc["run"]["torch_cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert doc["run"]["torch"] == torch.__version__ and doc["run"]["numpy"] == numpy.__version__


@pytest.mark.parametrize("where", ["main", "replicate", "variant"])
@pytest.mark.parametrize("damage", ["no claims", "two rows", "empty object"])
def test_claims_rule_fails_naming_the_stats_file_that_lost_claims(tmp_path, where, damage):
    bad = {"no claims": {**_stats("fig1"), "claims": []},
           "two rows": {**_stats("fig1"), "claims": _stats("fig1")["claims"][:2]},
           "empty object": {}}[damage]
    main, rep, var = _all_figures(), {1: _all_figures()}, {"dt20": {"fig1": _stats("fig1"), "fig2": _stats("fig2")}}
    {"main": main, "replicate": rep[1], "variant": var["dt20"]}[where]["fig1"] = bad
    prefix = {"main": "results", "replicate": "rep/seed1", "variant": "var/dt20"}[where]
    needle = "'figure' is None" if damage == "empty object" else "no claim row for the paper claim"
    with pytest.raises(ValueError, match=rf"{prefix}/stats/fig1\.json: {needle}"):
        _run_claims_script(tmp_path, main, rep, var)
    assert not (tmp_path / "claims.json").exists() and not (tmp_path / "claims.md").exists()


# ---- (3) every load names its file -------------------------------------------------------------------------------

def _dataset(folder):
    from modbound.datasets import brain_dataset

    rng = np.random.default_rng(0)
    fc = np.corrcoef(rng.normal(size=(30, 40)))
    brain_dataset.save_dataset(folder, W=rng.random((30, 4)), fc=fc, coords=rng.normal(size=(30, 3)),
                               description="synthetic test", mark="SYNTHETIC", resolution="30 test nodes",
                               labels=np.arange(30))
    return folder


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("name", ["W.npy", "fc.npy", "dataset.npz"])
@pytest.mark.parametrize("mmap", [False, True])
def test_a_truncated_brain_dataset_file_is_named(tmp_path, name, mmap):
    from modbound.datasets import brain_dataset as brain

    folder = _dataset(tmp_path / "mouse")
    assert brain.load_dataset(folder, mmap=mmap)["fc"].shape == (30, 30)
    _truncate(folder / name)
    with pytest.raises(ValueError, match=rf"{folder / name}: "):
        brain.load_dataset(folder, mmap=mmap)


def test_a_missing_brain_matrix_is_named(tmp_path):
    from modbound.datasets import brain_dataset as brain

    folder = _dataset(tmp_path / "mouse")
    (folder / "fc.npy").unlink()
    with pytest.raises(FileNotFoundError, match=rf"{folder / 'fc.npy'}: file not found"):
        brain.load_dataset(folder)


def test_brain_distances_names_a_truncated_dataset(tmp_path):
    folder = _dataset(tmp_path / "mouse")
    _truncate(folder / "dataset.npz")
    smk = SimpleNamespace(input=SimpleNamespace(dataset=str(folder / "dataset.npz")),
                          output=SimpleNamespace(distmat=str(tmp_path / "d/distmat.npy")),
                          params=SimpleNamespace(distance="euclidean"), wildcards=SimpleNamespace(dataset="mouse"),
                          log=[str(tmp_path / "log")])
    code = (ROOT / "workflow/scripts/brain_distances.py").read_text()
    setup = io.setup_logging
    io.setup_logging = lambda *a, **k: __import__("logging").getLogger("t")
    try:
        with pytest.raises(ValueError, match=rf"{folder / 'dataset.npz'}: corrupted or truncated"):
            exec(compile(code, "brain_distances.py", "exec"), {"snakemake": smk, "__name__": "__main__"})
    finally:
        io.setup_logging = setup
    assert not (tmp_path / "d").exists()


# ---- (4) run names that collide, (5) names ending in a newline, (6) upper bounds ------------------------------------

SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"


def _config():
    return io.load_config(ROOT / "config.yaml", ROOT / "configs/test.yaml")


@pytest.mark.parametrize("name", ["main", "seed1", "seed0", "seed12"])
def test_variant_names_of_other_runs_are_refused(name):
    from modbound.reporting import variants

    cfg = _config()
    cfg["variants"] = {name: {"figures": ["fig1"], "config": {}}}
    with pytest.raises(ValueError, match=rf"config variants\.{name}: the name '{name}' is reserved"):
        variants.resolve(cfg, SCHEMA, registry.load())
    cfg["variants"] = {f"{name}x": {"figures": ["fig1"], "config": {}}}     # not a run name: fine
    assert list(variants.resolve(cfg, SCHEMA, registry.load())) == [f"{name}x"]


@pytest.mark.parametrize("path,value", [
    (("variants",), {"vv\n": {"figures": [], "config": {}}}),
    (("ensembles",), {"pdm\n": {"task": "pdm", "n_models": 2, "n_steps": 2}}),
    (("figure_ensembles", "fig1"), "pdm\n"),
    (("brain", "sources", "allen_voxel", "files", "weights", "name"), "w.csv.gz\n"),
])
def test_names_ending_in_a_newline_are_refused(path, value):
    from modbound.reporting import variants

    cfg = _config()
    variants.check_schema(cfg, SCHEMA)
    node = cfg
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value if not isinstance(value, dict) else {**value}
    with pytest.raises(ValueError, match=r"does not match .* \(as a whole\)"):
        variants.check_schema(cfg, SCHEMA)


def test_a_variant_named_main_or_ending_in_a_newline_stops_the_workflow_at_start_up(tmp_path):
    import subprocess
    import sys
    import yaml

    for name, needle in (("main", "the name 'main' is reserved"), ("vv\n", "does not match")):
        path = tmp_path / "v.yaml"
        path.write_text(yaml.safe_dump({"variants": {name: {"figures": ["fig1"], "config": {}}}}))
        proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"),
                               "--directory", str(tmp_path / "w"), "--configfile", str(ROOT / "configs/test.yaml"),
                               str(path)], capture_output=True, text=True)
        assert proc.returncode != 0 and needle in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def _integer_nodes(node, where=""):
    if isinstance(node, dict):
        types = node.get("type")
        if types == "integer" or (isinstance(types, list) and "integer" in types):
            yield where, node
        for key, value in node.items():
            yield from _integer_nodes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _integer_nodes(value, f"{where}[{i}]")


def test_every_count_in_the_schema_has_a_maximum():
    import yaml

    schema = yaml.safe_load(SCHEMA.read_text())
    posint = schema["$defs"]["posint"]
    unbounded = [w for w, n in _integer_nodes(schema) if "maximum" not in n and n is not posint
                 and not w.endswith("seed") and not w.endswith("seeds.items")]          # seeds are no counts
    refs = [w for w, n in _refs(schema) if n.get("$ref") == "#/$defs/posint" and "maximum" not in n]
    assert not unbounded and not refs, (unbounded, refs)


def _refs(node, where=""):
    if isinstance(node, dict):
        if "$ref" in node:
            yield where, node
        for key, value in node.items():
            yield from _refs(value, f"{where}.{key}")


@pytest.mark.parametrize("path", [("ensembles", "pdm", "n_steps"), ("rnn", "n_hidden"), ("analysis", "n_perm"),
                                  ("brain", "n_surrogates"), ("brain", "louvain_runs"), ("analysis", "louvain_runs")])
def test_a_count_typed_a_thousand_times_too_large_stops_at_start_up(path):
    from modbound.reporting import variants

    cfg = _config()
    node = cfg
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = 10 ** 12
    with pytest.raises(ValueError, match=rf"config\.{'.'.join(path)}: 1000000000000 is greater than the maximum"):
        variants.check_schema(cfg, SCHEMA)


@pytest.mark.parametrize("configs", [["config.yaml"], ["config.yaml", "configs/test.yaml"],
                                     ["config.yaml", "configs/paper.yaml"],
                                     ["config.yaml", "configs/paper.yaml", "configs/master_only.yaml"],
                                     ["config.yaml", "configs/seeds.yaml"]])
def test_the_shipped_configs_are_within_the_bounds(configs):
    from modbound.reporting import variants

    cfg = io.load_config(*(ROOT / c for c in configs))
    variants.check_schema(cfg, SCHEMA)
    variants.resolve(cfg, SCHEMA, registry.load())


# ---- (7) near-constant fMRI -------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage,needle", [
    (lambda a: a.__setitem__(1, np.r_[np.zeros(a.shape[1] - 1), 1e-320]), "centred norm is zero"),
    (lambda a: a.__setitem__(2, a[2] * 1e200), "centred norm is not finite"),
])
def test_near_constant_or_huge_fmri_rows_are_refused_naming_the_file(tmp_path, damage, needle):
    from modbound.datasets import allen

    a = np.random.default_rng(0).normal(size=(4, 30))
    path = tmp_path / "m1.npy"
    np.save(path, a)
    ok = allen.read_timeseries(path, min_timepoints=3)[0]
    assert np.all(np.abs(np.diag(allen.timeseries_fc(ok)) - 1) < 1e-6)
    damage(a)
    np.save(path, a)
    assert np.ptp(a, axis=1).min() > 0 and np.all(np.isfinite(a))   # passes the constant-series check
    with pytest.raises(ValueError, match=rf"{path}: 1 of 4 nodes have a time series whose {needle}"):
        allen.read_timeseries(path, min_timepoints=3)


# ---- (8) checkpoints through the atomic writer --------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_checkpoints_get_the_umask_permissions_and_leave_no_temp_file(tmp_path, umask):
    import os
    import stat

    from modbound.models import deepnets, rnn

    old = os.umask(umask)
    try:
        paths = rnn.save_ensemble(rnn.CTRNNEnsemble(2, 3, 3, n_hidden=8, seeds=[0, 1]), tmp_path / "models")
        deepnets.save_classifier(deepnets.DigitMLP(4, 5, 3), tmp_path / "digits.safetensors")
    finally:
        os.umask(old)
    for path in (*paths, tmp_path / "digits.safetensors"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["model_000.safetensors", "model_001.safetensors"]
    assert rnn.load_ensemble(paths).n_models == 2


# ---- (9) the report checks what it reads ---------------------------------------------------------------------------

def _companion():
    # a real companion: the claims.json of five seeds and dt20 at reduced scale (the committed report's companion
    # until 2026-12-05), kept as a fixture
    return json.loads((ROOT / "tests/data/reduced_claims.json").read_text())


@pytest.mark.parametrize("damage,needle", [
    (lambda d: d["claims"][3].__setitem__("verdict", "banana"), r"claims\[3\] key 'verdict' = 'banana' is not a verdict"),
    (lambda d: next(iter(d["robustness"][5]["cells"].values())).__setitem__("verdict", "banana"),
     r"robustness\[5\] .* key 'cells' has unknown verdicts \{'\w+': 'banana'\}"),
    (lambda d: d["claims"].pop(7), r"key 'claims' has other numbers of rows than key 'coverage' counts"),
    (lambda d: d["robustness"].pop(0), r"key 'robustness' has no entry for the claim row\(s\) \['fig1 "),
])
def test_a_companion_with_unknown_verdicts_or_missing_rows_is_refused_naming_it(damage, needle):
    from modbound.reporting import report

    figures = registry.load()
    report.validate_claims_json(_companion(), PAPER, figures, "reduced/claims.json")   # the real one is fine
    doc = _companion()
    damage(doc)
    with pytest.raises(ValueError, match=rf"^reduced/claims\.json: {needle}"):
        report.validate_claims_json(doc, PAPER, figures, "reduced/claims.json")


# ---- (11) --configfile of a missing file ---------------------------------------------------------------------------

def test_missing_configfiles_are_found_among_snakemake_arguments(tmp_path):
    there = tmp_path / "a.yaml"
    there.write_text("seed: 0\n")
    args = ["--cores", "2", "results/x.pdf", "--configfile", str(there), str(tmp_path / "b.yaml"), "--keep-going",
            f"--configfile={tmp_path / 'c.yaml'}", "--config", "seed=1"]
    assert io.missing_configfiles(args) == [str(tmp_path / "b.yaml"), str(tmp_path / "c.yaml")]
    assert io.missing_configfiles(["--cores", "2", "--configfile", str(there)]) == []


def test_make_with_a_missing_configfile_stops_in_one_line_naming_it(tmp_path):
    import subprocess

    missing = tmp_path / "no such.yaml"
    proc = subprocess.run(["make", "-s", "-C", str(ROOT), "-o", ".venv/.modbound-installed", "reproduce",
                           f"SMKFLAGS=--configfile configs/test.yaml '{missing}'"], capture_output=True, text=True)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("make")]
    assert lines == [f"--configfile {missing}: no such file"], proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


# ---- (12) the same CPU code path on every x86 machine ---------------------------------------------------------------

def test_cpu_code_paths_and_what_a_run_records():
    from modbound.core import seeding

    assert seeding.cpu_code_path_env("avx2") == {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2"}
    assert seeding.cpu_code_path_env("native") == {}
    with pytest.raises(ValueError, match="config cpu_code_path: 'avx512' is not one of"):
        seeding.cpu_code_path_env("avx512")
    info = seeding.runtime_info()
    assert {"torch_cpu_capability", "ATEN_CPU_CAPABILITY", "MKL_CBWR", "torch", "numpy", "machine"} <= set(info)
    assert _config()["cpu_code_path"] == "avx2"      # the default (config.yaml)


def test_a_code_path_environment_sets_its_variables_and_native_clears_them(monkeypatch):
    from modbound.core import seeding

    shell = {"PATH": "/bin", "ATEN_CPU_CAPABILITY": "avx512", "MKL_CBWR": "AUTO"}
    assert seeding.with_cpu_code_path("avx2", shell) == {"PATH": "/bin", "ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2"}
    assert seeding.with_cpu_code_path("native", shell) == {"PATH": "/bin"}   # the CPU's own choice, not the shell's
    assert seeding.with_cpu_code_path("default", {"PATH": "/bin"}) == {
        "PATH": "/bin", "ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}
    assert shell == {"PATH": "/bin", "ATEN_CPU_CAPABILITY": "avx512", "MKL_CBWR": "AUTO"}   # a copy
    with pytest.raises(ValueError, match="'avx512' is not one of"):
        seeding.with_cpu_code_path("avx512", shell)
    calls = []
    monkeypatch.setattr(seeding.os, "execve", lambda exe, argv, env: calls.append(env))
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    monkeypatch.setenv("MKL_CBWR", "AVX2")
    seeding.restart_with_cpu_code_path("avx2")
    assert calls == []                               # already fixed: no restart
    monkeypatch.delenv("MKL_CBWR")
    seeding.restart_with_cpu_code_path("avx2")
    assert len(calls) == 1 and calls[0]["MKL_CBWR"] == "AVX2" and calls[0]["ATEN_CPU_CAPABILITY"] == "avx2"


def test_a_variant_cannot_set_the_cpu_code_path():
    from modbound.reporting import variants

    cfg = _config()
    cfg["variants"] = {"nat": {"figures": ["fig1"], "config": {"cpu_code_path": "native"}}}
    with pytest.raises(ValueError, match=r"config variants\.nat\.config\.cpu_code_path: a variant cannot set it"):
        variants.resolve(cfg, SCHEMA, registry.load())


@pytest.mark.slow
def test_training_jobs_run_on_the_configured_cpu_code_path(tmp_path):
    """The workflow sets ATEN_CPU_CAPABILITY and MKL_CBWR for its jobs: a tiny training records torch's capability
    AVX2 in its manifest, also on an AVX512 machine (whose own choice would be AVX512)."""
    import subprocess
    import sys

    tiny = tmp_path / "tiny.yaml"
    tiny.write_text("ensembles: {pdm: {n_models: 1, n_steps: 2}}\n")
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory",
                           str(tmp_path), "--cores", "1", "results/rnn/pdm/manifest.json", "--configfile",
                           str(ROOT / "configs/test.yaml"), str(tiny)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    runtime = json.loads((tmp_path / "results/rnn/pdm/manifest.json").read_text())["runtime"]
    assert runtime["torch_cpu_capability"] == "AVX2" and runtime["MKL_CBWR"] == "AVX2", runtime
    assert runtime["torch_threads"] == 1
