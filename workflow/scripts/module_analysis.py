"""Per-network module analysis of one ensemble (rule module_analysis)."""
from modbound import ensembles, io, selectivity, seeding

io.setup_logging(snakemake.log[0])
act = ensembles.load_activity(snakemake.input.activity)
seeds = seeding.derive_seeds(snakemake.params.seed, act.n_models, snakemake.wildcards.ensemble, "louvain")
result = selectivity.analyse_ensemble(act, gamma=snakemake.params.gamma,
                                      louvain_runs=snakemake.params.louvain_runs, seeds=seeds)
io.save_npz(snakemake.output[0], **result)
