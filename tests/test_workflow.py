"""Workflow-level tests: schema validation, lint, dry-runs, and a tiny end-to-end run."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from modbound.reporting import claims as claims_mod
from modbound.core.io import load_config

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


# run_snakemake, _run_tiny and the session-wide tiny run (fixture tiny_run) live in tests/conftest.py, so that
# other test modules (tests/test_report.py) reuse the same tiny run.
from conftest import run_snakemake, run_tiny as _run_tiny  # noqa: E402


@pytest.mark.parametrize("configfile", ["config.yaml", "configs/test.yaml", "configs/paper.yaml"])
def test_dry_run_plans_every_figure(configfile, tmp_path):
    # an empty working directory, so that outputs of an earlier run in the checkout cannot hide jobs
    proc = run_snakemake("-n", "--quiet", "rules", "--snakefile", str(ROOT / "Snakefile"),
                         "--configfile", str(ROOT / configfile), "--directory", str(tmp_path))
    out = proc.stdout + proc.stderr
    for rule in ("train_ensemble", "claims"):
        assert rule in out, out
    seeds = load_config(ROOT / "config.yaml", ROOT / configfile)["replicates"]["seeds"]
    assert (configfile == "configs/paper.yaml") == bool(seeds)  # the paper config gives each claim's spread
    for s in seeds:
        assert f"seed{s}_train_ensemble" in out and f"seed{s}_figure_fig3" in out, s
    run_variants = {name for name, v in load_config(ROOT / "config.yaml", ROOT / configfile)["variants"].items()
                    if v["figures"]}
    assert run_variants == {"config.yaml": {"dt20"}, "configs/test.yaml": set(),
                            "configs/paper.yaml": {"dt20", "gamma0p5", "gamma2"}}[configfile]
    for name in run_variants:
        assert f"variant_{name}_figure_fig1" in out and f"variant_{name}_train_ensemble" in out, name
    if "dt20" in run_variants:  # RNN figures only
        assert "variant_dt20_figure_fig2" not in out and "variant_dt20_figure_fig4_human" not in out


def test_lint_is_clean():
    proc = run_snakemake("--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _bad_config(tmp_path, mutate):
    cfg = load_config(ROOT / "config.yaml", ROOT / "configs/test.yaml")
    mutate(cfg)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.parametrize(
    "mutate,needle",
    [
        (lambda c: c["rnn"].__setitem__("lr", -1), "lr"),
        (lambda c: c["ensembles"]["pdm"].__setitem__("task", "foo"), "task"),
        (lambda c: c["analysis"].__setitem__("n_perm", "many"), "n_perm"),
        (lambda c: c.__setitem__("typo_key", 1), "typo_key"),
        (lambda c: c.__setitem__("device", "gpu"), "device"),
    ],
)
def test_bad_config_value_fails_naming_the_key(tmp_path, mutate, needle):
    path = _bad_config(tmp_path, mutate)
    proc = run_snakemake("-n", "--configfile", str(path), check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "validating config" in out.lower() or "ValidationError" in out, out
    assert needle in out, out


@pytest.mark.slow
def test_tiny_end_to_end_builds_every_figure(tiny_run):
    stats_dir = tiny_run / "results/stats"
    stats_files = sorted(stats_dir.glob("*.json"))
    assert {p.stem for p in stats_files} >= {"fig1", "figS1", "figS2", "figS3",
                                              "fig2", "fig4_rnn", "figS6", "figS7", "figS8", "figS11",
                                              "figS4", "figS5"}
    for p in stats_files:
        fig = p.stem
        for ext in ("pdf", "png"):
            out = tiny_run / f"results/figures/{fig}.{ext}"
            assert out.exists() and out.stat().st_size > 10_000, out
        stats = json.loads(p.read_text())
        assert stats["scale"] == "test"
        # stats name no path of this machine, so runs from two checkouts give identical files
        assert str(ROOT) not in p.read_text() and str(tiny_run) not in p.read_text(), fig
    fig1 = json.loads((stats_dir / "fig1.json").read_text())
    assert fig1["n_networks"] == 3 and len(fig1["init_seeds"]) == 3
    assert {c["id"] for c in fig1["claims"]} >= {"fig1.lesion_stim1_module", "fig1.lesion_stim2_module"}
    claims_md = (tiny_run / "results/claims.md").read_text()
    assert claims_md.count("| fig1 |") == len(fig1["claims"])
    for fig in ("fig2", "fig4_rnn", "figS6", "figS7", "figS8", "figS11"):  # origin of modules
        stats = json.loads((stats_dir / f"{fig}.json").read_text())
        assert stats["claims"] and claims_md.count(f"| {fig} |") == len(stats["claims"]), fig
    # every claim of the paper (workflow/paper_claims.yaml) has at least one row in the claims table (tested, or
    # untested with its reason), and the table opens with the coverage of the paper's claims
    paper = claims_mod.load_paper_claims(ROOT / "workflow/paper_claims.yaml")
    table = json.loads((tiny_run / "results/claims.json").read_text())
    covered = {r.get("paper_claim") for r in table["claims"]}
    missing = [p["id"] for p in paper if p["id"] not in covered]
    assert not missing, f"paper claims with no row in the claims table: {missing}"
    assert claims_md.splitlines()[2].startswith(f"Coverage of the paper's {len(paper)} claims")
    assert table["coverage"]["n_paper_claims"] == len(paper)
    # ids without spaces; every strength row reads its threshold from config paper_strength (one home) and
    # names the paper's words and our reading; every judged row shows its effect; brain scatter rows are descriptive
    strength = load_config(ROOT / "config.yaml", ROOT / "configs/test.yaml")["paper_strength"]
    rows = table["claims"]
    assert not [r["id"] for r in rows if " " in r["id"]]
    readings = [r for r in rows if r.get("strength")]
    assert {r["strength"]["key"] for r in readings} == set(strength), "a paper_strength key serves no row"
    for r in readings:
        assert r["strength"]["threshold"] == strength[r["strength"]["key"]], r["id"]
        assert r["strength"]["words"] and r["strength"]["reading"].startswith(f"our reading of '{r['strength']['words']}"), r["id"]
    assert not [r["id"] for r in rows if r["verdict"] in claims_mod.TESTED_VERDICTS and not claims_mod.effect_cell(r)]
    assert {r["verdict"] for r in rows if r["id"].endswith("similarity_tracks_fc")} <= {"descriptive", "untestable", "untested"}
    assert "weaker than stated" in claims_md and "| our reading |" in claims_md
    s11 = json.loads((stats_dir / "figS11.json").read_text())
    assert s11["ensembles"]["shared_input"]["initial_w_in_r"]["mean"] == pytest.approx(1.0)
    assert all(e["split_half_ari"]["n"] == e["n_networks"] for e in s11["ensembles"].values())  # S11 reference level
    # every rule left a log
    assert any((tiny_run / "logs/train_ensemble").iterdir())


@pytest.mark.slow
def test_two_runs_give_identical_stats(tiny_run, tmp_path):
    _run_tiny(tmp_path, "results/stats/fig1.json", "results/stats/figS3.json")
    for name in ("fig1.json", "figS3.json"):
        assert (tmp_path / "results/stats" / name).read_bytes() == (tiny_run / "results/stats" / name).read_bytes()


@pytest.mark.slow
def test_corrupted_checkpoint_is_detected(tiny_run, tmp_path):
    work = tmp_path / "w"
    shutil.copytree(tiny_run, work, ignore=shutil.ignore_patterns(".snakemake"))
    ckpt = sorted((work / "results/rnn/pdm/models").glob("*.safetensors"))[0]
    data = bytearray(ckpt.read_bytes())
    data[-5] ^= 0xFF
    ckpt.write_bytes(bytes(data))
    proc = run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--configfile",
                         str(ROOT / "configs/test.yaml"), "--cores", "1", "--forcerun", "record_activity",
                         "results/rnn/pdm/activity.npz", check=False)
    assert proc.returncode != 0
    log = (work / "logs/record_activity/pdm.log").read_text()
    assert "checksum mismatch" in log and ckpt.name in log
    assert not (work / "results/rnn/pdm/activity.npz").exists()


@pytest.mark.slow
def test_killed_mid_training_then_rerun_gives_identical_stats(tiny_run, tmp_path):
    """SIGKILL the whole workflow while an ensemble trains; --rerun-incomplete finishes it identically."""
    import signal
    import time

    cmd = [*SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path), "--configfile",
           str(ROOT / "configs/test.yaml"), "--cores", "1", "results/stats/fig1.json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    log = tmp_path / "logs/train_ensemble/pdm.log"
    deadline = time.time() + 120
    while time.time() < deadline and not (log.exists() and "training pdm" in log.read_text()):
        time.sleep(0.05)
    assert proc.poll() is None, "workflow finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "results/stats/fig1.json").exists()
    common = ["--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path), "--configfile",
              str(ROOT / "configs/test.yaml")]
    run_snakemake(*common, "--unlock")  # a killed run leaves its lock behind
    run_snakemake(*common, "--cores", "2", "--rerun-incomplete", "results/stats/fig1.json")
    assert (tmp_path / "results/stats/fig1.json").read_bytes() == (tiny_run / "results/stats/fig1.json").read_bytes()


@pytest.mark.slow
def test_orphan_temp_file_of_a_killed_figure_rule_is_removed_by_the_rerun(tiny_run, tmp_path):
    """What a SIGKILL inside a figure rule leaves (its output missing, a temp file next to it):
    the rerun of that rule removes the temp file, and the figure is written with the umask's permissions."""
    from modbound.core import io

    work = tmp_path / "work"
    shutil.copytree(tiny_run, work, ignore=shutil.ignore_patterns(".snakemake"))
    figs = work / "results/figures"
    (figs / "fig1.pdf").unlink()
    orphan = figs / ".fig1.pdf.tmp-k1ll3d00.pdf"
    orphan.write_bytes(b"")
    assert io.temp_files(figs / "fig1.pdf") == [orphan]
    run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--cores", "1",
                  "results/figures/fig1.pdf", "--configfile", str(ROOT / "configs/test.yaml"))
    assert not orphan.exists() and not [p for p in figs.iterdir() if ".tmp-" in p.name]
    mask = os.umask(0)
    os.umask(mask)
    assert (figs / "fig1.pdf").stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.slow
