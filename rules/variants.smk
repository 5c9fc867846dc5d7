# Reruns of the whole analysis, each in its own folder (RERUNS, rules/common.smk):
#   - replicate seeds (issue 8, config `replicates.seeds`): everything again under another master seed, in
#     results/replicates/seed<k>/, so that results/claims.md can show each claim's spread across seeds;
#   - variants (issue 12, config `variants`): other readings of the paper's unstated modelling choices (the RNN
#     time step, the modularity resolution), each a config overlay run for its figures in results/variants/<name>/.
#     results/claims.md then shows which claims survive which reading (the robustness matrix).
#
# Each is this same workflow loaded as a Snakemake module with its own config (no nested reruns) and its
# results/ and logs/ moved to its folders. Data in resources/ (downloads, prepared brain datasets, distance
# memmaps) is the same for every rerun: the rules that make it are not imported, so it is made once, by the
# main workflow, and shared. A new rule that writes to resources/ must be added to the exclude list below, as is
# the report rule (REPRODUCTION.md, docs/reproduction/: the main run's report, rules/report.smk).

for _rerun in RERUNS:
    rerun = _rerun["prefix"]

    module:
        name: rerun
        snakefile: "../Snakefile"
        config: _rerun["config"]
        replace_prefix: {"results/": f"{_rerun['results']}/", "logs/": f"{_rerun['logs']}/"}

    use rule * from rerun exclude all, brain_fetch_allen, brain_prepare, brain_distances, mnist_download, report as rerun*
