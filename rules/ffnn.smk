# Origin of modules (issue 4): feed-forward nets (Fig 2, S7), generative models (S6), random RNNs (S8),
# input-weight modules of trained RNNs (Fig 4a-e = fig4_rnn) and initialisation modes (S11).
# Compute rules write results/analysis/origin/*.npz; plot rules (figure_origin.py) only read them.

ORIGIN = config["origin"]
ORIGIN_ANALYSIS = {k: config["analysis"][k] for k in ("gamma", "louvain_runs", "n_perm")}


# Outputs of each origin figure, and the files of the ensembles Fig S11 compares (ensemble_cfg
# stops the run, naming the ensemble, if one is not configured).
ORIGIN_FIGURES = {
    fig: {"pdf": f"results/figures/{fig}.pdf",
          "png": report(f"results/figures/{fig}.png", caption=f"{CAPTIONS}/{fig}.rst", category="Figures"),
          "stats": f"results/stats/{fig}.json"}
    for fig in ("fig2", "fig4_rnn", "figS6", "figS7", "figS8", "figS11")
}
ORIGIN_INIT_INPUTS = {
    f"{kind}_{mode}": f"results/rnn/{ensemble_cfg(name) and name}/{kind}.{ext}"
    for mode, name in ORIGIN["init_ensembles"].items()
    for kind, ext in (("activity", "npz"), ("manifest", "json"), ("evaluation", "json"))
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
        activity=f"results/rnn/{ORIGIN['input_modules']['ensemble']}/activity.npz",
        manifest=f"results/rnn/{ORIGIN['input_modules']['ensemble']}/manifest.json",
    output:
        "results/analysis/origin/input_modules.npz",
    params:
        ensemble=ORIGIN["input_modules"]["ensemble"],
        hist_bins=ORIGIN["input_modules"]["hist_bins"],
        drop_first_trial=ORIGIN["drop_first_trial"],
        seed=config["seed"],
        **ORIGIN_ANALYSIS,
    log:
        "logs/origin/input_modules_analysis.log",
    benchmark:
        "results/benchmarks/origin/input_modules_analysis.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/origin_input_modules.py"


rule input_weight_change:
    """Fig S6 compute: % negative and differences of stimulus input weights, before vs after training."""
    input:
        activity=f"results/rnn/{ORIGIN['input_modules']['ensemble']}/activity.npz",
        manifest=f"results/rnn/{ORIGIN['input_modules']['ensemble']}/manifest.json",
    output:
        "results/analysis/origin/weight_change.npz",
    log:
        "logs/origin/input_weight_change.log",
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
        ensembles=ORIGIN["init_ensembles"],
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


rule figure_fig2:
    """Fig 2: quadrants/octants/sectors set module boundaries in small feed-forward networks."""
    input:
        ffnn="results/analysis/origin/ffnn.npz",
    output:
        **ORIGIN_FIGURES["fig2"],
    params:
        figure="fig2",
        scale=config["scale"],
        **ORIGIN_ANALYSIS,
    log:
        "logs/figure/fig2.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_origin.py"


rule figure_fig4_rnn:
    """Fig 4a-e (RNN half): input-weight modules in the recurrent correlation."""
    input:
        analysis="results/analysis/origin/input_modules.npz",
        evaluation=f"results/rnn/{ORIGIN['input_modules']['ensemble']}/evaluation.json",
        manifest=f"results/rnn/{ORIGIN['input_modules']['ensemble']}/manifest.json",
    output:
        **ORIGIN_FIGURES["fig4_rnn"],
    params:
        figure="fig4_rnn",
        scale=config["scale"],
        ensemble=ORIGIN["input_modules"]["ensemble"],
        **ORIGIN_ANALYSIS,
    log:
        "logs/figure/fig4_rnn.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_origin.py"


rule figure_figS6:
    """Fig S6: generative models of module boundaries; trained input weights before/after training."""
    input:
        generative="results/analysis/origin/generative.npz",
        weight_change="results/analysis/origin/weight_change.npz",
        evaluation=f"results/rnn/{ORIGIN['input_modules']['ensemble']}/evaluation.json",
        manifest=f"results/rnn/{ORIGIN['input_modules']['ensemble']}/manifest.json",
    output:
        **ORIGIN_FIGURES["figS6"],
    params:
        figure="figS6",
        scale=config["scale"],
        ensemble=ORIGIN["input_modules"]["ensemble"],
    log:
        "logs/figure/figS6.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_origin.py"


rule figure_figS7:
    """Fig S7: cosine similarity of in-weights vs output covariance."""
    input:
        ffnn="results/analysis/origin/ffnn.npz",
        generative="results/analysis/origin/generative.npz",
    output:
        **ORIGIN_FIGURES["figS7"],
    params:
        figure="figS7",
        scale=config["scale"],
    log:
        "logs/figure/figS7.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_origin.py"


rule figure_figS8:
    """Fig S8: random RNNs with and without input."""
    input:
        random_rnn="results/analysis/origin/random_rnn.npz",
    output:
        **ORIGIN_FIGURES["figS8"],
    params:
        figure="figS8",
        scale=config["scale"],
        cfg=ORIGIN["random_rnn"],
        seed=config["seed"],
    log:
        "logs/figure/figS8.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_origin.py"


rule figure_figS11:
    """Fig S11: same initial W_in (and W_in = W_out^T) vs random initialisation."""
    input:
        **ORIGIN_INIT_INPUTS,
        analysis="results/analysis/origin/init_modes.npz",
    output:
        **ORIGIN_FIGURES["figS11"],
    params:
        figure="figS11",
        scale=config["scale"],
        ensembles=ORIGIN["init_ensembles"],
    log:
        "logs/figure/figS11.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_origin.py"