def test_html_report_holds_every_figure_with_its_caption(tiny_run):
    report = tiny_run / "report.html"
    run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(tiny_run), "--configfile",
                  str(ROOT / "configs/test.yaml"), "--report", str(report))
    html = report.read_text(errors="replace")
    for stats in (tiny_run / "results/stats").glob("*.json"):
        assert f"{stats.stem}.png" in html, stats.stem
    assert "Fig 1 - Modules of a perceptual decision-making RNN" in html


@pytest.mark.slow
def test_tiny_end_to_end_brain_figures(tiny_run, tmp_path):
    """Figs 4f-o, S9, S10: built, labelled synthetic, claims listed, byte-identical on a rerun."""
    stats_dir = tiny_run / "results/stats"
    claims_md = (tiny_run / "results/claims.md").read_text()
    for fig in ("fig4_mouse", "fig4_human", "figS9", "figS10"):
        stats = json.loads((stats_dir / f"{fig}.json").read_text())
        assert stats["scale"] == "test" and stats["synthetic"] is True, fig
        assert stats["data"].startswith("synthetic"), fig
        assert stats["claims"] and claims_md.count(f"| {fig} |") == len(stats["claims"]), fig
        for ext in ("pdf", "png"):
            assert (tiny_run / f"results/figures/{fig}.{ext}").stat().st_size > 10_000
    human = json.loads((stats_dir / "fig4_human.json").read_text())
    assert human["n_nodes"] == 300 and human["spatial_null"]["n"] == 10
    # the real parcel-level data set judges what it can: each human paper claim has a REAL row, untested with why
    for fig, n in (("fig4_human", 3), ("figS9", 2)):
        stats = json.loads((stats_dir / f"{fig}.json").read_text())
        real = [c for c in stats["claims"] if c.get("data", "").startswith("REAL, parcel level")]
        assert len(real) == n and all(c["verdict"] == "untested" and "one angle per node" in c["detail"]
                                      for c in real), fig
        assert stats["real_data"]["n_sources"] == 2 and not stats["real_data"]["testable"], fig
        assert claims_md.count("REAL, parcel level") >= n
    assert (tiny_run / "resources/brain/human/distmat.npy").exists()
    _run_tiny(tmp_path, "results/stats/fig4_human.json", "results/stats/figS10.json")
    for name in ("fig4_human.json", "figS10.json"):
        assert (tmp_path / "results/stats" / name).read_bytes() == (stats_dir / name).read_bytes()


