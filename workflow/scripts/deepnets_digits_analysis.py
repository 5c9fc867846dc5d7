"""Fig S4 compute: partitions of the hidden layer per set of digit images, ARI (rule digits_analysis)."""
import torch

from modbound import deepnets, io, seeding
from modbound.figures import digits

io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
p = snakemake.params
summary = io.read_json(snakemake.input.summary)
model = deepnets.load_classifier(snakemake.input.model, sha256=summary["checkpoint_sha256"])
data = deepnets.load_digit_data(p.cfg["dataset"], mnist_dir=p.mnist_dir, test_fraction=p.cfg["test_fraction"],
                                seed=seeding.derive_seed(p.seed, "figS4", "split"))
io.save_npz(snakemake.output[0], **digits.compute(
    data, model, n_sets=p.cfg["n_sets"], samples_per_set=p.cfg["samples_per_set"], gamma=p.gamma,
    louvain_runs=p.louvain_runs, seed=seeding.derive_seed(p.seed, "figS4", "partition_sets")))
