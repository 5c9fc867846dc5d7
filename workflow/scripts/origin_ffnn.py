"""Fig 2 / S7 compute: feed-forward sector, Hamming and cosine partitions vs N_in (rule ffnn_analysis)."""
from modbound.models import ffnn
from modbound.core import io

io.setup_logging(snakemake.log[0])
p = snakemake.params
io.save_npz(snakemake.output[0], **ffnn.sweep_with_examples(p.cfg, gamma=p.gamma, louvain_runs=p.louvain_runs,
                                                            n_perm=p.n_perm, null=p.null_model, master_seed=p.seed))
