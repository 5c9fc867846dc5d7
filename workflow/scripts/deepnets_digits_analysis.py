"""Fig S4 compute: partitions of the hidden layer per set of digit images, ARI (rule digits_analysis)."""
import torch

from modbound.models import deepnets
from modbound.analyses import deepnets_analysis
from modbound.core import io

io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
p = snakemake.params
summary = io.read_json(snakemake.input.summary)
model = deepnets.load_classifier(snakemake.input.model, sha256=summary["checkpoint_sha256"])
mnist_file = dict(snakemake.input.items()).get("mnist")   # the vendored archive, an input when dataset is mnist
data = deepnets.load_digit_data(p.cfg["dataset"], mnist_file=mnist_file, test_fraction=p.cfg["test_fraction"],
                                seed=deepnets.split_seed(p.seed))
io.save_npz(snakemake.output[0], **deepnets_analysis.digit_partitions(
    data, model, n_sets=p.cfg["n_sets"], samples_per_set=p.cfg["samples_per_set"], gamma=p.gamma,
    louvain_runs=p.louvain_runs, master_seed=p.seed))
