# Brain data: compute rules of Figs 4f-j (fig4_mouse), 4k-o (fig4_human), S9 (human systems), S10 (mouse
# sources). Data preparation lives in rules/data.smk; compute rules write results/analysis/brain/*.npz, the
# plot rules (rules/figures.smk) only read them.

BRAIN_ANALYSIS = {k: BRAIN[k] for k in ("louvain_runs", "n_surrogates", "null_model", "hist_bins", "max_plot_nodes", "surrogates", "systems")}


rule brain_analysis:
    """Similarity modules of thalamic in-weights induced on cortical FC; brainsmash spatial null; r; S9 systems."""
    input:
        W="resources/brain/{species}/W.npy",
        fc="resources/brain/{species}/fc.npy",
        dataset="resources/brain/{species}/dataset.npz",
        distmat="resources/brain/{species}/distmat.npy",
        index="resources/brain/{species}/index.npy",
    output:
        "results/analysis/brain/{species}.npz",
    params:
        seed=config["seed"],
        gamma=config["analysis"]["gamma"],
        distance=lambda wc: BRAIN[wc.species].get("distance", "euclidean"),
        **BRAIN_ANALYSIS,
    wildcard_constraints:
        species="human|mouse",
    log:
        "logs/brain/brain_analysis_{species}.log",
    benchmark:
        "results/benchmarks/brain/analysis_{species}.tsv"
    priority: 50  # end of the longest chain at full size (see brain_prepare_human)
    threads: config["threads"]
    resources:
        mem_mb=lambda wc: 3000 + (BRAIN["human"]["n_vertices"] if wc.species == "human" else 3000) ** 2 * 16 // 2**20,
        runtime=120,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_analysis.py"


rule brain_source_groups:
    """Fig S10 compute: r(similarity of each subcortical group's in-weights, FC) per mouse."""
    input:
        W="resources/brain/mouse/W.npy",
        fc="resources/brain/mouse/fc.npy",
        fc_subjects="resources/brain/mouse/fc_subjects.npy",
        dataset="resources/brain/mouse/dataset.npz",
    output:
        "results/analysis/brain/mouse_sources.npz",
    log:
        "logs/brain/brain_source_groups.log",
    benchmark:
        "results/benchmarks/brain/source_groups.tsv"
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_source_groups.py"