@pytest.mark.slow
def test_tiny_deepnets_figures(tiny_run, tmp_path):  # Figs S4, S5 (offline data and model)
    stats_dir = tiny_run / "results/stats"
    claims_md = (tiny_run / "results/claims.md").read_text()
    s4 = json.loads((stats_dir / "figS4.json").read_text())
    assert s4["dataset"] == "sklearn_digits" and s4["n_sets_per_digit"] == 3 and s4["samples_per_set"] == 8
    assert s4["classifier"]["test_accuracy"] > 0.1 and len(s4["ari_matrix"]) == 30
    s5 = json.loads((stats_dir / "figS5.json").read_text())
    assert s5["packaged_model"] and "all-MiniLM-L6-v2" in s5["model"] and s5["layers"] == [1, 2, 3]
    assert len(s5["sentences"]) == 9
    for st in (s4, s5):
        assert st["claims"] and claims_md.count(f"| {st['figure']} |") == len(st["claims"])
    _run_tiny(tmp_path, "results/stats/figS4.json", "results/stats/figS5.json")
    for name in ("figS4.json", "figS5.json"):
        assert (tmp_path / "results/stats" / name).read_bytes() == (stats_dir / name).read_bytes(), name


@pytest.mark.slow
def test_tiny_end_to_end_dynamics_figures(tiny_run, tmp_path):  # Figs 3, 5, 6, S12, S13, S14
    stats_dir = tiny_run / "results/stats"
    claims_md = (tiny_run / "results/claims.md").read_text()
    for fig in ("fig3", "fig5", "fig6", "figS12", "figS13", "figS14"):
        stats = json.loads((stats_dir / f"{fig}.json").read_text())
        assert stats["scale"] == "test" and stats["figure"] == fig, fig
        assert stats["claims"] and claims_md.count(f"| {fig} |") == len(stats["claims"]), fig
        for ext in ("pdf", "png"):
            assert (tiny_run / f"results/figures/{fig}.{ext}").stat().st_size > 10_000, fig
    fig3 = json.loads((stats_dir / "fig3.json").read_text())
    assert set(fig3["ensembles"]) == {"pdm", "gng"} and fig3["ensembles"]["pdm"]["n_networks"] == 3
    fig5 = json.loads((stats_dir / "fig5.json").read_text())
    assert fig5["partition"] == "sign" and fig5["max_lesions"] == 20 and len(fig5["mean_curves"]) == 4
    assert len(fig5["mean_curves"]["lesion_module1_perturb_stim1"]["mean"]) == 21
    fig6 = json.loads((stats_dir / "fig6.json").read_text())
    assert fig6["task"] == "gng" and fig6["grid"]["n_states"] == 625
    assert json.loads((stats_dir / "figS13.json").read_text())["task"] == "pdm"
    assert (tiny_run / "results/benchmarks/dynamics/fixed_points_pdm.tsv").exists()
    _run_tiny(tmp_path, "results/stats/fig5.json", "results/stats/figS14.json")
    for name in ("fig5.json", "figS14.json"):
        assert (tmp_path / "results/stats" / name).read_bytes() == (stats_dir / name).read_bytes(), name


