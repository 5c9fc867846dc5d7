# Replicates (issue 8): the whole analysis again under other master seeds, so that results/claims.md can
# show each claim's spread across seeds. config `replicates.seeds` lists them (default: none; paper: 4).
#
# Each seed is this same workflow loaded as a Snakemake module with `seed` replaced and its results/ and
# logs/ moved under results/replicates/seed<k>/ and logs/replicates/seed<k>/. Data in resources/ (downloads,
# prepared brain datasets, distance memmaps) is the same for every seed: the rules that make it are not
# imported from the replicates, so it is made once, by the main workflow, and shared.

for _seed in REPLICATE_SEEDS:
    replicate = f"seed{_seed}_"

    module:
        name: replicate
        snakefile: "../Snakefile"
        config: {**config, "seed": _seed, "replicates": {"seeds": []}}
        replace_prefix: {"results/": f"{replicate_dir(_seed)}/", "logs/": f"logs/replicates/seed{_seed}/"}

    use rule * from replicate exclude all, brain_fetch_allen, brain_prepare_human, brain_prepare_mouse, brain_distances, mnist_download as replicate*
