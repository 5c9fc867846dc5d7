# Shared settings, config validation and helpers for every rule file.
from snakemake.utils import validate
import os
from pathlib import Path

from modbound.core import io, seeding
from modbound.core import device as compute_device
from modbound.reporting import registry, variants, report as modbound_report   # not `report`: that is Snakemake's report() (rules/figures.smk)
from modbound.datasets import brain_dataset


io.check_finite_numbers(config, "config")   # NaN/inf pass the schema's ranges
validate(config, schema="../workflow/schemas/config.schema.yaml")
# again with each pattern matched in full: `$` lets a name ending in a newline through (it would become a path)
variants.check_schema(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
variants.check_relations(config)
# Paths built from config names must stay in the work tree (the schema's name patterns already ensure it).
for _name in config["ensembles"]:
    io.check_inside(f"results/rnn/{_name}", f"config ensembles: name {_name!r}")
for _key, _entry in config["brain"]["sources"]["allen_voxel"]["files"].items():
    io.check_inside(f"resources/allen/{_entry['name']}", f"config brain.sources.allen_voxel.files.{_key}.name")
for _name in config["brain"]["datasets"]:
    io.check_inside(f"resources/brain/{_name}", f"config brain.datasets: name {_name!r}")

# The same CPU code path for every job on every x86 machine (config cpu_code_path, docs/faults.md): torch and MKL
# read these variables when a job's process starts (jobs inherit this environment; on SLURM each job loads the
# workflow again and sets them before it runs). 'native' removes any the shell had set.
_code_path_env = seeding.with_cpu_code_path(config["cpu_code_path"], os.environ)
for _var in set(os.environ) - set(_code_path_env):
    del os.environ[_var]
os.environ.update(_code_path_env)

# Where torch computes RNN training and the slow-point and nullcline searches (config device, modbound.core.device):
# checked where the job runs (a login node may have no GPU); a GPU device asks SLURM for one GPU for those jobs.
DEVICE = config["device"]
GPUS = 1 if compute_device.is_gpu(DEVICE) else 0

# Python env for every rule (--sdm conda); same pins as requirements.lock.
ENV = "../envs/modbound.yaml"
SCRIPTS = "../workflow/scripts"
CAPTIONS = "../report/captions"  # figure captions for `snakemake --report` (our own words)

# The figure registry (workflow/figures.yaml): id -> panels, title, inputs, params. `rule all`, the plot rules
# (rules/figures.smk), the claims rule and the figure table of docs/methods.md all come from it; figure <id> is drawn by
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


# Scheduling (priorities; results never depend on them): the ensemble of the nullcline analysis (Fig S14) heads the
# longest RNN chain (training -> recording -> fixed points -> nullclines: ~1,070 CPU s of the ~4,450 of a paper-scale
# seed), so its four jobs outrank every other RNN job; recordings (seconds) run as soon as their training ends, since
# they unlock the dynamics; the other trainings start largest first (networks x updates), so that no long training
# is left to run alone at the end. The human brain chain (priority 50, rules/data.smk) starts before all of them.
LONG_CHAIN_PRIORITY = 40


def rnn_priority(base):
    """Priority of an {ensemble} job: LONG_CHAIN_PRIORITY on the nullcline ensemble's chain, else ``base``."""
    return lambda wc: LONG_CHAIN_PRIORITY if wc.ensemble == config["figure_ensembles"]["figS14"] else base


def training_priority(wc):
    """Trainings: the nullcline ensemble's first, then the others by size (20 + 1 per 50,000 network-updates)."""
    spec = ensemble_cfg(wc.ensemble)
    return rnn_priority(20 + min(9, spec["n_models"] * spec["n_steps"] // 50_000))(wc)


def rnn_inputs(ensemble):
    return {
        "activity": f"results/rnn/{ensemble}/activity.npz",
        "evaluation": f"results/rnn/{ensemble}/evaluation.json",
        "manifest": f"results/rnn/{ensemble}/manifest.json",
    }


# ---- brain data (rules/data.smk, rules/brain.smk) -------------------------------------------
# Data sets are picked by NAME (config brain.datasets.<name>: a source and its distances); what a source reads
# and builds is modbound.datasets.brain_dataset's, never a per-species branch here.
BRAIN = config["brain"]
BRAIN_DATASETS = BRAIN["datasets"]
ALLEN = BRAIN["sources"]["allen_voxel"]


def brain_dataset_cfg(name):
    """Config entry of data set ``name`` with its source's settings: ``{"source", "distance", "settings", "where"}``."""
    if name not in BRAIN_DATASETS:
        raise ValueError(f"config brain.datasets: no data set named {name!r} (have {sorted(BRAIN_DATASETS)})")
    entry = BRAIN_DATASETS[name]
    settings = brain_dataset.resolve_settings(entry["source"], BRAIN["sources"][entry["source"]], workflow.basedir)
    return {**entry, "settings": settings, "where": f"brain.sources.{entry['source']}"}


def brain_inputs(name):
    """Input files of the preparation of data set ``name`` (none for generated data); a selected real file that is
    not configured or not there stops, naming the config key."""
    d = brain_dataset_cfg(name)
    return brain_dataset.source_inputs(d["source"], d["settings"], d["where"])


def brain_input_function():
    """Input function of the preparation rule: a missing file of one data set stops only the targets that need it."""
    return lambda wildcards: brain_inputs(wildcards.dataset)


def brain_nodes(name):
    """Node count of data set ``name`` for memory estimates (3000 when only its files tell)."""
    d = brain_dataset_cfg(name)
    return brain_dataset.expected_nodes(d["source"], d["settings"]) or 3000


def allen_file(name):
    """Config entry (url, sha256) of an Allen file by its file name: from base_url, or from the local folder
    brain.sources.allen_voxel.mirror when that is set."""
    for key, entry in ALLEN["files"].items():
        if entry["name"] == name:
            if ALLEN["mirror"]:
                src = Path(ALLEN["mirror"]).resolve() / name
                if not src.is_file():
                    raise ValueError(f"config brain.sources.allen_voxel.mirror = {ALLEN['mirror']!r}: no file {name} "
                                     f"there (brain.sources.allen_voxel.files.{key})")
                return {"url": src.as_uri(), "sha256": entry["sha256"], "local": True}
            return {"url": ALLEN["base_url"] + name, "sha256": entry["sha256"], "local": False}
    raise ValueError(f"config brain.sources.allen_voxel.files: no file named {name!r}")
