"""Fig S3 compute: partitions of trial sets per task, ARI, task classification (rule multitask_analysis)."""
from modbound.models import ensembles
from modbound.core import io, partitions

io.setup_logging(snakemake.log[0])
p = snakemake.params
io.save_npz(snakemake.output[0], **partitions.task_partitions(
    ensembles.load_activity(snakemake.input.activity), n_sets=p.n_sets, gamma=p.gamma, louvain_runs=p.louvain_runs,
    master_seed=p.seed))
