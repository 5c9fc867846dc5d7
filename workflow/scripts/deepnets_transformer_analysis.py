"""Fig S5 compute: one partition per sentence and layer, ARI matrices (rule transformer_analysis)."""
from modbound.analyses import deepnets_analysis
from modbound.core import io

io.setup_logging(snakemake.log[0])
p = snakemake.params
act = io.load_npz(snakemake.input.activity, required=("states", "token_sentence", "tokens", "sentences",
                                                      "subject", "form"))
io.save_npz(snakemake.output[0], **deepnets_analysis.sentence_partitions(act, gamma=p.gamma,
                                                                             louvain_runs=p.louvain_runs, seed=p.seed))
