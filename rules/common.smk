# Shared settings, config validation and helpers for every rule file.
from snakemake.utils import validate


validate(config, schema="../workflow/schemas/config.schema.yaml")

# Python env for every rule (--sdm conda); same pins as requirements.lock.
ENV = "../envs/modbound.yaml"
SCRIPTS = "../workflow/scripts"

# Figures the workflow builds (extended as issues land); name -> one-line description.
FIGURES = {
    "fig1": "PDM modules: correlation, input/output selectivity, output lesions",
    "figS1": "Modules as dimensionality reduction (PDM)",
    "figS2": "GNG version of Fig 1",
    "figS3": "Multitask RNN: task identified from partitions",
}


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
