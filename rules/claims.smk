# Aggregate the claims of every figure's stats JSON into results/claims.{md,json}; with replicate seeds
# (config replicates.seeds, rules/variants.smk), also each claim's spread across all seeds; with replicates or
# variants (config variants), the robustness matrix: each claim's verdict in every run.


rule claims:
    input:
        stats=expand("results/stats/{fig}.json", fig=FIGURES),
        replicate_stats=[f"{replicate_dir(s)}/stats/{fig}.json" for s in REPLICATE_SEEDS for fig in FIGURES],
        paper_claims=str(Path(workflow.basedir) / "workflow" / "paper_claims.yaml"),
        variant_stats=[path for name in VARIANTS for path in variant_stats(name)],
    output:
        md="results/claims.md",
        json="results/claims.json",
    params:
        seed=config["seed"],
        # which settings made the run (written to claims.json; results/run_time.json and the report check it)
        config_sha256=modbound_report.run_config_digest(config),
        replicate_seeds=REPLICATE_SEEDS,
        figures=list(FIGURES),
        variants={name: v["figures"] for name, v in VARIANTS.items()},
        variant_descriptions={name: config["variants"][name].get("description", "") for name in VARIANTS},
    log:
        "logs/claims.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/claims.py"
