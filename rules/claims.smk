# Aggregate the claims of every figure's stats JSON into results/claims.{md,json}.


rule claims:
    input:
        stats=expand("results/stats/{fig}.json", fig=FIGURES),
    output:
        md="results/claims.md",
        json="results/claims.json",
    log:
        "logs/claims.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/claims.py"
