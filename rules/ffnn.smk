# Origin of modules: compute rules of Figs 2, 4a-e (fig4_rnn), S6, S7, S8, S11 (feed-forward nets, generative
# models, random RNNs, input-weight modules of trained RNNs, initialisation modes). They write
# results/analysis/origin/*; the plot rules (rules/figures.smk) only read them.

ORIGIN = config["origin"]
ORIGIN_ANALYSIS = {k: config["analysis"][k] for k in ("gamma", "louvain_runs", "n_perm", "null_model")}
# Fig S11 compares the ensembles of config figure_ensembles.figS11 (init mode -> ensemble name); ensemble_cfg
# stops the run, naming the ensemble, if one is not configured.
INIT_ENSEMBLES = config["figure_ensembles"]["figS11"]
ORIGIN_INIT_INPUTS = {
    f"{kind}_{mode}": f"results/rnn/{ensemble_cfg(name) and name}/{kind}.{ext}"
    for mode, name in INIT_ENSEMBLES.items()
    for kind, ext in (("activity", "npz"), ("manifest", "json"))
}


rule ffnn_analysis:
    """Fig 2 / S7 compute: linear feed-forward nets; sector, Hamming and cosine partitions vs N_in."""
    output:
        "results/analysis/origin/ffnn.npz",
    params:
        cfg=ORIGIN["ffnn"],
        seed=config["seed"],
        **ORIGIN_ANALYSIS,
    log:
        "logs/origin/ffnn_analysis.log",
    benchmark:
        "results/benchmarks/origin/ffnn_analysis.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/origin_ffnn.py"


rule generative_analysis:
    """Fig S6 / S7 compute: sign, difference and sign-difference generative models."""
    output:
        "results/analysis/origin/generative.npz",
    params:
        cfg=ORIGIN["generative"],
        seed=config["seed"],
        **ORIGIN_ANALYSIS,
    log:
        "logs/origin/generative_analysis.log",
    benchmark:
        "results/benchmarks/origin/generative_analysis.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/origin_generative.py"


rule random_rnn_analysis:
    """Fig S8 compute: random sigmoid RNNs (eq. 1) with and without input."""
    output:
        "results/analysis/origin/random_rnn.npz",
    params:
        cfg=ORIGIN["random_rnn"],
        seed=config["seed"],
        **ORIGIN_ANALYSIS,
    log:
        "logs/origin/random_rnn_analysis.log",
    benchmark:
        "results/benchmarks/origin/random_rnn_analysis.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/origin_random_rnn.py"


rule input_modules_analysis:
    """Fig 4a-e compute: W_in cosine-similarity modules induced on recurrent correlation, permutation null."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
        manifest="results/rnn/{ensemble}/manifest.json",
    output:
        "results/analysis/origin/input_modules/{ensemble}.npz",
    params:
        ensemble=lambda wc: wc.ensemble,
        hist_bins=ORIGIN["input_modules"]["hist_bins"],
        drop_first_trial=ORIGIN["drop_first_trial"],
        seed=config["seed"],
        **ORIGIN_ANALYSIS,
    log:
        "logs/origin/input_modules_analysis_{ensemble}.log",
    benchmark:
        "results/benchmarks/origin/input_modules_analysis_{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/origin_input_modules.py"


rule input_weight_change:
    """Fig S6 compute: % negative and differences of stimulus input weights, before vs after training."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
        manifest="results/rnn/{ensemble}/manifest.json",
    output:
        "results/analysis/origin/weight_change/{ensemble}.npz",
    log:
        "logs/origin/input_weight_change_{ensemble}.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/origin_weight_change.py"


rule init_analysis:
    """Fig S11 compute: partitions and recurrent weights compared across networks, per init mode."""
    input:
        **ORIGIN_INIT_INPUTS,
    output:
        "results/analysis/origin/init_modes.npz",
    params:
        ensembles=INIT_ENSEMBLES,
        drop_first_trial=ORIGIN["drop_first_trial"],
        seed=config["seed"],
        **ORIGIN_ANALYSIS,
    log:
        "logs/origin/init_analysis.log",
    benchmark:
        "results/benchmarks/origin/init_analysis.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/origin_init_modes.py"
