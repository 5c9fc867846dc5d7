"""Fig S8 compute: random sigmoid RNNs with and without input (rule random_rnn_analysis)."""
from modbound.core import io
from modbound.models import random_rnn

io.setup_logging(snakemake.log[0])
p = snakemake.params
io.save_npz(snakemake.output[0], **random_rnn.experiment(**p.cfg, gamma=p.gamma, louvain_runs=p.louvain_runs,
                                                         master_seed=p.seed))
