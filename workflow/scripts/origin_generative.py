"""Fig S6 / S7 compute: Q of the sign, difference and sign-difference models (rule generative_analysis)."""
from modbound.models import ffnn
from modbound.core import io

io.setup_logging(snakemake.log[0])
p = snakemake.params
io.save_npz(snakemake.output[0], **ffnn.generative_with_examples(p.cfg, gamma=p.gamma, louvain_runs=p.louvain_runs,
                                                                 master_seed=p.seed))