def _replicates_config(tmp_path, seeds):
    path = tmp_path / "replicates.yaml"
    path.write_text(yaml.safe_dump({"replicates": {"seeds": seeds}}))
    return path


def test_dry_run_with_replicate_seeds_plans_each_seed_in_its_own_folder(tmp_path):
    cfg = _replicates_config(tmp_path, [3, 5])
    proc = run_snakemake("-n", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
                         "--configfile", str(ROOT / "configs/test.yaml"), str(cfg))
    out = proc.stdout + proc.stderr
    for s in (3, 5):
        assert f"rule seed{s}_train_ensemble:" in out, out
        for path in (f"results/replicates/seed{s}/stats/fig1.json", f"results/replicates/seed{s}/rnn/pdm/manifest.json",
                     f"results/replicates/seed{s}/stats/fig4_human.json", f"logs/replicates/seed{s}/train_ensemble/pdm.log"):
            assert path in out, path
        # data in resources/ is shared: made once, by the main workflow's rules
        assert f"seed{s}_brain_distances" not in out and f"seed{s}_brain_prepare" not in out
    assert out.count("rule brain_distances:") == 2  # human and mouse, once each
    assert out.count("rule claims:") == 1


@pytest.mark.parametrize("overlay, seeds, variants", [("configs/master_only.yaml", False, False),
                                                     ("configs/no_variants.yaml", True, False)])
