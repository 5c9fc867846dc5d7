"""Variants: overlay merge, schema errors naming variant and key, the robustness matrix."""
from pathlib import Path

import pytest

from modbound.reporting import claims, variants
from modbound.core.io import load_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"
FIGURES = ["fig1", "fig3", "figS2"]


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config.yaml", ROOT / "configs/test.yaml")


def _with_variant(config, spec):
    return {**config, "variants": {"v": spec}}


def test_overlay_is_deep_merged_and_leaves_the_rest(config):
    cfg = _with_variant(config, {"figures": ["fig1"], "config": {"rnn": {"dt": 20.0}, "ensembles": {"pdm": {"n_steps": 7}}}})
    out = variants.resolve(cfg, SCHEMA, FIGURES)
    merged = out["v"]["config"]
    assert out["v"]["figures"] == ["fig1"]
    assert merged["rnn"]["dt"] == 20.0 and merged["rnn"]["tau"] == config["rnn"]["tau"]  # sibling keys kept
    assert merged["ensembles"]["pdm"] == {**config["ensembles"]["pdm"], "n_steps": 7}
    assert merged["ensembles"]["gng"] == config["ensembles"]["gng"]
    assert merged["variants"] == {} and merged["replicates"] == {"seeds": []}  # no nested reruns
    assert cfg["rnn"]["dt"] == config["rnn"]["dt"]  # the main config is untouched


def test_lists_in_an_overlay_replace_whole(config):
    cfg = _with_variant(config, {"figures": ["fig1"], "config": {"origin": {"ffnn": {"n_inputs": [5]}}}})
    assert variants.resolve(cfg, SCHEMA, FIGURES)["v"]["config"]["origin"]["ffnn"]["n_inputs"] == [5]


def test_variant_with_no_figures_is_checked_but_not_run(config):
    assert variants.resolve(_with_variant(config, {"figures": [], "config": {"rnn": {"dt": 20.0}}}), SCHEMA, FIGURES) == {}
    with pytest.raises(ValueError, match=r"variants\.v\.config\.rnn\.dt"):
        variants.resolve(_with_variant(config, {"figures": [], "config": {"rnn": {"dt": -1}}}), SCHEMA, FIGURES)


@pytest.mark.parametrize("overlay,needle", [
    ({"rnn": {"dtt": 20}}, r"config variants\.v\.config\.rnn: .*'dtt'"),               # unknown key
    ({"typo_section": 1}, r"config variants\.v\.config: .*'typo_section'"),            # unknown top-level key
    ({"rnn": {"dt": 0}}, r"config variants\.v\.config\.rnn\.dt: 0 is less than or equal"),  # bad value
    ({"analysis": {"gamma": "one"}}, r"config variants\.v\.config\.analysis\.gamma: 'one' is not of type"),
    ({"ensembles": {"pdm": {"n_steps": "many"}}}, r"variants\.v\.config\.ensembles\.pdm\.n_steps"),
    ({"replicates": {"seeds": [3]}}, r"variants\.v\.config\.replicates: a variant cannot set"),
    ({"variants": {}}, r"variants\.v\.config\.variants: a variant cannot set"),
    ({"analysis": {"n_trials": 20, "accuracy_trials": 10}}, r"variants\.v\.config\.analysis\.accuracy_trials: 10 is fewer"),
])
def test_bad_overlay_names_the_variant_and_the_key(config, overlay, needle):
    with pytest.raises(ValueError, match=needle):
        variants.resolve(_with_variant(config, {"figures": ["fig1"], "config": overlay}), SCHEMA, FIGURES)


def test_unknown_figure_names_the_variant(config):
    with pytest.raises(ValueError, match=r"variants\.v\.figures: unknown figure\(s\) \['fig99'\]"):
        variants.resolve(_with_variant(config, {"figures": ["fig1", "fig99"], "config": {}}), SCHEMA, FIGURES)


