"""Train one configured ensemble of CTRNNs (rule train_ensemble)."""
import torch

from modbound.models import ensembles
from modbound.core import io

io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
ensembles.train(
    snakemake.wildcards.ensemble,
    snakemake.params.spec,
    rnn_cfg=snakemake.params.rnn,
    task_cfg=snakemake.params.tasks,
    master_seed=snakemake.params.seed,
    models_dir=snakemake.output.models,
    manifest_path=snakemake.output.manifest,
    device=snakemake.params.device,
)