def test_paper_overlays_plan_their_seeds_and_no_variants(tmp_path, overlay, seeds, variants):
    proc = run_snakemake("-n", "--quiet", "rules", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
                         "--configfile", str(ROOT / "configs/paper.yaml"), str(ROOT / overlay))
    out = proc.stdout + proc.stderr
    assert "train_ensemble" in out and "claims" in out
    assert all((f"seed{s}_train_ensemble" in out) == seeds for s in (1, 2, 3, 4)), out
    assert ("variant_" in out) == variants, out


def test_brain_threads_set_the_brain_analysis_jobs_threads_and_memory(tmp_path):
    cfg = tmp_path / "threads.yaml"
    cfg.write_text(yaml.safe_dump({"brain": {"threads": 2}}))
    plans = {}
    for extra in ([], [str(cfg)]):
        proc = run_snakemake("-n", "--cores", "2", "--snakefile", str(ROOT / "Snakefile"), "--directory",
                             str(tmp_path), "--configfile", str(ROOT / "configs/test.yaml"), *extra)
        out = proc.stdout + proc.stderr
        job = out[out.index("rule brain_analysis:"):]
        job = job[:job.index("\n[")]  # up to the next job's time stamp
        plans[bool(extra)] = job
    assert "threads: 2" in plans[True] and "threads:" not in plans[False]
    mem = {k: int(v.split("mem_mb=")[1].split(",")[0]) for k, v in plans.items()}
    assert mem[True] == mem[False] + 1024  # a second Louvain run's node-to-module table


def test_gpu_device_asks_for_a_gpu_for_training_and_the_searches_only(tmp_path):
    """config device: cuda gives the trainings, slow-point and nullcline jobs the resource gpu=1 (the SLURM executor's
    GPU request) and their device parameter; every other job, and every job under the default cpu, asks for none."""
    cfg = tmp_path / "gpu.yaml"
    cfg.write_text(yaml.safe_dump({"device": "cuda"}))
    gpu_rules = {"train_ensemble", "dynamics_fixed_points", "dynamics_nullclines"}
    for extra, gpus in (([], 0), ([str(cfg)], 1)):
        proc = run_snakemake("-n", "--cores", "2", "--snakefile", str(ROOT / "Snakefile"), "--directory",
                             str(tmp_path), "--configfile", str(ROOT / "configs/test.yaml"), *extra)
        jobs = (proc.stdout + proc.stderr).split("\nrule ")[1:]
        asked = {job.split(":")[0] for job in jobs if "gpu=1" in job}
        planned = {job.split(":")[0] for job in jobs}
        assert gpu_rules <= planned
        assert asked == (gpu_rules if gpus else set())


