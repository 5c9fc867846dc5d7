# Shared settings, config validation and helpers for every rule file.
from snakemake.utils import validate
from pathlib import Path

from modbound.core import io
from modbound.reporting import registry, variants
from modbound.reporting import report as modbound_report   # not `report`: that is Snakemake's report() (rules/figures.smk)


io.check_finite_numbers(config, "config")   # NaN/inf pass the schema's ranges
validate(config, schema="../workflow/schemas/config.schema.yaml")
variants.check_relations(config)
# Paths built from config names must stay in the work tree (the schema's name patterns already ensure it).
for _name in config["ensembles"]:
    io.check_inside(f"results/rnn/{_name}", f"config ensembles: name {_name!r}")
for _key, _entry in config["brain"]["mouse"]["allen"]["files"].items():
    io.check_inside(f"resources/allen/{_entry['name']}", f"config brain.mouse.allen.files.{_key}.name")

# Python env for every rule (--sdm conda); same pins as requirements.lock.
ENV = "../envs/modbound.yaml"
SCRIPTS = "../workflow/scripts"
CAPTIONS = "../report/captions"  # figure captions for `snakemake --report` (our own words)

# The figure registry (workflow/figures.yaml): id -> panels, title, inputs, params. `rule all`, the plot rules
# (rules/figures.smk), the claims rule and the README table all come from it; figure <id> is drawn by
# src/modbound/figures/<id>.py and captioned by report/captions/<id>.rst.
FIGURES = registry.load(Path(workflow.basedir) / "workflow" / "figures.yaml")


# Replicate master seeds (rules/variants.smk): the whole analysis again under each, in its own folder.
REPLICATE_SEEDS = list(config["replicates"]["seeds"])
if config["seed"] in REPLICATE_SEEDS:
    raise ValueError(f"config replicates.seeds = {REPLICATE_SEEDS} contains the master seed {config['seed']}: "
                     f"a replicate must use another seed")


def replicate_dir(seed):
    return f"results/replicates/seed{seed}"


# Variants (rules/variants.smk): other readings of the paper's unstated modelling choices (config `variants`),
# each a config overlay run for some figures in results/variants/<name>/. Every overlay is checked against
# the schema here, at start-up; an error names the variant and the key.
VARIANTS = variants.resolve(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml", FIGURES)


def variant_dir(name):
    return f"results/variants/{name}"


# Reruns of this whole workflow as a Snakemake module (rules/variants.smk): each replicate seed and each
# variant, with results/ and logs/ moved to its own folders; resources/ is shared.
RERUNS = [
    {"prefix": f"seed{s}_", "config": variants.rerun_config(config, seed=s),
     "results": replicate_dir(s), "logs": f"logs/replicates/seed{s}"}
    for s in REPLICATE_SEEDS
] + [
    {"prefix": f"variant_{name}_", "config": v["config"], "results": variant_dir(name), "logs": f"logs/variants/{name}"}
    for name, v in VARIANTS.items()
]


def figure_targets(figs, results="results"):
    """Output files of figures ``figs``; under ``results`` (a rerun's folder) instead of results/."""
    return [results + path.removeprefix("results") for fig in figs for path in registry.outputs(fig).values()]


def variant_stats(name):
    return [f"{variant_dir(name)}/stats/{fig}.json" for fig in VARIANTS[name]["figures"]]


def ensemble_cfg(name):
    if name not in config["ensembles"]:
        raise ValueError(f"config: no ensemble named {name!r} (have {sorted(config['ensembles'])})")
    return config["ensembles"][name]


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
    """Input files of the dataset-preparation rule of ``species`` (none for synthetic data). Used as an input
    function (``unpack(brain_input_function(species))``), so a missing file of one species stops only the
    targets that need that species' data."""
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


def brain_input_function(species):
    return lambda wildcards: brain_inputs(species)


def allen_file(name):
    """Config entry (url, sha256) of an Allen file by its file name: from base_url, or from the local folder
    brain.mouse.allen.mirror when that is set."""
    for key, entry in ALLEN["files"].items():
        if entry["name"] == name:
            if ALLEN["mirror"]:
                src = Path(ALLEN["mirror"]).resolve() / name
                if not src.is_file():
                    raise ValueError(f"config brain.mouse.allen.mirror = {ALLEN['mirror']!r}: no file {name} "
                                     f"there (brain.mouse.allen.files.{key})")
                return {"url": src.as_uri(), "sha256": entry["sha256"], "local": True}
            return {"url": ALLEN["base_url"] + name, "sha256": entry["sha256"], "local": False}
    raise ValueError(f"config brain.mouse.allen.files: no file named {name!r}")
