# Shared settings, config validation and helpers for every rule file.
from snakemake.utils import validate
from pathlib import Path


validate(config, schema="../workflow/schemas/config.schema.yaml")

# Python env for every rule (--sdm conda); same pins as requirements.lock.
ENV = "../envs/modbound.yaml"
SCRIPTS = "../workflow/scripts"
CAPTIONS = "../report/captions"  # figure captions for `snakemake --report` (our own words)

# Figures the workflow builds (extended as issues land); name -> one-line description.
FIGURES = {
    "fig1": "PDM modules: correlation, input/output selectivity, output lesions",
    "figS1": "Modules as dimensionality reduction (PDM)",
    "figS2": "GNG version of Fig 1",
    "figS3": "Multitask RNN: task identified from partitions",
    # origin of modules (rules/ffnn.smk)
    "fig2": "Feed-forward nets: sign sectors, Hamming and cosine partitions vs N_in",
    "fig4_rnn": "Fig 4a-e: input-weight similarity modules induced on RNN correlation",
    "figS6": "Generative models of module boundaries; input weights before/after training",
    "figS7": "Cosine similarity of in-weights vs output covariance",
    "figS8": "Random RNNs with/without input: correlation stabilisation, W_in imprint",
    "figS11": "Same initial W_in (and W_in = W_out^T) vs random init across trained RNNs",
    # deep networks (rules/deepnets.smk)
    "figS4": "Digit classifier: digit identified from hidden-layer partitions (ARI)",
    "figS5": "Transformer: sentence partitions by subject and form, first three layers",
    # brain data (rules/data.smk, rules/brain.smk)
    "fig4_mouse": "Fig 4f-j: mouse thalamocortical in-weight modules induced on cortical FC, spatial null",
    "fig4_human": "Fig 4k-o: human thalamocortical in-weight modules induced on cortical FC, spatial null",
    "figS9": "Human thalamocortical similarity concentrated within Yeo-7 systems",
    "figS10": "Mouse: thalamus vs other subcortical sources (similarity vs FC)",
    # dynamics of modules (rules/dynamics.smk)
    "fig3": "Jacobian-row similarity vs activity correlation (slow points vs trajectories; PDM, GNG)",
    "fig5": "PDM line attractor, decision boundary, perturbations; lesions within sign-based input modules",
    "fig6": "GNG vector field on a PC grid; single-unit lesion similarity vs correlation and modules",
    "figS12": "Fig 5 lesions with difference-based input modules",
    "figS13": "PDM version of Fig 6 (lesion similarity)",
    "figS14": "Higher-order nullclines: similarity vs correlation and modules",
}


# Replicate master seeds (rules/replicates.smk): the whole analysis again under each, in its own folder.
REPLICATE_SEEDS = list(config["replicates"]["seeds"])
if config["seed"] in REPLICATE_SEEDS:
    raise ValueError(f"config replicates.seeds = {REPLICATE_SEEDS} contains the master seed {config['seed']}: "
                     f"a replicate must use another seed")


def replicate_dir(seed):
    return f"results/replicates/seed{seed}"


def figure_targets(figs):
    return [f"results/{kind}/{fig}.{ext}" for fig in figs
            for kind, ext in (("figures", "pdf"), ("figures", "png"), ("stats", "json"))]


def ensemble_cfg(name):
    if name not in config["ensembles"]:
        raise ValueError(f"config: no ensemble named {name!r} (have {sorted(config['ensembles'])})")
    return config["ensembles"][name]


# Figures built from module analyses of one ensemble: figure -> ensemble.
MODULE_FIGURES = {"fig1": "pdm", "figS2": "gng"}


def rnn_inputs(ensemble):
    return {
        "activity": f"results/rnn/{ensemble}/activity.npz",
        "evaluation": f"results/rnn/{ensemble}/evaluation.json",
        "manifest": f"results/rnn/{ensemble}/manifest.json",
    }


# ---- brain data (rules/data.smk, rules/brain.smk) -------------------------------------------
BRAIN = config["brain"]
ALLEN = BRAIN["mouse"]["allen"]


def brain_user_file(key, path):
    """A configured real-data file. Stops the run, naming the config key, if it is not set or not
    there: real data that is selected but missing is an error, never a silent synthetic fallback."""
    if not path:
        raise ValueError(f"config brain.{key} is not set, but the real data source is selected "
                         f"(set it, or choose source: synthetic)")
    if not Path(path).exists():
        raise ValueError(f"config brain.{key} = {path!r}: file not found (real data selected; "
                         f"no fallback to synthetic data)")
    return path


def brain_inputs(species):
    """Input files of the dataset-preparation rule of ``species`` (none for synthetic data)."""
    cfg = BRAIN[species]
    if species == "human" and cfg["source"] == "hcp":
        out = {"dconn": brain_user_file("human.hcp.dconn", cfg["hcp"]["dconn"]),
               "sc": brain_user_file("human.hcp.sc", cfg["hcp"]["sc"])}
        if cfg["hcp"]["dlabel"]:
            out["dlabel"] = brain_user_file("human.hcp.dlabel", cfg["hcp"]["dlabel"])
        return out
    if species == "mouse" and cfg["source"] == "allen":
        out = {k: f"resources/allen/{ALLEN['files'][k]['name']}" for k in ("weights", "nodes")}
        out["voxel_groups"] = brain_user_file("mouse.allen.voxel_groups", ALLEN["voxel_groups"])
        if not ALLEN["fmri"]:
            raise ValueError("config brain.mouse.allen.fmri is empty, but source: allen is selected "
                             "(list the rs-fMRI files, one per mouse)")
        out["fmri"] = [brain_user_file(f"mouse.allen.fmri[{i}]", f) for i, f in enumerate(ALLEN["fmri"])]
        if ALLEN["fmri_labels"]:
            out["fmri_labels"] = brain_user_file("mouse.allen.fmri_labels", ALLEN["fmri_labels"])
        return out
    return {}


def allen_file(name):
    """Config entry (url, sha256) of an Allen file by its file name."""
    for entry in ALLEN["files"].values():
        if entry["name"] == name:
            return {"url": ALLEN["base_url"] + name, "sha256": entry["sha256"]}
    raise ValueError(f"config brain.mouse.allen.files: no file named {name!r}")