def test_priorities_put_the_longest_chains_first(tmp_path):
    """Paper scale (dry-run): the human brain chain first, then the nullcline ensemble's chain (training, recording,
    fixed points, nullclines) ahead of every other RNN job, recordings right after their training, the other
    trainings largest first (multitask: 100 x 4,000 updates), the independent sweeps last."""
    proc = run_snakemake("-n", "--verbose", "--cores", "2", "--snakefile", str(ROOT / "Snakefile"), "--directory",
                         str(tmp_path), "--configfile", str(ROOT / "configs/paper.yaml"),
                         str(ROOT / "configs/master_only.yaml"))
    prio = {}
    for job in (proc.stdout + proc.stderr).split("\nrule ")[1:]:
        wildcards = re.search(r"wildcards: ensemble=(\w+)", job)
        key = (job.split(":")[0], wildcards.group(1) if wildcards else None)
        prio[key] = int(re.search(r"priority: (\d+)", job).group(1)) if "priority:" in job else 0
    chain = [("train_ensemble", "pdm"), ("record_activity", "pdm"), ("dynamics_fixed_points", "pdm"),
             ("dynamics_nullclines", "pdm")]
    others = [key for key in prio if key[1] is not None and key[1] != "pdm"]
    assert others and {prio[key] for key in chain} == {40}
    assert max(prio[key] for key in others) < 40 < prio[("brain_analysis", None)]
    trainings = {key[1]: prio[key] for key in others if key[0] == "train_ensemble"}
    assert trainings["multitask"] == max(trainings.values()) > trainings["pdm_random"] > prio[("ffnn_analysis", None)]
    assert all(prio[("record_activity", e)] > p for e, p in trainings.items())


