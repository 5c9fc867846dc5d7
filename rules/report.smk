# The reproduction report: REPRODUCTION.md at the repository root, with the figure PNGs it shows
# copied into docs/reproduction/ (relative links), generated from results/claims.json, the figures' stats JSONs,
# workflow/paper_claims.yaml, the registry and the run's metadata (src/modbound/reporting/report.py). Not part of `rule
# all`: ask for it, `snakemake --cores 2 REPRODUCTION.md` (`make paper`). The git
# commit and the run time (the rules' benchmark files; results/run_time.json, the elapsed time `make paper` measures)
# are read when the rule runs, not when the DAG is built. Config report.companion adds another run's claims.json
# (e.g. five seeds at reduced scale) beside this run's rows, marked with its scale.
# The committed REPRODUCTION.md and docs/reproduction/ are the paper-scale report (`make paper`); the report of any
# other run goes to results/report/ (rule report_results, `make report`), where it cannot overwrite them.


rule report:
    input:
        claims="results/claims.json",
        stats=expand("results/stats/{fig}.json", fig=FIGURES),
        png=expand("results/figures/{fig}.png", fig=FIGURES),
        paper_claims=str(Path(workflow.basedir) / "workflow" / "paper_claims.yaml"),
        registry=str(Path(workflow.basedir) / "workflow" / "figures.yaml"),
        companion=[config["report"]["companion"]] if config.get("report", {}).get("companion") else [],
    output:
        md="REPRODUCTION.md",
        png=expand("docs/reproduction/{fig}.png", fig=FIGURES),
        # the claims the page was made from, beside it, so that its numbers can be checked against them
        claims="docs/reproduction/claims.json",
        companion="docs/reproduction/companion_claims.json" if config.get("report", {}).get("companion") else [],
    params:
        figures=list(FIGURES),
        scale=config["scale"],
        configs=modbound_report.config_sources(
            workflow.basedir,
            [Path(workflow.basedir) / "config.yaml", *workflow.config_settings.configfiles],
            dict(workflow.config_settings.config),
        ),
        config_sha256=modbound_report.config_digest(config),
        run_config_sha256=modbound_report.run_config_digest(config),   # must be results/run_time.json's
        # the whole run's elapsed time, when `make paper` measured it (read when the rule runs; a file of a run with
        # other config files stops the rule)
        run_time="results/run_time.json",
        configfiles=modbound_report.config_sources(workflow.basedir, workflow.config_settings.configfiles),
        run_dirs={"main": "results", **{n: variant_dir(n) for n in VARIANTS}, **{f"seed{s}": replicate_dir(s) for s in REPLICATE_SEEDS}},
    log:
        "logs/report.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/report.py"


# The same report under results/report/ (`make report`: the default run's report, which must not replace the
# committed paper-scale one); its images are linked relative to it, as at the root.
use rule report as report_results with:
    output:
        md="results/report/REPRODUCTION.md",
        png=expand("results/report/docs/reproduction/{fig}.png", fig=FIGURES),
        claims="results/report/docs/reproduction/claims.json",
        companion="results/report/docs/reproduction/companion_claims.json" if config.get("report", {}).get("companion") else [],
    log:
        "logs/report_results.log",
