"""Fig S3 compute (rule multitask_analysis)."""
from modbound import ensembles, io, seeding
from modbound.figures import multitask

io.setup_logging(snakemake.log[0])
act = ensembles.load_activity(snakemake.input.activity)
p = snakemake.params
seeds = seeding.derive_seeds(p.seed, act.n_models, "multitask", "partition_sets")
io.save_npz(snakemake.output[0], **multitask.compute(act, n_sets=p.n_sets, gamma=p.gamma,
                                                     louvain_runs=p.louvain_runs, seeds=seeds))