def test_shipped_variants_are_valid():
    for files in (["config.yaml"], ["config.yaml", "configs/test.yaml"], ["config.yaml", "configs/paper.yaml"]):
        cfg = load_config(*(ROOT / f for f in files))
        figures = list(load_config(ROOT / "workflow/figures.yaml"))
        run = variants.resolve(cfg, SCHEMA, figures)
        for name, spec in cfg["variants"].items():
            assert (name in run) == bool(spec["figures"]), (files, name)


@pytest.mark.parametrize("files", [["config.yaml"], ["config.yaml", "configs/test.yaml"],
                                   ["config.yaml", "configs/paper.yaml"]])
def test_dt20_scales_every_time_step_count_to_the_same_milliseconds(files):
    main = load_config(*(ROOT / f for f in files))
    dt20 = variants.variant_config("dt20", main["variants"]["dt20"]["config"], main, SCHEMA)
    ratio = main["rnn"]["dt"] / dt20["rnn"]["dt"]
    assert ratio == 5
    assert dt20["rnn"]["seq_len"] == ratio * main["rnn"]["seq_len"]
    assert dt20["dynamics"]["perturbation"]["n_steps"] == ratio * main["dynamics"]["perturbation"]["n_steps"]
    for key in ("run_steps", "long_steps", "period_steps"):
        assert dt20["dynamics"]["flow"][key] == ratio * main["dynamics"]["flow"][key], key
    assert dt20["dynamics"]["fixed_points"]["speed_tol"] == pytest.approx(main["dynamics"]["fixed_points"]["speed_tol"]
                                                                          / ratio ** 2)
    # 20 trials x 110 steps = the paper's 2200 PDM time points (Fig S1), unless the tiny test scale
    assert dt20["analysis"]["n_trials"] == (12 if "configs/test.yaml" in files else 20)
    # pass/fail (rnn.min_accuracy) judged on at least as many trials as at dt = 100, where the recording is long enough
    if "configs/test.yaml" not in files:
        assert dt20["analysis"]["accuracy_trials"] >= main["analysis"]["n_trials"]


def test_main_config_relations_are_checked():
    with pytest.raises(ValueError, match=r"^config\.analysis\.accuracy_trials: 5 is fewer"):
        variants.check_relations({"analysis": {"n_trials": 10, "accuracy_trials": 5}})
    variants.check_relations({"analysis": {"n_trials": 10, "accuracy_trials": None}})


def _row(fig, cid, verdict, stat, p=0.01):
    return {"figure": fig, "id": cid, "statement": f"{cid} holds", "direction": "greater", "data": "",
            "verdict": verdict, "statistic": stat, "p": p}


def test_robustness_matrix_cells_and_summary():
    by_run = {
        "main": [_row("fig1", "a", "supported", 3.0), _row("fig1", "b", "not significant", 0.5, 0.4),
                 _row("fig2", "c", "supported", 2.0)],
        "dt20": [_row("fig1", "a", "opposite", -2.5)],          # built fig1 only; made no claim b
        "seed1": [_row("fig1", "a", "supported", 2.0), _row("fig1", "b", "supported", 2.2),
                  _row("fig2", "c", "untestable", None, None)],
    }
    built = {"main": ["fig1", "fig2"], "dt20": ["fig1"], "seed1": ["fig1", "fig2"]}
    matrix = {r["id"]: r for r in claims.robustness(by_run, built)}
    assert list(matrix) == ["a", "b", "c"]
    a, b, c = matrix["a"], matrix["b"], matrix["c"]
    assert a["runs"] == ["main", "dt20", "seed1"] and a["cells"]["dt20"] == {"verdict": "opposite", "statistic": -2.5,
                                                                             "p": 0.01}
    assert a["n_supported"] == 2 and a["summary"] == "supported in 2 of 3 runs"
    assert b["cells"]["dt20"]["verdict"] == claims.NO_CLAIM and b["summary"] == "supported in 1 of 3 runs"
    assert "dt20" not in c["cells"] and c["summary"] == "supported in 1 of 2 runs"  # dt20 did not build fig2
    md = claims.robustness_markdown(matrix.values(), by_run, {"dt20": "dt = 20 ms"})
    assert "| figure | claim | main | dt20 | seed1 | supported | data |" in md and "**dt20** = dt = 20 ms" in md
    assert "| fig1 | a holds | yes (3) | OPPOSITE (-2.5) | yes (2) | supported in 2 of 3 runs |" in md
    assert "| fig2 | c holds | yes (2) | - | untestable | supported in 1 of 2 runs |" in md
    assert "| fig1 | b holds | n.s. (0.5) | no claim | yes (2.2) | supported in 1 of 3 runs |" in md


