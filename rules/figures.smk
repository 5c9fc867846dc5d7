# Analyses (compute) and figures (plot). Plot rules only read analysis outputs, so changing a
# figure's look never retrains or re-analyses anything.

rule module_analysis:
    """Per network: activity modules, choice modules, selectivity, output lesions, reduction."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
    output:
        "results/analysis/modules/{ensemble}.npz",
    params:
        gamma=config["analysis"]["gamma"],
        louvain_runs=config["analysis"]["louvain_runs"],
        seed=config["seed"],
    log:
        "logs/module_analysis/{ensemble}.log",
    benchmark:
        "results/benchmarks/module_analysis/{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/module_analysis.py"


rule figure_modules:
    """Fig 1 (PDM) and Fig S2 (GNG)."""
    input:
        unpack(lambda wc: rnn_inputs(MODULE_FIGURES[wc.fig])),
        analysis=lambda wc: f"results/analysis/modules/{MODULE_FIGURES[wc.fig]}.npz",
    output:
        pdf="results/figures/{fig}.pdf",
        png=report("results/figures/{fig}.png", caption=f"{CAPTIONS}/figure_modules.rst", category="Figures"),
        stats="results/stats/{fig}.json",
    wildcard_constraints:
        fig="|".join(MODULE_FIGURES),
    params:
        task=lambda wc: MODULE_FIGURES[wc.fig],
        scale=config["scale"],
    log:
        "logs/figure/{fig}.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_modules.py"


rule figure_reduction:
    """Fig S1: modules as dimensionality reduction (PDM and GNG)."""
    input:
        pdm_activity="results/rnn/pdm/activity.npz",
        gng_activity="results/rnn/gng/activity.npz",
        pdm_analysis="results/analysis/modules/pdm.npz",
        gng_analysis="results/analysis/modules/gng.npz",
    output:
        pdf="results/figures/figS1.pdf",
        png=report("results/figures/figS1.png", caption=f"{CAPTIONS}/figS1.rst", category="Figures"),
        stats="results/stats/figS1.json",
    params:
        scale=config["scale"],
    log:
        "logs/figure/figS1.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_reduction.py"


rule multitask_analysis:
    """Fig S3 compute: partitions of trial sets per task, ARI, task classification."""
    input:
        activity="results/rnn/multitask/activity.npz",
    output:
        "results/analysis/multitask.npz",
    params:
        n_sets=config["analysis"]["sets_per_task"],
        gamma=config["analysis"]["gamma"],
        louvain_runs=config["analysis"]["louvain_runs"],
        seed=config["seed"],
    log:
        "logs/multitask_analysis.log",
    benchmark:
        "results/benchmarks/multitask_analysis.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/multitask_analysis.py"


rule figure_multitask:
    input:
        unpack(lambda wc: rnn_inputs("multitask")),
        analysis="results/analysis/multitask.npz",
    output:
        pdf="results/figures/figS3.pdf",
        png=report("results/figures/figS3.png", caption=f"{CAPTIONS}/figS3.rst", category="Figures"),
        stats="results/stats/figS3.json",
    params:
        scale=config["scale"],
    log:
        "logs/figure/figS3.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_multitask.py"
