# Shared settings, config validation and helpers for every rule file.
from snakemake.utils import validate


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
    # origin of modules (rules/origin.smk)
    "fig2": "Feed-forward nets: sign sectors, Hamming and cosine partitions vs N_in",
    "fig4_rnn": "Fig 4a-e: input-weight similarity modules induced on RNN correlation",
    "figS6": "Generative models of module boundaries; input weights before/after training",
    "figS7": "Cosine similarity of in-weights vs output covariance",
    "figS8": "Random RNNs with/without input: correlation stabilisation, W_in imprint",
    "figS11": "Same initial W_in (and W_in = W_out^T) vs random init across trained RNNs",
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
