# Brain data: compute rules of Figs 4f-j (fig4_mouse), 4k-o (fig4_human), S9 (human systems), S10 (mouse
# sources), each for a data set named in config brain.datasets. Data preparation lives in rules/data.smk;
# compute rules write results/analysis/brain*/<data set>.npz, the
# plot rules (rules/figures.smk) only read them.

BRAIN_THREADS = config["brain"].get("threads") or config["threads"]
BRAIN_ANALYSIS = {k: BRAIN[k] for k in ("louvain_runs", "n_surrogates", "null_model", "hist_bins", "max_plot_nodes", "surrogates", "systems")}


rule brain_analysis:
    """Similarity modules of thalamic in-weights induced on cortical FC; brainsmash spatial null; r; S9 systems."""
    input:
        W="resources/brain/{dataset}/W.npy",
        fc="resources/brain/{dataset}/fc.npy",
        dataset="resources/brain/{dataset}/dataset.npz",
        distmat="resources/brain/{dataset}/distmat.npy",
        index="resources/brain/{dataset}/index.npy",
    output:
        "results/analysis/brain/{dataset}.npz",
    params:
        seed=config["seed"],
        gamma=config["analysis"]["gamma"],
        distance=lambda wc: brain_dataset_cfg(wc.dataset)["distance"],
        spatial_null_claim=lambda wc: brain_dataset_cfg(wc.dataset)["spatial_null_claim"],
        **BRAIN_ANALYSIS,
    wildcard_constraints:
        dataset="[a-z][a-z0-9_]*",
    log:
        "logs/brain/brain_analysis_{dataset}.log",
    benchmark:
        "results/benchmarks/brain/analysis_{dataset}.tsv"
    priority: 50  # end of the longest chain at full size (see brain_prepare)
    threads: BRAIN_THREADS   # Louvain restarts side by side
    resources:
        mem_mb=lambda wc: 3000 + brain_nodes(wc.dataset) ** 2 * 16 // 2**20 + 1024 * (BRAIN_THREADS - 1),  # 1 GiB table per run
        runtime=120,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_analysis.py"


rule brain_source_groups:
    """Fig S10 compute: r(similarity of each subcortical group's in-weights, FC) per subject (mouse)."""
    input:
        W="resources/brain/{dataset}/W.npy",
        fc="resources/brain/{dataset}/fc.npy",
        dataset="resources/brain/{dataset}/dataset.npz",
    output:
        "results/analysis/brain_sources/{dataset}.npz",
    wildcard_constraints:
        dataset="[a-z][a-z0-9_]*",
    log:
        "logs/brain/brain_source_groups_{dataset}.log",
    benchmark:
        "results/benchmarks/brain/source_groups_{dataset}.tsv"
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_source_groups.py"


rule brain_in_weights:
    """What a data set's thalamic in-weights can express (cosine-similarity geometry: sources, rank, nodes without
    in-weight; modbound.analyses.brain.in_weight_geometry): which claims its data can judge (Figs 4k-o, S9)."""
    input:
        W="resources/brain/{dataset}/W.npy",
        dataset="resources/brain/{dataset}/dataset.npz",
    output:
        "results/analysis/brain_in_weights/{dataset}.json",
    wildcard_constraints:
        dataset="[a-z][a-z0-9_]*",
    log:
        "logs/brain/brain_in_weights_{dataset}.log",
    resources:
        mem_mb=lambda wc: 1000 + brain_nodes(wc.dataset) ** 2 * 8 // 2**20,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_in_weights.py"
