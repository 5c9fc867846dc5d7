# Plot rules, one per figure of the registry (workflow/figures.yaml), and the module analyses of Figs 1,
# S1-S3. Plot rules only read analysis outputs, so changing a figure's look never retrains or re-analyses
# anything. Rule figure_<id> runs src/modbound/figures/<id>.py (named in its params) through figure.py.

for _fig, _entry in FIGURES.items():

    rule:
        name:
            f"figure_{_fig}"
        input:
            **registry.figure_inputs(_fig, _entry, config),
        output:
            pdf=registry.outputs(_fig)["pdf"],
            png=report(registry.outputs(_fig)["png"], caption=f"../{registry.caption_path(_fig)}", category="Figures"),
            stats=registry.outputs(_fig)["stats"],
        params:
            module=registry.module_name(_fig),
            args=registry.figure_params(_fig, _entry, config),
        log:
            f"logs/figure/{_fig}.log",
        conda:
            ENV
        script:
            f"{SCRIPTS}/figure.py"


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
        matching=config["analysis"]["module_matching"],
    log:
        "logs/module_analysis/{ensemble}.log",
    benchmark:
        "results/benchmarks/module_analysis/{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/module_analysis.py"


rule multitask_analysis:
    """Fig S3 compute: partitions of trial sets per task, ARI, task classification."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
    output:
        "results/analysis/multitask/{ensemble}.npz",
    params:
        n_sets=config["analysis"]["sets_per_task"],
        gamma=config["analysis"]["gamma"],
        louvain_runs=config["analysis"]["louvain_runs"],
        seed=config["seed"],
    log:
        "logs/multitask_analysis/{ensemble}.log",
    benchmark:
        "results/benchmarks/multitask_analysis/{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/multitask_analysis.py"


