# Aggregate the claims of every figure's stats JSON into results/claims.{md,json}; with replicate seeds
# (config replicates.seeds, rules/replicates.smk), also each claim's spread across all seeds.


rule claims:
    input:
        stats=expand("results/stats/{fig}.json", fig=FIGURES),
        replicate_stats=[f"{replicate_dir(s)}/stats/{fig}.json" for s in REPLICATE_SEEDS for fig in FIGURES],
        paper_claims=str(Path(workflow.basedir) / "workflow" / "paper_claims.yaml"),
    output:
        md="results/claims.md",
        json="results/claims.json",
    params:
        seed=config["seed"],
        replicate_seeds=REPLICATE_SEEDS,
        figures=list(FIGURES),
    log:
        "logs/claims.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/claims.py"
