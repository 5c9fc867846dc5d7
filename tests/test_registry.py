"""The figure registry (workflow/figures.yaml): every figure has its module, caption and row in the figure table of
docs/methods.md, and its inputs and params resolve under every shipped config."""
import importlib
import inspect
from pathlib import Path

import pytest

from modbound.reporting import registry
from modbound.core.io import load_config

ROOT = Path(__file__).resolve().parents[1]
REG = registry.load(ROOT / "workflow" / "figures.yaml")
CONFIGS = ["config.yaml", "configs/test.yaml", "configs/paper.yaml"]


def test_registry_lists_the_22_figures_once():
    assert len(REG) == 22 and len(set(REG)) == 22
    assert {"fig1", "fig2", "fig3", "fig4_rnn", "fig4_mouse", "fig4_human", "fig5", "fig6"} <= set(REG)
    assert {f"figS{i}" for i in range(1, 15)} <= set(REG)


@pytest.mark.parametrize("fid", list(REG))
def test_each_figure_has_a_module_with_stats_and_plot_and_a_caption(fid):
    mod = importlib.import_module(registry.module_name(fid))
    assert (ROOT / "src/modbound/figures" / f"{fid}.py").exists()
    for fn in ("stats", "plot"):
        assert callable(getattr(mod, fn)), (fid, fn)
    assert list(inspect.signature(mod.plot).parameters) == ["data", "stats_"]
    # stats() takes exactly the registry's params (+ scale), so a rule cannot pass what the module ignores
    params = inspect.signature(mod.stats).parameters
    assert list(params)[0] == "data"
    required = {n for n, p in params.items() if p.kind is p.KEYWORD_ONLY and p.default is p.empty}
    assert required == {"scale", *REG[fid]["params"]}, fid
    assert (ROOT / registry.caption_path(fid)).read_text().strip()


def test_figure_modules_hold_only_stats_and_plot():
    for path in (ROOT / "src/modbound/figures").glob("fig*.py"):
        mod = importlib.import_module(f"modbound.figures.{path.stem}")
        public = {n for n, v in vars(mod).items() if inspect.isfunction(v) and v.__module__ == mod.__name__
                  and not n.startswith("_")}
        assert public == {"stats", "plot"}, (path.name, public)
        assert path.stem in REG, f"{path.name} is not in workflow/figures.yaml"


@pytest.mark.parametrize("configfile", CONFIGS)
def test_inputs_and_params_resolve_under_every_config(configfile):
    config = load_config(ROOT / "config.yaml", ROOT / configfile)
    for fid, entry in REG.items():
        inputs = registry.figure_inputs(fid, entry, config)
        assert all("{" not in p for p in inputs.values()), (fid, inputs)
        for path in inputs.values():   # every trained ensemble a figure reads is configured
            if path.startswith("results/rnn/"):
                assert path.split("/")[2] in config["ensembles"], (configfile, fid, path)
        params = registry.figure_params(fid, entry, config)
        assert params["scale"] == config["scale"]
        assert all(not (isinstance(v, str) and ("{" in v or v.startswith("config."))) for v in params.values())


def test_ensemble_choice_comes_from_the_config():
    config = load_config(ROOT / "config.yaml")
    config["figure_ensembles"]["fig1"] = "other"
    inputs = registry.figure_inputs("fig1", REG["fig1"], config)
    assert inputs["activity"] == "results/rnn/other/activity.npz"
    del config["figure_ensembles"]["fig1"]
    with pytest.raises(ValueError, match="figure_ensembles.fig1"):
        registry.figure_inputs("fig1", REG["fig1"], config)


def test_docs_figure_table_is_the_registry():
    """docs/methods.md (linked from the README) holds the figure table, exactly as the registry writes it."""
    assert registry.readme_table(REG) in (ROOT / "docs" / "methods.md").read_text()


def test_malformed_registry_is_refused_naming_the_file(tmp_path):
    bad = tmp_path / "figures.yaml"
    bad.write_text("fig1:\n  panels: Fig 1\n  title: x\n")
    with pytest.raises(ValueError, match=f"{bad}.*fig1"):
        registry.load(bad)
    bad.write_text("../x:\n  panels: a\n  title: b\n  inputs: {a: b}\n")
    with pytest.raises(ValueError, match="id must look like"):
        registry.load(bad)
    bad.write_text("fig1: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        registry.load(bad)


def test_config_overrides_hold_only_differences():
    base = load_config(ROOT / "config.yaml")
    for configfile in ("configs/test.yaml", "configs/paper.yaml"):
        override = load_config(ROOT / configfile)

        def walk(o, b, path):
            for k, v in o.items():
                assert k in b, f"{configfile}: {path}{k} is not a key of config.yaml"
                if isinstance(v, dict) and k != "ensembles" or (isinstance(v, dict) and k in b and path):
                    walk(v, b[k], f"{path}{k}.")
                elif not isinstance(v, dict):
                    assert v != b[k], f"{configfile}: {path}{k} restates config.yaml's value"
        # ensembles and variants may be new names (variant overlays: tests/test_variants.py checks them)
        walk({k: v for k, v in override.items() if k not in ("ensembles", "variants")}, base, "")


def test_default_registry_path_is_the_repository_registry():
    """load() without a path reads workflow/figures.yaml of this checkout (the path is relative to the module)."""
    from pathlib import Path

    assert registry.REGISTRY_PATH == Path(__file__).resolve().parents[1] / "workflow" / "figures.yaml"
    assert registry.load() == registry.load(registry.REGISTRY_PATH)
