"""Fig S8 compute: random sigmoid RNNs with and without input (rule random_rnn_analysis)."""
from modbound.core import io
from modbound.models import random_rnn

io.setup_logging(snakemake.log[0])
p = snakemake.params
cfg = {k: v for k, v in p.cfg.items() if k != "stability_from"}  # a setting of the figure (Fig S8a), not the model
io.save_npz(snakemake.output[0], **random_rnn.experiment(**cfg, gamma=p.gamma, louvain_runs=p.louvain_runs,
                                                         master_seed=p.seed))