def test_replicate_seed_equal_to_master_seed_is_refused(tmp_path):
    cfg = _replicates_config(tmp_path, [0])
    proc = run_snakemake("-n", "--configfile", str(ROOT / "configs/test.yaml"), str(cfg), check=False)
    assert proc.returncode != 0
    assert "replicates.seeds" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_replicate_seed_reruns_the_analysis_and_claims_show_the_spread(tiny_run, tmp_path):
    """configs/paper.yaml's replicate seeds and a variant at tiny scale: one more seed and the dt20 variant
    (for Fig 1), each in its own folder, next to an untouched main run; results/claims.{md,json} then
    summarise every claim across both seeds and show each claim in every run (the robustness matrix)."""
    work = tmp_path / "w"
    # with its .snakemake metadata, as a user's own run: adding seeds changes the claims rule's inputs
    shutil.copytree(tiny_run, work, ignore=shutil.ignore_patterns("report.html"))
    main_stats = {p.name: p.read_bytes() for p in (work / "results/stats").glob("*.json")}
    cfg = tmp_path / "reruns.yaml"
    cfg.write_text(yaml.safe_dump({"replicates": {"seeds": [1]}, "variants": {"dt20": {"figures": ["fig1"]}}}))
    run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--configfile",
                  str(ROOT / "configs/test.yaml"), str(cfg), "--cores", "2")
    assert {p.name: p.read_bytes() for p in (work / "results/stats").glob("*.json")} == main_stats
    rep = work / "results/replicates/seed1"
    assert {p.name for p in (rep / "stats").glob("*.json")} == set(main_stats)
    assert (rep / "figures/fig1.png").stat().st_size > 10_000
    assert (work / "logs/replicates/seed1/train_ensemble/pdm.log").exists()
    main_fig1 = json.loads(main_stats["fig1.json"])
    rep_fig1 = json.loads((rep / "stats/fig1.json").read_text())
    assert rep_fig1["init_seeds"] != main_fig1["init_seeds"]  # the replicate really uses another seed
    out = json.loads((work / "results/claims.json").read_text())
    assert out["seeds"] == [0, 1]
    assert [r for r in out["claims"] if r["seed"] != 0] == []
    ids = {(r["figure"], r["id"]) for r in out["claims"]}
    assert ids <= {(r["figure"], r["id"]) for r in out["spread"]}
    both = [r for r in out["spread"] if r["n_seeds"] == 2 and r["statistic_mean"] is not None]
    assert both and all(r["statistic_min"] <= r["statistic_mean"] <= r["statistic_max"] for r in both)
    row = next(r for r in both if r["figure"] == "fig1" and None not in r["statistic_by_seed"].values())
    own = next(c for c in rep_fig1["claims"] if c["id"] == row["id"])
    assert row["statistic_by_seed"]["1"] == pytest.approx(own["statistic"])
    md = (work / "results/claims.md").read_text()
    assert "## Spread across 2 master seeds (0, 1)" in md
    # the dt20 variant: only its figure, in its own folder, really at dt = 20 ms, sharing resources/
    var = work / "results/variants/dt20"
    assert [p.name for p in (var / "stats").glob("*.json")] == ["fig1.json"]
    assert json.loads((var / "rnn/pdm/manifest.json").read_text())["rnn"]["dt"] == 20.0
    assert json.loads((work / "results/rnn/pdm/manifest.json").read_text())["rnn"]["dt"] == 100.0
    assert (var / "figures/fig1.png").stat().st_size > 10_000 and (work / "logs/variants/dt20/train_ensemble/pdm.log").exists()
    var_fig1 = json.loads((var / "stats/fig1.json").read_text())
    assert var_fig1 != main_fig1 and var_fig1["init_seeds"] == main_fig1["init_seeds"]  # same seed, other dt
    # the robustness matrix: a column per run, each cell the run's own verdict and statistic
    assert out["runs"] == ["main", "dt20", "seed1"]
    stats_of = {"main": main_fig1, "dt20": var_fig1, "seed1": rep_fig1}
    fig1_rows = [r for r in out["robustness"] if r["figure"] == "fig1"]
    assert fig1_rows and {r["id"] for r in fig1_rows} == {c["id"] for st in stats_of.values() for c in st["claims"]}
    for r in fig1_rows:
        for run, st in stats_of.items():
            own = next((c for c in st["claims"] if c["id"] == r["id"]), None)
            cell = r["cells"][run]
            assert cell["verdict"] == ("no claim" if own is None else own["verdict"]), (run, r["id"])
            if own is not None and own["statistic"] is not None:
                assert cell["statistic"] == pytest.approx(own["statistic"]), (run, r["id"])
        assert r["n_runs"] == 3 and r["summary"] == f"supported in {r['n_supported']} of 3 runs"
    fig2_row = next(r for r in out["robustness"] if r["figure"] == "fig2")
    assert fig2_row["runs"] == ["main", "seed1"]  # dt20 does not build Fig 2
    assert "## Robustness: each claim in every run" in md and "| figure | claim | main | dt20 | seed1 |" in md


@pytest.mark.parametrize("overlay,needles", [
    ({"rnn": {"dtt": 20}}, ["config variants.dt20.config.rnn", "'dtt' was unexpected"]),
    ({"dynamics": {"flow": {"run_steps": 0}}}, ["config variants.dt20.config.dynamics.flow.run_steps", "0 is less"]),
])
def test_bad_variant_overlay_stops_the_workflow_at_start_up(tmp_path, overlay, needles):
    cfg = tmp_path / "bad_variant.yaml"
    cfg.write_text(yaml.safe_dump({"variants": {"dt20": {"config": overlay}}}))
    proc = run_snakemake("-n", "--directory", str(tmp_path), "--snakefile", str(ROOT / "Snakefile"),
                         "--configfile", str(ROOT / "configs/test.yaml"), str(cfg), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and all(n in out for n in needles), out