def test_robustness_without_built_figures_uses_the_rows():
    by_run = {"main": [_row("fig1", "a", "supported", 1.0)], "v": [_row("fig2", "c", "supported", 1.0)]}
    matrix = claims.robustness(by_run)
    assert [r["n_runs"] for r in matrix] == [1, 1]


def test_a_diverged_network_is_reported_and_loads_only_when_listed(tmp_path):
    """dt20 (500-step sequences) makes some networks' training blow up to NaN: such a network is a failed
    network (listed, accuracy 0, excluded), not a corrupt file; an unlisted non-finite checkpoint still fails."""
    import torch

    from modbound.models import rnn

    model = rnn.CTRNNEnsemble(3, 3, 2, n_hidden=4, seeds=[1, 2, 3])
    assert rnn.diverged_models(model) == []
    with torch.no_grad():
        model.W_rec[1, 0, 0] = float("nan")
    assert rnn.diverged_models(model) == [1]
    paths = rnn.save_ensemble(model, tmp_path / "models")
    with pytest.raises(ValueError, match=r"model_001.*non-finite"):
        rnn.load_ensemble(paths)
    loaded = rnn.load_ensemble(paths, diverged=[1])
    assert rnn.diverged_models(loaded) == [1]
    assert torch.equal(loaded.W_rec[0], model.W_rec[0]) and torch.equal(loaded.W_rec[2], model.W_rec[2])


def test_master_only_overlay_runs_no_variant_and_no_replicate():
    cfg = load_config(ROOT / "config.yaml", ROOT / "configs/paper.yaml", ROOT / "configs/master_only.yaml")
    assert variants.resolve(cfg, SCHEMA, _figure_ids()) == {}
    assert cfg["replicates"]["seeds"] == []
    assert set(cfg["variants"]) == set(load_config(ROOT / "config.yaml", ROOT / "configs/paper.yaml")["variants"])


def test_seeds_overlay_runs_the_papers_five_seeds_at_the_scale_below_it(tmp_path):
    """configs/seeds.yaml: the paper's replicate seeds over any config, keeping that config's scale (the committed
    report's reduced-scale seed spread: README "Reproduction report")."""
    from conftest import run_snakemake
    paper = load_config(ROOT / "config.yaml", ROOT / "configs/paper.yaml")
    cfg = load_config(ROOT / "config.yaml", ROOT / "configs/seeds.yaml")
    assert cfg["replicates"]["seeds"] == paper["replicates"]["seeds"] and cfg["scale"] == "default"
    assert {k: v for k, v in cfg.items() if k != "replicates"} == \
        {k: v for k, v in load_config(ROOT / "config.yaml").items() if k != "replicates"}
    out = run_snakemake("-n", "--quiet", "rules", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
                        "--configfile", str(ROOT / "configs/seeds.yaml")).stdout
    for s in cfg["replicates"]["seeds"]:
        assert f"seed{s}_train_ensemble" in out, s


def _figure_ids():
    from modbound.reporting import registry
    return list(registry.load(ROOT / "workflow/figures.yaml"))
